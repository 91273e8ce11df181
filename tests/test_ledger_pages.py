"""The ledger's pages through a logged-in browser client with CSRF: roster import (preview,
confirm, one-time passwords and their sheet), 教研组, activities with the attendance roster and a
sign-in sheet, the exam page and its import — each checked against the stored rows or the hours
``school_ledger`` gives, and each page checked for labels and no inline script or style (CSP)."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from archive_service.db import db
from archive_service.extensions import archive
from archive_service.models import Activity, ExamResult, User
from archive_service.services.ledger import school_ledger
from storage import S3Settings
from tests.helpers import World, csrf_token, make_app, page_login

YEAR = "2025-2026"


def sheet(header: list[str], rows: list[list[Any]]) -> io.BytesIO:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


class FormCheck(HTMLParser):
    """Every visible input/select/textarea is labelled; no inline script, style or handler."""

    def __init__(self) -> None:
        super().__init__()
        self.ids_labelled: set[str] = set()
        self.fields: list[tuple[str | None, bool]] = []  # (id, inside a label)
        self.depth = 0
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if "style" in a or any(k.startswith("on") for k in a):
            self.problems.append(f"inline style/handler on <{tag}>")
        if tag == "style":
            self.problems.append("<style> element")
        if tag == "script":
            self.in_script = "src" not in a
        if tag == "label":
            self.depth += 1
            if a.get("for"):
                self.ids_labelled.add(str(a["for"]))
        if tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.fields.append((a.get("id"), self.depth > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.depth -= 1
        if tag == "script":
            self.in_script = False

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.problems.append("inline script")

    def verdict(self) -> list[str]:
        unlabelled = [i for i, inside in self.fields if not inside and i not in self.ids_labelled]
        return self.problems + [f"unlabelled field {i}" for i in unlabelled]


def page(client: FlaskClient, url: str) -> str:
    res = client.get(url)
    assert res.status_code == 200, (url, res.status_code)
    text = res.get_data(as_text=True)
    check = FormCheck()
    check.feed(text)
    assert check.verdict() == [], (url, check.verdict())
    return text


def post(client: FlaskClient, url: str, data: dict[str, Any], csrf_from: str,
         follow: bool = True) -> Any:
    data = {"csrf_token": csrf_token(client, csrf_from), **data}
    return client.post(url, data=data, content_type="multipart/form-data",
                       follow_redirects=follow)


def admin_page(world: World) -> FlaskClient:
    return page_login(world.app, "admin", world.app.config["ADMIN_PASSWORD"])


def _people(app: Flask) -> set[str]:
    with app.app_context():
        return set(db.session.scalars(select(User.username)))


def test_roster_page_previews_confirms_and_hands_out_passwords(world: World, app: Flask) -> None:
    world.school("第一中学")
    assert world.admin.post("/api/v1/groups", {"school": "第一中学", "name": "数学组"}).status_code == 201
    client = admin_page(world)
    assert "导入花名册" in client.get("/admin/users").get_data(as_text=True)
    page(client, "/admin/roster")
    header = ["姓名", "账号", "工号", "学校", "学科", "教研组", "角色"]
    bad = sheet(header, [["李明", "liming", "1", "第一中学", "数学", "数学组", "教师"],
                         ["", "x", "2", "第一中学", "", "", "教师"],
                         ["王芳", "wangfang", "3", "第一中学", "", "美术组", "校长"]])
    res = post(client, "/admin/roster", {"action": "preview", "file": (bad, "花名册.xlsx")},
               "/admin/roster")
    text = res.get_data(as_text=True)
    assert "发现 3 处问题，未保存任何账号" in text
    assert "缺少姓名" in text and "美术组" in text and "校长" in text
    assert "liming" not in _people(app)
    good = sheet(header, [["李明", "liming", "1", "第一中学", "数学", "数学组", "教师"],
                          ["王芳", "wangfang", "3", "第一中学", "", "", "督查"]])
    res = post(client, "/admin/roster", {"action": "preview", "file": (good, "花名册.xlsx")},
               "/admin/roster")
    text = res.get_data(as_text=True)
    assert "将新建 2 个账号，更新 0 个已有账号" in text and "liming" not in _people(app)
    token = re.search(r'name="token" value="([0-9a-f]{32})"', text)
    assert token
    res = post(client, "/admin/roster", {"action": "confirm", "token": token.group(1)},
               "/admin/roster")
    text = res.get_data(as_text=True)
    assert "导入完成：新建 2 个，更新 0 个" in text
    assert {"liming", "wangfang"} <= _people(app)
    passwords = dict(re.findall(r'name="username" value="([^"]+)"><input type="hidden" '
                                r'name="password" value="([^"]+)"', text))
    assert passwords.keys() == {"liming", "wangfang"}
    again = post(client, "/admin/roster", {"action": "confirm", "token": token.group(1)},
                 "/admin/roster")
    assert "预览已失效" in again.get_data(as_text=True)  # the stash is used once
    res = client.post("/admin/roster/passwords.xlsx", data={
        "csrf_token": csrf_token(client, "/admin/roster"),
        "username": list(passwords), "password": list(passwords.values())})
    assert res.status_code == 200 and res.headers["Cache-Control"] == "no-store"
    rows = list(load_workbook(io.BytesIO(res.data)).active.iter_rows(values_only=True))
    assert {(r[0], r[1]) for r in rows[1:]} == set(passwords.items())
    assert "数学组" in client.get("/admin/users").get_data(as_text=True)
    teacher = page_login(app, "liming", passwords["liming"])
    assert teacher.get("/admin/roster").status_code in (302, 403)


def test_attendance_page_roster_sign_in_sheet_and_ledger_hours(world: World, app: Flask) -> None:
    for name in ("li", "wang", "zhou"):
        world.user(name, name=f"{name}老师")
    client = admin_page(world)
    text = page(client, "/activities")
    assert "记录活动" in text
    res = post(client, "/activities", {
        "school": "第一中学", "kind": "training", "title": "新课标解读", "date": "2025-10-09",
        "hours": "2", "lecturer": "", "lecturer_name": "张教授", "organizer": "", "group": ""},
        "/activities", follow=False)
    assert res.status_code == 302, res.get_data(as_text=True)[:300]
    url = res.headers["Location"]
    text = page(client, url)
    selects = re.findall(r'<select id="status-\d+" name="status-(\w+)">(.*?)</select>', text)
    assert {name for name, _ in selects} == {"li", "wang", "zhou"}
    for _, options in selects:  # every teacher starts as 出席
        assert re.search(r'<option value="present" selected>出席</option>', options)
    res = post(client, url, {"status-li": "present", "status-wang": "absent",
                             "status-zhou": "sick_leave"}, url)
    assert "考勤已保存（3 人）" in res.get_data(as_text=True)
    with app.app_context():
        school_id = world.schools["第一中学"]
        ledger = school_ledger(db.session, archive.settings, school_id, YEAR)
        names = dict(db.session.execute(select(User.id, User.username)).all())
    hours = {names[t]: y.hours_by_source["training"] for t, y in ledger.items()}
    assert hours == {"li": 2, "wang": 0, "zhou": 0}
    assert {names[t]: y.unexcused_absences for t, y in ledger.items()}["wang"] == 1
    sign_in = url.replace("/attendance", "/sign-in")
    bad = sheet(["姓名", "考勤"], [["li老师", "出席"], ["nobody", "出席"], ["wang老师", "睡觉"]])
    res = post(client, sign_in, {"file": (bad, "签到表.xlsx")}, url)
    text = res.get_data(as_text=True)
    assert "第 3 行：姓名「nobody」不是本校教师" in text and "第 4 行：考勤「睡觉」无效" in text
    good = sheet(["账号", "考勤"], [["li", "迟到"], ["wang", "出席"], ["zhou", "公假"]])
    res = post(client, sign_in, {"file": (good, "签到表.xlsx")}, url)
    assert "签到表已导入（3 人）" in res.get_data(as_text=True)
    text = page(client, url)
    assert re.search(r'name="status-li">.*?<option value="late" selected>', text, re.S)
    with app.app_context():
        ledger = school_ledger(db.session, archive.settings, school_id, YEAR)
    assert {names[t]: y.hours_by_source["training"] for t, y in ledger.items()} == {
        "li": 2, "wang": 2, "zhou": 0}
    listing = page(client, f"/activities?year={YEAR}")
    assert "新课标解读" in listing and "3 人" in listing


def test_activity_pages_check_roles(world: World, app: Flask) -> None:
    world.user("li")
    world.user("insp", role="inspector")
    assert world.admin.post("/api/v1/activities", {
        "school": "第一中学", "kind": "research_activity", "title": "集体备课",
        "date": "2025-10-09"}).status_code == 201
    with app.app_context():
        activity_id = db.session.scalar(select(Activity.id))
    teacher = page_login(app, "li")
    assert teacher.get("/activities").status_code == 403
    assert teacher.get(f"/activities/{activity_id}/attendance").status_code == 403
    inspector = page_login(app, "insp")
    text = page(inspector, f"/activities?year={YEAR}")
    assert "集体备课" in text and "记录并录入考勤" not in text  # read-only
    assert inspector.get(f"/activities/{activity_id}/attendance").status_code == 403
    res = post(inspector, "/activities", {"school": "第一中学", "kind": "research_activity",
                                          "title": "x", "date": "2025-10-09"}, "/activities")
    assert res.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Activity)) == 1


def test_exam_page_and_import_give_the_thirds(world: World, app: Flask) -> None:
    """001 §19(4)D: three takers → 3, 2, 1 h; a blank score did not take the exam."""
    for name in ("li", "wang", "zhou", "wu"):
        world.user(name, name=f"{name}老师")
    client = admin_page(world)
    url = f"/admin/exams?year={YEAR}&school=第一中学"
    assert "wu老师" in page(client, url)
    res = post(client, "/admin/exams", {"year": YEAR, "school": "第一中学", "score-li": "88",
                                        "score-wang": "70", "score-zhou": "52", "score-wu": ""}, url)
    assert "考试成绩已保存（3 人）" in res.get_data(as_text=True)
    with app.app_context():
        school_id = world.schools["第一中学"]
        names = dict(db.session.execute(select(User.id, User.username)).all())
        ledger = school_ledger(db.session, archive.settings, school_id, YEAR)
    assert {names[t]: y.hours_by_source["exam"] for t, y in ledger.items()} == {
        "li": 3, "wang": 2, "zhou": 1, "wu": 0}
    res = post(client, "/admin/exams", {"year": YEAR, "school": "第一中学", "score-li": "abc"}, url)
    assert "li 的成绩「abc」无效" in res.get_data(as_text=True)
    upload = sheet(["账号", "成绩"], [["li", 60], ["wang", 60], ["wu", 90]])
    res = post(client, "/admin/exams/import", {"year": YEAR, "school": "第一中学",
                                               "file": (upload, "成绩.xlsx")}, url)
    assert "成绩表已导入（3 人）" in res.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ExamResult)) == 3
        ledger = school_ledger(db.session, archive.settings, school_id, YEAR)
    # ties share the better band: wu 3 h; li and wang have one taker above (1 ≥ 3/3, 1 < 2·3/3): 2 h
    assert {names[t]: y.hours_by_source["exam"] for t, y in ledger.items()} == {
        "li": 2, "wang": 2, "zhou": 0, "wu": 3}


def test_groups_page_adds_a_group(world: World, app: Flask) -> None:
    world.user("li")
    client = admin_page(world)
    page(client, "/admin/groups")
    res = post(client, "/admin/groups", {"school": "第一中学", "name": "语文组", "leader": "li"},
               "/admin/groups")
    text = res.get_data(as_text=True)
    assert "已添加教研组「语文组」" in text and "<td>li</td>" in text
    res = post(client, "/admin/groups", {"school": "第一中学", "name": "语文组"}, "/admin/groups")
    assert "已有教研组「语文组」" in res.get_data(as_text=True)
    res = post(client, "/admin/users", {"username": "t2", "name": "新老师", "role": "teacher",
                                        "school": str(world.schools["第一中学"]), "group": "语文组"},
               "/admin/users")
    assert "已添加用户 t2" in res.get_data(as_text=True)
    res = post(client, "/admin/users", {"username": "t3", "name": "新老师", "role": "teacher",
                                        "school": str(world.schools["第一中学"]), "group": "美术组"},
               "/admin/users")
    assert "教研组「美术组」不存在" in res.get_data(as_text=True)
    users = {u["username"]: u for u in world.admin.get("/api/v1/users").get_json()["items"]}
    assert users["t2"]["group"] == "语文组" and "t3" not in users


def test_self_sign_in_with_the_code_the_organiser_shows(tmp_path: Path,
                                                        s3_server: S3Settings) -> None:
    """000 第7篇 考勤, optional self sign-in ([activities] self_sign_in = true): the attendance
    page shows the day's code; a teacher who types it is 出席 and earns the session's hours."""
    rules = tmp_path / "rules.toml"
    rules.write_text("[activities]\nself_sign_in = true\n", encoding="utf-8")
    app = make_app(tmp_path, s3_server, RULES_FILE=str(rules))
    world = World(app)
    world.user("li", name="李老师")
    world.user("wang", name="王老师")
    with app.app_context():
        today = archive.settings.today()
        year = archive.settings.year_of(today)
    created = world.admin.post("/api/v1/activities", {
        "school": "第一中学", "kind": "training", "title": "今日讲座", "date": today.isoformat(),
        "hours": 1.5}).get_json()
    old = world.admin.post("/api/v1/activities", {
        "school": "第一中学", "kind": "training", "title": "昨日讲座",
        "date": (today - timedelta(days=1)).isoformat(), "hours": 1}).get_json()
    client = admin_page(world)
    text = page(client, f"/activities/{created['id']}/attendance")
    code = re.search(r"自助签到码：<code>([A-Z0-9]{8})</code>", text)
    assert code
    assert "自助签到码" not in page(client, f"/activities/{old['id']}/attendance")  # not its day
    teacher = page_login(app, "li")
    assert "签到码" in page(teacher, "/my/sign-in")
    res = post(teacher, "/my/sign-in", {"code": "AAAAAAAA"}, "/my/sign-in")
    assert "签到码不正确" in res.get_data(as_text=True)
    res = post(teacher, "/my/sign-in", {"code": code.group(1).lower()}, "/my/sign-in")
    assert "签到成功：今日讲座（出席）" in res.get_data(as_text=True)
    with app.app_context():
        ledger = school_ledger(db.session, archive.settings, world.schools["第一中学"], year)
        names = dict(db.session.execute(select(User.id, User.username)).all())
    hours = {names[t]: y.hours_by_source["training"] for t, y in ledger.items()}
    assert hours == {"li": 1.5, "wang": 0}


def test_self_sign_in_is_off_by_default(world: World, app: Flask) -> None:
    world.user("li")
    teacher = page_login(app, "li")
    assert "未开启教师自助签到" in page(teacher, "/my/sign-in")
    res = post(teacher, "/my/sign-in", {"code": "AAAAAAAA"}, "/my/sign-in")
    assert res.status_code == 403
