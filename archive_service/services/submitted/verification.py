"""The school's verification of evidence (「由培训单位出示证明」): for the kinds the rules file lists
under ``[verification] required``, an admin (and inspectors where the rules allow) grants or
refuses; a refusal carries the reason the teacher sees; every decision goes to the item's
audit trail."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ...errors import AppError, Forbidden
from ...models import AuditEvent, IndexOutbox, Item, User, utcnow
from ...vocabulary import KIND_NAMES, Action, Kind, Role, Verification
from ..scope import can_see_teacher
from ..settings import Settings

# the kinds whose decisions apply the verification (the rules file says which of them need it)
GATED = (Kind.EXTERNAL_TRAINING, Kind.PUBLIC_LESSON, Kind.RESEARCH_PROJECT, Kind.PAPER)


def may_verify(actor: User, settings: Settings) -> bool:
    verification = settings.rules.ledger.verification
    return actor.role == Role.ADMIN or (actor.role == Role.INSPECTOR
                                        and verification.inspectors_may_verify)


def verifiable_kinds(settings: Settings) -> tuple[str, ...]:
    """The kinds whose evidence the school verifies before they count."""
    return tuple(k for k in GATED if settings.rules.ledger.needs_verification(k))


def set_verification(session: Session, settings: Settings, actor: User, item: Item,
                     verified: bool, reason: str | None) -> None:
    """Grant or refuse the evidence of ``item`` (flushes; the caller's unit of work commits)."""
    if not may_verify(actor, settings) or not can_see_teacher(actor, item.owner):
        raise Forbidden("只有本校管理员（或规则允许的督查员）可以核验证明材料。")
    if item.kind not in verifiable_kinds(settings):
        raise AppError("verification_not_needed",
                       f"按学校规则，{KIND_NAMES.get(item.kind, item.kind)}不需要核验证明材料。", 409)
    reason = (reason or "").strip()
    if not verified and not reason:
        raise AppError("reason_required", "核验不通过时必须填写理由，教师会看到这条理由。", 422)
    item.verification = Verification.GRANTED if verified else Verification.REFUSED
    item.verification_reason = None if verified else reason[:1000]
    item.verified_by_id, item.verified_at = actor.id, utcnow()
    session.add(AuditEvent(item_id=item.id, actor_id=actor.id,
                           action=Action.VERIFY if verified else Action.REFUSE_VERIFICATION,
                           reason="" if verified else reason[:1000],
                           details={"verified": verified}))
    session.add(IndexOutbox(item_id=item.id))  # the decision the index keeps changes
    session.flush()


def reset_verification(item: Item) -> None:
    """New evidence (a new file, a new recognition) waits for the school's check again."""
    item.verification = Verification.PENDING
    item.verification_reason = None
    item.verified_by_id = item.verified_at = None
