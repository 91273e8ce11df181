"""A 讲稿 (``lecture_notes``) naming a training (``metadata.activity_id``): the activity must be
one of the teacher's school where the teacher is the lecturer (第19条(1)「主讲人交讲稿」)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ...errors import AppError
from ...models import Activity, User
from ...vocabulary import Kind


def check_activity_link(session: Session, actor: User, kind: str, details: dict[str, Any]) -> None:
    """422 unless ``details["activity_id"]`` (when given) names an activity the actor lectured."""
    activity_id = details.get("activity_id")
    if kind != Kind.LECTURE_NOTES or activity_id is None:
        return
    activity = session.get(Activity, activity_id)
    if activity is None or activity.school_id != actor.school_id:
        raise AppError("invalid_activity", f"校本培训活动（编号 {activity_id}）不存在或不是本校的活动，"
                       "请核对 activity_id。", 422)
    if activity.lecturer_id != actor.id:
        raise AppError("not_the_lecturer", f"您不是校本培训活动「{activity.title}」的主讲人，"
                       "只有主讲人上交的讲稿可以注明该活动。", 422)
