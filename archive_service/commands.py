"""The admin commands (schools, users, tokens, check, reindex), run inside an app context.

``archive`` (``cli.py``) wraps them with an app it creates; ``create_app`` adds them to
``flask --app archive_service.app:create_app`` too.  They need no app factory themselves, so
the factory can register them without importing the ``archive`` entry point.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

import click
from flask import Flask
from flask.cli import with_appcontext

from .vocabulary import LogAction, Role

if TYPE_CHECKING:
    from indexing.home import Progress


def register_flask_commands(app: Flask) -> None:
    """Expose the admin commands under ``flask`` too."""
    for command in (school, user, token, check, reindex):
        app.cli.add_command(command)


@click.group()
def school() -> None:
    """学校管理."""


@school.command("add")
@click.argument("name")
@with_appcontext
def school_add(name: str) -> None:
    from .db import db
    from .services.accounts import add_school

    with db.transaction() as session:
        row = add_school(session, name)
        click.echo(f"已添加学校 #{row.id} {row.name}")


@click.group()
def user() -> None:
    """用户管理."""


@user.command("add")
@click.argument("username")
@click.option("--name", default="", help="姓名")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--school", "school_ref", default=None, help="学校名称或编号；督查员/管理员不填表示全部学校")
@click.option("--staff-no", default="", help="工号")
@click.option("--subject", default="", help="学科")
@click.option("--password", default=None, help="不填则自动生成并显示一次")
@with_appcontext
def user_add(username: str, name: str, role: str, school_ref: str | None, staff_no: str,
             subject: str, password: str | None) -> None:
    from .db import db
    from .services.accounts import add_user, cli_ref, generate_password

    secret = password or generate_password()
    with db.transaction() as session:
        row = add_user(session, username=username, name=name or username, role=role,
                       password=secret, school=cli_ref(school_ref), staff_no=staff_no, subject=subject)
        click.echo(f"已添加用户 #{row.id} {row.username}（{role}）")
    if not password:
        click.echo(f"初始密码：{secret}")


@user.command("set-password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="从标准输入读取新密码（便于脚本），否则交互输入两次")
@with_appcontext
def user_set_password(username: str, password_stdin: bool) -> None:
    """Set USERNAME's password (usable at once; ends the user's sessions and tokens)."""
    from .db import db
    from .services import audit
    from .services.accounts import set_password

    if password_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
    else:
        secret = click.prompt("新密码", hide_input=True, confirmation_prompt="再次输入新密码")
    with db.transaction() as session:
        row = _user_named(session, username)
        set_password(session, row, secret)
        audit.record(session, audit.Entry(LogAction.PASSWORD_RESET, None, "命令行",
                                          details={"user": username, "how": "set-password"}))
    click.echo(f"已设置用户「{username}」的密码；其原有的登录和 API 令牌均已失效。")


@click.group()
def token() -> None:
    """API 令牌管理（数据库只保存令牌的摘要）."""


def _user_named(session: Any, username: str) -> Any:
    from sqlalchemy import select

    from .models import User

    row = session.scalar(select(User).where(User.username == username))
    if row is None:
        raise click.ClickException(f"用户「{username}」不存在。")
    return row


@token.command("new")
@click.argument("username")
@click.option("--name", default="", help="令牌名称（便于日后识别和吊销）")
@with_appcontext
def token_new(username: str, name: str) -> None:
    """Print a new named API token for USERNAME (shown once)."""
    from .db import db
    from .services import audit
    from .services.accounts import issue_token

    with db.transaction() as session:
        row = _user_named(session, username)
        secret = issue_token(session, row, name)
        audit.record(session, audit.Entry("token_create", row.id, "命令行",
                                          details={"user": username, "name": name}))
    click.echo(secret)


@token.command("list")
@click.argument("username")
@with_appcontext
def token_list(username: str) -> None:
    """List USERNAME's live tokens (id, name, created, last used)."""
    from .db import db
    from .services.accounts import tokens_of

    with db.transaction() as session:
        rows = tokens_of(session, _user_named(session, username).id)
    for row in rows:
        used = row.last_used_at.isoformat(timespec="seconds") if row.last_used_at else "从未使用"
        click.echo(f"#{row.id}\t{row.name}\t创建 {row.created_at:%Y-%m-%d %H:%M}\t最近使用 {used}")
    if not rows:
        click.echo("没有有效的令牌。")


@token.command("revoke")
@click.argument("username")
@click.option("--name", default=None, help="只吊销这个名称的令牌")
@click.option("--id", "token_id", default=None, type=int, help="只吊销这个编号的令牌")
@with_appcontext
def token_revoke(username: str, name: str | None, token_id: int | None) -> None:
    """Revoke USERNAME's tokens (all of them unless --name or --id is given)."""
    from .db import db
    from .services import audit
    from .services.accounts import revoke_named_token, revoke_token

    with db.transaction() as session:
        row = _user_named(session, username)
        if token_id is not None:
            revoke_token(session, row.id, token_id)
            count = 1
        else:
            count = revoke_named_token(session, row, name)
        audit.record(session, audit.Entry("token_revoke", None, "命令行",
                                          details={"user": username, "count": count}))
    click.echo(f"已吊销 {count} 个令牌。")


@click.command()
@click.option("--repair", is_flag=True, help="修复可自动修复的问题（重建索引、中止残留分片上传、隔离孤儿对象）")
@click.option("--grace-hours", default=24, show_default=True, help="孤儿对象超过多少小时才隔离")
@click.option("--audit", "audit_only", is_flag=True, help="只核对审计日志的哈希链")
@with_appcontext
def check(repair: bool, grace_hours: int, audit_only: bool) -> None:
    """Compare database, object store and index; exit 1 if they disagree."""
    from .db import db
    from .extensions import archive
    from .services.audit import verify
    from .services.consistency import run_check
    from .services.indexer import decision_codes

    if audit_only:
        chain = verify(db.session)
        click.echo(chain.render())
        sys.exit(0 if chain.ok else 1)

    report = run_check(db.transaction, archive.store, archive.index, repair=repair,
                       grace_hours=grace_hours, restore_days=archive.settings.restore_days,
                       codes=decision_codes(archive.settings))
    click.echo(report.render())
    if not report.ok and not repair:
        sys.exit(1)


@click.command()
@with_appcontext
def reindex() -> None:
    """Rebuild the search index from the database into a new folder, then swap it in.

    Search keeps answering from the current index meanwhile; a killed reindex continues
    where it stopped when run again (or in the running server's background writer)."""
    from .extensions import archive

    keeper = archive.state.keeper
    progress = keeper.start_rebuild("archive reindex")
    with click.progressbar(length=max(1, progress.total), label="重建检索索引",
                           show_pos=True) as bar:
        def show(now: Progress) -> None:
            bar.update(now.done - bar.pos)

        keeper.rebuild(show, reason="archive reindex")
        bar.update(max(1, progress.total) - bar.pos)
    click.echo(f"已重建索引：{archive.index.doc_count()} 项（{keeper.engine}）")
