"""Items: upload, list, read, original, delete, replace, evidence, review."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import g, jsonify, request, url_for

from ...db import db
from ...extensions import archive
from ...services import evidence, item_lists, review, submitted, trash
from ...services import items as item_service
from ...services.item_dicts import items_dicts, one_item_dict
from ...services.item_lists import attachments, version_of, versions, visible_attachment
from ...services.scope import visible_item
from ...services.search import SearchRequest, search
from ...services.shapes import ItemDict
from ...vocabulary import Code, FileState
from ..common import stage_file
from ..downloads import file_response
from ..filters import iso_utc
from .base import actor, bp, token_required, whole_list
from .contract import (
    ConfirmCountBody,
    ItemsQuery,
    SearchQuery,
    SelectionBody,
    VerificationBody,
    parse_body,
    parse_query,
    school_ref,
    teacher_ref,
)
from .forms import (
    AttachmentForm,
    FileForm,
    RecognitionBody,
    RecognitionForm,
    UploadForm,
    is_true,
    parse_form,
)
from .shapes import (
    AttachmentOut,
    Deleted,
    DeletedItemOut,
    EvidenceIds,
    HistoryOut,
    ItemOut,
    SearchHit,
    VersionOut,
    operation,
    page_of,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ...models import Item


def _item_response(item_id: int, status: int = 200, accepted: bool = False) -> Any:
    item = visible_item(db.session, actor(), item_id)
    data = one_item_dict(db.session, archive.settings, item)
    response = jsonify(data)
    _link_job(response, data)
    return response, 202 if accepted and data["state"] == FileState.PROCESSING else status


def _link_job(response: Any, data: ItemDict) -> None:
    """A file whose text a job is reading: 202 and a link to the job."""
    if data["job_id"] is not None and data["state"] != FileState.READY:
        response.headers["Link"] = f'<{url_for("api.get_job", job_id=data["job_id"])}>; rel="job"'


def _competition_notice(data: ItemDict) -> str | None:
    decision = data["decision"]
    if decision is not None and decision["code"] == Code.OVER_ANNUAL_LIMIT:
        return decision["reason"]
    return None


@bp.post("/items")
@operation(
    "上传成果（教师）",
    "成果",
    response=ItemOut,
    status=201,
    also=(202,),
    location=True,
    links=("get_item", "list_versions", "item_history", "list_attachments", "get_original",
           "set_selection", "set_preference", "delete_item"),
    errors=(403, 409, 413, 422, 503),
    form=UploadForm,
)
@token_required
def upload_item() -> Any:
    item_service.require_uploader(actor())  # the role before the form: no probing by 422
    args = parse_form(UploadForm)
    form = item_service.ItemForm(
        kind=args.kind, title=args.title, completion_date=args.completion_date,
        subtype=args.subtype, metadata=args.metadata, prefer=is_true(args.prefer))
    item_service.validate_form(form, archive.settings.today(), archive.settings.rules)  # before the file is staged
    staged = stage_file(args.file)
    item_id, replayed = item_service.upload_once(
        db.transaction, archive.store, archive.settings, actor(), form, staged,
        request.headers.get("Idempotency-Key"))
    item = visible_item(db.session, actor(), item_id)
    data = one_item_dict(db.session, archive.settings, item)
    data["notice"] = _competition_notice(data)
    response = jsonify(data)
    response.headers["Location"] = url_for("api.get_item", item_id=item_id)
    _link_job(response, data)
    if replayed:
        response.headers["Idempotent-Replayed"] = "true"
        return response, 200
    return response, 202 if data["state"] == FileState.PROCESSING else 201


@bp.get("/items")
@operation("成果列表", "成果", query=ItemsQuery, response=page_of(ItemOut), errors=(404,))
@token_required
def list_items() -> Any:
    args = parse_query(ItemsQuery)
    q = item_lists.ItemQuery(teacher=args.teacher, teacher_id=args.teacher_id,
                             school=args.school, school_id=args.school_id, year=args.year,
                             kind=args.kind, page=args.page, per_page=args.per_page)
    rows, total = item_lists.list_items(db.session, actor(), q)
    return jsonify({"items": items_dicts(db.session, archive.settings, rows), "total": total,
                    "page": q.page, "per_page": q.per_page})


@bp.get("/items/<int:item_id>")
@operation("成果详情", "成果", response=ItemOut, errors=(404,))
@token_required
def get_item(item_id: int) -> Any:
    return _item_response(item_id)


@bp.get("/items/<int:item_id>/original")
@operation("下载原件（附件形式）", "成果", media="application/octet-stream", errors=(404, 503))
@token_required
def get_original(item_id: int) -> Any:
    item = visible_item(db.session, actor(), item_id)
    version = version_of(db.session, item, request.args.get("version"))
    return file_response(version.object_key, version.original_filename, version.mime,
                         version.size)


@bp.delete("/items/<int:item_id>")
@operation("删除成果", "成果", response=Deleted, errors=(403, 404, 409))
@token_required
def delete_item(item_id: int) -> Any:
    with db.transaction() as session:
        item_service.soft_delete(session, actor(), visible_item(session, actor(), item_id))
    return jsonify({"deleted": item_id})


@bp.put("/items/<int:item_id>/file")
@operation(
    "替换文件（生成新版本）",
    "成果",
    response=ItemOut,
    also=(202,),
    errors=(403, 404, 409, 413, 422, 503),
    form=FileForm,
)
@token_required
def replace_file(item_id: int) -> Any:
    visible_item(db.session, actor(), item_id)
    staged = stage_file(parse_form(FileForm).file)
    item_service.replace_file(db.transaction, archive.store, archive.settings, actor(), item_id,
                              staged)
    return _item_response(item_id, accepted=True)


@bp.get("/items/<int:item_id>/versions")
@operation("文件版本", "成果", response=page_of(VersionOut), errors=(404,))
@token_required
def list_versions(item_id: int) -> Any:
    item = visible_item(db.session, actor(), item_id)
    return jsonify(whole_list([{
        "number": v.number, "original_filename": v.original_filename, "sha256": v.sha256,
        "size": v.size, "char_count": v.char_count, "selected": v.id == item.selected_version_id,
        "current": v.id == item.current_version_id, "created_at": iso_utc(v.created_at)}
        for v in versions(db.session, item)]))


@bp.get("/items/<int:item_id>/history")
@operation("审核与操作记录", "成果", response=page_of(HistoryOut), errors=(404,))
@token_required
def item_history(item_id: int) -> Any:
    item = visible_item(db.session, actor(), item_id)
    return jsonify(whole_list(review.history(db.session, item)))


@bp.post("/items/<int:item_id>/recognitions")
@operation(
    "登记论文获奖或发表（可附证书 evidence）",
    "证明材料",
    response=ItemOut,
    status=201,
    errors=(403, 404, 413, 422, 503),
    body=RecognitionBody,
    form=RecognitionForm,
)
@token_required
def add_recognition(item_id: int) -> Any:
    visible_item(db.session, actor(), item_id)
    if request.is_json:
        data, file = parse_body(RecognitionBody).recognition(), None
    else:
        form = parse_form(RecognitionForm)
        data, file = form.recognition(), form.evidence
    staged = stage_file(file) if file is not None else None
    ids = evidence.add_evidence(db.transaction, archive.store, actor(), item_id, data, staged)
    body, _ = _item_response(item_id)
    return jsonify({**body.get_json(), **ids}), 201


@bp.post("/items/<int:item_id>/attachments")
@operation(
    "上传证明材料",
    "证明材料",
    response=EvidenceIds,
    status=201,
    errors=(403, 404, 413, 422, 503),
    form=AttachmentForm,
)
@token_required
def add_attachment(item_id: int) -> Any:
    visible_item(db.session, actor(), item_id)
    form = parse_form(AttachmentForm)
    ids = evidence.add_evidence(db.transaction, archive.store, actor(), item_id, None,
                                stage_file(form.file), purpose=form.purpose,
                                settings=archive.settings)
    return jsonify(ids), 201


@bp.get("/items/<int:item_id>/attachments")
@operation("证明材料列表", "证明材料", response=page_of(AttachmentOut), errors=(404,))
@token_required
def list_attachments(item_id: int) -> Any:
    item = visible_item(db.session, actor(), item_id)
    return jsonify(whole_list([{"id": a.id, "purpose": a.purpose,
                                "original_filename": a.original_filename, "size": a.size,
                                "mime": a.mime} for a in attachments(db.session, item)]))


@bp.get("/attachments/<int:attachment_id>")
@operation("下载证明材料（附件形式）", "证明材料", media="application/octet-stream", errors=(404, 503))
@token_required
def get_attachment(attachment_id: int) -> Any:
    att = visible_attachment(db.session, actor(), attachment_id)
    g.audit_item_id = att.item_id
    return file_response(att.object_key, att.original_filename, att.mime, att.size)


def _review(item_id: int, action: Callable[[Session, Item], None]) -> Any:
    with db.transaction() as session:
        action(session, visible_item(session, actor(), item_id))
    return _item_response(item_id)


@bp.post("/items/<int:item_id>/selection")
@operation("学校筛选入册或退回", "筛选", body=SelectionBody, response=ItemOut, errors=(403, 404, 409, 422))
@token_required
def set_selection(item_id: int) -> Any:
    visible_item(db.session, actor(), item_id)  # scope before the body: no probing by 422
    data = parse_body(SelectionBody)
    return _review(item_id, lambda s, item: review.set_selection(
        s, archive.settings, actor(), item, data.selected, data.reason))


@bp.post("/items/<int:item_id>/verification")
@operation("核验证明材料（管理员；规则允许时督查员）：通过，或不通过并说明理由", "核验",
           body=VerificationBody, response=ItemOut, errors=(403, 404, 409, 422))
@token_required
def set_verification(item_id: int) -> Any:
    visible_item(db.session, actor(), item_id)  # scope before the body: no probing by 422
    data = parse_body(VerificationBody)
    return _review(item_id, lambda s, item: submitted.set_verification(
        s, archive.settings, actor(), item, data.verified, data.reason))


@bp.post("/items/<int:item_id>/confirm-count")
@operation(
    "确认（或更正）OCR 字数",
    "筛选",
    body=ConfirmCountBody,
    response=ItemOut,
    errors=(403, 404, 409, 422),
)
@token_required
def confirm_count(item_id: int) -> Any:
    visible_item(db.session, actor(), item_id)
    count = parse_body(ConfirmCountBody).char_count
    return _review(item_id, lambda s, item: review.confirm_count(
        s, archive.settings, actor(), item, count))


@bp.post("/items/<int:item_id>/preference")
@operation("教师希望计入的一篇", "筛选", response=ItemOut, errors=(403, 404, 409))
@token_required
def set_preference(item_id: int) -> Any:
    return _review(item_id, lambda s, item: review.set_preference(s, archive.settings, actor(), item))


@bp.get("/search")
@operation("全文检索", "检索", query=SearchQuery, response=page_of(SearchHit), errors=(403, 404, 503))
@token_required
def search_items() -> Any:
    args = parse_query(SearchQuery)
    req = SearchRequest(q=args.q, kind=args.kind or "", year=args.year or "",
                        school=school_ref(args.school, args.school_id),
                        teacher=teacher_ref(args.teacher, args.teacher_id),
                        decision=args.decision or "", page=args.page, term=args.term or "",
                        subtype=args.subtype or "", check=args.check)
    result = search(db.session, archive.index, archive.settings, actor(), req)
    return jsonify({"items": result["hits"], "total": result["total"], "page": result["page"],
                    "per_page": result["per_page"]})


@bp.get("/trash")
@operation("已删除、仍可恢复的成果（管理员）", "成果", response=page_of(DeletedItemOut),
           errors=(403,))
@token_required
def list_deleted() -> Any:
    rows = trash.deleted_items(db.session, actor(), archive.settings.restore_days)
    return jsonify({"items": [row.as_dict() for row in rows], "total": len(rows), "page": 1,
                    "per_page": max(len(rows), 1)})


@bp.post("/items/<int:item_id>/restore")
@operation("恢复已删除的成果（管理员，恢复期内）", "成果", response=ItemOut, errors=(403, 404, 409))
@token_required
def restore_item(item_id: int) -> Any:
    with db.transaction() as session:
        trash.restore(session, actor(), item_id, archive.settings.restore_days)
    return _item_response(item_id)
