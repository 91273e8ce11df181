"""Job records: submit, claim, progress, finish or fail, recover, and what a user may see.

The row is the truth.  A job is ``queued`` until one worker claims it (an atomic update, so a
message delivered twice runs once), ``running`` with a heartbeat while it works, then ``done``
or ``failed``.  A worker that dies leaves its job ``running``: ``recover`` puts it back in the
queue once its process is gone (same machine) or its heartbeat is stale (another machine),
and fails it after ``MAX_ATTEMPTS`` interruptions, so no job stays running forever.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session

from ...db import UnitOfWork
from ...errors import AppError, NotFound
from ...models import Job, User, utcnow
from ...vocabulary import JOB_KIND_NAMES, JOB_STATE_NAMES, JobKind, JobState, Role
from ..scope import all_schools

MAX_ATTEMPTS = 3  # a job interrupted this many times is failed, not re-queued again
DISPATCH_MARK = "jobs"  # the table name the after-commit hook looks for


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def submit(session: Session, kind: str, params: dict[str, Any], *, actor: User | None,
           school_id: int | None = None, item_id: int | None = None) -> Job:
    """A queued job, sent to the queue after the transaction commits (never before)."""
    job = Job(kind=kind, state=JobState.QUEUED, params=params,
              created_by_id=actor.id if actor else None,
              school_id=school_id if school_id is not None else (actor.school_id if actor else None),
              item_id=item_id)
    session.add(job)
    session.flush()
    return job


def mark_for_dispatch(session: Session) -> None:
    """Make the after-commit hook send queued jobs (for an update that re-queues one)."""
    session.info.setdefault("inserted", set()).add(DISPATCH_MARK)


def take_unsent(uow: UnitOfWork) -> list[int]:
    """Queued jobs not yet handed to the queue, marked as handed (the caller enqueues them)."""
    with uow() as session:
        ids = list(session.scalars(select(Job.id).where(
            Job.state == JobState.QUEUED, Job.enqueued_at.is_(None)).order_by(Job.id)))
        if ids:
            session.execute(update(Job).where(Job.id.in_(ids)).values(enqueued_at=utcnow()))
    return ids


def claim(uow: UnitOfWork, job_id: int, worker: str) -> Job | None:
    """Take a queued job for ``worker``; None if it is gone or someone else has it."""
    with uow() as session:
        now = utcnow()
        taken = cast(CursorResult[Any], session.execute(
            update(Job).where(Job.id == job_id, Job.state == JobState.QUEUED).values(
                state=JobState.RUNNING, worker=worker, started_at=now, heartbeat_at=now,
                attempts=Job.attempts + 1, error=None))).rowcount
        return session.get(Job, job_id) if taken else None


def report(uow: UnitOfWork, job_id: int, done: int, total: int, current: str = "") -> None:
    with uow() as session:
        session.execute(update(Job).where(Job.id == job_id).values(
            progress_done=done, progress_total=total, progress_current=current[:300],
            heartbeat_at=utcnow()))


def beat(uow: UnitOfWork, job_id: int) -> None:
    with uow() as session:
        session.execute(update(Job).where(Job.id == job_id).values(heartbeat_at=utcnow()))


def finish(session: Session, job_id: int, result: dict[str, Any]) -> None:
    """Mark done inside the transaction that also writes the job's outcome."""
    session.execute(update(Job).where(Job.id == job_id).values(
        state=JobState.DONE, result=result, error=None, finished_at=utcnow(),
        progress_done=Job.progress_total))


def fail(session: Session, job_id: int, error: str) -> None:
    session.execute(update(Job).where(Job.id == job_id).values(
        state=JobState.FAILED, error=error, finished_at=utcnow()))


def requeue(session: Session, job_id: int) -> None:
    """Back to the queue (its worker is stopping); sent again after the commit."""
    session.execute(update(Job).where(Job.id == job_id).values(
        state=JobState.QUEUED, enqueued_at=None, worker=""))
    mark_for_dispatch(session)


def _dead_here(worker: str) -> bool:
    """The worker ran on this machine and its process is gone."""
    host, _, pid = worker.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass
