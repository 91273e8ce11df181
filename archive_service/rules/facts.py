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
    verification: str = "pending"  # the school's check of the evidence (vocabulary.Verification),
    refusal_reason: str | None = None  # read only for kinds the rules list under [verification]


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


# --------------------------------------------------------------------------- the 学时台账
# Hours that do not come from an uploaded item come in as these facts (built by the services).


@dataclass(frozen=True)
class ActivityFacts:
    """A 校本培训活动 (``training``) or 校本教研活动 (``research_activity``)."""

    id: int
    kind: str  # vocabulary.ACTIVITY_KINDS
    title: str
    date: date
    session_hours: float | None = None  # training: the session's length in hours
    lecturer_id: int | None = None  # training: the lecturer when a teacher of the school
    lecturer_name: str = ""  # training: an outside lecturer
    in_school_expert: bool = False  # training: 校内专家主讲 (4:1)
    lecture_notes_item_id: int | None = None  # the lecturer's 讲稿 item naming this activity
    organizer_id: int | None = None  # research_activity: its organiser


@dataclass(frozen=True)
class AttendanceFacts:
    """One expected teacher's 考勤 at one activity."""

    activity_id: int
    teacher_id: int
    status: str  # vocabulary.ATTENDANCE
    notes_handed_in: bool = False  # 心得或会议笔记 (only read when the rules require them)


@dataclass(frozen=True)
class ExamScore:
    """One teacher's score in the school's 教师专业知识考试 of one academic year."""

    teacher_id: int
    score: float


@dataclass(frozen=True)
class ExternalTrainingFacts:
    """集中培训/外出培训/远程网络培训, submitted by the teacher with its certificate."""

    id: int
    title: str
    start_date: date
    end_date: date
    mode: str  # vocabulary.TrainingMode
    days: float | None = None  # days of the activity (else counted from the dates)
    certified_hours: float | None = None  # hours the certificate states
    has_certificate: bool = False
    has_study_notes: bool = False
    verification: str = "pending"  # vocabulary.Verification
    refusal_reason: str | None = None


@dataclass(frozen=True)
class PublicLessonFacts:
    """公开课/示范课 with its documents (vocabulary.LESSON_DOCUMENTS keys)."""

    id: int
    lesson_title: str
    date: date
    documents: frozenset[str] = frozenset()
    verification: str = "pending"
    refusal_reason: str | None = None


@dataclass(frozen=True)
class LedgerLine:
    """The decision on one line of the ledger that is not a portfolio item."""

    source: str  # vocabulary.Source
    ref_id: int  # the activity, record or (exam) teacher id the line is about
    title: str
    date: date
    year: str
    term: str
    code: Code
    hours: float
    reason: str  # Chinese, for the teacher
    rule: str
    role: str | None = None  # activities: vocabulary.ActivityRole
    attendance: str | None = None  # activities: the 考勤 status
    numbers: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Assessment:
    """The year's outcome: 合格, or 不合格 with every reason."""

    result: str  # vocabulary.Result
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class LedgerYear:
    """One teacher's whole 学时台账 for one academic year."""

    year: str
    lines: tuple[LedgerLine, ...]  # sorted by date, source, ref_id, role
    hours_by_source: dict[str, float]  # vocabulary.Source → counted hours (portfolio included)
    total_hours: float
    target_hours: float
    unexcused_absences: int
    attendance_counts: dict[str, int]  # every status → how often, over the year
    attendance_by_term: dict[str, dict[str, int]]  # term → status → count
    assessment: Assessment
