"""Schools, users, passwords (argon2id) and API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import ColumnElement, select, update
from sqlalchemy.orm import Session

from ..errors import AppError, Forbidden
from ..models import ApiToken, School, User, UserSession, utcnow
from ..vocabulary import ROLE_NAMES, ROLES, Role
from .scope import all_schools, require_admin

_hasher = PasswordHasher()  # argon2id, RFC 9106 low-memory profile
MIN_PASSWORD = 8


def hash_password(password: str) -> str:
    return _hasher.hash(password)


# A generated one-time password (``generate_password``: 96 random bits, changed at the first
# sign-in) cannot be guessed, so it needs no memory-hard cost; a roster import hashes hundreds.
_one_time_hasher = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1)


def hash_generated(password: str) -> str:
    """The hash of a password ``generate_password`` made (argon2id at a light cost)."""
    return _one_time_hasher.hash(password)


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
    """A school by id (an int) or by exact name (a str): a school named "2" is found by name,
    never confused with the school whose id is 2."""
    if ref is None or ref == "":
        return None
    if isinstance(ref, int):
        return session.get(School, ref)
    return session.scalar(select(School).where(School.name == ref.strip()))


def cli_ref(value: str | None) -> str | int | None:
    """A school typed on the command line or picked in a form (its id) may be digits."""
    return int(value) if value and value.isdigit() and len(value) < 10 else value


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
    must_change_password: bool = False,
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
        must_change_password=must_change_password,
    )
    session.add(user)
    session.flush()
    return user


def digest(secret: str) -> str:
    """SHA-256 of a random secret (API token, session key): what the database keeps."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(session: Session, user: User, name: str = "") -> str:
    """Create a new named API token; only its hash is stored, the token is shown once."""
    name = (name or "").strip() or f"令牌 {utcnow():%Y-%m-%d %H:%M}"
    if len(name) > 80:
        raise AppError("invalid_token_name", "令牌名称最多 80 个字符。")
    token = "arc_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, token_hash=digest(token)))
    session.flush()
    return token


def token_for(session: Session, token: str) -> ApiToken | None:
    """The live token row of an active user, or None."""
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token),
                                                ApiToken.revoked_at.is_(None)))
    if row is None or not row.user.active or row.user.must_change_password:
        return None
    return row


def needs_touch(row: ApiToken) -> bool:
    """Whether "last used" is worth a write (at most once a minute per token)."""
    return row.last_used_at is None or utcnow() - row.last_used_at > timedelta(minutes=1)


def touch_token(session: Session, token_id: int) -> None:
    session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=utcnow()))


def tokens_of(session: Session, user_id: int) -> list[ApiToken]:
    """A user's live tokens, newest first."""
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user_id,
                                                       ApiToken.revoked_at.is_(None))
                                .order_by(ApiToken.id.desc())))


def revoke_token(session: Session, user_id: int, token_id: int) -> ApiToken:
    row = session.get(ApiToken, token_id)
    if row is None or row.user_id != user_id or row.revoked_at is not None:
        raise AppError("not_found", "没有找到该令牌，可能已被吊销。", 404)
    row.revoked_at = utcnow()
    session.flush()
    return row


def revoke_named_token(session: Session, user: User, name: str | None) -> int:
    """Revoke a user's live tokens called ``name`` (``None``: all of them); how many."""
    rows = [t for t in tokens_of(session, user.id) if name is None or t.name == name]
    for row in rows:
        row.revoked_at = utcnow()
    session.flush()
    return len(rows)


def sign_out_everywhere(session: Session, user: User) -> None:
    """End every browser session of the user and revoke every API token."""
    now = utcnow()
    session.execute(update(UserSession).where(UserSession.user_id == user.id,
                                              UserSession.ended_at.is_(None)).values(ended_at=now))
    session.execute(update(ApiToken).where(ApiToken.user_id == user.id,
                                           ApiToken.revoked_at.is_(None)).values(revoked_at=now))


def check_new_password(new: str) -> None:
    if len(new or "") < MIN_PASSWORD:
        raise AppError("weak_password", f"新密码至少需要 {MIN_PASSWORD} 个字符。")


def change_password(session: Session, user: User, old: str, new: str) -> None:
    """The user's own change: ends every session and token (the caller signs in anew)."""
    if not check_password(user, old):
        raise AppError("bad_credentials", "原密码不正确。", 400)
    check_new_password(new)
    if new == old:
        raise AppError("same_password", "新密码不能与原密码相同。")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    sign_out_everywhere(session, user)
    session.flush()


def reset_password(session: Session, user: User) -> str:
    """An admin's reset: a one-time password the user must change at the next sign-in."""
    password = generate_password()
    user.password_hash = hash_password(password)
    user.must_change_password = True
    sign_out_everywhere(session, user)
    session.flush()
    return password


