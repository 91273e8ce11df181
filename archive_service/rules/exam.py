"""The knowledge exam (第19条(4)D): hours by the teacher's place among the takers.

「前三分之一记3学时，后三分之一记1学时，中间记2学时」, made exact: with ``n`` takers and ``k``
bands (``[exam] band_hours``, default 3 / 2 / 1), a teacher's band is ``above × k // n`` where
``above`` is how many takers scored strictly higher.  Equal scores therefore share the better band,
and nothing needs ``n`` to be divisible by ``k``.  Integer arithmetic: no rounding at the edges.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Sequence
from datetime import date, timedelta

from ..vocabulary import Code, Source
from .candidates import fmt_hours
from .config import Rules
from .facts import ExamScore, LedgerLine
from .years import term_of, year_start

THIRDS = ("前三分之一", "中间三分之一", "后三分之一")


def band_of(above: int, takers: int, bands: int) -> int:
    """The 0-based band (0 = top) of a taker with ``above`` takers scoring strictly higher."""
    if not 0 <= above < takers:
        raise ValueError(f"{above} takers above out of {takers}")
    return above * bands // takers


def _band_name(band: int, bands: int) -> str:
    return THIRDS[band] if bands == 3 else f"第 {band + 1} 档（共 {bands} 档）"


def exam_day(year: str, rules: Rules) -> date:
    """The date exam lines carry: the last day of the academic year."""
    start = date(year_start(year) + 1, rules.year_start_month, rules.year_start_day)
    return start - timedelta(days=1)


def exam_lines(year: str, scores: Sequence[ExamScore], rules: Rules) -> dict[int, LedgerLine]:
    """teacher id → the exam line of one school's exam in one academic year."""
    exam = rules.ledger.exam
    seen: set[int] = set()
    for s in scores:
        if s.teacher_id in seen:
            raise ValueError(f"teacher {s.teacher_id} has two exam scores")
        if not math.isfinite(s.score):
            raise ValueError(f"exam score of teacher {s.teacher_id} is not a number")
        seen.add(s.teacher_id)
    if not exam.enabled:
        return {}
    ordered = sorted(s.score for s in scores)
    takers, bands = len(ordered), len(exam.band_hours)
    when = exam_day(year, rules)
    lines = {}
    for s in scores:
        above = takers - bisect_right(ordered, s.score)
        band = band_of(above, takers, bands)
        hours = exam.band_hours[band]
        reason = (f"专业知识考试 {s.score:g} 分，{takers} 人参考，{above} 人高于本人，"
                  f"居{_band_name(band, bands)}，计 {fmt_hours(hours)} 学时")
        lines[s.teacher_id] = LedgerLine(
            source=Source.EXAM, ref_id=s.teacher_id, title="教师专业知识考试", date=when,
            year=year, term=term_of(when, rules), code=Code.COUNTED, hours=hours, reason=reason,
            rule=exam.rule, numbers={"score": s.score, "takers": takers, "above": above,
                                     "band": band + 1, "bands": bands})
    return lines
