"""Validation of the typed metadata each kind carries (checked at input; missing fields are
left to the rules engine, which reports them as ``missing_metadata``)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any, TypedDict

from ..errors import AppError
from ..vocabulary import (
    AWARD_LEVELS,
    LESSON_TYPES,
    PROJECT_LEVELS,
    PROJECT_ROLES,
    PUBLICATION_LEVELS,
    Kind,
    RecognitionType,
    TrainingMode,
)


class RecognitionInput(TypedDict):
    """A validated paper recognition, as the form or the API gave it."""

    type: str  # RecognitionType
    level: str  # Level
    grade: int | None  # awards: 1, 2, 3
    date: str  # ISO date


def bad(field: str, message: str) -> AppError:
    return AppError("invalid_metadata", f"{field}：{message}", 400)


def parse_date(value: Any, field: str) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise bad(field, f"日期「{value}」格式不对，请写成 YYYY-MM-DD，例如 2025-10-08。") from None


def parse_metadata(raw: str | dict[str, Any] | None) -> dict[str, Any]:
    if raw in (None, ""):
        return {}
    if isinstance(raw, dict):
        return dict(raw)
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise bad("metadata", "不是合法的 JSON 对象，例如 {\"lesson_count\": 3}。") from None
    if not isinstance(value, dict):
        raise bad("metadata", "必须是 JSON 对象，例如 {\"lesson_count\": 3}。")
    return value


def _bool(meta: dict[str, Any], key: str, label: str) -> None:
    if key not in meta:
        return
    value = meta[key]
    if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no", "on"):
        value = value.lower() in ("true", "1", "yes", "on")
    if not isinstance(value, bool):
        raise bad(label, "应为是或否（true/false）。")
    meta[key] = value


def _number(meta: dict[str, Any], key: str, label: str, *, integer: bool, high: float) -> None:
    if key not in meta or meta[key] in (None, ""):
        meta.pop(key, None)
        return
    try:
        value = float(meta[key])
    except (TypeError, ValueError):
        raise bad(label, "应为数字。") from None
    if integer and value != int(value):
        raise bad(label, "应为整数。")
    if not 0 < value <= high:
        raise bad(label, f"应大于 0 且不超过 {high:g}。")
    meta[key] = int(value) if integer or value == int(value) else value


def _choice(meta: dict[str, Any], key: str, label: str, choices: tuple[str, ...]) -> None:
    if key in meta and meta[key] not in choices:
        raise bad(label, f"只能是 {' / '.join(choices)} 之一。")


def validate_recognition(raw: Any, index: int = 0) -> RecognitionInput:
    """One paper recognition: award (level + grade) or publication (level)."""
    label = f"第 {index + 1} 项获奖/发表"
    if not isinstance(raw, dict):
        raise bad(label, "应为对象，例如 {\"type\": \"award\", \"level\": \"city\", \"grade\": 1, "
                  "\"date\": \"2025-12-01\"}。")
    kind = raw.get("type")
    if kind == RecognitionType.AWARD:
        _choice(raw, "level", label + "的级别", AWARD_LEVELS)
        if raw.get("grade") not in (1, 2, 3, "1", "2", "3"):
            raise bad(label, "获奖等次 grade 只能是 1、2、3（一、二、三等奖）。")
        grade: int | None = int(raw["grade"])
    elif kind == RecognitionType.PUBLICATION:
        _choice(raw, "level", label + "的级别", PUBLICATION_LEVELS)
        grade = None
    else:
        raise bad(label, "type 只能是 award（获奖）或 publication（期刊发表）。")
    if "level" not in raw:
        raise bad(label, "缺少级别 level。")
    if "date" not in raw:
        raise bad(label, "缺少获奖或发表日期 date。")
    when = parse_date(raw["date"], label + "的日期")
    return {"type": kind, "level": raw["level"], "grade": grade, "date": when.isoformat()}


def _text(meta: dict[str, Any], key: str, label: str, high: int) -> None:
    if key not in meta or meta[key] is None:
        meta.pop(key, None)
        return
    if not isinstance(meta[key], str) or len(meta[key].strip()) > high:
        raise bad(label, f"应为不超过 {high} 字的文字。")
    meta[key] = meta[key].strip()


def _external_training(meta: dict[str, Any]) -> None:
    """集中/外出/远程培训: organiser, dates, days, the certificate's hours, offline or online."""
    _text(meta, "organizer", "培训单位 organizer", 200)
    for key, label in (("start_date", "开始日期 start_date"), ("end_date", "结束日期 end_date")):
        if meta.get(key):
            meta[key] = parse_date(meta[key], label).isoformat()
        else:
            meta.pop(key, None)
    if "start_date" in meta and "end_date" in meta and meta["start_date"] > meta["end_date"]:
        raise bad("开始日期 start_date", "不能晚于结束日期 end_date。")
    _number(meta, "days", "培训天数 days", integer=False, high=366)
    _number(meta, "certified_hours", "证书学时 certified_hours", integer=False, high=1000)
    if meta.get("mode") in (None, ""):
        raise bad("培训形式 mode", "请选择 offline（集中/外出培训）或 online（远程网络培训）。")
    _choice(meta, "mode", "培训形式 mode", tuple(TrainingMode))


def _public_lesson(meta: dict[str, Any]) -> None:
    """公开课/示范课: the lesson's topic (教学课题) and which of the two it was."""
    _text(meta, "lesson_title", "教学课题 lesson_title", 300)
    if meta.get("lesson_type") in (None, ""):
        raise bad("课型 lesson_type", "请选择 公开课 或 示范课。")
    _choice(meta, "lesson_type", "课型 lesson_type", LESSON_TYPES)


def validate_metadata(kind: str, meta: dict[str, Any]) -> dict[str, Any]:
    """Check the types and ranges of the fields this kind knows; keep other keys as given."""
    meta = dict(meta)
    if kind == Kind.EXTERNAL_TRAINING:
        _external_training(meta)
    elif kind == Kind.PUBLIC_LESSON:
        _public_lesson(meta)
    elif kind == Kind.UNIT_DESIGN:
        _number(meta, "lesson_count", "课时数 lesson_count", integer=True, high=100)
        _bool(meta, "has_courseware", "是否含课件 has_courseware")
    elif kind == Kind.LECTURE_NOTES:
        _number(meta, "session_hours", "讲座学时 session_hours", integer=False, high=100)
        _bool(meta, "in_school_expert", "是否校内专家主讲 in_school_expert")
        _number(meta, "activity_id", "校本培训活动编号 activity_id", integer=True, high=2**31 - 1)
        if meta.get("session_date"):
            meta["session_date"] = parse_date(meta["session_date"], "讲座日期").isoformat()
    elif kind == Kind.PAPER:
        recs = meta.get("recognitions", [])
        if not isinstance(recs, list):
            raise bad("recognitions", "应为列表。")
        meta["recognitions"] = [validate_recognition(r, i) for i, r in enumerate(recs)]
    elif kind == Kind.RESEARCH_PROJECT:
        _choice(meta, "level", "课题级别 level", PROJECT_LEVELS)
        _choice(meta, "role", "本人角色 role", PROJECT_ROLES)
        _bool(meta, "has_approval_document", "是否有立项批准文件 has_approval_document")
        for key, label in (("approval_date", "立项日期"), ("conclusion_date", "结题日期")):
            if meta.get(key):
                meta[key] = parse_date(meta[key], label).isoformat()
    return meta
