"""LibreOffice conversions (``soffice --headless --convert-to``): .doc → .docx, Word → PDF.

Several files share one LibreOffice start-up (a batch); a file a batch did not produce is converted
again on its own. Every run goes through :func:`sandbox.run` (memory and CPU limits, its process
group killed on timeout). A profile takes ~5 s to create, so a few are kept under the temp dir; a
conversion locks one (flock), so parallel conversions never share a profile, and a run that failed
deletes it (a killed run may leave it broken).
"""

from __future__ import annotations

import fcntl
import logging
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from .model import NO_SOFFICE, ExtractionError
from .sandbox import Deadline, run
from .tools import soffice

log = logging.getLogger(__name__)

PROFILE_ROOT = Path(tempfile.gettempdir()) / "archive-service-soffice"
PROFILES = 4
MEMORY = 4096 * 1024 * 1024
BATCH_SIZE = 8  # files per batch run
BATCH_SECONDS = (30.0, 15.0)  # a batch run: base + per file


def convert(paths: Sequence[Path], target_format: str, outdir: Path, timeout: float) -> dict[Path, Path]:
    """Convert ``paths`` to ``outdir/<stem>.<target_format>``; source → output for those that came out.

    More than one file: batches of ``BATCH_SIZE`` first, then a run of ``timeout`` seconds for each
    file still missing; a single file: one run of ``timeout`` seconds. Raises ``tool_unavailable``
    when LibreOffice is not installed.
    """
    exe = soffice()
    if not exe:
        raise ExtractionError("tool_unavailable", NO_SOFFICE)
    outdir = outdir.absolute()
    outputs = {path: outdir / f"{path.stem}.{target_format}" for path in paths}
    if len(outputs) != len({out.name for out in outputs.values()}):
        raise ValueError("LibreOffice names each output after its input: the stems must differ")
    for out in outputs.values():  # only what this call writes counts
        out.unlink(missing_ok=True)
    with _profile() as profile, tempfile.TemporaryDirectory(prefix="archive-soffice-home-") as home:
        cmd = [exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
               "--nolockcheck", "--convert-to", target_format, "--outdir", str(outdir)]
        if len(outputs) > 1:
            for start in range(0, len(paths), BATCH_SIZE):
                batch = {path: outputs[path] for path in paths[start:start + BATCH_SIZE]}
                seconds = BATCH_SECONDS[0] + BATCH_SECONDS[1] * len(batch)
                if not _run(cmd, batch, seconds, profile, home):
                    for out in batch.values():  # redone one by one below
                        out.unlink(missing_ok=True)
        for path, out in outputs.items():
            if not out.is_file():
                _run(cmd, {path: out}, timeout, profile, home)
    return {path: out for path, out in outputs.items() if out.is_file()}


def _run(cmd: list[str], files: dict[Path, Path], seconds: float, profile: Path, home: str) -> bool:
    """One LibreOffice run converting ``files`` (source → output); True if it exited cleanly."""
    sources = [str(path.absolute()) for path in files]
    try:
        result = run([*cmd, *sources], Deadline(seconds), memory=MEMORY, cwd=home, env={"HOME": home})
    except ExtractionError:
        log.warning("LibreOffice 转换超时：%s", [path.name for path in files])
        for out in files.values():  # killed while writing: never keep a half-written output
            out.unlink(missing_ok=True)
        shutil.rmtree(profile, ignore_errors=True)
        return False
    if result.returncode != 0:
        log.warning("LibreOffice 退出码 %s：%s", result.returncode, result.stderr[-500:])
    if result.returncode != 0 or not all(out.is_file() for out in files.values()):
        shutil.rmtree(profile, ignore_errors=True)
    return result.returncode == 0


@contextmanager
def _profile() -> Iterator[Path]:
    """A LibreOffice profile directory nobody else is using, locked while we hold it."""
    PROFILE_ROOT.mkdir(mode=0o700, exist_ok=True)
    for slot in range(PROFILES):
        with (PROFILE_ROOT / f"{slot}.lock").open("a") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue
            try:
                yield PROFILE_ROOT / f"profile-{slot}"
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
            return
    with tempfile.TemporaryDirectory(prefix="archive-soffice-") as fresh:
        yield Path(fresh) / "profile"
