"""Items as plain dicts (with their register decision) for the API and the pages."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import Item, Job, User
from ..rules import LedgerLine, Rules, TeacherRegister, length_threshold
from ..vocabulary import FILE_STATE_NAMES, LEDGER_KINDS, FileState, Kind
from .counting import describe
from .register import decide, decision_dict, item_decision, selection_state
from .settings import Settings
from .shapes import DecisionDict, ItemDict, OwnerDict, VerificationDict
from .submitted.facts import item_lines


def registers_for(session: Session, settings: Settings, owner_ids: set[int]
                  ) -> dict[int, TeacherRegister]:
    if not owner_ids:
        return {}
    return decide(session, settings, select(User.id).where(User.id.in_(owner_ids)))


def line_decision(line: LedgerLine | None) -> DecisionDict | None:
    """A ledger line's decision in the shape of an item's decision."""
    if line is None:
        return None
    return DecisionDict(year=line.year, code=line.code, hours=line.hours, reason=line.reason,
                        rule=line.rule, numbers=dict(line.numbers), related_item_id=None)


def item_dict(item: Item, register: TeacherRegister | None, rules: Rules,
              line: LedgerLine | None = None) -> ItemDict:
    """``line``: the decision of an item of a ledger kind (集中培训, 公开课)."""
    version = item.current_version
    if version is None:  # insert_item sets it in the transaction that creates the item
        raise LookupError(f"item {item.id} has no current version")
    details = dict(item.details)
    if item.kind == Kind.PAPER:
        details["recognitions"] = [
            {"id": r.id, "type": r.type, "level": r.level, "grade": r.grade,
             "date": r.date.isoformat(), "evidence_id": r.evidence_id}
            for r in item.recognitions
        ]
    return {
        "id": item.id, "kind": item.kind, "subtype": item.subtype, "title": item.title,
        "owner": OwnerDict(id=item.owner.id, name=item.owner.name, username=item.owner.username,
                           school=item.owner.school.name if item.owner.school else None),
        "completion_date": item.completion_date.isoformat(),
        "academic_year": item.academic_year,
        "term": item.term,
        "char_count": version.char_count,
        "min_chars": length_threshold(item.kind, item.details, rules),
        "count_from_ocr": version.from_ocr,
        "count_confirmed": version.count_confirmed,
        **describe(version.count_detail, version.char_count, version.count_confirmed, rules),
        "original_filename": version.original_filename, "sha256": version.sha256,
        "size": version.size, "mime": version.mime, "version": version.number,
        "warnings": list(version.warnings or []),
        "indexed_chars": version.text_cut_at,  # null: all the text is searchable
        "metadata": details,
        "selection": selection_state(item.selected_version_id, item.current_version_id,
                                     item.return_reason),
        "return_reason": item.return_reason,
        "teacher_preferred": item.teacher_preferred,
        "decision": line_decision(line) if item.kind in LEDGER_KINDS else
        decision_dict(item_decision(register, item.id, item.academic_year))
        if version.state == FileState.READY else None,
        "verification": verification_dict(item, rules),
        "created_at": _aware(item.created_at),
        "state": version.state,
        "state_name": FILE_STATE_NAMES.get(version.state, version.state),
        "state_error": version.state_error,
        "job_id": version.job_id,
        "job_progress": None,  # filled by items_dicts while the text is being read
    }


def _aware(when: datetime) -> str:
    return when.replace(tzinfo=UTC).isoformat(timespec="seconds")


def verification_dict(item: Item, rules: Rules) -> VerificationDict | None:
    """Where the school's check of the item's evidence stands (None: not asked for)."""
    if not rules.ledger.needs_verification(item.kind):
        return None
    checker = item.verified_by
    return VerificationDict(status=item.verification, reason=item.verification_reason,
                            verified_by=checker.name if checker else None,
                            verified_at=_aware(item.verified_at) if item.verified_at else None)


def items_dicts(session: Session, settings: Settings, items: list[Item]) -> list[ItemDict]:
    registers = registers_for(session, settings, {i.owner_id for i in items})
    lines = item_lines(session, settings.rules, [i.id for i in items if i.kind in LEDGER_KINDS])
    out = [item_dict(i, registers.get(i.owner_id), settings.rules, lines.get(i.id)) for i in items]
    waiting = {d["job_id"] for d in out if d["job_id"] is not None and d["state"] != FileState.READY}
    progress = {job.id: {"done": job.progress_done, "total": job.progress_total,
                         "current": job.progress_current}
                for job in session.scalars(select(Job).where(Job.id.in_(waiting)))} if waiting else {}
    for data in out:
        data["job_progress"] = progress.get(data["job_id"]) if data["job_id"] in waiting else None
    return out


def one_item_dict(session: Session, settings: Settings, item: Item) -> ItemDict:
    return items_dicts(session, settings, [item])[0]
