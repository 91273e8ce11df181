"""Schools, users and tokens."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from sqlalchemy import select

from ...db import db
from ...errors import AppError, Forbidden
from ...models import ApiToken, School, User
from ...services import accounts, audit
from ...services.login import sign_in
from ...services.scope import all_schools, require_admin
from ...services.throttle import TooManyAttempts
from ...vocabulary import Role
from ..filters import iso_utc
from . import actor, bp, json_body, token_required


def user_dict(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "name": user.name, "role": user.role,
            "school": user.school.name if user.school else None, "school_id": user.school_id,
            "staff_no": user.staff_no, "subject": user.subject, "active": user.active}


def token_dict(row: ApiToken) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "created_at": iso_utc(row.created_at),
            "last_used_at": iso_utc(row.last_used_at)}


@bp.post("/tokens")
def create_token() -> Any:
    data = json_body()
    try:
        user = sign_in(db.transaction, str(data.get("username", "")),
                       str(data.get("password", "")), request.remote_addr or "", "api")
    except TooManyAttempts as exc:
        response = jsonify(exc.to_dict())
        response.headers["Retry-After"] = str(exc.retry_after)
        return response, 429
    if user.must_change_password:
        raise AppError("password_change_required",
                       "当前密码是一次性密码：请先在网页上登录并修改密码，再申请令牌。", 403)
    with db.transaction() as session:
        token = accounts.issue_token(session, user, str(data.get("name") or ""))
        audit.record(session, audit.Entry("token_create", user.id, user.username,
                                          address=request.remote_addr or "", status=201))
    return jsonify({"token": token, "user": {"username": user.username, "role": user.role}}), 201


@bp.get("/tokens")
@token_required
def list_tokens() -> Any:
    return jsonify([token_dict(t) for t in accounts.tokens_of(db.session, actor().id)])


@bp.delete("/tokens/<int:token_id>")
@token_required
def revoke_token(token_id: int) -> Any:
    with db.transaction() as session:
        accounts.revoke_token(session, actor().id, token_id)
    return "", 204


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
