"""Stored originals: store-then-commit (the object-store write between two transactions), and
reading an original back.

Order (engineering notes §2): PUT the staged file under its content-addressed key, then commit
the rows that refer to it in one transaction.  Objects are never deleted on a request path: a
content-addressed object may be shared by another teacher's upload that is committing right
now.  If the commit fails (or the process dies), the object stays until the sweeper
(``archive check --repair``) finds it unreferenced past the grace period.  The sweeper deletes
only inside a write transaction that holds the object's lock and re-checks the references;
the commit here takes the same lock and makes sure the object is (still) there, PUTting it
again if the sweeper removed it meanwhile.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import TypeVar

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from storage import ObjectStore, StorageError, object_key_for

from ..db import UnitOfWork
from ..errors import AppError
from ..models import Attachment, Export, ItemVersion
from .staging import StagedFile

T = TypeVar("T")


def put_original(store: ObjectStore, staged: StagedFile, mime: str,
                 prefix: str = "originals") -> str:
    """Store the file under its content key (unless the same object is there); the key."""
    key = object_key_for(staged.sha256, prefix=prefix)
    _ensure_present(store, staged, mime, key)
    return key


def _ensure_present(store: ObjectStore, staged: StagedFile, mime: str, key: str) -> None:
    try:
        info = store.stat(key)
        if info is None or info.size != staged.size:
            store.put_file(key, staged.path, content_type=mime, sha256_hex=staged.sha256)
    except StorageError as exc:
        raise AppError("storage_unavailable", "文件存储服务暂时不可用，文件未保存。请稍后重试。",
                       503) from exc


def lock_object(session: Session, key: str) -> None:
    """Serialise this transaction with any other that writes or sweeps ``key``.

    SQLite's write transactions (``BEGIN IMMEDIATE``) are serialised already; PostgreSQL takes
    a transaction-scoped advisory lock on the key.
    """
    if session.get_bind().dialect.name == "postgresql":
        digest = hashlib.sha256(key.encode()).digest()
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"),
                        {"k": int.from_bytes(digest[:8], "big", signed=True)})


CONVERTED = "converted/"  # the bound collection's PDF of a Word original, by the original's SHA-256
EXPORTS = "exports/"  # the files of an export, listed in its row


def conversion_key(sha256: str) -> str:
    return f"{CONVERTED}{sha256[:2]}/{sha256}.pdf"


def key_in_use(session: Session, key: str) -> bool:
    """Whether a version, an attachment or an export still refers to the object, or it is the
    cached conversion of an original that is still kept."""
    for column in (ItemVersion.object_key, Attachment.object_key):
        if session.scalar(select(column).where(column == key).limit(1)) is not None:
            return True
    if key.startswith(CONVERTED):
        return key in kept_conversions(session)
    if key.startswith(EXPORTS):
        return key in export_files(session)
    return False


def export_files(session: Session) -> dict[str, int]:
    """Every stored export file: key → size."""
    return {entry["key"]: entry["size"] for files in session.scalars(select(Export.files))
            for entry in files or [] if "key" in entry}


def kept_conversions(session: Session) -> set[str]:
    """The cache keys of every kept original (a conversion may or may not have been made)."""
    digests = set(session.scalars(select(ItemVersion.sha256).distinct()))
    digests.update(session.scalars(select(Attachment.sha256).distinct()))
    return {conversion_key(d) for d in digests}


def store_then_commit(uow: UnitOfWork, store: ObjectStore, staged: StagedFile, mime: str,
                      write: Callable[[Session, str], T], prefix: str = "originals") -> T:
    """PUT the staged file, then run ``write(session, key)`` in one transaction.

    A failed commit leaves the object for the sweeper (never deleted here).  The staged file
    is discarded either way."""
    try:
        key = put_original(store, staged, mime, prefix)
        with uow() as session:
            lock_object(session, key)
            _ensure_present(store, staged, mime, key)  # the sweeper may have taken it meanwhile
            return write(session, key)
    finally:
        staged.discard()


def open_stored(store: ObjectStore, key: str) -> Iterator[bytes]:
    """The object's chunks; the first is read now, so an unavailable store is a clear 503
    before any response is sent."""
    try:
        chunks = store.open(key)
        first = next(chunks, b"")
    except StorageError as exc:
        raise AppError("storage_unavailable", "原件暂时无法读取（存储服务不可用），请稍后再试。",
                       503) from exc

    def body() -> Iterator[bytes]:
        yield first
        yield from chunks

    return body()
