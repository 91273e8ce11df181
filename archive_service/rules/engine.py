"""The eligibility engine: one teacher's items in, the credit-hour register out.

Every item passes the checks in this order; the first that applies decides it:

1. ``missing_metadata``  a field the kind needs is missing or invalid;
2. ``duplicate``         the caller marked it, or its text is (nearly) that of a lower-id item;
3. ``needs_review``      the 字数 came from OCR and nobody has confirmed it (length kinds only);
4. ``too_short``         the 字数 is below the kind's threshold;
5. ``returned``          the school sent it back;
6. papers: ``no_recognition`` without a county+ award or a journal publication; otherwise the
   best recognition decides the hours and the year, and every other year the paper touches gets
   ``already_counted``;
7. the per-year limit groups: selected first, then higher hours, then (among unselected items
   only) the teacher's preference, then the earlier date, then the lower id; winners are ``counted``
   (or ``eligible_awaiting_selection`` when the kind needs the school's selection and has none
   yet), losers ``over_annual_limit``.

The result depends only on the set of items and the rules: items are sorted by id first and no
step depends on hash or set order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..vocabulary import (
    GRADE_NAMES,
    KIND_NAMES,
    KINDS,
    LEVEL_NAMES,
    PROJECT_LEVELS,
    PROJECT_ROLE_NAMES,
    PROJECT_ROLES,
    Kind,
    RecognitionType,
)
from .config import LimitGroup, Rules
from .facts import (
    ALREADY_COUNTED,
    AWAITING_SELECTION,
    COUNTED,
    DUPLICATE,
    MISSING_METADATA,
    NEEDS_REVIEW,
    NO_RECOGNITION,
    OVER_ANNUAL_LIMIT,
    RETURNED,
    TOO_SHORT,
    Decision,
    ItemFacts,
    Recognition,
    TeacherRegister,
    YearResult,
)
from .fingerprint import similarity

DUPLICATE_RULE = "同一成果只认定一次（重复提交）"
REVIEW_RULE = "字数认定：扫描件识别的字数须人工核对"
RETURNED_RULE = "学校审核退回"


# --------------------------------------------------------------------------- years


def academic_year(d: date, start_month: int = 9, start_day: int = 1) -> str:
    """The label of the academic year containing ``d``, e.g. ``"2025-2026"``."""
    first = d.year if (d.month, d.day) >= (start_month, start_day) else d.year - 1
    return f"{first}-{first + 1}"


def year_start(year: str) -> int:
    """The first calendar year of a label: ``"2025-2026"`` → 2025."""
    head, _, tail = year.partition("-")
    if not head.isdigit() or tail != str(int(head) + 1):
        raise ValueError(f"not an academic-year label: {year!r}")
    return int(head)


def cycle_years(year: str, rules: Rules) -> tuple[str, ...]:
    """The academic years of the five-year cycle (五年一轮) that contains ``year``."""
    length = rules.cycle_length_years
    offset = (year_start(year) - rules.first_cycle_start_year) // length * length
    first = rules.first_cycle_start_year + offset
    return tuple(f"{y}-{y + 1}" for y in range(first, first + length))


def _year_zh(year: str) -> str:
    return year.replace("-", "—")


def _fmt(value: float) -> str:
    """Hours for people: 4, 1.5, 0.25."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- internal records


@dataclass(frozen=True)
class _Candidate:
    """An item that passed checks 1–6 and now needs (or competes for) its year's slot."""

    item: ItemFacts
    year: str
    hours: float
    when: date  # the date that orders the competition (completion / recognition date)
    rule: str
    numbers: dict[str, Any]
    counted_reason: str
    awaiting_reason: str
    paper_recognition: Recognition | None = None


@dataclass
class _Outcome:
    decisions: list[Decision] = field(default_factory=list)
    candidates: list[_Candidate] = field(default_factory=list)


def _decision(item: ItemFacts, year: str, code: str, reason: str, rule: str,
              numbers: dict[str, Any] | None = None, hours: float = 0.0,
              related: int | None = None) -> Decision:
    return Decision(item_id=item.id, year=year, code=code, hours=round(hours, 2), reason=reason,
                    rule=rule, numbers=dict(numbers or {}), related_item_id=related)


# --------------------------------------------------------------------------- metadata


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def _positive_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value) if value > 0 else None


def _lesson_count(value: Any) -> int | None:
    number = _positive_number(value)
    return int(number) if number is not None and number.is_integer() else None


