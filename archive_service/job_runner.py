"""Running jobs: the handler of each kind, the runner a worker thread calls, and recovery.

``archive serve`` runs one worker thread on the embedded queue; ``archive worker`` runs
several (against Redis when web processes run on several machines).  Every job is claimed in
the database first, beats a heartbeat while it works and ends ``done`` or ``failed`` with a
Chinese message; an interrupted one is re-queued by ``recover`` (see services/jobs/records.py).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from flask import Flask

from .db import db
from .errors import AppError
from .extensions import archive
from .queue import JobQueue, Worker
from .services import jobs
from .services.jobs import FailHook, Handler, JobContext, JobInterrupted

_log = logging.getLogger(__name__)
HEARTBEAT = 10.0  # seconds between heartbeats of a running job
RESEND_AFTER = 30.0  # a queued job whose message is not in the queue after this is sent again
HANDLERS: dict[str, tuple[Handler, FailHook | None]] = {}


def register(kind: str, handler: Handler, on_fail: FailHook | None = None) -> None:
    HANDLERS[kind] = (handler, on_fail)


def _handlers() -> dict[str, tuple[Handler, FailHook | None]]:
    from .services.job_kinds import register_all

    if not HANDLERS:
        register_all(register)
    return HANDLERS


class _Heartbeat:
    def __init__(self, job_id: int, app: Flask) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(job_id, app), daemon=True,
                                        name=f"job-{job_id}-heartbeat")
        self._thread.start()

    def _run(self, job_id: int, app: Flask) -> None:
        while not self._stop.wait(HEARTBEAT):
            try:
                with app.app_context():
                    jobs.records.beat(db.transaction, job_id)
            except Exception:  # noqa: BLE001 - a missed beat is retried; recovery tolerates it
                _log.warning("任务 %s 心跳写入失败", job_id, exc_info=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)


def run_job(app: Flask, job_id: int, should_stop: Callable[[], bool] = lambda: False) -> None:
    """Claim and run one job in ``app``'s context; nothing escapes (the job records it)."""
    with app.app_context():
        job = jobs.claim(db.transaction, job_id, jobs.worker_name())
        if job is None:
            return  # taken by another worker, or no longer queued
        handler, on_fail = _handlers().get(job.kind, (None, None))
        state = archive.state
        ctx = JobContext(job.id, dict(job.params), db.transaction, archive.store, archive.settings,
                         extras={"keeper": state.keeper, "app": app,
                                 "conversions": int(app.config.get("CONVERSIONS", 0) or 0)}, within=app.app_context,
                         should_stop=should_stop)
        if handler is None:
            _fail(ctx, None, f"未知的任务类型「{job.kind}」。")
            return
        beat = _Heartbeat(job.id, app)
        try:
            result = handler(ctx)
        except JobInterrupted:
            with db.transaction() as session:
                jobs.requeue(session, job.id)
            _log.warning("任务 %s 因进程停止而中断，已重新排队", job.id)
            return
        except AppError as exc:
            _fail(ctx, on_fail, exc.message)
            return
        except Exception as exc:  # noqa: BLE001 - recorded on the job, never lost
            _log.exception("任务 %s（%s）出错", job.id, job.kind)
            _fail(ctx, on_fail, f"任务执行出错（{type(exc).__name__}）。请稍后重试；仍然失败请联系管理员。")
            return
        finally:
            beat.stop()
        with db.transaction() as session:
            jobs.finish(session, job.id, result)


def _fail(ctx: JobContext, on_fail: FailHook | None, message: str) -> None:
    if on_fail is not None:
        try:
            on_fail(ctx, message)
        except Exception:  # noqa: BLE001 - the job's own state is still recorded below
            _log.exception("任务 %s 失败后的状态更新出错", ctx.job_id)
    with db.transaction() as session:
        jobs.fail(session, ctx.job_id, message)


def runner_for(app: Flask, should_stop: Callable[[], bool] = lambda: False) -> Callable[[int], None]:
    return lambda job_id: run_job(app, job_id, should_stop)


def recover_now(app: Flask) -> jobs.records.Recovered:
    """Re-queue interrupted jobs and re-send lost messages (start-up, then every few seconds)."""
    with app.app_context():
        stale = float(app.config.get("JOB_STALE_SECONDS", 60))
        found = jobs.recover(db.transaction, stale, frozenset({jobs.worker_name()}))
        for job_id in found.requeued:
            _log.warning("任务 %s 被中断，已重新排队", job_id)
        queue = archive.state.queue
        if queue.pending() == 0:
            jobs.resend_lost(db.transaction, RESEND_AFTER)
        return found


def start_worker(app: Flask, threads: int = 1) -> Worker:
    """Recover interrupted jobs, then start ``threads`` worker threads."""
    recover_now(app)
    queue: JobQueue = app.extensions["archive"].queue
    def idle() -> None:
        recover_now(app)

    worker = Worker(queue, runner_for(app, lambda: worker.stopping), threads=threads, on_idle=idle)
    worker.start()
    return worker


def drain(app: Flask, limit: int = 1000) -> int:
    """Run queued jobs in this thread until the queue is empty (tests, ``archive jobs run``)."""
    with app.app_context():
        queue = archive.state.queue
    runner = runner_for(app)
    count = 0
    while count < limit and queue.work_once(runner):
        count += 1
    return count
