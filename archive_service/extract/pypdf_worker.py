"""Subprocess entry for pypdf, which the parent runs under memory and time limits (pypdf had DoS bugs).

- ``text FILE`` prints {"text", "pages"} or {"error"} as JSON (text extraction without poppler);
- ``check RESULTS FILE...`` appends one JSON line per FILE to RESULTS as it goes, so a hang or crash
  names the file: {"pages"} or {"error"[, "page"]}. A page without a positive size or whose content
  stream makes pypdf warn (pypdf would merge it as a blank page) fails the file.

Self-contained on purpose (no package imports). Encrypted files are tried with the empty password only.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable

try:
    from pypdf import PageObject, PdfReader
    from pypdf.errors import DependencyError
    HAVE_PYPDF = True
except ImportError:  # pragma: no cover - reported to the parent as a missing tool
    HAVE_PYPDF = False

Verdict = dict[str, object]


class _Warnings(logging.Handler):
    """Notes that pypdf logged a warning (it warns, then goes on, on an undecodable stream)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.seen = False

    def emit(self, record: logging.LogRecord) -> None:
        self.seen = True


WARNINGS = _Warnings()


def read(path: str, use: Callable[[PdfReader], Verdict]) -> Verdict:
    """``use(reader)`` for the file at ``path``, or {"error": "missing" | "encrypted" | "corrupt"}."""
    if not HAVE_PYPDF:
        return {"error": "missing"}
    try:
        reader = PdfReader(path, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            return {"error": "encrypted"}
        return use(reader)
    except DependencyError:  # AES needs the cryptography package
        return {"error": "missing"}
    except Exception:
        return {"error": "corrupt"}


def text(reader: PdfReader) -> Verdict:
    """All the text and the page count."""
    pages = [_page_text(page) for page in reader.pages]
    return {"text": "\n".join(pages), "pages": len(pages)}


def _page_text(page: PageObject) -> str:
    """Text of one page; a broken page gives '' instead of losing the others."""
    try:
        return page.extract_text() or ""
    except DependencyError:
        raise
    except Exception:
        return ""


def check(reader: PdfReader) -> Verdict:
    """The page count, or the first page without a positive size or with an undecodable stream."""
    count = 0
    for count, page in enumerate(reader.pages, 1):
        box = page.mediabox
        if box.width <= 0 or box.height <= 0:
            return {"error": "page", "page": count}
        WARNINGS.seen = False
        contents = page.get_contents()
        if contents is not None:
            contents.get_data()
        if WARNINGS.seen:
            return {"error": "page", "page": count}
    return {"pages": count} if count else {"error": "empty"}


def main(mode: str, *args: str) -> None:
    if mode == "text":
        json.dump(read(args[0], text), sys.stdout, ensure_ascii=False)
        return
    if mode != "check":
        raise SystemExit(f"unknown mode {mode!r}: text FILE | check RESULTS FILE...")
    logger = logging.getLogger("pypdf")
    logger.addHandler(WARNINGS)
    logger.propagate = False
    with open(args[0], "a", encoding="utf-8") as out:
        for path in args[1:]:
            out.write(json.dumps(read(path, check)) + "\n")
            out.flush()


if __name__ == "__main__":
    main(*sys.argv[1:])