def _missing_field(item: ItemFacts, rules: Rules) -> tuple[str, str] | None:
    """(field, Chinese message) of the first missing or invalid field the kind needs."""
    meta = item.metadata
    if item.kind == Kind.UNIT_DESIGN:
        if _lesson_count(meta.get("lesson_count")) is None:
            if meta.get("lesson_count") in (None, ""):
                return "lesson_count", "单元整体教学设计缺少课时数"
            return "lesson_count", "单元整体教学设计的课时数无效（应为不小于 1 的整数）"
        if rules.unit_design.requires_courseware and meta.get("has_courseware") is not True:
            return "has_courseware", "单元整体教学设计缺少教学课件（须登记并附课件）"
    elif item.kind == Kind.LECTURE_NOTES:
        if _positive_number(meta.get("session_hours")) is None:
            return "session_hours", "专题讲稿缺少讲座学时（应为大于 0 的数）"
    elif item.kind == Kind.RESEARCH_PROJECT:
        return _missing_project_field(meta)
    return None


def _missing_project_field(meta: dict[str, Any]) -> tuple[str, str] | None:
    if meta.get("level") not in PROJECT_LEVELS:
        return "level", "课题研究缺少课题级别（国家级、省级、市级或县级）"
    if meta.get("role") not in PROJECT_ROLES:
        return "role", "课题研究缺少本人角色（主持人、主笔或主要参与者）"
    if _as_date(meta.get("conclusion_date")) is None:
        return "conclusion_date", "课题研究缺少结题日期（结题批准文件的日期）"
    if meta.get("has_approval_document") is not True:
        return "has_approval_document", "课题研究缺少课题申报批准文件"
    return None


def home_year(item: ItemFacts, rules: Rules) -> str:
    """The academic year an item belongs to (research projects: the year they concluded)."""
    when = item.completion_date
    if item.kind == Kind.RESEARCH_PROJECT:
        when = _as_date(item.metadata.get("conclusion_date")) or when
    return academic_year(when, rules.year_start_month, rules.year_start_day)


def length_threshold(kind: str, metadata: dict[str, Any], rules: Rules) -> int | None:
    """The minimum 字数 for an item of this kind, or None when the kind has no length rule."""
    if kind in (Kind.REFLECTION, Kind.LESSON_DESIGN, Kind.PAPER):
        minimum = getattr(rules, kind).min_chars
    elif kind == Kind.UNIT_DESIGN:
        lessons = _lesson_count(metadata.get("lesson_count")) or 1
        minimum = rules.unit_design.min_chars_per_lesson * lessons
    else:
        return None
    return minimum or None


def _threshold(item: ItemFacts, rules: Rules) -> int | None:
    return length_threshold(item.kind, item.metadata, rules)


# --------------------------------------------------------------------------- duplicates


