"""The hours register: facts from the database, decisions from the pure rules engine."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict
from datetime import date
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from ..models import Item, ItemVersion, Recognition, User
from ..rules import (
    Decision,
    ItemFacts,
    TeacherRegister,
    cycle_years,
    decide_teacher,
)
from ..rules import Recognition as RecognitionFact
from .settings import Settings

Current = aliased(ItemVersion)
Selected = aliased(ItemVersion)


def _fact_rows(session: Session, owners: Select[Any]) -> list[Any]:
    query = (
        select(Item.id, Item.owner_id, Item.kind, Item.title, Item.completion_date, Item.details,
               Item.selected_version_id, Item.return_reason, Item.teacher_preferred,
               Current.char_count, Current.from_ocr, Current.count_confirmed,
               Current.fingerprint, Current.sha256,
               Selected.char_count, Selected.from_ocr, Selected.count_confirmed,
               Selected.fingerprint)
        .join(Current, Current.id == Item.current_version_id)
        .outerjoin(Selected, Selected.id == Item.selected_version_id)
        .where(Item.deleted_at.is_(None), Item.owner_id.in_(owners))
    )
    return session.execute(query).all()


def _recognitions(session: Session, owners: Select[Any]) -> dict[int, list[RecognitionFact]]:
    rows = session.execute(
        select(Recognition.item_id, Recognition.id, Recognition.type, Recognition.level,
               Recognition.date, Recognition.grade)
        .join(Item, Item.id == Recognition.item_id)
        .where(Item.deleted_at.is_(None), Item.owner_id.in_(owners))
    )
    result: dict[int, list[RecognitionFact]] = defaultdict(list)
    for item_id, rec_id, kind, level, when, grade in rows:
        result[item_id].append(RecognitionFact(id=rec_id, type=kind, level=level, date=when,
                                               grade=grade))
    return result


def _exact_copies(session: Session) -> dict[str, int]:
    """sha256 -> the earliest live item holding that file, where several teachers hold it."""
    rows = session.execute(
        select(ItemVersion.sha256, func.min(Item.id))
        .join(Item, Item.current_version_id == ItemVersion.id)
        .where(Item.deleted_at.is_(None))
        .group_by(ItemVersion.sha256)
        .having(func.count(func.distinct(Item.owner_id)) > 1)
    )
    return dict(rows.all())


def load_facts(session: Session, owners: Select[Any]) -> dict[int, list[ItemFacts]]:
    """Every live item of the selected owners as engine facts, grouped by owner id."""
    recognitions = _recognitions(session, owners)
    copies = _exact_copies(session)
    facts: dict[int, list[ItemFacts]] = defaultdict(list)
    for row in _fact_rows(session, owners):
        (item_id, owner_id, kind, title, completed, details, selected_id, returned,
         preferred, cur_count, cur_ocr, cur_ok, cur_fp, sha, sel_count, sel_ocr, sel_ok,
         sel_fp) = row
        frozen = selected_id is not None
        original = copies.get(sha)
        facts[owner_id].append(ItemFacts(
            id=item_id, kind=kind, title=title, completion_date=completed,
            char_count=sel_count if frozen else cur_count,
            count_from_ocr=sel_ocr if frozen else cur_ocr,
            count_confirmed=sel_ok if frozen else cur_ok,
            selected=frozen, returned_reason=returned, teacher_preferred=preferred,
            metadata=details or {}, recognitions=tuple(recognitions.get(item_id, ())),
            fingerprint=tuple((sel_fp if frozen else cur_fp) or ()),
            duplicate_of=original if original is not None and original != item_id else None,
        ))
    return facts


def decide(session: Session, settings: Settings, owners: Select[Any]) -> dict[int, TeacherRegister]:
    return {owner: decide_teacher(items, settings.rules)
            for owner, items in load_facts(session, owners).items()}


def decision_dict(decision: Decision | None) -> dict[str, Any] | None:
    if decision is None:
        return None
    data = asdict(decision)
    data.pop("item_id")
    return data


def item_decision(register: TeacherRegister | None, item_id: int, own_year: str) -> Decision | None:
    """The decision shown with an item: the year it counts in, else its own year."""
    if register is None:
        return None
    found = [d for y in register.years.values() for d in y.decisions if d.item_id == item_id]
    counted = [d for d in found if d.code == "counted"]
    own = [d for d in found if d.year == own_year]
    return (counted or own or found or [None])[0]


def teachers_query(school_id: int | None, teacher: str | None, subject: str | None,
                   scope_school_id: int | None, all_schools: bool) -> Select[Any]:
    query = select(User).where(User.role == "teacher")
    if not all_schools:
        query = query.where(User.school_id == scope_school_id)
    if school_id is not None:
        query = query.where(User.school_id == school_id)
    if teacher:
        cond = User.username == teacher
        if teacher.isdigit():
            cond = cond | (User.id == int(teacher))
        query = query.where(cond)
    if subject:
        query = query.where(User.subject == subject)
    return query


def build_register(session: Session, settings: Settings, year: str, teachers: Select[Any]
                   ) -> dict[str, Any]:
    """The register for one academic year, in the API's shape."""
    owner_ids = teachers.with_only_columns(User.id)
    registers = decide(session, settings, owner_ids)
    titles = dict(session.execute(
        select(Item.id, Item.title).where(Item.owner_id.in_(owner_ids))).all())
    rows = session.execute(
        select(Item.id, Item.kind, Item.academic_year, Item.selected_version_id,
               Item.current_version_id, Item.return_reason, Item.teacher_preferred,
               Current.char_count, Current.from_ocr)
        .join(Current, Current.id == Item.current_version_id)
        .where(Item.owner_id.in_(owner_ids), Item.deleted_at.is_(None))
    ).all()
    item_info = {r[0]: r for r in rows}
    rules = settings.rules
    cycle = cycle_years(year, rules)
    out = []
    for user in session.scalars(teachers.order_by(User.school_id, User.name, User.id)):
        register = registers.get(user.id)
        year_result = register.years.get(year) if register else None
        items = [_register_item(d, titles, item_info) for d in
                 (year_result.decisions if year_result else ())]
        total = year_result.total_hours if year_result else 0.0
        out.append({
            "id": user.id, "username": user.username, "name": user.name,
            "school": user.school.name if user.school else None,
            "staff_no": user.staff_no, "subject": user.subject,
            "total_hours": total,
            "hours_by_kind": dict(year_result.hours_by_kind) if year_result else {},
            "target_hours": rules.annual_target_hours,
            "target_met": total >= rules.annual_target_hours,
            "cycle_hours": register.cycle_hours(year, cycle) if register else 0.0,
            "cycle_target_hours": rules.cycle_target_hours,
            "cycle_years": list(cycle),
            "items": items,
        })
    return {"year": year, "target_hours": rules.annual_target_hours,
            "cycle_target_hours": rules.cycle_target_hours, "teachers": out}


def _register_item(decision: Decision, titles: dict[int, str], info: dict[int, Any]
                   ) -> dict[str, Any]:
    row = info.get(decision.item_id)
    kind = row[1] if row else None
    return {
        "id": decision.item_id, "kind": kind, "title": titles.get(decision.item_id, ""),
        "academic_year": row[2] if row else None,
        "char_count": row[7] if row else None,
        "selection": selection_state(row[3], row[4], row[5]) if row else None,
        "teacher_preferred": bool(row[6]) if row else False,
        "decision": decision_dict(decision),
    }


def selection_state(selected_id: int | None, current_id: int | None, returned: str | None) -> str:
    if returned:
        return "returned"
    if selected_id is None:
        return "pending"
    return "selected" if selected_id == current_id else "new_version_pending"


def current_year(settings: Settings) -> str:
    return settings.year_of(date.today())
