"""Template helpers: local time, the vocabulary's Chinese names, labels for a decision's figures."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import Flask

from .. import vocabulary
from ..rules import term_zh

NUMBER_LABELS = {
    "char_count": "字数", "threshold": "字数要求", "hours": "学时", "limit": "每学年限额",
    "group": "限额组", "winner_ids": "占用名额的成果", "original_id": "原成果编号",
    "similarity": "相似度", "session_hours": "讲座学时", "factor": "倍数",
    "in_school_expert": "校内专家主讲", "hours_per_session_hour": "每小时计学时",
    "recognition_id": "获奖/发表编号", "recognition_type": "类别", "recognition_date": "日期",
    "level": "级别", "grade": "等次", "counted_year": "认定学年", "counted_item_id": "认定的成果",
    "counted_code": "认定结果", "field": "缺少的信息", "role": "角色", "selected": "已入选",
    "conclusion_date": "结题日期", "returned_reason": "退回理由", "recognitions": "获奖/发表数",
    "would_earn": "核验或补齐后可得学时", "verification": "核验状态", "missing": "缺少的材料",
    "mode": "培训形式", "certified_hours": "证书学时", "days": "培训天数",
}


def iso_utc(moment: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with its zone, for the API."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).isoformat(timespec="seconds")


def register_filters(app: Flask) -> None:
    zone = ZoneInfo(app.config.get("TIMEZONE", "Asia/Shanghai"))

    def localtime(value: str | datetime) -> str:
        """A stored UTC time shown in the school's time zone."""
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")

    app.add_template_filter(localtime, "localtime")
    app.jinja_env.globals["number_labels"] = NUMBER_LABELS
    register_vocabulary(app)


def register_vocabulary(app: Flask) -> None:
    """The one vocabulary as Jinja globals: ``Role.ADMIN``, ``kind_names[item.kind]`` …"""
    for name in ("Role", "Kind", "Code", "RecognitionType", "Selection"):
        app.jinja_env.globals[name] = getattr(vocabulary, name)
    for name in ("KIND_NAMES", "LEVEL_NAMES", "PROJECT_LEVELS", "PROJECT_ROLE_NAMES", "ROLE_NAMES",
                 "DECISION_NAMES", "DECISION_BADGES", "SELECTION_NAMES", "GRADE_NAMES", "RECOGNITION_TYPE_NAMES",
                 "ACTION_NAMES", "SOURCE_NAMES", "ATTENDANCE_NAMES", "ACTIVITY_ROLE_NAMES",
                 "VERIFICATION_NAMES", "TRAINING_MODE_NAMES", "ATTACHMENT_PURPOSES", "LESSON_TYPES"):
        app.jinja_env.globals[name.lower()] = getattr(vocabulary, name)
    app.jinja_env.globals["term_names"] = term_zh
