"""The archive's own Flask extension: settings, object store and search index per app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from indexing import ENGINES, SearchIndex, open_index
from storage import ObjectStore, S3ObjectStore

from .db import db
from .errors import AppError
from .services.indexer import drain
from .services.settings import Settings


@dataclass
class ArchiveState:
    settings: Settings
    s3: dict[str, str]
    index_dir: Path
    engine: str = "whoosh"
    _store: ObjectStore | None = field(default=None, repr=False)
    _index: SearchIndex | None = field(default=None, repr=False)
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
    def index(self) -> SearchIndex:
        if self._index is None:
            folder = self.index_dir if self.engine == "whoosh" else self.index_dir / self.engine
            self._index = open_index(folder, self.engine)
        return self._index


class Archive:
    def init_app(self, app: Flask) -> None:
        cfg = app.config
        app.extensions["archive"] = ArchiveState(
            settings=Settings.from_config(cfg),
            s3={"endpoint": cfg["S3_ENDPOINT"], "access_key": cfg["S3_ACCESS_KEY"],
                "secret_key": cfg["S3_SECRET_KEY"], "bucket": cfg["S3_BUCKET"]},
            index_dir=Path(cfg["INDEX_DIR"]),
            engine=_engine(cfg.get("SEARCH_ENGINE") or "whoosh"),
        )

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
        """Drain the outbox; an index failure leaves the entries queued and is logged."""
        try:
            drain(db.transaction, self.index)
        except Exception:  # noqa: BLE001 - derived data; `archive reindex` repairs it
            current_app.logger.exception("索引更新失败，已保留在待办队列中")


def _engine(name: str) -> str:
    if name not in ENGINES:
        raise AppError("bad_config", f"检索引擎设置 ARCHIVE_SEARCH_ENGINE={name!r} 无效，"
                       f"请设为 {' 或 '.join(ENGINES)}。", 500)
    return name


archive = Archive()
