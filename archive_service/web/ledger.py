"""Pages of the 学时台账's own records: roster import, 教研组, activities with attendance, the exam.

Views parse the form, call one service and render; every rule and query lives in the services.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for

from ..db import db
from ..errors import AppError
from ..extensions import archive
from ..instance import staging_dir
from ..services import activities, attendance, exams, roster, self_sign_in
from ..services.activity_pages import activities_page, school_names
from ..services.ledger import replace_attendance
from ..services.register import current_year
from ..services.sheets import MAX_SHEET_BYTES
from ..vocabulary import ACTIVITY_KINDS, ATTENDANCE_NAMES, SOURCE_NAMES, Role
from .auth import me, roles_required
from .downloads import content_disposition

bp = Blueprint("ledger", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _sheet() -> tuple[bytes, str]:
    file = request.files.get("file")
    if file is None or not file.filename:
        return b"", ""
    return file.stream.read(MAX_SHEET_BYTES + 1), file.filename


def _year() -> str:
    return request.args.get("year") or request.form.get("year") or current_year(archive.settings)


def _failed(exc: AppError) -> None:
    """A refusal (403/404) stays an error page; anything else is said on the page."""
    if exc.status in (403, 404):
        raise exc
    flash(exc.message, "error")


def _secret() -> bytes:
    return str(current_app.secret_key).encode()


def _staging() -> Path:
    return staging_dir(Path(current_app.instance_path))


# --------------------------------------------------------------------------- roster import


@bp.route("/admin/roster", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def roster_import() -> Any:
    if request.method == "GET":
        return render_template("admin/roster.html", result=None, token=None, columns=roster.COLUMNS)
    confirm = request.form.get("action") == "confirm"
    try:
        if confirm:
            data, filename = roster.take(_staging(), me().id, request.form.get("token", ""))
        else:
            data, filename = _sheet()
        with db.transaction() as session:
            result = roster.import_roster(session, me(), data, filename, dry_run=not confirm)
    except AppError as exc:
        _failed(exc)
        return redirect(url_for("ledger.roster_import"))
    token = roster.stash(_staging(), me().id, data, filename) if result.ok and not confirm else None
    if result.ok and confirm:
        flash(f"导入完成：新建 {result.created} 个账号，更新 {result.updated} 个账号。", "info")
    return render_template("admin/roster.html", result=result, token=token, columns=roster.COLUMNS)


@bp.post("/admin/roster/passwords.xlsx")
@roles_required(Role.ADMIN)
def roster_passwords() -> Any:
    """The passwords the import page just showed, as a sheet (posted back; stored nowhere)."""
    pairs = list(zip(request.form.getlist("username"), request.form.getlist("password"),
                     strict=False))[:roster.importer.MAX_ROSTER_ROWS]
    body = roster.passwords_xlsx([{"username": u, "password": p} for u, p in pairs])
    response = Response(body, mimetype=XLSX)
    response.headers["Content-Disposition"] = content_disposition("初始密码.xlsx")
    response.headers["Cache-Control"] = "no-store"
    return response


# --------------------------------------------------------------------------- 教研组


@bp.route("/admin/groups", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def groups() -> Any:
    if request.method == "POST":
        form = request.form
        try:
            with db.transaction() as session:
                added = roster.add_group(session, me(), form.get("school") or None,
                                         form.get("name", ""), form.get("leader") or None)
            flash(f"已添加教研组「{added.name}」。", "info")
        except AppError as exc:
            _failed(exc)
        return redirect(url_for("ledger.groups"))
    return render_template("admin/groups.html", groups=roster.list_groups(db.session, me()),
                           schools=school_names(db.session, me()))


# --------------------------------------------------------------------------- activities


@bp.get("/activities")
@roles_required(Role.ADMIN, Role.INSPECTOR, Role.TEACHER)
def activity_list() -> Any:
    page = activities_page(db.session, archive.settings, me(), _year())
    return render_template("activities/list.html", page=page, kinds=ACTIVITY_KINDS,
                           source_names=SOURCE_NAMES)


def _activity_form() -> dict[str, Any]:
    form = request.form
    data: dict[str, Any] = {k: form.get(k, "").strip() or None for k in (
        "school", "kind", "title", "date", "lecturer", "lecturer_name", "organizer", "group")}
    hours = form.get("hours", "").strip()
    try:
        data["hours"] = float(hours) if hours else None
    except ValueError:
        data["hours"] = hours
    data["in_school_expert"] = form.get("in_school_expert") == "1"
    return data


@bp.post("/activities")
@roles_required(Role.ADMIN, Role.INSPECTOR, Role.TEACHER)
def activity_create() -> Any:
    try:
        with db.transaction() as session:
            row = activities.create_activity(session, archive.settings, me(), _activity_form())
            activity_id = row.id
    except AppError as exc:
        _failed(exc)
        return redirect(url_for("ledger.activity_list"))
    flash("活动已记录。请录入考勤（默认全部出席）。", "info")
    return redirect(url_for("ledger.activity_attendance", activity_id=activity_id))


@bp.get("/activities/<int:activity_id>/attendance")
@roles_required(Role.ADMIN, Role.INSPECTOR, Role.TEACHER)
def activity_attendance(activity_id: int) -> Any:
    activity, lines = attendance.attendance_roster(db.session, archive.settings, me(), activity_id,
                                                   _secret())
    return render_template("activities/attendance.html", activity=activity, lines=lines,
                           statuses=ATTENDANCE_NAMES, source_names=SOURCE_NAMES)


@bp.post("/activities/<int:activity_id>/attendance")
@roles_required(Role.ADMIN, Role.INSPECTOR, Role.TEACHER)
def activity_attendance_save(activity_id: int) -> Any:
    records = [{"teacher": key.removeprefix("status-"), "status": value}
               for key, value in request.form.items() if key.startswith("status-")]
    try:
        with db.transaction() as session:
            count = replace_attendance(session, me(), activity_id, records, archive.settings)
        flash(f"考勤已保存（{count} 人）。", "info")
    except AppError as exc:
        _failed(exc)
    return redirect(url_for("ledger.activity_attendance", activity_id=activity_id))


@bp.post("/activities/<int:activity_id>/sign-in")
@roles_required(Role.ADMIN, Role.INSPECTOR, Role.TEACHER)
def activity_sign_in(activity_id: int) -> Any:
    data, filename = _sheet()
    try:
        with db.transaction() as session:
            count = attendance.import_sign_in(session, archive.settings, me(), activity_id, data,
                                              filename)
        flash(f"签到表已导入（{count} 人），考勤已按签到表替换。", "info")
    except AppError as exc:
        _failed(exc)
    return redirect(url_for("ledger.activity_attendance", activity_id=activity_id))


@bp.route("/my/sign-in", methods=["GET", "POST"])
@roles_required(Role.TEACHER)
def self_sign_in_page() -> Any:
    """教师自助签到: the code the organiser shows during the session (when the rules allow)."""
    if request.method == "POST":
        try:
            with db.transaction() as session:
                done = self_sign_in.sign_in(session, archive.settings, _secret(), me(),
                                            request.form.get("code", ""))
                title = done.title
            flash(f"签到成功：{title}（出席）。", "info")
        except AppError as exc:
            _failed(exc)
        return redirect(url_for("ledger.self_sign_in_page"))
    return render_template("activities/sign_in.html",
                           enabled=archive.settings.rules.ledger.self_sign_in)


# --------------------------------------------------------------------------- the exam


def _exam_school() -> str | None:
    return request.args.get("school") or request.form.get("school") or None


@bp.get("/admin/exams")
@roles_required(Role.ADMIN)
def exam_page() -> Any:
    year = _year()
    try:
        school, lines = exams.exam_sheet(db.session, me(), year, _exam_school() or me().school_id)
    except AppError as exc:
        _failed(exc)
        school, lines = None, []
    return render_template("admin/exams.html", year=year, school=school, lines=lines,
                           schools=school_names(db.session, me()))


def _back_to_exam(year: str, school: str | None) -> Any:
    return redirect(url_for("ledger.exam_page", year=year, school=school or None))


@bp.post("/admin/exams")
@roles_required(Role.ADMIN)
def exam_save() -> Any:
    year, school = _year(), _exam_school()
    scores = [{"teacher": key.removeprefix("score-"), "score": value.strip()}
              for key, value in request.form.items() if key.startswith("score-") and value.strip()]
    try:
        with db.transaction() as session:
            count = exams.save_scores(session, me(), year, school or me().school_id, scores)
        flash(f"考试成绩已保存（{count} 人）。", "info")
    except AppError as exc:
        _failed(exc)
    return _back_to_exam(year, school)


@bp.post("/admin/exams/import")
@roles_required(Role.ADMIN)
def exam_import() -> Any:
    year, school = _year(), _exam_school()
    data, filename = _sheet()
    try:
        with db.transaction() as session:
            count = exams.import_scores(session, me(), year, school or me().school_id, data,
                                        filename)
        flash(f"成绩表已导入（{count} 人），本学年成绩已按成绩表替换。", "info")
    except AppError as exc:
        _failed(exc)
    return _back_to_exam(year, school)
