"""Upload, replace, delete: the object store, the database and the index kept in agreement.

Order (engineering notes §2): stage to a temp file and hash it; validate and extract; PUT the
object under its content-addressed key; commit the rows and an outbox entry in one
transaction; drain the outbox into the index.  A failure before the commit removes an object
nothing refers to; a crash in between leaves an orphan that ``archive check`` reports.
"""

from __future__ import annotations

import hashlib
import tempfile
import unicodedata
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from storage import ObjectStore, StorageError, object_key_for

from ..errors import AppError, Forbidden
from ..extract import Extraction, ExtractionError, extract
from ..models import (
    Attachment,
    AuditEvent,
    IndexOutbox,
    Item,
    ItemVersion,
    Recognition,
    User,
    utcnow,
)
from ..rules import count_chars, minhash
from .copies import find_copy
from .metadata import KIND_NAMES, parse_date, parse_metadata, validate_metadata
from .review import set_preference
from .settings import Settings

UnitOfWork = Callable[[], AbstractContextManager[Session]]
CHUNK = 1024 * 1024


@dataclass
class StagedFile:
    """An upload copied to a temp file, with its hash and size."""

    path: Path
    filename: str
    size: int
    sha256: str

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


@dataclass
class ItemForm:
    kind: str
    title: str
    completion_date: str
    subtype: str = ""
    metadata: str | dict[str, Any] | None = None
    prefer: bool = False  # the teacher wants this one to take the yearly slot


@dataclass
class Prepared:
    """A validated upload, ready to store and commit."""

    form: ItemForm
    completed: date
    details: dict[str, Any]
    recognitions: list[dict[str, Any]]
    staged: StagedFile
    extraction: Extraction
    char_count: int
    fingerprint: list[int] = field(default_factory=list)


def check_filename(filename: str | None) -> str:
    """Keep the original name exactly, but refuse names that cannot be a file name."""
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    if not name.strip():
        raise AppError("no_file", "请选择要上传的文件。")
    if any(unicodedata.category(c) in ("Cc", "Cf") and c not in "\u200d" for c in name):
        raise AppError("bad_filename", "文件名中含有控制字符，请重命名文件后再上传。")
    if len(name) > 255:
        raise AppError("bad_filename", "文件名太长（超过 255 个字符），请改短后再上传。")
    return name


def stage(stream: IO[bytes], filename: str | None, max_bytes: int) -> StagedFile:
    """Copy an upload to a temp file while hashing it; refuse empty and oversize files."""
    name = check_filename(filename)
    digest = hashlib.sha256()
    size = 0
    tmp = tempfile.NamedTemporaryFile(prefix="upload-", delete=False)
    path = Path(tmp.name)
    try:
        with tmp:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > max_bytes:
                    raise AppError(
                        "too_large",
                        f"文件超过 {max_bytes // (1024 * 1024)} MB 的上限。请压缩图片或拆分文件后再上传。",
                        413,
                    )
                digest.update(chunk)
                tmp.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    if size == 0:
        path.unlink(missing_ok=True)
        raise AppError("empty_file", "上传的文件是空的（0 字节）。请检查文件后重新上传。")
    return StagedFile(path=path, filename=name, size=size, sha256=digest.hexdigest())


def validate_form(form: ItemForm, today: date | None = None
                  ) -> tuple[date, dict[str, Any], list[dict[str, Any]]]:
    if form.kind not in KIND_NAMES:
        kinds = "、".join(f"{k}（{v}）" for k, v in KIND_NAMES.items())
        raise AppError("invalid_kind", f"成果类型「{form.kind}」不存在，可选：{kinds}。")
    title = (form.title or "").strip()
    if not title or len(title) > 300:
        raise AppError("invalid_title", "请填写标题（不超过 300 字）。")
    form.title = title
    if not form.completion_date:
        raise AppError("invalid_date", "请填写完成日期（YYYY-MM-DD）。")
    completed = parse_date(form.completion_date, "完成日期")
    if completed > (today or date.today()):
        raise AppError("invalid_date", "完成日期不能晚于今天。")
    form.subtype = (form.subtype or "").strip()[:40]
    details = validate_metadata(form.kind, parse_metadata(form.metadata))
    recognitions = details.pop("recognitions", []) if form.kind == "paper" else []
    return completed, details, recognitions


def prepare(form: ItemForm, staged: StagedFile, settings: Settings) -> Prepared:
    """Validate the form, then the file; raise AppError before anything is stored."""
    completed, details, recognitions = validate_form(form, settings.today())
    try:
        result = extract(staged.path, staged.filename, ocr=settings.ocr_enabled,
                         max_ocr_pages=settings.max_ocr_pages)
    except ExtractionError as exc:
        raise AppError(exc.code, exc.message, 422) from exc
    return Prepared(
        form=form, completed=completed, details=details, recognitions=recognitions,
        staged=staged, extraction=result,
        char_count=count_chars(result.text, settings.rules.count_cjk_punctuation),
        fingerprint=list(minhash(result.text)),
    )