def _band_size(k: int, threshold: float) -> int:
    """Rows per LSH band such that two signatures with similarity ≥ threshold share a band."""
    mismatches = int((1.0 - threshold) * k + 1e-9)
    return max(1, k // (mismatches + 1))


_Original = tuple[int, float | None]  # (original item id, similarity; None: marked by the caller)


def _find_duplicates(items: Sequence[ItemFacts], rules: Rules) -> dict[int, _Original]:
    """item id → (original id, similarity or None when the caller marked it)."""
    threshold = rules.near_duplicate_threshold
    printed = [i for i in items if i.fingerprint]
    rows = _band_size(min((len(i.fingerprint) for i in printed), default=1), threshold)
    buckets: dict[tuple[int, tuple[int, ...]], list[ItemFacts]] = {}
    found: dict[int, _Original] = {}
    for item in items:  # sorted by id: every earlier item is already in the buckets
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


def _best_original(item: ItemFacts, bands: list[tuple[int, tuple[int, ...]]],
                   buckets: dict[tuple[int, tuple[int, ...]], list[ItemFacts]],
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


def _duplicate_decision(item: ItemFacts, year: str, original: _Original,
                        titles: dict[int, str], rules: Rules) -> Decision:
    original_id, score = original
    if original_id in titles:
        who = f"《{titles[original_id]}》（编号 {original_id}）"
    else:
        who = f"其他教师的成果（编号 {original_id}）"
    detail = f"（相似度 {score:.0%}）" if score is not None else ""
    numbers = {"original_id": original_id,
               "similarity": round(score, 4) if score is not None else None,
               "threshold": rules.near_duplicate_threshold}
    return _decision(item, year, DUPLICATE, f"与{who}内容相同或高度相似{detail}", DUPLICATE_RULE,
                     numbers, related=original_id)


# --------------------------------------------------------------------------- checks 1–5


def _screen(item: ItemFacts, rules: Rules, duplicates: dict[int, _Original],
            titles: dict[int, str]) -> Decision | None:
    """The decision of checks 1–5, or None when the item passes them all."""
    year = home_year(item, rules)
    rule = rules.rule_of(item.kind)
    missing = _missing_field(item, rules)
    if missing is not None:
        return _decision(item, year, MISSING_METADATA, missing[1], rule, {"field": missing[0]})
    if item.id in duplicates:
        return _duplicate_decision(item, year, duplicates[item.id], titles, rules)
    threshold = _threshold(item, rules)
    if threshold is not None:
        numbers = {"char_count": item.char_count, "threshold": threshold}
        if item.count_from_ocr and not item.count_confirmed:
            reason = f"字数 {item.char_count:,} 来自扫描件文字识别（OCR），需人工核对后才能认定"
            return _decision(item, year, NEEDS_REVIEW, reason, REVIEW_RULE, numbers)
        if item.char_count < threshold:
            reason = (f"字数 {item.char_count:,}，未达到{KIND_NAMES[item.kind]} "
                      f"{threshold} 字的要求")
            return _decision(item, year, TOO_SHORT, reason, rule, numbers)
    if item.returned_reason is not None:
        return _decision(item, year, RETURNED, f"学校退回：{item.returned_reason}", RETURNED_RULE,
                         {"returned_reason": item.returned_reason})
    return None


# --------------------------------------------------------------------------- check 6: hours


def _awaiting_reason(item: ItemFacts, threshold: int | None, hours: float) -> str:
    met = f"（字数 {item.char_count:,} / 需 ≥{threshold} 字）" if threshold else ""
    return f"符合条件{met}，待学校筛选装订后计 {_fmt(hours)} 学时"


def _selected_note(item: ItemFacts, rules: Rules) -> str:
    return "，已入选装订" if rules.needs_selection(item.kind) else ""


def _length_candidate(item: ItemFacts, rules: Rules) -> _Candidate:
    """reflection, lesson_design and unit_design."""
    threshold = _threshold(item, rules) or 0
    kind_rules = getattr(rules, item.kind)
    hours = kind_rules.hours
    numbers: dict[str, Any] = {"char_count": item.char_count, "threshold": threshold,
                               "hours": hours}
    label = KIND_NAMES[item.kind]
    if item.kind == Kind.UNIT_DESIGN:
        lessons = _lesson_count(item.metadata.get("lesson_count")) or 1
        numbers.update(lesson_count=lessons, min_chars_per_lesson=kind_rules.min_chars_per_lesson)
        courseware = "，含课件" if item.metadata.get("has_courseware") is True else ""
        label = f"{label}（{lessons} 课时{courseware}）"
    length = f"，字数 {item.char_count:,} ≥ {threshold}" if threshold else ""
    counted = f"{label}{length}{_selected_note(item, rules)}，计 {_fmt(hours)} 学时"
    return _Candidate(item, home_year(item, rules), hours, item.completion_date, kind_rules.rule,
                      numbers, counted, _awaiting_reason(item, threshold or None, hours))


def _lecture_candidate(item: ItemFacts, rules: Rules) -> _Candidate:
    lecture = rules.lecture_notes
    session = float(item.metadata["session_hours"])
    base = session * lecture.hours_per_session_hour
    expert = item.metadata.get("in_school_expert") is True
    factor = lecture.in_school_expert_factor if expert else 1.0
    hours = round(base * factor, 2)
    if lecture.hours_per_session_hour == 1:
        text = f"专题讲稿：讲座 {_fmt(base)} 学时"
    else:
        text = (f"专题讲稿：讲座 {_fmt(session)} 小时 × 每小时 "
                f"{_fmt(lecture.hours_per_session_hour)} 学时 = {_fmt(base)} 学时")
    if expert:
        text += f" × {_fmt(factor)}（校内专家主讲 {_fmt(factor)}:1）= {_fmt(hours)} 学时"
    elif lecture.hours_per_session_hour == 1:
        text += f"，按 1 小时计 1 学时 = {_fmt(hours)} 学时"
    numbers = {"session_hours": session, "hours_per_session_hour": lecture.hours_per_session_hour,
               "in_school_expert": expert, "factor": factor, "hours": hours}
    return _Candidate(item, home_year(item, rules), hours, item.completion_date, lecture.rule,
                      numbers, text, _awaiting_reason(item, None, hours))


def _project_candidate(item: ItemFacts, rules: Rules) -> _Candidate:
    meta = item.metadata
    level, role = meta["level"], meta["role"]
    concluded = _as_date(meta["conclusion_date"])
    assert concluded is not None  # checked by _missing_project_field
    hours = rules.research_project.hours_for(level, role)
    text = (f"课题研究：{LEVEL_NAMES[level]}课题{PROJECT_ROLE_NAMES[role]}，{concluded.isoformat()} 结题，"
            f"计 {_fmt(hours)} 学时")
    numbers = {"level": level, "role": role, "conclusion_date": concluded.isoformat(),
               "hours": hours}
    return _Candidate(item, home_year(item, rules), hours, concluded, rules.research_project.rule,
                      numbers, text, _awaiting_reason(item, None, hours))


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


def _paper_outcome(item: ItemFacts, rules: Rules) -> _Outcome:
    year = home_year(item, rules)
    qualifying = _qualifying(item, rules)
    if not qualifying:
        reason = "论文暂无县级以上获奖或正式期刊发表，不计学时，仍归档"
        numbers = {"char_count": item.char_count, "recognitions": len(item.recognitions)}
        return _Outcome([_decision(item, year, NO_RECOGNITION, reason, rules.paper.rule, numbers)])
    hours, best = qualifying[0]
    best_year = academic_year(best.date, rules.year_start_month, rules.year_start_day)
    threshold = _threshold(item, rules) or 0
    length = f"，字数 {item.char_count:,} ≥ {threshold}" if threshold else ""
    counted = (f"论文{length}，{describe_recognition(best)}（{best.date.isoformat()}）"
               f"{_selected_note(item, rules)}，计 {_fmt(hours)} 学时（同篇只计一次最高等次）")
    numbers = {"char_count": item.char_count, "threshold": threshold, "hours": hours,
               "recognition_id": best.id, "recognition_type": best.type, "level": best.level,
               "grade": best.grade, "recognition_date": best.date.isoformat()}
    candidate = _Candidate(item, best_year, hours, best.date, rules.paper.rule, numbers, counted,
                           _awaiting_reason(item, threshold or None, hours), best)
    return _Outcome(candidates=[candidate])


def _paper_other_years(item: ItemFacts, best: Decision, candidate: _Candidate,
                       rules: Rules, titles: dict[int, str]) -> list[Decision]:
    """``already_counted`` in every other year the paper touches (its year, its recognitions)."""
    rec = candidate.paper_recognition
    assert rec is not None
    years = {home_year(item, rules)} | {
        academic_year(r.date, rules.year_start_month, rules.year_start_day)
        for _, r in _qualifying(item, rules)}
    years.discard(best.year)
    year, what = _year_zh(best.year), describe_recognition(rec)
    head = "同篇论文只计一次最高等次："
    if best.code == COUNTED:
        reason = f"{head}已在 {year} 学年按{what}计 {_fmt(best.hours)} 学时"
    elif best.code == AWAITING_SELECTION:
        reason = f"{head}按 {year} 学年{what}认定（{_fmt(candidate.hours)} 学时），待学校筛选"
    else:
        holder = titles.get(best.related_item_id or 0, "")
        reason = (f"{head}按 {year} 学年{what}认定，该学年论文名额已由《{holder}》占用，"
                  "不改按较低等次计")
    numbers = {"counted_year": best.year, "recognition_id": rec.id, "hours": candidate.hours,
               "counted_code": best.code}
    rule = f"{rules.paper.rule}：同篇只计一次最高等次"
    return [_decision(item, y, ALREADY_COUNTED, reason, rule, numbers) for y in sorted(years)]


def _outcome(item: ItemFacts, rules: Rules) -> _Outcome:
    if item.kind == Kind.PAPER:
        return _paper_outcome(item, rules)
    if item.kind == Kind.LECTURE_NOTES:
        return _Outcome(candidates=[_lecture_candidate(item, rules)])
    if item.kind == Kind.RESEARCH_PROJECT:
        return _Outcome(candidates=[_project_candidate(item, rules)])
    return _Outcome(candidates=[_length_candidate(item, rules)])


# --------------------------------------------------------------------------- check 7: slots


def _counts_as_selected(item: ItemFacts, rules: Rules) -> bool:
    return item.selected or not rules.needs_selection(item.kind)


def _rank_key(c: _Candidate, rules: Rules) -> tuple[int, float, int, date, int]:
    """Selected first, then higher hours, earlier date, lower id (credit-rules.md).

    The teacher's preference only orders items that are both unselected and equal in hours:
    among selected items the regulation's tie rule alone decides, and it never costs hours.
    """
    selected = _counts_as_selected(c.item, rules)
    preferred = 0 if selected or c.item.teacher_preferred else 1
    return (0 if selected else 1, -c.hours, preferred, c.when, c.item.id)


def _winner_decision(c: _Candidate, rules: Rules) -> Decision:
    if _counts_as_selected(c.item, rules):
        return _decision(c.item, c.year, COUNTED, c.counted_reason, c.rule, c.numbers, c.hours)
    numbers = dict(c.numbers, selected=False)
    return _decision(c.item, c.year, AWAITING_SELECTION, c.awaiting_reason, rules.selection_rule,
                     numbers)


def _loser_decision(c: _Candidate, group: LimitGroup, winners: list[Decision],
                    titles: dict[int, str]) -> Decision:
    names = "".join(f"《{titles[w.item_id]}》" for w in winners)
    verb = "计入" if all(w.code == COUNTED for w in winners) else "优先占用"
    reason = f"本学年已有{names}{verb}该类成果（每学年限 {group.per_year} 篇）"
    numbers = {"limit": group.per_year, "group": group.key, "hours": c.hours,
               "winner_ids": [w.item_id for w in winners]}
    return _decision(c.item, c.year, OVER_ANNUAL_LIMIT, reason, group.rule, numbers,
                     related=winners[-1].item_id)


def _compete(candidates: list[_Candidate], rules: Rules,
             titles: dict[int, str]) -> dict[int, Decision]:
    """item id → its decision in the candidate's year, after the per-year limits."""
    slots: dict[tuple[str, str], list[_Candidate]] = {}
    decided: dict[int, Decision] = {}
    for c in candidates:
        group = rules.group_of(c.item.kind)
        if group is None:
            decided[c.item.id] = _winner_decision(c, rules)
        else:
            slots.setdefault((c.year, group.key), []).append(c)
    groups = {g.key: g for g in rules.limit_groups}
    for (_, key), entrants in sorted(slots.items()):
        group = groups[key]
        ranked = sorted(entrants, key=lambda c: _rank_key(c, rules))
        winners = [_winner_decision(c, rules) for c in ranked[: group.per_year]]
        for decision in winners:
            decided[decision.item_id] = decision
        for c in ranked[group.per_year:]:
            decided[c.item.id] = _loser_decision(c, group, winners, titles)
    return decided


# --------------------------------------------------------------------------- the register


def _check_items(items: Sequence[ItemFacts]) -> list[ItemFacts]:
    ordered = sorted(items, key=lambda i: i.id)
    for before, after in zip(ordered, ordered[1:], strict=False):
        if before.id == after.id:
            raise ValueError(f"duplicate item id {after.id}")
    for item in ordered:
        if item.kind not in KINDS:
            raise ValueError(f"unknown kind {item.kind!r} of item {item.id}")
    return ordered


def _year_result(year: str, decisions: list[Decision], rules: Rules,
                 kinds: dict[int, str]) -> YearResult:
    decisions = sorted(decisions, key=lambda d: d.item_id)
    counted = [d for d in decisions if d.code == COUNTED]
    by_kind: dict[str, float] = {}
    for kind in KINDS:
        hours = [d.hours for d in counted if kinds[d.item_id] == kind]
        if hours:
            by_kind[kind] = round(sum(hours), 2)
    total = round(float(sum(d.hours for d in counted)), 2)
    return YearResult(year=year, decisions=tuple(decisions), total_hours=total,
                      target_hours=rules.annual_target_hours,
                      target_met=total >= rules.annual_target_hours, hours_by_kind=by_kind)


def _paper_families(ordered: list[ItemFacts], duplicates: dict[int, _Original]
                    ) -> dict[int, int]:
    """paper id → the lowest id of the papers that are the same paper uploaded again."""
    papers = {i.id for i in ordered if i.kind == Kind.PAPER}
    root: dict[int, int] = {}
    for item_id in sorted(papers):
        original = duplicates.get(item_id, (None, None))[0]
        if original in papers:
            root[item_id] = root.get(original, original)  # type: ignore[arg-type]
            root.setdefault(original, original)  # type: ignore[arg-type]
    return root


def _merge_paper_families(candidates: list[_Candidate], decisions: list[Decision],
                          family: dict[int, int], rules: Rules, titles: dict[int, str]
                          ) -> list[_Candidate]:
    """The same paper uploaded more than once counts once, at its best recognition.

    Only the family's best candidate competes; the other uploads (and any of them without a
    recognition) get ``already_counted`` naming it.
    """
    best: dict[int, _Candidate] = {}
    for c in candidates:
        if c.item.id in family:
            key = family[c.item.id]
            if key not in best or (-c.hours, c.when, c.item.id) < \
                    (-best[key].hours, best[key].when, best[key].item.id):
                best[key] = c
    keep = [c for c in candidates if c.item.id not in family or best[family[c.item.id]] is c]
    for c in candidates:
        if c.item.id in family and best[family[c.item.id]] is not c:
            decisions.extend(_same_paper(c.item, best[family[c.item.id]], rules, titles))
    for index, d in enumerate(decisions):
        if d.code == NO_RECOGNITION and family.get(d.item_id) in best:
            holder = best[family[d.item_id]]
            decisions[index] = _same_paper_decision(d, holder, rules, titles)
    return keep


def _same_paper(item: ItemFacts, holder: _Candidate, rules: Rules, titles: dict[int, str]
                ) -> list[Decision]:
    """``already_counted`` in the upload's own year and in each year of its recognitions."""
    years = {home_year(item, rules)} | {
        academic_year(r.date, rules.year_start_month, rules.year_start_day)
        for _, r in _qualifying(item, rules)}
    return [_same_paper_decision(_decision(item, y, ALREADY_COUNTED, "", rules.paper.rule),
                                 holder, rules, titles) for y in sorted(years)]


def _same_paper_decision(d: Decision, holder: _Candidate, rules: Rules,
                         titles: dict[int, str]) -> Decision:
    rec = holder.paper_recognition
    assert rec is not None
    hid = holder.item.id
    reason = (f"与《{titles[hid]}》（编号 {hid}）是同一篇论文，同篇只计一次最高等次："
              f"按 {_year_zh(holder.year)} 学年{describe_recognition(rec)}"
              f"（{_fmt(holder.hours)} 学时）认定")
    numbers = {"counted_item_id": hid, "counted_year": holder.year, "hours": holder.hours,
               "recognition_id": rec.id}
    return Decision(item_id=d.item_id, year=d.year, code=ALREADY_COUNTED, hours=0.0,
                    reason=reason, rule=f"{rules.paper.rule}：同篇只计一次最高等次",
                    numbers=numbers, related_item_id=hid)


def decide_teacher(items: Sequence[ItemFacts], rules: Rules) -> TeacherRegister:
    """Decide every item of one teacher and total the hours per academic year."""
    ordered = _check_items(items)
    titles = {i.id: i.title for i in ordered}
    duplicates = _find_duplicates(ordered, rules)
    family = _paper_families(ordered, duplicates)
    screening = {k: v for k, v in duplicates.items() if k not in family}
    decisions: list[Decision] = []
    candidates: list[_Candidate] = []
    for item in ordered:
        screened = _screen(item, rules, screening, titles)
        if screened is not None:
            decisions.append(screened)
            continue
        outcome = _outcome(item, rules)
        decisions.extend(outcome.decisions)
        candidates.extend(outcome.candidates)
    candidates = _merge_paper_families(candidates, decisions, family, rules, titles)
    decided = _compete(candidates, rules, titles)
    for c in candidates:
        decision = decided[c.item.id]
        decisions.append(decision)
        if c.item.kind == Kind.PAPER:
            decisions.extend(_paper_other_years(c.item, decision, c, rules, titles))
    per_year: dict[str, list[Decision]] = {}
    for decision in decisions:
        per_year.setdefault(decision.year, []).append(decision)
    kinds = {i.id: i.kind for i in ordered}
    years = {y: _year_result(y, per_year[y], rules, kinds) for y in sorted(per_year)}
    return TeacherRegister(years=years, cycle_target_hours=rules.cycle_target_hours)
