"""Store-then-commit: the object-store write that sits between two transactions.

Order (engineering notes §2): PUT the staged file under its content-addressed key, then commit
the rows that refer to it in one transaction.  If the commit fails, an object this call created
and nothing refers to is removed again; a crash in between leaves an orphan that
``archive check`` reports and quarantines after the grace period.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from storage import ObjectStore, StorageError, object_key_for

from ..db import UnitOfWork
from ..errors import AppError
from ..models import Attachment, ItemVersion
from .staging import StagedFile

T = TypeVar("T")


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


def key_in_use(session: Session, key: str) -> bool:
    """Whether any version or attachment still refers to the object."""
    for column in (ItemVersion.object_key, Attachment.object_key):
        if session.scalar(select(column).where(column == key).limit(1)) is not None:
            return True
    return False


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


def store_then_commit(uow: UnitOfWork, store: ObjectStore, staged: StagedFile, mime: str,
                      write: Callable[[Session, str], T], prefix: str = "originals") -> T:
    """PUT the staged file, run ``write(session, key)`` in one transaction; undo the PUT if
    the commit fails.  The staged file is discarded either way."""
    try:
        key, created = put_original(store, staged, mime, prefix)
        try:
            with uow() as session:
                return write(session, key)
        except BaseException:
            if created:  # an object that existed before belongs to someone else's row
                discard_if_unused(uow, store, key)
            raise
    finally:
        staged.discard()
