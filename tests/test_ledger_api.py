"""The 学时台账's records through the API: 教研组, activities with attendance, exam scores —
each round-trip checked against the hours ``services.ledger.school_ledger`` gives."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select

from archive_service.db import db
from archive_service.extensions import archive
from archive_service.models import Activity, AttendanceRecord, AuditRecord, ExamResult, User
from archive_service.rules import RulesError, load_rules
from archive_service.services.ledger import school_ledger
from storage import S3Settings
from tests.helpers import Api, World, assert_error, make_app

YEAR = "2025-2026"


def _ledger(app: Flask) -> dict[str, Any]:
    """username → that teacher's LedgerYear (the school of li, 第一中学)."""
    with app.app_context():
        school_id = db.session.scalar(select(User.school_id).where(User.username == "li"))
        assert school_id is not None
        ledger = school_ledger(db.session, archive.settings, school_id, YEAR)
        names = dict(db.session.execute(select(User.id, User.username)).all())
    return {names[teacher]: year for teacher, year in ledger.items()}


def _count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _school(world: World) -> tuple[Api, Api]:
    li = world.user("li", name="李老师")
    wang = world.user("wang", name="王老师")
    world.user("sun", school="第二中学")
    return li, wang


def test_groups_and_users_carry_their_group(world: World) -> None:
    _school(world)
    res = world.admin.post("/api/v1/groups", {"school": "第一中学", "name": "数学组", "leader": "li"})
    assert res.status_code == 201, res.get_json()
    assert res.get_json() | {"id": 0} == {"id": 0, "school": "第一中学", "school_id": world.schools["第一中学"],
                                          "name": "数学组", "leader": "li", "members": 1}
    assert_error(world.admin.post("/api/v1/groups", {"school": "第一中学", "name": "数学组"}), 409,
                 "group_exists")
    assert_error(world.admin.post("/api/v1/groups", {"school": "第一中学", "name": "语文组",
                                                     "leader": "sun"}), 422, "invalid_group")
    res = world.admin.post("/api/v1/users", {"username": "zhao", "name": "赵老师", "role": "teacher",
                                             "school": "第一中学", "password": "secret-pass-1",
                                             "group": "数学组"})
    assert res.status_code == 201 and res.get_json()["group"] == "数学组", res.get_json()
    users = {u["username"]: u for u in world.admin.get("/api/v1/users").get_json()["items"]}
    assert (users["li"]["group"], users["zhao"]["group"], users["wang"]["group"]) == \
        ("数学组", "数学组", None)
    groups = world.admin.get("/api/v1/groups?school=第一中学").get_json()
    assert [(g["name"], g["members"]) for g in groups["items"]] == [("数学组", 2)]
    far = world.user("far_admin", role="admin", school="第二中学")
    assert far.get("/api/v1/groups").get_json()["items"] == []
    assert_error(far.post("/api/v1/groups", {"school": "第一中学", "name": "英语组"}), 422,
                 "invalid_group")
    assert far.get("/api/v1/groups?school=第一中学").status_code == 422


TRAINING = {"school": "第一中学", "kind": "training", "title": "新课标解读", "date": "2025-10-09",
            "hours": 1.5, "lecturer": "li", "in_school_expert": True}


def test_training_and_attendance_give_the_ledger_hours(world: World, app: Flask) -> None:
    """001 §19(1)「按1小时计1学时，若校内专家主讲，主讲人与参培者按4:1计学时」: a 1.5-hour session
    gives present/late participants 1.5 h, a 病假 0 h without penalty, 旷工 0 h and counted;
    the lecturer's 6 h wait for the 讲稿."""
    li, _ = _school(world)
    world.user("zhou")
    world.user("wu")
    res = world.admin.post("/api/v1/activities", TRAINING)
    assert res.status_code == 201, res.get_json()
    created = res.get_json()
    assert {k: created[k] for k in ("school", "kind", "academic_year", "term", "hours", "lecturer",
                                    "in_school_expert", "attendance")} == {
        "school": "第一中学", "kind": "training", "academic_year": YEAR, "term": "2025-2026-1",
        "hours": 1.5, "lecturer": "li", "in_school_expert": True, "attendance": []}
    records = [{"teacher": "wang", "status": "present"}, {"teacher": "zhou", "status": "late"},
               {"teacher": "wu", "status": "sick_leave"}]
    url = f"/api/v1/activities/{created['id']}/attendance"
    res = world.admin.put(url, json={"records": records})
    assert res.status_code == 200, res.get_json()
    assert sorted((r["teacher"], r["status"]) for r in res.get_json()["attendance"]) == \
        sorted((r["teacher"], r["status"]) for r in records)
    ledger = _ledger(app)
    assert ledger["wang"].hours_by_source["training"] == 1.5
    assert ledger["zhou"].hours_by_source["training"] == 1.5
    assert ledger["zhou"].attendance_counts["late"] == 1
    assert ledger["wu"].hours_by_source["training"] == 0
    assert ledger["wu"].unexcused_absences == 0
    assert ledger["li"].hours_by_source["training"] == 0  # the 讲稿 is not handed in yet
    res = world.admin.put(url, json={"records": records[:2] + [{"teacher": "wu", "status": "absent"}]})
    assert res.status_code == 200
    assert _ledger(app)["wu"].unexcused_absences == 1
    listing = world.admin.get(f"/api/v1/activities?year={YEAR}&school=第一中学").get_json()
    assert [a["id"] for a in listing["items"]] == [created["id"]]
    teacher_view = li.get(f"/api/v1/activities/{created['id']}").get_json()
    assert teacher_view["attendance"] == []  # a teacher sees only their own line
    assert world.admin.get(f"/api/v1/activities/{created['id']}").get_json()["attendance"]


