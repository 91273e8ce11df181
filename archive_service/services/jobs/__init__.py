"""Jobs: records in the database (the truth) handed to the queue's workers by id."""

from .context import FailHook, Handler, JobContext, JobInterrupted
from .records import (
    claim,
    fail,
    finish,
    job_dict,
    mark_for_dispatch,
    recent_jobs,
    recover,
    requeue,
    resend_lost,
    retry,
    submit,
    take_unsent,
    visible_job,
    worker_name,
)

__all__ = ["FailHook", "Handler", "JobContext", "JobInterrupted", "claim", "fail", "requeue", "finish", "job_dict",
           "mark_for_dispatch", "recent_jobs", "recover", "resend_lost", "retry", "submit", "take_unsent",
           "visible_job", "worker_name"]
