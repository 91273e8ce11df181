"""Which search index answers, and keeping it whole.

The index folder holds builds (``indexing.home``); the keeper opens the current one for
search and, when there is none (deleted, damaged, of an old schema) or it is of another
engine than ``ARCHIVE_SEARCH_ENGINE`` names, rebuilds from the database into a new folder
in batches. Outbox entries are written to the current build and, for items the rebuild has
already passed, to the new one, so nothing changed meanwhile is lost; the swap is atomic.
While there is no current build, search answers 503 「检索索引正在重建…」; during an engine
switch the old build keeps answering. Under ``archive serve`` the background writer runs
``step()``; elsewhere (tests, CLI) a missing index is rebuilt in the foreground.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from indexing import IndexDoc, IndexUnavailableError, SearchIndex, open_index
from indexing.home import IndexHome, Progress

from .db import UnitOfWork
from .services.indexer import DecisionCodes, drain, live_count, no_codes, rebuild_batch

_log = logging.getLogger(__name__)

UNAVAILABLE = "检索索引正在重建（已完成 {percent}%），请稍后再试。"


class _Both:
    """Outbox writes during a rebuild: the current build, and the new one up to ``last_id``."""

    def __init__(self, current: SearchIndex | None, new: SearchIndex, last_id: int) -> None:
        self.current, self.new, self.last_id = current, new, last_id

    def upsert(self, docs: Iterable[IndexDoc]) -> int:
        batch = list(docs)
        if self.current is not None:
            self.current.upsert(batch)
        self.new.upsert(d for d in batch if d.item_id <= self.last_id)
        return len(batch)

    def stamps(self, item_ids: Iterable[int] | None = None) -> dict[int, str]:
        """What the current build holds: an item unchanged there is unchanged in both (the
        new build takes each item's latest state when its batch is written)."""
        return self.current.stamps(item_ids) if self.current is not None else {}

    def delete(self, item_ids: Iterable[int]) -> None:
        ids = list(item_ids)
        if self.current is not None:
            self.current.delete(ids)
        self.new.delete(ids)


class IndexKeeper:
    def __init__(self, root: Path, engine: str, uow: UnitOfWork,
                 codes: DecisionCodes = no_codes) -> None:
        self.home = IndexHome(root)
        self.engine = engine
        self._uow = uow
        self._codes = codes
        self._lock = threading.RLock()
        self._current: SearchIndex | None = None
        self._stamp = -1
        self._new: tuple[str, SearchIndex] | None = None
        self._known: dict[int, str] | None = None

    # search side

    def index(self, *, background: bool) -> SearchIndex:
        """The build that answers searches. Without one: rebuilt here and now unless
        ``background`` (then the writer rebuilds and this raises IndexUnavailableError)."""
        current = self._open_current()
        if current is not None:
            return current
        if not background:
            self.rebuild()
            current = self._open_current()
            if current is not None:
                return current
        self.start_rebuild("检索索引缺失")
        raise IndexUnavailableError(UNAVAILABLE.format(percent=self.percent()))

    def current_or_none(self) -> SearchIndex | None:
        return self._open_current()

    def report_broken(self) -> None:
        """Search found the current build unreadable: forget it and rebuild."""
        with self._lock:
            self.home.forget_current()
            self._current, self._stamp = None, -1
        self.start_rebuild("检索索引已损坏")

    def progress(self) -> Progress | None:
        return self.home.progress()

    def percent(self) -> int:
        progress = self.home.progress()
        return progress.percent if progress else 0

    def _open_current(self) -> SearchIndex | None:
        with self._lock:
            stamp = self.home.current_stamp()
            if stamp == self._stamp:
                return self._current
            build = self.home.current()
            current = open_index(self.home.path(build), build.engine) if build else None
            if current is not None and current.created:  # damaged or old schema: empty now
                self.home.forget_current()
                current, stamp = None, self.home.current_stamp()
            self._current, self._stamp = current, stamp
            return current

    # writer side

    def start_rebuild(self, reason: str) -> Progress:
        """Begin a rebuild into a new folder, unless one for this engine is under way."""
        with self._lock:
            progress = self.home.progress()
            if progress is not None and progress.engine == self.engine:
                return progress
            with self._uow() as session:
                total = live_count(session)
            build = self.home.new_build(self.engine)
            progress = Progress(build.engine, build.folder, total=total, reason=reason)
            self.home.save_progress(progress)
            self._new, self._known = None, None
            _log.info("search index rebuild started (%s): %s", reason, build.folder)
            return progress

    def step(self) -> bool:
        """One writer round: queued entries, then one rebuild batch; True if more is due.

        During a rebuild only the holder of the build lock writes (this process's writer
        or ``archive reindex``), so an entry is never written to the current build alone
        after the new build has passed its item."""
        current = self._open_current()
        progress = self.home.progress()
        if progress is None and (current is None or current.engine != self.engine):
            why = "切换检索引擎" if current is not None else "检索索引缺失"
            progress = self.start_rebuild(why)
        if progress is None:
            if current is not None:
                drain(self._uow, current, self._codes)
            return False
        with self._build_lock() as mine:
            progress = self.home.progress()  # another process may have moved it on
            if not mine or progress is None:
                return False
            new = self._new_index(progress)
            drain(self._uow, _Both(current, new, progress.last_id), self._codes)
            more = self._batch(progress, new)
        if not more:
            self._open_current()
        return more

    def write_now(self) -> None:
        """Write what is queued in this thread (no background writer: tests, CLI); a
        rebuild under way is finished first, since it covers the queued entries too."""
        if self.home.progress() is None and self._open_current() is not None:
            drain(self._uow, self.index(background=False), self._codes)
        else:
            self.rebuild()

    def rebuild(self, on_progress: Callable[[Progress], None] | None = None,
                reason: str = "重建检索索引") -> None:
        """Run (or continue) a rebuild to the end in this thread (``archive reindex``)."""
        self.start_rebuild(reason)
        while (progress := self.home.progress()) is not None:
            if on_progress is not None:
                on_progress(progress)
            if not self.step() and self.home.progress() is not None:
                time.sleep(0.5)  # another process holds the build lock
        self._open_current()

    def _new_index(self, progress: Progress) -> SearchIndex:
        if self._new is None or self._new[0] != progress.folder:
            path = self.home.path(progress.build)
            self._new = (progress.folder, open_index(path, progress.engine))
            self._known = None
        return self._new[1]

    def _batch(self, progress: Progress, new: SearchIndex) -> bool:
        """Write the next batch into the new build (caller holds the build lock); swap
        when nothing is left."""
        if self._known is None:
            self._known = new.stamps()  # a resumed rebuild skips what is already there
        last_id, count = rebuild_batch(self._uow, new, progress.last_id, self._known,
                                      self._codes)
        if count:
            self.home.save_progress(replace(progress, last_id=last_id,
                                            done=min(progress.total, progress.done + count)))
            return True
        self.home.swap(progress.build)
        self._new, self._known = None, None
        _log.info("search index rebuilt: %s", progress.folder)
        return False

    @contextmanager
    def _build_lock(self) -> Iterator[bool]:
        """One builder across processes (the server's writer or ``archive reindex``)."""
        self.home.root.mkdir(parents=True, exist_ok=True)
        with open(self.home.root / "rebuild.lock", "a") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
            try:
                yield True
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)
