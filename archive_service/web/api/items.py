"""Items: upload, list, read, original, delete, replace, evidence, review."""

from __future__ import annotations

from typing import Any

from flask import g, jsonify, request
from sqlalchemy import select

from ...db import db
from ...errors import AppError
from ...extensions import archive
from ...models import Attachment, Item, User
from ...services import evidence, review
from ...services import items as item_service
from ...services.scope import item_filter, visible_item
from ...services.search import SearchRequest, search
from ...services.shapes import ItemDict
from ...services.views import attachments, items_dicts, one_item_dict, versions
from ...vocabulary import Code, Role
from ..common import file_response, int_arg, staged_upload
from . import actor, bp, json_body, token_required


def _item_response(item_id: int, status: int = 200) -> Any:
    item = visible_item(db.session, actor(), item_id)
    return jsonify(one_item_dict(db.session, archive.settings, item)), status


def _competition_notice(data: ItemDict) -> str | None:
    decision = data["decision"]
    if decision is not None and decision["code"] == Code.OVER_ANNUAL_LIMIT:
        return decision["reason"]
    return None


@bp.post("/items")
@token_required
def upload_item() -> Any:
    form = item_service.ItemForm(
        kind=request.form.get("kind", ""), title=request.form.get("title", ""),
        completion_date=request.form.get("completion_date", ""),
        subtype=request.form.get("subtype", ""), metadata=request.form.get("metadata"),
        prefer=request.form.get("prefer", "").lower() in ("1", "true", "yes", "on"),
    )
    if actor().role != Role.TEACHER:
        raise AppError("forbidden", "只有教师可以上传自己的研修成果。", 403)
    item_service.validate_form(form, archive.settings.today())  # cheap, before the file
    staged = staged_upload()
    assert staged is not None
    item_id = item_service.upload(db.transaction, archive.store, archive.settings, actor(),
                                  form, staged)
    archive.sync_index()
    item = visible_item(db.session, actor(), item_id)
    data = one_item_dict(db.session, archive.settings, item)
    data["notice"] = _competition_notice(data)
    return jsonify(data), 201


@bp.get("/items")
@token_required
def list_items() -> Any:
    user = actor()
    query = select(Item).where(Item.deleted_at.is_(None), item_filter(user))
    if teacher := request.args.get("teacher"):
        cond = User.username == teacher
        if teacher.isdigit():
            cond = cond | (User.id == int(teacher))
        query = query.where(Item.owner_id.in_(select(User.id).where(cond)))
    if year := request.args.get("year"):
        query = query.where(Item.academic_year == year)
    if kind := request.args.get("kind"):
        query = query.where(Item.kind == kind)
    if school := request.args.get("school"):
        from ...services.accounts import find_school
        row = find_school(db.session, school)
        query = query.where(Item.owner_id.in_(
            select(User.id).where(User.school_id == (row.id if row else -1))))
    page, per_page = int_arg("page"), min(int_arg("per_page", 100), 500)
    rows = list(db.session.scalars(query.order_by(Item.id).offset((page - 1) * per_page)
                                   .limit(per_page)))
    return jsonify({"items": items_dicts(db.session, archive.settings, rows), "page": page})


@bp.get("/items/<int:item_id>")
@token_required
def get_item(item_id: int) -> Any:
    return _item_response(item_id)


@bp.get("/items/<int:item_id>/original")
@token_required
def get_original(item_id: int) -> Any:
    item = visible_item(db.session, actor(), item_id)
    version = item.current_version
    if (number := request.args.get("version")) and number.isdigit():
        version = next((v for v in versions(db.session, item) if v.number == int(number)), None)
        if version is None:
            raise AppError("not_found", "该版本不存在。", 404)
    assert version is not None
    return file_response(version.object_key, version.original_filename, version.mime,
                         version.size)


@bp.delete("/items/<int:item_id>")
@token_required
def delete_item(item_id: int) -> Any:
    visible_item(db.session, actor(), item_id)
    with db.transaction() as session:
        item = session.get(Item, item_id)
        assert item is not None
        item_service.soft_delete(session, actor(), item)
    archive.sync_index()
    return jsonify({"deleted": item_id})


