"""Schools, users, passwords (argon2id) and API tokens."""

from __future__ import annotations

import hashlib
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import AppError
from ..models import ApiToken, School, User
from ..vocabulary import ROLE_NAMES, ROLES, Role

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def authenticate(session: Session, username: str, password: str) -> User | None:
    user = session.scalar(select(User).where(User.username == username.strip()))
    if user is None:
        _hasher.hash(password)  # spend the same time so usernames cannot be probed
        return None
    if not user.active or not check_password(user, password):
        return None
    return user


def add_school(session: Session, name: str) -> School:
    name = (name or "").strip()
    if not name:
        raise AppError("invalid_school", "学校名称不能为空。")
    if session.scalar(select(School).where(School.name == name)):
        raise AppError("school_exists", f"学校「{name}」已存在。", 409)
    school = School(name=name)
    session.add(school)
    session.flush()
    return school


def find_school(session: Session, ref: str | int | None) -> School | None:
    """A school by id or by exact name."""
    if ref in (None, ""):
        return None
    if isinstance(ref, int) or str(ref).isdigit():
        school = session.get(School, int(ref))
        if school:
            return school
    return session.scalar(select(School).where(School.name == str(ref).strip()))


def add_user(
    session: Session,
    *,
    username: str,
    name: str,
    role: str,
    password: str,
    school: str | int | None = None,
    staff_no: str = "",
    subject: str = "",
) -> User:
    username = (username or "").strip()
    if not username or len(username) > 80 or any(c.isspace() for c in username):
        raise AppError("invalid_username", "用户名不能为空，且不能包含空格。")
    if role not in ROLES:
        choices = "、".join(f"{r}（{ROLE_NAMES[r]}）" for r in ROLES)
        raise AppError("invalid_role", f"角色必须是 {choices} 之一。")
    if len(password or "") < MIN_PASSWORD:
        raise AppError("weak_password", f"密码至少需要 {MIN_PASSWORD} 个字符。")
    if session.scalar(select(User).where(User.username == username)):
        raise AppError("user_exists", f"用户名「{username}」已被使用。", 409)
    school_row = find_school(session, school)
    if school not in (None, "") and school_row is None:
        raise AppError("unknown_school", f"学校「{school}」不存在，请先添加学校。")
    if role == Role.TEACHER and school_row is None:
        raise AppError("school_required", "教师必须属于一所学校。")
    user = User(
        username=username,
        name=(name or username).strip(),
        role=role,
        school_id=school_row.id if school_row else None,
        staff_no=staff_no or "",
        subject=subject or "",
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, user: User) -> str:
    """Create a new API token; only its hash is stored, the token is shown once."""
    token = "arc_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token)))
    session.flush()
    return token


def user_for_token(session: Session, token: str) -> User | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_digest(token)))
    if row is None or not row.user.active:
        return None
    return row.user


def change_password(session: Session, user: User, old: str, new: str) -> None:
    if not check_password(user, old):
        raise AppError("bad_credentials", "原密码不正确。", 400)
    if len(new or "") < MIN_PASSWORD:
        raise AppError("weak_password", f"新密码至少需要 {MIN_PASSWORD} 个字符。")
    user.password_hash = hash_password(new)
    session.flush()
