"""The verification queue: items of the kinds the rules gate whose evidence waits for the
school (like the selection queue), in the actor's scope."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import Forbidden
from ...models import Item, User
from ...vocabulary import Verification
from ..item_dicts import items_dicts
from ..scope import item_filter
from ..settings import Settings
from ..shapes import ItemDict
from .verification import may_verify, verifiable_kinds

STATUSES = tuple(Verification)


def verification_queue(session: Session, settings: Settings, actor: User,
                       status: str = Verification.PENDING, year: str = "") -> list[ItemDict]:
    """Items waiting for (or past) the school's check of their evidence, oldest first."""
    if not may_verify(actor, settings):
        raise Forbidden("只有本校管理员（或规则允许的督查员）可以核验证明材料。")
    query = select(Item).where(Item.deleted_at.is_(None), item_filter(actor),
                               Item.kind.in_(verifiable_kinds(settings)),
                               Item.verification == (status if status in STATUSES
                                                     else Verification.PENDING))
    if year:
        query = query.where(Item.academic_year == year)
    items = list(session.scalars(query.order_by(Item.created_at, Item.id).limit(500)))
    return items_dicts(session, settings, items)
