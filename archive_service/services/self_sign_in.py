"""教师自助签到 (optional, ``[activities] self_sign_in``): during the session the organiser shows a
short code; a teacher of the school (of the group, for a group's activity) who types it on the
activity's day is marked 出席.

The code is derived, not stored: an HMAC of the activity's id and date under the instance's
secret key, in an alphabet without look-alike characters (8 characters, 40 bits), so it needs no
table and is worthless on any other day.  Whatever the organiser records afterwards on the
attendance page replaces it, as any attendance does.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import AppError, Forbidden
from ..models import Activity, AttendanceRecord, GroupMember, User
from ..vocabulary import Attendance, Role
from .settings import Settings

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L
LENGTH = 8


def sign_in_code(secret: bytes, activity: Activity) -> str:
    digest = hmac.new(secret, f"sign-in:{activity.id}:{activity.date.isoformat()}".encode(),
                      hashlib.sha256).digest()
    return "".join(ALPHABET[b % len(ALPHABET)] for b in digest[:LENGTH])


def _normal(code: str) -> str:
    return "".join(c for c in code.upper() if c.isalnum())


def code_for(settings: Settings, secret: bytes, activity: Activity) -> str | None:
    """The code the attendance page shows: only when the rules allow and only on the day."""
    if not settings.rules.ledger.self_sign_in or activity.date != settings.today():
        return None
    return sign_in_code(secret, activity)


def sign_in(session: Session, settings: Settings, secret: bytes, actor: User,
            code: str) -> Activity:
    """Mark ``actor`` present at today's activity of their school whose code is ``code``."""
    if not settings.rules.ledger.self_sign_in:
        raise Forbidden("本校未开启教师自助签到，请由组织者录入考勤。")
    if actor.role != Role.TEACHER or actor.school_id is None:
        raise Forbidden("只有教师可以自助签到。")
    today: date = settings.today()
    typed = _normal(code)
    found = next((a for a in session.scalars(select(Activity).where(
        Activity.school_id == actor.school_id, Activity.date == today))
        if hmac.compare_digest(sign_in_code(secret, a), typed)), None)
    if found is None:
        raise AppError("bad_sign_in_code", "签到码不正确，或不是今天本校活动的签到码，请核对后重试。", 422)
    if found.group_id is not None:
        member = session.get(GroupMember, actor.id)
        if member is None or member.group_id != found.group_id:
            raise AppError("not_in_group", "这是其他教研组的活动，您不在该组，无需签到。", 422)
    row = session.scalar(select(AttendanceRecord).where(
        AttendanceRecord.activity_id == found.id, AttendanceRecord.teacher_id == actor.id))
    if row is None:
        session.add(AttendanceRecord(activity_id=found.id, teacher_id=actor.id,
                                     status=Attendance.PRESENT))
    else:
        row.status = Attendance.PRESENT
    session.flush()
    return found
