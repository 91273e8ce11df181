"""Legacy Word 97-2003 (.doc): LibreOffice converts it to .docx, then the docx walk reads it.

A LibreOffice profile takes ~5 s to create, so a few profiles are kept under the temp dir and
each conversion locks one (flock): parallel conversions never share a profile.
"""

from __future__ import annotations

import fcntl
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .docx import extract_docx
from .model import DOC_MIME, NO_SOFFICE, Extraction, ExtractionError
from .sandbox import Deadline, run
from .sniff import check_ole
from .tools import soffice

PROFILE_ROOT = Path(tempfile.gettempdir()) / "archive-service-soffice"
PROFILES = 4
SOFFICE_MEMORY = 4096 * 1024 * 1024


def extract_doc(path: Path, *, deadline: Deadline) -> Extraction:
    """Text of a .doc file via a LibreOffice conversion in a private temp dir."""
    check_ole(path)
    exe = soffice()
    if not exe:
        raise ExtractionError("tool_unavailable", NO_SOFFICE)
    with tempfile.TemporaryDirectory(prefix="archive-doc-") as tmp, _profile() as profile:
        source = Path(tmp) / "input.doc"
        shutil.copyfile(path, source)
        cmd = [
            exe, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
            "--nolockcheck", "--convert-to", "docx", "--outdir", tmp, str(source),
        ]  # fmt: skip
        converted = Path(tmp) / "input.docx"
        try:
            run(cmd, deadline, memory=SOFFICE_MEMORY, cwd=tmp, env={"HOME": tmp})
            if not converted.is_file():
                raise ExtractionError.of("corrupt")
        except ExtractionError:
            shutil.rmtree(profile, ignore_errors=True)  # a killed run may leave it broken
            raise
        return extract_docx(converted, fmt="doc", mime=DOC_MIME)


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
        yield Path(fresh)
