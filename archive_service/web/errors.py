"""Errors: JSON ``{"error": {"code", "message"}}`` under /api, a Chinese page elsewhere."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, make_response, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, RequestEntityTooLarge

from ..db import DATABASE_ERRORS, is_busy
from ..errors import AppError

RETRY_AFTER = "5"  # seconds; every 503 is temporary (store down, database busy)
BUSY_MESSAGE = "系统正忙（其他保存操作尚未完成），本次操作未保存。请几秒后重试。"

HTTP_MESSAGES = {
    400: "请求有误。", 401: "请先登录。", 403: "您没有权限访问该页面。", 404: "页面不存在。",
    405: "不支持该请求方法。", 413: "上传的文件太大。", 500: "服务器内部错误，请联系管理员。",
}


def _wants_json() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def _render(error: AppError, headers: dict[str, str] | None = None) -> Any:
    headers = {**getattr(error, "headers", {}), **(headers or {})}
    if _wants_json():
        response = jsonify(error.to_dict())
    else:
        response = make_response(render_template("errors/error.html", error=error))
    response.status_code = error.status
    if error.status == 503:
        response.headers["Retry-After"] = RETRY_AFTER
    response.headers.update(headers)
    return response


def register(app: Flask) -> None:
    @app.errorhandler(AppError)
    def _app_error(error: AppError) -> Any:
        return _render(error)

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> Any:
        return _render(AppError("csrf", "表单已过期或来源不明，请刷新页面后重新提交。", 400))

    @app.errorhandler(RequestEntityTooLarge)
    def _too_large(_error: RequestEntityTooLarge) -> Any:
        mb = app.config["MAX_UPLOAD_MB"]
        return _render(AppError("too_large", f"文件超过 {mb} MB 的上限。请压缩或拆分后再上传。", 413))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Any:
        code = error.code or 500
        headers = {}
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return _render(AppError(f"http_{code}", HTTP_MESSAGES.get(code, "请求无法完成。"), code),
                       headers)

    def _database(error: Exception) -> Any:
        if is_busy(error):
            app.logger.warning("数据库写锁或连接等待超时：%s", error)
            return _render(AppError("busy", BUSY_MESSAGE, 503))
        app.logger.exception("数据库错误")
        return _render(AppError("internal", HTTP_MESSAGES[500], 500))

    for database_error in DATABASE_ERRORS:
        app.register_error_handler(database_error, _database)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Any:
        app.logger.exception("未处理的错误")
        return _render(AppError("internal", HTTP_MESSAGES[500], 500))
