"""Account pages for every role: change password, issue a personal API token; admin: users."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask import session as flask_session
from flask_login import current_user, login_required, logout_user

from ..db import db
from ..errors import AppError, Forbidden
from ..services import accounts, roster
from ..vocabulary import Role
from .auth import begin_session, me, roles_required

bp = Blueprint("account", __name__)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings() -> Any:
    token = None
    if request.method == "POST":
        try:
            token = _account_action(request.form.get("action", "password"))
        except AppError as exc:
            flash(exc.message, "error")
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login"))
    return render_template("account/settings.html", token=token,
                           tokens=accounts.tokens_of(db.session, me().id))


def _account_action(action: str) -> str | None:
    """One change on the signed-in user's own account; returns a new token to show once."""
    form = request.form
    if me().must_change_password and action != "password":
        raise AppError("password_change_required", "请先修改一次性密码。")
    if action == "token":
        with db.transaction() as session:
            user = accounts.same_user(session, me())
            return accounts.issue_token(session, user, form.get("name", ""))
    if action == "revoke":
        with db.transaction() as session:
            accounts.revoke_token(session, me().id, _form_id("token_id"))
        flash("令牌已吊销。", "info")
    elif action == "everywhere":
        with db.transaction() as session:
            user = accounts.same_user(session, me())
            accounts.sign_out_everywhere(session, user)
        logout_user()
        flask_session.clear()
        flash("已在所有设备上退出登录，所有 API 令牌已吊销。", "info")
    else:
        with db.transaction() as session:
            user = accounts.same_user(session, me())
            accounts.change_password(session, user, form.get("old", ""), form.get("new", ""))
        begin_session(user)  # the other sessions and every token have ended
        flash("密码已修改。其他设备上的登录和所有 API 令牌已失效。", "info")
    return None


def _form_id(name: str) -> int:
    raw = request.form.get(name, "")
    if not raw.isdigit() or len(raw) > 9:
        raise AppError("bad_request", "请求有误：缺少编号，请刷新页面后重试。")
    return int(raw)


@bp.route("/admin/users", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users() -> Any:
    return _users_page(_add_user() if request.method == "POST" else None)


def _users_page(created: dict[str, str] | None) -> Any:
    rows = accounts.visible_users(db.session, me(), by_school=True)
    schools = sorted(accounts.visible_schools(db.session, me()), key=lambda s: s.name)
    return render_template("admin/users.html", users=rows, schools=schools, created=created,
                           tokens={u.id: accounts.tokens_of(db.session, u.id) for u in rows},
                           actions=accounts.ADMIN_ACTIONS)


@bp.post("/admin/users/<int:user_id>/manage")
@roles_required(Role.ADMIN)
def manage(user_id: int) -> Any:
    action = request.form.get("action", "")
    created = None
    try:
        with db.transaction() as session:
            target = accounts.get_user(session, user_id)
            if action == "revoke":
                accounts.require_manager(me(), target)
                accounts.revoke_token(session, target.id, _form_id("token_id"))
            else:
                password = accounts.manage_user(session, me(), target, action)
                if password:
                    created = {"username": target.username, "password": password}
        flash(f"已完成：{accounts.ADMIN_ACTIONS.get(action, '吊销令牌')}。", "info")
    except AppError as exc:
        if exc.status == 404:
            raise
        flash(exc.message, "error")
    return _users_page(created)  # a one-time password is shown once, never kept in a cookie


def _add_user() -> dict[str, str] | None:
    form = request.form
    password = accounts.generate_password()
    try:
        with db.transaction() as session:
            user = accounts.create_user_as(
                session, me(), username=form.get("username", ""), name=form.get("name", ""),
                role=form.get("role", Role.TEACHER), password=password,
                school=accounts.cli_ref(form.get("school") or None),
                staff_no=form.get("staff_no", ""), subject=form.get("subject", ""),
                must_change_password=True)
            if form.get("group", "").strip():
                roster.assign_group(session, user, form["group"].strip())
            result = {"username": user.username, "password": password}
    except Forbidden:
        raise
    except AppError as exc:
        flash(exc.message, "error")
        return None
    flash(f"已添加用户 {result['username']}。", "info")
    return result


@bp.post("/admin/schools")
@roles_required(Role.ADMIN)
def add_school() -> Any:
    try:
        with db.transaction() as session:
            accounts.create_school_as(session, me(), request.form.get("name", ""))
        flash("已添加学校。", "info")
    except Forbidden:
        raise
    except AppError as exc:
        flash(exc.message, "error")
    return redirect(url_for("account.users"))
