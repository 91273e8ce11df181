"""The teacher's 档案袋 for the current term: the checklist of the rules file ([quotas]) against
the live items of the term, and the hand-in day (「每学期期末上交」)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import Item, User
from ...rules.years import year_start
from ...vocabulary import TERM_NAMES
from ..settings import Settings
from .locks import bag_lock


def hand_in_day(settings: Settings, term: str) -> date:
    """The day the term's bag is handed in: its month and day in the academic year of ``term``."""
    year, _, number = term.rpartition("-")
    month, day = settings.rules.checks.hand_in[int(number) - 1]
    first = year_start(year)
    rules = settings.rules
    calendar = first if (month, day) >= (rules.year_start_month, rules.year_start_day) else first + 1
    return date(calendar, month, day)


def term_bag(session: Session, settings: Settings, teacher: User,
             today: date | None = None) -> dict[str, Any]:
    """The current term's checklist for ``teacher``: each line's required and found counts,
    what is missing and the hand-in day."""
    term = settings.term_of(today or settings.today())
    counts = dict(session.execute(
        select(Item.kind, func.count()).where(Item.owner_id == teacher.id, Item.term == term,
                                              Item.deleted_at.is_(None)).group_by(Item.kind)).all())
    lines = [{"name": q.name, "kind": q.kind, "unit": q.unit, "required": q.count, "found": counts.get(q.kind, 0),
              "missing": max(0, q.count - counts.get(q.kind, 0))}
             for q in settings.rules.checks.checklist]
    return {"lock": bag_lock(session, teacher.id, term), "term": term,
            "term_name": TERM_NAMES[int(term[-1])], "hand_in": hand_in_day(settings, term),
            "lines": lines, "missing": "、".join(f"{x['name']} {x['missing']} {x['unit']}" for x in lines
                                                if x["missing"])}
