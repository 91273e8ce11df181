"""The 学时台账 from the database: rows → the rules' plain facts → each teacher's ``LedgerYear``.

Reads one school's activities, attendance, the 讲稿 that name its trainings and the exam scores
of one academic year, adds each teacher's portfolio register (``register.decide``) and hands it
all to ``rules.decide_school``.  No rule lives here: this module reads rows, and
``replace_attendance`` writes an activity's 考勤 all-or-nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from ..errors import AppError, NotFound
from ..models import Activity, AttendanceRecord, ExamResult, Item, User
from ..rules import (
    ActivityFacts,
    AttendanceFacts,
    ExamScore,
    LedgerYear,
    TeacherRegister,
    decide_school,
)
from ..vocabulary import ATTENDANCE, ATTENDANCE_NAMES, Kind, Role
from .activities import may_record
from .register import decide, gc_paused
from .scope import can_see_school, require_admin
from .settings import Settings
from .submitted import submitted_facts


def school_teachers(school_id: int) -> Select[Any]:
    return select(User.id).where(User.school_id == school_id, User.role == Role.TEACHER)


def lecture_notes_query(owner_ids: Collection[int]) -> Select[Any]:
    """The lecturers' live 讲稿 (their metadata may name the activity)."""
    return (select(Item.id, Item.owner_id, Item.details)
            .where(Item.kind == Kind.LECTURE_NOTES, Item.deleted_at.is_(None),
                   Item.owner_id.in_(owner_ids))
            .order_by(Item.id))


def _lecture_notes(session: Session, lecturers: dict[int, int]) -> dict[int, int]:
    """activity id → the lowest-id live 讲稿 of its lecturer whose metadata names it."""
    if not lecturers:
        return {}
    rows = session.execute(lecture_notes_query(set(lecturers.values())))
    found: dict[int, int] = {}
    for item_id, owner_id, details in rows:
        named = (details or {}).get("activity_id")
        if isinstance(named, int) and lecturers.get(named) == owner_id:
            found.setdefault(named, item_id)
    return found


def activity_facts(session: Session, school_id: int, year: str) -> list[ActivityFacts]:
    """The school's activities of one academic year as the rules' facts."""
    return _activity_facts(session, [school_id], [year]).get(school_id, [])


def activities_query(school_ids: Collection[int], years: Collection[str]) -> Select[Any]:
    return (select(Activity).where(Activity.school_id.in_(school_ids),
                                   Activity.academic_year.in_(years)).order_by(Activity.id))


def _activity_facts(session: Session, school_ids: Collection[int], years: Collection[str]
                    ) -> dict[int, list[ActivityFacts]]:
    """school id → its activities of ``years`` as the rules' facts."""
    activities = list(session.scalars(activities_query(school_ids, years)))
    notes = _lecture_notes(session, {a.id: a.lecturer_id for a in activities
                                     if a.lecturer_id is not None})
    found: dict[int, list[ActivityFacts]] = defaultdict(list)
    for a in activities:
        found[a.school_id].append(ActivityFacts(
            id=a.id, kind=a.kind, title=a.title, date=a.date, session_hours=a.session_hours,
            lecturer_id=a.lecturer_id, lecturer_name=a.lecturer_name,
            in_school_expert=a.in_school_expert, lecture_notes_item_id=notes.get(a.id),
            organizer_id=a.organizer_id))
    return found


def attendance_facts(session: Session, activity_ids: list[int]) -> list[AttendanceFacts]:
    if not activity_ids:
        return []
    rows = session.execute(
        select(AttendanceRecord.activity_id, AttendanceRecord.teacher_id, AttendanceRecord.status,
               AttendanceRecord.notes_handed_in)
        .where(AttendanceRecord.activity_id.in_(activity_ids)))
    return [AttendanceFacts(activity_id=a, teacher_id=t, status=s, notes_handed_in=n)
            for a, t, s, n in rows]


def attendance_query(school_ids: Collection[int], years: Collection[str],
                     teachers: Select[Any]) -> Select[int, int, str, bool]:
    """The 考勤 rows of the selected teachers at the schools' activities of ``years``."""
    activities = select(Activity.id).where(Activity.school_id.in_(school_ids),
                                           Activity.academic_year.in_(years))
    return (select(AttendanceRecord.activity_id, AttendanceRecord.teacher_id,
                   AttendanceRecord.status, AttendanceRecord.notes_handed_in)
            .where(AttendanceRecord.activity_id.in_(activities),
                   AttendanceRecord.teacher_id.in_(teachers)))


def _attendance_of(session: Session, school_ids: Collection[int], years: Collection[str],
                   teachers: Select[Any]) -> list[AttendanceFacts]:
    rows = session.execute(attendance_query(school_ids, years, teachers))
    return [AttendanceFacts(*row) for row in rows]  # columns in the facts' field order


def exam_scores(session: Session, school_id: int, year: str) -> list[ExamScore]:
    return _exam_scores(session, [school_id], [year]).get(school_id, {}).get(year, [])


def exam_query(school_ids: Collection[int], years: Collection[str]
               ) -> Select[int, str, int, float]:
    return (select(ExamResult.school_id, ExamResult.academic_year, ExamResult.teacher_id,
                   ExamResult.score)
            .where(ExamResult.school_id.in_(school_ids), ExamResult.academic_year.in_(years)))


