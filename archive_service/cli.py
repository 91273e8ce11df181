"""The ``archive`` command: serve, init, schools, users, tokens, check, reindex.

The same commands are available under ``flask --app archive_service.app:create_app``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click
from flask import Flask
from flask.cli import with_appcontext

from . import cli_backup
from .cli_errors import ArchiveGroup
from .config import instance_path, load_config
from .vocabulary import Role

if TYPE_CHECKING:
    from indexing.home import Progress


def _app(overrides: dict[str, Any] | None = None) -> Flask:
    from .app import create_app

    return create_app(overrides)


@click.group(cls=ArchiveGroup)
def main() -> None:
    """校本研修档案 archive_service."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
def serve(host: str, port: int, threads: int) -> None:
    """Run the web service (and a supervised local SeaweedFS unless ARCHIVE_S3_ENDPOINT is set).

    SIGTERM or SIGINT stop it cleanly: no new requests, in-flight ones get a grace period,
    SeaweedFS is stopped (SIGKILL if it does not exit), exit status 0.
    """
    from .runtime import ManagedStore, log_to_stderr, s3_overrides

    log_to_stderr()
    config = load_config(instance_path())
    managed = None if config["S3_ENDPOINT"] else ManagedStore(config)
    overrides: dict[str, Any] = {}
    try:
        if managed is not None:
            s3 = managed.start()
            overrides = s3_overrides(s3)
            click.echo(f"已启动本地 SeaweedFS：{s3.endpoint}（数据目录 {config['SEAWEED_DIR']}）")
        _serve_app(_app(overrides), managed, host=host, port=port, threads=threads)
    finally:
        if managed is not None:
            managed.stop()
    click.echo("服务已停止。")


def _serve_app(app: Flask, managed: Any, *, host: str, port: int, threads: int) -> None:
    from indexing import warm_up

    from .db import db
    from .extensions import archive
    from .extract import tool_status
    from .runtime import serve_forever
    from .services.setup import initialise

    with app.app_context():
        archive.store.ensure_bucket()
        password = initialise(db.engine, db.transaction, archive.settings, archive.store)
    writer = archive.start_writer(app)  # queued index work is written in the background
    if managed is not None:
        state = app.extensions["archive"]
        state.storage_health = lambda: managed.health().as_dict()
        managed.listeners.append(lambda s3: state.use_s3(s3.endpoint, s3.access_key, s3.secret_key, s3.bucket))
    warm_up()  # jieba's dictionary, before the first upload or search
    click.echo(f"实例目录：{app.instance_path}")
    click.echo(f"文本工具：{json.dumps(tool_status(), ensure_ascii=False)}")
    if password:
        click.echo(f"已创建管理员账号 admin，初始密码：{password}（只显示这一次，请登录后妥善保管）")
    try:
        serve_forever(app, host=host, port=port, threads=threads,
                      ready=lambda url: click.echo(f"请在浏览器中打开 {url} 登录", nl=True))
    finally:
        writer.stop()  # finish the batch in progress; the rest stays queued for next start


@main.command()
def init() -> None:
    """Create or migrate the database; create the first admin and print its password once."""
    from .db import db
    from .extensions import archive
    from .services.setup import initialise

    with _app().app_context():
        password = initialise(db.engine, db.transaction, archive.settings)
    if password:
        click.echo(f"已创建管理员账号 admin，初始密码：{password}（只显示这一次）")
    else:
        click.echo("数据库已是最新结构。")


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


def _callback_of(command: click.Command) -> Callable[..., Any]:
    if command.callback is None:
        raise TypeError(f"command {command.name!r} has no callback to wrap")
    return command.callback


def _with_store(command: click.Command) -> click.Command:
    """Run an admin command with an object store: the configured one, the SeaweedFS of a
    running ``archive serve``, or a managed SeaweedFS started for the command."""
    callback = _callback_of(command)

    def run(*args: Any, **kwargs: Any) -> Any:
        from .runtime import store_overrides

        config = load_config(instance_path())
        with store_overrides(config, lambda line: click.echo(line, err=True)) as overrides:
            with _app(overrides).app_context():
                return callback(*args, **kwargs)

    return click.Command(command.name, callback=run, params=command.params, help=command.help)


def _plain(command: click.Command) -> click.Command:
    """Run a database-only command inside an app context."""
    callback = _callback_of(command)

    def run(*args: Any, **kwargs: Any) -> Any:
        with _app().app_context():
            return callback(*args, **kwargs)

    return click.Command(command.name, callback=run, params=command.params, help=command.help)


def _plain_group(group: click.Group) -> click.Group:
    wrapped = click.Group(group.name, help=group.help)
    for sub in group.commands.values():
        wrapped.add_command(_plain(sub))
    return wrapped


main.add_command(_plain_group(school))
main.add_command(_plain_group(user))
main.add_command(_plain_group(token))
main.add_command(_with_store(check))
main.add_command(_with_store(reindex))
main.add_command(_with_store(cli_backup.backup))
main.add_command(_with_store(cli_backup.restore))
