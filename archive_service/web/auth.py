"""Login, logout and the landing redirect."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar
from urllib.parse import urlsplit

from flask import Blueprint, flash, make_response, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_login import current_user, login_required, login_user, logout_user

from ..db import db
from ..errors import AppError, Forbidden
from ..services import audit, sessions
from ..services.login import sign_in
from ..services.throttle import TooManyAttempts
from ..vocabulary import Role

if TYPE_CHECKING:
    from ..models import User

bp = Blueprint("auth", __name__)
F = TypeVar("F", bound=Callable[..., Any])


def me() -> User:
    user: User = current_user._get_current_object()
    return user


def roles_required(*roles: Role) -> Callable[[F], F]:
    def decorate(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if me().role not in roles:
                raise Forbidden()
            return view(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def _home_for(user: User) -> str:
    return {Role.TEACHER: "teacher.my_items", Role.INSPECTOR: "inspector.search_page",
            Role.ADMIN: "admin.review"}[Role(user.role)]


@bp.get("/")
def index() -> Any:
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(_home_for(me())))


def safe_target(target: str) -> str | None:
    """``target`` if it is a same-site relative path, else None (no open redirect)."""
    if not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ch.isspace() or ord(ch) < 32 or ch == "\\" for ch in target):
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def begin_session(user: User) -> None:
    """Sign ``user`` in with a fresh server-side session."""
    with db.transaction() as session:
        key = sessions.start(session, user, request.remote_addr or "")
    flask_session.clear()
    login_user(user)
    flask_session["sk"] = key


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        try:
            user = sign_in(db.transaction, request.form.get("username", ""),
                           request.form.get("password", ""), request.remote_addr or "", "web")
        except TooManyAttempts as exc:
            flash(exc.message, "error")
            response = make_response(render_template("auth/login.html"), 429)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        except AppError as exc:
            flash(exc.message, "error")
            return render_template("auth/login.html"), exc.status
        begin_session(user)
        if user.must_change_password:
            return redirect(url_for("account.settings"))
        return redirect(safe_target(request.args.get("next", "")) or url_for(_home_for(user)))
    return render_template("auth/login.html")


@bp.post("/logout")
@login_required
def logout() -> Any:
    key = flask_session.get("sk", "")
    with db.transaction() as session:
        sessions.end(session, key)
        audit.record(session, audit.Entry("logout", actor_id=me().id, actor=me().username,
                                          address=request.remote_addr or ""))
    logout_user()
    flask_session.clear()
    flash("已退出登录。", "info")
    return redirect(url_for("auth.login"))
