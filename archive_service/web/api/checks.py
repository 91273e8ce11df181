"""学期检查 (term checks): open, read, mark sampled items, teachers' results, close, reopen."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, url_for

from ...db import db
from ...extensions import archive
from ...services import checks
from ...services.scope import require_admin
from ..downloads import XLSX, pdf_response, xlsx_response
from .base import actor, bp, token_required, whole_list
from .contract import (
    BagHandInBody,
    BagUnlockBody,
    CheckCreate,
    CheckMarkBody,
    CheckReportQuery,
    CheckResultBody,
    ReopenBody,
    parse_body,
    parse_query,
    school_ref,
)
from .shapes import (
    BagLockOut,
    CheckMarkSaved,
    CheckOut,
    CheckSummaryOut,
    CheckTeacherSaved,
    operation,
    page_of,
)

TAG = "学期检查"


def _check_response(check_id: int, status: int = 200) -> Any:
    check = checks.visible_check(db.session, actor(), check_id)
    return jsonify(checks.check_dict(db.session, archive.settings, actor(), check)), status


@bp.get("/checks")
@operation("学期检查列表（教师：包含自己的检查）", TAG, response=page_of(CheckSummaryOut), errors=())
@token_required
def list_checks() -> Any:
    return jsonify(whole_list(checks.list_checks(db.session, actor())))


@bp.post("/checks")
@operation("开展学期检查：按类型分层抽取每位教师的成果（督查员、管理员）", TAG, body=CheckCreate,
           response=CheckOut, status=201, location=True, errors=(403, 404, 422))
@token_required
def create_check() -> Any:
    checks.require_checker(actor())
    args = parse_body(CheckCreate)
    req = checks.CheckRequest(year=args.year, term=args.term,
                              school=school_ref(args.school, args.school_id),
                              sample_per_teacher=args.sample_per_teacher, seed=args.seed)
    with db.transaction() as session:
        check_id = checks.open_check(session, archive.settings, actor(), req).id
    g.audit_details = {"check_id": check_id}
    response, status = _check_response(check_id, 201)
    response.headers["Location"] = url_for("api.get_check", check_id=check_id)
    return response, status


@bp.get("/checks/<int:check_id>")
@operation("学期检查详情", TAG, response=CheckOut, errors=(404,))
@token_required
def get_check(check_id: int) -> Any:
    return _check_response(check_id)


@bp.post("/checks/<int:check_id>/marks")
@operation("评定一篇抽中的成果：合格/需改进/不合格及评语", TAG, body=CheckMarkBody,
           response=CheckMarkSaved, errors=(403, 404, 409, 422))
@token_required
def mark_check_item(check_id: int) -> Any:
    checks.visible_check(db.session, actor(), check_id)
    checks.require_checker(actor())  # the role before the body: no probing by 422
    args = parse_body(CheckMarkBody)
    g.audit_item_id = args.item_id
    with db.transaction() as session:
        mark = checks.mark_item(session, actor(), check_id, args.item_id, args.result, args.comment)
        saved = {"check_id": check_id, "item_id": mark.item_id, "result": mark.result,
                 "comment": mark.comment}
    return jsonify(saved)


@bp.put("/checks/<int:check_id>/teachers/<username>")
@operation("教师的检查结论与评语", TAG, body=CheckResultBody, response=CheckTeacherSaved,
           errors=(403, 404, 409, 422))
@token_required
def check_teacher_result(check_id: int, username: str) -> Any:
    checks.visible_check(db.session, actor(), check_id)
    checks.require_checker(actor())
    args = parse_body(CheckResultBody)
    with db.transaction() as session:
        row = checks.set_teacher_result(session, actor(), check_id, username, args.result,
                                        args.comment)
        saved = {"check_id": check_id, "username": username, "result": row.result,
                 "comment": row.comment}
    return jsonify(saved)


@bp.post("/checks/<int:check_id>/close")
@operation("结束检查（之后只读）", TAG, response=CheckSummaryOut, errors=(403, 404, 409))
@token_required
def close_check(check_id: int) -> Any:
    with db.transaction() as session:
        checks.close_check(session, actor(), check_id)
    return jsonify(checks.summary(checks.visible_check(db.session, actor(), check_id)))


@bp.post("/checks/<int:check_id>/reopen")
@operation("重新开启已结束的检查（管理员，须填理由）", TAG, body=ReopenBody,
           response=CheckSummaryOut, errors=(403, 404, 409, 422))
@token_required
def reopen_check(check_id: int) -> Any:
    checks.visible_check(db.session, actor(), check_id)
    require_admin(actor())
    args = parse_body(ReopenBody)
    with db.transaction() as session:
        checks.reopen_check(session, actor(), check_id, args.reason)
    return jsonify(checks.summary(checks.visible_check(db.session, actor(), check_id)))


def _records_of(check_id: int) -> dict[str, Any]:
    check = checks.visible_check(db.session, actor(), check_id)
    checks.require_checker(actor())
    return checks.check_dict(db.session, archive.settings, actor(), check)


@bp.get("/checks/<int:check_id>/report.xlsx")
@operation("检查记录（Excel）：每位教师一行，每所学校一张表", TAG, media=XLSX, errors=(403, 404))
@token_required
def check_report_xlsx(check_id: int) -> Any:
    data = _records_of(check_id)
    return xlsx_response(checks.check_xlsx(data), f"检查记录_{data['id']}.xlsx")


@bp.get("/checks/<int:check_id>/report.pdf")
@operation("检查记录表（PDF，一所学校）", TAG, query=CheckReportQuery, media="application/pdf",
           errors=(403, 404, 422, 503))
@token_required
def check_report_pdf(check_id: int) -> Any:
    data = _records_of(check_id)
    school = checks.school_for_pdf(data, parse_query(CheckReportQuery).school or "")
    body = checks.check_pdf(data, school, archive.settings.today())
    return pdf_response(body, f"检查记录表_{school}_{data['id']}.pdf")


@bp.post("/bag/hand-in")
@operation("上交本学期档案袋（教师；上交后该学期的成果锁定）", TAG, body=BagHandInBody,
           response=BagLockOut, errors=(403, 409, 422))
@token_required
def hand_in_bag() -> Any:
    args = parse_body(BagHandInBody)
    with db.transaction() as session:
        state = checks.hand_in(session, archive.settings, actor(), args.term)
    return jsonify(state)


@bp.post("/bag/unlock")
@operation("解锁已上交的档案袋（本校管理员，须填理由）", TAG, body=BagUnlockBody, response=BagLockOut,
           errors=(403, 404, 409, 422))
@token_required
def unlock_bag() -> Any:
    require_admin(actor())
    args = parse_body(BagUnlockBody)
    with db.transaction() as session:
        state = checks.unlock(session, archive.settings, actor(), args.teacher, args.term, args.reason)
    return jsonify(state)
