"""导出与任务: an admin starts an export (装订成册) as a job, follows it and the other recent jobs,
downloads the finished files and retries a failed job (POST /jobs/<id>/retry)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from ..db import db
from ..errors import AppError
from ..extensions import archive
from ..services import exports
from ..vocabulary import Role
from .auth import me, roles_required
from .downloads import file_response

bp = Blueprint("exports", __name__, url_prefix="/admin/exports")


@bp.get("")
@roles_required(Role.ADMIN)
def page() -> Any:
    data = exports.exports_page(db.session, archive.settings, me(), request.args.get("year", ""))
    return render_template("admin/exports.html", page=data)


def _request() -> exports.ExportRequest:
    form = request.form
    return exports.ExportRequest(year=form.get("year", ""), scope=form.get("scope", ""),
                                 school=form.get("school", ""), teacher=form.get("teacher", ""))


@bp.post("")
@roles_required(Role.ADMIN)
def start() -> Any:
    try:
        with db.transaction() as session:
            export_id = exports.start_export(session, me(), _request()).id
        flash(f"已开始导出（第 {export_id} 号），完成后可在下方下载。", "info")
    except AppError as exc:
        if exc.status == 403:
            raise
        flash(exc.message, "error")
    return redirect(url_for("exports.page"))


@bp.get("/<int:export_id>/files/<kind>")
@roles_required(Role.ADMIN)
def download(export_id: int, kind: str) -> Any:
    entry = exports.export_file(db.session, me(), export_id, kind)
    return file_response(entry["key"], entry["name"], entry["media"], int(entry["size"]))
