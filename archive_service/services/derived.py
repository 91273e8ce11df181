"""Values stored at upload that depend on the rules file: 字数 (CJK punctuation or not) and the
academic year (the year's start date).  When a school changes those rules, the stored values
are recomputed once, at start-up, from the stored text and dates."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import IndexOutbox, Item, ItemVersion, Setting
from ..rules import count_chars
from .settings import Settings

STAMP_KEY = "derived_values_rules"


def rules_stamp(settings: Settings) -> str:
    rules = settings.rules
    return (f"punctuation={rules.count_cjk_punctuation};"
            f"year_start={rules.year_start_month}-{rules.year_start_day}")


def refresh_derived(session: Session, settings: Settings) -> int:
    """Recompute counts and years if the rules they follow changed; returns items touched."""
    stamp = rules_stamp(settings)
    row = session.get(Setting, STAMP_KEY)
    if row is not None and row.value == stamp:
        return 0
    touched = _recount(session, settings) | _reyear(session, settings)
    session.add_all(IndexOutbox(item_id=i) for i in sorted(touched))
    if row is None:
        session.add(Setting(key=STAMP_KEY, value=stamp))
    else:
        row.value = stamp
    session.flush()
    return len(touched)


def _recount(session: Session, settings: Settings) -> set[int]:
    """Counts a reviewer confirmed by hand are kept; every other count follows the rules."""
    punctuation = settings.rules.count_cjk_punctuation
    touched = set()
    rows = session.execute(select(ItemVersion.id, ItemVersion.item_id, ItemVersion.text,
                                  ItemVersion.char_count)
                           .where(ItemVersion.count_confirmed.is_(False))).all()
    for version_id, item_id, text, old in rows:
        new = count_chars(text or "", punctuation)
        if new != old:
            session.get(ItemVersion, version_id).char_count = new  # type: ignore[union-attr]
            touched.add(item_id)
    return touched


def _reyear(session: Session, settings: Settings) -> set[int]:
    touched = set()
    for item in session.scalars(select(Item)):
        year = settings.year_of(item.completion_date)
        if year != item.academic_year:
            item.academic_year = year
            touched.add(item.id)
    return touched
