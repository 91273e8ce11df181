"""Jobs: ``GET /api/v1/jobs/<id>`` (state, progress, result, error) and an admin's retry."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from ...db import db
from ...services import jobs
from .base import actor, bp, token_required
from .shapes import JobOut, operation


@bp.get("/jobs/<int:job_id>")
@operation("任务状态与进度", "任务", response=JobOut, errors=(404,))
@token_required
def get_job(job_id: int) -> Any:
    return jsonify(jobs.job_dict(jobs.visible_job(db.session, actor(), job_id)))


@bp.post("/jobs/<int:job_id>/retry")
@operation("重试失败的任务（管理员）", "任务", response=JobOut, status=202, errors=(403, 404, 409))
@token_required
def retry_job(job_id: int) -> Any:
    with db.transaction() as session:
        data = jobs.job_dict(jobs.retry(session, actor(), job_id))
    return jsonify(data), 202
