"""Account pages for every role: change password, issue a personal API token; admin: users."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import select

from ..db import db
from ..errors import AppError, Forbidden
from ..models import School, User
from ..services import accounts
from ..services.scope import all_schools
from ..vocabulary import Role
from .auth import me, roles_required

bp = Blueprint("account", __name__)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def settings() -> Any:
    token = None
    if request.method == "POST":
        try:
            with db.transaction() as session:
                user = session.get(User, me().id)
                assert user is not None
                if request.form.get("action") == "token":
                    token = accounts.issue_token(session, user)
                else:
                    accounts.change_password(session, user, request.form.get("old", ""),
                                             request.form.get("new", ""))
                    flash("密码已修改。", "info")
        except AppError as exc:
            flash(exc.message, "error")
    return render_template("account/settings.html", token=token)


@bp.route("/admin/users", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def users() -> Any:
    created = None
    if request.method == "POST":
        created = _add_user()
    query = select(User).order_by(User.school_id, User.role, User.name)
    schools = select(School).order_by(School.name)
    if not all_schools(me()):
        query = query.where(User.school_id == me().school_id)
        schools = schools.where(School.id == me().school_id)
    return render_template("admin/users.html", users=db.session.scalars(query).all(),
                           schools=db.session.scalars(schools).all(), created=created)


def _add_user() -> dict[str, str] | None:
    form = request.form
    role, school = form.get("role", Role.TEACHER), form.get("school") or None
    if not all_schools(me()) and (role == Role.ADMIN or str(school) != str(me().school_id)):
        raise Forbidden("学校管理员只能在本校添加教师和督查员。")
    password = accounts.generate_password()
    try:
        with db.transaction() as session:
            user = accounts.add_user(session, username=form.get("username", ""),
                                     name=form.get("name", ""), role=role, password=password,
                                     school=school, staff_no=form.get("staff_no", ""),
                                     subject=form.get("subject", ""))
            result = {"username": user.username, "password": password}
    except AppError as exc:
        flash(exc.message, "error")
        return None
    flash(f"已添加用户 {result['username']}。", "info")
    return result


@bp.post("/admin/schools")
@roles_required(Role.ADMIN)
def add_school() -> Any:
    if not all_schools(me()):
        raise Forbidden("只有不限学校的系统管理员可以添加学校。")
    try:
        with db.transaction() as session:
            accounts.add_school(session, request.form.get("name", ""))
        flash("已添加学校。", "info")
    except AppError as exc:
        flash(exc.message, "error")
    return redirect(url_for("account.users"))
