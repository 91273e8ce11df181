"""Subprocess entry: ``python pypdf_worker.py FILE`` prints {"text", "pages"} or {"error"} as JSON.

Self-contained on purpose (no package imports): the parent runs it under memory and time limits.
"""

from __future__ import annotations

import json
import sys

try:
    from pypdf import PageObject, PdfReader
    from pypdf.errors import DependencyError, PyPdfError
except ImportError:  # pragma: no cover - reported to the parent as a missing tool
    PdfReader = None


def main(path: str) -> dict[str, object]:
    """Read ``path`` with pypdf; encrypted files are tried with the empty password only."""
    if PdfReader is None:
        return {"error": "missing"}
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return {"error": "encrypted"}
        pages = [_page_text(page) for page in reader.pages]
    except DependencyError:  # AES needs the cryptography package
        return {"error": "missing"}
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError):
        return {"error": "corrupt"}
    return {"text": "\n".join(pages), "pages": len(pages)}


def _page_text(page: PageObject) -> str:
    """Text of one page; a broken page gives '' instead of losing the others."""
    try:
        return page.extract_text() or ""
    except DependencyError:
        raise
    except Exception:
        return ""


if __name__ == "__main__":
    json.dump(main(sys.argv[1]), sys.stdout, ensure_ascii=False)
