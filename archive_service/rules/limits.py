"""Check 7: the per-year limit groups (「每学年每人限1篇」) and the school's selection.

Within one limit group and academic year the candidates are ranked: selected first, then higher
hours, then (among unselected items only) the teacher's preference, then the earlier date, then
the lower id.  The first ``per_year`` win: ``counted``, or ``eligible_awaiting_selection`` when
the kind needs the school's selection and has none yet; the rest are ``over_annual_limit``.
"""

from __future__ import annotations

from datetime import date

from ..vocabulary import Code
from .candidates import Candidate, decision
from .config import LimitGroup, Rules
from .facts import Decision, ItemFacts


def _counts_as_selected(item: ItemFacts, rules: Rules) -> bool:
    return item.selected or not rules.needs_selection(item.kind)


def _rank_key(c: Candidate, rules: Rules) -> tuple[int, float, int, date, int]:
    """Selected first, then higher hours, earlier date, lower id (credit-rules.md).

    The teacher's preference only orders items that are both unselected and equal in hours:
    among selected items the regulation's tie rule alone decides, and it never costs hours.
    """
    selected = _counts_as_selected(c.item, rules)
    preferred = 0 if selected or c.item.teacher_preferred else 1
    return (0 if selected else 1, -c.hours, preferred, c.when, c.item.id)


def _winner_decision(c: Candidate, rules: Rules) -> Decision:
    if _counts_as_selected(c.item, rules):
        return decision(c.item, c.year, Code.COUNTED, c.counted_reason, c.rule, c.numbers, c.hours)
    numbers = dict(c.numbers, selected=False)
    return decision(c.item, c.year, Code.AWAITING_SELECTION, c.awaiting_reason,
                    rules.selection_rule, numbers)


def _loser_decision(c: Candidate, group: LimitGroup, winners: list[Decision],
                    titles: dict[int, str]) -> Decision:
    names = "".join(f"《{titles[w.item_id]}》" for w in winners)
    verb = "计入" if all(w.code == Code.COUNTED for w in winners) else "优先占用"
    reason = f"本学年已有{names}{verb}该类成果（每学年限 {group.per_year} 篇）"
    numbers = {"limit": group.per_year, "group": group.key, "hours": c.hours,
               "winner_ids": [w.item_id for w in winners]}
    return decision(c.item, c.year, Code.OVER_ANNUAL_LIMIT, reason, group.rule, numbers,
                    related=winners[-1].item_id)


def compete(candidates: list[Candidate], rules: Rules,
            titles: dict[int, str]) -> dict[int, Decision]:
    """item id → its decision in the candidate's year, after the per-year limits."""
    slots: dict[tuple[str, str], list[Candidate]] = {}
    decided: dict[int, Decision] = {}
    for c in candidates:
        group = rules.group_of(c.item.kind)
        if group is None:
            decided[c.item.id] = _winner_decision(c, rules)
        else:
            slots.setdefault((c.year, group.key), []).append(c)
    groups = {g.key: g for g in rules.limit_groups}
    for (_, key), entrants in sorted(slots.items()):
        group = groups[key]
        ranked = sorted(entrants, key=lambda c: _rank_key(c, rules))
        winners = [_winner_decision(c, rules) for c in ranked[: group.per_year]]
        for won in winners:
            decided[won.item_id] = won
        for c in ranked[group.per_year:]:
            decided[c.item.id] = _loser_decision(c, group, winners, titles)
    return decided
