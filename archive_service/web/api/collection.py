"""The bound collection (装订成册) as one PDF: ``GET /api/v1/collection.pdf?year=&school=``."""

from __future__ import annotations

from typing import Any

from ...services.scope import require_admin
from ..downloads import collection_response
from .base import actor, bp, token_required
from .contract import CollectionQuery, parse_query, school_ref
from .shapes import operation


@bp.get("/collection.pdf")
@operation(
    "装订成册 PDF（管理员）",
    "学时",
    query=CollectionQuery,
    media="application/pdf",
    errors=(403, 404, 503),
)
@token_required
def get_collection() -> Any:
    require_admin(actor())  # the role before the query: no probing by 422
    args = parse_query(CollectionQuery)
    return collection_response(actor(), args.year, school_ref(args.school, args.school_id))
