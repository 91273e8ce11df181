"""Roster import (花名册导入): every row checked first, then all rows stored or none.

Columns: 姓名, 账号, 工号, 学校, 学科, 教研组, 角色 (教师/督查/管理员) and an optional 初始密码.
A preview (``dry_run``) and a real import run the same checks and list every row's problems
with the sheet's row number (header = 1).  Re-importing updates the accounts whose 账号 already
exist (name, 工号, school, 学科, group, role; never their password) instead of duplicating
them.  New accounts get the sheet's 初始密码 or a generated one; either must be changed at the
first sign-in, and the generated ones are returned once (never stored in clear).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import AppError
from ...models import School, User
from ...vocabulary import ROLE_BY_NAME, Role
from ..accounts import MIN_PASSWORD, generate_password, hash_generated, hash_password
from ..scope import all_schools, require_admin
from ..sheets import MAX_SHEET_ROWS, Sheet, read_sheet
from .groups import groups_by_name, set_membership

REQUIRED = ("姓名", "账号", "角色")
COLUMNS = ("姓名", "账号", "工号", "学校", "学科", "教研组", "角色", "初始密码")
LIMITS = {"姓名": 100, "账号": 80, "工号": 40, "学校": 200, "学科": 40, "教研组": 100,
          "初始密码": 200}
MAX_ROSTER_ROWS = MAX_SHEET_ROWS
Fail = Callable[[str, str], None]  # (column, message): note one problem of the row


@dataclass
class Problem:
    row: int
    column: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Planned:
    """One checked row: who it creates or updates and with what."""

    row: int
    username: str
    name: str
    role: Role
    school_id: int | None
    staff_no: str
    subject: str
    group_id: int | None
    password: str
    existing: User | None


@dataclass
class RosterResult:
    """The API's answer: ``rows``, ``created``, ``updated``, ``errors``, ``passwords``."""

    rows: int = 0
    created: int = 0
    updated: int = 0
    errors: list[Problem] = field(default_factory=list)
    passwords: list[dict[str, str]] = field(default_factory=list)
    dry_run: bool = True

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, object]:
        return {"rows": self.rows, "created": self.created, "updated": self.updated,
                "errors": [e.as_dict() for e in self.errors], "passwords": self.passwords,
                "dry_run": self.dry_run}


@dataclass
class _Context:
    actor: User
    schools: dict[str, School]
    groups: dict[tuple[int, str], int]
    existing: dict[str, User]
    first_row: dict[str, int] = field(default_factory=dict)


def _context(session: Session, actor: User, sheet: Sheet) -> _Context:
    names = {r.get("学校", "") for _, r in sheet.rows} - {""}
    schools = {s.name: s for s in session.scalars(select(School).where(School.name.in_(names)))}
    usernames = {r.get("账号", "") for _, r in sheet.rows} - {""}
    existing = {u.username: u for u in session.scalars(
        select(User).where(User.username.in_(usernames)))}
    return _Context(actor, schools, groups_by_name(session, {s.id for s in schools.values()}),
                    existing)


def _check_row(number: int, cells: dict[str, str], ctx: _Context,
               problems: list[Problem]) -> Planned | None:
    def fail(column: str, message: str) -> None:
        problems.append(Problem(number, column, message))

    before = len(problems)
    for column, limit in LIMITS.items():
        value = cells.get(column, "")
        if len(value) > limit:
            fail(column, f"「{column}」最多 {limit} 个字符")
        if any(ord(c) < 32 for c in value):
            fail(column, f"「{column}」含有控制字符，请删除")
    name, username = cells.get("姓名", ""), cells.get("账号", "")
    if not name:
        fail("姓名", "缺少姓名")
    if not username:
        fail("账号", "缺少账号")
    elif any(c.isspace() for c in username):
        fail("账号", f"账号「{username}」不能包含空格")
    elif username in ctx.first_row:
        fail("账号", f"账号「{username}」与第 {ctx.first_row[username]} 行重复")
    else:
        ctx.first_row[username] = number
    role = _role(cells.get("角色", ""), ctx, fail)
    school = _school(cells.get("学校", ""), role, ctx, fail)
    group_id = _group(cells.get("教研组", ""), school, ctx, fail)
    password = cells.get("初始密码", "")
    if password and len(password) < MIN_PASSWORD:
        fail("初始密码", f"初始密码至少 {MIN_PASSWORD} 个字符（留空则由系统生成）")
    existing = ctx.existing.get(username)
    if existing is not None:
        _check_existing(existing, ctx, fail)
    if len(problems) > before or role is None:
        return None
    return Planned(number, username, name, role, school.id if school else None,
                   cells.get("工号", ""), cells.get("学科", ""), group_id, password, existing)


