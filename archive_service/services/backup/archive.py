"""Writing and reading the backup tar (layout in the package docstring)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import create_engine, inspect, text

from archive_service.errors import AppError
from storage import ObjectInfo, ObjectStore

from . import database

FORMAT = "archive-backup/1"
MANIFEST = "manifest.json"
CHUNK = 1024 * 1024
_CONTENT_TABLES = ("users", "items", "schools")


class BackupError(AppError):
    def __init__(self, message: str) -> None:
        super().__init__("backup", message, 400)


class Progress:
    """Where progress goes (the CLI draws a bar); the default shows nothing."""

    def begin(self, label: str, total: int) -> None:
        """A phase of ``total`` bytes starts."""

    def advance(self, done: int) -> None:
        """``done`` more bytes of the phase are finished."""

    def end(self) -> None:
        """The phase is over."""


@dataclass(frozen=True)
class Summary:
    """What a backup or restore did."""

    objects: int
    bytes: int
    database: str
    files: list[str]
    seconds: float


class _StreamReader(io.RawIOBase):
    """File-like view of an object's chunks, hashing what passes through."""

    def __init__(self, chunks: Iterator[bytes], progress: Progress) -> None:
        self._chunks = chunks
        self._rest = b""
        self.sha256 = hashlib.sha256()
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._rest:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._rest = chunk
        size = min(len(buffer), len(self._rest))
        buffer[:size] = self._rest[:size]
        self.sha256.update(self._rest[:size])
        self._progress.advance(size)
        self._rest = self._rest[size:]
        return size


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
    tar.addfile(info, io.BytesIO(data))


def _add_object(tar: tarfile.TarFile, store: ObjectStore, info: ObjectInfo, progress: Progress) -> dict[str, Any]:
    member = tarfile.TarInfo(f"objects/{info.key}")
    member.size, member.mode = info.size, 0o600
    member.mtime = int(info.last_modified.timestamp()) if info.last_modified else int(time.time())
    stream = store.open(info.key)
    reader = _StreamReader(iter(stream), progress)
    try:
        tar.addfile(member, io.BufferedReader(reader, CHUNK))
    finally:
        close = getattr(stream, "close", None)
        if close is not None:
            close()
    digest = reader.sha256.hexdigest()
    if info.sha256 and info.sha256 != digest:
        raise BackupError(f"对象 {info.key} 的内容与存储时记录的 SHA-256 不符（已损坏）。"
                          "请先运行 archive check 处理后再备份。")
    return {"key": info.key, "size": info.size, "sha256": digest, "content_type": info.content_type}


def _object_infos(store: ObjectStore) -> list[ObjectInfo]:
    """Every object with its metadata (content type, SHA-256); ones deleted meanwhile are skipped."""
    found = []
    for listed in store.list_objects(""):
        info = store.stat(listed.key)
        if info is not None:
            found.append(info)
    return found


def backup(url: str, store: ObjectStore, files: dict[str, Path], out: Path, progress: Progress | None = None
           ) -> Summary:
    """Write the backup tar to ``out`` (atomically, mode 0600)."""
    progress = progress or Progress()
    began = time.monotonic()
    out = out.absolute()
    partial = out.with_name(f".{out.name}.partial")
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".backup-") as work:
        dumped = Path(work) / "database"
        member = database.dump(url, dumped)
        infos = _object_infos(store)
        manifest: dict[str, Any] = {
            "format": FORMAT, "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": {"kind": database.kind_of(url), "file": member, "sha256": _sha256_file(dumped),
                         "size": dumped.stat().st_size},
            "objects": [], "files": [],
        }
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            tar.add(dumped, arcname=member)
            progress.begin("备份对象", sum(info.size for info in infos))
            for info in infos:
                manifest["objects"].append(_add_object(tar, store, info, progress))
            progress.end()
            for name, path in sorted(files.items()):
                tar.add(path, arcname=f"files/{name}")
                manifest["files"].append({"name": name, "sha256": _sha256_file(path)})
            _add_bytes(tar, MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1).encode())
            tar.close()
            raw.flush()
            os.fsync(raw.fileno())
    os.replace(partial, out)
    total = sum(obj["size"] for obj in manifest["objects"])
    return Summary(len(manifest["objects"]), total, member, [f["name"] for f in manifest["files"]],
                   time.monotonic() - began)