def put_original(store: ObjectStore, staged: StagedFile, mime: str,
                 prefix: str = "originals") -> tuple[str, bool]:
    """Store the file under its content key; True when this call created the object."""
    key = object_key_for(staged.sha256, prefix=prefix)
    try:
        info = store.stat(key)
        if info is not None and info.size == staged.size:
            return key, False
        store.put_file(key, staged.path, content_type=mime, sha256_hex=staged.sha256)
    except StorageError as exc:
        raise AppError("storage_unavailable", "文件存储服务暂时不可用，文件未保存。请稍后重试。",
                       503) from exc
    return key, True


def discard_if_unused(uow: UnitOfWork, store: ObjectStore, key: str) -> None:
    """Remove an object no row refers to; if that cannot be decided now, `archive check`
    reports it as an orphan and quarantines it after the grace period."""
    try:
        with uow() as session:
            if key_in_use(session, key):
                return
        store.delete(key)
    except Exception:  # noqa: BLE001 - the original error matters more; the checker cleans up
        pass


def key_in_use(session: Session, key: str) -> bool:
    """Whether any version or attachment still refers to the object."""
    for column in (ItemVersion.object_key, Attachment.object_key):
        if session.scalar(select(column).where(column == key).limit(1)) is not None:
            return True
    return False


def _new_version(session: Session, item: Item, prepared: Prepared, key: str, actor: User,
                 number: int, threshold: float) -> ItemVersion:
    ext = prepared.extraction
    return ItemVersion(
        copy_of_item_id=find_copy(session, item.owner_id, prepared.staged.sha256,
                                  prepared.fingerprint, threshold),
        item_id=item.id, number=number, object_key=key, sha256=prepared.staged.sha256,
        size=prepared.staged.size, mime=ext.mime, original_filename=prepared.staged.filename,
        text=ext.text, char_count=prepared.char_count, from_ocr=ext.from_ocr,
        fingerprint=prepared.fingerprint, warnings=list(ext.warnings), uploaded_by_id=actor.id,
    )


def _record_recognitions(item: Item, recognitions: list[dict[str, Any]]) -> None:
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
        details=prepared.details,
    )
    session.add(item)
    session.flush()
    version = _new_version(session, item, prepared, key, actor, 1,
                           settings.rules.near_duplicate_threshold)
    session.add(version)
    session.flush()
    item.current_version_id = version.id
    _record_recognitions(item, prepared.recognitions)
    session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action="upload",
                           details={"version": 1, "filename": version.original_filename}))
    session.add(IndexOutbox(item_id=item.id))
    if form.prefer:
        set_preference(session, actor, item)
    session.flush()
    return item


def commit_with_store(uow: UnitOfWork, store: ObjectStore, prepared: Prepared,
                      write: Callable[[Session, str], Item]) -> int:
    """PUT the original, run ``write`` in one transaction; undo the PUT if the commit fails."""
    key, created = put_original(store, prepared.staged, prepared.extraction.mime)
    try:
        with uow() as session:
            item_id = write(session, key).id
    except BaseException:
        if created:  # an object that existed before belongs to someone else's row
            discard_if_unused(uow, store, key)
        raise
    finally:
        prepared.staged.discard()
    return item_id


def upload(uow: UnitOfWork, store: ObjectStore, settings: Settings, actor: User,
           form: ItemForm, staged: StagedFile) -> int:
    """The whole upload; returns the new item's id."""
    if actor.role != "teacher":
        staged.discard()
        raise Forbidden("只有教师可以上传自己的研修成果。")
    try:
        prepared = prepare(form, staged, settings)
    except BaseException:
        staged.discard()
        raise
    return commit_with_store(
        uow, store, prepared,
        lambda session, key: insert_item(session, actor, prepared, key, settings),
    )


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
        item.return_reason = None
        session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action="replace_file",
                               details={"version": number, "filename": staged.filename}))
        session.add(IndexOutbox(item_id=item.id))
        return item

    try:
        with uow() as session:
            item = session.get(Item, item_id)
            if item is None or item.deleted_at is not None or item.owner_id != actor.id:
                raise Forbidden("只能替换自己的成果文件。")
            form = ItemForm(kind=item.kind, title=item.title,
                            completion_date=item.completion_date.isoformat(),
                            subtype=item.subtype, metadata=dict(item.details))
        prepared = prepare(form, staged, settings)
    except BaseException:
        staged.discard()
        raise
    return commit_with_store(uow, store, prepared, write)


def soft_delete(session: Session, actor: User, item: Item) -> None:
    """Teachers delete their own items unless selected; admins may delete in scope."""
    if actor.role == "teacher":
        if item.owner_id != actor.id:
            raise Forbidden("只能删除自己的成果。")
        if item.selected_version_id is not None:
            raise AppError("item_selected", "该成果已被学校筛选入册，不能删除。如需撤回请联系学校管理员。",
                           409)
    elif actor.role != "admin":
        raise Forbidden("督查员不能删除成果。")
    item.deleted_at = utcnow()
    session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action="delete"))
    session.add(IndexOutbox(item_id=item.id))
    session.flush()
