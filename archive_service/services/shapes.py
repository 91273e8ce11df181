"""The JSON shapes the services hand to the API and the pages (typed, so mypy checks readers).

Codes in these shapes are the vocabulary's (``archive_service.vocabulary``); they are typed as
``str`` because they come back from the database and the JSON as plain strings.
"""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class DecisionDict(TypedDict):
    """One decision of the eligibility engine (``rules.Decision``)."""

    year: str
    code: str  # vocabulary.Code
    hours: float
    reason: str
    rule: str
    numbers: dict[str, Any]
    related_item_id: int | None


class RegisterItem(TypedDict):
    """One decided item in a teacher's register for one academic year."""

    id: int
    kind: str  # vocabulary.Kind
    title: str
    academic_year: str
    char_count: int
    selection: str  # vocabulary.Selection
    teacher_preferred: bool
    decision: DecisionDict | None


class RegisterTeacher(TypedDict):
    """One teacher's hours in one academic year and in its five-year cycle."""

    id: int
    username: str
    name: str
    school: str | None
    staff_no: str
    subject: str
    total_hours: float
    hours_by_kind: dict[str, float]
    target_hours: float
    target_met: bool
    cycle_hours: float
    cycle_target_hours: float
    cycle_years: list[str]
    items: list[RegisterItem]


class Register(TypedDict):
    """The register (学时登记) of one academic year."""

    year: str
    target_hours: float
    cycle_target_hours: float
    teachers: list[RegisterTeacher]


class CountPart(TypedDict):
    part: str  # rules.charcount.Part
    name: str
    count: int


class CountInfo(TypedDict):
    """What the item page and the API show about a version's 字数 beyond the number."""

    count_parts: list[CountPart] | None
    count_explanation: str | None
    recorded_count: dict[str, Any] | None  # the file's own count beside ours (counting.py)
    count_review: bool


class OwnerDict(TypedDict):
    id: int
    name: str
    username: str
    school: str | None


class VerificationDict(TypedDict):
    """The school's check of an item's evidence (kinds the rules file lists)."""

    status: str  # vocabulary.Verification
    reason: str | None  # why it was refused (the teacher sees it)
    verified_by: str | None  # the admin's name
    verified_at: str | None


class ItemDict(CountInfo):
    """One item with its current version and its decision, as the API returns it."""

    id: int
    kind: str  # vocabulary.Kind
    subtype: str
    title: str
    owner: OwnerDict
    completion_date: str
    academic_year: str
    term: str  # 学期, e.g. "2025-2026-1"
    char_count: int
    min_chars: int | None
    count_from_ocr: bool
    count_confirmed: bool
    original_filename: str
    sha256: str
    size: int
    mime: str
    version: int
    warnings: list[str]
    indexed_chars: int | None  # the text kept for search was cut to this many characters
    metadata: dict[str, Any]
    selection: str  # vocabulary.Selection
    return_reason: str | None
    teacher_preferred: bool
    decision: DecisionDict | None
    verification: VerificationDict | None  # None: the rules do not ask for it for this kind
    created_at: str
    notice: NotRequired[str | None]  # upload answers: why the new item did not take the slot
