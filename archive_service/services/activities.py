"""Recording the ledger's own rows: activities (校本培训/校本教研活动) and exam scores.

Each function validates the whole request first and raises a 422 ``AppError`` with a Chinese
message naming the field or record; only then does it add rows (the caller's unit of work commits).
Only the school's admins may record.  The 学年 and 学期 of an activity come from its date under
the school's rules (``[year]``, ``[terms]``).
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..errors import AppError, Forbidden, NotFound
from ..models import Activity, ExamResult, School, TeachingGroup, User
from ..rules import term_of
from ..rules.years import year_start
from ..vocabulary import ACTIVITY_KINDS, SOURCE_NAMES, Role, Source
from .accounts import find_school
from .scope import can_see_school, require_admin
from .settings import Settings


def _invalid(message: str) -> AppError:
    return AppError("invalid_activity", message, 422)


def _school(session: Session, actor: User, ref: Any) -> School:
    require_admin(actor)
    school = find_school(session, ref) if isinstance(ref, str | int) else None
    if school is None or not can_see_school(actor, school.id):
        raise _invalid(f"学校 {ref!r} 不存在或不在您的管理范围内")
    return school


def _teacher(session: Session, school: School, username: Any, field: str) -> User:
    user = session.scalar(select(User).where(User.username == username)) \
        if isinstance(username, str) else None
    if user is None or user.role != Role.TEACHER or user.school_id != school.id:
        raise _invalid(f"{field}：{username!r} 不是{school.name}的教师，请核对账号")
    return user


def _date(value: Any) -> date:
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _invalid(f"活动日期 {value!r} 无效，应为 YYYY-MM-DD，例如 2025-10-09")


def _hours(value: Any) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not ok or not 0 < value <= 24:
        raise _invalid(f"培训时长 hours {value!r} 无效，应为大于 0、不超过 24 的小时数（如 1.5）")
    return float(value)


def _group(session: Session, school: School, name: Any) -> int | None:
    if name in (None, ""):
        return None
    group = session.scalar(select(TeachingGroup).where(
        TeachingGroup.school_id == school.id, TeachingGroup.name == name))
    if group is None:
        raise _invalid(f"教研组 {name!r} 不是{school.name}的教研组")
    return group.id


def led_group(session: Session, settings: Settings, actor: User) -> TeachingGroup | None:
    """The 教研组 ``actor`` leads, when the rules let leaders record (``[activities]``)."""
    if actor.role != Role.TEACHER or not settings.rules.ledger.group_leaders_may_record:
        return None
    return session.scalar(select(TeachingGroup).where(TeachingGroup.leader_id == actor.id,
                                                      TeachingGroup.school_id == actor.school_id))


def may_record(session: Session, settings: Settings, actor: User, activity: Activity) -> bool:
    """The school's admins, or the leader of the activity's group where the rules allow."""
    if actor.role == Role.ADMIN:
        return can_see_school(actor, activity.school_id)
    group = led_group(session, settings, actor)
    return group is not None and activity.group_id == group.id


def require_recorder(session: Session, settings: Settings, actor: User,
                     activity: Activity) -> None:
    """403 unless ``actor`` may record this activity's attendance."""
    if not may_record(session, settings, actor, activity):
        raise Forbidden("只有本校管理员（或获授权的教研组组长）可以录入考勤。")


def _recorder_school(session: Session, settings: Settings, actor: User,
                     data: dict[str, Any]) -> School:
    group = led_group(session, settings, actor)
    if group is None:
        return _school(session, actor, data.get("school"))
    school = session.get_one(School, group.school_id)
    if data.get("school") not in (None, "", school.name, school.id):
        raise _invalid(f"组长只能记录本校（{school.name}）的活动")
    if data.get("group") != group.name:
        raise _invalid(f"组长只能记录本组的活动：请把教研组（group）填为「{group.name}」")
    return school


