"""Which versions an export binds, with the facts each divider page shows."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Item, ItemVersion, User
from ...vocabulary import DECISION_NAMES, KINDS, ExportScope
from ..collection.model import ItemHeader, Part
from ..ledger_register import build_register
from ..register import teachers_query
from ..settings import Settings
from ..shapes import Register


def export_register(session: Session, settings: Settings, school_id: int, year: str,
                    teacher_id: int | None) -> Register:
    """The register of the export's teachers (the whole school, or one teacher)."""
    return build_register(session, settings, year,
                          teachers_query(school_id, teacher_id, None, None, True))


def load_export_parts(session: Session, register: Register, scope: str) -> list[Part]:
    """``selected``: the version the school selected of each selected item; ``counted``: every
    item earning hours (its selected version if selected, else its current one)."""
    decided: dict[int, dict[str, Any]] = {}
    for teacher in register["teachers"]:
        for line in teacher["items"]:
            decided[line["id"]] = dict(line["decision"] or {})
    items = session.scalars(select(Item).where(Item.id.in_(decided), Item.deleted_at.is_(None)))
    parts = []
    for item in items:
        decision = decided[item.id]
        hours = float(decision.get("hours") or 0)
        if scope == ExportScope.SELECTED and item.selected_version_id is None:
            continue
        if scope == ExportScope.COUNTED and hours <= 0:
            continue
        version = session.get(ItemVersion, item.selected_version_id or item.current_version_id)
        owner = session.get(User, item.owner_id)
        if version is None or owner is None:
            continue
        header = ItemHeader(completion_date=item.completion_date.isoformat(),
                            char_count=version.char_count,
                            decision=DECISION_NAMES.get(decision.get("code", ""), "未认定"),
                            hours=hours, reason=str(decision.get("reason", "")))
        parts.append(Part(item.id, owner.id, owner.name, owner.subject, item.kind, item.title,
                          version.number, version.object_key, version.mime,
                          version.original_filename, header=header, sha256=version.sha256))
    order: dict[str, int] = {k: n for n, k in enumerate(KINDS)}
    parts.sort(key=lambda p: (p.teacher, p.owner_id, order.get(p.kind, 99), p.item_id))
    return parts
