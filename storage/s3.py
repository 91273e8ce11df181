"""ObjectStore on any S3-compatible endpoint, through the ``minio`` SDK."""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, BinaryIO, TypeVar
from urllib.parse import urlsplit

import certifi
import urllib3
from minio import Minio
from minio.datatypes import Part
from minio.error import MinioException, S3Error

from storage.base import ObjectInfo, ObjectNotFound, S3Settings, StorageError

CHUNK_SIZE = 1024 * 1024
PART_SIZE = 16 * 1024 * 1024  # files up to this size go in one PUT, larger ones in parts
SHA256_META = "sha256"  # stored as the user metadata header x-amz-meta-sha256

_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"})
_DENIED_CODES = frozenset(
    {
        "AccessDenied",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "InvalidToken",
        "ExpiredToken",
        "AuthorizationHeaderMalformed",
    }
)
_DIGEST_CODES = frozenset({"BadDigest", "InvalidDigest", "XAmzContentSHA256Mismatch"})
_EXISTS_CODES = frozenset({"BucketAlreadyOwnedByYou", "BucketAlreadyExists"})
_WRAPPED = (MinioException, urllib3.exceptions.HTTPError, OSError)

T = TypeVar("T")


def parse_endpoint(endpoint: str, secure: bool | None = None) -> tuple[str, bool]:
    """Split ``http(s)://host:port`` or ``host:port`` into (host:port, secure).

    Without a scheme the connection is HTTPS unless ``secure=False`` is given.
    """
    text = endpoint.strip()
    if "://" not in text:
        return text, True if secure is None else secure
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise ValueError(f"对象存储地址只支持 http 或 https：{endpoint!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "@" in parts.netloc:
        raise ValueError(f"对象存储地址只能包含协议、主机和端口：{endpoint!r}")
    scheme_secure = parts.scheme == "https"
    if secure is not None and secure != scheme_secure:
        raise ValueError(f"secure={secure} 与地址中的协议矛盾：{endpoint!r}")
    return parts.netloc, scheme_secure


def make_http_client(secure: bool, *, connect_timeout: float, read_timeout: float, retries: int) -> urllib3.PoolManager:
    """Connection pool with short timeouts so a dead server fails in seconds."""
    retry = urllib3.Retry(
        total=retries,
        read=0,  # a read timeout is not retried: it would multiply the wait
        backoff_factor=0.2,
        status_forcelist=[500, 502, 503, 504],
    )
    tls: dict[str, Any] = {}
    if secure:
        tls = {
            "cert_reqs": "CERT_REQUIRED",
            "ca_certs": os.environ.get("SSL_CERT_FILE") or certifi.where(),
        }
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
        maxsize=10,
        retries=retry,
        **tls,
    )


def _md5_b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode("ascii")


def _new_md5() -> Any:
    return hashlib.md5(usedforsecurity=False)


def _clean_etag(etag: str | None) -> str | None:
    return etag.strip('"') if etag else None


