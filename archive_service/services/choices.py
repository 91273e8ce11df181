"""What the pages offer in their dropdowns: schools, academic years, 教研组 and teachers in scope.

A page never asks for a school, a year or a teacher to be typed exactly: it offers these lists,
each limited to what the acting user may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import School, User
from ..vocabulary import Role
from .item_lists import item_years
from .ledger_register import group_names
from .register import current_year
from .scope import all_schools
from .settings import Settings


@dataclass
class Choices:
    """Dropdown options: years newest first; teachers as (username, 姓名（学校）) by name."""

    years: list[str]
    schools: list[str] = field(default_factory=list)  # only for users who see several schools
    groups: list[str] = field(default_factory=list)
    teachers: list[tuple[str, str]] = field(default_factory=list)


def year_choices(session: Session, settings: Settings, actor: User, *extra: str) -> list[str]:
    """Years with items the actor may see, the current one and any asked for; newest first."""
    wanted = {*item_years(session, actor), current_year(settings), *(y for y in extra if y)}
    return sorted(wanted, reverse=True)


def teacher_choices(session: Session, actor: User) -> list[tuple[str, str]]:
    """Teachers the actor may see (a teacher: themselves) as (username, shown name)."""
    query = select(User).where(User.role == Role.TEACHER).order_by(User.name, User.username)
    if actor.role == Role.TEACHER:
        query = query.where(User.id == actor.id)
    elif not all_schools(actor):
        query = query.where(User.school_id == actor.school_id)
    several = all_schools(actor)
    return [(u.username, f"{u.name}（{u.school.name}）" if several and u.school else u.name)
            for u in session.scalars(query)]


def choices_for(session: Session, settings: Settings, actor: User, *years: str) -> Choices:
    """Every dropdown of the filter forms (search, 学校筛选, 学时登记, exports)."""
    schools = (list(session.scalars(select(School.name).order_by(School.name)))
               if all_schools(actor) else [])
    groups = group_names(session, actor) if actor.role != Role.TEACHER else []
    return Choices(years=year_choices(session, settings, actor, *years), schools=schools,
                   groups=groups, teachers=teacher_choices(session, actor))
