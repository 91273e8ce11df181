"""The bound collection (装订成册) as one PDF: ``GET /api/v1/collection.pdf?year=&school=``."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from flask import Response, request
from werkzeug.wsgi import wrap_file

from ...db import db
from ...errors import AppError, Forbidden
from ...extensions import archive
from ...models import User
from ...services.accounts import find_school
from ...services.collection import build_collection
from ...services.reports import check_year
from ...services.scope import all_schools, require_admin
from ..common import content_disposition
from . import actor, bp, token_required
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


def collection_school(user: User, ref: str | int) -> int:
    """The school whose collection ``user`` asks for: their own unless they see all schools."""
    if not ref:
        if user.school_id is None:
            raise AppError("school_required", "请指定学校（school=学校名称，或 school_id=学校编号）。")
        return user.school_id
    school = find_school(db.session, ref)
    if school is None:
        raise AppError("unknown_school", f"学校「{ref}」不存在。", 404)
    if not all_schools(user) and school.id != user.school_id:
        raise Forbidden("您只能导出本校的成果集。")
    return school.id


def collection_response(user: User, year: str, school: str | int) -> Response:
    """Build the collection into a temp dir and stream it; the dir is gone once it is open."""
    require_admin(user)
    if not year.strip():
        raise AppError("year_required", "请指定学年，例如 year=2025-2026。")
    year = check_year(year.strip())
    school_id = collection_school(user, school.strip() if isinstance(school, str) else school)
    tmp = Path(tempfile.mkdtemp(prefix="archive-collection-out-"))
    try:
        path = tmp / "collection.pdf"
        result = build_collection(db.session, archive.store, archive.settings, school_id, year,
                                  path)
        size = path.stat().st_size
        handle = path.open("rb")  # stays readable after the directory is removed
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    response = Response(wrap_file(request.environ, handle), mimetype="application/pdf",
                        direct_passthrough=True)
    response.headers["Content-Length"] = str(size)
    response.headers["Content-Disposition"] = content_disposition(f"校本研修成果集_{year}.pdf")
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["X-Collection-Pages"] = str(result.pages)
    response.headers["X-Collection-Items"] = str(len(result.items))
    response.headers["X-Collection-Problems"] = str(len(result.problems))
    response.headers["X-Collection-Problem-Items"] = ",".join(str(i) for i, _ in result.problems)
    return response
