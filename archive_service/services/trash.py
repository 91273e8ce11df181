"""Deleted items: restorable by an admin for ``restore_days`` (default 30), then purged by the
sweeper (``archive check --repair``) with a line in the audit log.

Purging removes the item's rows; its originals become unreferenced and are swept like any
other orphan (under the object's lock, so a file another item shares stays)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..db import UnitOfWork
from ..errors import AppError, Forbidden, NotFound
from ..models import (
    Attachment,
    AuditEvent,
    IdempotencyKey,
    IndexOutbox,
    Item,
    ItemVersion,
    Recognition,
    User,
    utcnow,
)
from ..vocabulary import LogAction, Role
from . import audit
from .scope import item_filter


@dataclass(frozen=True)
class DeletedItem:
    id: int
    title: str
    kind: str
    owner: str
    deleted_at: datetime
    restorable_until: datetime

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "kind": self.kind, "owner": self.owner,
                "deleted_at": _iso_utc(self.deleted_at),
                "restorable_until": _iso_utc(self.restorable_until)}


def _admin(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise Forbidden("只有管理员可以查看和恢复已删除的成果。")


def deleted_items(session: Session, actor: User, restore_days: int) -> list[DeletedItem]:
    """Deleted items in the admin's scope that can still be restored, newest first."""
    _admin(actor)
    cutoff = utcnow() - timedelta(days=restore_days)
    rows = session.scalars(select(Item).where(
        Item.deleted_at.is_not(None), Item.deleted_at > cutoff, item_filter(actor))
        .order_by(Item.deleted_at.desc()))
    found = []
    for item in rows:
        deleted_at = item.deleted_at or utcnow()  # never None: the query asks for deleted items
        found.append(DeletedItem(item.id, item.title, item.kind, item.owner.name, deleted_at,
                                 deleted_at + timedelta(days=restore_days)))
    return found


def restore(session: Session, actor: User, item_id: int, restore_days: int) -> Item:
    """Undo a deletion within the restore period (flushes; the caller commits)."""
    _admin(actor)
    item = session.scalar(select(Item).where(Item.id == item_id, item_filter(actor)))
    if item is None or item.deleted_at is None:
        raise NotFound("没有找到该已删除的成果，可能已恢复、已清除或不在您的管理范围内。")
    if item.deleted_at <= utcnow() - timedelta(days=restore_days):
        raise AppError("restore_expired",
                       f"该成果删除已超过 {restore_days} 天的恢复期限，无法恢复；如需找回请从备份恢复。", 409)
    item.deleted_at = None
    session.add(AuditEvent(item_id=item.id, actor_id=actor.id, action="restore"))
    session.add(IndexOutbox(item_id=item.id))
    session.flush()
    return item


def purge_expired(uow: UnitOfWork, restore_days: int) -> list[int]:
    """Remove the rows of items deleted longer ago than the restore period; their ids."""
    cutoff = utcnow() - timedelta(days=restore_days)
    with uow() as session:
        ids = list(session.scalars(select(Item.id).where(
            Item.deleted_at.is_not(None), Item.deleted_at <= cutoff)))
    purged = []
    for item_id in ids:
        with uow() as session:
            item = session.get(Item, item_id)
            if item is None or item.deleted_at is None or item.deleted_at > cutoff:
                continue  # restored meanwhile
            _purge(session, item)
            purged.append(item_id)
    return purged


def _purge(session: Session, item: Item) -> None:
    keys = sorted(set(session.scalars(select(ItemVersion.object_key)
                                      .where(ItemVersion.item_id == item.id)))
                  | set(session.scalars(select(Attachment.object_key)
                                        .where(Attachment.item_id == item.id))))
    audit.record(session, audit.Entry(
        LogAction.PURGE, actor="系统清理", item_id=item.id,
        details={"title": item.title, "owner_id": item.owner_id,
                 "deleted_at": item.deleted_at.isoformat(timespec="seconds")  # type: ignore[union-attr]
                 , "objects": keys}))
    session.execute(update(Item).where(Item.id == item.id)
                    .values(current_version_id=None, selected_version_id=None))
    for model in (Recognition, Attachment, AuditEvent, IdempotencyKey, IndexOutbox):
        session.execute(delete(model).where(model.item_id == item.id))
    session.execute(delete(ItemVersion).where(ItemVersion.item_id == item.id))
    session.execute(delete(Item).where(Item.id == item.id))
    session.flush()


def _iso_utc(moment: datetime) -> str:
    """A stored (naive UTC) time with its time zone, as the API's date-time fields are."""
    return moment.replace(tzinfo=UTC).isoformat(timespec="seconds")
