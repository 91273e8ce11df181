"""The hours register as JSON, XLSX and CSV."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify

from ...db import db
from ...extensions import archive
from ...services.export import register_csv, register_xlsx
from ...services.reports import RegisterRequest, archive_years, register_for
from ...services.shapes import Register
from ..common import content_disposition
from . import actor, bp, token_required
from .contract import RegisterQuery, parse_query, school_ref, teacher_ref
from .shapes import RegisterOut, operation

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _request() -> RegisterRequest:
    args = parse_query(RegisterQuery)
    return RegisterRequest(year=args.year, school=school_ref(args.school, args.school_id),
                           teacher=teacher_ref(args.teacher, args.teacher_id),
                           subject=args.subject)


@bp.get("/register")
@operation("学时登记", "学时", query=RegisterQuery, response=RegisterOut, errors=(403, 404))
@token_required
def get_register() -> Any:
    return jsonify(register_for(db.session, archive.settings, actor(), _request()))


def _years(req: RegisterRequest) -> list[Register]:
    """One register per requested year (``year`` may list several, comma-separated);
    without ``year``, every academic year that has items in the user's scope."""
    years = [y.strip() for y in req.year.split(",") if y.strip()] or \
        archive_years(db.session, actor()) or [""]
    return [register_for(db.session, archive.settings, actor(),
                         RegisterRequest(year=y, school=req.school, teacher=req.teacher,
                                         subject=req.subject)) for y in years]


@bp.get("/register.xlsx")
@operation(
    "学时登记表（Excel）",
    "学时",
    query=RegisterQuery,
    media="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    errors=(403, 404),
)
@token_required
def get_register_xlsx() -> Any:
    registers = _years(_request())
    body = register_xlsx(registers)
    response = Response(body, mimetype=XLSX)
    response.headers["Content-Disposition"] = content_disposition(
        f"学时登记表_{registers[0]['year']}.xlsx")
    return response


@bp.get("/register.csv")
@operation("学时登记表（CSV）", "学时", query=RegisterQuery, media="text/csv", errors=(403, 404))
@token_required
def get_register_csv() -> Any:
    registers = _years(_request())
    response = Response(register_csv(registers), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = content_disposition(
        f"学时登记表_{registers[0]['year']}.csv")
    return response
