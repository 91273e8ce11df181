"""The school's credit-hour rules: defaults from ``default_rules.toml`` plus the school's overrides.

``load_rules(path)`` reads the packaged defaults, deep-merges the school's file (which holds only
the keys it changes), validates every value and returns a frozen ``Rules`` tree.  Any problem
raises ``RulesError`` with a Chinese message naming the file and the line of the offending key.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from ..vocabulary import (
    ATTENDANCE,
    KINDS,
    LEVELS,
    PORTFOLIO_KINDS,
    PROJECT_LEVELS,
    PROJECT_ROLES,
    VERIFIABLE,
    Attendance,
    Source,
)

LIMIT_KEYS = ("name", "rule", "kinds", "per_year")
QUOTA_KEYS = ("name", "kind", "count", "enabled")
DEFAULT_NAME = "默认规则 default_rules.toml"

Path_ = tuple[str, ...]


class RulesError(Exception):
    """The rules file is unreadable, malformed or holds a wrong value (Chinese message)."""

    def __init__(self, message: str, file: str | None = None, line: int | None = None) -> None:
        super().__init__(message)
        self.file = file
        self.line = line


# --------------------------------------------------------------------------- the Rules tree


@dataclass(frozen=True)
class LengthKindRules:
    """reflection, lesson_design: a minimum 字数 and fixed hours."""

    rule: str
    min_chars: int
    hours: float


@dataclass(frozen=True)
class UnitDesignRules:
    rule: str
    min_chars_per_lesson: int
    hours: float
    requires_courseware: bool


@dataclass(frozen=True)
class PaperRules:
    rule: str
    min_chars: int
    min_award_level: str
    award_hours: tuple[float, ...]  # index 0 = 一等奖
    publication_hours: tuple[tuple[str, float], ...]  # (level, hours), by LEVELS order

    def award_hours_for(self, level: str, grade: int | None) -> float:
        """Hours of an award; 0 below the minimum level or for an unknown grade."""
        if level not in LEVELS or LEVELS.index(level) < LEVELS.index(self.min_award_level):
            return 0.0
        if not isinstance(grade, int) or not 1 <= grade <= len(self.award_hours):
            return 0.0
        return self.award_hours[grade - 1]

    def publication_hours_for(self, level: str) -> float:
        return dict(self.publication_hours).get(level, 0.0)


@dataclass(frozen=True)
class LectureRules:
    rule: str
    hours_per_session_hour: float
    in_school_expert_factor: float


@dataclass(frozen=True)
class ProjectRules:
    rule: str
    hours: tuple[tuple[str, tuple[tuple[str, float], ...]], ...]  # level → (role, hours)

    def hours_for(self, level: str, role: str) -> float:
        return dict(dict(self.hours).get(level, ())).get(role, 0.0)


@dataclass(frozen=True)
class TermRules:
    second_start_month: int
    second_start_day: int


@dataclass(frozen=True)
class TrainingRules:
    rule: str
    participants_must_hand_in_notes: bool


@dataclass(frozen=True)
class ResearchActivityRules:
    rule: str
    participant_hours: float
    organizer_hours: float


@dataclass(frozen=True)
class AttendanceRules:
    rule: str
    hours_share: tuple[tuple[str, float], ...]  # status → share of the session's hours
    absent_limit: int  # 0: no limit
    assessment_rule: str

    def share(self, status: str) -> float:
        return dict(self.hours_share)[status]


@dataclass(frozen=True)
class ExternalTrainingRules:
    rule: str
    hours_per_day: float
    online_requires_certified_hours: bool
    requires_study_notes: bool


@dataclass(frozen=True)
class PublicLessonRules:
    rule: str
    hours: float


@dataclass(frozen=True)
class ExamRules:
    rule: str
    enabled: bool
    band_hours: tuple[float, ...]  # from the top band down


@dataclass(frozen=True)
class VerificationRules:
    rule: str
    required: tuple[str, ...]
    inspectors_may_verify: bool


@dataclass(frozen=True)
class LedgerRules:
    """The rules of the hours that do not come from an uploaded item (the 学时台账)."""

    terms: TermRules
    training: TrainingRules
    research_activity: ResearchActivityRules
    attendance: AttendanceRules
    external_training: ExternalTrainingRules
    public_lesson: PublicLessonRules
    exam: ExamRules
    verification: VerificationRules
    group_leaders_may_record: bool  # [activities]: a 教研组 leader records the group's activities
    self_sign_in: bool  # [activities]: teachers sign in with the code shown on the activity's day

    def needs_verification(self, source: str) -> bool:
        return source in self.verification.required


@dataclass(frozen=True)
class QuotaLine:
    """One line of the term's checklist: at least ``count`` items of ``kind`` per term."""

    key: str  # the TOML table name, e.g. "lesson_reflection"
    name: str  # Chinese, e.g. "课后反思"
    kind: str
    count: int
    enabled: bool
    unit: str = "篇"  # 量词 in what the pages say: 课后反思 3 篇, 公开课 1 节


