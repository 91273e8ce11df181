"""Evidence verification: a record whose source the rules list under ``[verification] required``
counts only once an admin has verified its evidence.

Until then it is ``pending_verification`` and shows the hours it would earn; a refusal turns it
into ``returned`` with the admin's reason, which the teacher sees.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TypeVar

from ..vocabulary import Code, Verification
from .candidates import fmt_hours
from .config import Rules
from .facts import Decision, LedgerLine


def verified(line: LedgerLine, status: str, refusal_reason: str | None,
             rules: Rules) -> LedgerLine:
    """``line`` (a counted line) as the verification of its evidence leaves it."""
    return gate(line, line.source, status, refusal_reason, rules)


Verdict = TypeVar("Verdict", LedgerLine, Decision)


def gate(line: Verdict, source: str, status: str, refusal_reason: str | None,
         rules: Rules) -> Verdict:
    """A counted ledger line or item decision of ``source`` (a source or a kind) as the
    verification of its evidence leaves it: pending shows the hours it would earn, a refusal
    gives the admin's reason."""
    if line.code != Code.COUNTED or not rules.ledger.needs_verification(source):
        return line
    if status not in tuple(Verification):
        raise ValueError(f"unknown verification status {status!r}")
    rule = rules.ledger.verification.rule
    numbers = dict(line.numbers, would_earn=line.hours, verification=status)
    if status == Verification.GRANTED:
        return replace(line, reason=f"{line.reason}（证明材料已核验）", numbers=numbers)
    if status == Verification.REFUSED:
        why = (refusal_reason or "").strip() or "未说明原因"
        return replace(line, code=Code.RETURNED, hours=0.0, rule=rule, numbers=numbers,
                       reason=f"证明材料未通过学校核验：{why}")
    return replace(line, code=Code.PENDING_VERIFICATION, hours=0.0, rule=rule, numbers=numbers,
                   reason=f"待学校核验证明材料，核验通过后计 {fmt_hours(line.hours)} 学时")
