"""Login, logout and the landing redirect."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from ..db import db
from ..errors import Forbidden
from ..models import User
from ..services.accounts import authenticate
from ..vocabulary import Role

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


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "POST":
        user = authenticate(db.session, request.form.get("username", ""),
                            request.form.get("password", ""))
        if user is None:
            flash("用户名或密码不正确。", "error")
            return render_template("auth/login.html"), 401
        login_user(user)
        target = request.args.get("next", "")
        if not target.startswith("/") or target.startswith("//"):
            target = url_for(_home_for(user))
        return redirect(target)
    return render_template("auth/login.html")


@bp.post("/logout")
@login_required
def logout() -> Any:
    logout_user()
    flash("已退出登录。", "info")
    return redirect(url_for("auth.login"))
