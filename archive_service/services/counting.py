"""字数 of a stored version: its parts counted by the school's rules, and how it compares with
the count the file recorded itself (see rules.charcount for the rule)."""

from __future__ import annotations

from typing import Any

from ..extract import Extraction
from ..rules import Rules
from ..rules.charcount import (
    PART_NAMES,
    Segments,
    document_count,
    explain_count,
    part_counts,
    recorded_comparison,
)
from .shapes import CountInfo, CountPart


def measure(extraction: Extraction, rules: Rules) -> tuple[int, dict[str, Any]]:
    """字数 of a fresh extraction and the detail stored with it."""
    char_count, parts = recount(extraction.text, extraction.segments, rules)
    recorded = recorded_comparison(extraction.recorded, extraction.text, extraction.segments)
    return char_count, {"parts": parts, "recorded": recorded}


def recount(text: str, segments: Segments | None, rules: Rules) -> tuple[int, dict[str, int]]:
    """字数 and part counts of stored text under the current rules."""
    parts = part_counts(text, segments, rules.count_cjk_punctuation)
    return document_count(parts, rules.count_notes_and_textboxes), parts


def describe(detail: dict[str, Any] | None, char_count: int, confirmed: bool,
             rules: Rules) -> CountInfo:
    """What the item page and the API show about a version's count."""
    detail = detail or {}
    parts = detail.get("parts")
    recorded = detail.get("recorded")
    return {
        "count_parts": [CountPart(part=p, name=PART_NAMES.get(p, p), count=n)
                        for p, n in parts.items()] if parts else None,
        # only when there is more than the body to explain, and the count is not a reviewer's
        "count_explanation": explain_count(parts, rules.count_notes_and_textboxes)
        if parts and set(parts) - {"body"} and not confirmed else None,
        "recorded_count": _recorded(recorded, char_count) if recorded else None,
        "count_review": bool(recorded and recorded.get("needs_review") and not confirmed),
    }


def _recorded(recorded: dict[str, Any], char_count: int) -> dict[str, Any]:
    """The file's own count, ours measured the same way, and why they may differ."""
    program = recorded["program"]
    why = (f"文件中记录的是{program}最后一次保存时的统计，保存后用其他软件改动或未重新统计时会过时；"
           f"{program}按文件自己的设置决定是否包括文本框、脚注和尾注"
           f"（本文件设置为{'不包括' if recorded.get('file', {}).get('subdocs_excluded') else '包括'}），"
           "本系统按学校规则统计。")
    if recorded["measure"] != "字数":
        why += ("Word 在文件中只记录字符数（不计空格），不记录「字数」，因此按字符数比较："
                "英文单词在字数中计 1，在字符数中按字母计。")
    share = f"{recorded['difference']:.1%}"
    return {**recorded, "char_count": char_count, "why": why,
            "summary": f"{program} 记录的{recorded['measure']}为 {recorded['recorded']:,}，"
                       f"本系统同口径统计为 {recorded['ours']:,}（相差 {share}）"
                       + ("，差异超过 2%，需人工核对" if recorded["needs_review"] else "")}
