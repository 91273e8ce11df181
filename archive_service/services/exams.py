"""The knowledge exam (教师专业知识考试) beside ``put_exam_scores``: the page's list of a school's
teachers with their scores, and the scores read from an XLSX (账号 or 姓名, and 成绩)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import AppError
from ..models import ExamResult, School, User
from ..rules.years import year_start
from ..vocabulary import Role
from .activities import put_exam_scores
from .attendance import teacher_of_row
from .roster.groups import school_in_scope
from .scope import require_admin
from .sheets import read_sheet

SCORE_COLUMNS = ("成绩", "分数", "考试成绩")


@dataclass(frozen=True)
class ExamLine:
    username: str
    name: str
    staff_no: str
    score: float | None


def exam_sheet(session: Session, actor: User, year: str,
               school_ref: str | int | None) -> tuple[School, list[ExamLine]]:
    """Every teacher of the school with the score on record for ``year`` (None: not taken)."""
    require_admin(actor)
    try:
        year_start(year)
    except ValueError:
        raise AppError("invalid_year", f"学年 {year!r} 无效，应写作 2025-2026", 422) from None
    school = school_in_scope(session, actor, school_ref)
    scores = dict(session.execute(select(ExamResult.teacher_id, ExamResult.score).where(
        ExamResult.school_id == school.id, ExamResult.academic_year == year)).all())
    teachers = session.scalars(select(User).where(
        User.school_id == school.id, User.role == Role.TEACHER).order_by(User.staff_no, User.name))
    return school, [ExamLine(u.username, u.name, u.staff_no, scores.get(u.id)) for u in teachers]


def _score(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def scores_from_sheet(session: Session, school: School, data: bytes,
                      filename: str) -> list[dict[str, object]]:
    """An exam sheet as ``put_exam_scores``' list; every bad row named in one 422.  A row
    without a score is a teacher who did not take the exam (left out)."""
    sheet = read_sheet(data, filename)
    column = next((c for c in SCORE_COLUMNS if c in sheet.headers), None)
    if column is None or not {"账号", "姓名"} & set(sheet.headers):
        raise AppError("invalid_sheet", "成绩表第 1 行应有「账号」或「姓名」列，以及「成绩」列。", 422)
    teachers = list(session.scalars(select(User).where(User.school_id == school.id,
                                                       User.role == Role.TEACHER)))
    by_username = {u.username: u for u in teachers}
    by_name: dict[str, list[User]] = {}
    for u in teachers:
        by_name.setdefault(u.name, []).append(u)
    scores: list[dict[str, object]] = []
    problems = []
    for number, cells in sheet.rows:
        who, problem = teacher_of_row(cells, by_username, by_name)
        text = cells.get(column, "").strip()
        score = _score(text) if text else None
        if text and score is None:
            problem = problem or f"成绩「{text}」无效，应为不小于 0 的数"
        if problem:
            problems.append(f"第 {number} 行：{problem}")
        elif who is not None and score is not None:
            scores.append({"teacher": who.username, "score": score})
    if problems:
        raise AppError("invalid_sheet", "成绩表有误，未作任何修改。" + "；".join(problems[:50]), 422)
    return scores


def save_scores(session: Session, actor: User, year: str, school_ref: str | int | None,
                entries: list[dict[str, str]]) -> int:
    """The exam page's scores (text typed per teacher; blank: did not take it) stored, replacing
    the year's."""
    require_admin(actor)
    school = school_in_scope(session, actor, school_ref)
    scores: list[dict[str, object]] = []
    for entry in entries:
        score = _score(entry["score"])
        if score is None:
            raise AppError("invalid_scores", f"{entry['teacher']} 的成绩「{entry['score']}」无效，"
                                             "应为不小于 0 的数（未参加考试请留空）", 422)
        scores.append({"teacher": entry["teacher"], "score": score})
    return put_exam_scores(session, actor, year, school.id, scores)


def import_scores(session: Session, actor: User, year: str, school_ref: str | int | None,
                  data: bytes, filename: str) -> int:
    """An exam sheet's scores stored, replacing the school's scores of ``year``."""
    require_admin(actor)
    school = school_in_scope(session, actor, school_ref)
    return put_exam_scores(session, actor, year, school.id,
                           scores_from_sheet(session, school, data, filename))
