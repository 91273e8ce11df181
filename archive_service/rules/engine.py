"""The eligibility engine: one teacher's items in, the credit-hour register out.

Every item passes the checks in this order; the first that applies decides it:

1. ``missing_metadata``  a field the kind needs is missing or invalid (``fields.py``);
2. ``duplicate``         the caller marked it, or its text is (nearly) that of a lower-id item
                         (``duplicates.py``);
3. ``needs_review``      the 字数 came from OCR and nobody has confirmed it (length kinds only);
4. ``too_short``         the 字数 is below the kind's threshold;
5. ``returned``          the school sent it back, or refused the evidence of a kind the rules
                         list under ``[verification] required`` (research projects, papers);
6. the hours: papers (``papers.py``) give ``no_recognition`` without a county+ award or a journal
   publication, otherwise the best recognition decides the hours and the year, and every other
   year the paper touches gets ``already_counted``; the other kinds earn fixed or computed hours
   (``candidates.py``); a ``lecture_notes`` item naming a training (``metadata.activity_id``)
   earns nothing itself: it releases the lecturer's hours on the activity (``activities.py``);
7. the per-year limit groups (``limits.py``): winners are ``counted`` (or
   ``eligible_awaiting_selection`` when the kind needs the school's selection and has none yet),
   losers ``over_annual_limit``;
8. a counted item of a kind whose evidence the school verifies is ``pending_verification``
   (showing the hours it would earn) until an admin has verified it (``verification.py``).

Academic years and the five-year cycle are in ``years.py``.  The result depends only on the set
of items and the rules: items are sorted by id first and no step depends on hash or set order.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..vocabulary import KIND_NAMES, PORTFOLIO_KINDS, Code, Kind, Verification
from .candidates import (
    Candidate,
    Outcome,
    PaperCandidate,
    decision,
    lecture_candidate,
    length_candidate,
    project_candidate,
)
from .config import Rules
from .duplicates import Original, duplicate_decision, find_duplicates
from .facts import Decision, ItemFacts, TeacherRegister, YearResult
from .fields import linked_activity, missing_field, threshold
from .limits import compete
from .papers import merge_paper_families, paper_families, paper_other_years, paper_outcome
from .verification import gate
from .years import home_year

REVIEW_RULE = "字数认定：扫描件识别的字数须人工核对"
RETURNED_RULE = "学校审核退回"


def _screen(item: ItemFacts, rules: Rules, duplicates: dict[int, Original],
            titles: dict[int, str]) -> Decision | None:
    """The decision of checks 1–5, or None when the item passes them all."""
    year = home_year(item, rules)
    rule = rules.rule_of(item.kind)
    missing = missing_field(item, rules)
    if missing is not None:
        return decision(item, year, Code.MISSING_METADATA, missing[1], rule, {"field": missing[0]})
    if item.id in duplicates:
        return duplicate_decision(item, year, duplicates[item.id], titles, rules)
    minimum = threshold(item, rules)
    if minimum is not None:
        numbers = {"char_count": item.char_count, "threshold": minimum}
        if item.count_from_ocr and not item.count_confirmed:
            reason = f"字数 {item.char_count:,} 来自扫描件文字识别（OCR），需人工核对后才能认定"
            return decision(item, year, Code.NEEDS_REVIEW, reason, REVIEW_RULE, numbers)
        if item.char_count < minimum:
            reason = f"字数 {item.char_count:,}，未达到{KIND_NAMES[item.kind]} {minimum} 字的要求"
            return decision(item, year, Code.TOO_SHORT, reason, rule, numbers)
    if item.returned_reason is not None:
        return decision(item, year, Code.RETURNED, f"学校退回：{item.returned_reason}", RETURNED_RULE,
                        {"returned_reason": item.returned_reason})
    if item.verification == Verification.REFUSED and rules.ledger.needs_verification(item.kind):
        why = (item.refusal_reason or "").strip() or "未说明原因"
        return decision(item, year, Code.RETURNED, f"证明材料未通过学校核验：{why}",
                        rules.ledger.verification.rule, {"verification": item.verification})
    return None


def _outcome(item: ItemFacts, rules: Rules) -> Outcome:
    """Check 6: what the item earns (a candidate for its year's slot, or a decision already)."""
    if item.kind == Kind.PAPER:
        return paper_outcome(item, rules)
    if item.kind == Kind.LECTURE_NOTES:
        activity = linked_activity(item)
        if activity is not None:  # the hours come from the activity's lecturer line, never twice
            reason = f"讲稿已上交，注明校本培训活动（编号 {activity}）：主讲学时计入该活动，此处不重复计算"
            return Outcome(decisions=[decision(item, home_year(item, rules), Code.COUNTED, reason,
                                               rules.lecture_notes.rule, {"activity_id": activity})])
        return Outcome(candidates=[lecture_candidate(item, rules)])
    if item.kind == Kind.RESEARCH_PROJECT:
        return Outcome(candidates=[project_candidate(item, rules)])
    return Outcome(candidates=[length_candidate(item, rules)])


def _check_items(items: Sequence[ItemFacts]) -> list[ItemFacts]:
    ordered = sorted(items, key=lambda i: i.id)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.id == after.id:
            raise ValueError(f"duplicate item id {after.id}")
    for item in ordered:
        if item.kind not in PORTFOLIO_KINDS:
            raise ValueError(f"unknown kind {item.kind!r} of item {item.id}")
    return ordered


def _year_result(year: str, decisions: list[Decision], rules: Rules,
                 kinds: dict[int, str]) -> YearResult:
    decisions = sorted(decisions, key=lambda d: d.item_id)
    counted = [d for d in decisions if d.code == Code.COUNTED]
    by_kind: dict[str, float] = {}
    for kind in PORTFOLIO_KINDS:
        hours = [d.hours for d in counted if kinds[d.item_id] == kind]
        if hours:
            by_kind[kind] = round(sum(hours), 2)
    total = round(float(sum(d.hours for d in counted)), 2)
    return YearResult(year=year, decisions=tuple(decisions), total_hours=total,
                      target_hours=rules.annual_target_hours,
                      target_met=total >= rules.annual_target_hours, hours_by_kind=by_kind)


def _decide_all(ordered: list[ItemFacts], rules: Rules, titles: dict[int, str]) -> list[Decision]:
    duplicates = find_duplicates(ordered, rules)
    family = paper_families(ordered, duplicates)
    screening = {k: v for k, v in duplicates.items() if k not in family}
    decisions: list[Decision] = []
    candidates: list[Candidate] = []
    for item in ordered:
        screened = _screen(item, rules, screening, titles)
        if screened is not None:
            decisions.append(screened)
            continue
        outcome = _outcome(item, rules)
        decisions.extend(outcome.decisions)
        candidates.extend(outcome.candidates)
    candidates = merge_paper_families(candidates, decisions, family, rules, titles)
    decided = compete(candidates, rules, titles)
    for c in candidates:
        decisions.append(decided[c.item.id])
        if isinstance(c, PaperCandidate):
            decisions.extend(paper_other_years(decided[c.item.id], c, rules, titles))
    return decisions


def decide_teacher(items: Sequence[ItemFacts], rules: Rules) -> TeacherRegister:
    """Decide every item of one teacher and total the hours per academic year."""
    ordered = _check_items(items)
    by_id = {i.id: i for i in ordered}
    decisions = [gate(d, by_id[d.item_id].kind, by_id[d.item_id].verification,
                      by_id[d.item_id].refusal_reason, rules)
                 for d in _decide_all(ordered, rules, {i.id: i.title for i in ordered})]
    per_year: dict[str, list[Decision]] = {}
    for d in decisions:
        per_year.setdefault(d.year, []).append(d)
    kinds = {i.id: i.kind for i in ordered}
    years = {y: _year_result(y, per_year[y], rules, kinds) for y in sorted(per_year)}
    return TeacherRegister(years=years, cycle_target_hours=rules.cycle_target_hours)
