"""The whole 学时台账 of a teacher and a school: every source, the totals and the year's outcome.

``decide_school`` takes the school's facts (activities, attendance, exam scores, submitted records
and each teacher's portfolio register from ``engine.decide_teacher``) and returns, per teacher and
academic year, a ``LedgerYear``: every line with its decision, hours by source, the 考勤 counts
per year and per term, and the assessment (``assess``): 合格 when the counted hours reach the
annual target and the 旷工 count stays under ``[assessment] absent_limit``, else 不合格 with every
reason.  Like the engine it depends only on the facts and the rules, never on their order.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..vocabulary import ATTENDANCE, SOURCES, Attendance, Code, Result, Source
from .activities import activity_lines, index_activities
from .candidates import fmt_hours
from .config import Rules
from .exam import exam_lines
from .facts import (
    ActivityFacts,
    Assessment,
    AttendanceFacts,
    ExamScore,
    ExternalTrainingFacts,
    LedgerLine,
    LedgerYear,
    PublicLessonFacts,
    TeacherRegister,
    YearResult,
)
from .submitted import external_training_line, public_lesson_line

EMPTY: tuple[()] = ()


def assess(total: float, absences: int, rules: Rules) -> Assessment:
    """合格, or 不合格 with each reason (hours short of the target, 旷工 at the limit)."""
    reasons = []
    limit = rules.ledger.attendance.absent_limit
    if limit and absences >= limit:
        reasons.append(f"本学年旷工 {absences} 次（达到 {limit} 次即为不合格）")
    target = rules.annual_target_hours
    if total < target:
        reasons.append(f"学时 {fmt_hours(total)} / {fmt_hours(target)}，差 {fmt_hours(target - total)} 学时")
    return Assessment(result=Result.FAIL if reasons else Result.PASS, reasons=tuple(reasons))


def _sort_key(line: LedgerLine) -> tuple[str, str, int, str]:
    return (line.date.isoformat(), line.source, line.ref_id, line.role or "")


def ledger_year(year: str, lines: Iterable[LedgerLine], portfolio: YearResult | None,
                rules: Rules) -> LedgerYear:
    """One academic year of one teacher: the year's lines plus the portfolio's counted hours."""
    ordered = tuple(sorted((ln for ln in lines if ln.year == year), key=_sort_key))
    by_source: dict[str, float] = {str(s): 0.0 for s in SOURCES}
    by_source[Source.PORTFOLIO] = portfolio.total_hours if portfolio else 0.0
    for line in ordered:
        if line.code == Code.COUNTED:
            by_source[line.source] += line.hours
    by_source = {k: round(v, 2) for k, v in by_source.items()}
    counts: dict[str, int] = {str(s): 0 for s in ATTENDANCE}
    by_term: dict[str, dict[str, int]] = {}
    for line in ordered:
        if line.attendance is not None:
            counts[line.attendance] += 1
            term = by_term.get(line.term)
            if term is None:
                term = by_term[line.term] = dict.fromkeys(map(str, ATTENDANCE), 0)
            term[line.attendance] += 1
    total = round(sum(by_source.values()), 2)
    absences = counts[Attendance.ABSENT]
    return LedgerYear(year=year, lines=ordered, hours_by_source=by_source, total_hours=total,
                      target_hours=rules.annual_target_hours, unexcused_absences=absences,
                      attendance_counts=counts,
                      attendance_by_term=dict(sorted(by_term.items())),
                      assessment=assess(total, absences, rules))


def teacher_ledger(lines: Sequence[LedgerLine], portfolio: TeacherRegister | None, rules: Rules,
                   years: Iterable[str] = ()) -> dict[str, LedgerYear]:
    """Every year with a line, a portfolio decision, or asked for in ``years``."""
    by_year: dict[str, list[LedgerLine]] = {}
    for line in lines:
        by_year.setdefault(line.year, []).append(line)
    wanted = set(years) | set(by_year) | set(portfolio.years if portfolio else ())
    return {y: ledger_year(y, by_year.get(y, ()), portfolio.years.get(y) if portfolio else None,
                           rules)
            for y in sorted(wanted)}


def decide_school(teacher_ids: Iterable[int], rules: Rules, *,
                  activities: Sequence[ActivityFacts] = EMPTY,
                  attendance: Sequence[AttendanceFacts] = EMPTY,
                  exam_scores: Mapping[str, Sequence[ExamScore]] | None = None,
                  external: Mapping[int, Sequence[ExternalTrainingFacts]] | None = None,
                  lessons: Mapping[int, Sequence[PublicLessonFacts]] | None = None,
                  portfolios: Mapping[int, TeacherRegister] | None = None,
                  years: Iterable[str] = ()) -> dict[int, dict[str, LedgerYear]]:
    """teacher id → academic year → the teacher's ledger for that year."""
    index = index_activities(activities, attendance)
    exams = {year: exam_lines(year, scores, rules) for year, scores in (exam_scores or {}).items()}
    wanted = tuple(years)
    result = {}
    for teacher in sorted(set(teacher_ids)):
        lines = activity_lines(teacher, index, rules)
        lines += [external_training_line(t, rules) for t in (external or {}).get(teacher, ())]
        lines += [public_lesson_line(p, rules) for p in (lessons or {}).get(teacher, ())]
        lines += [by_teacher[teacher] for by_teacher in exams.values() if teacher in by_teacher]
        result[teacher] = teacher_ledger(lines, (portfolios or {}).get(teacher), rules, wanted)
    return result
