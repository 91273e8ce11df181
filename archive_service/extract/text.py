"""Clean-up of text that came out of PDFs and OCR: garbage, control characters, line wraps."""

from __future__ import annotations

import re

CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
EXT_A = "\u3400-\u4dbf"
# Ideographs plus CJK and full-width punctuation: what may sit on either side of a removed gap.
CJK_WIDE = CJK + "\u3000-\u303f\uff00-\uffef\u2018-\u201d\u2026\u2014"

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_CJK_CHAR = re.compile(f"[{CJK}]")
_EXT_A_CHAR = re.compile(f"[{EXT_A}]")
_OCR_GAP = re.compile(f"(?<=[{CJK_WIDE}])[ \u3000]+(?=[{CJK_WIDE}])")
_WRAP_END = re.compile(f"[{CJK}，、“‘（《]$")
_WRAP_START = re.compile(f"^[{CJK_WIDE}]")

GARBAGE_SHARE = 0.3
MIN_GARBAGE = 3
WRAP_FILL = 0.8


def cjk_count(text: str) -> int:
    """Number of CJK ideographs (the unit of the reference counts)."""
    return len(_CJK_CHAR.findall(text))


def nonspace_count(text: str) -> int:
    """Number of characters that are not white space."""
    return sum(1 for ch in text if not ch.isspace())


def drop_garbage(text: str) -> tuple[str, int]:
    """Remove control characters and lines' Extension A runs that are glyph ids, not words.

    A line where rare Extension A ideographs make up more than 30 % of its CJK characters is
    a font mapping glyph ids into Unicode; its Extension A characters are dropped.
    Returns the cleaned text and the number of characters dropped.
    """
    text, dropped = _CONTROL.subn("", text.replace("\r\n", "\n").replace("\r", "\n"))
    lines = []
    for line in text.split("\n"):
        ext_a = len(_EXT_A_CHAR.findall(line))
        if ext_a >= MIN_GARBAGE and ext_a > GARBAGE_SHARE * cjk_count(line):
            line = _EXT_A_CHAR.sub("", line)
            dropped += ext_a
        lines.append(line)
    return "\n".join(lines), dropped


def squeeze_ocr_gaps(text: str) -> str:
    """Remove the spaces tesseract puts between Chinese characters."""
    return _OCR_GAP.sub("", text)


def paragraphs(text: str) -> str:
    """Drop blank lines and rejoin Chinese lines that were wrapped at the line end.

    A line is a wrapped one when it ends inside a sentence, the next starts with a Chinese
    character, and it is nearly as long as the document's full lines (headings are short).
    """
    lines = [line.rstrip() for line in text.split("\n") if line.strip()]
    full = _full_width(lines)
    out: list[str] = []
    previous = ""
    for line in lines:
        if out and _is_wrapped(previous, line, full):
            out[-1] += line.lstrip()
        else:
            out.append(line)
        previous = line
    return "\n".join(out)


def _full_width(lines: list[str]) -> int:
    """Length of a full line: the 90th percentile of Chinese lines' lengths."""
    lengths = sorted(len(line) for line in lines if _CJK_CHAR.search(line))
    return lengths[int(len(lengths) * 0.9)] if lengths else 0


def _is_wrapped(previous: str, line: str, full: int) -> bool:
    return (
        full > 0
        and len(previous) >= WRAP_FILL * full
        and bool(_WRAP_END.search(previous))
        and bool(_WRAP_START.match(line.lstrip()))
    )
