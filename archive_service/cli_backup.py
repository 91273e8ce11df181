"""``archive backup OUT.tar`` and ``archive restore IN.tar`` (see services/backup)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext

from .services.backup import Progress

MB = 1024 * 1024


class BarProgress(Progress):
    """A click progress bar on stderr per phase."""

    def __init__(self) -> None:
        self._bar: Any = None

    def begin(self, label: str, total: int) -> None:
        self._bar = click.progressbar(length=max(total, 1), label=label, file=sys.stderr, show_pos=False,
                                      show_percent=True, show_eta=True)
        self._bar.__enter__()

    def advance(self, done: int) -> None:
        if self._bar is not None:
            self._bar.update(done)

    def end(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)
            self._bar = None


def _instance_files() -> dict[str, Path]:
    """The config and rules files to keep with a backup."""
    config = current_app.config
    files = {"config.toml": Path(current_app.instance_path) / "config.toml"}
    if config.get("RULES_FILE"):
        files["rules.toml"] = Path(config["RULES_FILE"])
    return {name: path for name, path in files.items() if path.is_file()}


@click.command()
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(out: Path) -> None:
    """Write database, every object and the config/rules files to OUT (a tar); safe while serving."""
    from .extensions import archive
    from .services.backup import backup as write_backup

    summary = write_backup(current_app.config["DATABASE_URL"], archive.store, _instance_files(), out, BarProgress())
    click.echo(f"已备份到 {out}：{summary.objects} 个对象（{summary.bytes / MB:.1f} MB），"
               f"数据库 {summary.database}，配置 {', '.join(summary.files) or '无'}，用时 {summary.seconds:.1f} 秒")


@click.command()
@click.argument("source", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@with_appcontext
def restore(source: Path) -> None:
    """Restore a backup tar into this instance, which must be empty; then migrate and rebuild the index."""
    from .db import db
    from .extensions import archive
    from .services.backup import restore as read_backup
    from .services.setup import initialise

    archive.store.ensure_bucket()
    db.engine.dispose()  # the restored database replaces whatever file an early connection opened
    summary = read_backup(current_app.config["DATABASE_URL"], archive.store, source,
                          Path(current_app.instance_path), BarProgress())
    db.engine.dispose()
    initialise(db.engine, db.transaction, archive.settings)
    archive.state.keeper.rebuild(reason="archive restore")  # a new build from the restored rows
    queued = archive.index.doc_count()
    click.echo(f"已从 {source} 恢复：{summary.objects} 个对象（{summary.bytes / MB:.1f} MB），"
               f"数据库 {summary.database}，写回配置 {', '.join(summary.files) or '无'}，已重建索引 {queued} 项。"
               "请运行 archive check 核对。")
