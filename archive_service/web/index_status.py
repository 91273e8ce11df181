"""The search index's state on the pages: 503 while there is none, a progress bar while a
rebuild runs (admin and search pages)."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request

from ..errors import AppError
from ..extensions import IndexUnavailableError, archive

RETRY_AFTER = "10"


def register(app: Flask) -> None:
    @app.errorhandler(IndexUnavailableError)
    def _unavailable(error: IndexUnavailableError) -> Any:
        archive.index_broken()  # damaged or missing: rebuild (idempotent while one runs)
        progress = archive.index_progress()
        percent = progress.percent if progress else 0
        app_error = AppError("index_rebuilding",
                             f"检索索引正在重建（已完成 {percent}%），请稍后再试。", 503)
        if request.path.startswith("/api/"):
            response = jsonify(app_error.to_dict())
        else:
            response = app.make_response(render_template("errors/error.html", error=app_error))
        response.status_code = 503
        response.headers["Retry-After"] = RETRY_AFTER
        return response

    @app.context_processor
    def _progress() -> dict[str, Any]:
        return {"index_progress": archive.index_progress}
