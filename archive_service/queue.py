"""The job queue's transport: huey carries job ids from web processes to workers.

Embedded default: ``SqliteHuey`` in the instance folder (``jobs-queue.sqlite3``, WAL, fsync),
enough for ``archive serve`` and extra workers on the same machine.  With ``ARCHIVE_REDIS_URL``
set: ``RedisHuey``, for several web processes and workers on several machines.  The ``jobs``
table is the truth (state, progress, result); the queue only carries ids, so a lost message
is re-sent from the table (``services.jobs.recover``) and a duplicate one finds its job taken.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from huey import RedisHuey, SqliteHuey

_log = logging.getLogger(__name__)
QUEUE_NAME = "archive-jobs"
Runner = Callable[[int], None]


class JobQueue:
    """One huey instance and the one task it runs: ``run_job(job_id)``."""

    def __init__(self, redis_url: str, sqlite_file: Path) -> None:
        self.backend = "redis" if redis_url else "sqlite"
        if redis_url:
            self.huey: Any = RedisHuey(QUEUE_NAME, url=redis_url, results=False, blocking=True,
                                       read_timeout=1)
        else:
            self.huey = SqliteHuey(QUEUE_NAME, filename=str(sqlite_file), results=False, fsync=True)
        self._runner: Runner | None = None
        self._task = self.huey.task(name="run_job")(self._run)

    def _run(self, job_id: int) -> None:
        if self._runner is None:
            raise RuntimeError("job queue has no runner: only workers execute jobs")
        self._runner(job_id)

    def enqueue(self, job_id: int) -> None:
        self._task(job_id)

    def pending(self) -> int:
        return int(self.huey.pending_count())

    def work_once(self, runner: Runner) -> bool:
        """Take one message and run it; False when the queue was empty."""
        task = self.huey.dequeue()
        if task is None:
            return False
        self._runner = runner
        self.huey.execute(task)
        return True


class Worker:
    """Threads taking job ids off the queue and running them (``archive serve`` runs one,
    ``archive worker`` several).  ``runner`` wraps each job in the app context."""

    def __init__(self, queue: JobQueue, runner: Runner, *, threads: int = 1, idle: float = 0.5,
                 on_idle: Callable[[], None] | None = None) -> None:
        self.queue = queue
        self.runner = runner
        self.threads = threads
        self.idle = idle
        self.on_idle = on_idle
        self._stop = threading.Event()
        self._pool: list[threading.Thread] = []
        self.jobs_run = 0

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._pool)

    def start(self) -> None:
        self._stop.clear()
        for n in range(self.threads):
            thread = threading.Thread(target=self._loop, name=f"job-worker-{n}", daemon=True)
            thread.start()
            self._pool.append(thread)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def request_stop(self) -> None:
        """Stop taking new jobs (safe from a signal handler)."""
        self._stop.set()

    def stop(self, timeout: float = 30.0) -> None:
        """Stop taking jobs; wait for the ones running (an unfinished one is re-queued at the
        next start, see ``services.jobs.recover``)."""
        self._stop.set()
        for thread in self._pool:
            thread.join(timeout)
        self._pool = []

    def wait(self) -> None:
        """Block until ``stop`` (from a signal handler or another thread)."""
        while not self._stop.wait(0.5):
            pass

    def _loop(self) -> None:
        last_idle = 0.0
        while not self._stop.is_set():
            try:
                worked = self.queue.work_once(self.runner)
            except Exception:  # noqa: BLE001 - the queue backend failed: log, back off, retry
                _log.exception("任务队列读取失败，稍后重试")
                self._stop.wait(self.idle * 4)
                continue
            if worked:
                self.jobs_run += 1
                continue
            if self.on_idle is not None:
                now = time.monotonic()
                if now - last_idle > 5.0:
                    last_idle = now
                    try:
                        self.on_idle()
                    except Exception:  # noqa: BLE001 - recovery is retried next time
                        _log.exception("任务恢复检查失败")
            if self.queue.backend == "sqlite":
                self._stop.wait(self.idle)  # redis blocks in BRPOP instead