@bp.put("/items/<int:item_id>/file")
@token_required
def replace_file(item_id: int) -> Any:
    visible_item(db.session, actor(), item_id)
    staged = staged_upload()
    assert staged is not None
    item_service.replace_file(db.transaction, archive.store, archive.settings, actor(), item_id,
                              staged)
    archive.sync_index()
    db.session.expire_all()
    return _item_response(item_id)


@bp.get("/items/<int:item_id>/versions")
@token_required
def list_versions(item_id: int) -> Any:
    item = visible_item(db.session, actor(), item_id)
    return jsonify([{"number": v.number, "original_filename": v.original_filename,
                     "sha256": v.sha256, "size": v.size, "char_count": v.char_count,
                     "selected": v.id == item.selected_version_id,
                     "current": v.id == item.current_version_id,
                     "created_at": v.created_at.isoformat(timespec="seconds")}
                    for v in versions(db.session, item)])


@bp.get("/items/<int:item_id>/history")
@token_required
def item_history(item_id: int) -> Any:
    item = visible_item(db.session, actor(), item_id)
    return jsonify(review.history(db.session, item))


@bp.post("/items/<int:item_id>/recognitions")
@token_required
def add_recognition(item_id: int) -> Any:
    visible_item(db.session, actor(), item_id)
    if request.files:
        data: dict[str, Any] = request.form.to_dict()
        staged = staged_upload("evidence", required=False)
    else:
        data, staged = json_body(), None
    ids = evidence.add_evidence(db.transaction, archive.store, actor(), item_id, data, staged)
    archive.sync_index()
    db.session.expire_all()
    body, _ = _item_response(item_id)
    return jsonify({**body.get_json(), **ids}), 201


@bp.post("/items/<int:item_id>/attachments")
@token_required
def add_attachment(item_id: int) -> Any:
    visible_item(db.session, actor(), item_id)
    staged = staged_upload()
    ids = evidence.add_evidence(db.transaction, archive.store, actor(), item_id, None, staged,
                                purpose=request.form.get("purpose", "other"))
    return jsonify(ids), 201


@bp.get("/items/<int:item_id>/attachments")
@token_required
def list_attachments(item_id: int) -> Any:
    item = visible_item(db.session, actor(), item_id)
    return jsonify([{"id": a.id, "purpose": a.purpose, "original_filename": a.original_filename,
                     "size": a.size, "mime": a.mime} for a in attachments(db.session, item)])


@bp.get("/attachments/<int:attachment_id>")
@token_required
def get_attachment(attachment_id: int) -> Any:
    att = db.session.get(Attachment, attachment_id)
    if att is None:
        raise AppError("not_found", "没有找到该证明材料。", 404)
    visible_item(db.session, actor(), att.item_id)
    g.audit_item_id = att.item_id
    return file_response(att.object_key, att.original_filename, att.mime, att.size)


def _review(item_id: int, action: Any) -> Any:
    visible_item(db.session, actor(), item_id)
    with db.transaction() as session:
        item = session.get(Item, item_id)
        assert item is not None
        action(session, item)
    db.session.expire_all()
    return _item_response(item_id)


@bp.post("/items/<int:item_id>/selection")
@token_required
def set_selection(item_id: int) -> Any:
    data = json_body()
    selected = data.get("selected")
    if not isinstance(selected, bool):
        raise AppError("bad_request", "selected 必须是 true 或 false。")
    return _review(item_id, lambda s, item: review.set_selection(
        s, archive.settings, actor(), item, selected, data.get("reason")))


@bp.post("/items/<int:item_id>/confirm-count")
@token_required
def confirm_count(item_id: int) -> Any:
    count = json_body().get("char_count")
    if count is not None and not isinstance(count, int):
        raise AppError("bad_request", "char_count 必须是整数。")
    return _review(item_id, lambda s, item: review.confirm_count(
        s, archive.settings, actor(), item, count))


@bp.post("/items/<int:item_id>/preference")
@token_required
def set_preference(item_id: int) -> Any:
    return _review(item_id, lambda s, item: review.set_preference(s, archive.settings, actor(), item))


@bp.get("/search")
@token_required
def search_items() -> Any:
    args = request.args
    req = SearchRequest(q=args.get("q", ""), kind=args.get("kind", ""),
                        year=args.get("year", ""), school=args.get("school", ""),
                        teacher=args.get("teacher", ""), decision=args.get("decision", ""),
                        page=int_arg("page"))
    return jsonify(search(db.session, archive.index, archive.settings, actor(), req))