def _role(text: str, ctx: _Context, fail: Fail) -> Role | None:
    role = ROLE_BY_NAME.get(text)
    if role is None:
        fail("角色", f"角色「{text}」无效，只能是 教师、督查、管理员" if text else "缺少角色（教师、督查或管理员）")
    elif role == Role.ADMIN and not all_schools(ctx.actor):
        fail("角色", "学校管理员只能导入教师和督查")
    return role


def _school(text: str, role: Role | None, ctx: _Context, fail: Fail) -> School | None:
    if not text:
        if role == Role.TEACHER:
            fail("学校", "教师必须填写学校")
        elif role is not None and not all_schools(ctx.actor):
            fail("学校", "请填写本校名称")
        return None
    school = ctx.schools.get(text)
    if school is None:
        fail("学校", f"学校「{text}」不存在：请核对名称，或先添加学校")
    elif not all_schools(ctx.actor) and school.id != ctx.actor.school_id:
        fail("学校", f"只能导入本校人员，「{text}」不是您所在的学校")
        return None
    return school


def _group(text: str, school: School | None, ctx: _Context, fail: Fail) -> int | None:
    if not text or school is None:
        return None
    group_id = ctx.groups.get((school.id, text))
    if group_id is None:
        fail("教研组", f"教研组「{text}」不是{school.name}的教研组：请核对名称，或先添加教研组")
    return group_id


def _check_existing(user: User, ctx: _Context, fail: Fail) -> None:
    actor = ctx.actor
    if user.id == actor.id:
        fail("账号", "不能通过导入修改自己的账号")
    elif not all_schools(actor) and (user.school_id != actor.school_id or user.role == Role.ADMIN):
        fail("账号", f"账号「{user.username}」已被其他学校或管理员使用，请换一个账号")


def require_importer(actor: User) -> None:
    """Only admins import a roster (a school's admin: only their school's teachers and inspectors)."""
    require_admin(actor)


def check_roster(session: Session, actor: User, sheet: Sheet) -> tuple[list[Planned], RosterResult]:
    """Every row checked against the database; nothing is written."""
    require_admin(actor)
    result = RosterResult(rows=len(sheet.rows))
    missing = [c for c in REQUIRED if c not in sheet.headers]
    if "学校" not in sheet.headers and not all_schools(actor):
        missing.append("学校")
    for column in missing:
        result.errors.append(Problem(1, column, f"表头缺少「{column}」列（应有列：{'、'.join(COLUMNS[:7])}）"))
    unknown = [h for h in sheet.headers if h and h not in COLUMNS]
    for column in unknown:
        result.errors.append(Problem(1, column, f"不认识的列「{column}」：请删除，或改为 {'、'.join(COLUMNS)} 之一"))
    if result.errors:
        return [], result
    if not sheet.rows:
        result.errors.append(Problem(2, "", "表格中没有人员：请在表头下方逐行填写"))
        return [], result
    ctx = _context(session, actor, sheet)
    planned = [p for number, cells in sheet.rows
               if (p := _check_row(number, cells, ctx, result.errors)) is not None]
    result.created = sum(1 for p in planned if p.existing is None)
    result.updated = len(planned) - result.created
    return planned, result


def _store(session: Session, plan: Planned) -> str | None:
    """Create or update one account; the generated password of a new one."""
    user = plan.existing
    generated = None
    if user is None:
        generated = None if plan.password else generate_password()
        digest = hash_password(plan.password) if plan.password else hash_generated(generated or "")
        user = User(username=plan.username, password_hash=digest,
                    must_change_password=True, name=plan.name, role=plan.role)
        session.add(user)
    user.name, user.role, user.school_id = plan.name, plan.role, plan.school_id
    user.staff_no, user.subject = plan.staff_no, plan.subject
    session.flush()
    set_membership(session, user.id, plan.group_id)
    session.expire(user, ["membership"])
    return generated


def import_roster(session: Session, actor: User, data: bytes, filename: str,
                  dry_run: bool) -> RosterResult:
    """Check the sheet and, unless ``dry_run`` or a row has a problem, store every row."""
    require_admin(actor)
    try:
        sheet = read_sheet(data, filename, MAX_ROSTER_ROWS)
    except AppError as exc:  # the whole file: row 0
        return RosterResult(errors=[Problem(0, "", exc.message)], dry_run=dry_run)
    planned, result = check_roster(session, actor, sheet)
    result.dry_run = dry_run
    if dry_run or result.errors:
        return result
    for plan in planned:
        password = _store(session, plan)
        if password is not None:
            result.passwords.append({"username": plan.username, "password": password})
    return result
