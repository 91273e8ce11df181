"""Admin pages: review queue (学校筛选), school register, exports, bound collection."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from ..db import db
from ..extensions import archive
from ..models import Item, School, User
from ..services import trash
from ..services.export import register_csv, register_xlsx
from ..services.register import current_year
from ..services.reports import RegisterRequest, register_for
from ..services.scope import all_schools, item_filter
from ..services.views import items_dicts
from ..vocabulary import DECISION_NAMES, KIND_NAMES, Role
from .api.collection import collection_response
from .auth import me, roles_required
from .common import content_disposition

bp = Blueprint("admin", __name__, url_prefix="/admin")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _year() -> str:
    return request.args.get("year") or current_year(archive.settings)


@bp.get("/review")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def review() -> Any:
    year = _year()
    status = request.args.get("status", "pending")
    kinds = archive.settings.rules.selection_required
    query = select(Item).where(Item.deleted_at.is_(None), item_filter(me()),
                               Item.academic_year == year, Item.kind.in_(kinds))
    if status == "pending":
        query = query.where(Item.selected_version_id.is_(None), Item.return_reason.is_(None))
    elif status == "selected":
        query = query.where(Item.selected_version_id.is_not(None))
    elif status == "returned":
        query = query.where(Item.return_reason.is_not(None))
    rows = list(db.session.scalars(query.join(User, User.id == Item.owner_id)
                                   .order_by(User.name, Item.kind, Item.id)))
    return render_template("admin/review.html", items=items_dicts(db.session, archive.settings,
                                                                   rows),
                           year=year, status=status, kinds=KIND_NAMES,
                           decisions=DECISION_NAMES)


def _register_request() -> RegisterRequest:
    return RegisterRequest(year=_year(), school=request.args.get("school", ""),
                           teacher=request.args.get("teacher", ""),
                           subject=request.args.get("subject", ""))


@bp.get("/register")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def register() -> Any:
    req = _register_request()
    data = register_for(db.session, archive.settings, me(), req)
    subjects = sorted({s for (s,) in db.session.execute(
        select(User.subject).where(User.role == Role.TEACHER).distinct()) if s})
    schools = db.session.scalars(select(School).order_by(School.name)).all() \
        if all_schools(me()) else []
    return render_template("admin/register.html", register=data, req=req, subjects=subjects,
                           schools=schools, kinds=KIND_NAMES, decisions=DECISION_NAMES)


@bp.get("/register/<int:teacher_id>")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def teacher_register(teacher_id: int) -> Any:
    req = _register_request()
    req.teacher = teacher_id
    data = register_for(db.session, archive.settings, me(), req)
    if not data["teachers"]:
        from ..errors import NotFound
        raise NotFound()
    return render_template("teacher/hours.html", register=data, teacher=data["teachers"][0],
                           year=req.year, years=[req.year], kinds=KIND_NAMES)


@bp.get("/register.xlsx")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def register_export_xlsx() -> Any:
    data = register_for(db.session, archive.settings, me(), _register_request())
    response = Response(register_xlsx([data]), mimetype=XLSX)
    response.headers["Content-Disposition"] = content_disposition(
        f"学时登记表_{data['year']}.xlsx")
    return response


@bp.get("/register.csv")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def register_export_csv() -> Any:
    data = register_for(db.session, archive.settings, me(), _register_request())
    response = Response(register_csv([data]), mimetype="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = content_disposition(
        f"学时登记表_{data['year']}.csv")
    return response


@bp.get("/collection.pdf")
@roles_required(Role.ADMIN)
def collection_pdf() -> Any:
    """装订成册 PDF of the admin's school (an all-schools admin passes ``school``)."""
    return collection_response(me(), request.args.get("year", ""), request.args.get("school", ""))


@bp.get("/trash")
@roles_required(Role.ADMIN)
def trash_page() -> Any:
    days = archive.settings.restore_days
    return render_template("admin/trash.html", days=days,
                           items=trash.deleted_items(db.session, me(), days), kinds=KIND_NAMES)


@bp.post("/items/<int:item_id>/restore")
@roles_required(Role.ADMIN)
def restore_item(item_id: int) -> Any:
    with db.transaction() as session:
        trash.restore(session, me(), item_id, archive.settings.restore_days)
    flash("已恢复该成果。", "info")
    return redirect(url_for("admin.trash_page"))
