"""The index folder (``INDEX_DIR``): builds side by side, one of them current.

    INDEX_DIR/current.json    {"engine": "whoosh", "folder": "whoosh-1733100000000"}
    INDEX_DIR/rebuild.json    a build in progress: engine, folder, last item id done, counts
    INDEX_DIR/<engine>-<n>/   one build each

Search opens the build ``current.json`` names. A rebuild writes into a new folder while the
current one keeps answering, records its progress after every committed batch (a killed
rebuild continues where it stopped) and finishes by replacing ``current.json`` atomically
(write, fsync, rename); the old folder is removed after the swap.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path

__all__ = ["Build", "IndexHome", "Progress"]

_CURRENT = "current.json"
_REBUILD = "rebuild.json"
_LEGACY = ("MAIN_", "_MAIN_", "MAIN.")


@dataclass(frozen=True)
class Build:
    engine: str
    folder: str  # a name inside the home folder


@dataclass(frozen=True)
class Progress:
    engine: str
    folder: str
    last_id: int = 0  # every item with a smaller or equal id is in the new build
    done: int = 0
    total: int = 0
    reason: str = ""  # why the rebuild runs (shown on the admin page)

    @property
    def build(self) -> Build:
        return Build(self.engine, self.folder)

    @property
    def percent(self) -> int:
        return min(100, self.done * 100 // self.total) if self.total else 0


class IndexHome:
    def __init__(self, root: Path) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def path(self, build: Build) -> Path:
        return self.root / build.folder

    def current(self) -> Build | None:
        """The build search uses, or None when there is none (or its folder is gone)."""
        data = self._read(_CURRENT)
        if data is None:
            return None
        build = Build(str(data["engine"]), str(data["folder"]))
        return build if self.path(build).is_dir() else None

    def forget_current(self) -> None:
        """The current build is unusable: search has none until a rebuild swaps one in."""
        (self.root / _CURRENT).unlink(missing_ok=True)

    def current_stamp(self) -> int:
        """Changes whenever ``current.json`` is replaced (another process swapped)."""
        try:
            return (self.root / _CURRENT).stat().st_mtime_ns
        except FileNotFoundError:
            return 0

    def new_build(self, engine: str) -> Build:
        return Build(engine, f"{engine}-{time.time_ns()}")

    def progress(self) -> Progress | None:
        data = self._read(_REBUILD)
        return Progress(**data) if data is not None else None

    def save_progress(self, progress: Progress) -> None:
        self._write(_REBUILD, asdict(progress))

    def swap(self, build: Build) -> None:
        """Make ``build`` current, end the rebuild record, remove every other build."""
        self._write(_CURRENT, asdict(build))
        (self.root / _REBUILD).unlink(missing_ok=True)
        for child in self.root.iterdir():
            if child.is_dir() and child.name != build.folder:
                shutil.rmtree(child, ignore_errors=True)
            elif child.is_file() and child.name.startswith(_LEGACY):
                child.unlink(missing_ok=True)  # a Whoosh index from before builds had folders

    def _read(self, name: str) -> dict | None:
        try:
            data = json.loads((self.root / name).read_text())
        except (FileNotFoundError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def _write(self, name: str, data: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)  # the whole folder may have been deleted
        tmp = self.root / f".{name}.tmp"
        with open(tmp, "w") as fh:
            json.dump(data, fh, ensure_ascii=False)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.root / name)
        fd = os.open(self.root, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
