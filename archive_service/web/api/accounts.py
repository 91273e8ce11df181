"""Schools, users and tokens."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from sqlalchemy import select

from ...db import db
from ...errors import AppError, Forbidden
from ...models import School, User
from ...services import accounts
from ...services.scope import all_schools, require_admin
from ...vocabulary import Role
from . import actor, bp, json_body, token_required


def user_dict(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "name": user.name, "role": user.role,
            "school": user.school.name if user.school else None, "school_id": user.school_id,
            "staff_no": user.staff_no, "subject": user.subject, "active": user.active}


@bp.post("/tokens")
def create_token() -> Any:
    data = json_body()
    with db.transaction() as session:
        user = accounts.authenticate(session, str(data.get("username", "")),
                                     str(data.get("password", "")))
        if user is None:
            raise AppError("bad_credentials", "用户名或密码不正确。", 401)
        token = accounts.issue_token(session, user)
    return jsonify({"token": token, "user": {"username": user.username, "role": user.role}}), 201


@bp.get("/me")
@token_required
def me() -> Any:
    return jsonify(user_dict(actor()))


@bp.post("/schools")
@token_required
def create_school() -> Any:
    user = actor()
    require_admin(user)
    if not all_schools(user):
        raise Forbidden("只有不限学校的系统管理员可以添加学校。")
    with db.transaction() as session:
        school = accounts.add_school(session, str(json_body().get("name", "")))
        result = {"id": school.id, "name": school.name}
    return jsonify(result), 201


@bp.get("/schools")
@token_required
def list_schools() -> Any:
    user = actor()
    query = select(School).order_by(School.id)
    if not all_schools(user):
        query = query.where(School.id == user.school_id)
    return jsonify([{"id": s.id, "name": s.name} for s in db.session.scalars(query)])


@bp.post("/users")
@token_required
def create_user() -> Any:
    user = actor()
    require_admin(user)
    data = json_body()
    school = data.get("school")
    if not all_schools(user):
        if data.get("role") not in (Role.TEACHER, Role.INSPECTOR):
            raise Forbidden("学校管理员只能添加本校教师和督查员。")
        target = accounts.find_school(db.session, school)
        if target is None or target.id != user.school_id:
            raise Forbidden("学校管理员只能在本校添加用户。")
    with db.transaction() as session:
        created = accounts.add_user(
            session, username=str(data.get("username", "")), name=str(data.get("name", "")),
            role=str(data.get("role", "")), password=str(data.get("password", "")),
            school=school, staff_no=str(data.get("staff_no", "")),
            subject=str(data.get("subject", "")))
        result = user_dict(created)
    return jsonify(result), 201


@bp.get("/users")
@token_required
def list_users() -> Any:
    user = actor()
    if user.role == Role.TEACHER:
        raise Forbidden()
    query = select(User).order_by(User.id)
    if not all_schools(user):
        query = query.where(User.school_id == user.school_id)
    return jsonify([user_dict(u) for u in db.session.scalars(query)])
