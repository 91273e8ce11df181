"""Object-storage interface shared by every backend: errors, records and the protocol."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable

_SHA256_RE = re.compile(r"[0-9a-f]{64}")


class StorageError(Exception):
    """Any failure of the object store; the backend error is chained as ``__cause__``.

    ``code`` carries the S3 error code (``AccessDenied``, ``NoSuchKey`` …) when there is one.
    """

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code


class ObjectNotFound(StorageError):
    """The requested object does not exist."""


@dataclass(frozen=True)
class ObjectInfo:
    """What the store knows about one object (``sha256`` only when read by ``stat``)."""

    key: str
    size: int
    etag: str | None
    last_modified: datetime | None
    content_type: str | None
    sha256: str | None = None


@dataclass(frozen=True)
class S3Settings:
    """Connection settings of an S3-compatible endpoint."""

    endpoint: str
    access_key: str
    secret_key: str
    bucket: str

    def __repr__(self) -> str:  # keep the secret out of logs and tracebacks
        return (
            f"S3Settings(endpoint={self.endpoint!r}, access_key={self.access_key!r}, "
            f"secret_key='***', bucket={self.bucket!r})"
        )


@runtime_checkable
class ObjectStore(Protocol):
    """Operations the application needs from an object store."""

    def ensure_bucket(self) -> None:
        """Create the bucket if it is missing (idempotent)."""
        ...

    def put_file(self, key: str, path: Path, *, content_type: str, sha256_hex: str) -> None:
        """Upload ``path`` under ``key``; reject it if its SHA-256 or transfer checksum differ."""
        ...

    def open(self, key: str) -> Iterator[bytes]:
        """Stream the object in chunks; the connection is released at the end or on close()."""
        ...

    def read_bytes(self, key: str) -> bytes:
        """Return the whole object."""
        ...

    def stat(self, key: str) -> ObjectInfo | None:
        """Return the object's metadata, or None if it does not exist."""
        ...

    def delete(self, key: str) -> None:
        """Remove the object; removing a missing object is not an error."""
        ...

    def list_objects(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Iterate over all objects whose key starts with ``prefix``, in key order."""
        ...

    def list_incomplete_uploads(self, prefix: str = "") -> list[tuple[str, str]]:
        """Return ``(key, upload_id)`` of unfinished multipart uploads."""
        ...

    def abort_incomplete_upload(self, key: str, upload_id: str) -> None:
        """Abort one unfinished multipart upload (idempotent)."""
        ...


def object_key_for(sha256_hex: str, prefix: str = "originals") -> str:
    """Content-addressed key: ``originals/ab/cd/<sha256>``."""
    digest = sha256_hex.strip().lower()
    if not _SHA256_RE.fullmatch(digest):
        raise ValueError(f"不是有效的 SHA-256 十六进制摘要：{sha256_hex!r}")
    head = prefix.strip("/")
    parts = [head] if head else []
    return "/".join([*parts, digest[:2], digest[2:4], digest])
