"""Check 2 (``duplicate``): 同一成果只认定一次.

An item is a duplicate when the caller marked it (another teacher's work, found outside this
teacher's items) or when its MinHash signature is at least ``near_duplicate_threshold`` similar
to that of a lower-id item of the same teacher.  Candidates are found with LSH bands, so the
cost stays near linear in the number of items.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..vocabulary import Code
from .candidates import decision
from .config import Rules
from .facts import Decision, ItemFacts
from .fingerprint import similarity

DUPLICATE_RULE = "同一成果只认定一次（重复提交）"

Original = tuple[int, float | None]  # (original item id, similarity; None: marked by the caller)
_Band = tuple[int, tuple[int, ...]]


def band_size(k: int, threshold: float) -> int:
    """Rows per LSH band such that two signatures with similarity ≥ threshold share a band."""
    mismatches = int((1.0 - threshold) * k + 1e-9)
    return max(1, k // (mismatches + 1))


def find_duplicates(items: Sequence[ItemFacts], rules: Rules) -> dict[int, Original]:
    """item id → (original id, similarity or None when the caller marked it).

    ``items`` must be sorted by id: every earlier item is already in the buckets.
    """
    threshold = rules.near_duplicate_threshold
    printed = [i for i in items if i.fingerprint]
    rows = band_size(min((len(i.fingerprint) for i in printed), default=1), threshold)
    buckets: dict[_Band, list[ItemFacts]] = {}
    found: dict[int, Original] = {}
    for item in items:
        if item.duplicate_of is not None and item.duplicate_of != item.id:
            found[item.id] = (item.duplicate_of, None)
        if not item.fingerprint:
            continue
        bands = [(b, tuple(item.fingerprint[b * rows:(b + 1) * rows]))
                 for b in range(len(item.fingerprint) // rows)]
        if item.id not in found:
            best = _best_original(item, bands, buckets, threshold)
            if best is not None:
                found[item.id] = best
        if item.returned_reason is None:  # a returned item is no original: resubmit freely
            for band in bands:
                buckets.setdefault(band, []).append(item)
    return found


def _best_original(item: ItemFacts, bands: list[_Band], buckets: dict[_Band, list[ItemFacts]],
                   threshold: float) -> tuple[int, float] | None:
    seen: dict[int, ItemFacts] = {}
    for band in bands:
        for other in buckets.get(band, ()):
            seen.setdefault(other.id, other)
    best: tuple[int, float] | None = None
    for other_id in sorted(seen):
        score = similarity(seen[other_id].fingerprint, item.fingerprint)
        if score >= threshold and (best is None or score > best[1]):
            best = (other_id, score)
    return best


def duplicate_decision(item: ItemFacts, year: str, original: Original, titles: dict[int, str],
                       rules: Rules) -> Decision:
    original_id, score = original
    if original_id in titles:
        who = f"《{titles[original_id]}》（编号 {original_id}）"
    else:
        who = f"其他教师的成果（编号 {original_id}）"
    detail = f"（相似度 {score:.0%}）" if score is not None else ""
    numbers = {"original_id": original_id,
               "similarity": round(score, 4) if score is not None else None,
               "similarity_threshold": rules.near_duplicate_threshold}
    return decision(item, year, Code.DUPLICATE, f"与{who}内容相同或高度相似{detail}",
                    DUPLICATE_RULE, numbers, related=original_id)