BAD_ATTENDANCE = [
    ([{"teacher": "wang", "status": "present"}, {"teacher": "zhou", "status": "asleep"}],
     "第 2 条考勤记录：考勤状态 'asleep' 无效"),
    ([{"teacher": "sun", "status": "present"}], "第 1 条考勤记录：'sun' 不是本活动所在学校的教师"),
    ([{"teacher": "nobody", "status": "present"}], "第 1 条考勤记录：'nobody' 不是本活动所在学校的教师"),
    ([{"teacher": "wang", "status": "present"}, {"teacher": "wang", "status": "late"}],
     "第 2 条考勤记录：教师 wang 重复出现"),
    ([{"teacher": "admin", "status": "present"}], "第 1 条考勤记录：'admin' 不是本活动所在学校的教师"),
]


def test_attendance_422_names_the_record_and_keeps_what_was_there(world: World, app: Flask) -> None:
    _school(world)
    world.user("zhou")
    activity = world.admin.post("/api/v1/activities", {
        "school": "第一中学", "kind": "research_activity", "title": "集体备课", "date": "2026-03-02",
        "organizer": "li"}).get_json()
    url = f"/api/v1/activities/{activity['id']}/attendance"
    assert world.admin.put(url, json={"records": [{"teacher": "wang", "status": "present"}]}
                           ).status_code == 200
    for records, message in BAD_ATTENDANCE:
        got = assert_error(world.admin.put(url, json={"records": records}), 422,
                           "invalid_attendance")
        assert message in got, got
    assert_error(world.admin.put(url, json={"records": "wang"}), 422, "invalid_input")
    assert_error(world.admin.put(url, json={"records": [{"teacher": "wang"}]}), 422,
                 "invalid_input")
    with app.app_context():
        rows = db.session.execute(select(AttendanceRecord.status)).scalars().all()
    assert rows == ["present"]  # nothing of the refused requests was stored
    ledger = _ledger(app)
    # 001 §19(3)「组织者和参加者每次均计1学时」
    assert ledger["wang"].hours_by_source["research_activity"] == 1
    assert ledger["li"].hours_by_source["research_activity"] == 1
    assert ledger["zhou"].hours_by_source["research_activity"] == 0


def test_activity_scope_and_audit(world: World, app: Flask) -> None:
    li, _ = _school(world)
    far = world.user("far_admin", role="admin", school="第二中学")
    inspector = world.user("insp", role="inspector", school="第一中学")
    before = _count(app, AuditRecord)
    assert world.admin.post("/api/v1/activities", TRAINING).status_code == 201
    activity = _ledger_activity(app)
    assert _count(app, AuditRecord) > before
    assert li.post("/api/v1/activities", TRAINING).status_code == 403
    assert inspector.post("/api/v1/activities", TRAINING).status_code == 403
    assert_error(far.post("/api/v1/activities", TRAINING), 422, "invalid_activity")
    url = f"/api/v1/activities/{activity}/attendance"
    body = {"records": [{"teacher": "wang", "status": "present"}]}
    assert inspector.put(url, json=body).status_code == 403
    assert li.put(url, json=body).status_code == 403
    assert far.put(url, json=body).status_code == 404
    assert far.get(f"/api/v1/activities/{activity}").status_code == 404
    assert inspector.get(f"/api/v1/activities/{activity}").status_code == 200
    assert far.get("/api/v1/activities").get_json()["items"] == []
    assert _count(app, Activity) == 1
    bad = world.admin.post("/api/v1/activities", TRAINING | {"kind": "party"})
    assert_error(bad, 422, "invalid_input")
    assert_error(world.admin.post("/api/v1/activities", TRAINING | {"date": "2025-13-01"}), 422,
                 "invalid_activity")
    assert _count(app, Activity) == 1