def set_password(session: Session, user: User, new: str) -> None:
    """The operator's reset from the command line (the machine's owner, not a web admin): the
    chosen password works at once, and every session and token of the user ends."""
    check_new_password(new)
    user.password_hash = hash_password(new)
    user.must_change_password = False
    sign_out_everywhere(session, user)
    session.flush()


def set_active(session: Session, user: User, active: bool) -> None:
    """Deactivate (ends every session and token) or reactivate a user."""
    user.active = active
    if not active:
        sign_out_everywhere(session, user)
    session.flush()


ADMIN_ACTIONS = {"deactivate": "停用账号", "activate": "启用账号", "reset": "重置密码",
                 "unlock": "解除登录锁定", "everywhere": "退出所有会话并吊销令牌"}


def require_manager(actor: User, target: User) -> None:
    """Admins manage users of their school (not other admins); all-schools admins everyone."""
    if actor.role != Role.ADMIN:
        raise AppError("forbidden", "只有管理员可以管理用户。", 403)
    if actor.school_id is not None and (target.school_id != actor.school_id
                                        or target.role == Role.ADMIN):
        raise AppError("not_found", "没有找到该用户。", 404)


def manage_user(session: Session, actor: User, target: User, action: str) -> str | None:
    """One admin action on a user; returns the one-time password of a reset."""
    require_manager(actor, target)
    if action in ("deactivate", "reset", "everywhere") and target.id == actor.id:
        raise AppError("self_action", "不能对自己的账号执行此操作，请在“账号”页面操作。")
    if action == "deactivate":
        set_active(session, target, False)
    elif action == "activate":
        set_active(session, target, True)
    elif action == "reset":
        return reset_password(session, target)
    elif action == "everywhere":
        sign_out_everywhere(session, target)
    elif action == "unlock":
        from .throttle import unlock_user

        unlock_user(session, target.username)
    else:
        raise AppError("bad_action", "不支持的操作。")
    return None


def user_match(ref: str | int) -> ColumnElement[bool]:
    """The one way a request names a user: an id (int) or a username (str)."""
    return User.id == ref if isinstance(ref, int) else User.username == ref


def get_user(session: Session, user_id: int) -> User:
    """A user by id (an admin managing accounts); 404 when there is none."""
    row = session.get(User, user_id)
    if row is None:
        raise AppError("not_found", "没有找到该用户。", 404)
    return row


def same_user(session: Session, user: User) -> User:
    """``user`` loaded into ``session`` (to change it in a write transaction)."""
    row = session.get(User, user.id)
    if row is None:
        raise Forbidden()
    return row


def require_school_creator(actor: User) -> None:
    """Only an admin who is not tied to one school adds schools."""
    require_admin(actor)
    if not all_schools(actor):
        raise Forbidden("只有不限学校的系统管理员可以添加学校。")


def create_school_as(session: Session, actor: User, name: str) -> School:
    require_school_creator(actor)
    return add_school(session, name)


def create_user_as(session: Session, actor: User, *, username: str, name: str, role: str,
                   password: str, school: str | int | None, staff_no: str = "",
                   subject: str = "", must_change_password: bool = False) -> User:
    """An admin adds a user; a school admin only teachers and inspectors of their own school."""
    require_admin(actor)
    if not all_schools(actor):
        target = find_school(session, school)
        if role not in (Role.TEACHER, Role.INSPECTOR) or target is None \
                or target.id != actor.school_id:
            raise Forbidden("学校管理员只能在本校添加教师和督查员。")
    return add_user(session, username=username, name=name, role=role, password=password,
                    school=school, staff_no=staff_no, subject=subject,
                    must_change_password=must_change_password)


def visible_schools(session: Session, actor: User) -> list[School]:
    """Every school for a user not tied to one, else their own; by id."""
    query = select(School).order_by(School.id)
    if not all_schools(actor):
        query = query.where(School.id == actor.school_id)
    return list(session.scalars(query))


def school_choices(session: Session, actor: User) -> list[School]:
    """Schools offered as a filter on the pages: only to users who see several; by name."""
    if not all_schools(actor):
        return []
    return list(session.scalars(select(School).order_by(School.name)))


def visible_users(session: Session, actor: User, *, by_school: bool = False) -> list[User]:
    """Users an admin or inspector may list: everyone, or their school's."""
    if actor.role == Role.TEACHER:
        raise Forbidden()
    order = (User.school_id, User.role, User.name) if by_school else (User.id,)
    query = select(User).order_by(*order)
    if not all_schools(actor):
        query = query.where(User.school_id == actor.school_id)
    return list(session.scalars(query))


def teacher_subjects(session: Session) -> list[str]:
    """The subjects teachers are registered with (a register filter)."""
    return sorted(s for s in session.scalars(
        select(User.subject).where(User.role == Role.TEACHER).distinct()) if s)
