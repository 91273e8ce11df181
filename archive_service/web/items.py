"""One item's page and the actions on it, for every role in scope."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask_login import login_required

from ..db import db
from ..errors import AppError
from ..extensions import archive
from ..services import audit, evidence, review, submitted
from ..services import items as item_service
from ..services.item_dicts import one_item_dict
from ..services.item_lists import (
    attachments,
    linked_items,
    version_of,
    versions,
    visible_attachment,
)
from ..services.scope import may_review, visible_item
from ..vocabulary import KIND_NAMES, LEVEL_NAMES, Role
from .auth import me
from .common import staged_upload
from .downloads import file_response
from .teacher import form_metadata

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..models import Item

bp = Blueprint("items", __name__, url_prefix="/items")


@bp.get("/<int:item_id>")
@login_required
def detail(item_id: int) -> Any:
    item = visible_item(db.session, me(), item_id)
    settings = archive.settings
    data = one_item_dict(db.session, settings, item)
    return render_template(
        "items/detail.html", item=data, versions=versions(db.session, item),
        attachments=attachments(db.session, item),
        linked=linked_items(db.session, me(), data["decision"]), history=review.history(db.session, item),
        kinds=KIND_NAMES, levels=LEVEL_NAMES, purposes=evidence.PURPOSES,
        may_review=may_review(me(), settings.inspectors_may_review),
        needs_selection=item.kind in settings.rules.selection_required,
        may_verify=submitted.may_verify(me(), settings)
        and item.kind in submitted.verifiable_kinds(settings),
        is_owner=item.owner_id == me().id, bound_version_id=item.selected_version_id,
        form=edit_values(dict(data)), today=settings.today().isoformat(),
        uploaded=request.args.get("uploaded"),
        trail=audit.item_trail(db.session, item.id)
        if item.owner_id == me().id or me().role == Role.ADMIN else None,
        audit_actions=audit.ACTION_NAMES)


@bp.get("/<int:item_id>/original")
@login_required
def original(item_id: int) -> Any:
    item = visible_item(db.session, me(), item_id)
    version = version_of(db.session, item, request.args.get("version"))
    inline = request.args.get("inline") == "1" and version.mime == "application/pdf"
    return file_response(version.object_key, version.original_filename, version.mime,
                         version.size, inline=inline)


@bp.get("/attachments/<int:attachment_id>")
@login_required
def attachment(attachment_id: int) -> Any:
    att = visible_attachment(db.session, me(), attachment_id)
    g.audit_item_id = att.item_id
    return file_response(att.object_key, att.original_filename, att.mime, att.size)


def _act(item_id: int, action: Callable[[Session, Item], None], done: str) -> Any:
    """Run one write action on a visible item and come back to its page."""
    visible_item(db.session, me(), item_id)
    try:
        with db.transaction() as session:
            action(session, visible_item(session, me(), item_id))
        flash(done, "info")
    except AppError as exc:
        flash(exc.message, "error")
    return redirect(url_for("items.detail", item_id=item_id))


@bp.post("/<int:item_id>/selection")
@login_required
def selection(item_id: int) -> Any:
    selected = request.form.get("selected") == "1"
    return _act(item_id, lambda s, item: review.set_selection(
        s, archive.settings, me(), item, selected, request.form.get("reason")),
        "已筛选入册。" if selected else "已退回，教师将看到退回理由。")


@bp.post("/<int:item_id>/verification")
@login_required
def verification(item_id: int) -> Any:
    verified = request.form.get("verified") == "1"
    return _act(item_id, lambda s, item: submitted.set_verification(
        s, archive.settings, me(), item, verified, request.form.get("reason")),
        "证明材料核验通过。" if verified else "已记录核验未通过，教师将看到理由。")


@bp.post("/<int:item_id>/details")
@login_required
def edit(item_id: int) -> Any:
    kind = visible_item(db.session, me(), item_id).kind
    f = request.form
    form = item_service.ItemForm(
        kind=kind, title=f.get("title", ""), completion_date=f.get("completion_date", ""),
        subtype=f.get("subtype", ""),
        metadata={k: v for k, v in form_metadata(kind).items() if v is not None})
    return _act(item_id, lambda s, item: item_service.edit_details(
        s, archive.settings, me(), item, form), "已保存修改，学时认定已按新的信息重新计算。")


def edit_values(item: dict[str, Any]) -> dict[str, Any]:
    """An item's fields as the edit form's inputs (the upload form's names)."""
    meta = dict(item["metadata"])
    values: dict[str, Any] = {k: ("on" if v is True else v) for k, v in meta.items()
                              if v is not False and v is not None}
    if item["kind"] == "research_project":
        values.update(project_level=meta.get("level"), project_role=meta.get("role"))
    return {**values, "title": item["title"], "subtype": item["subtype"] or "",
            "completion_date": item["completion_date"]}


@bp.post("/<int:item_id>/confirm-count")
@login_required
def confirm_count(item_id: int) -> Any:
    raw = request.form.get("char_count", "").replace(",", "").strip()
    count = int(raw) if raw.isdigit() else None
    return _act(item_id, lambda s, item: review.confirm_count(
        s, archive.settings, me(), item, count), "字数已确认。")


@bp.post("/<int:item_id>/preference")
@login_required
def preference(item_id: int) -> Any:
    return _act(item_id, lambda s, item: review.set_preference(s, archive.settings, me(), item),
                "已告知学校：您希望这一篇计入本学年。学校筛选入册时会看到您的意向，"
                "并决定计入哪一篇；在此之前，各篇的认定不变。")


@bp.post("/<int:item_id>/delete")
@login_required
def delete(item_id: int) -> Any:
    visible_item(db.session, me(), item_id)
    try:
        with db.transaction() as session:
            item_service.soft_delete(session, me(), visible_item(session, me(), item_id))
    except AppError as exc:
        flash(exc.message, "error")
        return redirect(url_for("items.detail", item_id=item_id))
    flash("已删除。", "info")
    return redirect(url_for("auth.index"))


def _with_upload(item_id: int, run: Callable[[], object], done: str) -> Any:
    """Run an action that stores a file for a visible item; report the outcome on its page."""
    visible_item(db.session, me(), item_id)
    try:
        run()
        flash(done, "info")
    except AppError as exc:
        flash(exc.message, "error")
    return redirect(url_for("items.detail", item_id=item_id))


@bp.post("/<int:item_id>/file")
@login_required
def replace(item_id: int) -> Any:
    return _with_upload(item_id, lambda: item_service.replace_file(
        db.transaction, archive.store, archive.settings, me(), item_id, staged_upload()),
        "已上传新版本。已入册的旧版本保持不变，新版本需要学校重新筛选。")


@bp.post("/<int:item_id>/recognitions")
@login_required
def add_recognition(item_id: int) -> Any:
    f = request.form
    data = {"type": f.get("type"), "level": f.get("level"), "date": f.get("date")}
    if f.get("type") == "award":
        data["grade"] = f.get("grade")
    return _with_upload(item_id, lambda: evidence.add_evidence(
        db.transaction, archive.store, me(), item_id, data,
        staged_upload("evidence", required=False)), "已登记。")


@bp.post("/<int:item_id>/attachments")
@login_required
def add_attachment(item_id: int) -> Any:
    return _with_upload(item_id, lambda: evidence.add_evidence(
        db.transaction, archive.store, me(), item_id, None, staged_upload(),
        purpose=request.form.get("purpose", "other"), settings=archive.settings), "证明材料已保存。")
