"""An ObjectStore kept in memory: fast service-level tests, same contract as S3ObjectStore.

``tests/test_storage_contract.py`` runs one suite against this store and a real SeaweedFS, so
whatever a test learns here holds for the real store.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from storage.base import ObjectInfo, ObjectNotFound, StorageError

CHUNK_SIZE = 1024 * 1024


@dataclass(frozen=True)
class _Stored:
    data: bytes
    info: ObjectInfo


class InMemoryObjectStore:
    """ObjectStore in a dict; ``available = False`` makes every call fail like a dead server."""

    def __init__(self, bucket: str = "archive") -> None:
        self.bucket = bucket
        self.available = True
        self._bucket_made = False
        self._objects: dict[str, _Stored] = {}
        self._uploads: dict[str, str] = {}  # upload id -> key
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"InMemoryObjectStore(bucket={self.bucket!r}, objects={len(self._objects)})"

    def _check(self, action: str, key: str = "") -> None:
        if not self.available:
            raise StorageError(f"无法连接对象存储服务（内存），{action}（对象 {key or '-'}）失败")
        if not self._bucket_made:
            raise StorageError(f"存储桶 {self.bucket} 不存在，{action}失败", code="NoSuchBucket")

    def ensure_bucket(self) -> None:
        """Create the bucket if it is missing (idempotent)."""
        if not self.available:
            raise StorageError("无法连接对象存储服务（内存），创建存储桶失败")
        self._bucket_made = True

    def put_file(self, key: str, path: Path, *, content_type: str, sha256_hex: str) -> None:
        """Store the file's bytes if their SHA-256 is ``sha256_hex``; else store nothing."""
        self._check("上传", key)
        data = Path(path).read_bytes()
        expected = sha256_hex.strip().lower()
        actual = hashlib.sha256(data).hexdigest()
        if actual != expected:
            raise StorageError(f"文件内容的 SHA-256（{actual}）与登记的 {expected} 不符，{key} 未上传")
        info = ObjectInfo(key, len(data), hashlib.md5(data, usedforsecurity=False).hexdigest(),
                          datetime.now(UTC), content_type, expected)
        with self._lock:
            self._objects[key] = _Stored(data, info)

    def _get(self, action: str, key: str) -> _Stored:
        self._check(action, key)
        with self._lock:
            stored = self._objects.get(key)
        if stored is None:
            raise ObjectNotFound(f"对象不存在：{key}", code="NoSuchKey")
        return stored

    def open(self, key: str) -> Iterator[bytes]:
        """Chunks of the object (ObjectNotFound at once if missing)."""
        data = self._get("读取", key).data
        return iter([data[i:i + CHUNK_SIZE] for i in range(0, len(data), CHUNK_SIZE)])

    def read_bytes(self, key: str) -> bytes:
        """Return the whole object."""
        return self._get("读取", key).data

    def stat(self, key: str) -> ObjectInfo | None:
        """Metadata of one object, or None if it does not exist."""
        try:
            return self._get("查询", key).info
        except ObjectNotFound:
            return None

    def delete(self, key: str) -> None:
        """Remove one object; a missing object is not an error."""
        self._check("删除", key)
        with self._lock:
            self._objects.pop(key, None)

    def list_objects(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects under ``prefix`` in key order, without the SHA-256 (as an S3 listing)."""
        self._check("列出对象", prefix)
        with self._lock:
            found = sorted((k, s.info) for k, s in self._objects.items() if k.startswith(prefix))
        return iter([replace(info, sha256=None) for _, info in found])

    def begin_upload(self, key: str) -> str:
        """Start a multipart upload that is never finished (what a crash leaves behind)."""
        self._check("开始分片上传", key)
        upload_id = hashlib.sha256(f"{key}{len(self._uploads)}".encode()).hexdigest()[:16]
        with self._lock:
            self._uploads[upload_id] = key
        return upload_id

    def list_incomplete_uploads(self, prefix: str = "") -> list[tuple[str, str]]:
        """``(key, upload_id)`` of unfinished multipart uploads under ``prefix``."""
        self._check("列出未完成的分片上传", prefix)
        with self._lock:
            return [(key, uid) for uid, key in self._uploads.items() if key.startswith(prefix)]

    def abort_incomplete_upload(self, key: str, upload_id: str) -> None:
        """Abort one unfinished multipart upload (idempotent)."""
        self._check("中止分片上传", key)
        with self._lock:
            self._uploads.pop(upload_id, None)
