"""School selection (学校筛选) and review: select, return with a reason, confirm OCR counts.

Every decision is written to the audit trail the teacher can read.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import AppError, Forbidden
from ..models import AuditEvent, IndexOutbox, Item, ItemVersion, User
from .metadata import KIND_NAMES
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
        action = "select"
    else:
        if not reason:
            raise AppError("reason_required", "退回时必须填写理由，教师会看到这条理由。")
        item.selected_version_id = None
        item.return_reason = reason[:1000]
        action = "return"
    session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action=action, reason=reason,
                           details={"version_id": item.current_version_id}))
    session.flush()


def confirm_count(session: Session, settings: Settings, actor: User, item: Item,
                  char_count: int | None) -> None:
    """A reviewer confirms (or corrects) a count that came from OCR."""
    require_reviewer(actor, item, settings.inspectors_may_review)
    version = session.get(ItemVersion, item.current_version_id)
    assert version is not None
    old = version.char_count
    if char_count is not None:
        if char_count < 0:
            raise AppError("invalid_count", "字数不能为负数。")
        version.char_count = char_count
    version.count_confirmed = True
    session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action="confirm_count",
                           details={"old": old, "new": version.char_count}))
    session.flush()


def set_preference(session: Session, actor: User, item: Item) -> None:
    """The teacher says this item should take the yearly slot (shown to the reviewer)."""
    if item.owner_id != actor.id:
        raise Forbidden("只能为自己的成果设置计入意向。")
    others = session.scalars(select(Item).where(
        Item.owner_id == item.owner_id, Item.academic_year == item.academic_year,
        Item.id != item.id, Item.teacher_preferred.is_(True)))
    for other in others:
        if other.kind == item.kind or {other.kind, item.kind} <= {"lesson_design", "unit_design"}:
            other.teacher_preferred = False
    item.teacher_preferred = True
    session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action="prefer"))
    session.add(IndexOutbox(item_id=item.id))
    session.flush()


ACTION_NAMES = {
    "upload": "上传", "replace_file": "替换文件（新版本）", "select": "筛选入册", "return": "退回",
    "delete": "删除", "confirm_count": "确认字数", "prefer": "设为希望计入",
    "add_recognition": "添加获奖/发表", "add_attachment": "添加证明材料",
}


def history(session: Session, item: Item) -> list[dict[str, object]]:
    events = session.scalars(select(AuditEvent).where(AuditEvent.item_id == item.id)
                             .order_by(AuditEvent.id))
    return [{"action": e.action, "action_name": ACTION_NAMES.get(e.action, e.action),
             "actor": e.actor.name, "actor_role": e.actor.role, "reason": e.reason,
             "at": e.created_at.isoformat(timespec="seconds"), "details": e.details}
            for e in events]
