"""Who may see and run a term check."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.orm import Session

from ...errors import AppError, Forbidden, NotFound
from ...models import CheckTeacher, TermCheck, User
from ...vocabulary import Role
from ..scope import all_schools


def is_checker(user: User) -> bool:
    return user.role in (Role.INSPECTOR, Role.ADMIN)


def require_checker(user: User) -> None:
    if not is_checker(user):
        raise Forbidden("只有督查员或管理员可以开展学期检查。")


def check_filter(user: User) -> ColumnElement[bool]:
    """The checks a user may see: staff those of their school (all when they have none);
    a teacher those they are part of."""
    if user.role == Role.TEACHER:
        return TermCheck.id.in_(select(CheckTeacher.check_id)
                                .where(CheckTeacher.teacher_id == user.id))
    if all_schools(user):
        return true()
    return TermCheck.school_id == (user.school_id if user.school_id is not None else -1)


def visible_check(session: Session, user: User, check_id: int) -> TermCheck:
    """The check if the user may see it; else 404."""
    check = session.scalar(select(TermCheck).where(TermCheck.id == check_id, check_filter(user)))
    if check is None:
        raise NotFound("没有找到该学期检查，或您无权查看。")
    return check


def writable_check(session: Session, user: User, check_id: int) -> TermCheck:
    """A check the user may mark: in scope, by an inspector or admin, not closed."""
    check = visible_check(session, user, check_id)
    require_checker(user)
    if check.closed_at is not None:
        raise AppError("check_closed", "本次检查已结束，记录只读；如需修改请管理员重新开启。", 409)
    return check
