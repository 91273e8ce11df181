"""The ``archive`` command: serve, init, schools, users, tokens, check, reindex.

The same commands are available under ``flask --app archive_service.app:create_app``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from . import cli_backup
from .app import create_app
from .cli_errors import ArchiveGroup
from .commands import check, reindex, school, token, user
from .config import instance_path, load_config
from .db import db
from .extensions import archive
from .models import User


def _app(overrides: dict[str, Any] | None = None) -> Flask:
    return create_app(overrides)


@click.group(cls=ArchiveGroup)
def main() -> None:
    """校本研修档案 archive_service."""


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Web 进程数：1 由 waitress 在本进程内服务；大于 1 时由 gunicorn 启动多个 Web 进程")
def serve(host: str, port: int, threads: int, workers: int) -> None:
    """Run the web service (and a supervised local SeaweedFS unless ARCHIVE_S3_ENDPOINT is set).

    One web process (default): waitress in this process, beside the index writer and the job
    worker.  ``--workers N`` (N > 1): gunicorn runs N web processes (threads each) that only
    answer requests; this process keeps SeaweedFS, the one index writer and the job worker.

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
        _serve_app(_app(overrides), managed, host=host, port=port, threads=threads,
                   workers=workers, overrides=overrides)
    finally:
        if managed is not None:
            managed.stop()
    click.echo("服务已停止。")


def _serve_app(app: Flask, managed: Any, *, host: str, port: int, threads: int, workers: int = 1,
               overrides: dict[str, Any] | None = None) -> None:
    from indexing import warm_up

    from .extract import tool_status
    from .runtime import serve_forever
    from .services.setup import initialise

    with app.app_context():
        archive.store.ensure_bucket()
        password = initialise(db.engine, db.transaction, archive.settings, archive.store)
    # queued index work is written in the background (web processes of gunicorn queue it too)
    writer = archive.start_writer(app, poll=1.0 if workers > 1 else 5.0)
    from .job_runner import start_worker

    worker = start_worker(app, threads=1)  # OCR, conversions, exports: off the request
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
        if workers > 1:
            from .runtime import serve_gunicorn

            serve_gunicorn(app, host=host, port=port, threads=threads, workers=workers,
                           env=overrides or {}, stopping=worker.request_stop,
                           ready=lambda url: click.echo(f"请在浏览器中打开 {url} 登录（{workers} 个 Web 进程）"))
        else:
            serve_forever(app, host=host, port=port, threads=threads,
                          ready=lambda url: click.echo(f"请在浏览器中打开 {url} 登录", nl=True),
                          stopping=worker.request_stop)
    finally:
        worker.stop()  # a job cut short is re-queued at the next start
        writer.stop()  # finish the batch in progress; the rest stays queued for next start


@click.command()
@click.option("--threads", default=1, show_default=True, type=int, help="同时运行的任务数")
@with_appcontext
def worker(threads: int) -> None:
    """Run job workers (OCR, conversions, exports) until SIGTERM/SIGINT.

    Against Redis (ARCHIVE_REDIS_URL) for web processes on several machines; without it on the
    embedded queue of this instance.  Interrupted jobs are re-queued at start."""
    import signal

    from flask import current_app

    from .job_runner import start_worker
    from .runtime import log_to_stderr

    log_to_stderr()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    # Whoosh allows one writer: the index work these jobs queue is written by the writer of
    # `archive serve` (it polls the outbox), never from this process
    app.extensions["archive"].web_only = True
    running = start_worker(app, threads=max(1, threads))
    backend = archive.state.queue.backend
    click.echo(f"任务进程已启动（{threads} 个线程，队列：{'Redis' if backend == 'redis' else '内置 SQLite'}）")
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: running.request_stop())
    running.wait()
    running.stop()
    click.echo("任务进程已停止。")


@click.command("export")
@click.option("--school", required=True, help="学校名称或编号")
@click.option("--year", required=True, help="学年，例如 2025-2026")
@click.option("--scope", type=click.Choice(["selected", "counted"]), default="selected", show_default=True,
              help="selected：学校筛选入册的成果；counted：计入学时的成果")
@click.option("--teacher", default="", help="只导出这位教师（用户名）")
@click.option("--user", "username", default="admin", show_default=True, help="以哪个管理员账号导出（记入导出记录）")
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export_command(school: str, year: str, scope: str, teacher: str, username: str, out_dir: Path) -> None:
    """Export the bound collection (PDF, 学时登记表 XLSX, ZIP of originals, register snapshot)
    into OUT_DIR, with a progress bar; the export is also listed in the service."""
    import threading
    import time

    from flask import current_app

    from .job_runner import run_job
    from .models import Export, Job
    from .services import exports
    from .services.accounts import user_match

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    ref: str | int = int(school) if school.isdigit() else school
    with db.transaction() as session:
        actor = session.scalar(select(User).where(user_match(username)))
        if actor is None:
            raise click.ClickException(f"用户「{username}」不存在。")
        export = exports.start_export(session, actor, exports.ExportRequest(
            year=year, scope=scope, school=ref, teacher=teacher))
        export_id, job_id = export.id, export.job_id
    # run it here (a running service's worker may have taken it first: then just follow it)
    threading.Thread(target=run_job, args=(app, job_id), daemon=True).start()
    with click.progressbar(length=1, label="导出成果集", show_pos=True) as bar:
        while True:
            db.session.rollback()
            job = db.session.get(Job, job_id)
            if job is None:
                raise click.ClickException("导出任务记录丢失。")
            bar.length = max(1, job.progress_total)
            bar.update(job.progress_done - bar.pos)
            if job.state in ("done", "failed"):
                break
            time.sleep(0.3)
    if job.state == "failed":
        raise click.ClickException(job.error or "导出失败。")
    record = db.session.get(Export, export_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    for entry in record.files if record else []:
        target = out_dir / entry["name"]
        part = target.with_name(target.name + ".part")
        with part.open("wb") as handle:
            for chunk in archive.store.open(entry["key"]):
                handle.write(chunk)
        part.replace(target)
        click.echo(f"已写入 {target}（{entry['size']:,} 字节）")


@main.command()
def init() -> None:
    """Create or migrate the database; create the first admin and print its password once."""
    from .services.setup import initialise

    with _app().app_context():
        password = initialise(db.engine, db.transaction, archive.settings)
    if password:
        click.echo(f"已创建管理员账号 admin，初始密码：{password}（只显示这一次）")
    else:
        click.echo("数据库已是最新结构。")


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
main.add_command(_with_store(worker))
main.add_command(_with_store(export_command))
main.add_command(_with_store(cli_backup.backup))
main.add_command(_with_store(cli_backup.restore))
