"""The hours register as JSON, XLSX and CSV."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from ...db import db
from ...extensions import archive
from ...services.item_lists import item_years
from ...services.scoped_register import RegisterRequest, register_for
from ...services.shapes import Register
from ..downloads import XLSX, register_response
from .base import actor, bp, token_required
from .contract import RegisterQuery, parse_query, school_ref, teacher_ref
from .shapes import RegisterOut, operation


def _request() -> RegisterRequest:
    args = parse_query(RegisterQuery)
    return RegisterRequest(year=args.year, school=school_ref(args.school, args.school_id),
                           teacher=teacher_ref(args.teacher, args.teacher_id),
                           subject=args.subject, group=args.group)


@bp.get("/register")
@operation("学时登记", "学时", query=RegisterQuery, response=RegisterOut, errors=(403, 404))
@token_required
def get_register() -> Any:
    return jsonify(register_for(db.session, archive.settings, actor(), _request()))


def _years(req: RegisterRequest) -> list[Register]:
    """One register per requested year (``year`` may list several, comma-separated);
    without ``year``, every academic year that has items in the user's scope."""
    years = [y.strip() for y in req.year.split(",") if y.strip()] or \
        item_years(db.session, actor()) or [""]
    return [register_for(db.session, archive.settings, actor(),
                         RegisterRequest(year=y, school=req.school, teacher=req.teacher,
                                         subject=req.subject, group=req.group)) for y in years]


@bp.get("/register.xlsx")
@operation(
    "学时登记表（Excel）",
    "学时",
    query=RegisterQuery,
    media=XLSX,
    errors=(403, 404),
)
@token_required
def get_register_xlsx() -> Any:
    return register_response(_years(_request()), "xlsx")


@bp.get("/register.csv")
@operation("学时登记表（CSV）", "学时", query=RegisterQuery, media="text/csv", errors=(403, 404))
@token_required
def get_register_csv() -> Any:
    return register_response(_years(_request()), "csv")
