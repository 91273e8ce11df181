"""Opening a term check: the teachers in scope and a reproducible sample of each one's items."""

from __future__ import annotations

import re
import secrets
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import AppError, NotFound
from ...models import CheckTeacher, Item, School, TermCheck, User
from ...vocabulary import Role
from ..accounts import find_school
from ..scope import all_schools, can_see_school
from ..settings import Settings
from .access import require_checker
from .sample import draw


@dataclass(frozen=True)
class CheckRequest:
    """What the inspector asks for: a school (or all in scope), a year, a term, a sample size."""

    year: str
    term: int
    school: str | int = ""  # a name or an id; "" = the inspector's school, or all in scope
    sample_per_teacher: int | None = None
    seed: str | None = None


def _invalid(message: str) -> AppError:
    return AppError("invalid_check", message, 422)


def _school(session: Session, actor: User, ref: str | int) -> School | None:
    """The school checked; None for all schools (only for staff who see every school)."""
    if ref in ("", None):
        if all_schools(actor):
            return None
        ref = actor.school_id or -1
    school = find_school(session, ref)
    if school is None or not can_see_school(actor, school.id):
        raise NotFound("学校不存在或不在您的检查范围内。")
    return school


def _validate(settings: Settings, req: CheckRequest) -> tuple[int, str]:
    if not re.fullmatch(r"[0-9]{4}-[0-9]{4}", req.year) or \
            int(req.year[5:]) != int(req.year[:4]) + 1:
        raise _invalid("学年格式不正确，应写作 2025-2026。")
    if req.term not in (1, 2):
        raise _invalid("学期只能是 1（第一学期）或 2（第二学期）。")
    limits = settings.rules.checks
    size = req.sample_per_teacher or limits.default_sample
    if not 1 <= size <= limits.max_sample:
        raise _invalid(f"每位教师抽查篇数应在 1 到 {limits.max_sample} 之间"
                       "（规则文件 [checks] max_sample_per_teacher）。")
    seed = (req.seed or "").strip() or secrets.token_hex(8)
    if len(seed) > 64:
        raise _invalid("随机种子最多 64 个字符。")
    return size, seed


def teachers_of(session: Session, school: School | None) -> list[User]:
    """The active teachers checked: the school's, or every school's."""
    query = select(User).where(User.role == Role.TEACHER, User.active.is_(True))
    query = query.where(User.school_id == school.id) if school else \
        query.where(User.school_id.is_not(None))
    return list(session.scalars(query.order_by(User.username)))


def _live_items(session: Session, teacher_ids: list[int], term: str) -> dict[int, dict[str, list[int]]]:
    """Each teacher's live items of the term, by kind."""
    found: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
    if not teacher_ids:
        return found
    rows = session.execute(select(Item.id, Item.owner_id, Item.kind).where(
        Item.deleted_at.is_(None), Item.term == term, Item.owner_id.in_(teacher_ids)))
    for item_id, owner_id, kind in rows:
        found[owner_id][kind].append(item_id)
    return found


def open_check(session: Session, settings: Settings, actor: User, req: CheckRequest) -> TermCheck:
    """Record the check and draw every teacher's sample from the recorded seed."""
    require_checker(actor)
    size, seed = _validate(settings, req)
    school = _school(session, actor, req.school)
    term = f"{req.year}-{req.term}"
    check = TermCheck(school_id=school.id if school else None, academic_year=req.year, term=term,
                      sample_per_teacher=size, seed=seed, inspector_id=actor.id)
    session.add(check)
    session.flush()
    teachers = teachers_of(session, school)
    items = _live_items(session, [t.id for t in teachers], term)
    for teacher in teachers:
        sample = draw(items.get(teacher.id, {}), size, seed, teacher.username)
        session.add(CheckTeacher(check_id=check.id, teacher_id=teacher.id, sample=sample))
    session.flush()
    return check
