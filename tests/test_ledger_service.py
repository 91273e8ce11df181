"""The 学时台账 read from a real migrated SQLite database: rows → facts → each teacher's year."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from archive_service.db import make_engine
from archive_service.errors import AppError, Forbidden, NotFound
from archive_service.models import (
    Activity,
    AttendanceRecord,
    ExamResult,
    GroupMember,
    Item,
    ItemVersion,
    School,
    TeachingGroup,
    User,
)
from archive_service.rules import load_rules
from archive_service.services.ledger import activity_facts, replace_attendance, school_ledger
from archive_service.services.settings import Settings
from archive_service.services.setup import migrate

YEAR = "2025-2026"
SETTINGS = Settings(rules=load_rules(), ocr_enabled=False, max_ocr_pages=0, max_upload_bytes=1)


@pytest.fixture()
def session(tmp_path: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'archive.db'}")
    migrate(engine)
    with Session(engine) as s:
        yield s
    engine.dispose()


def person(s: Session, username: str, school: School, role: str = "teacher") -> User:
    user = User(username=username, name=username, role=role, school_id=school.id,
                password_hash="x")
    s.add(user)
    s.flush()
    return user


def notes_item(s: Session, owner: User, activity_id: int) -> Item:
    item = Item(owner_id=owner.id, kind="lecture_notes", title="讲稿", academic_year=YEAR,
                completion_date=date(2025, 10, 9), details={"activity_id": activity_id})
    s.add(item)
    s.flush()
    version = ItemVersion(item_id=item.id, number=1, object_key=f"k{item.id}", sha256="0" * 64,
                          size=1, mime="application/pdf", original_filename="讲稿.pdf",
                          uploaded_by_id=owner.id)
    s.add(version)
    s.flush()
    item.current_version_id = version.id
    s.flush()
    return item


def activity(s: Session, school: School, creator: User, **fields: object) -> Activity:
    row = Activity(school_id=school.id, academic_year=YEAR, term=f"{YEAR}-1",
                   created_by_id=creator.id, **fields)
    s.add(row)
    s.flush()
    return row


def test_school_ledger_from_rows(session: Session) -> None:
    """001 §19(1)「若校内专家主讲，主讲人与参培者按4:1计学时」, 「主讲人交讲稿」;
    000 第7篇 考勤; 001 §19(4)D exam thirds — all read from the database."""
    s = session
    school, other_school = School(name="第一中学"), School(name="第二中学")
    s.add_all([school, other_school])
    s.flush()
    admin = person(s, "admin1", school, "admin")
    lecturer, late, absent, stranger = (person(s, n, school) for n in ("li", "wang", "zhao", "qian"))
    elsewhere = person(s, "sun", other_school)
    group = TeachingGroup(school_id=school.id, name="数学组", leader_id=lecturer.id)
    s.add(group)
    s.flush()
    s.add(GroupMember(user_id=late.id, group_id=group.id))
    talk = activity(s, school, admin, kind="training", title="新课标解读", date=date(2025, 10, 9),
                    session_hours=2.0, lecturer_id=lecturer.id, in_school_expert=True)
    meeting = activity(s, school, admin, kind="research_activity", title="集体备课",
                       date=date(2025, 11, 5), organizer_id=late.id, group_id=group.id)
    activity(s, other_school, admin, kind="training", title="别校培训", date=date(2025, 10, 9),
             session_hours=3.0)
    s.add_all([AttendanceRecord(activity_id=talk.id, teacher_id=late.id, status="late"),
               AttendanceRecord(activity_id=talk.id, teacher_id=absent.id, status="absent"),
               AttendanceRecord(activity_id=meeting.id, teacher_id=absent.id,
                                status="sick_leave")])
    s.add_all([ExamResult(school_id=school.id, academic_year=YEAR, teacher_id=t.id, score=sc)
               for t, sc in ((lecturer, 90), (late, 80), (absent, 70))])
    notes_item(s, stranger, talk.id)  # a 讲稿 of someone who did not lecture releases nothing
    s.commit()

    facts = activity_facts(s, school.id, YEAR)
    assert [(a.title, a.lecture_notes_item_id) for a in facts] == [("新课标解读", None), ("集体备课", None)]
    before = school_ledger(s, SETTINGS, school.id, YEAR)
    assert set(before) == {lecturer.id, late.id, absent.id, stranger.id}  # not elsewhere
    assert elsewhere.id not in before
    lecture = before[lecturer.id].lines
    assert [(ln.source, ln.role, ln.code, ln.hours) for ln in lecture] == [
        ("training", "lecturer", "missing_evidence", 0), ("exam", None, "counted", 3)]

    notes = notes_item(s, lecturer, talk.id)
    s.commit()
    after = school_ledger(s, SETTINGS, school.id, YEAR)
    teacher = after[lecturer.id]
    assert teacher.hours_by_source["training"] == 8 and teacher.hours_by_source["portfolio"] == 0
    assert teacher.total_hours == 11  # 2 h × 4 (in-school expert) + exam top third 3 h
    assert teacher.lines[0].numbers["lecture_notes_item_id"] == notes.id
    assert [(ln.code, ln.hours) for ln in after[late.id].lines] == [
        ("counted", 2), ("counted", 1), ("counted", 2)]  # late 2 h, organiser 1 h, exam 2 h
    assert after[absent.id].unexcused_absences == 1
    assert after[absent.id].attendance_counts["sick_leave"] == 1
    assert [ln.code for ln in after[absent.id].lines] == ["absent", "on_leave", "counted"]
    assert after[stranger.id].assessment.reasons == ("学时 0 / 40，差 40 学时",)


def test_a_user_belongs_to_at_most_one_group(session: Session) -> None:
    s = session
    school = School(name="第一中学")
    s.add(school)
    s.flush()
    teacher = person(s, "li", school)
    groups = [TeachingGroup(school_id=school.id, name=n) for n in ("数学组", "语文组")]
    s.add_all(groups)
    s.flush()
    teacher_id, second = teacher.id, groups[1].id
    s.add(GroupMember(user_id=teacher_id, group_id=groups[0].id))
    s.commit()
    s.expunge_all()
    s.add(GroupMember(user_id=teacher_id, group_id=second))
    with pytest.raises(IntegrityError):
        s.commit()


def test_replace_attendance_is_all_or_nothing(session: Session) -> None:
    """PUT attendance: an unknown status or a teacher of another school → 422 naming the record,
    nothing changed; a good list replaces the old one."""
    s = session
    school, other = School(name="第一中学"), School(name="第二中学")
    s.add_all([school, other])
    s.flush()
    admin, far_admin = person(s, "admin1", school, "admin"), person(s, "admin2", other, "admin")
    li, wang = person(s, "li", school), person(s, "wang", school)
    person(s, "sun", other)
    talk = activity(s, school, admin, kind="training", title="讲座", date=date(2025, 10, 9),
                    session_hours=1.5)
    assert replace_attendance(s, admin, talk.id, [{"teacher": "li", "status": "present"}]) == 1
    s.commit()
    bad = [
        ([{"teacher": "li", "status": "present"}, {"teacher": "wang", "status": "here"}],
         "第 2 条考勤记录：考勤状态 'here' 无效"),
        ([{"teacher": "sun", "status": "absent"}], "第 1 条考勤记录：'sun' 不是本活动所在学校的教师"),
        ([{"teacher": "li", "status": "late"}, {"teacher": "li", "status": "absent"}],
         "第 2 条考勤记录：教师 li 重复出现"),
        (["li"], "第 1 条考勤记录：应为"),
        ([{"teacher": ["li"], "status": "late"}], "第 1 条考勤记录：\\['li'\\] 不是本活动所在学校的教师"),
    ]
    for records, message in bad:
        with pytest.raises(AppError, match=message) as info:
            replace_attendance(s, admin, talk.id, records)
        assert info.value.status == 422
        s.rollback()
        stored = s.execute(select(AttendanceRecord.teacher_id, AttendanceRecord.status)).all()
        assert stored == [(li.id, "present")]
    with pytest.raises(NotFound):
        replace_attendance(s, far_admin, talk.id, [])
    with pytest.raises(Forbidden):
        replace_attendance(s, wang, talk.id, [])
    replace_attendance(s, admin, talk.id, [{"teacher": "wang", "status": "sick_leave"},
                                           {"teacher": "li", "status": "late"}])
    s.commit()
    ledger = school_ledger(s, SETTINGS, school.id, YEAR)
    assert [(ln.code, ln.hours) for ln in ledger[li.id].lines] == [("counted", 1.5)]
    assert ledger[wang.id].attendance_counts["sick_leave"] == 1
