"""What the upload form tells a teacher before uploading: for each kind, the minimum 字数, the hours
it earns, the per-year limit and whether this year's places are already taken (issue #15 point 2).

Every figure comes from the school's rules file, so the form says what the engine will decide.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from ..models import User
from ..rules import Rules
from ..rules.candidates import fmt_hours
from ..vocabulary import GRADE_NAMES, KIND_NAMES, LEVEL_NAMES, LEVELS, Code, Kind
from .item_dicts import registers_for
from .item_lists import own_items
from .register import current_year
from .settings import Settings

HOLDING = (Code.COUNTED, Code.AWAITING_SELECTION)  # decisions that take a place of the year


@dataclass
class KindGuide:
    """The lines shown under the kind chooser for one kind."""

    kind: str
    lines: list[str] = field(default_factory=list)
    taken: str = ""  # "本学年名额已用完：《…》" when this year's places are held


def _length_lines(kind: str, rules: Rules) -> list[str]:
    if kind == Kind.UNIT_DESIGN:
        unit = rules.unit_design
        per = unit.min_chars_per_lesson
        lines = [f"字数不少于 {per} × 课时数（如 3 课时需 {per * 3:,} 字），"
                 f"计 {fmt_hours(unit.hours)} 学时"]
        if unit.requires_courseware:
            lines.append("须含教学课件，请勾选“含教学课件”")
        return lines
    if kind in (Kind.REFLECTION, Kind.LESSON_DESIGN):
        table = rules.lesson_design if kind == Kind.LESSON_DESIGN else rules.reflection
        return [f"字数不少于 {table.min_chars:,} 字，计 {fmt_hours(table.hours)} 学时"]
    return []


def _paper_lines(rules: Rules) -> list[str]:
    paper = rules.paper
    awards = "、".join(f"{GRADE_NAMES[i + 1]}等奖 {fmt_hours(h)}" for i, h in enumerate(paper.award_hours))
    published = "、".join(f"{LEVEL_NAMES[lv]} {fmt_hours(h)}" for lv, h in paper.publication_hours)
    lowest = LEVEL_NAMES[paper.min_award_level]
    return [f"字数不少于 {paper.min_chars:,} 字；须获{lowest}及以上奖励或在期刊发表才计学时",
            f"获奖：{awards} 学时；期刊发表：{published} 学时；同一篇论文只计一次",
            "获奖或发表信息在上传后于成果页面登记"]


def _other_lines(kind: str, rules: Rules) -> list[str]:
    if kind == Kind.PAPER:
        return _paper_lines(rules)
    if kind == Kind.LECTURE_NOTES:
        lecture = rules.lecture_notes
        return [f"按讲座时长计：每小时 {fmt_hours(lecture.hours_per_session_hour)} 学时；"
                f"校内专家主讲 × {fmt_hours(lecture.in_school_expert_factor)}",
                "须填写讲座时长（学时）"]
    if kind == Kind.RESEARCH_PROJECT:
        levels = [lv for lv in LEVELS if dict(rules.research_project.hours).get(lv)]
        return [f"按课题级别（{'、'.join(LEVEL_NAMES[lv] for lv in levels)}）和本人角色，"
                "在结题的学年计学时；须填写级别、角色和结题日期"]
    return []


def guide_lines(kind: str, rules: Rules) -> list[str]:
    """The rules file's requirements for a kind, in the teacher's words."""
    lines = _length_lines(kind, rules) or _other_lines(kind, rules)
    group = rules.group_of(kind)
    if group is not None:
        lines.append(f"每学年限 {group.per_year} 篇（{group.name}）")
    if rules.needs_selection(kind):
        lines.append("学校筛选入册后计入学时")
    return lines


def upload_guide(session: Session, settings: Settings, teacher: User) -> dict[str, KindGuide]:
    """For every kind on the upload form: its requirements and this year's places in use."""
    rules = settings.rules
    year = current_year(settings)
    items = {i.id: i for i in own_items(session, teacher)}
    register = registers_for(session, settings, {teacher.id}).get(teacher.id)
    decisions = register.years[year].decisions if register and year in register.years else ()
    guides = {kind: KindGuide(kind, guide_lines(kind, rules)) for kind in KIND_NAMES}
    for group in rules.limit_groups:
        holders = [items[d.item_id].title for d in decisions
                   if d.code in HOLDING and d.item_id in items and items[d.item_id].kind in group.kinds]
        if len(holders) >= group.per_year:
            titles = "".join(f"《{t}》" for t in holders)
            for kind in group.kinds:
                if kind in guides:
                    guides[kind].taken = (f"本学年（{year.replace('-', '—')}）的名额已由{titles}占用："
                                          "再上传同类成果将显示“超出年度限额”，除非您希望改计新的一篇")
    return guides
