"""Check 6 for papers (论文或报告), 第19条(4)C①.

A paper earns hours only by a county-or-higher award or a publication in a formal education
journal; 同篇只计一次最高等次: the best recognition decides the hours and the academic year, and
every other year the paper touches gets ``already_counted``.  The same paper uploaded more than
once (a near-duplicate of another paper) is one family that counts once.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from ..vocabulary import GRADE_NAMES, LEVEL_NAMES, Code, Kind, RecognitionType
from .candidates import (
    Candidate,
    Outcome,
    PaperCandidate,
    awaiting_reason,
    decision,
    fmt_hours,
    selected_note,
)
from .config import Rules
from .duplicates import Original
from .facts import Decision, ItemFacts, Recognition
from .fields import threshold
from .years import home_year, year_of, year_zh

ONCE = "同篇只计一次最高等次"


def recognition_hours(rec: Recognition, rules: Rules) -> float:
    """The hours one recognition is worth (0: below county level, unknown type or level)."""
    if rec.type == RecognitionType.AWARD:
        return rules.paper.award_hours_for(rec.level, rec.grade)
    if rec.type == RecognitionType.PUBLICATION:
        return rules.paper.publication_hours_for(rec.level)
    return 0.0


def describe_recognition(rec: Recognition) -> str:
    """「市级一等奖」, 「省级期刊发表」."""
    level = LEVEL_NAMES.get(rec.level, rec.level)
    if rec.type == RecognitionType.AWARD:
        grade = GRADE_NAMES.get(rec.grade or 0, str(rec.grade))
        return f"{level}{grade}等奖"
    return f"{level}期刊发表"


def _qualifying(item: ItemFacts, rules: Rules) -> list[tuple[float, Recognition]]:
    """The paper's recognitions that earn hours, best first (hours, then date, then id)."""
    pairs = [(recognition_hours(r, rules), r) for r in item.recognitions]
    return sorted(((h, r) for h, r in pairs if h > 0), key=lambda p: (-p[0], p[1].date, p[1].id))


def _touched_years(item: ItemFacts, rules: Rules) -> set[str]:
    """The paper's own year and the year of each recognition that earns hours."""
    return {home_year(item, rules)} | {year_of(r.date, rules) for _, r in _qualifying(item, rules)}


def _no_recognition(item: ItemFacts, rules: Rules) -> Decision:
    reason = "论文暂无县级以上获奖或正式期刊发表，不计学时，仍归档"
    numbers = {"char_count": item.char_count, "recognitions": len(item.recognitions)}
    return decision(item, home_year(item, rules), Code.NO_RECOGNITION, reason, rules.paper.rule,
                    numbers)


def paper_outcome(item: ItemFacts, rules: Rules) -> Outcome:
    qualifying = _qualifying(item, rules)
    if not qualifying:
        return Outcome([_no_recognition(item, rules)])
    hours, best = qualifying[0]
    minimum = threshold(item, rules) or 0
    length = f"，字数 {item.char_count:,} ≥ {minimum}" if minimum else ""
    counted = (f"论文{length}，{describe_recognition(best)}（{best.date.isoformat()}）"
               f"{selected_note(item, rules)}，计 {fmt_hours(hours)} 学时（{ONCE}）")
    numbers: dict[str, Any] = {
        "char_count": item.char_count, "threshold": minimum, "hours": hours,
        "recognition_id": best.id, "recognition_type": best.type, "level": best.level,
        "grade": best.grade, "recognition_date": best.date.isoformat()}
    candidate = PaperCandidate(item, year_of(best.date, rules), hours, best.date, rules.paper.rule,
                               numbers, counted, awaiting_reason(item, minimum or None, hours), best)
    return Outcome(candidates=[candidate])


