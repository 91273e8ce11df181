"""``GET /healthz``: 200 when the database and object store answer, else 503 (for monitors)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify

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
