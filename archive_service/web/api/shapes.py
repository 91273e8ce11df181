"""The API's declared outputs (pydantic v2 models used only to describe responses) and the
``@operation`` declaration each API view carries; openapi.py builds the document from both."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from pydantic import BaseModel, Field

from ... import vocabulary
from .contract import YEAR_PATTERN, Decision, Kind, Role

Selection = Literal["pending", "selected", "new_version_pending", "returned"]
if TYPE_CHECKING:
    FileState = str
    JobKindCode = str
    JobStateCode = str
else:
    FileState = Literal[tuple(s.value for s in vocabulary.FileState)]
    JobKindCode = Literal[tuple(k.value for k in vocabulary.JobKind)]
    JobStateCode = Literal[tuple(s.value for s in vocabulary.JobState)]
AwareTime = str  # ISO 8601 with a UTC offset, e.g. 2026-12-02T03:00:00+00:00


class Error(BaseModel):
    class Detail(BaseModel):
        code: str
        message: str = Field(description="中文说明：哪里不对、该怎么做")
        fields: list[dict[str, str]] | None = None

    error: Detail


class DecisionOut(BaseModel):
    year: str = Field(pattern=YEAR_PATTERN)
    code: Decision
    hours: float
    reason: str
    rule: str
    numbers: dict[str, Any]
    related_item_id: int | None


class Owner(BaseModel):
    id: int
    name: str
    username: str
    school: str | None


class VerificationOut(BaseModel):
    """学校对证明材料的核验（规则文件 [verification] required 所列类型）。"""

    status: str = Field(json_schema_extra={"enum": [v.value for v in vocabulary.Verification]})
    reason: str | None = Field(description="未通过核验的理由（教师可见）")
    verified_by: str | None
    verified_at: AwareTime | None = Field(json_schema_extra={"format": "date-time"})


class JobProgress(BaseModel):
    done: int
    total: int
    current: str


class ItemOut(BaseModel):
    id: int
    kind: Kind
    subtype: str
    title: str
    owner: Owner
    completion_date: str = Field(json_schema_extra={"format": "date"})
    academic_year: str = Field(pattern=YEAR_PATTERN)
    term: str = Field(pattern=r"^[0-9]{4}-[0-9]{4}-[12]$", description="学期：学年-1 第一学期，学年-2 第二学期")
    char_count: int
    min_chars: int | None
    count_from_ocr: bool
    count_confirmed: bool
    count_parts: list[dict[str, Any]] | None = Field(
        description="各部分字数 [{part, name, count}]：body 正文、textbox 文本框、note 脚注和尾注（计入）；"
                    "header 页眉页脚、comment 批注、hidden 隐藏文字（不计入）")
    count_explanation: str | None
    recorded_count: dict[str, Any] | None = Field(
        description="文件自己记录的统计（docProps/app.xml）与本系统同口径统计的比较")
    count_review: bool = Field(description="与文件记录相差超过 2%，需人工核对")
    original_filename: str
    sha256: str
    size: int
    mime: str
    version: int
    warnings: list[str]
    indexed_chars: int | None = Field(
        description="全文超过上限时只保存、检索和查重前这么多字（字数仍按全文）；null 表示全文")
    metadata: dict[str, Any]
    selection: Selection
    return_reason: str | None
    teacher_preferred: bool
    decision: DecisionOut | None = Field(description="正在识别文字（state=processing）时为 null")
    verification: VerificationOut | None = Field(description="null：本类型不需核验证明材料")
    created_at: AwareTime = Field(json_schema_extra={"format": "date-time"})
    state: FileState = Field(description="ready 已识别；processing 正在识别文字（OCR、.doc 转换，见 job_id）；"
                                         "failed 识别失败（原因见 state_error，管理员可重试任务）")
    state_name: str
    state_error: str | None
    job_id: int | None
    job_progress: JobProgress | None = Field(description="识别进度（页）：done/total，正在识别时给出")


class JobOut(BaseModel):
    """A job of the queue: its state, progress and result."""

    id: int
    kind: JobKindCode
    kind_name: str
    state: JobStateCode
    state_name: str
    progress: JobProgress
    result: dict[str, Any] | None
    error: str | None = Field(description="失败原因（中文）")
    attempts: int
    item_id: int | None
    created_at: AwareTime = Field(json_schema_extra={"format": "date-time"})
    started_at: AwareTime | None = Field(json_schema_extra={"format": "date-time"})
    finished_at: AwareTime | None = Field(json_schema_extra={"format": "date-time"})


class ExportFileOut(BaseModel):
    kind: Literal["pdf", "xlsx", "zip", "snapshot"]
    name: str
    size: int
    sha256: str
    media: str


class ExportOut(BaseModel):
    """An export of the bound collection: who asked, when, the scope, its files and sizes."""

    id: int
    school: str
    year: str = Field(pattern=YEAR_PATTERN)
    scope: Literal["selected", "counted"]
    scope_name: str
    teacher: str | None
    created_by: str
    created_at: AwareTime = Field(json_schema_extra={"format": "date-time"})
    finished_at: AwareTime | None = Field(json_schema_extra={"format": "date-time"})
    job_id: int | None
    state: JobStateCode
    state_name: str
    items: int
    pages: int
    size: int = Field(description="全部文件的字节数")
    files: list[ExportFileOut]
    snapshot_sha256: str | None = Field(description="学时登记快照（JSON）的 SHA-256，导出时记录")
    zero_hour_items: list[dict[str, Any]] = Field(description="不计学时（0 学时）的入册成果：目录中已标注")


class SchoolOut(BaseModel):
    id: int
    name: str


class UserOut(BaseModel):
    id: int
    username: str
    name: str
    role: Role
    school: str | None
    school_id: int | None
    staff_no: str
    subject: str
    group: str | None = Field(description="教研组（至多一个）")
    active: bool


class TokenOut(BaseModel):
    id: int
    name: str
    created_at: AwareTime = Field(json_schema_extra={"format": "date-time"})
    last_used_at: AwareTime | None = Field(json_schema_extra={"format": "date-time"})


class TokenCreated(BaseModel):
    class Who(BaseModel):
        username: str
        role: Role

    token: str
    user: Who


class VersionOut(BaseModel):
    number: int
    original_filename: str
    sha256: str
    size: int
    char_count: int
    selected: bool
    current: bool
    created_at: AwareTime = Field(json_schema_extra={"format": "date-time"})


class AttachmentOut(BaseModel):
    id: int
    purpose: str
    original_filename: str
    size: int
    mime: str


class HistoryOut(BaseModel):
    action: str
    action_name: str
    actor: str
    actor_role: Role
    reason: str
    at: AwareTime = Field(json_schema_extra={"format": "date-time"})
    details: dict[str, Any]


class SearchHit(BaseModel):
    id: int
    title: str
    teacher: str
    school: str | None
    kind: Kind
    academic_year: str
    score: float
    snippet_html: str
    decision: Decision | None


class EvidenceIds(BaseModel):
    attachment_id: int | None = None
    recognition_id: int | None = None


class Deleted(BaseModel):
    deleted: int


class DeletedItemOut(BaseModel):
    """A deleted item an admin can still restore."""

    id: int
    title: str
    kind: Kind
    owner: str
    deleted_at: str = Field(json_schema_extra={"format": "date-time"})
    restorable_until: str = Field(json_schema_extra={"format": "date-time"})


if TYPE_CHECKING:
    Source = str
    ActivityKind = str
    ActivityRole = str
    Attendance = str
    Result = str
else:
    Source = Literal[tuple(s.value for s in vocabulary.SOURCES)]
    ActivityKind = Literal[tuple(s.value for s in vocabulary.ACTIVITY_KINDS)]
    ActivityRole = Literal[tuple(r.value for r in vocabulary.ActivityRole)]
    Attendance = Literal[tuple(a.value for a in vocabulary.ATTENDANCE)]
    Result = Literal[tuple(r.value for r in vocabulary.Result)]
DAY = Field(json_schema_extra={"format": "date"})
TERM = Field(pattern=r"^[0-9]{4}-[0-9]{4}-[12]$", description="学期，如 2025-2026-1（第一学期）")


class GroupOut(BaseModel):
    id: int
    school: str
    school_id: int
    name: str
    leader: str | None
    members: int


class RosterImportOut(BaseModel):
    """花名册导入：rows 数据行数，created/updated 新建/更新的账号，errors 每行的问题（row 为表格行号，
    表头为第 1 行），passwords 新账号的一次性密码（只返回这一次）。"""

    class Problem(BaseModel):
        row: int
        column: str
        message: str

    class Password(BaseModel):
        username: str
        password: str

    rows: int
    created: int
    updated: int
    errors: list[Problem]
    passwords: list[Password]
    dry_run: bool


class AttendanceOut(BaseModel):
    teacher: str
    name: str
    status: Attendance
    status_name: str


class ActivityOut(BaseModel):
    id: int
    school: str
    school_id: int
    kind: ActivityKind
    title: str
    date: str = Field(json_schema_extra={"format": "date"})
    academic_year: str = Field(pattern=YEAR_PATTERN)
    term: str
    hours: float | None
    lecturer: str | None
    lecturer_name: str | None
    in_school_expert: bool
    organizer: str | None
    group: str | None
    attendance: list[AttendanceOut] = Field(description="考勤；教师只看到自己的一条")


class ExamScoresOut(BaseModel):
    class Score(BaseModel):
        teacher: str
        name: str
        score: float | None

    year: str = Field(pattern=YEAR_PATTERN)
    school: str
    scores: list[Score]


class RegisterItemOut(BaseModel):
    id: int
    kind: Kind
    title: str
    academic_year: str = Field(pattern=YEAR_PATTERN)
    char_count: int
    selection: Selection
    teacher_preferred: bool
    decision: DecisionOut | None


class LineDecisionOut(BaseModel):
    """The rules' decision on a ledger line: code, hours and the Chinese reason."""

    code: Decision
    hours: float
    reason: str
    rule: str
    numbers: dict[str, Any]