def paper_other_years(best: Decision, candidate: PaperCandidate, rules: Rules,
                      titles: dict[int, str]) -> list[Decision]:
    """``already_counted`` in every other year the paper touches (its year, its recognitions)."""
    item, rec = candidate.item, candidate.recognition
    years = _touched_years(item, rules) - {best.year}
    year, what = year_zh(best.year), describe_recognition(rec)
    head = "同篇论文只计一次最高等次："
    if best.code == Code.COUNTED:
        reason = f"{head}已在 {year} 学年按{what}计 {fmt_hours(best.hours)} 学时"
    elif best.code == Code.AWAITING_SELECTION:
        reason = f"{head}按 {year} 学年{what}认定（{fmt_hours(candidate.hours)} 学时），待学校筛选"
    else:
        holder = titles.get(best.related_item_id or 0, "")
        reason = (f"{head}按 {year} 学年{what}认定，该学年论文名额已由《{holder}》占用，"
                  "不改按较低等次计")
    numbers = {"counted_year": best.year, "recognition_id": rec.id, "hours": candidate.hours,
               "counted_code": best.code}
    rule = f"{rules.paper.rule}：{ONCE}"
    return [decision(item, y, Code.ALREADY_COUNTED, reason, rule, numbers) for y in sorted(years)]


# --------------------------------------------------------------------------- the same paper again


def paper_families(ordered: list[ItemFacts], duplicates: dict[int, Original]) -> dict[int, int]:
    """paper id → the lowest id of the papers that are the same paper uploaded again."""
    papers = {i.id for i in ordered if i.kind == Kind.PAPER}
    root: dict[int, int] = {}
    for item_id in sorted(papers):
        found = duplicates.get(item_id)
        if found is not None and found[0] in papers:
            original = found[0]
            root[item_id] = root.get(original, original)
            root.setdefault(original, original)
    return root


def _family_rank(c: PaperCandidate) -> tuple[float, date, int]:
    return (-c.hours, c.when, c.item.id)


def merge_paper_families(candidates: list[Candidate], decisions: list[Decision],
                         family: dict[int, int], rules: Rules, titles: dict[int, str]
                         ) -> list[Candidate]:
    """The same paper uploaded more than once counts once, at its best recognition.

    Only the family's best candidate competes; the other uploads (and any of them without a
    recognition) get ``already_counted`` naming it.
    """
    members = [c for c in candidates if isinstance(c, PaperCandidate) and c.item.id in family]
    best: dict[int, PaperCandidate] = {}
    for c in members:
        key = family[c.item.id]
        if key not in best or _family_rank(c) < _family_rank(best[key]):
            best[key] = c
    merged = {c.item.id for c in members if best[family[c.item.id]] is not c}
    for c in members:
        if c.item.id in merged:
            decisions.extend(_same_paper(c.item, best[family[c.item.id]], rules, titles))
    for index, d in enumerate(decisions):
        if d.code == Code.NO_RECOGNITION and family.get(d.item_id) in best:
            holder = best[family[d.item_id]]
            decisions[index] = _same_paper_decision(d.item_id, d.year, holder, rules, titles)
    return [c for c in candidates if c.item.id not in merged]


def _same_paper(item: ItemFacts, holder: PaperCandidate, rules: Rules, titles: dict[int, str]
                ) -> list[Decision]:
    """``already_counted`` in the upload's own year and in each year of its recognitions."""
    return [_same_paper_decision(item.id, y, holder, rules, titles)
            for y in sorted(_touched_years(item, rules))]


def _same_paper_decision(item_id: int, year: str, holder: PaperCandidate, rules: Rules,
                         titles: dict[int, str]) -> Decision:
    hid = holder.item.id
    reason = (f"与《{titles[hid]}》（编号 {hid}）是同一篇论文，{ONCE}："
              f"按 {year_zh(holder.year)} 学年{describe_recognition(holder.recognition)}"
              f"（{fmt_hours(holder.hours)} 学时）认定")
    numbers = {"counted_item_id": hid, "counted_year": holder.year, "hours": holder.hours,
               "recognition_id": holder.recognition.id}
    return Decision(item_id=item_id, year=year, code=Code.ALREADY_COUNTED, hours=0.0,
                    reason=reason, rule=f"{rules.paper.rule}：{ONCE}", numbers=numbers,
                    related_item_id=hid)
