"""Every request that changes, downloads, exports or is refused goes into the audit log;
admins search and export the log, teachers see it on their items' pages."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from flask import Blueprint, Flask, Response, current_app, g, render_template, request
from flask_login import current_user

from ..db import db
from ..services import audit
from ..services.export import XLSX_MIME, audit_xlsx
from ..vocabulary import Role
from .auth import me, roles_required
from .common import int_arg
from .downloads import content_disposition

if TYPE_CHECKING:
    from ..models import User

bp = Blueprint("audit", __name__)
SELF_AUDITED = {"auth.login", "auth.logout", "api.create_token", "static"}
EXPORTS = {"admin.register_export_xlsx", "admin.register_export_csv", "admin.collection_pdf",
           "api.get_collection", "api.get_register_xlsx", "api.get_register_csv", "audit.export",
           "teacher.my_certificate", "admin.teacher_certificate", "api.check_report_xlsx",
           "api.check_report_pdf", "checks.report_xlsx", "checks.report_pdf"}
WRITES = {"POST", "PUT", "PATCH", "DELETE"}


def _actor() -> User | None:
    user = g.get("api_user")
    if user is None and current_user and current_user.is_authenticated:
        user = me()
    return user


def _action(response: Response) -> str | None:
    endpoint, status = request.endpoint or "", response.status_code
    if status in (401, 403, 404):
        return "denied"
    if status >= 400:
        return None
    if request.method in WRITES:
        return _write_action(endpoint)
    if response.headers.get("Content-Disposition"):
        return "export" if endpoint in EXPORTS else "download"
    return None


def _write_action(endpoint: str) -> str:
    name = endpoint.rsplit(".", 1)[-1]
    for word, action in (("restore", "restore"), ("delete", "delete"), ("selection", "review"),
                         ("verification", "review"), ("confirm", "review"), ("review", "review"), ("upload", "upload"),
                         ("create_item", "upload"), ("replace", "upload"),
                         ("revoke", "token_revoke"), ("token", "token_create"),
                         ("password", "password_change")):
        if word in name:
            return action
    return "change"


def _entry(response: Response) -> audit.Entry | None:
    if request.endpoint is None or request.endpoint in SELF_AUDITED:
        return None
    action = _action(response)
    if action is None:
        return None
    user = _actor()
    args = dict(request.view_args or {})
    details: dict[str, Any] = {"endpoint": request.endpoint, "method": request.method,
                               "path": request.path[:300]}
    details.update({k: v for k, v in args.items() if k != "item_id"})
    details.update(g.get("audit_details", {}))
    item_id = g.get("audit_item_id") or args.get("item_id") or _created_item(action, response)
    item_id = item_id if isinstance(item_id, int) and item_id < 2**31 else None
    return audit.Entry(action, user.id if user else None, user.username if user else "",
                       item_id, request.remote_addr or "", response.status_code, details)


def _created_item(action: str, response: Response) -> int | None:
    """The id of an item an upload created: in the JSON answer or the page it redirects to."""
    if action != "upload":
        return None
    body = response.get_json(silent=True) if response.is_json else None
    if isinstance(body, dict):
        return body.get("id") if isinstance(body.get("id"), int) else None
    match = re.search(r"/items/(\d+)", response.headers.get("Location", ""))
    return int(match.group(1)) if match else None


def _record(response: Response) -> Response:
    entry = _entry(response)
    if entry is not None:
        try:
            with db.transaction() as session:
                audit.record(session, entry)
        except Exception:  # noqa: BLE001 - keep serving; the failure is logged loudly
            current_app.logger.exception("审计日志写入失败：%s", entry)
    return response


def _query() -> audit.Query:
    item = request.args.get("item_id", "")
    return audit.Query(actor=request.args.get("actor", "").strip()[:120],
                       action=request.args.get("action", "") if request.args.get("action", "")
                       in audit.ACTION_NAMES else "",
                       item_id=int(item) if item.isdigit() and len(item) < 10 else None,
                       page=min(int_arg("page"), 100000))


@bp.get("/admin/audit")
@roles_required(Role.ADMIN)
def search() -> Any:
    query = _query()
    rows, total = audit.search(db.session, me(), query)
    return render_template("admin/audit.html", rows=rows, total=total, query=query,
                           actions=audit.ACTION_NAMES)


@bp.get("/admin/audit.xlsx")
@roles_required(Role.ADMIN)
def export() -> Any:
    query = _query()
    query.per_page, query.page = 100000, 1
    rows, _ = audit.search(db.session, me(), query)
    response = Response(audit_xlsx(rows), mimetype=XLSX_MIME)
    response.headers["Content-Disposition"] = content_disposition("审计日志.xlsx")
    return response


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    app.after_request(_record)
