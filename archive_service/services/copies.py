"""Work another teacher already submitted (「独立完成」): found at upload, kept on the version.

The same file, or a text at least as similar as the rules' near-duplicate threshold, held by
an earlier live item of another teacher.  The register then decides ``duplicate`` naming it
(as long as that item is not deleted).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Item, ItemVersion
from ..rules import similarity


def find_copy(session: Session, owner_id: int, sha256: str, fingerprint: Sequence[int],
              threshold: float) -> int | None:
    """The earliest other teacher's live item with this file, else the most similar text."""
    others = (select(Item.id, ItemVersion.sha256, ItemVersion.fingerprint)
              .join(ItemVersion, ItemVersion.id == Item.current_version_id)
              .where(Item.deleted_at.is_(None), Item.owner_id != owner_id)
              .order_by(Item.id))
    best: tuple[float, int] | None = None
    for item_id, sha, other in session.execute(others):
        if sha == sha256:
            return item_id
        if fingerprint and other:
            score = similarity(tuple(other), tuple(fingerprint))
            if score >= threshold and (best is None or score > best[0]):
                best = (score, item_id)
    return best[1] if best else None


def live_items(session: Session, item_ids: set[int]) -> set[int]:
    if not item_ids:
        return set()
    return set(session.scalars(select(Item.id).where(Item.id.in_(item_ids),
                                                     Item.deleted_at.is_(None))))
