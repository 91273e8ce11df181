"""A term check as the API and the pages show it; a teacher sees only their own line."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import Activity, AttendanceRecord, CheckMark, CheckTeacher, Item, TermCheck, User
from ...rules.years import term_zh
from ...vocabulary import ATTENDANCE, KIND_NAMES, Role
from ..settings import Settings
from .access import check_filter


def _aware(when: datetime | None) -> str | None:
    return when.replace(tzinfo=UTC).isoformat(timespec="seconds") if when else None


def summary(check: TermCheck) -> dict[str, Any]:
    """What a list of checks shows about one."""
    return {"id": check.id, "school": check.school.name if check.school else None,
            "school_id": check.school_id, "year": check.academic_year,
            "term": int(check.term[-1]), "term_name": term_zh(check.term), "seed": check.seed,
            "sample_per_teacher": check.sample_per_teacher, "inspector": check.inspector.name,
            "created_at": _aware(check.created_at), "closed": check.closed_at is not None,
            "closed_at": _aware(check.closed_at), "reopen_reason": check.reopen_reason}


def list_checks(session: Session, actor: User) -> list[dict[str, Any]]:
    rows = session.scalars(select(TermCheck).where(check_filter(actor))
                           .order_by(TermCheck.id.desc()))
    return [summary(c) for c in rows]


def _checklist(session: Session, settings: Settings, teacher_ids: list[int],
               term: str) -> dict[int, list[dict[str, Any]]]:
    counts: Counter[tuple[int, str]] = Counter()
    if teacher_ids:
        rows = session.execute(select(Item.owner_id, Item.kind, func.count()).where(
            Item.deleted_at.is_(None), Item.term == term, Item.owner_id.in_(teacher_ids))
            .group_by(Item.owner_id, Item.kind))
        counts.update({(owner, kind): n for owner, kind, n in rows})
    lines = settings.rules.checks.checklist
    return {t: [{"key": q.key, "name": q.name, "kind": q.kind, "unit": q.unit, "required": q.count,
                 "found": counts[(t, q.kind)], "missing": max(0, q.count - counts[(t, q.kind)])}
                for q in lines] for t in teacher_ids}


def _attendance(session: Session, teacher_ids: list[int], term: str) -> dict[int, dict[str, int]]:
    found: dict[int, dict[str, int]] = {t: {str(s): 0 for s in ATTENDANCE} for t in teacher_ids}
    if teacher_ids:
        rows = session.execute(
            select(AttendanceRecord.teacher_id, AttendanceRecord.status, func.count())
            .join(Activity, Activity.id == AttendanceRecord.activity_id)
            .where(Activity.term == term, AttendanceRecord.teacher_id.in_(teacher_ids))
            .group_by(AttendanceRecord.teacher_id, AttendanceRecord.status))
        for teacher_id, status, n in rows:
            found[teacher_id][status] = n
    return found


def _marks(session: Session, check_id: int) -> dict[int, CheckMark]:
    return {m.item_id: m for m in session.scalars(
        select(CheckMark).where(CheckMark.check_id == check_id))}


def _items(session: Session, ids: list[int]) -> dict[int, Item]:
    return {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(ids)))} if ids else {}


def _sampled(item_id: int, items: dict[int, Item], mark: CheckMark | None) -> dict[str, Any]:
    item = items.get(item_id)
    return {"id": item_id, "title": item.title if item else "",
            "kind": item.kind if item else "", "kind_name": KIND_NAMES.get(item.kind, item.kind)
            if item else "", "deleted": item is None or item.deleted_at is not None,
            "mark": None if mark is None else {
                "result": mark.result, "comment": mark.comment, "marked_by": mark.marked_by.name,
                "marked_at": _aware(mark.marked_at)}}


def check_dict(session: Session, settings: Settings, actor: User,
               check: TermCheck) -> dict[str, Any]:
    """The check with one line per teacher (only the actor's own line for a teacher)."""
    query = select(CheckTeacher).join(User, User.id == CheckTeacher.teacher_id).where(
        CheckTeacher.check_id == check.id).order_by(User.username)
    if actor.role == Role.TEACHER:
        query = query.where(CheckTeacher.teacher_id == actor.id)
    rows = list(session.scalars(query))
    ids = [r.teacher_id for r in rows]
    checklist = _checklist(session, settings, ids, check.term)
    attendance = _attendance(session, ids, check.term)
    marks = _marks(session, check.id)
    items = _items(session, [i for r in rows for i in r.sample])
    by_school: defaultdict[str, int] = defaultdict(int)
    teachers = []
    for row in rows:
        school = row.teacher.school.name if row.teacher.school else ""
        by_school[school] += 1
        teachers.append({
            "username": row.teacher.username, "name": row.teacher.name, "school": school,
            "sample": list(row.sample),
            "items": [_sampled(i, items, marks.get(i)) for i in row.sample],
            "checklist": checklist[row.teacher_id], "attendance": attendance[row.teacher_id],
            "result": row.result or None, "comment": row.comment})
    return {**summary(check), "quota_rule": settings.rules.checks.quota_rule,
            "teachers": teachers, "schools": sorted(by_school)}


def sample_ids(session: Session, actor: User, check: TermCheck) -> list[int]:
    """The sampled item ids of the check the actor may see (a teacher: their own)."""
    query = select(CheckTeacher.sample).where(CheckTeacher.check_id == check.id)
    if actor.role == Role.TEACHER:
        query = query.where(CheckTeacher.teacher_id == actor.id)
    return sorted({i for sample in session.scalars(query) for i in sample})
