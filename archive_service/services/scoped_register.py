"""The register an actor may see: their scope, the request's filters and year."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from ..errors import AppError, Forbidden
from ..models import User
from ..vocabulary import Role
from .accounts import find_school
from .ledger_register import build_register
from .register import current_year, teachers_query
from .scope import all_schools
from .settings import Settings
from .shapes import Register


@dataclass
class RegisterRequest:
    year: str = ""
    school: str | int = ""  # a name, or an id (int)
    teacher: str | int = ""  # a username, or an id (int)
    subject: str = ""
    group: str = ""  # a 教研组 by name


def check_year(year: str) -> str:
    parts = year.split("-")
    if len(parts) != 2 or not all(p.isdigit() and len(p) == 4 for p in parts) \
            or int(parts[1]) != int(parts[0]) + 1:
        raise AppError("invalid_year", f"学年「{year}」格式不对，应写成 2025-2026。")
    return year


def register_for(session: Session, settings: Settings, actor: User, req: RegisterRequest
                 ) -> Register:
    """The register the actor may see; teachers see only themselves."""
    year = check_year(req.year) if req.year else current_year(settings)
    school_id = None
    if req.school:
        school = find_school(session, req.school)
        if school is None:
            raise AppError("unknown_school", f"学校「{req.school}」不存在。", 404)
        if actor.role != Role.TEACHER and not all_schools(actor) and school.id != actor.school_id:
            raise Forbidden("您只能查看本校的学时登记。")
        school_id = school.id
    teacher: str | int = req.teacher
    if actor.role == Role.TEACHER:
        teacher = actor.id
    query = teachers_query(school_id, teacher or None, req.subject or None,
                           actor.school_id, all_schools(actor) and actor.role != Role.TEACHER,
                           req.group or None)
    return build_register(session, settings, year, query)