@dataclass(frozen=True)
class CheckRules:
    """The term's checklist (``[quotas]``) and the inspector's sample (``[checks]``)."""

    quota_rule: str
    quotas: tuple[QuotaLine, ...]  # in file order, switched-off lines included
    default_sample: int
    max_sample: int
    hand_in: tuple[tuple[int, int], tuple[int, int]] = ((1, 20), (7, 10))  # (month, day) per term

    @property
    def checklist(self) -> tuple[QuotaLine, ...]:
        return tuple(q for q in self.quotas if q.enabled)


KindRules = LengthKindRules | UnitDesignRules | PaperRules | LectureRules | ProjectRules


@dataclass(frozen=True)
class LimitGroup:
    key: str  # the TOML table name, e.g. "design"
    name: str  # Chinese, e.g. "教学设计成果"
    rule: str
    kinds: tuple[str, ...]
    per_year: int


@dataclass(frozen=True)
class Rules:
    """Everything the engine and the services need to know about the school's rules."""

    year_start_month: int
    year_start_day: int
    annual_target_hours: float
    cycle_target_hours: float
    cycle_length_years: int
    first_cycle_start_year: int
    count_cjk_punctuation: bool
    count_notes_and_textboxes: bool
    near_duplicate_threshold: float
    selection_required: tuple[str, ...]
    selection_rule: str
    inspectors_may_review: bool
    reflection: LengthKindRules
    lesson_design: LengthKindRules
    unit_design: UnitDesignRules
    paper: PaperRules
    lecture_notes: LectureRules
    research_project: ProjectRules
    limit_groups: tuple[LimitGroup, ...]  # sorted by key
    ledger: LedgerRules
    sources: tuple[str, ...] = (DEFAULT_NAME,)
    checks: CheckRules = CheckRules("", (), 3, 20)

    def group_of(self, kind: str) -> LimitGroup | None:
        """The limit group a kind belongs to (None: no per-year limit)."""
        return next((g for g in self.limit_groups if kind in g.kinds), None)

    def needs_selection(self, kind: str) -> bool:
        return kind in self.selection_required

    def kind_rules(self, kind: str) -> KindRules:
        """The ``[kinds.<kind>]`` table of a kind."""
        table: KindRules = getattr(self, kind)
        return table

    def rule_of(self, kind: str) -> str:
        """The rule a kind's decisions quote (ledger kinds: their ``[external_training]`` or
        ``[public_lesson]`` table)."""
        if kind == Source.EXTERNAL_TRAINING:
            return self.ledger.external_training.rule
        if kind == Source.PUBLIC_LESSON:
            return self.ledger.public_lesson.rule
        return self.kind_rules(kind).rule


# --------------------------------------------------------------------------- reading files


@dataclass(frozen=True)
class _Source:
    name: str
    text: str
    data: dict[str, Any]


def _parse(name: str, text: str) -> _Source:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(name, text, exc) from None
    return _Source(name, text, data)


