"""Which versions go in: the selected version of each non-deleted item of the bound kinds."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from ...models import Item, ItemVersion, User
from ..settings import Settings
from .model import Part


def load_parts(session: Session, settings: Settings, school_id: int, year: str) -> list[Part]:
    """The school's selected items for ``year``, ordered by teacher, kind (as in the rules), item id."""
    kinds = list(settings.rules.selection_required)
    selected = aliased(ItemVersion)
    rows = session.execute(
        select(Item.id, User.id, User.name, User.subject, Item.kind, Item.title, selected.number,
               selected.object_key, selected.mime, selected.original_filename)
        .join(User, User.id == Item.owner_id)
        .join(selected, selected.id == Item.selected_version_id)
        .where(User.school_id == school_id, Item.academic_year == year,
               Item.deleted_at.is_(None), Item.kind.in_(kinds))
    ).all()
    parts = [Part(*row) for row in rows]
    parts.sort(key=lambda p: (p.teacher, p.owner_id, kinds.index(p.kind), p.item_id))
    return parts
