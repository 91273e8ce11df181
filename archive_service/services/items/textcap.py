"""A bound on the text kept for a document: the database, the index and the fingerprint get at
most ``cap`` characters; 字数 is counted over the whole text before it is cut.

A 45 MB .docx can hold 20 million characters; kept whole, indexing and fingerprinting it took
the server past 8 GB.
"""

from __future__ import annotations

from dataclasses import replace

from ...extract import Extraction


def cut_note(cut_at: int, char_count: int) -> str:
    """The flag shown with an item whose text was cut."""
    return (f"只索引前 {cut_at:,} 字（全文 {char_count:,} 字仍全部计入字数），"
            "检索和查重只涉及这一部分")


def cap_text(extraction: Extraction, cap: int, char_count: int) -> tuple[Extraction, int | None]:
    """``extraction`` with its text (and part segments) cut to ``cap`` characters, and where it
    was cut (None when it was short enough)."""
    if len(extraction.text) <= cap:
        return extraction, None
    segments, kept = [], 0
    for part, length in extraction.segments:
        take = min(int(length), cap - kept)
        if take <= 0:
            break
        segments.append((part, take))
        kept += take
    return replace(extraction, text=extraction.text[:cap], segments=tuple(segments),
                   warnings=(*extraction.warnings, cut_note(cap, char_count))), cap
