"""Which external tools this machine has (poppler, tesseract with chi_sim, LibreOffice)."""

from __future__ import annotations

import shutil
import subprocess
from functools import cache


@cache
def which(name: str) -> str | None:
    """Absolute path of the executable ``name``, or None."""
    return shutil.which(name)


def soffice() -> str | None:
    """LibreOffice's command-line entry point."""
    return which("soffice") or which("libreoffice")


@cache
def has_chi_sim() -> bool:
    """True when tesseract is installed with the Simplified Chinese model."""
    exe = which("tesseract")
    if not exe:
        return False
    try:
        out = subprocess.run(
            [exe, "--list-langs"], capture_output=True, text=True, timeout=10, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return "chi_sim" in (out.stdout + out.stderr).split()


def ocr_available() -> bool:
    """OCR needs pdftoppm to render pages and tesseract with chi_sim to read them."""
    return bool(which("pdftoppm")) and has_chi_sim()


def tool_status() -> dict[str, bool]:
    """Availability of each external tool, for the start-up log."""
    return {
        "pdftotext": bool(which("pdftotext") and which("pdfinfo")),
        "tesseract": ocr_available(),
        "soffice": bool(soffice()),
    }
