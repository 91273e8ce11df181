"""The inspector's marks on sampled items, each teacher's overall result, closing and reopening."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import AppError, NotFound
from ...models import AuditEvent, CheckMark, CheckTeacher, TermCheck, User, utcnow
from ...vocabulary import CHECK_RESULTS, Action
from ..scope import require_admin, visible_item
from .access import visible_check, writable_check

MAX_COMMENT = 2000


def _result(value: str) -> str:
    if value not in CHECK_RESULTS:
        raise AppError("invalid_result", f"评定结果只能是 {'、'.join(CHECK_RESULTS)} 之一。", 422)
    return value


def _comment(value: str | None) -> str:
    text = (value or "").strip()
    if len(text) > MAX_COMMENT:
        raise AppError("invalid_comment", f"评语最多 {MAX_COMMENT} 个字。", 422)
    return text


def mark_item(session: Session, actor: User, check_id: int, item_id: int, result: str,
              comment: str | None) -> CheckMark:
    """Mark one sampled item 合格/需改进/不合格 with a comment (again: the mark is replaced)."""
    check = writable_check(session, actor, check_id)
    result, text = _result(result), _comment(comment)
    item = visible_item(session, actor, item_id)
    samples = session.scalars(select(CheckTeacher.sample).where(CheckTeacher.check_id == check.id))
    if not any(item.id in sample for sample in samples):
        raise AppError("not_sampled", "该成果不在本次检查的抽查样本中，只能评定抽中的成果。", 422)
    mark = session.scalar(select(CheckMark).where(CheckMark.check_id == check.id,
                                                  CheckMark.item_id == item.id))
    if mark is None:
        mark = CheckMark(check_id=check.id, item_id=item.id, result=result, comment=text,
                         marked_by_id=actor.id)
        session.add(mark)
    else:
        mark.result, mark.comment, mark.marked_by_id, mark.marked_at = result, text, actor.id, utcnow()
    session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action=Action.CHECK_MARK,
                           reason=text, details={"check_id": check.id, "result": result}))
    session.flush()
    return mark


def set_teacher_result(session: Session, actor: User, check_id: int, username: str, result: str,
                       comment: str | None) -> CheckTeacher:
    """The teacher's overall result of the check, with a comment."""
    check = writable_check(session, actor, check_id)
    result, text = _result(result), _comment(comment)
    if len(username) > 80 or any(ord(c) < 32 or 0xD800 <= ord(c) <= 0xDFFF for c in username):
        raise NotFound(f"本次检查中没有教师「{username[:80]!r}」。")
    row = session.scalar(select(CheckTeacher).join(User, User.id == CheckTeacher.teacher_id)
                         .where(CheckTeacher.check_id == check.id, User.username == username))
    if row is None:
        raise NotFound(f"本次检查中没有教师「{username}」。")
    row.result, row.comment, row.updated_by_id, row.updated_at = result, text, actor.id, utcnow()
    session.flush()
    return row


def close_check(session: Session, actor: User, check_id: int) -> TermCheck:
    """End the check: its marks and results become read-only."""
    check = writable_check(session, actor, check_id)
    check.closed_at, check.closed_by_id = utcnow(), actor.id
    session.flush()
    return check


def reopen_check(session: Session, actor: User, check_id: int, reason: str | None) -> TermCheck:
    """An admin reopens a closed check, saying why."""
    check = visible_check(session, actor, check_id)
    require_admin(actor)
    if check.closed_at is None:
        raise AppError("check_open", "本次检查尚未结束，无需重新开启。", 409)
    text = _comment(reason)
    if not text:
        raise AppError("reason_required", "重新开启检查须填写理由。", 422)
    check.closed_at, check.closed_by_id, check.reopen_reason = None, None, text
    session.flush()
    return check
