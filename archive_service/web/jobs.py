"""Job actions on the pages: an admin retries a failed job (e.g. an item's text recognition)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, request, url_for
from flask_login import login_required

from ..db import db
from ..services import jobs
from .auth import me

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


@bp.post("/<int:job_id>/retry")
@login_required
def retry(job_id: int) -> Any:
    with db.transaction() as session:
        job = jobs.retry(session, me(), job_id)
        item_id = job.item_id
    flash("已重新排队，稍后自动完成。", "info")
    if request.form.get("back") == "exports" or not item_id:
        return redirect(url_for("exports.page"))
    return redirect(url_for("items.detail", item_id=item_id))
