"""Item writes: upload, replace a file, delete.

Upload and replace are workflows: they take a ``UnitOfWork`` because the object-store write
sits between the validation and the commit (``services.stored``).  Delete only flushes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from storage import ObjectStore

from ...db import UnitOfWork
from ...errors import AppError, Forbidden, NotFound
from ...models import AuditEvent, IndexOutbox, Item, ItemVersion, Recognition, User, utcnow
from ...vocabulary import Action, FileState, JobKind, Role
from .. import idempotency, jobs
from ..checks.locks import require_unlocked
from ..copies import find_copy
from ..idempotency import Claim
from ..metadata import RecognitionInput
from ..review import set_preference
from ..scope import can_see_teacher
from ..settings import Settings
from ..staging import StagedFile
from ..stored import store_then_commit
from ..submitted import check_activity_link, reset_verification
from .form import ItemForm, Prepared, prepare


def _new_version(session: Session, item: Item, prepared: Prepared, key: str, actor: User,
                 number: int, threshold: float) -> ItemVersion:
    ext = prepared.extraction
    return ItemVersion(
        copy_of_item_id=find_copy(session, item.owner_id, prepared.staged.sha256,
                                  prepared.fingerprint, threshold),
        item_id=item.id, number=number, object_key=key, sha256=prepared.staged.sha256,
        size=prepared.staged.size, mime=ext.mime, original_filename=prepared.staged.filename,
        text=ext.text, char_count=prepared.char_count, from_ocr=ext.from_ocr,
        text_parts=[list(seg) for seg in ext.segments], count_detail=prepared.count_detail,
        fingerprint=prepared.fingerprint, warnings=list(ext.warnings), uploaded_by_id=actor.id,
        text_cut_at=prepared.text_cut_at,
        state=FileState.PROCESSING if prepared.deferred else FileState.READY,
    )


def _queue_reading(session: Session, actor: User, item: Item, version: ItemVersion,
                   prepared: Prepared) -> None:
    """A deferred file's text is read by a job, queued in the same transaction."""
    if not prepared.deferred:
        return
    job = jobs.submit(session, JobKind.EXTRACT, {"version_id": version.id}, actor=actor,
                      school_id=item.owner.school_id if item.owner else actor.school_id,
                      item_id=item.id)
    version.job_id = job.id


def _record_recognitions(item: Item, recognitions: list[RecognitionInput]) -> None:
    for rec in recognitions:
        item.recognitions.append(Recognition(
            type=rec["type"], level=rec["level"], grade=rec["grade"],
            date=date.fromisoformat(rec["date"]),
        ))


def insert_item(session: Session, actor: User, prepared: Prepared, key: str,
                settings: Settings) -> Item:
    form = prepared.form
    item = Item(
        owner_id=actor.id, kind=form.kind, subtype=form.subtype, title=form.title,
        completion_date=prepared.completed, academic_year=settings.year_of(prepared.completed),
        term=settings.term_of(prepared.completed), details=prepared.details,
    )
    session.add(item)
    session.flush()
    version = _new_version(session, item, prepared, key, actor, 1,
                           settings.rules.near_duplicate_threshold)
    session.add(version)
    session.flush()
    item.current_version_id = version.id
    _queue_reading(session, actor, item, version, prepared)
    _record_recognitions(item, prepared.recognitions)
    session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action=Action.UPLOAD,
                           details={"version": 1, "filename": version.original_filename}))
    session.add(IndexOutbox(item_id=item.id))
    if form.prefer:
        set_preference(session, settings, actor, item)
    session.flush()
    return item


def _store_and_write(uow: UnitOfWork, store: ObjectStore, prepared: Prepared,
                     write: Callable[[Session, str], Item]) -> int:
    """Store the prepared file, write the rows in one transaction; the item's id."""
    return store_then_commit(uow, store, prepared.staged, prepared.extraction.mime,
                             lambda session, key: write(session, key).id)


def require_uploader(actor: User) -> None:
    """Only teachers upload, and only their own work."""
    if actor.role != Role.TEACHER:
        raise Forbidden("只有教师可以上传自己的研修成果。")