def _syntax_error(name: str, text: str, exc: tomllib.TOMLDecodeError) -> RulesError:
    message = str(exc)
    found = re.search(r"\(at line (\d+), column (\d+)\)", message)
    detail = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", message)
    if found:
        line = int(found[1])
        where = f"第 {line} 行第 {found[2]} 列"
    else:
        line = max(1, len(text.splitlines()))
        where = f"第 {line} 行（文件末尾）"
    return RulesError(f"规则文件 {name} {where}有 TOML 语法错误：{detail}", name, line)


def _read_override(path: Path) -> _Source:
    name = str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise RulesError(f"无法读取规则文件 {name}：{exc.strerror or exc}", name) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise RulesError(f"规则文件 {name} 第 {line} 行不是 UTF-8 编码的文字，请以 UTF-8 保存",
                         name, line) from None
    return _parse(name, text)


def _default_source() -> _Source:
    text = resources.files(__package__).joinpath("default_rules.toml").read_text("utf-8")
    return _parse(DEFAULT_NAME, text)


# --------------------------------------------------------------------------- locating keys

_HEADER = re.compile(r"\s*\[\[?\s*(.+?)\s*\]\]?\s*(?:#.*)?$")
_ONE_KEY = r""""[^"]*"|'[^']*'|[A-Za-z0-9_\-]+"""
_KEY = re.compile(rf"\s*((?:{_ONE_KEY})(?:\s*\.\s*(?:{_ONE_KEY}))*)\s*=")
_PART = re.compile(r""""([^"]*)"|'([^']*)'|([A-Za-z0-9_\-]+)""")


def _split_key(dotted: str) -> Path_:
    return tuple(a or b or c for a, b, c in _PART.findall(dotted))


def find_key_line(text: str, path: Path_) -> int | None:
    """The line (1-based) that defines ``path``, else its nearest enclosing key or table header
    (or the first header of a table inside it)."""
    header: Path_ = ()
    best_len, best_line = 0, None
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#"):
            continue
        if match := _HEADER.match(line):
            header = _split_key(match[1])
            candidate = header
        elif match := _KEY.match(line):
            candidate = header + _split_key(match[1])
        else:
            continue
        common = min(len(candidate), len(path))
        if candidate[:common] == path[:common] and common > best_len:
            best_len, best_line = common, number
    return best_line


# --------------------------------------------------------------------------- merging


def _allowed_keys(path: Path_, default: dict[str, Any]) -> tuple[str, ...] | None:
    """The keys a table at ``path`` may hold (None: only those of the defaults)."""
    if path == ("limits",):
        return tuple(sorted(set(default) | {"*"}))
    if len(path) == 2 and path[0] == "limits":
        return LIMIT_KEYS
    if path == ("quotas",):
        return tuple(sorted(set(default) | {"*"}))
    if len(path) == 2 and path[0] == "quotas":
        return (*QUOTA_KEYS, "unit")
    if path == ("attendance", "hours_share"):
        return ATTENDANCE
    if path == ("kinds", "paper", "publication_hours"):
        return LEVELS
    if path == ("kinds", "research_project", "hours"):
        return PROJECT_LEVELS
    if path[:3] == ("kinds", "research_project", "hours") and len(path) == 4:
        return PROJECT_ROLES
    return None


def _merge(default: dict[str, Any], override: dict[str, Any], path: Path_,
           src: _Source) -> dict[str, Any]:
    allowed = _allowed_keys(path, default)
    merged = dict(default)
    for key, value in override.items():
        here = path + (key,)
        known = key in default or (allowed is not None and (key in allowed or "*" in allowed))
        if not known:
            choices = sorted((set(default) | set(allowed or ())) - {"*"})
            _fail(src, here, "是未知的设置项（拼写错误？）"
                  + (f"，可用的有：{', '.join(choices)}" if choices else ""))
        base = default.get(key)
        if isinstance(value, dict) != isinstance(base, dict) and base is not None:
            _fail(src, here, "应为表（[section]）" if isinstance(base, dict) else "不应是表")
        merged[key] = _merge(base or {}, value, here, src) if isinstance(value, dict) else value
    return merged


