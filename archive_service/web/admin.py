"""Admin pages: review queue (学校筛选), school register, exports, bound collection."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..db import db
from ..errors import NotFound
from ..extensions import archive
from ..services import trash
from ..services.accounts import school_choices, teacher_subjects
from ..services.certificate import certificate_for
from ..services.choices import choices_for
from ..services.item_dicts import items_dicts
from ..services.item_lists import review_queue
from ..services.ledger_register import group_names
from ..services.register import current_year
from ..services.scope import may_review
from ..services.scoped_register import RegisterRequest, register_for
from ..services.submitted.queue import verification_queue
from ..vocabulary import DECISION_NAMES, KIND_NAMES, Role
from .auth import me, roles_required
from .downloads import collection_response, pdf_response, register_response

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _year() -> str:
    return request.args.get("year") or current_year(archive.settings)


@bp.get("/review")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def review() -> Any:
    year = _year()
    status = request.args.get("status", "pending")
    rows = review_queue(db.session, archive.settings, me(), year, status)
    return render_template("admin/review.html", items=items_dicts(db.session, archive.settings,
                                                                   rows),
                           year=year, status=status, kinds=KIND_NAMES,
                           decisions=DECISION_NAMES,
                           choices=choices_for(db.session, archive.settings, me(), year),
                           may_review=may_review(me(), archive.settings.inspectors_may_review))


@bp.get("/verification")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def verification() -> Any:
    status, year = request.args.get("status", "pending"), request.args.get("year", "")
    return render_template("admin/verification.html", status=status, year=year,
                           items=verification_queue(db.session, archive.settings, me(), status,
                                                    year))


def _register_request() -> RegisterRequest:
    return RegisterRequest(year=_year(), school=request.args.get("school", ""),
                           teacher=request.args.get("teacher", ""),
                           subject=request.args.get("subject", ""),
                           group=request.args.get("group", ""))


@bp.get("/register")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def register() -> Any:
    req = _register_request()
    data = register_for(db.session, archive.settings, me(), req)
    return render_template("admin/register.html", register=data, req=req,
                           subjects=teacher_subjects(db.session),
                           schools=school_choices(db.session, me()),
                           groups=group_names(db.session, me()), kinds=KIND_NAMES,
                           years=choices_for(db.session, archive.settings, me(), req.year).years,
                           decisions=DECISION_NAMES)


@bp.get("/register/<int:teacher_id>")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def teacher_register(teacher_id: int) -> Any:
    req = _register_request()
    req.teacher = teacher_id
    data = register_for(db.session, archive.settings, me(), req)
    if not data["teachers"]:
        raise NotFound()
    return render_template("teacher/hours.html", register=data, teacher=data["teachers"][0],
                           year=req.year, years=[req.year], kinds=KIND_NAMES)


@bp.get("/register/<int:teacher_id>/certificate.pdf")
@roles_required(Role.ADMIN)
def teacher_certificate(teacher_id: int) -> Any:
    """学时证明 of a teacher of the admin's school."""
    return pdf_response(*certificate_for(db.session, archive.settings, me(), teacher_id, _year()))


def _register_export(fmt: str) -> Any:
    return register_response([register_for(db.session, archive.settings, me(),
                                           _register_request())], fmt)


@bp.get("/register.xlsx")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def register_export_xlsx() -> Any:
    return _register_export("xlsx")


@bp.get("/register.csv")
@roles_required(Role.ADMIN, Role.INSPECTOR)
def register_export_csv() -> Any:
    return _register_export("csv")


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
