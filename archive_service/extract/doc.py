"""Legacy Word 97-2003 (.doc): LibreOffice converts it to .docx, then the docx walk reads it."""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from .docx import extract_docx
from .model import DOC_MIME, Extraction, ExtractionError
from .office import convert
from .sandbox import Deadline
from .sniff import check_ole


def extract_doc(path: Path, *, deadline: Deadline) -> Extraction:
    """Text of a .doc file via a LibreOffice conversion in a private temp dir."""
    check_ole(path)
    with tempfile.TemporaryDirectory(prefix="archive-doc-") as tmp:
        source = Path(tmp) / "input.doc"
        shutil.copyfile(path, source)
        converted = convert([source], "docx", Path(tmp), deadline.left()).get(source)
        if converted is None:
            deadline.left()  # raises ``timeout`` when that is why nothing came out
            raise ExtractionError.of("corrupt")
        result = extract_docx(converted, fmt="doc", mime=DOC_MIME)
        # LibreOffice's statistics, not the ones Word recorded in the .doc: nothing to compare
        return replace(result, recorded=None)
