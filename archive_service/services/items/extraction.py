"""Reading an uploaded file's text as a job: OCR of a scan, conversion of a .doc.

The upload stored the object and committed the item with its version ``processing``; this job
fetches the object to a private temp file, reads it (OCR page by page, reported as progress),
then writes the text, 字数 and fingerprint to the version in one transaction with the index
outbox entry, so store, database and index stay in agreement.  On failure the version is
``failed`` with the reason; an admin can retry the job, the teacher can replace the file.
"""

from __future__ import annotations

import hashlib
import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import AppError
from ...models import IndexOutbox, Item, ItemVersion
from ...vocabulary import FileState
from ..copies import find_copy
from ..jobs import JobContext
from ..staging import StagedFile
from .form import read_text

JOB_TIMEOUT = 900.0  # seconds for one file's OCR or conversion (60 s per page is generous)


def _version_facts(ctx: JobContext) -> dict[str, Any]:
    with ctx.uow() as session:
        version = session.get(ItemVersion, int(ctx.params["version_id"]))
        if version is None:
            raise AppError("version_gone", "要识别的文件版本已不存在（成果可能已被删除）。", 404)
        return {"key": version.object_key, "filename": version.original_filename,
                "sha256": version.sha256, "size": version.size, "state": version.state}


def _fetch(ctx: JobContext, facts: dict[str, Any], folder: Path) -> StagedFile:
    """The stored original in a private temp file, checked against its recorded SHA-256."""
    path = folder / "original"
    digest = hashlib.sha256()
    with path.open("wb") as fh:
        for chunk in ctx.store.open(facts["key"]):
            digest.update(chunk)
            fh.write(chunk)
    if digest.hexdigest() != facts["sha256"]:
        raise AppError("object_mismatch",
                       "存储中的原件与记录的校验值不一致，无法识别。请联系管理员运行 archive check。", 409)
    return StagedFile(path=path, filename=facts["filename"], size=facts["size"],
                      sha256=facts["sha256"])


def run_extraction(ctx: JobContext) -> dict[str, Any]:
    facts = _version_facts(ctx)
    if facts["state"] == FileState.READY:
        return {"version_id": ctx.params["version_id"], "already": True}
    ctx.progress(0, 0, "正在读取原件")
    with tempfile.TemporaryDirectory(prefix="archive-job-") as tmp:
        staged = _fetch(ctx, facts, Path(tmp))

        def page(done: int, total: int) -> None:
            ctx.progress(done, total, f"正在识别文字：第 {done}/{total} 页")

        fields = read_text(staged, ctx.settings, ocr=ctx.settings.ocr_enabled, on_page=page,
                           timeout=JOB_TIMEOUT)
    return _store_text(ctx, fields)


def _store_text(ctx: JobContext, fields: dict[str, Any]) -> dict[str, Any]:
    ext = fields["extraction"]
    with ctx.uow() as session:
        version = session.get(ItemVersion, int(ctx.params["version_id"]))
        if version is None:
            raise AppError("version_gone", "要识别的文件版本已不存在（成果可能已被删除）。", 404)
        item = session.get(Item, version.item_id)
        owner_id = item.owner_id if item is not None else version.uploaded_by_id
        version.text, version.char_count, version.from_ocr = ext.text, fields["char_count"], ext.from_ocr
        version.mime = ext.mime
        version.text_parts = [list(seg) for seg in ext.segments]
        version.count_detail, version.fingerprint = fields["count_detail"], fields["fingerprint"]
        version.warnings, version.text_cut_at = list(ext.warnings), fields["text_cut_at"]
        version.copy_of_item_id = find_copy(session, owner_id, version.sha256, fields["fingerprint"],
                                            ctx.settings.rules.near_duplicate_threshold)
        version.state, version.state_error = FileState.READY, None
        session.add(IndexOutbox(item_id=version.item_id))
        return {"item_id": version.item_id, "version_id": version.id,
                "char_count": version.char_count, "pages": ext.pages, "from_ocr": ext.from_ocr}


def extraction_failed(ctx: JobContext, message: str) -> None:
    """The version says why its text could not be read (the item page shows it)."""
    with ctx.uow() as session:
        version = session.get(ItemVersion, int(ctx.params["version_id"]))
        if version is not None and version.state != FileState.READY:
            version.state, version.state_error = FileState.FAILED, message
            session.add(IndexOutbox(item_id=version.item_id))  # the index keeps the state too


def reading_again(session: Session, job_id: int) -> None:
    """A retried job's file shows ``processing`` again."""
    for version in session.scalars(select(ItemVersion).where(
            ItemVersion.job_id == job_id, ItemVersion.state == FileState.FAILED)):
        version.state, version.state_error = FileState.PROCESSING, None
        session.add(IndexOutbox(item_id=version.item_id))
