"""学期检查 pages: the list (and opening a check), one check with its samples and marks,
the teacher's result, closing and reopening.  Teachers see their own line only."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from ..db import db
from ..errors import AppError
from ..extensions import archive
from ..services import checks
from ..services.accounts import school_choices
from ..services.register import current_year
from ..vocabulary import ATTENDANCE_NAMES, CHECK_RESULTS, TERM_NAMES, Role
from .auth import me, roles_required
from .downloads import pdf_response, xlsx_response

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

bp = Blueprint("checks", __name__, url_prefix="/checks")


@bp.get("")
@login_required
def index() -> Any:
    return render_template("checks/list.html", checks=checks.list_checks(db.session, me()),
                           schools=school_choices(db.session, me()), terms=TERM_NAMES,
                           year=current_year(archive.settings),
                           default_sample=archive.settings.rules.checks.default_sample,
                           may_open=checks.is_checker(me()))


def _number(name: str) -> int | None:
    raw = request.form.get(name, "").strip()
    return int(raw) if raw.isdigit() and len(raw) < 6 else None


@bp.post("")
@roles_required(Role.INSPECTOR, Role.ADMIN)
def open_check() -> Any:
    f = request.form
    school = f.get("school", "")
    req = checks.CheckRequest(year=f.get("year", "").strip(), term=_number("term") or 0,
                              school=int(school) if school.isdigit() else "",
                              sample_per_teacher=_number("sample_per_teacher"),
                              seed=f.get("seed") or None)
    try:
        with db.transaction() as session:
            check_id = checks.open_check(session, archive.settings, me(), req).id
    except AppError as exc:
        flash(exc.message, "error")
        return redirect(url_for("checks.index"))
    flash("检查已开始，已为每位教师抽取样本。", "info")
    return redirect(url_for("checks.detail", check_id=check_id))


@bp.get("/<int:check_id>")
@login_required
def detail(check_id: int) -> Any:
    check = checks.visible_check(db.session, me(), check_id)
    data = checks.check_dict(db.session, archive.settings, me(), check)
    return render_template("checks/detail.html", check=data, results=CHECK_RESULTS,
                           attendance_names=ATTENDANCE_NAMES,
                           may_mark=checks.is_checker(me()) and not data["closed"],
                           may_close=checks.is_checker(me()) and not data["closed"],
                           may_reopen=me().role == Role.ADMIN and data["closed"],
                           may_export=checks.is_checker(me()))


def _act(check_id: int, action: Callable[[Session], object], done: str) -> Any:
    """Run one write on a visible check and come back to its page."""
    checks.visible_check(db.session, me(), check_id)
    try:
        with db.transaction() as session:
            action(session)
        flash(done, "info")
    except AppError as exc:
        flash(exc.message, "error")
    return redirect(url_for("checks.detail", check_id=check_id))


@bp.post("/<int:check_id>/marks")
@login_required
def mark(check_id: int) -> Any:
    f = request.form
    item_id = _number("item_id") or 0
    return _act(check_id, lambda s: checks.mark_item(
        s, me(), check_id, item_id, f.get("result", ""), f.get("comment")), "评定已保存。")


@bp.post("/<int:check_id>/teachers/<username>")
@login_required
def teacher_result(check_id: int, username: str) -> Any:
    f = request.form
    return _act(check_id, lambda s: checks.set_teacher_result(
        s, me(), check_id, username, f.get("result", ""), f.get("comment")), "教师检查结论已保存。")


@bp.post("/<int:check_id>/close")
@login_required
def close(check_id: int) -> Any:
    return _act(check_id, lambda s: checks.close_check(s, me(), check_id), "检查已结束，记录只读。")


@bp.post("/<int:check_id>/reopen")
@login_required
def reopen(check_id: int) -> Any:
    return _act(check_id, lambda s: checks.reopen_check(s, me(), check_id, request.form.get("reason")),
                "检查已重新开启。")


def _records_of(check_id: int) -> dict[str, Any]:
    check = checks.visible_check(db.session, me(), check_id)
    checks.require_checker(me())
    return checks.check_dict(db.session, archive.settings, me(), check)


@bp.get("/<int:check_id>/report.xlsx")
@login_required
def report_xlsx(check_id: int) -> Any:
    data = _records_of(check_id)
    return xlsx_response(checks.check_xlsx(data), f"检查记录_{data['id']}.xlsx")


@bp.get("/<int:check_id>/report.pdf")
@login_required
def report_pdf(check_id: int) -> Any:
    data = _records_of(check_id)
    school = checks.school_for_pdf(data, request.args.get("school", "").strip())
    return pdf_response(checks.check_pdf(data, school, archive.settings.today()),
                        f"检查记录表_{school}_{data['id']}.pdf")