def _fail(src: _Source, path: Path_, problem: str) -> NoReturn:
    line = find_key_line(src.text, path)
    where = f"规则文件 {src.name} 第 {line} 行" if line else f"规则文件 {src.name}"
    raise RulesError(f"{where}：{'.'.join(path)} {problem}", src.name, line)


# --------------------------------------------------------------------------- validation


class _Reader:
    """Reads typed values from the merged tree, blaming the file each value came from."""

    def __init__(self, merged: dict[str, Any], default: _Source, override: _Source | None):
        self.merged = merged
        self.default = default
        self.override = override

    def source_of(self, path: Path_) -> _Source:
        if self.override is not None and _lookup(self.override.data, path) is not _MISSING:
            return self.override
        return self.default

    def fail(self, path: Path_, problem: str) -> NoReturn:
        _fail(self.source_of(path), path, problem)

    def raw(self, path: Path_) -> Any:
        value = _lookup(self.merged, path)
        if value is _MISSING:
            self.fail(path[:-1], f"缺少设置项 {path[-1]}")
        return value

    def integer(self, path: Path_, low: int, high: int | None = None) -> int:
        value = self.raw(path)
        if not isinstance(value, int) or isinstance(value, bool) or value < low or (
                high is not None and value > high):
            span = f"{low} 到 {high} 之间的整数" if high is not None else f"不小于 {low} 的整数"
            self.fail(path, f"应为{span}，实际为 {value!r}")
        return value

    def number(self, path: Path_, *, allow_zero: bool = False, high: float | None = None) -> float:
        value = self.raw(path)
        ok = isinstance(value, int | float) and not isinstance(value, bool)
        if ok and (value < 0 or (value == 0 and not allow_zero) or (high and value > high)):
            ok = False
        if not ok:
            span = "不小于 0 的数" if allow_zero else "大于 0 的数"
            self.fail(path, f"应为{span}{f'（不超过 {high:g}）' if high else ''}，实际为 {value!r}")
        return float(value)

    def boolean(self, path: Path_) -> bool:
        value = self.raw(path)
        if not isinstance(value, bool):
            self.fail(path, f"应为 true 或 false，实际为 {value!r}")
        return value

    def text(self, path: Path_) -> str:
        value = self.raw(path)
        if not isinstance(value, str) or not value.strip():
            self.fail(path, f"应为非空字符串，实际为 {value!r}")
        return value.strip()

    def choice(self, path: Path_, choices: tuple[str, ...]) -> str:
        value = self.raw(path)
        if value not in choices:
            self.fail(path, f"只能是 {' / '.join(choices)} 之一，实际为 {value!r}")
        return str(value)

    def kinds(self, path: Path_) -> tuple[str, ...]:
        value = self.raw(path)
        if not isinstance(value, list) or any(k not in PORTFOLIO_KINDS for k in value):
            self.fail(path, f"应为成果类型的列表（{', '.join(PORTFOLIO_KINDS)}），实际为 {value!r}")
        if len(set(value)) != len(value):
            self.fail(path, f"有重复的成果类型：{value!r}")
        return tuple(value)

    def hours_list(self, path: Path_) -> tuple[float, ...]:
        value = self.raw(path)
        if not isinstance(value, list) or not value or any(
                not isinstance(v, int | float) or isinstance(v, bool) or v < 0 for v in value):
            self.fail(path, f"应为不小于 0 的数的列表（依次为一、二、三等奖），实际为 {value!r}")
        return tuple(float(v) for v in value)

    def table(self, path: Path_) -> dict[str, Any]:
        value = self.raw(path)
        if not isinstance(value, dict):
            self.fail(path, "应为表（[section]）")
        return value


_MISSING = object()


def _lookup(tree: dict[str, Any], path: Path_) -> Any:
    node: Any = tree
    for key in path:
        if not isinstance(node, dict) or key not in node:
            return _MISSING
        node = node[key]
    return node


