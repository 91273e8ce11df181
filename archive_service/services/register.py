"""The hours register: facts from the database, decisions from the pure rules engine.

One query reads every live item of the selected teachers with its current version and, when a
newer file was uploaded after selection, the frozen selected version; Core columns and a
paused cyclic GC keep the 5,000-teacher register near the cost of reading the rows
(``bench/register.py``).
"""

from __future__ import annotations

import gc
import threading
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import Row, Select, select
from sqlalchemy.orm import Session

from ..models import GroupMember, Item, ItemVersion, Recognition, TeachingGroup, User
from ..rules import Decision, ItemFacts, TeacherRegister, decide_teacher
from ..rules import Recognition as RecognitionFact
from ..vocabulary import PORTFOLIO_KINDS, Code, Role, Selection
from .accounts import user_match
from .copies import live_items
from .settings import Settings
from .shapes import DecisionDict, RegisterItem

ITEMS = Item.__table__.c
CURRENT = ItemVersion.__table__.alias("cur")
SELECTED = ItemVersion.__table__.alias("sel")


class _GcPause:
    """Pause the cyclic GC while tens of thousands of small objects are built (it otherwise
    scans them again and again); re-entrant and thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = 0
        self._was_enabled = False

    def __enter__(self) -> None:
        with self._lock:
            if self._depth == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._depth += 1

    def __exit__(self, *_exc: object) -> None:
        with self._lock:
            self._depth -= 1
            if self._depth == 0 and self._was_enabled:
                gc.enable()


gc_paused = _GcPause()


@dataclass(frozen=True)
class ItemRow:
    """What the register table shows of an item besides its decision."""

    kind: str
    title: str
    academic_year: str
    selected_version_id: int | None
    current_version_id: int
    return_reason: str | None
    teacher_preferred: bool
    char_count: int


class FactRow(NamedTuple):
    """One live item with its current version and, when a newer file was uploaded after
    selection, the frozen selected version (``sel_*`` are None otherwise)."""

    item_id: int
    owner_id: int
    kind: str
    title: str
    completion_date: date
    details: dict[str, Any] | None
    selected_version_id: int | None
    return_reason: str | None
    teacher_preferred: bool
    current_version_id: int
    academic_year: str
    cur_count: int
    cur_ocr: bool
    cur_confirmed: bool
    cur_fingerprint: list[int] | None
    cur_copy_of: int | None
    sel_count: int | None
    sel_ocr: bool | None
    sel_confirmed: bool | None
    sel_fingerprint: list[int] | None
    sel_copy_of: int | None
    verification: str
    verification_reason: str | None


def _fact_rows(session: Session, owners: Select[Any]) -> Sequence[Row[Any]]:
    """The rows as fetched, columns labelled and ordered as ``FactRow``'s fields."""
    cur, sel = CURRENT.c, SELECTED.c
    frozen_differs = (sel.id == ITEMS.selected_version_id) & \
        (ITEMS.selected_version_id != ITEMS.current_version_id)
    columns = (ITEMS.id, ITEMS.owner_id, ITEMS.kind, ITEMS.title, ITEMS.completion_date,
               ITEMS.details, ITEMS.selected_version_id, ITEMS.return_reason,
               ITEMS.teacher_preferred, ITEMS.current_version_id, ITEMS.academic_year,
               cur.char_count, cur.from_ocr, cur.count_confirmed, cur.fingerprint,
               cur.copy_of_item_id,
               sel.char_count, sel.from_ocr, sel.count_confirmed, sel.fingerprint,
               sel.copy_of_item_id, ITEMS.verification, ITEMS.verification_reason)
    query = (
        select(*(c.label(name) for c, name in zip(columns, FactRow._fields, strict=True)))
        .select_from(Item.__table__)
        .join(CURRENT, cur.id == ITEMS.current_version_id)
        .outerjoin(SELECTED, frozen_differs)
        .where(ITEMS.deleted_at.is_(None), ITEMS.owner_id.in_(owners),
               ITEMS.kind.in_(PORTFOLIO_KINDS))  # the ledger kinds are decided in services/ledger
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


def _item_facts(row: FactRow, recognitions: Iterable[RecognitionFact],
                live: Collection[int]) -> ItemFacts:
    """The engine's facts: counts and duplicate link from the frozen selected version when
    there is one (the school selected that file), else from the current version."""
    if row.sel_count is not None:
        count, ocr, confirmed = row.sel_count, bool(row.sel_ocr), bool(row.sel_confirmed)
        fingerprint, original = row.sel_fingerprint, row.sel_copy_of
    else:
        count, ocr, confirmed = row.cur_count, row.cur_ocr, row.cur_confirmed
        fingerprint, original = row.cur_fingerprint, row.cur_copy_of
    return ItemFacts(
        id=row.item_id, kind=row.kind, title=row.title, completion_date=row.completion_date,
        char_count=count, count_from_ocr=ocr, count_confirmed=confirmed,
        selected=row.selected_version_id is not None, returned_reason=row.return_reason,
        teacher_preferred=row.teacher_preferred, metadata=row.details or {},
        recognitions=tuple(recognitions), fingerprint=tuple(fingerprint or ()),
        duplicate_of=original if original in live else None,
        verification=row.verification, refusal_reason=row.verification_reason,
    )


def load_facts(session: Session, owners: Select[Any]
               ) -> tuple[dict[int, list[ItemFacts]], dict[int, ItemRow]]:
    """Every live item of the selected owners as engine facts (grouped by owner id), and the
    row each item shows in the register."""
    recognitions = _recognitions(session, owners)
    fact_rows = [FactRow._make(row) for row in _fact_rows(session, owners)]
    live = live_items(session, {r.cur_copy_of for r in fact_rows if r.cur_copy_of} |
                      {r.sel_copy_of for r in fact_rows if r.sel_copy_of})
    facts: dict[int, list[ItemFacts]] = defaultdict(list)
    rows: dict[int, ItemRow] = {}
    for row in fact_rows:
        facts[row.owner_id].append(_item_facts(row, recognitions.get(row.item_id, ()), live))
        rows[row.item_id] = ItemRow(row.kind, row.title, row.academic_year,
                                    row.selected_version_id, row.current_version_id,
                                    row.return_reason, row.teacher_preferred, row.cur_count)
    return facts, rows


def decide(session: Session, settings: Settings, owners: Select[Any]) -> dict[int, TeacherRegister]:
    with gc_paused:
        facts, _ = load_facts(session, owners)
        return {owner: decide_teacher(items, settings.rules) for owner, items in facts.items()}


def decision_dict(decision: Decision | None) -> DecisionDict | None:
    """A decision as JSON-ready data (built by hand: ``asdict`` deep-copies, slowly)."""
    if decision is None:
        return None
    return DecisionDict(year=decision.year, code=decision.code, hours=decision.hours,
                        reason=decision.reason, rule=decision.rule, numbers=dict(decision.numbers),
                        related_item_id=decision.related_item_id)


def item_decision(register: TeacherRegister | None, item_id: int, own_year: str) -> Decision | None:
    """The decision shown with an item: the year it counts (or will, once verified) in, else
    its own year."""
    if register is None:
        return None
    found = [d for y in register.years.values() for d in y.decisions if d.item_id == item_id]
    counted = [d for d in found if d.code in (Code.COUNTED, Code.PENDING_VERIFICATION)]
    own = [d for d in found if d.year == own_year]
    return next(iter(counted or own or found), None)


def teachers_query(school_id: int | None, teacher: str | int | None, subject: str | None,
                   scope_school_id: int | None, all_schools: bool,
                   group: str | None = None) -> Select[Any]:
    query = select(User).where(User.role == Role.TEACHER)
    if not all_schools:
        query = query.where(User.school_id == scope_school_id)
    if school_id is not None:
        query = query.where(User.school_id == school_id)
    if teacher:
        query = query.where(user_match(teacher))
    if subject:
        query = query.where(User.subject == subject)
    if group:  # a 教研组 by name (within the schools already selected)
        query = query.where(User.id.in_(
            select(GroupMember.user_id).join(TeachingGroup, TeachingGroup.id == GroupMember.group_id)
            .where(TeachingGroup.name == group, TeachingGroup.school_id == User.school_id)))
    return query


def register_item(decision: Decision, row: ItemRow) -> RegisterItem:
    return RegisterItem(
        id=decision.item_id, kind=row.kind, title=row.title, academic_year=row.academic_year,
        char_count=row.char_count,
        selection=selection_state(row.selected_version_id, row.current_version_id,
                                  row.return_reason),
        teacher_preferred=bool(row.teacher_preferred),
        decision=decision_dict(decision),
    )


def selection_state(selected_id: int | None, current_id: int | None, returned: str | None
                    ) -> Selection:
    if returned:
        return Selection.RETURNED
    if selected_id is None:
        return Selection.PENDING
    return Selection.SELECTED if selected_id == current_id else Selection.NEW_VERSION_PENDING


def current_year(settings: Settings) -> str:
    return settings.year_of(settings.today())
