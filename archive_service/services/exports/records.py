"""Export records: who may export what, the queued job, the listing and the downloads."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import AppError, Forbidden, NotFound
from ...models import Export, Job, School, User
from ...vocabulary import EXPORT_SCOPE_NAMES, JOB_STATE_NAMES, ExportScope, JobKind, Role
from .. import jobs
from ..accounts import find_school, user_match
from ..scope import all_schools
from ..scoped_register import check_year

FILE_KINDS = ("pdf", "xlsx", "zip", "snapshot")


@dataclass
class ExportRequest:
    year: str
    scope: str = ExportScope.SELECTED
    school: str | int = ""  # a name or an id
    teacher: str | int = ""  # a username or an id


def _school(session: Session, actor: User, ref: str | int) -> School:
    if not ref:
        if actor.school_id is None:
            raise AppError("school_required", "请指定学校（school=学校名称，或 school_id=学校编号）。", 422)
        ref = actor.school_id
    school = find_school(session, ref)
    if school is None:
        raise AppError("unknown_school", f"学校「{ref}」不存在。", 404)
    if not all_schools(actor) and school.id != actor.school_id:
        raise Forbidden("您只能导出本校的成果集。")
    return school


def _teacher(session: Session, actor: User, school: School, ref: str | int) -> User | None:
    if actor.role == Role.TEACHER:
        if ref and ref not in (actor.id, actor.username):
            raise Forbidden("教师只能导出自己的成果。")
        return actor
    if not ref:
        return None
    teacher = session.scalar(select(User).where(user_match(ref), User.role == Role.TEACHER,
                                                User.school_id == school.id))
    if teacher is None:
        raise AppError("unknown_teacher", f"本校没有教师「{ref}」。", 404)
    return teacher


def start_export(session: Session, actor: User, req: ExportRequest) -> Export:
    """Record the export and queue its job (sent to the workers after the commit)."""
    if actor.role not in (Role.ADMIN, Role.TEACHER):
        raise Forbidden("只有管理员（本校）和教师（本人）可以导出成果集。")
    if req.scope not in tuple(ExportScope):
        raise AppError("invalid_scope", "导出范围（scope）应为 selected（学校筛选入册）或 counted（计入学时）。",
                       422)
    year = check_year(req.year.strip()) if req.year.strip() else ""
    if not year:
        raise AppError("year_required", "请指定学年，例如 2025-2026。", 422)
    school = _school(session, actor, req.school if actor.role != Role.TEACHER else "")
    teacher = _teacher(session, actor, school, req.teacher)
    export = Export(school_id=school.id, academic_year=year, scope=req.scope,
                    teacher_id=teacher.id if teacher else None, created_by_id=actor.id)
    session.add(export)
    session.flush()
    job = jobs.submit(session, JobKind.EXPORT, {"export_id": export.id}, actor=actor,
                      school_id=school.id)
    export.job_id = job.id
    session.flush()
    return export


def may_see(user: User, export: Export) -> bool:
    if user.role == Role.TEACHER:
        return export.created_by_id == user.id or export.teacher_id == user.id
    if user.role != Role.ADMIN:
        return False
    return all_schools(user) or export.school_id == user.school_id


def visible_export(session: Session, user: User, export_id: int) -> Export:
    export = session.get(Export, export_id)
    if export is None or not may_see(user, export):
        raise NotFound()
    return export


def list_exports(session: Session, user: User) -> list[dict[str, Any]]:
    rows = session.scalars(select(Export).order_by(Export.id.desc()).limit(200))
    return [export_dict(session, e) for e in rows if may_see(user, e)]


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.replace(tzinfo=UTC).isoformat(timespec="seconds")


def export_dict(session: Session, export: Export) -> dict[str, Any]:
    job = session.get(Job, export.job_id) if export.job_id else None
    school = session.get(School, export.school_id)
    teacher = session.get(User, export.teacher_id) if export.teacher_id else None
    return {
        "id": export.id, "school": school.name if school else "", "year": export.academic_year,
        "scope": export.scope, "scope_name": EXPORT_SCOPE_NAMES.get(export.scope, export.scope),
        "teacher": teacher.username if teacher else None,
        "created_by": export.created_by.name, "created_at": _iso(export.created_at),
        "finished_at": _iso(export.finished_at), "job_id": export.job_id,
        "state": job.state if job else "failed",
        "state_name": JOB_STATE_NAMES.get(job.state, job.state) if job else "失败",
        "items": export.items, "pages": export.pages,
        "size": sum(int(f["size"]) for f in export.files),
        "files": [{k: f[k] for k in ("kind", "name", "size", "sha256", "media")} for f in export.files],
        "snapshot_sha256": export.snapshot_sha256,
        "zero_hour_items": export.zero_hour_items,
    }


def export_file(session: Session, user: User, export_id: int, kind: str) -> dict[str, Any]:
    """A stored file of a finished export: {key, name, size, media}."""
    export = visible_export(session, user, export_id)
    if kind not in FILE_KINDS:
        raise AppError("unknown_file", f"没有这种导出文件「{kind}」，可选：{'、'.join(FILE_KINDS)}。", 404)
    for entry in export.files:
        if entry["kind"] == kind:
            return dict(entry)
    raise AppError("export_not_ready", "导出尚未完成（或已失败），文件还不能下载。请查看任务进度。", 409)
