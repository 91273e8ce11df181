"""The archive's own Flask extension: settings, object store and search index per app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from indexing import ENGINES, SearchIndex
from indexing import IndexUnavailableError as IndexUnavailableError  # for the web layer
from indexing.home import Progress
from storage import ObjectStore, S3ObjectStore

from .db import db
from .errors import AppError
from .index_keeper import IndexKeeper
from .index_writer import IndexWriter
from .models import IndexOutbox, Job
from .queue import JobQueue
from .services.indexer import decision_codes
from .services.settings import Settings


@dataclass
class ArchiveState:
    settings: Settings
    s3: dict[str, str]
    index_dir: Path
    engine: str = "whoosh"
    _store: ObjectStore | None = field(default=None, repr=False)
    _keeper: IndexKeeper | None = field(default=None, repr=False)
    writer: IndexWriter | None = field(default=None, repr=False)
    queue_config: tuple[str, Path] = ("", Path("jobs-queue.sqlite3"))  # redis url, sqlite file
    # a gunicorn web process of `archive serve --workers N`: it only reads the index; the
    # serve process's one writer drains the outbox (and rebuilds) for all of them
    web_only: bool = False
    _queue: JobQueue | None = field(default=None, repr=False)
    # set by `archive serve` when it supervises the embedded SeaweedFS: its health as a dict
    storage_health: Callable[[], dict[str, Any]] | None = field(default=None, repr=False)

    def use_s3(self, endpoint: str, access_key: str, secret_key: str, bucket: str) -> None:
        """Point the store at new settings (the supervised SeaweedFS restarted on other ports)."""
        self.s3 = {"endpoint": endpoint, "access_key": access_key, "secret_key": secret_key, "bucket": bucket}
        self._store = None

    @property
    def store(self) -> ObjectStore:
        if self._store is None:
            if not self.s3.get("endpoint"):
                raise AppError("storage_unconfigured",
                               "未配置对象存储。请用 `archive serve` 启动（会自动启动本地 SeaweedFS），"
                               "或设置 ARCHIVE_S3_ENDPOINT 等环境变量。", 503)
            self._store = S3ObjectStore(self.s3["endpoint"], self.s3["access_key"],
                                        self.s3["secret_key"], self.s3["bucket"])
        return self._store

    @property
    def queue(self) -> JobQueue:
        """The job queue: embedded SQLite in the instance folder, or Redis when configured."""
        if self._queue is None:
            self._queue = JobQueue(*self.queue_config)
        return self._queue

    @property
    def keeper(self) -> IndexKeeper:
        if self._keeper is None:
            self._keeper = IndexKeeper(self.index_dir, self.engine, db.transaction,
                                       decision_codes(self.settings))
        return self._keeper

    @property
    def background(self) -> bool:
        """True when a background index writer runs (here, or for a web-only process in the
        ``archive serve`` process that started it)."""
        return self.web_only or (self.writer is not None and self.writer.running)

    @property
    def index(self) -> SearchIndex:
        """The current build; without one it is rebuilt (in the background when the writer
        runs, and IndexUnavailableError is raised meanwhile)."""
        return self.keeper.index(background=self.background)


class Archive:
    def init_app(self, app: Flask) -> None:
        cfg = app.config
        app.extensions["archive"] = ArchiveState(
            settings=Settings.from_config(cfg),
            s3={"endpoint": cfg["S3_ENDPOINT"], "access_key": cfg["S3_ACCESS_KEY"],
                "secret_key": cfg["S3_SECRET_KEY"], "bucket": cfg["S3_BUCKET"]},
            index_dir=Path(cfg["INDEX_DIR"]),
            engine=_engine(cfg.get("SEARCH_ENGINE") or "whoosh"),
            queue_config=(cfg.get("REDIS_URL") or "", Path(cfg["JOB_QUEUE_FILE"])),
            web_only=bool(cfg.get("WEB_ONLY")),
        )
        db.after_commit(app, self._follow_outbox)
        db.after_commit(app, self._send_jobs)

    def _send_jobs(self, inserted: frozenset[str]) -> None:
        """A commit that queued a job hands its id to the queue (after the commit, never
        before: a worker must find the row).  A failure leaves it for the workers' re-send."""
        if Job.__tablename__ not in inserted:
            return
        from .services.jobs import take_unsent

        queue = self.state.queue
        for job_id in take_unsent(db.transaction):
            try:
                queue.enqueue(job_id)
            except Exception:  # noqa: BLE001 - the row stays queued; workers re-send it
                current_app.logger.exception("任务 %s 未能送入队列，稍后由任务进程重新发送", job_id)

    def _follow_outbox(self, inserted: frozenset[str]) -> None:
        """A commit that queued index work drains it: the index follows the commit."""
        if IndexOutbox.__tablename__ in inserted:
            self.sync_index()

    @property
    def state(self) -> ArchiveState:
        return current_app.extensions["archive"]

    @property
    def settings(self) -> Settings:
        return self.state.settings

    @property
    def store(self) -> ObjectStore:
        return self.state.store

    @property
    def index(self) -> SearchIndex:
        return self.state.index

    def sync_index(self) -> None:
        """Called after every commit that queued index work (the ``db.after_commit`` hook).

        Queued work is written by the background writer when one runs (``archive serve``: this
        only wakes it), otherwise here and now (tests, CLI commands).
        An index failure leaves the entries queued and is logged."""
        state = self.state
        if state.web_only:
            return  # the writer of the serve process polls the outbox
        if state.writer is not None and state.background:
            state.writer.signal()
            return
        try:
            state.keeper.write_now()
        except Exception:  # noqa: BLE001 - derived data; `archive reindex` repairs it
            current_app.logger.exception("索引更新失败，已保留在待办队列中")

    def start_writer(self, app: Flask, poll: float = 15.0) -> IndexWriter:
        """Start the one background index writer of this process (``archive serve``); ``poll``
        is how often it looks for work queued by other processes."""
        state: ArchiveState = app.extensions["archive"]
        if state.writer is None:
            state.writer = IndexWriter(app, self._write_round, poll=poll)
        state.writer.start()
        return state.writer

    def _write_round(self) -> bool:
        return self.state.keeper.step()

    def index_broken(self) -> None:
        """Search found the index unreadable: rebuild it (in the background when serving)."""
        state = self.state
        state.keeper.report_broken()
        if state.writer is not None and state.background:
            state.writer.signal()

    def index_progress(self) -> Progress | None:
        """The rebuild under way, if any (for the admin page and the search page's banner)."""
        return self.state.keeper.progress()


def _engine(name: str) -> str:
    if name not in ENGINES:
        raise AppError("bad_config", f"检索引擎设置 ARCHIVE_SEARCH_ENGINE={name!r} 无效，"
                       f"请设为 {' 或 '.join(ENGINES)}。", 500)
    return name


archive = Archive()
