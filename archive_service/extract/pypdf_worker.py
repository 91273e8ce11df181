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
from typing import Any

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


ACTIVE_ACTIONS = {"/JavaScript", "/Launch", "/SubmitForm", "/ImportData", "/GoToR", "/GoToE",
                  "/RichMediaExecute", "/Rendition", "/Sound", "/Movie"}
ACTIVE_ANNOTS = {"/FileAttachment", "/RichMedia", "/Screen", "/Movie", "/Sound", "/3D"}


def _resolve(obj: Any) -> Any:
    return obj.get_object() if hasattr(obj, "get_object") else obj


def _action_kinds(action: Any, found: set[str], depth: int = 0) -> None:
    """Active kinds in an action dictionary and its /Next chain."""
    action = _resolve(action)
    if depth > 20 or not hasattr(action, "get"):
        return
    kind = action.get("/S")
    if kind in ACTIVE_ACTIONS:
        found.add(str(kind))
    nexts = _resolve(action.get("/Next"))
    for follow in nexts if isinstance(nexts, list) else [nexts] if nexts is not None else []:
        _action_kinds(follow, found, depth + 1)


def _aa(holder: Any, found: set[str]) -> None:
    """An additional-actions dictionary counts as active whatever it triggers."""
    extra: Any = _resolve(holder.get("/AA")) if hasattr(holder, "get") else None
    if extra is not None and hasattr(extra, "values") and len(extra):
        found.add("/AA")
        for action in extra.values():
            _action_kinds(action, found)


def active(reader: PdfReader) -> Verdict:
    """Active content: JavaScript, automatic actions, launch actions, embedded files, XFA."""
    found: set[str] = set()
    root: Any = reader.trailer["/Root"].get_object()
    opening = _resolve(root.get("/OpenAction"))
    if hasattr(opening, "get"):  # a bare destination array only opens a page
        _action_kinds(opening, found)
    _aa(root, found)
    names = _resolve(root.get("/Names"))
    if hasattr(names, "get"):
        found.update(key for key in ("/JavaScript", "/EmbeddedFiles") if key in names)
    form = _resolve(root.get("/AcroForm"))
    if hasattr(form, "get") and "/XFA" in form:
        found.add("/XFA")
    page: Any
    for page in reader.pages:
        _aa(page, found)
        for annot in _resolve(page.get("/Annots")) or []:
            annot = _resolve(annot)
            if not hasattr(annot, "get"):
                continue
            if annot.get("/Subtype") in ACTIVE_ANNOTS:
                found.add(str(annot.get("/Subtype")))
            _action_kinds(annot.get("/A"), found)
            _aa(annot, found)
    return {"active": sorted(found)}


def main(mode: str, *args: str) -> None:
    if mode == "text":
        json.dump(read(args[0], text), sys.stdout, ensure_ascii=False)
        return
    if mode == "active":
        json.dump(read(args[0], active), sys.stdout, ensure_ascii=False)
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
