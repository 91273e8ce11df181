"""The hours an item earns once it passed checks 1–5 (papers: ``papers.py``).

An item that earns hours becomes a ``Candidate`` for its year's slot; the engine then lets the
candidates of one limit group compete (check 7).  ``decision`` builds every ``Decision``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..vocabulary import KIND_NAMES, LEVEL_NAMES, PROJECT_ROLE_NAMES, Code, Kind
from .config import LengthKindRules, Rules, UnitDesignRules
from .facts import Decision, ItemFacts, Recognition
from .fields import as_date, lesson_count, threshold
from .years import home_year


@dataclass(frozen=True)
class Candidate:
    """An item that passed checks 1–6 and now needs (or competes for) its year's slot."""

    item: ItemFacts
    year: str
    hours: float
    when: date  # the date that orders the competition (completion / recognition date)
    rule: str
    numbers: dict[str, Any]
    counted_reason: str
    awaiting_reason: str


@dataclass(frozen=True)
class PaperCandidate(Candidate):
    """A paper competes with the recognition that decides its hours and its year."""

    recognition: Recognition


@dataclass
class Outcome:
    decisions: list[Decision] = field(default_factory=list)
    candidates: list[Candidate] = field(default_factory=list)


def decision(item: ItemFacts, year: str, code: Code, reason: str, rule: str,
             numbers: dict[str, Any] | None = None, hours: float = 0.0,
             related: int | None = None) -> Decision:
    return Decision(item_id=item.id, year=year, code=code, hours=round(hours, 2), reason=reason,
                    rule=rule, numbers=dict(numbers or {}), related_item_id=related)


def fmt_hours(value: float) -> str:
    """Hours for people: 4, 1.5, 0.25."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def awaiting_reason(item: ItemFacts, minimum: int | None, hours: float) -> str:
    met = f"（字数 {item.char_count:,} / 需 ≥{minimum} 字）" if minimum else ""
    return f"符合条件{met}，待学校筛选装订后计 {fmt_hours(hours)} 学时"


def selected_note(item: ItemFacts, rules: Rules) -> str:
    return "，已入选装订" if rules.needs_selection(item.kind) else ""


def length_candidate(item: ItemFacts, rules: Rules) -> Candidate:
    """reflection, lesson_design and unit_design: fixed hours once the length is met."""
    minimum = threshold(item, rules) or 0
    kind_rules = rules.kind_rules(item.kind)
    if not isinstance(kind_rules, LengthKindRules | UnitDesignRules):
        raise ValueError(f"{item.kind} has no length rule")
    hours = kind_rules.hours
    numbers: dict[str, Any] = {"char_count": item.char_count, "threshold": minimum, "hours": hours}
    label = KIND_NAMES[item.kind]
    if item.kind == Kind.UNIT_DESIGN:
        lessons = lesson_count(item.metadata.get("lesson_count")) or 1
        numbers.update(lesson_count=lessons,
                       min_chars_per_lesson=rules.unit_design.min_chars_per_lesson)
        courseware = "，含课件" if item.metadata.get("has_courseware") is True else ""
        label = f"{label}（{lessons} 课时{courseware}）"
    length = f"，字数 {item.char_count:,} ≥ {minimum}" if minimum else ""
    counted = f"{label}{length}{selected_note(item, rules)}，计 {fmt_hours(hours)} 学时"
    return Candidate(item, home_year(item, rules), hours, item.completion_date, kind_rules.rule,
                     numbers, counted, awaiting_reason(item, minimum or None, hours))


def lecture_candidate(item: ItemFacts, rules: Rules) -> Candidate:
    """第19条(1): 1 h per hour of the session; an in-school expert lecturer 4:1."""
    lecture = rules.lecture_notes
    session = float(item.metadata["session_hours"])
    base = session * lecture.hours_per_session_hour
    expert = item.metadata.get("in_school_expert") is True
    factor = lecture.in_school_expert_factor if expert else 1.0
    hours = round(base * factor, 2)
    if lecture.hours_per_session_hour == 1:
        text = f"专题讲稿：讲座 {fmt_hours(base)} 学时"
    else:
        text = (f"专题讲稿：讲座 {fmt_hours(session)} 小时 × 每小时 "
                f"{fmt_hours(lecture.hours_per_session_hour)} 学时 = {fmt_hours(base)} 学时")
    if expert:
        text += f" × {fmt_hours(factor)}（校内专家主讲 {fmt_hours(factor)}:1）= {fmt_hours(hours)} 学时"
    elif lecture.hours_per_session_hour == 1:
        text += f"，按 1 小时计 1 学时 = {fmt_hours(hours)} 学时"
    numbers = {"session_hours": session, "hours_per_session_hour": lecture.hours_per_session_hour,
               "in_school_expert": expert, "factor": factor, "hours": hours}
    return Candidate(item, home_year(item, rules), hours, item.completion_date, lecture.rule,
                     numbers, text, awaiting_reason(item, None, hours))


def project_candidate(item: ItemFacts, rules: Rules) -> Candidate:
    """第19条(4)C②: hours by the project's level and the teacher's role, in the year it concluded."""
    meta = item.metadata
    level, role = meta["level"], meta["role"]
    concluded = as_date(meta.get("conclusion_date"))
    if concluded is None:  # fields.missing_field decides such an item missing_metadata first
        raise ValueError(f"research project {item.id} has no valid conclusion_date")
    hours = rules.research_project.hours_for(level, role)
    text = (f"课题研究：{LEVEL_NAMES[level]}课题{PROJECT_ROLE_NAMES[role]}，{concluded.isoformat()} 结题，"
            f"计 {fmt_hours(hours)} 学时")
    numbers = {"level": level, "role": role, "conclusion_date": concluded.isoformat(),
               "hours": hours}
    return Candidate(item, home_year(item, rules), hours, concluded, rules.research_project.rule,
                     numbers, text, awaiting_reason(item, None, hours))