def _exam_scores(session: Session, school_ids: Collection[int], years: Collection[str]
                 ) -> dict[int, dict[str, list[ExamScore]]]:
    """school id → year → every taker's score (the thirds need all takers, whoever is asked)."""
    rows = session.execute(exam_query(school_ids, years))
    found: dict[int, dict[str, list[ExamScore]]] = defaultdict(lambda: defaultdict(list))
    for school_id, year, teacher, score in rows:
        found[school_id][year].append(ExamScore(teacher_id=teacher, score=score))
    return found


def people_query(teachers: Select[Any]) -> Select[int, int | None]:
    return select(User.id, User.school_id).where(User.id.in_(teachers))


def ledger_years(session: Session, settings: Settings, teachers: Select[Any],
                 years: Sequence[str], portfolios: Mapping[int, TeacherRegister],
                 wanted: Sequence[str] = ()) -> dict[int, dict[str, LedgerYear]]:
    """teacher id → year → the teacher's 学时台账, for the teachers ``teachers`` selects (ids).

    Facts are read for ``years``; a teacher's ledger has every year with a line or a portfolio
    decision, and the ``wanted`` ones (default: ``years``) even when empty.  Each school's facts
    go to the rules together: the exam's thirds are taken over all of the school's takers even
    when only some teachers are asked for.
    """
    people = session.execute(people_query(teachers)).all()
    by_school: dict[int | None, list[int]] = defaultdict(list)
    for user_id, school_id in people:
        by_school[school_id].append(user_id)
    schools = [s for s in by_school if s is not None]
    activities = _activity_facts(session, schools, years)
    school_of = {a.id: school for school, facts in activities.items() for a in facts}
    attendance: dict[int, list[AttendanceFacts]] = defaultdict(list)
    for record in _attendance_of(session, schools, years, teachers):
        attendance[school_of[record.activity_id]].append(record)
    exams = _exam_scores(session, schools, years)
    external, lessons = submitted_facts(session, teachers, years)
    result: dict[int, dict[str, LedgerYear]] = {}
    for school_id, ids in by_school.items():
        key = school_id if school_id is not None else -1
        result.update(decide_school(
            ids, settings.rules, activities=activities.get(key, ()),
            attendance=attendance.get(key, ()), exam_scores=exams.get(key, {}),
            external=external, lessons=lessons, portfolios=portfolios, years=wanted or years))
    return result


def school_ledger(session: Session, settings: Settings, school_id: int,
                  year: str) -> dict[int, LedgerYear]:
    """teacher id → that teacher's whole 学时台账 for ``year`` (every teacher of the school)."""
    teachers = school_teachers(school_id)
    with gc_paused:
        portfolios = decide(session, settings, teachers)
        ledgers = ledger_years(session, settings, teachers, [year], portfolios)
    return {teacher: years[year] for teacher, years in ledgers.items()}


def _attendance_problem(record: Any, teachers: dict[str, User], school_id: int,
                        seen: set[str]) -> str | None:
    """Why one record of ``replace_attendance`` cannot be stored (Chinese), or None."""
    if not isinstance(record, dict):
        return "应为 {\"teacher\": 账号, \"status\": 考勤状态}"
    username, status = record.get("teacher"), record.get("status")
    if status not in ATTENDANCE:
        choices = "、".join(f"{s}（{ATTENDANCE_NAMES[s]}）" for s in ATTENDANCE)
        return f"考勤状态 {status!r} 无效，只能是 {choices}"
    teacher = teachers.get(username) if isinstance(username, str) else None
    if teacher is None or teacher.role != Role.TEACHER or teacher.school_id != school_id:
        return f"{username!r} 不是本活动所在学校的教师，请核对账号"
    username = teacher.username
    if username in seen:
        return f"教师 {username} 重复出现，每位教师只能有一条考勤"
    seen.add(username)
    return None


def replace_attendance(session: Session, actor: User, activity_id: int,
                       records: list[Any], settings: Settings | None = None) -> int:
    """Replace an activity's attendance with ``records`` (``{"teacher", "status"}`` each).

    Only the school's admins may (and the group's leader where ``settings``' rules allow);
    any bad record → 422 naming it, and nothing is changed.  The caller's unit of work commits.
    """
    activity = session.get(Activity, activity_id)
    if activity is None or not can_see_school(actor, activity.school_id):
        raise NotFound()
    if settings is None or not may_record(session, settings, actor, activity):
        require_admin(actor)
    if not isinstance(records, list):
        raise AppError("invalid_attendance", "records 应为列表：[{\"teacher\": 账号, \"status\": 考勤状态}]", 422)
    names = {r["teacher"] for r in records if isinstance(r, dict) and isinstance(r.get("teacher"), str)}
    teachers = {u.username: u for u in session.scalars(select(User).where(User.username.in_(names)))}
    seen: set[str] = set()
    for number, record in enumerate(records, 1):
        problem = _attendance_problem(record, teachers, activity.school_id, seen)
        if problem is not None:
            raise AppError("invalid_attendance", f"第 {number} 条考勤记录：{problem}", 422)
    session.execute(delete(AttendanceRecord).where(AttendanceRecord.activity_id == activity_id))
    session.add_all(AttendanceRecord(activity_id=activity_id, teacher_id=teachers[r["teacher"]].id,
                                     status=r["status"]) for r in records)
    session.flush()
    return len(records)
