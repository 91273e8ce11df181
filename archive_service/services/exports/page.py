"""What the 导出与任务 page shows: the form's dropdowns, the exports with their progress and the
recent jobs, each limited to what the acting admin may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ...models import Job, User
from ...vocabulary import EXPORT_SCOPE_NAMES, JobState
from .. import jobs
from ..choices import Choices, choices_for
from ..register import current_year
from ..settings import Settings
from .records import list_exports


@dataclass
class ExportsPage:
    year: str
    choices: Choices
    scopes: dict[str, str]
    exports: list[dict[str, Any]]
    jobs: list[dict[str, Any]]


def _with_progress(session: Session, export: dict[str, Any]) -> dict[str, Any]:
    job = session.get(Job, export["job_id"]) if export["job_id"] else None
    export["progress"] = {"done": job.progress_done if job else 0,
                          "total": job.progress_total if job else 0}
    export["active"] = export["state"] in (JobState.QUEUED, JobState.RUNNING)
    return export


def _retryable(job: dict[str, Any]) -> dict[str, Any]:
    job["retryable"] = job["state"] == JobState.FAILED
    return job


def exports_page(session: Session, settings: Settings, actor: User, year: str = "") -> ExportsPage:
    year = year or current_year(settings)
    return ExportsPage(year=year, choices=choices_for(session, settings, actor, year),
                       scopes=dict(EXPORT_SCOPE_NAMES),
                       exports=[_with_progress(session, e) for e in list_exports(session, actor)],
                       jobs=[_retryable(j) for j in jobs.recent_jobs(session, actor)])