# -- restore --------------------------------------------------------------------------------


def _read_manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    try:
        member = tar.extractfile(MANIFEST)
        manifest = json.load(member) if member else None
    except (KeyError, ValueError) as exc:
        raise BackupError("备份文件缺少有效的 manifest.json，可能不是本系统的备份或已损坏。") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"备份文件格式不是 {FORMAT}，无法恢复。")
    return manifest


def _extract_checked(tar: tarfile.TarFile, name: str, sha256: str, target: Path, progress: Progress) -> None:
    source: IO[bytes] | None = tar.extractfile(name)
    if source is None:
        raise BackupError(f"备份文件中缺少 {name}，备份不完整。")
    digest = hashlib.sha256()
    with target.open("wb") as fh:
        while block := source.read(CHUNK):
            digest.update(block)
            fh.write(block)
            progress.advance(len(block))
    if digest.hexdigest() != sha256:
        raise BackupError(f"备份文件中的 {name} 与清单记录的 SHA-256 不符（备份已损坏），恢复中止。")


def instance_is_empty(url: str, store: ObjectStore) -> bool:
    """True if the bucket holds no object and the database no school, no item and at most the
    first admin account (what ``archive init`` or a first start creates)."""
    if next(iter(store.list_objects("")), None) is not None:
        return False
    if database.kind_of(url) == "sqlite" and not database.sqlite_path(url).exists():
        return True
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            rows = {table: connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()  # noqa: S608
                    for table in _CONTENT_TABLES if table in tables}
    finally:
        engine.dispose()
    return rows.get("schools", 0) == 0 and rows.get("items", 0) == 0 and rows.get("users", 0) <= 1


def restore(url: str, store: ObjectStore, source: Path, instance: Path, progress: Progress | None = None) -> Summary:
    """Restore ``source`` into the empty instance (database at ``url``, bucket of ``store``)."""
    progress = progress or Progress()
    began = time.monotonic()
    if not instance_is_empty(url, store):
        raise BackupError("目标实例不是空的（数据库或对象存储中已有数据）。"
                          "恢复只能进入新的空实例：请换一个 ARCHIVE_INSTANCE。")
    try:
        opened = tarfile.open(source, mode="r:")
    except tarfile.TarError as exc:
        raise BackupError(f"{source} 不是有效的备份文件（应为 archive backup 生成的 tar）。") from exc
    with opened as tar, tempfile.TemporaryDirectory(dir=instance, prefix=".restore-") as work:
        manifest = _read_manifest(tar)
        objects = manifest["objects"]
        progress.begin("恢复对象", sum(int(obj["size"]) for obj in objects))
        for number, obj in enumerate(objects):
            staged = Path(work) / f"object-{number}"
            _extract_checked(tar, f"objects/{obj['key']}", obj["sha256"], staged, progress)
            store.put_file(obj["key"], staged, content_type=obj.get("content_type") or "application/octet-stream",
                           sha256_hex=obj["sha256"])
            staged.unlink()
        progress.end()
        restored_files = _restore_files(tar, manifest, instance, Path(work))
        db = manifest["database"]
        dumped = Path(work) / "database"
        _extract_checked(tar, db["file"], db["sha256"], dumped, Progress())
        database.load(url, dumped, db["file"])  # last: a failed restore leaves an empty database
    total = sum(int(obj["size"]) for obj in objects)
    return Summary(len(objects), total, db["file"], restored_files, time.monotonic() - began)


def _restore_files(tar: tarfile.TarFile, manifest: dict[str, Any], instance: Path, work: Path) -> list[str]:
    """Put config/rules files back where the instance has none; return the names written."""
    written = []
    for entry in manifest.get("files", []):
        name = str(entry["name"])
        if "/" in name or name.startswith("."):
            raise BackupError(f"备份清单中的文件名 {name!r} 不合法。")
        target = instance / name
        staged = work / f"file-{name}"
        _extract_checked(tar, f"files/{name}", entry["sha256"], staged, Progress())
        if target.exists():
            continue
        os.replace(staged, target)
        target.chmod(0o600)
        written.append(name)
    return written
