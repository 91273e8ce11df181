"""Item lookups for the pages and the API: lists in scope, versions, attachments."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from ..errors import AppError
from ..models import Attachment, Item, ItemVersion, User
from ..vocabulary import ITEM_LINK_FIELDS
from .accounts import find_school, user_match
from .scope import item_filter, visible_item
from .settings import Settings

REVIEW_STATUSES = ("pending", "selected", "returned")


@dataclass
class ItemQuery:
    """Filters of ``GET /api/v1/items``; None means no filter."""

    teacher: str | None = None
    teacher_id: int | None = None
    school: str | None = None
    school_id: int | None = None
    year: str | None = None
    kind: str | None = None
    page: int = 1
    per_page: int = 100


def _live(actor: User) -> Select[Any]:
    return select(Item).where(Item.deleted_at.is_(None), item_filter(actor))


def _owned_by(query: Select[Any], users: ColumnElement[bool]) -> Select[Any]:
    return query.where(Item.owner_id.in_(select(User.id).where(users)))


def list_items(session: Session, actor: User, q: ItemQuery) -> tuple[list[Item], int]:
    """One page of the live items in the actor's scope (by id), and how many there are."""
    query = _live(actor)
    for teacher in (q.teacher, q.teacher_id):
        if teacher is not None:
            query = _owned_by(query, user_match(teacher))
    for ref in (q.school, q.school_id):
        if ref is not None:
            school = find_school(session, ref)
            query = _owned_by(query, User.school_id == (school.id if school else -1))
    if q.year:
        query = query.where(Item.academic_year == q.year)
    if q.kind:
        query = query.where(Item.kind == q.kind)
    rows = list(session.scalars(query.order_by(Item.id).offset((q.page - 1) * q.per_page)
                                .limit(q.per_page)))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return rows, total


def own_items(session: Session, teacher: User) -> list[Item]:
    """A teacher's live items, newest first (我的成果)."""
    return list(session.scalars(_live(teacher).order_by(Item.completion_date.desc(),
                                                         Item.id.desc())))


def item_years(session: Session, actor: User) -> list[str]:
    """Academic years that have live items the actor may see, oldest first."""
    return sorted(session.scalars(_live(actor).with_only_columns(Item.academic_year)
                                  .distinct()))


def review_queue(session: Session, settings: Settings, actor: User, year: str,
                 status: str) -> list[Item]:
    """Items awaiting (or past) school selection in the actor's scope, by teacher name."""
    query = _live(actor).where(Item.academic_year == year,
                               Item.kind.in_(settings.rules.selection_required))
    if status == "pending":
        query = query.where(Item.selected_version_id.is_(None), Item.return_reason.is_(None))
    elif status == "selected":
        query = query.where(Item.selected_version_id.is_not(None))
    elif status == "returned":
        query = query.where(Item.return_reason.is_not(None))
    return list(session.scalars(query.join(User, User.id == Item.owner_id)
                                .order_by(User.name, Item.kind, Item.id)))


def versions(session: Session, item: Item) -> list[ItemVersion]:
    return list(session.scalars(select(ItemVersion).where(ItemVersion.item_id == item.id)
                                .order_by(ItemVersion.number)))


def version_of(session: Session, item: Item, number: str | None) -> ItemVersion:
    """The numbered version of an item (``number`` from the request), else the current one."""
    version = item.current_version
    if number and number.isdigit():
        version = next((v for v in versions(session, item) if v.number == int(number)), None)
    if version is None:
        raise AppError("not_found", "该版本不存在。", 404)
    return version


def attachments(session: Session, item: Item) -> list[Attachment]:
    return list(session.scalars(select(Attachment).where(Attachment.item_id == item.id)
                                .order_by(Attachment.id)))


def visible_attachment(session: Session, actor: User, attachment_id: int) -> Attachment:
    """An evidence file of an item in the actor's scope; else 404."""
    att = session.get(Attachment, attachment_id)
    if att is None:
        raise AppError("not_found", "没有找到该证明材料。", 404)
    visible_item(session, actor, att.item_id)
    return att


def linked_items(session: Session, actor: User, decision: Mapping[str, Any] | None
                 ) -> dict[int, dict[str, Any]]:
    """The other items a decision names (the original of a duplicate, the items holding the year's
    places …): each one's title and owner's name, and whether the actor may open it.

    A teacher sees the title and owner of another teacher's item as text rather than a link that
    would answer 404.
    """
    wanted: set[int] = set()
    for key, value in {**(decision or {}).get("numbers", {}),
                       "related_item_id": (decision or {}).get("related_item_id")}.items():
        if key in ITEM_LINK_FIELDS or key == "related_item_id":
            wanted.update(v for v in (value if isinstance(value, list) else [value])
                          if isinstance(v, int))
    if not wanted:
        return {}
    may_open = set(session.scalars(_live(actor).where(Item.id.in_(wanted))
                                   .with_only_columns(Item.id)))
    rows = session.execute(select(Item.id, Item.title, User.name)
                           .join(User, User.id == Item.owner_id).where(Item.id.in_(wanted)))
    return {i: {"title": title, "owner": name, "may_open": i in may_open}
            for i, title, name in rows}