def _year_start(r: _Reader) -> tuple[int, int]:
    month = r.integer(("year", "start_month"), 1, 12)
    day = r.integer(("year", "start_day"), 1, 31)
    try:
        date(2001, month, day)
    except ValueError:
        r.fail(("year", "start_day"), f"不是 {month} 月的有效日期：{day}")
    return month, day


def _length_kind(r: _Reader, kind: str) -> LengthKindRules:
    base = ("kinds", kind)
    return LengthKindRules(rule=r.text(base + ("rule",)),
                           min_chars=r.integer(base + ("min_chars",), 0),
                           hours=r.number(base + ("hours",)))


def _unit(r: _Reader) -> UnitDesignRules:
    base = ("kinds", "unit_design")
    return UnitDesignRules(rule=r.text(base + ("rule",)),
                           min_chars_per_lesson=r.integer(base + ("min_chars_per_lesson",), 0),
                           hours=r.number(base + ("hours",)),
                           requires_courseware=r.boolean(base + ("requires_courseware",)))


def _paper(r: _Reader) -> PaperRules:
    base = ("kinds", "paper")
    publication = r.table(base + ("publication_hours",))
    return PaperRules(
        rule=r.text(base + ("rule",)),
        min_chars=r.integer(base + ("min_chars",), 0),
        min_award_level=r.choice(base + ("min_award_level",), LEVELS),
        award_hours=r.hours_list(base + ("award_hours",)),
        publication_hours=tuple(
            (level, r.number(base + ("publication_hours", level), allow_zero=True))
            for level in LEVELS if level in publication),
    )


def _lecture(r: _Reader) -> LectureRules:
    base = ("kinds", "lecture_notes")
    return LectureRules(rule=r.text(base + ("rule",)),
                        hours_per_session_hour=r.number(base + ("hours_per_session_hour",)),
                        in_school_expert_factor=r.number(base + ("in_school_expert_factor",)))


def _project(r: _Reader) -> ProjectRules:
    base = ("kinds", "research_project")
    table = r.table(base + ("hours",))
    levels = []
    for level in PROJECT_LEVELS:
        if level not in table:
            continue
        roles = r.table(base + ("hours", level))
        levels.append((level, tuple(
            (role, r.number(base + ("hours", level, role), allow_zero=True))
            for role in PROJECT_ROLES if role in roles)))
    return ProjectRules(rule=r.text(base + ("rule",)), hours=tuple(levels))


def _limit_groups(r: _Reader) -> tuple[LimitGroup, ...]:
    groups = []
    owner: dict[str, str] = {}
    for key in sorted(r.table(("limits",))):
        base = ("limits", key)
        table = r.table(base)
        per_year = r.integer(base + ("per_year",), 1)
        kinds = r.kinds(base + ("kinds",))
        for kind in kinds:
            if kind in owner:
                _overlap(r, kind, owner[kind], key)
            owner[kind] = key
        name = r.text(base + ("name",)) if "name" in table else key
        rule = r.text(base + ("rule",)) if "rule" in table else f"每学年每人限{per_year}篇"
        groups.append(LimitGroup(key=key, name=name, rule=rule, kinds=kinds, per_year=per_year))
    return tuple(groups)


def _overlap(r: _Reader, kind: str, first: str, second: str) -> NoReturn:
    """A kind listed in two limit groups: blame the group the school's file changed."""
    paths = [("limits", first, "kinds"), ("limits", second, "kinds")]
    blamed = next((p for p in reversed(paths) if r.source_of(p) is r.override), paths[1])
    other = first if blamed[1] == second else second
    r.fail(blamed, f"中的 {kind} 也属于限额组 limits.{other}，一种成果只能属于一个限额组"
           f"（可在 [limits.{other}] 中把它移出）")


