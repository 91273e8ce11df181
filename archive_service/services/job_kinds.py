"""Which handler runs each kind of job (``job_runner`` registers them at first use)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..vocabulary import JobKind
from .exports import run_export
from .items.extraction import extraction_failed, run_extraction
from .jobs import FailHook, Handler, JobContext


def run_reindex(ctx: JobContext) -> dict[str, Any]:
    """Rebuild the search index into a new folder, reporting items done / total."""
    keeper = ctx.extras["keeper"]
    keeper.rebuild(lambda p: ctx.progress(p.done, p.total, "重建检索索引"), reason="任务：重建检索索引")
    return {"documents": keeper.index(background=False).doc_count()}


def register_all(register: Callable[[str, Handler, FailHook | None], None]) -> None:
    register(JobKind.EXTRACT, run_extraction, extraction_failed)
    register(JobKind.REINDEX, run_reindex, None)
    register(JobKind.EXPORT, run_export, None)
