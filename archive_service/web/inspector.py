"""Inspector pages: full-text search with filters and highlighted snippets."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from ..db import db
from ..errors import AppError
from ..extensions import archive
from ..services.choices import choices_for
from ..services.search import SearchRequest, search
from ..vocabulary import DECISION_NAMES, KIND_NAMES, Role
from .auth import me, roles_required
from .common import int_arg

bp = Blueprint("inspector", __name__)


@bp.get("/search")
@roles_required(Role.INSPECTOR, Role.ADMIN, Role.TEACHER)
def search_page() -> Any:
    args = request.args
    req = SearchRequest(q=args.get("q", "").strip(), kind=args.get("kind", ""),
                        year=args.get("year", ""), school=args.get("school", ""),
                        teacher=args.get("teacher", ""), decision=args.get("decision", ""),
                        page=int_arg("page"))
    result, error = None, None
    if any((req.q, req.kind, req.year, req.school, req.teacher, req.decision)):
        try:
            result = search(db.session, archive.index, archive.settings, me(), req)
        except AppError as exc:
            error = exc.message
    choices = choices_for(db.session, archive.settings, me(), req.year)
    return render_template("inspector/search.html", req=req, result=result, error=error,
                           kinds=KIND_NAMES, decisions=DECISION_NAMES, choices=choices)