def _terms(r: _Reader, year_month: int, year_day: int) -> TermRules:
    month = r.integer(("terms", "second_term_start_month"), 1, 12)
    day = r.integer(("terms", "second_term_start_day"), 1, 31)
    try:
        date(2001, month, day)
    except ValueError:
        r.fail(("terms", "second_term_start_day"), f"不是 {month} 月的有效日期：{day}")
    if (month, day) == (year_month, year_day):
        r.fail(("terms", "second_term_start_month"), "第二学期的开始日不能与学年开始日（[year]）相同")
    return TermRules(second_start_month=month, second_start_day=day)


def _attendance(r: _Reader) -> AttendanceRules:
    base = ("attendance", "hours_share")
    table = r.table(base)
    shares = []
    for status in ATTENDANCE:
        if status not in table:
            r.fail(base, f"缺少考勤状态 {status} 的计学时比例")
        share = r.number(base + (status,), allow_zero=True, high=1.0)
        if status == Attendance.ABSENT and share != 0:
            r.fail(base + (status,), "旷工不计学时（「取消其本次应得学分」），只能为 0")
        shares.append((str(status), share))
    if dict(shares)[Attendance.PRESENT] == 0:
        r.fail(base + (Attendance.PRESENT,), "出席应计学时，不能为 0")
    return AttendanceRules(rule=r.text(("attendance", "rule")), hours_share=tuple(shares),
                           absent_limit=r.integer(("assessment", "absent_limit"), 0, 1000),
                           assessment_rule=r.text(("assessment", "rule")))


def _band_hours(r: _Reader) -> tuple[float, ...]:
    path = ("exam", "band_hours")
    value = r.raw(path)
    if not isinstance(value, list) or not value or any(
            not isinstance(v, int | float) or isinstance(v, bool) or v < 0 for v in value):
        r.fail(path, f"应为不小于 0 的数的列表（自高档到低档，如 [3, 2, 1]），实际为 {value!r}")
    return tuple(float(v) for v in value)


def _verifiable(r: _Reader, path: Path_) -> tuple[str, ...]:
    value = r.raw(path)
    if not isinstance(value, list) or any(k not in VERIFIABLE for k in value) or len(
            set(value)) != len(value):
        r.fail(path, f"应为不重复的列表，取值只能是 {', '.join(VERIFIABLE)}，实际为 {value!r}")
    return tuple(value)


def _ledger(r: _Reader, year_month: int, year_day: int) -> LedgerRules:
    research = ("activities", "research_activity")
    external = ("external_training",)
    return LedgerRules(
        terms=_terms(r, year_month, year_day),
        training=TrainingRules(
            rule=r.text(("activities", "training", "rule")),
            participants_must_hand_in_notes=r.boolean(
                ("activities", "training", "participants_must_hand_in_notes"))),
        research_activity=ResearchActivityRules(
            rule=r.text(research + ("rule",)),
            participant_hours=r.number(research + ("participant_hours",), allow_zero=True),
            organizer_hours=r.number(research + ("organizer_hours",), allow_zero=True)),
        attendance=_attendance(r),
        external_training=ExternalTrainingRules(
            rule=r.text(external + ("rule",)),
            hours_per_day=r.number(external + ("hours_per_day",), high=24.0),
            online_requires_certified_hours=r.boolean(
                external + ("online_requires_certified_hours",)),
            requires_study_notes=r.boolean(external + ("requires_study_notes",))),
        public_lesson=PublicLessonRules(rule=r.text(("public_lesson", "rule")),
                                        hours=r.number(("public_lesson", "hours"))),
        exam=ExamRules(rule=r.text(("exam", "rule")), enabled=r.boolean(("exam", "enabled")),
                       band_hours=_band_hours(r)),
        verification=VerificationRules(
            rule=r.text(("verification", "rule")),
            required=_verifiable(r, ("verification", "required")),
            inspectors_may_verify=r.boolean(("verification", "inspectors_may_verify"))),
        group_leaders_may_record=r.boolean(("activities", "group_leaders_may_record")),
        self_sign_in=r.boolean(("activities", "self_sign_in")),
    )


