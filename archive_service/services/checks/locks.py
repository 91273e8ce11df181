"""Handing in a term's 档案袋 (「每学期期末上交」) locks its items against the teacher's edits;
an admin of the teacher's school unlocks it with a reason."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import AppError, Forbidden, NotFound
from ...models import BagHandIn, User, utcnow
from ...rules.years import term_zh
from ...vocabulary import Role
from ..scope import can_see_teacher, require_admin
from ..settings import Settings


def _current(session: Session, teacher_id: int, term: str) -> BagHandIn | None:
    return session.scalar(select(BagHandIn).where(BagHandIn.teacher_id == teacher_id,
                                                  BagHandIn.term == term))


def is_locked(session: Session, teacher_id: int, term: str) -> bool:
    row = _current(session, teacher_id, term)
    return row is not None and row.unlocked_at is None


def require_unlocked(session: Session, teacher_id: int, term: str) -> None:
    """Refuse a teacher's change to an item of a term whose bag was handed in."""
    if term and is_locked(session, teacher_id, term):
        raise AppError("bag_locked", f"{term_zh(term)}的档案袋已上交，不能再上传、替换或删除该学期的成果；"
                       "如需修改，请学校管理员解锁。", 409)


def _term(settings: Settings, term: str | None) -> str:
    if not term:
        return settings.term_of(settings.today())
    if not re.fullmatch(r"[0-9]{4}-[0-9]{4}-[12]", term) or int(term[5:9]) != int(term[:4]) + 1:
        raise AppError("invalid_term", "学期格式不正确，应写作 2025-2026-1（第一学期）或 2025-2026-2。", 422)
    return term


def lock_state(row: BagHandIn | None, term: str) -> dict[str, Any]:
    return {"term": term, "locked": row is not None and row.unlocked_at is None,
            "handed_in_at": row.handed_in_at.isoformat(timespec="seconds") + "+00:00"
            if row else None, "unlock_reason": row.unlock_reason if row else ""}


def hand_in(session: Session, settings: Settings, teacher: User,
            term: str | None = None) -> dict[str, Any]:
    """The teacher hands in the term's bag (the current term unless named): it is locked."""
    if teacher.role != Role.TEACHER:
        raise Forbidden("只有教师可以上交自己的档案袋。")
    term = _term(settings, term)
    row = _current(session, teacher.id, term)
    if row is None:
        row = BagHandIn(teacher_id=teacher.id, term=term)
        session.add(row)
    elif row.unlocked_at is None:
        raise AppError("bag_locked", f"{term_zh(term)}的档案袋已经上交。", 409)
    else:
        row.handed_in_at, row.unlocked_at, row.unlocked_by_id = utcnow(), None, None
    session.flush()
    return lock_state(row, term)


def unlock(session: Session, settings: Settings, actor: User, username: str, term: str,
           reason: str | None) -> dict[str, Any]:
    """An admin of the teacher's school unlocks a handed-in bag, saying why."""
    require_admin(actor)
    term = _term(settings, term)
    teacher = session.scalar(select(User).where(User.username == username))
    if teacher is None or not can_see_teacher(actor, teacher):
        raise NotFound("没有找到该教师，或不在您的管理范围内。")
    text = (reason or "").strip()
    if not text:
        raise AppError("reason_required", "解锁档案袋须填写理由。", 422)
    row = _current(session, teacher.id, term)
    if row is None or row.unlocked_at is not None:
        raise AppError("bag_open", f"{teacher.name}{term_zh(term)}的档案袋没有上交，无需解锁。", 409)
    row.unlocked_at, row.unlocked_by_id, row.unlock_reason = utcnow(), actor.id, text[:1000]
    session.flush()
    return lock_state(row, term)


def bag_lock(session: Session, teacher_id: int, term: str) -> dict[str, Any]:
    return lock_state(_current(session, teacher_id, term), term)