class ObjectStream(Iterator[bytes]):
    """Chunks of one GET response; the connection is released when exhausted or closed."""

    def __init__(self, response: Any, key: str, chunk_size: int = CHUNK_SIZE) -> None:
        self._response = response
        self._key = key
        self._chunks = self._generate(chunk_size)

    def _generate(self, chunk_size: int) -> Generator[bytes, None, None]:
        try:
            yield from self._response.stream(chunk_size)
        except (urllib3.exceptions.HTTPError, OSError) as exc:
            raise StorageError(f"读取对象 {self._key} 时连接中断：{exc}") from exc
        finally:
            self._release()

    def _release(self) -> None:
        response, self._response = self._response, None
        if response is not None:
            response.close()
            response.release_conn()

    def __iter__(self) -> ObjectStream:
        return self

    def __next__(self) -> bytes:
        return next(self._chunks)

    def close(self) -> None:
        """Stop reading and release the connection (safe to call twice)."""
        self._chunks.close()
        self._release()

    def __enter__(self) -> ObjectStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class S3ObjectStore:
    """ObjectStore backed by one bucket of an S3-compatible server.

    Why the minio SDK's private multipart calls (``_put_object``, ``_create_multipart_upload``,
    ``_upload_part``, ``_complete_multipart_upload``, ``_abort_multipart_upload``,
    ``_list_multipart_uploads``) and not the public ``put_object``; ``minio`` stays pinned for them:

    1. Content-MD5 on every request. Over plain HTTP the public ``put_object`` sends none and
       relies on the signed ``x-amz-content-sha256`` instead, which SeaweedFS 4.48 does not
       check: a body damaged in flight is stored (``test_damaged_body_is_refused`` shows it
       with the public call and shows ours refused). SeaweedFS does check Content-MD5.
    2. The file's SHA-256 is verified before ``CompleteMultipartUpload``, so a mismatch never
       becomes a visible object (the public call completes whatever it read).
    3. Listing and aborting unfinished multipart uploads (start-up clean-up) has no public API.
    """

    part_size = PART_SIZE
    uploads_page_size: int | None = None  # None: the server's default (1000 on S3)

    def __init__(
        self,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        *,
        secure: bool | None = None,
        region: str | None = None,
        connect_timeout: float = 3.0,
        read_timeout: float = 20.0,
        retries: int = 2,
    ) -> None:
        host, is_secure = parse_endpoint(endpoint, secure)
        self.bucket = bucket
        self.endpoint = f"{'https' if is_secure else 'http'}://{host}"
        http = make_http_client(
            is_secure,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            retries=retries,
        )
        self._client = Minio(
            host,
            access_key=access_key,
            secret_key=secret_key,
            secure=is_secure,
            region=region,
            http_client=http,
        )

    @classmethod
    def from_settings(cls, settings: S3Settings, **options: Any) -> S3ObjectStore:
        """Build a store from :class:`S3Settings` (options go to ``__init__``)."""
        return cls(settings.endpoint, settings.access_key, settings.secret_key, settings.bucket, **options)

    def __repr__(self) -> str:
        return f"S3ObjectStore(endpoint={self.endpoint!r}, bucket={self.bucket!r})"

    # -- error handling -------------------------------------------------------------

    def _translate(self, exc: Exception, action: str, key: str) -> StorageError:
        where = f"{action}（存储桶 {self.bucket}，对象 {key or '-'}）"
        if isinstance(exc, S3Error):
            return self._translate_s3(exc, where, key)
        if isinstance(exc, MinioException):
            return StorageError(f"对象存储返回了无法识别的响应，{where}失败：{exc}")
        reason = getattr(exc, "reason", None)
        if isinstance(reason, urllib3.exceptions.ResponseError):  # 5xx after every retry
            return StorageError(f"对象存储服务 {self.endpoint} 多次返回服务器错误，{where}失败：{reason}")
        return StorageError(f"无法连接对象存储服务 {self.endpoint}，{where}失败：{exc}")

    def _translate_s3(self, exc: S3Error, where: str, key: str) -> StorageError:
        code = exc.code
        if code in _NOT_FOUND_CODES:
            return ObjectNotFound(f"对象不存在：{key}", code=code)
        if code == "NoSuchBucket":
            return StorageError(f"存储桶 {self.bucket} 不存在，{where}失败", code=code)
        if code in _DENIED_CODES:
            return StorageError(
                f"对象存储拒绝访问（{code}）：访问密钥或签名无效，或没有权限；{where}失败",
                code=code,
            )
        if code in _DIGEST_CODES:
            return StorageError(f"上传内容在传输中损坏（{code}），服务器已拒收；{where}失败", code=code)
        return StorageError(f"对象存储报错（{code}：{exc.message}），{where}失败", code=code)

    @contextmanager
    def _errors(self, action: str, key: str = "") -> Iterator[None]:
        """Re-raise SDK, HTTP and socket errors as StorageError (original chained)."""
        try:
            yield
        except StorageError:
            raise
        except _WRAPPED as exc:
            raise self._translate(exc, action, key) from exc

    def _call(self, action: str, key: str, func: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        with self._errors(action, key):
            return func(*args, **kwargs)

    # -- bucket -----------------------------------------------------------------------

    def ensure_bucket(self) -> None:
        """Create the bucket unless it exists already (safe to call repeatedly)."""
        if self._bucket_exists():
            return
        try:
            self._call("创建存储桶", "", self._client.make_bucket, self.bucket)
        except StorageError as exc:
            # created concurrently: fine as long as we can see it now
            if exc.code not in _EXISTS_CODES or not self._bucket_exists():
                raise

    def _bucket_exists(self) -> bool:
        return self._call("检查存储桶", "", self._client.bucket_exists, self.bucket)

    # -- writing ----------------------------------------------------------------------

    def put_file(self, key: str, path: Path, *, content_type: str, sha256_hex: str) -> None:
        """Upload a local file, checked end to end.

        The file's SHA-256 must equal ``sha256_hex`` (else nothing is stored); every request
        carries Content-MD5 so the server rejects bytes damaged in flight, and the returned
        ETag is compared with the local MD5. The SHA-256 is kept as user metadata.
        """
        expected = sha256_hex.strip().lower()
        headers = {"Content-Type": content_type, f"x-amz-meta-{SHA256_META}": expected}
        with Path(path).open("rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size <= self.part_size:
                self._put_small(key, fh.read(), headers, expected)
            else:
                self._put_multipart(key, fh, headers, expected)

    def _put_small(self, key: str, data: bytes, headers: dict[str, str], expected: str) -> None:
        _check_sha256(hashlib.sha256(data).hexdigest(), expected, key)
        md5 = _new_md5()
        md5.update(data)
        self._put_single(key, data, headers, _md5_b64(md5.digest()), md5.hexdigest())

    def _put_single(self, key: str, data: bytes, headers: dict[str, str], content_md5: str, md5_hex: str) -> None:
        request_headers = {**headers, "Content-MD5": content_md5}
        result = self._call("上传", key, self._client._put_object, self.bucket, key, data, request_headers)
        self._check_etag(key, result.etag, md5_hex)

    def _put_multipart(self, key: str, fh: BinaryIO, headers: dict[str, str], expected: str) -> None:
        upload_id = self._call(
            "开始分片上传",
            key,
            self._client._create_multipart_upload,
            self.bucket,
            key,
            dict(headers),
        )
        try:
            parts, sha256_hex, etag = self._upload_parts(key, fh, upload_id)
            _check_sha256(sha256_hex, expected, key)
            result = self._call(
                "完成分片上传",
                key,
                self._client._complete_multipart_upload,
                self.bucket,
                key,
                upload_id,
                parts,
            )
        except BaseException as exc:
            self._abort_after_failure(key, upload_id, exc)
            raise
        self._check_etag(key, result.etag, etag)

    def _upload_parts(self, key: str, fh: BinaryIO, upload_id: str) -> tuple[list[Part], str, str]:
        """Send the file in parts; return the parts, its SHA-256 and the expected ETag."""
        sha256 = hashlib.sha256()
        part_md5s = b""
        parts: list[Part] = []
        while chunk := fh.read(self.part_size):
            sha256.update(chunk)
            md5 = _new_md5()
            md5.update(chunk)
            number = len(parts) + 1
            etag = self._call(
                "分片上传",
                key,
                self._client._upload_part,
                self.bucket,
                key,
                chunk,
                {"Content-MD5": _md5_b64(md5.digest())},
                upload_id,
                number,
            )
            self._check_etag(key, etag, md5.hexdigest())
            parts.append(Part(number, etag))
            part_md5s += md5.digest()
        whole = _new_md5()
        whole.update(part_md5s)
        return parts, sha256.hexdigest(), f"{whole.hexdigest()}-{len(parts)}"

    def _abort_after_failure(self, key: str, upload_id: str, exc: BaseException) -> None:
        try:
            self.abort_incomplete_upload(key, upload_id)
        except StorageError as abort_exc:
            exc.add_note(f"另外，中止分片上传 {upload_id} 也失败了：{abort_exc}")

    def _check_etag(self, key: str, etag: str | None, expected: str) -> None:
        """Compare the server's ETag with the local MD5 when it is an MD5-style ETag."""
        got = (_clean_etag(etag) or "").lower()
        if got and _looks_like_md5_etag(got) and got != expected:
            raise StorageError(f"上传 {key} 后校验失败：服务器 ETag {got} 与本地计算的 {expected} 不符")

    # -- reading ----------------------------------------------------------------------

    def open(self, key: str) -> ObjectStream:
        """Start a GET (ObjectNotFound at once if missing) and return its chunk iterator."""
        response = self._call("读取", key, self._client.get_object, self.bucket, key)
        return ObjectStream(response, key)

    def read_bytes(self, key: str) -> bytes:
        """Return the whole object."""
        with self._errors("读取", key):
            response = self._client.get_object(self.bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

    def stat(self, key: str) -> ObjectInfo | None:
        """Metadata of one object, or None if it does not exist."""
        try:
            obj = self._call("查询", key, self._client.stat_object, self.bucket, key)
        except ObjectNotFound:
            return None
        meta = obj.metadata or {}
        return ObjectInfo(
            key=key,
            size=obj.size or 0,
            etag=_clean_etag(obj.etag),
            last_modified=obj.last_modified,
            content_type=obj.content_type,
            sha256=meta.get(f"x-amz-meta-{SHA256_META}"),
        )

    def list_objects(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Iterate over objects under ``prefix`` (recursive, in key order)."""
        with self._errors("列出对象", prefix):
            for obj in self._client.list_objects(self.bucket, prefix=prefix, recursive=True):
                if obj.is_dir or obj.object_name is None:
                    continue
                yield ObjectInfo(
                    key=obj.object_name,
                    size=obj.size or 0,
                    etag=_clean_etag(obj.etag),
                    last_modified=obj.last_modified,
                    content_type=obj.content_type,
                )

    # -- deleting ---------------------------------------------------------------------

    def delete(self, key: str) -> None:
        """Remove one object; a missing object is not an error."""
        try:
            self._call("删除", key, self._client.remove_object, self.bucket, key)
        except ObjectNotFound:
            return

    def list_incomplete_uploads(self, prefix: str = "") -> list[tuple[str, str]]:
        """``(key, upload_id)`` of every unfinished multipart upload under ``prefix``.

        Pages are followed with the upload-id marker alone (SeaweedFS orders uploads by id and
        treats a key marker as a filter); if the server ignores that, as AWS does without a
        key marker, the standard key + upload-id markers are used instead.
        """
        found: list[tuple[str, str]] = []
        seen: set[tuple[str, str]] = set()
        standard = False
        markers: dict[str, str] = {}
        while True:
            page, truncated = self._uploads_page(prefix, markers)
            new = [pair for pair in page if pair not in seen]
            if page and not new:
                if standard:
                    raise StorageError("对象存储的分片上传列表分页没有前进，无法列全")
                standard = True
            found += new
            seen.update(new)
            if not page or not truncated:
                return found
            key, upload_id = found[-1]
            markers = {"upload_id_marker": upload_id}
            if standard:
                markers["key_marker"] = key

    def _uploads_page(self, prefix: str, markers: dict[str, str]) -> tuple[list[tuple[str, str]], bool]:
        result = self._call(
            "列出未完成的分片上传",
            prefix,
            self._client._list_multipart_uploads,
            self.bucket,
            prefix=prefix or None,
            max_uploads=self.uploads_page_size,
            **markers,
        )
        pairs = [(u.object_name, u.upload_id) for u in result.uploads if u.upload_id]
        return pairs, bool(result.is_truncated)

    def abort_incomplete_upload(self, key: str, upload_id: str) -> None:
        """Abort one unfinished multipart upload; an already finished one is not an error."""
        try:
            self._call(
                "中止分片上传",
                key,
                self._client._abort_multipart_upload,
                self.bucket,
                key,
                upload_id,
            )
        except StorageError as exc:
            if exc.code != "NoSuchUpload":
                raise


def _check_sha256(actual: str, expected: str, key: str) -> None:
    if actual != expected:
        raise StorageError(f"文件内容的 SHA-256（{actual}）与登记的 {expected} 不符，{key} 未上传")


def _looks_like_md5_etag(etag: str) -> bool:
    head, _, count = etag.partition("-")
    return len(head) == 32 and all(c in "0123456789abcdef" for c in head) and (not count or count.isdigit())
