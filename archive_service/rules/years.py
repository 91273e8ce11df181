"""Academic years (学年) and the five-year cycle (五年一轮).

「学年自每年 9 月 1 日起至次年 8 月 31 日止」 by default (``[year]`` in the rules file); an item
belongs to the year of its completion date, a research project to the year it concluded, a paper
to the year of the recognition that counts (see ``papers.py``).
"""

from __future__ import annotations

from datetime import date

from ..vocabulary import Kind
from .config import Rules
from .facts import ItemFacts
from .fields import as_date


def academic_year(d: date, start_month: int = 9, start_day: int = 1) -> str:
    """The label of the academic year containing ``d``, e.g. ``"2025-2026"``."""
    first = d.year if (d.month, d.day) >= (start_month, start_day) else d.year - 1
    return f"{first}-{first + 1}"


def year_of(d: date, rules: Rules) -> str:
    """The academic year of ``d`` under the school's start of year."""
    return academic_year(d, rules.year_start_month, rules.year_start_day)


def year_start(year: str) -> int:
    """The first calendar year of a label: ``"2025-2026"`` → 2025."""
    head, _, tail = year.partition("-")
    if not head.isdigit() or tail != str(int(head) + 1):
        raise ValueError(f"not an academic-year label: {year!r}")
    return int(head)


def cycle_years(year: str, rules: Rules) -> tuple[str, ...]:
    """The academic years of the five-year cycle (五年一轮) that contains ``year``."""
    length = rules.cycle_length_years
    offset = (year_start(year) - rules.first_cycle_start_year) // length * length
    first = rules.first_cycle_start_year + offset
    return tuple(f"{y}-{y + 1}" for y in range(first, first + length))


def home_year(item: ItemFacts, rules: Rules) -> str:
    """The academic year an item belongs to (research projects: the year they concluded)."""
    when = item.completion_date
    if item.kind == Kind.RESEARCH_PROJECT:
        when = as_date(item.metadata.get("conclusion_date")) or when
    return year_of(when, rules)


def year_zh(year: str) -> str:
    """``"2025-2026"`` as people write it in reasons: ``"2025—2026"``."""
    return year.replace("-", "—")


def term_of(d: date, rules: Rules) -> str:
    """The term (学期) of ``d``: ``"2025-2026-1"`` (first) or ``"2025-2026-2"`` (second).

    The first term starts with the academic year (``[year]``), the second on the day
    ``[terms]`` names and runs to the year's end (「培训考勤每学期公布一次，学年度累积计算」).
    """
    year = year_of(d, rules)
    terms = rules.ledger.terms
    start = year_start(year)
    second_year = start if (terms.second_start_month, terms.second_start_day) >= (
        rules.year_start_month, rules.year_start_day) else start + 1
    second = date(second_year, terms.second_start_month, terms.second_start_day)
    return f"{year}-{2 if d >= second else 1}"


def term_zh(term: str) -> str:
    """``"2025-2026-1"`` → ``"2025—2026学年第一学期"``."""
    year, _, number = term.rpartition("-")
    return f"{year_zh(year)}学年第{'一' if number == '1' else '二'}学期"
