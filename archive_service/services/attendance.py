"""Activities as the API and the pages show them, the attendance roster and the sign-in sheet.

``activity_view`` is an activity with its school, group, lecturer, organiser and attendance as
plain values; teachers see only their own line of the attendance.  ``attendance_roster`` is what
the attendance page lists: every teacher of the activity's school (or group) with the status on
record, 出席 where there is none yet.  ``sign_in_records`` turns a sign-in sheet (账号 or 姓名 and a
status column in Chinese) into the records ``replace_attendance`` takes, naming every bad row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import AppError, Forbidden
from ..models import Activity, AttendanceRecord, GroupMember, User
from ..rules.years import year_start
from ..vocabulary import ATTENDANCE_NAMES, Attendance, Role
from .activities import get_activity, led_group, may_record, require_recorder
from .ledger import replace_attendance
from .roster.groups import school_in_scope
from .scope import all_schools
from .self_sign_in import code_for
from .settings import Settings
from .sheets import read_sheet

STATUS_BY_NAME = {name: code for code, name in ATTENDANCE_NAMES.items()}
STATUS_COLUMNS = ("考勤", "考勤状态", "状态", "签到")


def _username(user: User | None) -> str | None:
    return user.username if user else None


def attendance_records(session: Session, activity_id: int,
                       teacher_id: int | None = None) -> list[dict[str, Any]]:
    query = (select(User.username, User.name, AttendanceRecord.status)
             .join(User, User.id == AttendanceRecord.teacher_id)
             .where(AttendanceRecord.activity_id == activity_id).order_by(User.name, User.id))
    if teacher_id is not None:
        query = query.where(AttendanceRecord.teacher_id == teacher_id)
    return [{"teacher": u, "name": n, "status": s, "status_name": ATTENDANCE_NAMES[s]}
            for u, n, s in session.execute(query)]


def activity_view(session: Session, activity: Activity, actor: User,
                  settings: Settings | None = None) -> dict[str, Any]:
    """The activity as plain values (the API's ``ActivityOut``)."""
    own = actor.id if actor.role == Role.TEACHER and not (
        settings and may_record(session, settings, actor, activity)) else None
    return {
        "id": activity.id, "school": activity.school.name, "school_id": activity.school_id,
        "kind": activity.kind, "title": activity.title, "date": activity.date.isoformat(),
        "academic_year": activity.academic_year, "term": activity.term,
        "hours": activity.session_hours, "lecturer": _username(activity.lecturer),
        "lecturer_name": activity.lecturer_name or None,
        "in_school_expert": activity.in_school_expert,
        "organizer": _username(activity.organizer),
        "group": activity.group.name if activity.group else None,
        "attendance": attendance_records(session, activity.id, own),
    }


def find_activity(session: Session, settings: Settings, actor: User,
                  activity_id: int) -> dict[str, Any]:
    return activity_view(session, get_activity(session, actor, activity_id), actor, settings)


def list_activities(session: Session, settings: Settings, actor: User, year: str | None,
                    school_ref: str | int | None) -> list[dict[str, Any]]:
    """The activities of a school (all the actor sees without one), of a year if given."""
    query = select(Activity).order_by(Activity.date.desc(), Activity.id.desc())
    if school_ref not in (None, ""):
        query = query.where(Activity.school_id == school_in_scope(session, actor, school_ref).id)
    elif not all_schools(actor):
        if actor.school_id is None:
            raise Forbidden()
        query = query.where(Activity.school_id == actor.school_id)
    if year:
        try:
            year_start(year)
        except ValueError:
            raise AppError("invalid_year", f"学年 {year!r} 无效，应写作 2025-2026", 422) from None
        query = query.where(Activity.academic_year == year)
    return [activity_view(session, a, actor, settings) for a in session.scalars(query)]


@dataclass(frozen=True)
class RosterLine:
    """One teacher on the attendance page: who, and the status to start from."""

    username: str
    name: str
    staff_no: str
    status: str


def attendance_roster(session: Session, settings: Settings, actor: User, activity_id: int,
                      secret: bytes = b"") -> tuple[dict[str, Any], list[RosterLine]]:
    """The activity and its expected teachers (the group's, else the school's, plus anyone with
    a record), each with the status on record or 出席; with the instance's ``secret``, the
    activity's ``sign_in_code`` when the rules let teachers sign in themselves (else None)."""
    activity = get_activity(session, actor, activity_id)
    require_recorder(session, settings, actor, activity)
    teachers = select(User).where(User.school_id == activity.school_id,
                                  User.role == Role.TEACHER, User.active.is_(True))
    if activity.group_id is not None:
        teachers = teachers.where(User.id.in_(select(GroupMember.user_id).where(
            GroupMember.group_id == activity.group_id)))
    people = {u.id: u for u in session.scalars(teachers)}
    recorded = dict(session.execute(select(AttendanceRecord.teacher_id, AttendanceRecord.status)
                                    .where(AttendanceRecord.activity_id == activity.id)).all())
    missing = set(recorded) - set(people)
    if missing:
        people.update({u.id: u for u in session.scalars(select(User).where(User.id.in_(missing)))})
    lines = [RosterLine(u.username, u.name, u.staff_no, recorded.get(u.id, Attendance.PRESENT))
             for u in sorted(people.values(), key=lambda u: (u.staff_no or "~", u.name, u.id))]
    view = activity_view(session, activity, actor, settings)
    view["sign_in_code"] = code_for(settings, secret, activity) if secret else None
    return view, lines


def sign_in_records(session: Session, school_id: int, data: bytes,
                    filename: str) -> list[dict[str, str]]:
    """A sign-in sheet (账号 or 姓名, and 考勤/状态 in Chinese) as attendance records; every bad
    row named in one 422."""
    sheet = read_sheet(data, filename)
    status_column = next((c for c in STATUS_COLUMNS if c in sheet.headers), None)
    if status_column is None or not {"账号", "姓名"} & set(sheet.headers):
        raise AppError("invalid_sheet", "签到表第 1 行应有「账号」或「姓名」列，以及「考勤」（或「状态」）列。",
                       422)
    teachers = list(session.scalars(select(User).where(User.school_id == school_id,
                                                       User.role == Role.TEACHER)))
    by_username = {u.username: u for u in teachers}
    by_name: dict[str, list[User]] = {}
    for u in teachers:
        by_name.setdefault(u.name, []).append(u)
    records, problems = [], []
    for number, cells in sheet.rows:
        who, problem = teacher_of_row(cells, by_username, by_name)
        text = cells.get(status_column, "").strip() or "出席"
        status = STATUS_BY_NAME.get(text) or (text if text in ATTENDANCE_NAMES else None)
        if status is None:
            problem = problem or f"考勤「{text}」无效，只能是 {'、'.join(ATTENDANCE_NAMES.values())}"
        if problem:
            problems.append(f"第 {number} 行：{problem}")
        elif who is not None and status is not None:
            records.append({"teacher": who.username, "status": status})
    if problems:
        raise AppError("invalid_sheet", "签到表有误，未作任何修改。" + "；".join(problems[:50]), 422)
    return records


def import_sign_in(session: Session, settings: Settings, actor: User, activity_id: int,
                   data: bytes, filename: str) -> int:
    """Replace an activity's attendance with a sign-in sheet's (all rows or none)."""
    activity = get_activity(session, actor, activity_id)
    require_recorder(session, settings, actor, activity)
    records = sign_in_records(session, activity.school_id, data, filename)
    return replace_attendance(session, actor, activity_id, records, settings)


def teacher_of_row(cells: dict[str, str], by_username: dict[str, User],
                     by_name: dict[str, list[User]]) -> tuple[User | None, str | None]:
    username, name = cells.get("账号", "").strip(), cells.get("姓名", "").strip()
    if username:
        user = by_username.get(username)
        return (user, None) if user else (None, f"账号「{username}」不是本校教师")
    matches = by_name.get(name, [])
    if not name:
        return None, "缺少账号或姓名"
    if len(matches) != 1:
        return None, (f"姓名「{name}」不是本校教师" if not matches
                      else f"本校有 {len(matches)} 位教师叫「{name}」，请填写账号")
    return matches[0], None


__all__ = ["RosterLine", "activity_view", "attendance_roster", "find_activity", "import_sign_in",
           "led_group", "list_activities", "sign_in_records", "teacher_of_row"]
