"""What a job handler gets: its parameters, a unit of work, the store, settings and progress."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from storage import ObjectStore

from ...db import UnitOfWork
from ..settings import Settings
from . import records

REPORT_EVERY = 0.5  # seconds between progress writes (the last step is always written)


class JobInterrupted(Exception):  # noqa: N818 - a signal, not an error: the job is re-queued
    """The worker is stopping: the job goes back to the queue instead of finishing."""


def _never() -> bool:
    return False


@dataclass
class JobContext:
    job_id: int
    params: dict[str, Any]
    uow: UnitOfWork
    store: ObjectStore
    settings: Settings
    extras: dict[str, Any] = field(default_factory=dict)  # e.g. the index keeper
    # enters the app's context: progress may be reported from a handler's own threads (OCR)
    within: Callable[[], AbstractContextManager[Any]] = contextlib.nullcontext
    should_stop: Callable[[], bool] = _never  # the worker is shutting down
    _last: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def progress(self, done: int, total: int, current: str = "") -> None:
        """Record progress (throttled; the final step always); raises ``JobInterrupted``
        when the worker is stopping (its tools may have been killed: the result is not kept)."""
        if self.should_stop():
            raise JobInterrupted()
        with self._lock:
            now = time.monotonic()
            if done < total and now - self._last < REPORT_EVERY:
                return
            self._last = now
            with self.within():
                records.report(self.uow, self.job_id, done, total, current)


Handler = Callable[[JobContext], dict[str, Any]]
"""Runs the job; returns its result (JSON).  Raise ``AppError`` with a Chinese message to fail."""
FailHook = Callable[[JobContext, str], None]
"""Leaves the job's subject in a clear state when the job fails (e.g. the item's file)."""
