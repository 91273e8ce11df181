"""``GET /healthz``: 200 when the database and object store answer, else 503 (for monitors);
``GET /favicon.ico``: the icon browsers ask for at the root."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, send_from_directory

from ..db import db
from ..extensions import archive
from ..services.health import health_report

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> Any:
    report = health_report(db.session, archive.state)
    response = jsonify(report)
    response.status_code = 200 if report["ok"] else 503
    if not report["ok"]:
        response.headers["Retry-After"] = "5"
    return response


@bp.get("/favicon.ico")
def favicon() -> Any:
    return send_from_directory(str(current_app.static_folder), "favicon.ico",
                               mimetype="image/vnd.microsoft.icon", max_age=86400)
