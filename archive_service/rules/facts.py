"""Inputs and outputs of the eligibility engine: plain frozen dataclasses.

The engine (``engine.py``) reads these and nothing else; the service layer builds them from the
database.  No Flask, SQLAlchemy, minio or Whoosh import is allowed anywhere in ``rules/``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..vocabulary import Code

# Decision codes (the API's ``decision.code``), named as the engine uses them.
COUNTED = Code.COUNTED
AWAITING_SELECTION = Code.AWAITING_SELECTION
OVER_ANNUAL_LIMIT = Code.OVER_ANNUAL_LIMIT
TOO_SHORT = Code.TOO_SHORT
MISSING_METADATA = Code.MISSING_METADATA
DUPLICATE = Code.DUPLICATE
NO_RECOGNITION = Code.NO_RECOGNITION
ALREADY_COUNTED = Code.ALREADY_COUNTED
NEEDS_REVIEW = Code.NEEDS_REVIEW
RETURNED = Code.RETURNED


@dataclass(frozen=True)
class Recognition:
    """An award (获奖) or publication (发表) of a paper."""

    id: int
    type: str  # "award" | "publication"
    level: str  # "school" | "county" | "city" | "provincial" | "national"
    date: date
    grade: int | None = None  # awards: 1, 2, 3 (一/二/三等奖)


@dataclass(frozen=True)
class ItemFacts:
    """Everything the engine may know about one portfolio item of one teacher."""

    id: int
    kind: str
    title: str
    completion_date: date
    char_count: int
    count_from_ocr: bool = False  # the count came from OCR ...
    count_confirmed: bool = False  # ... and a reviewer has (not) confirmed it
    selected: bool = False  # selected for the year's bound collection (学校筛选)
    returned_reason: str | None = None  # sent back by the school (退回), with the reason
    teacher_preferred: bool = False  # the teacher asked for this one to take the yearly slot
    metadata: dict[str, Any] = field(default_factory=dict)
    recognitions: tuple[Recognition, ...] = ()
    fingerprint: tuple[int, ...] = ()  # MinHash of the text (rules.fingerprint): near-duplicates
    duplicate_of: int | None = None  # set by the caller for duplicates found outside this teacher


@dataclass(frozen=True)
class Decision:
    """The engine's verdict on one item for one academic year."""

    item_id: int
    year: str  # academic-year label, e.g. "2025-2026"
    code: Code
    hours: float
    reason: str  # Chinese, for the teacher
    rule: str  # which rule produced it, e.g. "19(4)A 反思研究成果"
    numbers: dict[str, Any] = field(default_factory=dict)  # the figures the rule used
    related_item_id: int | None = None


@dataclass(frozen=True)
class YearResult:
    year: str
    decisions: tuple[Decision, ...]  # sorted by item id
    total_hours: float
    target_hours: float
    target_met: bool
    hours_by_kind: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class TeacherRegister:
    """All academic years in which the teacher has at least one item or decision."""

    years: dict[str, YearResult]
    cycle_target_hours: float

    def cycle_hours(self, year: str, cycle_years: tuple[str, ...]) -> float:
        return round(sum(self.years[y].total_hours for y in cycle_years if y in self.years), 2)
