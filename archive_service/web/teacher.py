"""Teacher pages: 我的成果, upload, 我的学时."""

from __future__ import annotations

import secrets
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..db import db
from ..errors import AppError
from ..extensions import archive
from ..services import items as item_service
from ..services.certificate import certificate_for
from ..services.checks import hand_in, term_bag
from ..services.item_dicts import items_dicts
from ..services.item_lists import item_years, own_items
from ..services.register import current_year
from ..services.scoped_register import RegisterRequest, register_for
from ..services.upload_guide import upload_guide
from ..vocabulary import KIND_NAMES, SUBTYPES, Kind, Role
from .auth import me, roles_required
from .common import staged_upload
from .downloads import pdf_response

bp = Blueprint("teacher", __name__, url_prefix="/my")


@bp.get("/items")
@roles_required(Role.TEACHER)
def my_items() -> Any:
    rows = own_items(db.session, me())
    return render_template("teacher/items.html",
                           items=items_dicts(db.session, archive.settings, rows),
                           bag=term_bag(db.session, archive.settings, me()))


def form_metadata(kind: str) -> dict[str, Any]:
    """Typed metadata from the upload form's per-kind fields."""
    f = request.form
    if kind == Kind.UNIT_DESIGN:
        return {"lesson_count": f.get("lesson_count") or None,
                "has_courseware": f.get("has_courseware") == "on"}
    if kind == Kind.LECTURE_NOTES:
        return {"session_hours": f.get("session_hours") or None,
                "in_school_expert": f.get("in_school_expert") == "on",
                "session_date": f.get("session_date") or None,
                "activity_id": f.get("activity_id") or None}
    if kind == Kind.EXTERNAL_TRAINING:  # the 完成日期 is the training's last day
        return {"organizer": f.get("organizer") or None, "start_date": f.get("start_date") or None,
                "days": f.get("days") or None, "certified_hours": f.get("certified_hours") or None,
                "mode": f.get("mode") or None}
    if kind == Kind.PUBLIC_LESSON:
        return {"lesson_title": f.get("lesson_title") or None,
                "lesson_type": f.get("lesson_type") or None}
    if kind == Kind.RESEARCH_PROJECT:
        return {"level": f.get("project_level") or None, "role": f.get("project_role") or None,
                "approval_date": f.get("approval_date") or None,
                "conclusion_date": f.get("conclusion_date") or None}
    return {}


@bp.route("/items/new", methods=["GET", "POST"])
@roles_required(Role.TEACHER)
def upload() -> Any:
    if request.method == "GET":
        return render_template("teacher/upload.html", kinds=KIND_NAMES, subtypes=SUBTYPES,
                               today=archive.settings.today().isoformat(),
                               guide=upload_guide(db.session, archive.settings, me()),
                               form={"idempotency_token": secrets.token_urlsafe(24)})
    kind = request.form.get("kind", "")
    meta = {k: v for k, v in form_metadata(kind).items() if v is not None}
    form = item_service.ItemForm(
        kind=kind, title=request.form.get("title", ""),
        completion_date=request.form.get("completion_date", ""),
        subtype=request.form.get("subtype", ""), metadata=meta,
        prefer=request.form.get("prefer") == "on")
    try:
        item_service.validate_form(form, archive.settings.today(), archive.settings.rules)
        staged = staged_upload()
        item_id, replayed = item_service.upload_once(  # the same form sent twice: one item
            db.transaction, archive.store, archive.settings, me(), form, staged,
            request.form.get("idempotency_token"))
    except AppError as exc:
        flash(exc.message, "error")
        return render_template("teacher/upload.html", kinds=KIND_NAMES, subtypes=SUBTYPES,
                               today=archive.settings.today().isoformat(),
                               guide=upload_guide(db.session, archive.settings, me()),
                               form=request.form), exc.status
    flash("这份表单已经提交过，下面是当时上传的成果。" if replayed else "上传成功。", "info")
    return redirect(url_for("items.detail", item_id=item_id, uploaded=1))


@bp.get("/hours")
@roles_required(Role.TEACHER)
def my_hours() -> Any:
    year = request.args.get("year") or current_year(archive.settings)
    register = register_for(db.session, archive.settings, me(), RegisterRequest(year=year))
    teacher = register["teachers"][0]
    years = sorted({*item_years(db.session, me()), year}, reverse=True)
    guide = (upload_guide(db.session, archive.settings, me())
             if year == current_year(archive.settings) else None)
    return render_template("teacher/hours.html", register=register, teacher=teacher,
                           year=year, years=years, kinds=KIND_NAMES, guide=guide)


@bp.get("/hours/certificate.pdf")
@roles_required(Role.TEACHER)
def my_certificate() -> Any:
    """学时证明 of the teacher's own year (one printable page)."""
    year = request.args.get("year") or current_year(archive.settings)
    return pdf_response(*certificate_for(db.session, archive.settings, me(), None, year))


@bp.post("/bag/hand-in")
@roles_required(Role.TEACHER)
def hand_in_bag() -> Any:
    try:
        with db.transaction() as session:
            hand_in(session, archive.settings, me())
        flash("本学期档案袋已上交，该学期的成果已锁定；如需修改请学校管理员解锁。", "info")
    except AppError as exc:
        flash(exc.message, "error")
    return redirect(url_for("teacher.my_items"))
