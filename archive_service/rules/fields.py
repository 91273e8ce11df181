"""Check 1 (``missing_metadata``) and the length rule: the typed fields each kind needs.

The metadata arrives as the teacher entered it (JSON), so every reader here accepts any value and
answers ``None`` for what is missing or invalid.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from ..vocabulary import LENGTH_KINDS, PROJECT_LEVELS, PROJECT_ROLES, Kind
from .config import LengthKindRules, PaperRules, Rules
from .facts import ItemFacts


def as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            return None
    return None


def positive_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value) if value > 0 else None


def lesson_count(value: Any) -> int | None:
    number = positive_number(value)
    return int(number) if number is not None and number.is_integer() else None


def linked_activity(item: ItemFacts) -> int | None:
    """The training a ``lecture_notes`` item names (``metadata.activity_id``), if any."""
    value = item.metadata.get("activity_id")
    if item.kind != Kind.LECTURE_NOTES or isinstance(value, bool) or not isinstance(value, int):
        return None
    return value if value > 0 else None


def missing_field(item: ItemFacts, rules: Rules) -> tuple[str, str] | None:
    """(field, Chinese message) of the first missing or invalid field the kind needs."""
    meta = item.metadata
    if item.kind == Kind.UNIT_DESIGN:
        if lesson_count(meta.get("lesson_count")) is None:
            if meta.get("lesson_count") in (None, ""):
                return "lesson_count", "单元整体教学设计缺少课时数"
            return "lesson_count", "单元整体教学设计的课时数无效（应为不小于 1 的整数）"
        if rules.unit_design.requires_courseware and meta.get("has_courseware") is not True:
            return "has_courseware", "单元整体教学设计缺少教学课件（须登记并附课件）"
    elif item.kind == Kind.LECTURE_NOTES and linked_activity(item) is None:
        if positive_number(meta.get("session_hours")) is None:
            return "session_hours", "专题讲稿缺少讲座学时（应为大于 0 的数）"
    elif item.kind == Kind.RESEARCH_PROJECT:
        return _missing_project_field(meta)
    return None


def _missing_project_field(meta: dict[str, Any]) -> tuple[str, str] | None:
    if meta.get("level") not in PROJECT_LEVELS:
        return "level", "课题研究缺少课题级别（国家级、省级、市级或县级）"
    if meta.get("role") not in PROJECT_ROLES:
        return "role", "课题研究缺少本人角色（主持人、主笔或主要参与者）"
    if as_date(meta.get("conclusion_date")) is None:
        return "conclusion_date", "课题研究缺少结题日期（结题批准文件的日期）"
    if meta.get("has_approval_document") is not True:
        return "has_approval_document", "课题研究缺少课题申报批准文件"
    return None


def length_threshold(kind: str, metadata: dict[str, Any], rules: Rules) -> int | None:
    """The minimum 字数 for an item of this kind, or None when the kind has no length rule."""
    if kind not in LENGTH_KINDS:
        return None
    if kind == Kind.UNIT_DESIGN:
        lessons = lesson_count(metadata.get("lesson_count")) or 1
        minimum = rules.unit_design.min_chars_per_lesson * lessons
    else:
        table = rules.kind_rules(kind)
        minimum = table.min_chars if isinstance(table, LengthKindRules | PaperRules) else 0
    return minimum or None


def threshold(item: ItemFacts, rules: Rules) -> int | None:
    return length_threshold(item.kind, item.metadata, rules)
