"""Evidence stored with an item: paper recognitions with certificate scans, project documents."""

from __future__ import annotations

from datetime import date
from typing import Any, TypedDict

from sqlalchemy.orm import Session

from storage import ObjectStore

from ..db import UnitOfWork
from ..errors import AppError, Forbidden
from ..extract import ExtractionError, extract
from ..models import Attachment, AuditEvent, IndexOutbox, Item, Recognition, User
from ..vocabulary import ATTACHMENT_PURPOSES, DOCUMENT_KINDS, KIND_NAMES, Action, Kind, Role
from .metadata import RecognitionInput, validate_recognition
from .scope import can_see_teacher
from .settings import Settings
from .staging import StagedFile
from .stored import store_then_commit
from .submitted import reset_verification


class EvidenceAdded(TypedDict):
    """What ``add_evidence`` stored: the ids of the new rows (None when not given)."""

    recognition_id: int | None
    attachment_id: int | None


EVIDENCE_TYPES = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg",
                  b"\x89PNG\r\n\x1a\n": "image/png"}
PURPOSES = ATTACHMENT_PURPOSES


def sniff_evidence(staged: StagedFile) -> str:
    with staged.path.open("rb") as fh:
        head = fh.read(16)
    for magic, mime in EVIDENCE_TYPES.items():
        if head.startswith(magic):
            return mime
    raise AppError("unsupported_type", "证明材料只接受 PDF、JPG 或 PNG 文件（如证书扫描件、照片）。", 415)


def require_editor(actor: User, item: Item) -> None:
    if actor.id == item.owner_id:
        return
    if actor.role == Role.ADMIN and can_see_teacher(actor, item.owner):
        return
    raise Forbidden("只有成果的作者或本校管理员可以添加证明材料。")


def _document(uow: UnitOfWork, item_id: int, purpose: str, staged: StagedFile,
              settings: Settings | None) -> tuple[str, str]:
    """A 说课稿/课后反思/学习心得: it fits the item's kind and is a Word or PDF document whose
    text is extracted (searched with the item's); ``(mime, text)``."""
    with uow() as session:
        item = session.get(Item, item_id)
        kind = item.kind if item is not None else None
    wanted = DOCUMENT_KINDS[purpose]
    if kind is not None and kind != wanted:
        raise AppError("invalid_purpose", f"{PURPOSES[purpose]}只能附在{KIND_NAMES[wanted]}上，"
                       f"这项成果是{KIND_NAMES.get(kind, kind)}。", 422)
    try:
        result = extract(staged.path, staged.filename,
                         ocr=settings.ocr_enabled if settings else False,
                         max_ocr_pages=settings.max_ocr_pages if settings else 30)
    except ExtractionError as exc:
        raise AppError(exc.code, f"{PURPOSES[purpose]}应为 Word（.docx/.doc）或 PDF 文档："
                       f"{exc.message}", 422) from exc
    limit = settings.max_indexed_chars if settings else len(result.text)
    return result.mime, result.text[:limit]


def _attach(session: Session, item: Item, staged: StagedFile, key: str, mime: str,
            purpose: str, text: str) -> Attachment:
    att = Attachment(item_id=item.id, purpose=purpose, object_key=key, sha256=staged.sha256,
                     size=staged.size, mime=mime, original_filename=staged.filename, text=text)
    session.add(att)
    session.flush()
    return att


def add_evidence(uow: UnitOfWork, store: ObjectStore, actor: User, item_id: int,
                 recognition: dict[str, Any] | None, staged: StagedFile | None,
                 purpose: str = "certificate", settings: Settings | None = None) -> EvidenceAdded:
    """Add a recognition and/or an evidence file in one transaction (a workflow: the file is
    stored before the commit).  Documents (``DOCUMENT_PURPOSES``) have their text extracted
    with ``settings`` (OCR, limits)."""
    text, mime = "", None
    try:
        if purpose not in PURPOSES:
            raise AppError("invalid_purpose", f"材料用途只能是：{'、'.join(PURPOSES)}。")
        rec = validate_recognition(recognition) if recognition is not None else None
        if staged is not None and purpose in DOCUMENT_KINDS:
            mime, text = _document(uow, item_id, purpose, staged, settings)
        elif staged is not None:
            mime = sniff_evidence(staged)
    except BaseException:
        if staged is not None:
            staged.discard()
        raise

    def write(session: Session, key: str | None) -> EvidenceAdded:
        item = session.get(Item, item_id)
        if item is None or item.deleted_at is not None:
            raise AppError("not_found", "没有找到该成果。", 404)
        require_editor(actor, item)
        att = _attach(session, item, staged, key, mime, purpose, text) \
            if staged is not None and key and mime else None
        rec_id = _record(session, actor, item, rec, att, purpose)
        return {"recognition_id": rec_id, "attachment_id": att.id if att else None}

    if staged is None or mime is None:
        with uow() as session:
            return write(session, None)
    return store_then_commit(uow, store, staged, mime, write, prefix="evidence")


def _record(session: Session, actor: User, item: Item, rec: RecognitionInput | None,
            att: Attachment | None, purpose: str) -> int | None:
    rec_id = None
    if rec is not None:
        if item.kind != Kind.PAPER:
            raise AppError("not_a_paper", "只有论文或报告可以登记获奖或发表。")
        row = Recognition(item_id=item.id, type=rec["type"], level=rec["level"],
                          grade=rec["grade"], date=date.fromisoformat(rec["date"]),
                          evidence_id=att.id if att else None)
        session.add(row)
        session.flush()
        rec_id = row.id
        session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action=Action.ADD_RECOGNITION,
                               details=dict(rec)))
        reset_verification(item)  # a new award or publication: the school checks it again
    if att is not None:
        if purpose == "approval" and item.kind == Kind.RESEARCH_PROJECT:
            item.details = {**item.details, "has_approval_document": True}
        session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action=Action.ADD_ATTACHMENT,
                               details={"purpose": purpose, "filename": att.original_filename}))
    session.add(IndexOutbox(item_id=item.id))
    session.flush()
    return rec_id