def _quota(r: _Reader, key: str) -> QuotaLine:
    base = ("quotas", key)
    table = r.table(base)
    for needed in QUOTA_KEYS:
        if needed not in table:
            r.fail(base, f"缺少设置项 {needed}（清单的每一行都要写 {', '.join(QUOTA_KEYS)}）")
    kind = r.raw(base + ("kind",))
    if kind not in KINDS:
        r.fail(base + ("kind",), f"应为成果类型之一（{', '.join(KINDS)}），实际为 {kind!r}")
    return QuotaLine(key=key, name=r.text(base + ("name",)), kind=kind,
                     count=r.integer(base + ("count",), 1, 1000),
                     enabled=r.boolean(base + ("enabled",)),
                     unit=r.text(base + ("unit",)) if "unit" in table else "篇")


HAND_IN_KEYS = ("first_term_hand_in_month", "first_term_hand_in_day",
                "second_term_hand_in_month", "second_term_hand_in_day")


def _hand_in(r: _Reader, term: str) -> tuple[int, int]:
    month = r.integer(("quotas", f"{term}_term_hand_in_month"), 1, 12)
    day = r.integer(("quotas", f"{term}_term_hand_in_day"), 1, 31)
    try:
        date(2001, month, day)
    except ValueError:
        r.fail(("quotas", f"{term}_term_hand_in_day"), f"不是 {month} 月的有效日期：{day}")
    return month, day


def _checks(r: _Reader) -> CheckRules:
    table = r.table(("quotas",))
    for key, value in table.items():
        if not isinstance(value, dict) and key not in ("rule", *HAND_IN_KEYS):
            r.fail(("quotas", key), "是未知的设置项（拼写错误？）；清单的一行应写成表 [quotas.<名称>]")
    lines = tuple(_quota(r, key) for key, value in table.items() if isinstance(value, dict))
    most = r.integer(("checks", "max_sample_per_teacher"), 1, 200)
    default = r.integer(("checks", "default_sample_per_teacher"), 1, 200)
    if default > most:
        r.fail(("checks", "default_sample_per_teacher"),
               f"不能大于 max_sample_per_teacher（{most}）")
    return CheckRules(quota_rule=r.text(("quotas", "rule")), quotas=lines,
                      default_sample=default, max_sample=most,
                      hand_in=(_hand_in(r, "first"), _hand_in(r, "second")))


def _build(r: _Reader, sources: tuple[str, ...]) -> Rules:
    month, day = _year_start(r)
    return Rules(
        year_start_month=month,
        year_start_day=day,
        annual_target_hours=r.number(("targets", "annual_hours")),
        cycle_target_hours=r.number(("targets", "cycle_hours")),
        cycle_length_years=r.integer(("targets", "cycle_length_years"), 1, 50),
        first_cycle_start_year=r.integer(("targets", "first_cycle_start_year"), 1900, 2200),
        count_cjk_punctuation=r.boolean(("counting", "count_cjk_punctuation")),
        count_notes_and_textboxes=r.boolean(("counting", "count_notes_and_textboxes")),
        near_duplicate_threshold=r.number(("counting", "near_duplicate_threshold"), high=1.0),
        selection_required=r.kinds(("selection", "selection_required")),
        selection_rule=r.text(("selection", "rule")),
        inspectors_may_review=r.boolean(("selection", "inspectors_may_review")),
        reflection=_length_kind(r, "reflection"),
        lesson_design=_length_kind(r, "lesson_design"),
        unit_design=_unit(r),
        paper=_paper(r),
        lecture_notes=_lecture(r),
        research_project=_project(r),
        limit_groups=_limit_groups(r),
        ledger=_ledger(r, month, day),
        sources=sources,
        checks=_checks(r),
    )


def load_rules(override_path: Path | None = None) -> Rules:
    """The packaged defaults, deep-merged with the school's file at ``override_path`` if given."""
    default = _default_source()
    override = _read_override(Path(override_path)) if override_path is not None else None
    merged = default.data
    if override is not None:
        merged = _merge(default.data, override.data, (), override)
    sources = (default.name,) + ((override.name,) if override else ())
    return _build(_Reader(merged, default, override), sources)
