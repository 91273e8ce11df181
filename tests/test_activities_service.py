"""Recording activities and exam scores on a real migrated SQLite database (services/activities)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive_service.db import make_engine
from archive_service.errors import AppError, Forbidden
from archive_service.models import Activity, ExamResult, School, TeachingGroup, User
from archive_service.rules import load_rules
from archive_service.services.activities import create_activity, get_activity, put_exam_scores
from archive_service.services.ledger import school_ledger
from archive_service.services.settings import Settings
from archive_service.services.setup import migrate

SETTINGS = Settings(rules=load_rules(), ocr_enabled=False, max_ocr_pages=0, max_upload_bytes=1)


class Db:
    def __init__(self, s: Session) -> None:
        self.s = s
        self.school, self.other = School(name="第一中学"), School(name="第二中学")
        s.add_all([self.school, self.other])
        s.flush()
        self.admin = self.person("admin1", self.school, "admin")
        self.far_admin = self.person("admin2", self.other, "admin")
        self.li, self.wang = self.person("li", self.school), self.person("wang", self.school)
        self.sun = self.person("sun", self.other)
        s.add(TeachingGroup(school_id=self.school.id, name="数学组"))
        s.commit()

    def person(self, username: str, school: School, role: str = "teacher") -> User:
        user = User(username=username, name=username, role=role, school_id=school.id,
                    password_hash="x")
        self.s.add(user)
        self.s.flush()
        return user


@pytest.fixture()
def db(tmp_path: Path) -> Iterator[Db]:
    engine = make_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    migrate(engine)
    with Session(engine) as s:
        yield Db(s)
    engine.dispose()


TRAINING = {"school": "第一中学", "kind": "training", "title": "新课标解读", "date": "2026-02-01",
            "hours": 1.5, "lecturer": "li", "in_school_expert": True}


def test_create_training_derives_year_and_term(db: Db) -> None:
    """001 §19(1) session with an in-school expert; 000 第7篇 terms (第二学期自 2 月 1 日)."""
    row = create_activity(db.s, SETTINGS, db.admin, TRAINING)
    db.s.commit()
    assert (row.academic_year, row.term, row.session_hours) == ("2025-2026", "2025-2026-2", 1.5)
    assert row.lecturer_id == db.li.id and row.in_school_expert
    research = create_activity(db.s, SETTINGS, db.admin, {
        "school": "第一中学", "kind": "research_activity", "title": "集体备课",
        "date": "2026-01-31", "organizer": "wang", "group": "数学组"})
    assert research.term == "2025-2026-1" and research.organizer_id == db.wang.id
    assert get_activity(db.s, db.li, row.id) is row


BAD: list[tuple[dict[str, Any], str]] = [
    ({"kind": "party"}, "活动类型 'party' 无效"),
    ({"title": " "}, "请填写活动名称"),
    ({"date": "2026-02-30"}, "活动日期 '2026-02-30' 无效"),
    ({"hours": 0}, "培训时长 hours 0 无效"),
    ({"hours": "2"}, "培训时长 hours '2' 无效"),
    ({"lecturer": "sun"}, "主讲人：'sun' 不是第一中学的教师"),
    ({"lecturer": None, "lecturer_name": "张教授"}, "校内专家主讲须填写主讲人的账号"),
    ({"school": "第九中学"}, "学校 '第九中学' 不存在"),
    ({"group": "语文组"}, "教研组 '语文组' 不是第一中学的教研组"),
]


@pytest.mark.parametrize(("change", "message"), BAD, ids=[m for _, m in BAD])
def test_bad_activity_is_refused_and_nothing_stored(db: Db, change: dict[str, Any],
                                                     message: str) -> None:
    with pytest.raises(AppError, match=message) as info:
        create_activity(db.s, SETTINGS, db.admin, TRAINING | change)
    assert info.value.status == 422
    db.s.rollback()
    assert db.s.scalar(select(func.count()).select_from(Activity)) == 0


def test_only_the_schools_admins_record(db: Db) -> None:
    with pytest.raises(Forbidden):
        create_activity(db.s, SETTINGS, db.li, TRAINING)
    with pytest.raises(AppError, match="不在您的管理范围内"):
        create_activity(db.s, SETTINGS, db.far_admin, TRAINING)


def test_exam_scores_replace_and_feed_the_ledger(db: Db) -> None:
    """001 §19(4)D「前三分之一记3学时，后三分之一记1学时，中间记2学时」 with two takers: 3 and 2."""
    put_exam_scores(db.s, db.admin, "2025-2026", "第一中学",
                    [{"teacher": "li", "score": 50}, {"teacher": "wang", "score": 70}])
    put_exam_scores(db.s, db.admin, "2025-2026", "第一中学",
                    [{"teacher": "li", "score": 90}, {"teacher": "wang", "score": 70}])
    db.s.commit()
    assert db.s.scalar(select(func.count()).select_from(ExamResult)) == 2
    ledger = school_ledger(db.s, SETTINGS, db.school.id, "2025-2026")
    assert ledger[db.li.id].hours_by_source["exam"] == 3
    assert ledger[db.wang.id].hours_by_source["exam"] == 2
    for scores, message in [
        ([{"teacher": "li", "score": -1}], "第 1 条成绩：分数 -1 无效"),
        ([{"teacher": "li", "score": 1}, {"teacher": "sun", "score": 1}],
         "第 2 条成绩：教师：'sun' 不是第一中学的教师"),
        ([{"teacher": "li", "score": 1}, {"teacher": "li", "score": 2}], "第 2 条成绩：教师 li 重复出现"),
        ("li", "scores 应为列表"),
    ]:
        with pytest.raises(AppError, match=message):
            put_exam_scores(db.s, db.admin, "2025-2026", "第一中学", scores)
        db.s.rollback()
    with pytest.raises(AppError, match="学年 '2025' 无效"):
        put_exam_scores(db.s, db.admin, "2025", "第一中学", [])
    db.s.rollback()
    stored = db.s.execute(select(ExamResult.teacher_id, ExamResult.score)
                          .order_by(ExamResult.teacher_id)).all()
    assert stored == [(db.li.id, 90), (db.wang.id, 70)]
    assert date(2026, 8, 31) == ledger[db.li.id].lines[0].date
