"""The API blueprint and what its views share: token authentication, the acting user, JSON bodies."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import Blueprint, g, request

from ...db import db
from ...errors import AppError
from ...services.accounts import needs_touch, token_for, touch_token

if TYPE_CHECKING:
    from ...models import User

bp = Blueprint("api", __name__, url_prefix="/api/v1")
F = TypeVar("F", bound=Callable[..., Any])


def actor() -> User:
    return g.api_user


def token_required(view: F) -> F:
    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthorized("缺少访问令牌：请在请求头中加入 Authorization: Bearer <令牌>。")
        row = token_for(db.session, token.strip())
        if row is None:
            raise Unauthorized("访问令牌无效、已吊销或账号已停用，请重新申请令牌。", "invalid_token")
        if needs_touch(row):
            with db.transaction() as session:
                touch_token(session, row.id)
        g.api_user, g.api_token_id = row.user, row.id
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


class Unauthorized(AppError):
    """401 with the RFC 6750 challenge."""

    status = 401

    def __init__(self, message: str, bearer_error: str = "") -> None:
        super().__init__("unauthorized", message)
        challenge = 'Bearer realm="archive"' + (f', error="{bearer_error}"' if bearer_error else "")
        self.headers = {"WWW-Authenticate": challenge}


def whole_list(rows: list[Any]) -> dict[str, Any]:
    """A complete list in the one list shape every endpoint uses."""
    return {"items": rows, "total": len(rows), "page": 1, "per_page": max(len(rows), 1)}

