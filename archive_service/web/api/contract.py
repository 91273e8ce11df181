"""The API's declared inputs (pydantic v2): every JSON body and query is parsed from one model.

Strict parsing, no coercion: ``true`` is not a number, ``123`` is not text, ``null`` is not a
name; unknown fields are refused (no mass assignment); text may not carry control characters
or lone surrogates; ids fit the database.  A violation is a 422 naming the field in Chinese.
The same models generate the OpenAPI document (openapi.py).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from flask import request
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
)

from ... import vocabulary
from ...errors import AppError

MAX_ID = 2**31 - 1
YEAR_PATTERN = r"^[0-9]{4}-[0-9]{4}$"
# the vocabulary's codes as literals: strict parsing takes the JSON strings, the schema lists them
if TYPE_CHECKING:
    Role = str
    Kind = str
    Decision = str
    ActivityKind = str


    CheckResult = str
else:
    CheckResult = Literal[tuple(r.value for r in vocabulary.CHECK_RESULTS)]
    Role = Literal[tuple(r.value for r in vocabulary.Role)]
    Kind = Literal[tuple(k.value for k in vocabulary.Kind)]
    Decision = Literal[tuple(c.value for c in vocabulary.Code)]
    ActivityKind = Literal[tuple(k.value for k in vocabulary.ACTIVITY_KINDS)]
FIELD_NAMES = {
    "username": "用户名", "password": "密码", "name": "名称", "role": "角色", "school": "学校名称",
    "school_id": "学校编号", "staff_no": "工号", "subject": "学科", "selected": "是否入选",
    "reason": "理由", "char_count": "字数", "teacher": "教师用户名", "teacher_id": "教师编号",
    "year": "学年", "kind": "成果类型", "page": "页码", "per_page": "每页条数", "q": "检索词",
    "decision": "认定结果", "group": "教研组", "file": "文件", "title": "标题", "scope": "导出范围",
    "completion_date": "完成日期", "subtype": "细类", "metadata": "补充信息",
    "prefer": "希望计入本篇", "type": "获奖或发表", "level": "级别", "grade": "获奖等次",
    "date": "获奖或发表日期", "evidence": "证书或证明文件", "purpose": "材料用途", "verified": "是否核验通过",
    "leader": "组长", "hours": "培训时长", "lecturer": "主讲人账号", "lecturer_name": "校外主讲人",
    "in_school_expert": "是否校内专家", "organizer": "组织者账号", "records": "考勤记录",
    "scores": "成绩",


    "term": "学期", "sample_per_teacher": "每位教师抽查篇数", "seed": "随机种子",
    "item_id": "成果编号", "result": "评定结果", "comment": "评语", "check": "学期检查编号",
}


def _clean(value: str) -> str:
    for ch in value:
        code = ord(ch)
        if (code < 32 and ch not in "\n\t") or code == 127 or 0xD800 <= code <= 0xDFFF:
            raise ValueError("含有控制字符或无效的 Unicode 字符")
    return value


def text(max_length: int, min_length: int = 0) -> Any:
    """A text field: trimmed, bounded, without control characters or lone surrogates."""
    return Annotated[str, StringConstraints(strip_whitespace=True, min_length=min_length,
                                            max_length=max_length), AfterValidator(_clean)]


def _digits(value: Any) -> Any:
    """A query parameter's number: digits only ("5.0", "1e3", " 5" are refused, not rounded)."""
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{1,12}", value):
        raise ValueError("应为整数")
    return value


Id = Annotated[int, Field(ge=1, le=MAX_ID), BeforeValidator(_digits)]
Year = Annotated[str, StringConstraints(pattern=YEAR_PATTERN)]
Page = Annotated[int, Field(ge=1, le=100_000), BeforeValidator(_digits)]
PerPage = Annotated[int, Field(ge=1, le=500), BeforeValidator(_digits)]