def _ledger_activity(app: Flask) -> int:
    with app.app_context():
        return int(db.session.scalar(select(func.max(Activity.id))) or 0)


def test_exam_scores_put_and_get(world: World, app: Flask) -> None:
    """001 §19(4)D「前三分之一记3学时，后三分之一记1学时，中间记2学时」: three takers, 3/2/1 h."""
    li, _ = _school(world)
    world.user("zhou")
    scores = [{"teacher": "li", "score": 91}, {"teacher": "wang", "score": 75.5},
              {"teacher": "zhou", "score": 60}]
    res = world.admin.put(f"/api/v1/exams/{YEAR}", json={"school": "第一中学", "scores": scores})
    assert res.status_code == 200, res.get_json()
    got = {s["teacher"]: s["score"] for s in res.get_json()["scores"]}
    assert got == {"li": 91, "wang": 75.5, "zhou": 60}
    ledger = _ledger(app)
    assert [ledger[t].hours_by_source["exam"] for t in ("li", "wang", "zhou")] == [3, 2, 1]
    assert_error(world.admin.put(f"/api/v1/exams/{YEAR}", json={
        "school": "第一中学", "scores": [{"teacher": "sun", "score": 50}]}), 422, "invalid_scores")
    assert_error(world.admin.put("/api/v1/exams/2025", json={"school": "第一中学", "scores": []}),
                 422, "invalid_scores")
    assert li.put(f"/api/v1/exams/{YEAR}", json={"school": "第一中学", "scores": []}).status_code == 403
    assert li.get(f"/api/v1/exams/{YEAR}").status_code == 403
    assert _count(app, ExamResult) == 3


def test_group_leader_records_the_groups_activities_when_the_rules_allow(
        tmp_path: Path, s3_server: S3Settings) -> None:
    """[activities] group_leaders_may_record = true: the 教研组 leader records the group's
    research activity and its attendance (credit-rules: "the 教研组 leader or the school"), and
    nothing outside the group; with the default (false) the same requests are 403."""
    rules = tmp_path / "rules.toml"
    rules.write_text("[activities]\ngroup_leaders_may_record = true\n", encoding="utf-8")
    world = World(make_app(tmp_path, s3_server, RULES_FILE=str(rules)))
    leader, _ = _school(world)
    world.user("zhou")
    assert world.admin.post("/api/v1/groups", {"school": "第一中学", "name": "数学组",
                                               "leader": "li"}).status_code == 201
    body = {"school": "第一中学", "kind": "research_activity", "title": "集体备课",
            "date": "2025-11-03", "group": "数学组", "organizer": "li"}
    res = leader.post("/api/v1/activities", body)
    assert res.status_code == 201, res.get_json()
    activity = res.get_json()["id"]
    res = leader.put(f"/api/v1/activities/{activity}/attendance",
                     json={"records": [{"teacher": "wang", "status": "present"}]})
    assert res.status_code == 200, res.get_json()
    assert [r["teacher"] for r in res.get_json()["attendance"]] == ["wang"]
    assert_error(leader.post("/api/v1/activities", body | {"group": None}), 422, "invalid_activity")
    whole_school = world.admin.post("/api/v1/activities", body | {"group": None}).get_json()["id"]
    assert leader.put(f"/api/v1/activities/{whole_school}/attendance",
                      json={"records": []}).status_code == 403
    ledger = _ledger(world.app)
    assert ledger["wang"].hours_by_source["research_activity"] == 1
    assert ledger["li"].hours_by_source["research_activity"] == 2  # organiser of both


def test_group_leaders_may_not_record_by_default(world: World) -> None:
    leader, _ = _school(world)
    assert world.admin.post("/api/v1/groups", {"school": "第一中学", "name": "数学组",
                                               "leader": "li"}).status_code == 201
    res = leader.post("/api/v1/activities", {"school": "第一中学", "kind": "research_activity",
                                             "title": "集体备课", "date": "2025-11-03",
                                             "group": "数学组"})
    assert res.status_code == 403


def test_group_leaders_key_is_validated_at_start_up(tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[activities]\ngroup_leaders_may_record = 1\n", encoding="utf-8")
    with pytest.raises(RulesError, match="group_leaders_may_record 应为 true 或 false") as info:
        load_rules(rules)
    assert info.value.line == 2
