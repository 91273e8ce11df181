"""The append-only, hash-chained audit log.

Every line stores the hash of the line before it; its own hash covers its fields and that
link, so changing, removing or inserting a line breaks the chain from there on.  The table
also refuses UPDATE and DELETE (triggers, migration 0005).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select, text
from sqlalchemy.orm import Session

from ..models import AuditRecord, Item, User, utcnow
from ..vocabulary import LOG_ACTION_NAMES, Role
from .scope import item_filter

GENESIS = "0" * 64
ACTION_NAMES = LOG_ACTION_NAMES  # the log's actions and their Chinese names (vocabulary.py)


@dataclass(frozen=True)
class Entry:
    """What happened, by whom, from where."""

    action: str
    actor_id: int | None = None
    actor: str = ""
    item_id: int | None = None
    address: str = ""
    status: int | None = None
    details: dict[str, Any] | None = None


def _digest(prev_hash: str, number: int, at: datetime, entry: Entry) -> str:
    body = json.dumps([number, at.isoformat(timespec="microseconds"), entry.actor_id, entry.actor,
                       entry.action, entry.item_id, entry.address, entry.status,
                       entry.details or {}], ensure_ascii=False, sort_keys=True,
                      separators=(",", ":"))
    return hashlib.sha256((prev_hash + body).encode()).hexdigest()


def record(session: Session, entry: Entry) -> AuditRecord:
    """Append one line (inside the caller's write transaction)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7402190)"))  # one writer at a time
    last = session.execute(select(AuditRecord.id, AuditRecord.hash)
                           .order_by(AuditRecord.id.desc()).limit(1)).first()
    number, prev = (last[0] + 1, last[1]) if last else (1, GENESIS)
    at = utcnow()
    row = AuditRecord(id=number, created_at=at, actor_id=entry.actor_id, actor=entry.actor[:120],
                      action=entry.action, item_id=entry.item_id, address=entry.address[:64],
                      status=entry.status, details=entry.details or {}, prev_hash=prev,
                      hash=_digest(prev, number, at, entry))
    session.add(row)
    session.flush()
    return row


@dataclass
class ChainReport:
    checked: int
    broken_at: int | None = None
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.broken_at is None

    def render(self) -> str:
        if self.ok:
            return f"审计日志完整：已核对 {self.checked} 条，哈希链无断点。"
        return (f"审计日志第 {self.broken_at} 条起链断开：{self.problem}"
                f"（此前 {self.checked} 条完好）。")


def verify(session: Session, batch: int = 2000) -> ChainReport:
    """Walk the chain in id order; report the first line whose link or hash is wrong."""
    prev, expected, checked, last_id = GENESIS, 1, 0, 0
    while True:
        rows = list(session.scalars(select(AuditRecord).where(AuditRecord.id > last_id)
                                    .order_by(AuditRecord.id).limit(batch)))
        if not rows:
            return ChainReport(checked)
        for row in rows:
            problem = _problem(row, prev, expected)
            if problem:
                return ChainReport(checked, row.id if row.id == expected else expected, problem)
            prev, expected, checked, last_id = row.hash, row.id + 1, checked + 1, row.id


def _problem(row: AuditRecord, prev: str, expected: int) -> str:
    if row.id != expected:
        return f"缺少第 {expected} 条（下一条是第 {row.id} 条）"
    if row.prev_hash != prev:
        return "与上一条的链接不符（上一条被改动或删除）"
    entry = Entry(row.action, row.actor_id, row.actor, row.item_id, row.address, row.status,
                  row.details)
    if row.hash != _digest(prev, row.id, row.created_at, entry):
        return "内容与哈希不符（此条被改动）"
    return ""


@dataclass
class Query:
    actor: str = ""
    action: str = ""
    item_id: int | None = None
    page: int = 1
    per_page: int = 100


def _visible(user: User) -> ColumnElement[bool]:
    """Teachers: the trail of their own items; school admins: their school's people and items;
    all-schools admins: everything."""
    mine = select(Item.id).where(item_filter(user))
    if user.role == Role.TEACHER:
        return AuditRecord.item_id.in_(mine)
    if user.school_id is None:
        return AuditRecord.id.is_not(None)
    people = select(User.id).where(User.school_id == user.school_id)
    return AuditRecord.item_id.in_(mine) | AuditRecord.actor_id.in_(people)


def search(session: Session, user: User, query: Query) -> tuple[list[AuditRecord], int]:
    where = [_visible(user)]
    if query.actor:
        where.append(AuditRecord.actor.contains(query.actor))
    if query.action:
        where.append(AuditRecord.action == query.action)
    if query.item_id is not None:
        where.append(AuditRecord.item_id == query.item_id)
    total = session.scalar(select(func.count()).select_from(AuditRecord).where(*where)) or 0
    rows = session.scalars(select(AuditRecord).where(*where).order_by(AuditRecord.id.desc())
                           .offset((query.page - 1) * query.per_page).limit(query.per_page))
    return list(rows), total


def item_trail(session: Session, item_id: int) -> list[AuditRecord]:
    return list(session.scalars(select(AuditRecord).where(AuditRecord.item_id == item_id)
                                .order_by(AuditRecord.id)))