class Body(BaseModel):
    """A JSON request body: strict types, unknown fields refused."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Query(BaseModel):
    """Query parameters: numbers are parsed from their digits, unknown parameters refused."""

    model_config = ConfigDict(extra="forbid")


class TokenRequest(Body):
    username: text(80, 1)  # type: ignore[valid-type]
    password: text(200, 1)  # type: ignore[valid-type]
    name: text(80) | None = None  # type: ignore[valid-type]


class SchoolCreate(Body):
    name: text(200, 1)  # type: ignore[valid-type]


class UserCreate(Body):
    username: text(80, 1)  # type: ignore[valid-type]
    name: text(100) | None = None  # type: ignore[valid-type]
    role: Role
    password: text(200, 8)  # type: ignore[valid-type]
    school: text(200, 1) | None = None  # type: ignore[valid-type]
    school_id: Id | None = None
    staff_no: text(40) = ""  # type: ignore[valid-type]
    subject: text(40) = ""  # type: ignore[valid-type]
    group: text(100, 1) | None = None  # type: ignore[valid-type]


class GroupCreate(Body):
    school: text(200, 1) | None = None  # type: ignore[valid-type]
    school_id: Id | None = None
    name: text(100, 1)  # type: ignore[valid-type]
    leader: text(80, 1) | None = None  # type: ignore[valid-type]  # a teacher's username


class SchoolQuery(Query):
    school: text(200, 1) | None = None  # type: ignore[valid-type]
    school_id: Id | None = None


class ActivityCreate(Body):
    school: text(200, 1) | None = None  # type: ignore[valid-type]
    school_id: Id | None = None
    kind: ActivityKind
    title: text(300, 1)  # type: ignore[valid-type]
    date: text(10, 1) = Field(json_schema_extra={"format": "date"})  # type: ignore[valid-type]
    hours: Annotated[float, Field(gt=0, le=24)] | None = None
    lecturer: text(80, 1) | None = None  # type: ignore[valid-type]
    lecturer_name: text(100, 1) | None = None  # type: ignore[valid-type]
    in_school_expert: bool = False
    organizer: text(80, 1) | None = None  # type: ignore[valid-type]
    group: text(100, 1) | None = None  # type: ignore[valid-type]


class ActivitiesQuery(Query):
    year: Year | None = None
    school: text(200, 1) | None = None  # type: ignore[valid-type]
    school_id: Id | None = None


class AttendanceIn(Body):
    teacher: text(80, 1)  # type: ignore[valid-type]
    status: text(20, 1)  # type: ignore[valid-type]  # checked by the service: it names the record


class AttendanceBody(Body):
    records: Annotated[list[AttendanceIn], Field(max_length=5000)]


class ScoreIn(Body):
    teacher: text(80, 1)  # type: ignore[valid-type]
    score: Annotated[float, Field(ge=0, le=1_000_000)]


class ExamBody(Body):
    school: text(200, 1) | None = None  # type: ignore[valid-type]
    school_id: Id | None = None
    scores: Annotated[list[ScoreIn], Field(max_length=5000)]


class SelectionBody(Body):
    selected: bool
    reason: text(1000) | None = None  # type: ignore[valid-type]


class VerificationBody(Body):
    """核验证明材料：通过 {"verified": true}，不通过 {"verified": false, "reason": "…"}。"""

    verified: bool
    reason: text(1000) | None = None  # type: ignore[valid-type]


class ConfirmCountBody(Body):
    char_count: Annotated[int, Field(ge=0, le=10_000_000)] | None = None


class ItemsQuery(Query):
    teacher: text(80, 1) | None = None  # type: ignore[valid-type]
    teacher_id: Id | None = None
    school: text(200, 1) | None = None  # type: ignore[valid-type]
    school_id: Id | None = None
    year: Year | None = None
    kind: Kind | None = None
    page: Page = 1
    per_page: PerPage = 100


class SearchQuery(Query):
    q: text(200) = ""  # type: ignore[valid-type]
    kind: Kind | None = None
    year: Year | None = None
    school: text(200, 1) | None = None  # type: ignore[valid-type]
    school_id: Id | None = None
    teacher: text(80, 1) | None = None  # type: ignore[valid-type]
    teacher_id: Id | None = None
    decision: Decision | None = None
    page: Page = 1
    term: Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{4}-[12]$")] | None = Field(
        default=None, description="学期，如 2025-2026-1（第一学期）")
    subtype: text(40, 1) | None = Field(  # type: ignore[valid-type]
        default=None, description="细类，如 教学反思")
    check: Id | None = Field(default=None, description="只在该次学期检查的抽查样本中检索")


class RegisterQuery(Query):
    year: text(200) = ""  # type: ignore[valid-type]  # one year or several, comma-separated
    school: text(200, 1) | None = None  # type: ignore[valid-type]
    school_id: Id | None = None
    teacher: text(80, 1) | None = None  # type: ignore[valid-type]
    teacher_id: Id | None = None
    subject: text(40) = ""  # type: ignore[valid-type]
    group: text(100) = ""  # type: ignore[valid-type]  # 教研组 name


class CollectionQuery(Query):
    year: Year
    school: text(200, 1) | None = None  # type: ignore[valid-type]
    school_id: Id | None = None


class ExportBody(Body):
    """装订成册导出：学年、范围（学校筛选入册 / 计入学时）、学校与教师（教师只能导出本人）。"""

    year: Year
    scope: Literal["selected", "counted"] = "selected"
    school: text(200, 1) | None = None  # type: ignore[valid-type]
    school_id: Id | None = None
    teacher: text(80, 1) | None = None  # type: ignore[valid-type]
    teacher_id: Id | None = None


class CheckCreate(Body):
    """学期检查：学校（不填为本校或范围内全部学校）、学年、学期、每位教师抽查篇数、随机种子。"""

    school: text(200, 1) | None = None  # type: ignore[valid-type]
    school_id: Id | None = None
    year: Year
    term: Literal[1, 2] = Field(description="1 第一学期，2 第二学期")
    sample_per_teacher: Annotated[int, Field(ge=1, le=200)] | None = Field(
        default=None, description="不填按规则文件 [checks] default_sample_per_teacher")
    seed: text(64, 1) | None = Field(  # type: ignore[valid-type]
        default=None, description="随机种子：同一种子、同样的档案抽出同样的样本；不填则随机生成并记录")


class CheckMarkBody(Body):
    item_id: Id
    result: CheckResult
    comment: text(2000) = ""  # type: ignore[valid-type]


class CheckResultBody(Body):
    result: CheckResult
    comment: text(2000) = ""  # type: ignore[valid-type]


class CheckReportQuery(Query):
    school: text(200, 1) | None = Field(  # type: ignore[valid-type]
        default=None, description="学校名称（检查包含多所学校时必填）")


TermText = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}-[0-9]{4}-[12]$")]


class BagHandInBody(Body):
    term: TermText | None = Field(default=None, description="学期，如 2025-2026-1；不填为当前学期")


class BagUnlockBody(Body):
    teacher: text(80, 1)  # type: ignore[valid-type]
    term: TermText
    reason: text(1000, 1)  # type: ignore[valid-type]


class ReopenBody(Body):
    reason: text(1000, 1)  # type: ignore[valid-type]


def school_ref(name: str | None, school_id: int | None) -> str | int:
    """The school a request names: by id (``school_id``) or by name (``school``)."""
    if name is not None and school_id is not None:
        raise InvalidInput("「学校名称」（school）和「学校编号」（school_id）只能填写一个。",
                           [{"field": "school_id", "label": "学校编号", "problem": "与 school 重复"}])
    return school_id if school_id is not None else (name or "")


def teacher_ref(username: str | None, teacher_id: int | None) -> str | int:
    """The teacher a request names: by id (``teacher_id``) or by username (``teacher``)."""
    if username is not None and teacher_id is not None:
        raise InvalidInput("「教师用户名」（teacher）和「教师编号」（teacher_id）只能填写一个。",
                           [{"field": "teacher_id", "label": "教师编号", "problem": "与 teacher 重复"}])
    return teacher_id if teacher_id is not None else (username or "")


class InvalidInput(AppError):
    status = 422

    def __init__(self, message: str, fields: list[dict[str, str]]) -> None:
        super().__init__("invalid_input", message)
        self.fields = fields

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = super().to_dict()
        data["error"]["fields"] = self.fields
        return data


def _choices(expected: Any) -> str:
    """pydantic's "'a', 'b' or 'c'" as 「a、b、c」."""
    return "、".join(re.findall(r"'([^']*)'", str(expected))) or str(expected)


