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


class LineDecision(TypedDict):
    """The rules' decision on one ledger line that is not a portfolio item (``rules.LedgerLine``)."""

    code: str  # vocabulary.Code
    hours: float
    reason: str
    rule: str
    numbers: dict[str, Any]


class ActivityLine(TypedDict):
    """A training session or teaching-research activity in one teacher's ledger."""

    activity_id: int
    kind: str  # vocabulary.ACTIVITY_KINDS
    title: str
    date: str
    term: str  # e.g. "2025-2026-1"
    role: str  # vocabulary.ActivityRole
    attendance: str | None  # vocabulary.Attendance (participants)
    decision: LineDecision


class RecordLine(TypedDict):
    """A record the teacher submitted beside the portfolio (external training, public lesson)."""

    item_id: int
    kind: str  # vocabulary.Source
    title: str
    date: str
    term: str
    decision: LineDecision


class ExamEntry(TypedDict):
    score: float
    decision: LineDecision


class AssessmentDict(TypedDict):
    result: str  # vocabulary.Result: 合格 / 不合格
    reasons: list[str]


class MissingEntry(TypedDict):
    """Something still missing before a line counts (what the teacher can still do)."""

    source: str  # vocabulary.Source
    ref_id: int
    title: str
    code: str  # vocabulary.Code
    reason: str
    would_earn: float


class RegisterTeacher(TypedDict):
    """One teacher's whole 学时台账 in one academic year and the five-year cycle's total."""

    id: int
    username: str
    name: str
    school: str | None
    group: str | None  # 教研组
    staff_no: str
    subject: str
    total_hours: float  # every source
    hours_by_kind: dict[str, float]  # portfolio items only, by kind
    hours_by_source: dict[str, float]  # vocabulary.Source → counted hours
    target_hours: float
    target_met: bool
    cycle_hours: float
    cycle_target_hours: float
    cycle_years: list[str]
    items: list[RegisterItem]
    activities: list[ActivityLine]
    records: list[RecordLine]
    exam: ExamEntry | None
    unexcused_absences: int
    attendance_counts: dict[str, int]  # vocabulary.Attendance → count over the year
    attendance_by_term: dict[str, dict[str, int]]  # term → status → count
    assessment: AssessmentDict
    missing: list[MissingEntry]


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
    decision: DecisionDict | None  # None while the file's text is read (state "processing")
    verification: VerificationDict | None  # None: the rules do not ask for it for this kind
    created_at: str
    state: str  # vocabulary.FileState
    state_name: str
    state_error: str | None
    job_id: int | None  # the job reading the text (OCR, .doc conversion)
    job_progress: dict[str, Any] | None  # {done, total, current} while it runs
    notice: NotRequired[str | None]  # upload answers: why the new item did not take the slot
