"""装订成册 as a job: ``POST /api/v1/exports`` → 202 with the job; the list and the downloads."""

from __future__ import annotations

from typing import Any

from flask import jsonify, url_for

from ...db import db
from ...services import exports
from ..downloads import file_response
from .base import actor, bp, token_required, whole_list
from .contract import ExportBody, parse_body, school_ref, teacher_ref
from .shapes import ExportOut, operation, page_of


@bp.post("/exports")
@operation("导出装订成册（任务）：PDF、学时登记表、原件压缩包与登记快照", "导出", body=ExportBody,
           response=ExportOut, status=202, errors=(403, 404, 422))
@token_required
def create_export() -> Any:
    args = parse_body(ExportBody)
    req = exports.ExportRequest(year=args.year, scope=args.scope,
                                school=school_ref(args.school, args.school_id),
                                teacher=teacher_ref(args.teacher, args.teacher_id))
    with db.transaction() as session:
        export = exports.start_export(session, actor(), req)
        data = exports.export_dict(session, export)
    response = jsonify(data)
    response.headers["Location"] = url_for("api.get_export", export_id=data["id"])
    response.headers["Link"] = f'<{url_for("api.get_job", job_id=data["job_id"])}>; rel="job"'
    return response, 202


@bp.get("/exports")
@operation("导出记录（谁、何时、范围、大小）", "导出", response=page_of(ExportOut), errors=())
@token_required
def list_exports() -> Any:
    return jsonify(whole_list(exports.list_exports(db.session, actor())))


@bp.get("/exports/<int:export_id>")
@operation("一次导出", "导出", response=ExportOut, errors=(404,))
@token_required
def get_export(export_id: int) -> Any:
    return jsonify(exports.export_dict(db.session, exports.visible_export(db.session, actor(),
                                                                          export_id)))


@bp.get("/exports/<int:export_id>/files/<kind>")
@operation("下载导出文件（pdf、xlsx、zip、snapshot）", "导出", media="application/octet-stream",
           errors=(404, 409))
@token_required
def get_export_file(export_id: int, kind: str) -> Any:
    entry = exports.export_file(db.session, actor(), export_id, kind)
    return file_response(entry["key"], entry["name"], entry["media"], int(entry["size"]))