def upload(uow: UnitOfWork, store: ObjectStore, settings: Settings, actor: User,
           form: ItemForm, staged: StagedFile, claim: Claim | None = None) -> int:
    """The whole upload; returns the new item's id.

    With an idempotency ``claim`` the key is recorded with the item; if a request with the same
    key committed meanwhile, its item is returned instead (or 422 if it sent otherwise)."""
    try:
        require_uploader(actor)
        prepared = prepare(form, staged, settings, defer_slow=True)
        with uow() as session:
            require_unlocked(session, actor.id, settings.term_of(prepared.completed))
            check_activity_link(session, actor, form.kind, prepared.details)
    except BaseException:
        staged.discard()
        raise

    def write(session: Session, key: str) -> Item:
        item = insert_item(session, actor, prepared, key, settings)
        idempotency.record(session, claim, item.id)
        return item

    try:
        return _store_and_write(uow, store, prepared, write)
    except IntegrityError:
        with uow() as session:
            earlier = idempotency.replay(session, claim)
        if earlier is None:
            raise
        return earlier


def upload_once(uow: UnitOfWork, store: ObjectStore, settings: Settings, actor: User,
                form: ItemForm, staged: StagedFile, key: str | None) -> tuple[int, bool]:
    """``upload`` under an idempotency key (None: none sent); (item id, True if an earlier
    request with the same key and content had created it)."""
    claim = idempotency.claim_for(actor.id, key, form, staged)
    if claim is not None:
        try:
            with uow() as session:
                earlier = idempotency.replay(session, claim)
        except BaseException:
            staged.discard()
            raise
        if earlier is not None:
            staged.discard()
            return earlier, True
    return upload(uow, store, settings, actor, form, staged, claim), False


def replace_file(uow: UnitOfWork, store: ObjectStore, settings: Settings, actor: User,
                 item_id: int, staged: StagedFile) -> int:
    """A new version of an item's file; a selected version stays frozen and counted."""
    def write(session: Session, key: str) -> Item:
        item = session.get(Item, item_id)
        if item is None or item.deleted_at is not None or item.owner_id != actor.id:
            raise Forbidden("只能替换自己的成果文件。")
        number = 1 + (session.scalar(select(func.max(ItemVersion.number))
                                     .where(ItemVersion.item_id == item.id)) or 0)
        version = _new_version(session, item, prepared, key, actor, number,
                               settings.rules.near_duplicate_threshold)
        session.add(version)
        session.flush()
        item.current_version_id = version.id
        _queue_reading(session, actor, item, version, prepared)
        item.return_reason = None
        reset_verification(item)  # a new file is new evidence: the school checks it again
        session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action=Action.REPLACE_FILE,
                               details={"version": number, "filename": staged.filename}))
        session.add(IndexOutbox(item_id=item.id))
        return item

    try:
        with uow() as session:
            item = session.get(Item, item_id)
            if item is None or item.deleted_at is not None or item.owner_id != actor.id:
                raise Forbidden("只能替换自己的成果文件。")
            _refuse_same_file(item, staged)
            require_unlocked(session, item.owner_id, item.term)
            form = ItemForm(kind=item.kind, title=item.title,
                            completion_date=item.completion_date.isoformat(),
                            subtype=item.subtype, metadata=dict(item.details))
        prepared = prepare(form, staged, settings, defer_slow=True)
    except BaseException:
        staged.discard()
        raise
    return _store_and_write(uow, store, prepared, write)


def _refuse_same_file(item: Item, staged: StagedFile) -> None:
    """A new version must differ from the current one (the same SHA-256 would change nothing)."""
    current = item.current_version
    if current is not None and current.sha256 == staged.sha256:
        raise AppError("same_file", f"这个文件与当前版本（第 {current.number} 版）完全相同，没有生成新版本。"
                       "如需修改，请先改好文件再上传。", 409)


def soft_delete(session: Session, actor: User, item: Item) -> None:
    """Teachers delete their own items unless selected; admins may delete in scope (an item of
    another school is 404 to them, as it is in every view)."""
    if item.deleted_at is not None:
        raise NotFound()
    if actor.role == Role.TEACHER:
        if item.owner_id != actor.id:
            raise Forbidden("只能删除自己的成果。")
        require_unlocked(session, item.owner_id, item.term)
        if item.selected_version_id is not None:
            raise AppError("item_selected", "该成果已被学校筛选入册，不能删除。如需撤回请联系学校管理员。",
                           409)
    elif actor.role != Role.ADMIN:
        raise Forbidden("督查员不能删除成果。")
    elif not can_see_teacher(actor, item.owner):
        raise NotFound()
    item.deleted_at = utcnow()
    session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action=Action.DELETE))
    session.add(IndexOutbox(item_id=item.id))
    session.flush()
