"""What the activity, attendance and exam pages show, as plain values (views only render them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import Forbidden
from ..models import TeachingGroup, User
from ..vocabulary import Role
from .accounts import visible_schools
from .activities import led_group
from .attendance import list_activities
from .settings import Settings


@dataclass
class ActivitiesPage:
    year: str
    activities: list[dict[str, Any]]
    can_create: bool
    schools: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    teachers: list[tuple[str, str]] = field(default_factory=list)  # (username, 姓名（学校）)
    fixed_group: str | None = None  # a leader records only their own group's activities


def activities_page(session: Session, settings: Settings, actor: User, year: str) -> ActivitiesPage:
    """The year's activities the actor sees, and what the create form offers."""
    group = led_group(session, settings, actor)
    if actor.role == Role.TEACHER and group is None:
        raise Forbidden("只有管理员（或获授权的教研组组长）可以查看和记录活动。")
    rows = list_activities(session, settings, actor, year, None)
    if group is not None:
        rows = [a for a in rows if a["group"] == group.name]
    page = ActivitiesPage(year=year, activities=rows,
                          can_create=actor.role == Role.ADMIN or group is not None,
                          fixed_group=group.name if group else None)
    if not page.can_create:
        return page
    schools = [s for s in visible_schools(session, actor)
               if group is None or s.id == group.school_id]
    page.schools = [s.name for s in schools]
    ids = [s.id for s in schools]
    page.groups = [group.name] if group else sorted({g for g in session.scalars(
        select(TeachingGroup.name).where(TeachingGroup.school_id.in_(ids)))})
    names = {s.id: s.name for s in schools}
    page.teachers = [(u.username, f"{u.name}（{names[u.school_id or 0]}）") for u in session.scalars(
        select(User).where(User.school_id.in_(ids), User.role == Role.TEACHER,
                           User.active.is_(True)).order_by(User.school_id, User.name))]
    return page


def school_names(session: Session, actor: User) -> list[str]:
    """The schools an admin's exam page can choose from."""
    return [s.name for s in visible_schools(session, actor)]


__all__ = ["ActivitiesPage", "activities_page", "school_names"]