def create_activity(session: Session, settings: Settings, actor: User,
                    data: dict[str, Any]) -> Activity:
    """Record a training session or a teaching-research activity (``POST /api/v1/activities``)."""
    school = _recorder_school(session, settings, actor, data)
    kind = data.get("kind")
    if kind not in ACTIVITY_KINDS:
        names = "、".join(f"{k}（{SOURCE_NAMES[k]}）" for k in ACTIVITY_KINDS)
        raise _invalid(f"活动类型 {kind!r} 无效，只能是 {names}")
    title = data.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 300:
        raise _invalid("请填写活动名称（不超过 300 字）")
    when = _date(data.get("date"))
    row = Activity(school_id=school.id, kind=kind, title=title.strip(), date=when,
                   academic_year=settings.year_of(when), term=term_of(when, settings.rules),
                   group_id=_group(session, school, data.get("group")), created_by_id=actor.id,
                   lecturer_name="", in_school_expert=False)
    if kind == Source.TRAINING:
        _training(session, school, data, row)
    elif data.get("organizer") not in (None, ""):
        row.organizer_id = _teacher(session, school, data.get("organizer"), "组织者").id
    session.add(row)
    session.flush()
    return row


def _training(session: Session, school: School, data: dict[str, Any], row: Activity) -> None:
    row.session_hours = _hours(data.get("hours"))
    expert = data.get("in_school_expert", False)
    if not isinstance(expert, bool):
        raise _invalid("in_school_expert 应为 true 或 false")
    lecturer, outside = data.get("lecturer"), data.get("lecturer_name")
    if lecturer not in (None, ""):
        row.lecturer_id = _teacher(session, school, lecturer, "主讲人").id
    elif isinstance(outside, str) and outside.strip():
        row.lecturer_name = outside.strip()[:100]
    if expert and row.lecturer_id is None:
        raise _invalid("校内专家主讲须填写主讲人的账号（lecturer）")
    row.in_school_expert = expert


def put_exam_scores(session: Session, actor: User, year: str, school_ref: Any,
                    scores: Any) -> int:
    """Replace one school's exam scores of one academic year (``PUT /api/v1/exams/<year>``)."""
    school = _school(session, actor, school_ref)
    try:
        year_start(year)
    except ValueError:
        raise AppError("invalid_scores", f"学年 {year!r} 无效，应写作 2025-2026", 422) from None
    if not isinstance(scores, list):
        raise AppError("invalid_scores", "scores 应为列表：[{\"teacher\": 账号, \"score\": 分数}]", 422)
    rows, seen = [], set()
    for number, entry in enumerate(scores, 1):
        where = f"第 {number} 条成绩："
        if not isinstance(entry, dict):
            raise AppError("invalid_scores", f"{where}应为 {{\"teacher\": 账号, \"score\": 分数}}", 422)
        score = entry.get("score")
        if isinstance(score, bool) or not isinstance(score, int | float) or not math.isfinite(
                score) or score < 0:
            raise AppError("invalid_scores", f"{where}分数 {score!r} 无效，应为不小于 0 的数", 422)
        try:
            teacher = _teacher(session, school, entry.get("teacher"), "教师")
        except AppError as exc:
            raise AppError("invalid_scores", where + exc.message, 422) from None
        if teacher.id in seen:
            raise AppError("invalid_scores", f"{where}教师 {teacher.username} 重复出现", 422)
        seen.add(teacher.id)
        rows.append(ExamResult(school_id=school.id, academic_year=year, teacher_id=teacher.id,
                               score=float(score)))
    session.execute(delete(ExamResult).where(ExamResult.school_id == school.id,
                                             ExamResult.academic_year == year))
    session.add_all(rows)
    session.flush()
    return len(rows)


def get_activity(session: Session, actor: User, activity_id: int) -> Activity:
    activity = session.get(Activity, activity_id)
    if activity is None or not can_see_school(actor, activity.school_id):
        raise NotFound()
    return activity
