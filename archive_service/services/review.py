"""School selection (学校筛选) and review: select, return with a reason, confirm OCR counts.

Every decision is written to the audit trail the teacher can read.
"""

from __future__ import annotations

from datetime import UTC
from typing import Any, TypedDict

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import AppError, Forbidden
from ..models import AuditEvent, IndexOutbox, Item, ItemVersion, User
from ..rules import Rules
from ..vocabulary import ACTION_NAMES, KIND_NAMES, Action
from .scope import require_reviewer
from .settings import Settings


def set_selection(session: Session, settings: Settings, actor: User, item: Item,
                  selected: bool, reason: str | None) -> None:
    require_reviewer(actor, item, settings.inspectors_may_review)
    if item.kind not in settings.rules.selection_required:
        raise AppError("selection_not_needed",
                       f"{KIND_NAMES[item.kind]}不需要学校筛选，按规则直接认定。")
    reason = (reason or "").strip()
    if selected:
        item.selected_version_id = item.current_version_id
        item.return_reason = None
        action = Action.SELECT
    else:
        if not reason:
            raise AppError("reason_required", "退回时必须填写理由，教师会看到这条理由。")
        item.selected_version_id = None
        item.return_reason = reason[:1000]
        action = Action.RETURN
    session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action=action, reason=reason,
                           details={"version_id": item.current_version_id}))
    session.add(IndexOutbox(item_id=item.id))  # the decision the index keeps changes
    session.flush()


def confirm_count(session: Session, settings: Settings, actor: User, item: Item,
                  char_count: int | None) -> None:
    """A reviewer confirms (or corrects) a count that came from OCR."""
    require_reviewer(actor, item, settings.inspectors_may_review)
    version = session.get(ItemVersion, item.current_version_id)
    if version is None:
        raise AppError("no_version", "该成果还没有可核对的文件版本。", 409)
    old = version.char_count
    if char_count is not None:
        if char_count < 0:
            raise AppError("invalid_count", "字数不能为负数。")
        version.char_count = char_count
    version.count_confirmed = True
    session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action=Action.CONFIRM_COUNT,
                           details={"old": old, "new": version.char_count}))
    session.add(IndexOutbox(item_id=item.id))  # the decision the index keeps changes
    session.flush()


def rival_kinds(rules: Rules, kind: str) -> tuple[str, ...]:
    """The kinds that compete with ``kind`` for the same yearly slot (its limit group)."""
    group = rules.group_of(kind)
    return group.kinds if group is not None else (kind,)


def set_preference(session: Session, settings: Settings, actor: User, item: Item) -> None:
    """The teacher says this item should take the yearly slot (shown to the reviewer).

    The preference moves from any other item of the same year that competes for that slot, as
    the school's rules file groups the kinds (``[limits.*]``).
    """
    if item.owner_id != actor.id:
        raise Forbidden("只能为自己的成果设置计入意向。")
    rivals = rival_kinds(settings.rules, item.kind)
    others = session.scalars(select(Item).where(
        Item.owner_id == item.owner_id, Item.academic_year == item.academic_year,
        Item.id != item.id, Item.teacher_preferred.is_(True), Item.kind.in_(rivals)))
    for other in others:
        other.teacher_preferred = False
    item.teacher_preferred = True
    session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action=Action.PREFER))
    # A preference can move the yearly slot, so the decision code the index keeps may change.
    session.add(IndexOutbox(item_id=item.id))
    session.flush()


class HistoryEntry(TypedDict):
    """One audit event of an item, as the teacher and the reviewers read it."""

    action: str  # vocabulary.Action
    action_name: str
    actor: str
    actor_role: str
    reason: str
    at: str  # ISO time, UTC
    details: dict[str, Any]


def history(session: Session, item: Item) -> list[HistoryEntry]:
    events = session.scalars(select(AuditEvent).where(AuditEvent.item_id == item.id)
                             .order_by(AuditEvent.id))
    return [HistoryEntry(action=e.action, action_name=ACTION_NAMES.get(e.action, e.action),
                         actor=e.actor.name, actor_role=e.actor.role, reason=e.reason,
                         at=e.created_at.replace(tzinfo=UTC).isoformat(timespec="seconds"),
                         details=e.details)
            for e in events]
