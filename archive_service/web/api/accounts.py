"""Schools, users and tokens."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import jsonify, request

from ...db import db
from ...errors import AppError
from ...services import accounts, audit, roster
from ...services.login import sign_in
from ...services.scope import require_admin
from ..filters import iso_utc
from .base import actor, bp, token_required, whole_list
from .contract import SchoolCreate, TokenRequest, UserCreate, parse_body, school_ref
from .shapes import SchoolOut, TokenCreated, TokenOut, UserOut, operation, page_of

if TYPE_CHECKING:
    from ...models import ApiToken, User


def user_dict(user: User) -> dict[str, Any]:
    return {"id": user.id, "username": user.username, "name": user.name, "role": user.role,
            "school": user.school.name if user.school else None, "school_id": user.school_id,
            "staff_no": user.staff_no, "subject": user.subject, "group": user.group_name,
            "active": user.active}


def token_dict(row: ApiToken) -> dict[str, Any]:
    return {"id": row.id, "name": row.name, "created_at": iso_utc(row.created_at),
            "last_used_at": iso_utc(row.last_used_at)}


@bp.post("/tokens")
@operation(
    "用户名和密码换取访问令牌（只显示一次）",
    "账号",
    body=TokenRequest,
    response=TokenCreated,
    status=201,
    public=True,
    errors=(401, 403, 422, 429),
)
def create_token() -> Any:
    data = parse_body(TokenRequest)
    user = sign_in(db.transaction, data.username, data.password, request.remote_addr or "", "api")
    if user.must_change_password:
        raise AppError("password_change_required",
                       "当前密码是一次性密码：请先在网页上登录并修改密码，再申请令牌。", 403)
    with db.transaction() as session:
        token = accounts.issue_token(session, user, data.name or "")
        audit.record(session, audit.Entry("token_create", user.id, user.username,
                                          address=request.remote_addr or "", status=201))
    return jsonify({"token": token, "user": {"username": user.username, "role": user.role}}), 201


@bp.get("/tokens")
@operation("我的访问令牌", "账号", response=page_of(TokenOut), errors=())
@token_required
def list_tokens() -> Any:
    return jsonify(whole_list([token_dict(t) for t in accounts.tokens_of(db.session, actor().id)]))


@bp.delete("/tokens/<int:token_id>")
@operation("吊销我的一个令牌", "账号", status=204, errors=(404,))
@token_required
def revoke_token(token_id: int) -> Any:
    with db.transaction() as session:
        accounts.revoke_token(session, actor().id, token_id)
    return "", 204


@bp.get("/me")
@operation("当前用户", "账号", response=UserOut, errors=())
@token_required
def me() -> Any:
    return jsonify(user_dict(actor()))


@bp.post("/schools")
@operation(
    "添加学校（不限学校的管理员）",
    "账号",
    body=SchoolCreate,
    response=SchoolOut,
    status=201,
    errors=(403, 409, 422),
)
@token_required
def create_school() -> Any:
    accounts.require_school_creator(actor())  # the role before the body: no probing by 422
    name = parse_body(SchoolCreate).name
    with db.transaction() as session:
        school = accounts.create_school_as(session, actor(), name)
        result = {"id": school.id, "name": school.name}
    return jsonify(result), 201


@bp.get("/schools")
@operation("学校列表", "账号", response=page_of(SchoolOut), errors=())
@token_required
def list_schools() -> Any:
    return jsonify(whole_list([{"id": s.id, "name": s.name}
                               for s in accounts.visible_schools(db.session, actor())]))


@bp.post("/users")
@operation(
    "添加用户（管理员）",
    "账号",
    body=UserCreate,
    response=UserOut,
    status=201,
    errors=(403, 409, 422),
)
@token_required
def create_user() -> Any:
    require_admin(actor())  # before the body is read: a teacher gets 403, not 422
    data = parse_body(UserCreate)
    school = school_ref(data.school, data.school_id)
    with db.transaction() as session:
        created = accounts.create_user_as(
            session, actor(), username=data.username, name=data.name or "", role=data.role,
            password=data.password, school=school or None, staff_no=data.staff_no,
            subject=data.subject)
        if data.group:
            roster.assign_group(session, created, data.group)
        result = user_dict(created)
    return jsonify(result), 201


@bp.get("/users")
@operation("用户列表（督查员、管理员）", "账号", response=page_of(UserOut), errors=(403,))
@token_required
def list_users() -> Any:
    return jsonify(whole_list([user_dict(u) for u in accounts.visible_users(db.session, actor())]))
