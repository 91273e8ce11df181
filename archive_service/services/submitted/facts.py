"""Items of the ledger kinds as the rules' facts: ``external_training`` (the file is the
certificate; a ``study_notes`` attachment is the 学习心得) and ``public_lesson`` (the file is the
教学设计; ``lecture_script`` and ``lesson_reflection`` attachments are the 说课稿 and 课后反思)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from ...models import Attachment, Item
from ...rules import ExternalTrainingFacts, LedgerLine, PublicLessonFacts, Rules
from ...rules.fields import as_date, positive_number
from ...rules.submitted import external_training_line, public_lesson_line
from ...vocabulary import LEDGER_KINDS, Kind

Facts = ExternalTrainingFacts | PublicLessonFacts
COLUMNS = (Item.id, Item.owner_id, Item.kind, Item.title, Item.completion_date, Item.details,
           Item.verification, Item.verification_reason)


def _purposes(session: Session, item_ids: list[int]) -> dict[int, set[str]]:
    found: dict[int, set[str]] = defaultdict(set)
    if item_ids:
        for item_id, purpose in session.execute(select(Attachment.item_id, Attachment.purpose)
                                                .where(Attachment.item_id.in_(item_ids))):
            found[item_id].add(purpose)
    return found


def _facts(row: Any, purposes: set[str]) -> Facts:
    item_id, _owner, kind, title, completed, details, verification, reason = row
    meta: dict[str, Any] = details or {}
    if kind == Kind.EXTERNAL_TRAINING:
        end = as_date(meta.get("end_date")) or completed
        return ExternalTrainingFacts(
            id=item_id, title=title, start_date=as_date(meta.get("start_date")) or end,
            end_date=end, mode=str(meta.get("mode", "")),
            days=positive_number(meta.get("days")),
            certified_hours=positive_number(meta.get("certified_hours")),
            has_certificate=True,  # the item's file is the certificate (证明)
            has_study_notes="study_notes" in purposes, verification=verification,
            refusal_reason=reason)
    return PublicLessonFacts(
        id=item_id, lesson_title=str(meta.get("lesson_title") or ""), date=completed,
        documents=frozenset({"lesson_design"} | (purposes & {"lecture_script", "lesson_reflection"})),
        verification=verification, refusal_reason=reason)


def _rows(session: Session, where: Any) -> list[Any]:
    return list(session.execute(select(*COLUMNS).where(
        Item.kind.in_(LEDGER_KINDS), Item.deleted_at.is_(None), where).order_by(Item.id)))


def submitted_facts(session: Session, owners: Select[Any], years: Sequence[str] = ()
                    ) -> tuple[dict[int, list[ExternalTrainingFacts]], dict[int, list[PublicLessonFacts]]]:
    """The selected teachers' external trainings and public lessons (owner id → facts) of
    ``years`` (all when empty), as ``rules.decide_school`` takes them."""
    where = Item.owner_id.in_(owners)
    rows = _rows(session, and_(where, Item.academic_year.in_(years)) if years else where)
    purposes = _purposes(session, [r[0] for r in rows])
    external: dict[int, list[ExternalTrainingFacts]] = defaultdict(list)
    lessons: dict[int, list[PublicLessonFacts]] = defaultdict(list)
    for row in rows:
        facts = _facts(row, purposes.get(row[0], set()))
        if isinstance(facts, ExternalTrainingFacts):
            external[row[1]].append(facts)
        else:
            lessons[row[1]].append(facts)
    return dict(external), dict(lessons)


def line_of(facts: Facts, rules: Rules) -> LedgerLine:
    if isinstance(facts, ExternalTrainingFacts):
        return external_training_line(facts, rules)
    return public_lesson_line(facts, rules)


def item_lines(session: Session, rules: Rules, item_ids: Iterable[int]) -> dict[int, LedgerLine]:
    """item id → the ledger line (decision) of each item of a ledger kind among ``item_ids``."""
    ids = sorted(set(item_ids))
    if not ids:
        return {}
    rows = _rows(session, Item.id.in_(ids))
    purposes = _purposes(session, [r[0] for r in rows])
    return {row[0]: line_of(_facts(row, purposes.get(row[0], set())), rules) for row in rows}


def submitted_codes(session: Session, rules: Rules, item_ids: Iterable[int]) -> dict[int, str]:
    """item id → decision code, for the search index."""
    return {i: str(line.code) for i, line in item_lines(session, rules, item_ids).items()}

