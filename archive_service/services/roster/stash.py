"""The sheet a roster preview checked, kept until the admin confirms the import.

The preview page cannot hand the file back to the browser's file input, so the checked bytes wait
in the instance's staging folder under a random token bound to the admin who uploaded them.
Start-up removes any left behind (``instance.sweep_staging``: names start with ``upload-``).
"""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from ...errors import AppError

PREFIX = "upload-roster-"
TOKEN = re.compile(r"[0-9a-f]{32}")
SUFFIXES = (".xlsx", ".csv")


def _path(folder: Path, user_id: int, token: str, suffix: str) -> Path:
    return folder / f"{PREFIX}{user_id}-{token}{suffix}"


def stash(folder: Path, user_id: int, data: bytes, filename: str) -> str:
    """Keep ``data``; the token that fetches it back (only for the same user)."""
    suffix = next((s for s in SUFFIXES if filename.lower().endswith(s)), ".bin")
    token = secrets.token_hex(16)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = _path(folder, user_id, token, suffix)
    path.write_bytes(data)
    path.chmod(0o600)
    return token


def take(folder: Path, user_id: int, token: str) -> tuple[bytes, str]:
    """The stashed bytes and a file name with their suffix; the stash is removed."""
    if TOKEN.fullmatch(token or ""):
        for suffix in (*SUFFIXES, ".bin"):
            path = _path(folder, user_id, token, suffix)
            if path.exists():
                data = path.read_bytes()
                path.unlink(missing_ok=True)
                return data, "花名册" + suffix
    raise AppError("preview_expired", "预览已失效（已导入或已过期），请重新选择文件并预览。", 422)