class ActivityLineOut(BaseModel):
    activity_id: int
    kind: ActivityKind
    title: str
    date: str = DAY
    term: str = TERM
    role: ActivityRole
    attendance: Attendance | None = Field(description="考勤（参加者）；主讲人、组织者为 null")
    decision: LineDecisionOut


class RecordLineOut(BaseModel):
    """集中培训、公开课等教师提交的记录。"""

    item_id: int
    kind: Source
    title: str
    date: str = DAY
    term: str = TERM
    decision: LineDecisionOut


class ExamOut(BaseModel):
    score: float
    decision: LineDecisionOut


class AssessmentOut(BaseModel):
    result: Result = Field(description="合格：学时达到年度目标且旷工未达上限；否则不合格")
    reasons: list[str] = Field(description="不合格的每一条理由")


class MissingOut(BaseModel):
    """尚未计入、补齐后可以计入的一行。"""

    source: Source
    ref_id: int
    title: str
    code: Decision
    reason: str
    would_earn: float


class RegisterTeacherOut(BaseModel):
    """一位教师本学年的学时台账（各来源）。"""

    id: int
    username: str
    name: str
    school: str | None
    group: str | None
    staff_no: str
    subject: str
    total_hours: float = Field(description="各来源合计学时")
    hours_by_kind: dict[str, float] = Field(description="研修成果按类型的学时")
    hours_by_source: dict[str, float] = Field(description="按来源的学时（portfolio、training、…）")
    target_hours: float
    target_met: bool
    cycle_hours: float
    cycle_target_hours: float
    cycle_years: list[str]
    items: list[RegisterItemOut]
    activities: list[ActivityLineOut]
    records: list[RecordLineOut]
    exam: ExamOut | None
    unexcused_absences: int = Field(description="本学年旷工次数")
    attendance_counts: dict[str, int]
    attendance_by_term: dict[str, dict[str, int]]
    assessment: AssessmentOut
    missing: list[MissingOut]


