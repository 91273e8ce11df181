"""Full-text search within the user's scope; hits are re-checked against the database."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from indexing import QueryError, SearchFilters, SearchIndex

from ..errors import AppError
from ..models import Item, User
from ..vocabulary import Role
from . import checks
from .accounts import find_school, user_match
from .register import decide, item_decision
from .scope import all_schools, item_filter

PER_PAGE = 20


@dataclass
class SearchRequest:
    q: str = ""
    kind: str = ""
    year: str = ""
    school: str | int = ""  # a name, or an id (int)
    teacher: str | int = ""  # a username, or an id (int)
    decision: str = ""
    page: int = 1
    term: str = ""  # 学期, e.g. "2025-2026-1"
    subtype: str = ""  # 细类, e.g. "教学反思"
    check: int | None = None  # only the sample of this term check


def _restricted_ids(session: Session, actor: User, req: SearchRequest) -> tuple[int, ...] | None:
    """The item ids the term, subtype and check filters allow (None: those filters are unset).
    They are answered by the database, so the index needs no field for them."""
    if not (req.term or req.subtype or req.check):
        return None
    query = select(Item.id).where(Item.deleted_at.is_(None), item_filter(actor))
    if req.term:
        query = query.where(Item.term == req.term)
    if req.subtype:
        query = query.where(Item.subtype == req.subtype)
    if req.check:
        check = checks.visible_check(session, actor, req.check)
        query = query.where(Item.id.in_(checks.sample_ids(session, actor, check)))
    return tuple(session.scalars(query.order_by(Item.id)))


def _scope_filters(session: Session, actor: User, req: SearchRequest) -> SearchFilters | None:
    """Filters for the index, or None when the request is outside the user's scope."""
    school_ids: tuple[int, ...] = ()
    owner_ids: tuple[int, ...] = ()
    if actor.role == Role.TEACHER:
        owner_ids = (actor.id,)
    elif not all_schools(actor):
        school_ids = (actor.school_id,) if actor.school_id else (-1,)
    if req.school:
        school = find_school(session, req.school)
        if school is None or (school_ids and school.id not in school_ids):
            return None
        if actor.role == Role.TEACHER and school.id != actor.school_id:
            return None
        school_ids = (school.id,)
    if req.teacher:
        teacher_ids = tuple(session.scalars(select(User.id).where(user_match(req.teacher))))
        owner_ids = tuple(set(teacher_ids) & set(owner_ids)) if owner_ids else teacher_ids
        if not owner_ids:
            return None
    item_ids = _restricted_ids(session, actor, req)
    if item_ids is not None and not item_ids:
        return None
    return SearchFilters(item_ids=item_ids or (), kinds=(req.kind,) if req.kind else (),
                         years=(req.year,) if req.year else (),
                         decisions=(req.decision,) if req.decision else (),
                         school_ids=school_ids, owner_ids=owner_ids)


def search(session: Session, index: SearchIndex, settings: Any, actor: User,
           req: SearchRequest) -> dict[str, Any]:
    filters = _scope_filters(session, actor, req)
    if filters is None:
        return {"total": 0, "total_exact": True, "page": req.page, "per_page": PER_PAGE,
                "hits": []}
    page = max(1, req.page)
    try:
        result = index.search(req.q, filters, page=page, per_page=PER_PAGE)
    except QueryError as exc:
        raise AppError("bad_query", str(exc)) from exc
    hits = list(result.hits)
    items = {i.id: i for i in session.scalars(select(Item).where(
        Item.id.in_([h.item_id for h in hits]), Item.deleted_at.is_(None), item_filter(actor)))}
    registers = decide(session, settings, select(User.id).where(
        User.id.in_({i.owner_id for i in items.values()})))
    rows = []
    for hit in hits:
        item = items.get(hit.item_id)
        if item is None:
            continue  # deleted or out of scope since it was indexed
        rows.append((hit, item, item_decision(registers.get(item.owner_id), item.id,
                                              item.academic_year)))
    total = result.total - (len(hits) - len(rows))
    snippets = {h.item_id: h.snippet_html for h, _, _ in rows}
    exact = result.total_exact
    return {"total": total, "total_exact": exact, "page": page, "per_page": PER_PAGE, "hits": [
        {"id": item.id, "title": item.title, "teacher": item.owner.name,
         "school": item.owner.school.name if item.owner.school else None,
         "kind": item.kind, "academic_year": item.academic_year, "score": round(hit.score, 4),
         "snippet_html": snippets.get(item.id, ""),
         "decision": decision.code if decision else None}
        for hit, item, decision in rows]}
