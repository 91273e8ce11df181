"""字数: the character count of a text, the way Word and WPS report 字数 for Chinese documents.

Which text counts (the 字数 dialog's default "包括文本框、脚注和尾注"): the body with its tables,
field results and tracked insertions; text boxes and footnotes/endnotes unless the school switches
them off.  Headers and footers, comments and hidden text are kept for search but not counted
(:class:`Part`, :func:`counted_parts`); field instructions and tracked deletions are never
extracted.

The rule, applied to the text after invisible marks are dropped:

* Each CJK ideograph counts 1: unified ideographs and every extension block (A, B … I),
  compatibility ideographs, radicals, the ideographic letters of the CJK Symbols block
  (々 〆 〇 〡…〩 …), enclosed/compatibility CJK symbols (U+3200–33FF); likewise each kana,
  bopomofo and hangul character.
* Each full-width letter or digit (Ａ–Ｚ, ａ–ｚ, ０–９) counts 1.
* Each maximal run of other non-whitespace characters counts 1: an English word, a number such
  as ``3.14``, ``Python3``, ``(2)``, ``e-mail``.  ASCII punctuation stays inside the run; CJK
  characters, CJK punctuation and whitespace end it.
* CJK and full-width punctuation counts 1 each when ``count_cjk_punctuation`` is true (Word's
  字数 does count Chinese punctuation) and 0 otherwise; either way it ends a Latin run.  It is:
  the CJK Symbols and Punctuation block U+3000–303F (except the ideographic space and the
  ideographic letters above), the full-width and half-width punctuation of U+FF01–FF65 and the
  full-width signs U+FFE0–FFEE, the vertical/small/compatibility forms U+FE10–FE1F and
  U+FE30–FE6F, and the general punctuation Chinese text uses: “ ” ‘ ’ — ― … ‥ · ‧ ‖ ※.
  A curly apostrophe between two Latin letters (``don’t``) is an apostrophe, not a quote.
* Whitespace (including U+3000 and the zero-width space) and control characters count 0 and
  end a run.  Format characters (soft hyphen, BOM, bidi marks), combining marks and variation
  selectors count 0 and are transparent: ``café`` written with a combining accent is one word.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import StrEnum
from typing import Any

_IDEOGRAPHIC = (
    "\u1100-\u11ff"  # Hangul Jamo
    "\u2e80-\u2fdf"  # CJK radicals supplement, Kangxi radicals
    "\u2ff0-\u2fff"  # ideographic description characters
    "\u3005-\u3007\u3021-\u3029\u3031-\u3035\u3038-\u303c"  # 々〆〇, Hangzhou numerals, marks
    "\u3041-\u3096\u309b-\u30ff"  # hiragana, katakana
    "\u3105-\u312f\u3131-\u318f\u3190-\u31bf"  # bopomofo, hangul compatibility jamo, kanbun
    "\u31c0-\u31ef\u31f0-\u31ff"  # CJK strokes, katakana phonetic extensions
    "\u3200-\u33ff"  # enclosed CJK letters and months, CJK compatibility
    "\u3400-\u4dbf"  # CJK Extension A
    "\u4e00-\u9fff"  # CJK Unified Ideographs
    "\ua960-\ua97f\uac00-\ud7ff"  # hangul jamo extended, syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f\uffa0-\uffdc"  # half-width katakana and hangul
    "\U0001b000-\U0001b16f"  # kana supplement / extended
    "\U00020000-\U0003134f"  # Extensions B–G, compatibility supplement
    "\U00031350-\U000323af"  # Extension H
)
_FULLWIDTH_ALNUM = "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
_CJK_PUNCT = (
    "\u3001-\u3004\u3008-\u3020\u3030\u3036\u3037\u303d-\u303f"
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\uffe0-\uffee"
    "\ufe10-\ufe1f\ufe30-\ufe6f"
    "\u00b7\u2014\u2015\u2016\u2018\u2019\u201c\u201d\u2025\u2026\u2027\u203b"
)
# Dropped before counting: format characters, combining marks, variation selectors.
_INVISIBLE = re.compile(
    "[\u00ad\u0300-\u036f\u0600-\u0605\u061c\u06dd\u070f\u180b-\u180f\u1ab0-\u1aff\u1dc0-\u1dff"
    "\u200c-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u20d0-\u20ff\u302a-\u302f\u3099\u309a"
    "\ufe00-\ufe0f\ufe20-\ufe2f\ufeff\ufff9-\ufffb"
    "\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef]"
)
_APOSTROPHE = re.compile("(?<=[A-Za-z])[\u2019\u2018](?=[A-Za-z])")
_IDEOGRAPH_RE = re.compile(f"[{_IDEOGRAPHIC}{_FULLWIDTH_ALNUM}]")
_PUNCT_RE = re.compile(f"[{_CJK_PUNCT}]")
_SEPARATORS = "\\s\\x00-\\x1f\\x7f-\\x9f\u200b"  # whitespace, controls, ZWSP
_RUN_RE = re.compile(f"[^{_SEPARATORS}{_IDEOGRAPHIC}{_FULLWIDTH_ALNUM}{_CJK_PUNCT}]+")


_SLICE = 1 << 20  # characters counted at a time: memory stays bounded on huge texts
_SAFE_END = re.compile(r"[\s\u3400-\u4dbf\u4e00-\u9fff]")  # no counted unit spans these


def count_chars(text: str, count_cjk_punctuation: bool = True, slice_size: int = _SLICE) -> int:
    """Return the 字数 of ``text`` (see the module docstring for the rule).

    Long texts are counted a slice at a time, each cut just after whitespace or an ideograph
    (which end every run), so the total is the same as counting at once."""
    total = 0
    start = 0
    while start < len(text):
        end = _slice_end(text, start, start + slice_size)
        total += _count(text[start:end], count_cjk_punctuation)
        start = end
    return total


def _slice_end(text: str, start: int, end: int) -> int:
    """A cut in (start, end] (else the first one after ``end``) that no counted unit spans."""
    if end >= len(text):
        return len(text)
    ends = [m.end() for m in _SAFE_END.finditer(text, max(start, end - 4096), end)]
    if ends:
        return ends[-1]
    after = _SAFE_END.search(text, end)
    return after.end() if after else len(text)


def _count(text: str, count_cjk_punctuation: bool) -> int:
    text = _APOSTROPHE.sub("'", _INVISIBLE.sub("", text))
    total = len(_IDEOGRAPH_RE.findall(text)) + len(_RUN_RE.findall(text))
    if count_cjk_punctuation:
        total += len(_PUNCT_RE.findall(text))
    return total


# --- Which parts of a document count (Word/WPS 字数 dialog, default setting
# "包括文本框、脚注和尾注") -------------------------------------------------------------


class Part(StrEnum):
    """Where a stretch of extracted text sits in the document."""

    BODY = "body"  # main text, tables, field results, tracked insertions
    TEXTBOX = "textbox"  # text boxes of the main text (once: not their mc:Fallback copy)
    NOTE = "note"  # footnotes and endnotes
    HEADER = "header"  # headers and footers of every kind (default, first page, even page)
    COMMENT = "comment"  # 批注
    HIDDEN = "hidden"  # text formatted hidden (w:vanish): Word does not show it by default


PART_NAMES: dict[str, str] = {
    Part.BODY: "正文", Part.TEXTBOX: "文本框", Part.NOTE: "脚注和尾注",
    Part.HEADER: "页眉页脚", Part.COMMENT: "批注", Part.HIDDEN: "隐藏文字",
}
# 1: the whole extracted text counted; 2: only the parts Word/WPS count (headers, footers,
# comments and hidden text kept for search but not counted).  A change recounts stored items.
COUNTING_RULES_VERSION = 2

Segments = Sequence[Sequence[Any]]  # [(part, length in characters of the text), ...]


def counted_parts(notes_and_textboxes: bool = True) -> frozenset[str]:
    """The parts that make up 字数: the body, plus text boxes and notes when switched on."""
    if notes_and_textboxes:
        return frozenset({Part.BODY, Part.TEXTBOX, Part.NOTE})
    return frozenset({Part.BODY})


def split_parts(text: str, segments: Segments | None) -> dict[str, str]:
    """The text of each part (segments cover ``text`` in order; none: all of it is body)."""
    if not segments:
        return {Part.BODY: text} if text else {}
    pieces: dict[str, list[str]] = {}
    start = 0
    for part, length in segments:
        pieces.setdefault(str(part), []).append(text[start:start + int(length)])
        start += int(length)
    return {part: "\n".join(chunks) for part, chunks in pieces.items()}


def part_counts(text: str, segments: Segments | None,
                count_cjk_punctuation: bool = True) -> dict[str, int]:
    """字数 of every part that has text, in the order of :class:`Part`."""
    parts = split_parts(text, segments)
    return {str(p): count_chars(parts[p], count_cjk_punctuation) for p in Part if p in parts}


def document_count(counts: dict[str, int], notes_and_textboxes: bool = True) -> int:
    """字数 of the document from its part counts."""
    counted = counted_parts(notes_and_textboxes)
    return sum(n for part, n in counts.items() if part in counted)


def explain_count(counts: dict[str, int], notes_and_textboxes: bool = True) -> str:
    """「正文 990 字（另有页眉页脚 33 字、批注 24 字，按 Word/WPS 规则不计入）」."""
    counted = counted_parts(notes_and_textboxes)
    inside = [f"{PART_NAMES[p]} {counts[p]:,} 字" for p in Part
              if p in counted and p != Part.BODY and counts.get(p)]
    outside = [f"{PART_NAMES[p]} {counts[p]:,} 字" for p in Part
               if p not in counted and counts.get(p)]
    text = f"正文 {counts.get(Part.BODY, 0):,} 字"
    if inside:
        text = f"共 {document_count(counts, notes_and_textboxes):,} 字：{text}，" + "，".join(inside)
    if outside:
        text += f"（另有{'、'.join(outside)}，按 Word/WPS 规则不计入）"
    return text


# --- The count the file itself records (docProps/app.xml) --------------------------------

REVIEW_DIFFERENCE = 0.02  # a recorded count more than 2% away from ours is flagged for review


def recorded_comparison(recorded: dict[str, Any] | None, text: str,
                        segments: Segments | None) -> dict[str, Any] | None:
    """Our count beside the one the file recorded at its last save, measured the same way.

    WPS writes its 字数 in ``Words``: compared with our 字数 (punctuation counted, as WPS
    does).  Word writes ``Characters`` (字符数，不计空格) — its ``Words`` is not the Chinese
    字数 — so our non-space characters are compared with that.  Both follow the file's own
    "include text boxes, footnotes and endnotes" setting.
    """
    if not recorded:
        return None
    parts = split_parts(text, segments)
    counted = counted_parts(not recorded.get("subdocs_excluded"))
    ours_text = "\n".join(parts[p] for p in Part if p in counted and p in parts)
    wps = str(recorded.get("application") or "").upper().startswith("WPS")
    if wps and recorded.get("words"):
        measure, theirs, ours = "字数", int(recorded["words"]), count_chars(ours_text)
    elif recorded.get("characters"):
        measure, theirs = "字符数（不计空格）", int(recorded["characters"])
        ours = sum(1 for c in _INVISIBLE.sub("", ours_text) if not c.isspace())
    else:
        return None
    difference = abs(ours - theirs) / theirs
    return {"program": "WPS" if wps else "Word", "measure": measure, "recorded": theirs,
            "ours": ours, "difference": round(difference, 4),
            "needs_review": difference > REVIEW_DIFFERENCE, "file": dict(recorded)}
