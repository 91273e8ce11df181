"""The 学时台账's own records: 教研组, the roster import, activities with attendance, exam scores."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify

from ...db import db
from ...extensions import archive
from ...services import activities, attendance, exams, roster
from ...services.ledger import replace_attendance
from ...services.sheets import MAX_SHEET_BYTES
from .base import actor, bp, token_required, whole_list
from .contract import (
    ActivitiesQuery,
    ActivityCreate,
    AttendanceBody,
    ExamBody,
    GroupCreate,
    SchoolQuery,
    parse_body,
    parse_query,
    school_ref,
)
from .forms import RosterImportForm, parse_form
from .shapes import ActivityOut, ExamScoresOut, GroupOut, RosterImportOut, operation, page_of


@bp.post("/groups")
@operation("添加教研组（管理员）", "学时台账", body=GroupCreate, response=GroupOut, status=201,
           errors=(403, 409, 422))
@token_required
def create_group() -> Any:
    data = parse_body(GroupCreate)
    with db.transaction() as session:
        group = roster.add_group(session, actor(), school_ref(data.school, data.school_id),
                                 data.name, data.leader).as_dict()
    g.audit_details = {"group": group["name"], "school": group["school"]}
    return jsonify(group), 201


@bp.get("/groups")
@operation("教研组列表", "学时台账", query=SchoolQuery, response=page_of(GroupOut), errors=(403,))
@token_required
def list_groups() -> Any:
    args = parse_query(SchoolQuery)
    groups = roster.list_groups(db.session, actor(), school_ref(args.school, args.school_id))
    return jsonify(whole_list([group.as_dict() for group in groups]))


@bp.post("/users/import")
@operation("导入花名册（XLSX/CSV；dry_run=true 只预览）", "账号", form=RosterImportForm,
           response=RosterImportOut, errors=(403, 422))
@token_required
def import_users() -> Any:
    roster.require_importer(actor())  # before the file is read: a teacher gets 403, not 422
    form = parse_form(RosterImportForm)
    data, filename = form.file.stream.read(MAX_SHEET_BYTES + 1), form.file.filename or ""
    dry = form.dry_run
    with db.transaction() as session:
        result = roster.import_roster(session, actor(), data, filename, dry == "true")
    body = result.as_dict()
    g.audit_details = {"rows": result.rows, "created": result.created, "updated": result.updated,
                       "dry_run": result.dry_run}
    if not result.ok:
        first = result.errors[0]
        where = f"第 {first.row} 行" if first.row else "文件"
        body["error"] = {"code": "invalid_roster", "message": (
            f"花名册有 {len(result.errors)} 处问题，未保存任何账号。{where}：{first.message}")}
        return jsonify(body), 422
    return jsonify(body)


@bp.post("/activities")
@operation("记录校本培训/校本教研活动（管理员；规则允许时教研组组长）", "学时台账", body=ActivityCreate,
           response=ActivityOut, status=201, errors=(403, 422))
@token_required
def create_activity() -> Any:
    data = parse_body(ActivityCreate).model_dump(exclude_none=True)
    data["school"] = school_ref(data.pop("school", None), data.pop("school_id", None)) or None
    with db.transaction() as session:
        row = activities.create_activity(session, archive.settings, actor(), data)
        result = attendance.activity_view(session, row, actor(), archive.settings)
    g.audit_details = {"activity_id": result["id"]}
    return jsonify(result), 201


@bp.get("/activities")
@operation("活动列表", "学时台账", query=ActivitiesQuery, response=page_of(ActivityOut),
           errors=(403,))
@token_required
def list_activities() -> Any:
    args = parse_query(ActivitiesQuery)
    return jsonify(whole_list(attendance.list_activities(
        db.session, archive.settings, actor(), args.year, school_ref(args.school, args.school_id))))


@bp.get("/activities/<int:activity_id>")
@operation("一项活动及其考勤", "学时台账", response=ActivityOut, errors=(404,))
@token_required
def get_activity(activity_id: int) -> Any:
    return jsonify(attendance.find_activity(db.session, archive.settings, actor(), activity_id))


@bp.put("/activities/<int:activity_id>/attendance")
@operation("替换一项活动的全部考勤", "学时台账", body=AttendanceBody, response=ActivityOut)
@token_required
def put_attendance(activity_id: int) -> Any:
    records = [r.model_dump() for r in parse_body(AttendanceBody).records]
    with db.transaction() as session:
        replace_attendance(session, actor(), activity_id, records, archive.settings)
    g.audit_details = {"records": len(records)}
    return jsonify(attendance.find_activity(db.session, archive.settings, actor(), activity_id))


def _exam(year: str, school: str | int | None) -> dict[str, Any]:
    found, lines = exams.exam_sheet(db.session, actor(), year, school)
    return {"year": year, "school": found.name,
            "scores": [{"teacher": x.username, "name": x.name, "score": x.score} for x in lines]}


@bp.put("/exams/<year>")
@operation("录入一所学校一个学年的教师专业知识考试成绩（替换）", "学时台账", body=ExamBody,
           response=ExamScoresOut, errors=(403, 422))
@token_required
def put_exam(year: str) -> Any:
    data = parse_body(ExamBody)
    school = school_ref(data.school, data.school_id) or None
    scores = [s.model_dump() for s in data.scores]
    with db.transaction() as session:
        activities.put_exam_scores(session, actor(), year, school or actor().school_id, scores)
    g.audit_details = {"year": year, "scores": len(scores)}
    return jsonify(_exam(year, school))


@bp.get("/exams/<year>")
@operation("一所学校一个学年的考试成绩（管理员）", "学时台账", query=SchoolQuery, response=ExamScoresOut,
           errors=(403, 422))
@token_required
def get_exam(year: str) -> Any:
    args = parse_query(SchoolQuery)
    return jsonify(_exam(year, school_ref(args.school, args.school_id) or None))