class Recovered:
    requeued: list[int]
    failed: list[int]


def recover(uow: UnitOfWork, stale_seconds: float, alive: frozenset[str] = frozenset()) -> Recovered:
    """Re-queue jobs whose worker died (process gone on this machine, or no heartbeat for
    ``stale_seconds``); ``alive`` names runners known to be working (this process's own)."""
    out = Recovered([], [])
    limit = utcnow() - timedelta(seconds=stale_seconds)
    with uow() as session:
        for job in session.scalars(select(Job).where(Job.state == JobState.RUNNING)):
            if job.worker in alive:
                continue
            stale = job.heartbeat_at is None or job.heartbeat_at < limit
            if not (stale or _dead_here(job.worker)):
                continue
            if job.attempts >= MAX_ATTEMPTS:
                job.state, job.finished_at = JobState.FAILED, utcnow()
                job.error = f"任务已中断 {job.attempts} 次（处理它的进程退出），不再自动重试。管理员可在任务页重试。"
                out.failed.append(job.id)
            else:
                job.state, job.enqueued_at, job.worker = JobState.QUEUED, None, ""
                out.requeued.append(job.id)
        if out.requeued:
            mark_for_dispatch(session)
    return out


def resend_lost(uow: UnitOfWork, older_than: float) -> int:
    """Queued jobs whose message was lost (the queue is empty, yet they wait): send again."""
    limit = utcnow() - timedelta(seconds=older_than)
    with uow() as session:
        count = cast(CursorResult[Any], session.execute(update(Job).where(
            Job.state == JobState.QUEUED, Job.enqueued_at < limit).values(enqueued_at=None))).rowcount
        if count:
            mark_for_dispatch(session)
    return int(count or 0)


def may_see(user: User, job: Job) -> bool:
    """The one who started it; admins of its school (or of all schools)."""
    if job.created_by_id == user.id:
        return True
    if user.role != Role.ADMIN:
        return False
    return all_schools(user) or (job.school_id is not None and job.school_id == user.school_id)


def visible_job(session: Session, user: User, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None or not may_see(user, job):
        raise NotFound()
    return job


def recent_jobs(session: Session, user: User, limit: int = 50) -> list[dict[str, Any]]:
    """The newest jobs the user may see (state, progress, error), newest first."""
    query = select(Job).order_by(Job.id.desc())
    if user.role != Role.ADMIN:
        query = query.where(Job.created_by_id == user.id)
    elif not all_schools(user):
        query = query.where(or_(Job.school_id == user.school_id, Job.created_by_id == user.id))
    return [job_dict(job) for job in session.scalars(query.limit(limit))]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.replace(tzinfo=UTC).isoformat(timespec="seconds")


def job_dict(job: Job) -> dict[str, Any]:
    return {
        "id": job.id, "kind": job.kind, "kind_name": JOB_KIND_NAMES.get(job.kind, job.kind),
        "state": job.state, "state_name": JOB_STATE_NAMES.get(job.state, job.state),
        "progress": {"done": job.progress_done, "total": job.progress_total,
                     "current": job.progress_current},
        "result": job.result, "error": job.error, "attempts": job.attempts,
        "item_id": job.item_id,
        "created_at": _iso(job.created_at), "started_at": _iso(job.started_at),
        "finished_at": _iso(job.finished_at),
    }


def retry(session: Session, user: User, job_id: int) -> Job:
    """An admin puts a failed job back in the queue."""
    job = visible_job(session, user, job_id)
    if user.role != Role.ADMIN:
        raise AppError("forbidden", "只有管理员可以重试任务。", 403)
    if job.state != JobState.FAILED:
        raise AppError("job_not_failed", f"任务当前状态为「{JOB_STATE_NAMES[job.state]}」，只有失败的任务可以重试。",
                       409)
    job.state, job.enqueued_at, job.error, job.worker = JobState.QUEUED, None, None, ""
    job.attempts = 0
    job.progress_done = 0
    if job.kind == JobKind.EXTRACT:
        from ..items.extraction import reading_again

        reading_again(session, job.id)
    mark_for_dispatch(session)
    session.flush()
    return job
