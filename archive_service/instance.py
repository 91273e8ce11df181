"""The instance folder is private: 0700 for folders, 0600 for files, umask 077 from start-up.

It holds the database (password and token hashes, every document's text), the index, the
embedded store's data and credentials, and logs; no other local user may read any of them.
"""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

PRIVATE_UMASK = 0o077
STALE_STAGING = 3600  # seconds: a staged upload older than this belongs to no live request


def staging_dir(folder: Path) -> Path:
    """Where uploads are staged: ``<instance>/tmp``."""
    return folder / "tmp"


def sweep_staging(folder: Path, older_than: float = STALE_STAGING) -> int:
    """Remove staged uploads left by a killed process; the number removed.

    Only files older than ``older_than`` seconds go: another process on the same instance
    (``archive check`` beside ``archive serve``) may be staging an upload right now.
    """
    removed = 0
    cutoff = time.time() - older_than
    for path in staging_dir(folder).glob("upload-*"):
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                removed += 1
        except FileNotFoundError:
            pass
    return removed


def secure_instance(folder: Path) -> None:
    """Set the process umask, create ``folder`` 0700 and take group/other bits off what is inside.

    The umask makes every file created later (SQLite, Whoosh, logs, the SeaweedFS child's data)
    private too; the walk repairs instances created before this rule.
    """
    os.umask(PRIVATE_UMASK)
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(folder)
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            _tighten(Path(root) / name)


def _tighten(path: Path) -> None:
    try:
        mode = path.lstat().st_mode
    except FileNotFoundError:  # removed meanwhile (a SQLite journal, a staging file)
        return
    if stat.S_ISLNK(mode) or not mode & 0o077:
        return
    try:
        path.chmod(stat.S_IMODE(mode) & 0o700)
    except (FileNotFoundError, PermissionError):
        pass