class RegisterOut(BaseModel):
    """学时登记（学时台账）: per teacher, every source's lines, hours and the year's outcome."""

    year: str = Field(pattern=YEAR_PATTERN)
    target_hours: float
    cycle_target_hours: float
    teachers: list[RegisterTeacherOut]


def page_of(model: type[BaseModel]) -> type[BaseModel]:
    """The one list shape: ``items``, ``total``, ``page``, ``per_page``."""
    return type(f"{model.__name__.removesuffix('Out')}Page", (BaseModel,), {
        "__annotations__": {"items": list[model], "total": int,  # type: ignore[valid-type]
                            "page": int, "per_page": int}})


@dataclass(frozen=True)
class Operation:
    """What one API route takes and gives, declared next to the view."""

    summary: str
    tag: str
    response: type[BaseModel] | None = None
    status: int = 200
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    form: type[BaseModel] | None = None  # the multipart form (forms.py) the view validates with
    media: str | None = None  # a file answer: its media type
    public: bool = False
    errors: tuple[int, ...] = (403, 404, 422)
    location: bool = False  # 201 with a Location header
    also: tuple[int, ...] = ()  # further success statuses with the same body (202: a job goes on)
    links: tuple[str, ...] = ()  # operations that take this answer's ``id`` as ``item_id``
    extra: dict[str, Any] = field(default_factory=dict)


