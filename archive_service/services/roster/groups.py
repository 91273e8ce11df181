"""教研组 (teaching-research groups): one school's groups, their leaders and members.

A user belongs to at most one group (``group_members`` is keyed by the user).  Only the school's
admins (or an all-schools admin) add groups; everyone in the school's scope may list them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ...errors import AppError, Forbidden
from ...models import GroupMember, School, TeachingGroup, User
from ...vocabulary import Role
from ..accounts import find_school
from ..scope import all_schools, can_see_school, require_admin

MAX_GROUP_NAME = 100


@dataclass(frozen=True)
class GroupView:
    """A group as the API and the pages show it."""

    id: int
    school: str
    school_id: int
    name: str
    leader: str | None
    members: int

    def as_dict(self) -> dict[str, object]:
        return {"id": self.id, "school": self.school, "school_id": self.school_id,
                "name": self.name, "leader": self.leader, "members": self.members}


def _invalid(message: str) -> AppError:
    return AppError("invalid_group", message, 422)


def school_in_scope(session: Session, actor: User, ref: str | int | None) -> School:
    """The school ``ref`` names, which ``actor`` may see; an admin of one school may leave it out."""
    if ref in (None, "") and actor.school_id is not None:
        ref = actor.school_id
    school = find_school(session, ref)
    if school is None or not can_see_school(actor, school.id):
        raise _invalid(f"学校 {ref!r} 不存在或不在您的范围内，请核对学校名称"
                       if ref not in (None, "") else "请填写学校（school）")
    return school


def add_group(session: Session, actor: User, school_ref: str | int | None, name: str,
              leader: str | None = None) -> GroupView:
    """Add a 教研组 to a school (``POST /api/v1/groups``)."""
    require_admin(actor)
    school = school_in_scope(session, actor, school_ref)
    name = (name or "").strip()
    if not name or len(name) > MAX_GROUP_NAME:
        raise _invalid(f"请填写教研组名称（不超过 {MAX_GROUP_NAME} 字）")
    if session.scalar(select(TeachingGroup.id).where(TeachingGroup.school_id == school.id,
                                                     TeachingGroup.name == name)):
        raise AppError("group_exists", f"{school.name}已有教研组「{name}」。", 409)
    group = TeachingGroup(school_id=school.id, name=name)
    if leader:
        person = session.scalar(select(User).where(User.username == leader))
        if person is None or person.school_id != school.id or person.role != Role.TEACHER:
            raise _invalid(f"组长 {leader!r} 不是{school.name}的教师，请核对账号")
        group.leader_id = person.id
    session.add(group)
    session.flush()
    if group.leader_id is not None:
        set_membership(session, group.leader_id, group.id)
    return _views(session, [group])[0]


def list_groups(session: Session, actor: User, school_ref: str | int | None = None) -> list[GroupView]:
    """The groups of one school, or of every school the actor sees."""
    query = select(TeachingGroup).order_by(TeachingGroup.school_id, TeachingGroup.name)
    if school_ref not in (None, ""):
        query = query.where(TeachingGroup.school_id == school_in_scope(session, actor, school_ref).id)
    elif not all_schools(actor):
        if actor.school_id is None:
            raise Forbidden()
        query = query.where(TeachingGroup.school_id == actor.school_id)
    return _views(session, list(session.scalars(query)))


def _views(session: Session, groups: list[TeachingGroup]) -> list[GroupView]:
    ids = [g.id for g in groups]
    counts = dict(session.execute(select(GroupMember.group_id, func.count())
                                  .where(GroupMember.group_id.in_(ids))
                                  .group_by(GroupMember.group_id)).all()) if ids else {}
    schools = {s.id: s.name for s in session.scalars(
        select(School).where(School.id.in_({g.school_id for g in groups})))}
    leaders = {u.id: u.username for u in session.scalars(
        select(User).where(User.id.in_({g.leader_id for g in groups if g.leader_id})))}
    return [GroupView(id=g.id, school=schools[g.school_id], school_id=g.school_id, name=g.name,
                      leader=leaders.get(g.leader_id) if g.leader_id else None,
                      members=counts.get(g.id, 0)) for g in groups]


def groups_by_name(session: Session, school_ids: set[int]) -> dict[tuple[int, str], int]:
    """(school id, group name) → group id, for the schools given."""
    rows = session.execute(select(TeachingGroup.school_id, TeachingGroup.name, TeachingGroup.id)
                           .where(TeachingGroup.school_id.in_(school_ids)))
    return {(s, n): i for s, n, i in rows}


def set_membership(session: Session, user_id: int, group_id: int | None) -> None:
    """Put a user in a group (``None``: in none); the old membership, if any, ends."""
    session.execute(delete(GroupMember).where(GroupMember.user_id == user_id))
    if group_id is not None:
        session.add(GroupMember(user_id=user_id, group_id=group_id))
    session.flush()


def find_group(session: Session, school_id: int | None, name: str | None) -> int | None:
    """The id of the group ``name`` of the school; 422 when the school has no such group."""
    if not name:
        return None
    group_id = groups_by_name(session, {school_id} if school_id else set()).get(
        (school_id or 0, name))
    if group_id is None:
        raise _invalid(f"教研组「{name}」不存在：请先在该学校添加教研组")
    return group_id


def assign_group(session: Session, user: User, name: str | None) -> None:
    """Put a new or edited user in their school's group ``name`` (blank: in none)."""
    set_membership(session, user.id, find_group(session, user.school_id, name or None))
    session.expire(user, ["membership"])
