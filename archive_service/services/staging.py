"""Staging: an upload copied to a temp file while it is hashed, before anything is stored.

Staged files live in ``<instance>/tmp/`` (private, on the instance's disk, not the system temp
folder): the request that staged them removes them when it ends, and start-up removes any
left by a killed process (``instance.sweep_staging``)."""

from __future__ import annotations

import hashlib
import tempfile
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from ..errors import AppError

CHUNK = 1024 * 1024
STAGING_PREFIX = "upload-"


@dataclass
class StagedFile:
    """An upload copied to a temp file, with its hash and size."""

    path: Path
    filename: str
    size: int
    sha256: str

    def discard(self) -> None:
        self.path.unlink(missing_ok=True)


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


def stage(stream: IO[bytes], filename: str | None, max_bytes: int, folder: Path) -> StagedFile:
    """Copy an upload to a temp file in ``folder`` while hashing it; refuse empty and oversize
    files."""
    name = check_filename(filename)
    digest = hashlib.sha256()
    size = 0
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = tempfile.NamedTemporaryFile(prefix=STAGING_PREFIX, dir=folder, delete=False)
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
