"""Template helpers: dates in Chinese, the vocabulary's names, an item's fields shown in words.

Nothing the software keeps for itself (a code, ``True``/``False``, a list of ids, a share such as
0.85) reaches a page as is: ``field_label`` and ``field_value`` turn a metadata field or a
decision's figure into Chinese words through the one vocabulary (``vocabulary.FIELD_NAMES`` …).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask, url_for
from markupsafe import Markup, escape

from .. import vocabulary
from ..extensions import archive
from ..rules import term_zh
from ..rules.years import year_zh
from ..vocabulary import (
    FIELD_NAMES,
    FIELD_VALUE_NAMES,
    GRADE_AWARDS,
    HIDDEN_FIELDS,
    ITEM_LINK_FIELDS,
    SHARE_FIELDS,
    YES_NO,
)

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ACADEMIC_YEAR = re.compile(r"^\d{4}-\d{4}$")
TERM = re.compile(r"^\d{4}-\d{4}-[12]$")


def iso_utc(moment: datetime | None) -> str | None:
    """A stored (naive UTC) time as ISO 8601 with its zone, for the API."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).isoformat(timespec="seconds")


def date_zh(value: str | date | None) -> str:
    """``2025-10-10`` (a string or a date) as people write it: ``2025年10月10日``."""
    if value is None or value == "":
        return ""
    if not isinstance(value, str):
        day = value
    else:
        try:
            day = date.fromisoformat(value[:10])
        except ValueError:
            return value
    return f"{day.year}年{day.month}月{day.day}日"


def field_label(key: str) -> str:
    """The Chinese name of a metadata field or a decision's figure (a key of its own otherwise)."""
    return FIELD_NAMES.get(key, key)


def shown_fields(values: dict[str, Any] | None, skip: tuple[str, ...] = ()) -> list[str]:
    """The keys of ``values`` a page shows: not empty, not internal, not in ``skip``."""
    return [k for k, v in (values or {}).items()
            if v is not None and v != "" and k not in HIDDEN_FIELDS and k not in skip]


def _number(value: float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}"


def field_text(key: str, value: Any) -> str:
    """A field's value in words (plain text; item ids as 编号 N)."""
    if isinstance(value, bool):
        return YES_NO[value]
    if isinstance(value, list):
        return "、".join(field_text(key, v) for v in value) or "无"
    if key in ITEM_LINK_FIELDS:
        return f"编号 {value}"
    if key == "grade" and isinstance(value, int):
        return GRADE_AWARDS.get(value, f"{value} 等")
    if key in SHARE_FIELDS and isinstance(value, int | float):
        return f"{value:.0%}"
    if key == "group":
        return _limit_group_name(str(value))
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, dict):
        return "，".join(f"{field_label(k)} {field_text(k, value[k])}" for k in shown_fields(value))
    return _text(key, str(value))


def _text(key: str, value: str) -> str:
    names = FIELD_VALUE_NAMES.get(key)
    if names and value in names:
        return names[value]
    if ISO_DATE.match(value):
        return date_zh(value)
    if TERM.match(value):
        return term_zh(value)
    if ACADEMIC_YEAR.match(value):
        return f"{year_zh(value)}学年"
    return value


def _limit_group_name(key: str) -> str:
    groups = {g.key: g.name for g in archive.settings.rules.limit_groups}
    return groups.get(key, FIELD_VALUE_NAMES["kind"].get(key, key))


def field_value(key: str, value: Any, linked: dict[int, Any] | None = None) -> Markup:
    """A field's value for a page: words, and the items it names as links or titles.

    ``linked`` maps item ids to what the viewer may know of them (``services.item_lists.
    linked_items``): a title and owner, and whether the viewer may open the item.
    """
    if key in ITEM_LINK_FIELDS:
        ids = value if isinstance(value, list) else [value]
        return Markup("、").join(item_reference(i, linked) for i in ids)
    return escape(field_text(key, value))


def item_reference(item_id: Any, linked: dict[int, Any] | None) -> Markup:
    """Another item named by a decision: a link when the viewer may open it, else its title."""
    known = (linked or {}).get(item_id)
    if known is None:
        return escape(f"编号 {item_id}")
    text = f"《{known['title']}》（{known['owner']}）"
    if known["may_open"]:
        href = url_for("items.detail", item_id=item_id)
        return Markup('<a href="{}">{}</a>').format(href, text)
    return Markup('<span class="unlinked" title="{}">{}</span>').format(
        "您无权打开这项成果", text)


def register_filters(app: Flask) -> None:
    zone = ZoneInfo(app.config.get("TIMEZONE", "Asia/Shanghai"))

    def localtime(value: str | datetime) -> str:
        """A stored UTC time in the school's time zone: ``2025年10月10日 14:03``."""
        moment = datetime.fromisoformat(value) if isinstance(value, str) else value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        local = moment.astimezone(zone)
        return f"{date_zh(local.date())} {local:%H:%M}"

    app.add_template_filter(localtime, "localtime")
    app.add_template_filter(date_zh, "date_zh")
    app.add_template_filter(field_label, "field_label")
    app.add_template_filter(shown_fields, "shown_fields")
    app.jinja_env.globals["field_value"] = field_value
    app.jinja_env.globals["item_reference"] = item_reference
    register_vocabulary(app)


def register_vocabulary(app: Flask) -> None:
    """The one vocabulary as Jinja globals: ``Role.ADMIN``, ``kind_names[item.kind]`` …"""
    for name in ("Role", "Kind", "Code", "RecognitionType", "Selection"):
        app.jinja_env.globals[name] = getattr(vocabulary, name)
    for name in ("KIND_NAMES", "LEVEL_NAMES", "PROJECT_LEVELS", "PROJECT_ROLE_NAMES", "ROLE_NAMES",
                 "DECISION_NAMES", "DECISION_BADGES", "SELECTION_NAMES", "GRADE_NAMES", "RECOGNITION_TYPE_NAMES",
                 "ACTION_NAMES", "SOURCE_NAMES", "ATTENDANCE_NAMES", "ACTIVITY_ROLE_NAMES",
                 "VERIFICATION_NAMES", "TRAINING_MODE_NAMES", "ATTACHMENT_PURPOSES", "LESSON_TYPES",
                 "FIELD_NAMES"):
        app.jinja_env.globals[name.lower()] = getattr(vocabulary, name)
    app.jinja_env.globals["term_names"] = term_zh