def _problem(error: Any) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    return {
        "missing": "必须填写", "extra_forbidden": "是不支持的字段，请删除",
        "string_type": "应为文本", "string_unicode": "含有无效的 Unicode 字符（如孤立的代理项）",
        "int_type": "应为整数", "int_parsing": "应为整数",
        "bool_type": "应为 true 或 false", "bool_parsing": "应为 true 或 false",
        "greater_than_equal": f"不能小于 {ctx.get('ge')}", "less_than_equal": f"不能大于 {ctx.get('le')}",
        "string_too_short": "不能为空" if ctx.get("min_length") == 1
        else f"至少需要 {ctx.get('min_length')} 个字符",
        "string_too_long": f"最多 {ctx.get('max_length')} 个字符",
        "string_pattern_mismatch": "格式不正确（学年应写作 2025-2026，学期写作 2025-2026-1）",
        "literal_error": f"取值无效，可选：{_choices(ctx.get('expected', ''))}",
        "value_error": str(error.get("msg", "")).removeprefix("Value error, ") or "取值无效",
    }.get(kind, "取值无效")


def invalid(exc: ValidationError) -> InvalidInput:
    fields = []
    for error in exc.errors(include_url=False, include_input=False):
        name = str(error["loc"][0]) if error["loc"] else ""
        fields.append({"field": name, "label": FIELD_NAMES.get(name, name),
                       "problem": _problem(error)})
    first = fields[0]
    return InvalidInput(f"「{first['label']}」（{first['field']}）{first['problem']}。", fields)


M = TypeVar("M", bound=BaseModel)


def parse_body(model: type[M]) -> M:
    """The JSON body parsed by ``model`` (422 when it does not fit)."""
    data = request.get_json(silent=True) if request.is_json else None
    if not isinstance(data, dict):
        raise InvalidInput("请求体应为 JSON 对象（Content-Type: application/json）。",
                           [{"field": "", "label": "请求体", "problem": "应为 JSON 对象"}])
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(exc) from None


def parse_query(model: type[M]) -> M:
    """The query string parsed by ``model``; a repeated parameter is refused."""
    args = request.args
    repeated = [k for k in args if len(args.getlist(k)) > 1]
    if repeated:
        raise InvalidInput(f"参数 {repeated[0]} 只能出现一次。",
                           [{"field": repeated[0], "label": FIELD_NAMES.get(repeated[0], repeated[0]),
                             "problem": "只能出现一次"}])
    try:
        return model.model_validate({k: v for k, v in args.items() if v != ""})
    except ValidationError as exc:
        raise invalid(exc) from None