F = TypeVar("F", bound=Callable[..., Any])


def operation(summary: str, tag: str, **kw: Any) -> Callable[[F], F]:
    def attach(view: F) -> F:
        view.__api_operation__ = Operation(summary, tag, **kw)  # type: ignore[attr-defined]
        return view

    return attach


# --------------------------------------------------------------------------- 学期检查

if TYPE_CHECKING:
    CheckResultOut = str
else:
    CheckResultOut = Literal[tuple(r.value for r in vocabulary.CHECK_RESULTS)]
WHEN = Field(json_schema_extra={"format": "date-time"})


class CheckMarkOut(BaseModel):
    result: CheckResultOut
    comment: str
    marked_by: str
    marked_at: AwareTime = WHEN


class SampledItemOut(BaseModel):
    id: int
    title: str
    kind: str
    kind_name: str
    deleted: bool = Field(description="抽中后已被删除")
    mark: CheckMarkOut | None


class ChecklistLineOut(BaseModel):
    """档案袋清单的一行（规则文件 [quotas]）：本学期应交几篇、已有几篇。"""

    key: str
    name: str
    kind: Kind
    unit: str = Field(description="量词：篇、节")
    required: int
    found: int
    missing: int


class CheckTeacherOut(BaseModel):
    username: str
    name: str
    school: str
    sample: list[int] = Field(description="抽中的成果编号（按类型分层，依抽取顺序）")
    items: list[SampledItemOut]
    checklist: list[ChecklistLineOut]
    attendance: dict[str, int] = Field(description="本学期考勤：各状态次数")
    result: CheckResultOut | None
    comment: str


class CheckSummaryOut(BaseModel):
    id: int
    school: str | None = Field(description="null：范围内全部学校")
    school_id: int | None
    year: str = Field(pattern=YEAR_PATTERN)
    term: int
    term_name: str
    seed: str
    sample_per_teacher: int
    inspector: str
    created_at: AwareTime = WHEN
    closed: bool
    closed_at: AwareTime | None = WHEN
    reopen_reason: str


class CheckOut(CheckSummaryOut):
    """学期检查：每位教师的抽查样本、评定、档案袋清单和本学期考勤（教师只看到自己的一行）。"""

    quota_rule: str
    teachers: list[CheckTeacherOut]
    schools: list[str]


class CheckMarkSaved(BaseModel):
    check_id: int
    item_id: int
    result: CheckResultOut
    comment: str


class CheckTeacherSaved(BaseModel):
    check_id: int
    username: str
    result: CheckResultOut
    comment: str


class BagLockOut(BaseModel):
    """一个学期的档案袋：是否已上交（上交后该学期的成果不能再上传、替换或删除）。"""

    term: str = TERM
    locked: bool
    handed_in_at: AwareTime | None = WHEN
    unlock_reason: str
