"""The register is the ledger: one row per teacher with every source's lines and the year's outcome.

``build_register`` reads the portfolio (``register.load_facts``), decides it, hands it with the
schools' activities, attendance and exam scores to the rules (``ledger.ledger_years``) for every
academic year of the five-year cycle, and shapes one ``RegisterTeacher`` per selected teacher.
No rule lives here: hours, codes, reasons and the 合格/不合格 outcome all come from ``rules/``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from ..models import GroupMember, School, TeachingGroup, User
from ..rules import LedgerLine, LedgerYear, TeacherRegister, cycle_years, decide_teacher
from ..vocabulary import ACTIVITY_KINDS, Code, Source
from .ledger import ledger_years
from .register import ItemRow, gc_paused, load_facts, register_item
from .scope import all_schools
from .settings import Settings
from .shapes import (
    ActivityLine,
    AssessmentDict,
    ExamEntry,
    LineDecision,
    MissingEntry,
    RecordLine,
    Register,
    RegisterTeacher,
)

# Codes of lines that something can still turn into hours (shown as "still missing").
OPEN_CODES = (Code.MISSING_EVIDENCE, Code.PENDING_VERIFICATION, Code.AWAITING_SELECTION)


def build_register(session: Session, settings: Settings, year: str, teachers: Select[Any]
                   ) -> Register:
    """The 学时台账 of one academic year for the teachers ``teachers`` selects (API shape)."""
    rules = settings.rules
    cycle = cycle_years(year, rules)
    years = sorted(set(cycle) | {year})
    with gc_paused:
        ids = teachers.with_only_columns(User.id)
        facts, rows = load_facts(session, ids)
        registers = {owner: decide_teacher(items, rules) for owner, items in facts.items()}
        ledgers = ledger_years(session, settings, ids, years, registers, wanted=[year])
        people = session.execute(
            teachers.with_only_columns(User.id, User.username, User.name, School.name,
                                       TeachingGroup.name, User.staff_no, User.subject)
            .outerjoin(School, School.id == User.school_id)
            .outerjoin(GroupMember, GroupMember.user_id == User.id)
            .outerjoin(TeachingGroup, TeachingGroup.id == GroupMember.group_id)
            .order_by(User.school_id, User.name, User.id))
        shared: dict[int, ActivityLine] = {}  # id of a rules line → its JSON shape
        out = [_teacher_entry(person, registers.get(person[0]), ledgers[person[0]], rows, year,
                              cycle, rules.cycle_target_hours, shared) for person in people]
    return Register(year=year, target_hours=rules.annual_target_hours,
                    cycle_target_hours=rules.cycle_target_hours, teachers=out)


def line_decision(line: LedgerLine) -> LineDecision:
    return LineDecision(code=line.code, hours=line.hours, reason=line.reason, rule=line.rule,
                        numbers=dict(line.numbers))


def _activity(line: LedgerLine) -> ActivityLine:
    return ActivityLine(activity_id=line.ref_id, kind=line.source, title=line.title,
                        date=line.date.isoformat(), term=line.term, role=line.role or "",
                        attendance=line.attendance, decision=line_decision(line))


def _record(line: LedgerLine) -> RecordLine:
    return RecordLine(item_id=line.ref_id, kind=line.source, title=line.title,
                      date=line.date.isoformat(), term=line.term, decision=line_decision(line))


def _missing(ledger: LedgerYear, register: TeacherRegister | None, rows: dict[int, ItemRow],
             year: str) -> list[MissingEntry]:
    """Every line that is not counted yet but could be, with the hours it would bring."""
    found = [MissingEntry(source=line.source, ref_id=line.ref_id, title=line.title,
                          code=line.code, reason=line.reason,
                          would_earn=float(line.numbers.get("would_earn") or 0))
             for line in ledger.lines if line.code in OPEN_CODES]
    result = register.years.get(year) if register else None
    for d in result.decisions if result else ():
        if d.code in OPEN_CODES:
            found.append(MissingEntry(source=Source.PORTFOLIO, ref_id=d.item_id,
                                      title=rows[d.item_id].title, code=d.code, reason=d.reason,
                                      would_earn=float(d.numbers.get("would_earn") or d.numbers.get("hours") or 0)))
    return found


def _teacher_entry(person: Any, register: TeacherRegister | None,
                   ledgers: dict[str, LedgerYear], rows: dict[int, ItemRow], year: str,
                   cycle: tuple[str, ...], cycle_target: float,
                   shared: dict[int, ActivityLine]) -> RegisterTeacher:
    user_id, username, name, school, group, staff_no, subject = person
    ledger = ledgers[year]
    result = register.years.get(year) if register else None
    activities, records, exam = [], [], None
    for line in ledger.lines:
        if line.source in ACTIVITY_KINDS:
            shaped = shared.get(id(line))  # participants of one activity share their line
            if shaped is None:
                shaped = shared[id(line)] = _activity(line)
            activities.append(shaped)
        elif line.source == Source.EXAM:
            exam = ExamEntry(score=float(line.numbers["score"]), decision=line_decision(line))
        else:
            records.append(_record(line))
    return RegisterTeacher(
        id=user_id, username=username, name=name, school=school, group=group,
        staff_no=staff_no, subject=subject, total_hours=ledger.total_hours,
        hours_by_kind=dict(result.hours_by_kind) if result else {},
        hours_by_source=dict(ledger.hours_by_source), target_hours=ledger.target_hours,
        target_met=ledger.total_hours >= ledger.target_hours,
        cycle_hours=round(sum(ledgers[y].total_hours for y in cycle if y in ledgers), 2),
        cycle_target_hours=cycle_target,
        cycle_years=list(cycle),
        items=[register_item(d, rows[d.item_id]) for d in (result.decisions if result else ())],
        activities=activities, records=records, exam=exam,
        unexcused_absences=ledger.unexcused_absences,
        attendance_counts=dict(ledger.attendance_counts),
        attendance_by_term={t: dict(c) for t, c in ledger.attendance_by_term.items()},
        assessment=AssessmentDict(result=ledger.assessment.result,
                                  reasons=list(ledger.assessment.reasons)),
        missing=_missing(ledger, register, rows, year),
    )


def group_names(session: Session, actor: User) -> list[str]:
    """The 教研组 names offered as a register filter: the actor's school's, or every school's."""
    query = select(TeachingGroup.name).distinct().order_by(TeachingGroup.name)
    if not all_schools(actor):
        query = query.where(TeachingGroup.school_id == actor.school_id)
    return list(session.scalars(query))
