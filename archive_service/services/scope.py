"""Who may see and change what.

- teacher: own items only; may upload, replace, delete their own unselected items.
- inspector: items of their school, or of every school when they have none; read-only,
  plus review (selection) where the rules file allows inspectors to review.
- admin: items of their school, or of every school when they have none; review and export.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.orm import Session

from ..errors import Forbidden, NotFound
from ..models import Item, User
from ..vocabulary import Role


def all_schools(user: User) -> bool:
    return user.role in (Role.INSPECTOR, Role.ADMIN) and user.school_id is None


def item_filter(user: User) -> ColumnElement[bool]:
    """A WHERE clause restricting items to those the user may see."""
    if user.role == Role.TEACHER:
        return Item.owner_id == user.id
    if all_schools(user):
        return true()
    if user.school_id is None:
        return false()
    return Item.owner_id.in_(select(User.id).where(User.school_id == user.school_id))


def can_see_teacher(user: User, teacher: User) -> bool:
    if user.role == Role.TEACHER:
        return user.id == teacher.id
    return all_schools(user) or (user.school_id is not None and user.school_id == teacher.school_id)


def can_see_school(user: User, school_id: int | None) -> bool:
    if user.role == Role.TEACHER:
        return school_id == user.school_id
    return all_schools(user) or school_id == user.school_id


def visible_item(session: Session, user: User, item_id: int) -> Item:
    """The item if it exists, is not deleted and is in the user's scope; else 404."""
    item = session.scalar(
        select(Item).where(Item.id == item_id, Item.deleted_at.is_(None), item_filter(user))
    )
    if item is None:
        raise NotFound()
    return item


def may_review(user: User, inspectors_may_review: bool) -> bool:
    """Admins review (select, return, confirm counts); inspectors when the rules allow it."""
    return user.role == Role.ADMIN or (user.role == Role.INSPECTOR and inspectors_may_review)


def require_reviewer(user: User, item: Item, inspectors_may_review: bool) -> None:
    if not may_review(user, inspectors_may_review) or not can_see_teacher(user, item.owner):
        raise Forbidden("只有本校管理员（或获授权的督查员）可以筛选或退回成果。")


def require_admin(user: User) -> None:
    if user.role != Role.ADMIN:
        raise Forbidden("只有管理员可以进行此操作。")
