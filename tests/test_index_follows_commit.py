"""Every route that writes leaves the index outbox empty and ``archive check`` clean.

The search index follows the commit itself (a hook on ``db.transaction``), not a call in each
view, so a new write route cannot forget it: this test also fails when a write route is added
without a case here.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from archive_service.db import db
from archive_service.extensions import archive
from archive_service.job_runner import drain
from archive_service.models import AuditEvent, IndexOutbox, Item, ItemVersion
from archive_service.services.consistency import run_check
from tests.helpers import Api, World, corpus

DOCX = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"
SCAN = "en_pdf_01_google_doc.pdf"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _file(name: str, as_name: str | None = None) -> tuple[io.BytesIO, str]:
    return io.BytesIO(corpus(name).read_bytes()), as_name or name


@dataclass
class Scene:
    """A school with a teacher who has uploaded one item, and the admin."""

    world: World
    teacher: Api
    item_id: int

    @cached_property
    def teacher_page(self) -> FlaskClient:
        return _login(self.world, "t1", "secret-pass-1")

    @cached_property
    def admin_page(self) -> FlaskClient:
        return _login(self.world, "admin", self.world.app.config["ADMIN_PASSWORD"])

    @property
    def page(self) -> str:
        return f"/items/{self.item_id}"

    def form(self, client: FlaskClient, url: str, data: dict[str, Any],
             csrf_from: str | None = None) -> str:
        """Post a page form with its CSRF token; the text of the page it lands on."""
        data = {"csrf_token": _csrf(client, csrf_from or self.page), **data}
        res = client.post(url, data=data, content_type="multipart/form-data",
                          follow_redirects=True)
        assert res.status_code == 200, res.get_data(as_text=True)[:300]
        return res.get_data(as_text=True)


def _csrf(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page[:300]
    return match.group(1)


def _login(world: World, username: str, password: str) -> FlaskClient:
    client = world.app.test_client()
    res = client.post("/login", data={"username": username, "password": password,
                                      "csrf_token": _csrf(client, "/login")})
    assert res.status_code == 302, res.get_data(as_text=True)[:300]
    return client


def _status(res: Any, expected: int) -> None:
    assert res.status_code == expected, res.get_data(as_text=True)[:300]


def _item(s: Scene, tail: str = "") -> str:
    return f"/api/v1/items/{s.item_id}{tail}"


Case = Callable[[Scene], Any]
API_CASES: dict[str, Case] = {
    "api.upload_item": lambda s: _status(s.teacher.upload(corpus(SCAN), title="第二篇"), 201),
    "api.delete_item": lambda s: _status(s.teacher.delete(_item(s)), 200),
    "api.replace_file": lambda s: _status(s.teacher.put(
        _item(s, "/file"), data={"file": _file(SCAN)}, content_type="multipart/form-data"), 200),
    "api.add_attachment": lambda s: _status(s.teacher.post(
        _item(s, "/attachments"), data={"purpose": "other", "file": _file(SCAN, "证明.pdf")},
        content_type="multipart/form-data"), 201),
    "api.add_recognition": lambda s: _status(s.teacher.post(_item(s, "/recognitions"), {
        "type": "award", "level": "city", "grade": 2, "date": "2025-12-01"}), 201),
    "api.set_selection": lambda s: _status(s.world.admin.post(
        _item(s, "/selection"), {"selected": True}), 200),
    "api.set_verification": lambda s: _status(s.world.admin.post(
        _item(s, "/verification"), {"verified": False, "reason": "证明不清晰"}), 200),
    "api.confirm_count": lambda s: _status(s.world.admin.post(
        _item(s, "/confirm-count"), {"char_count": 1200}), 200),
    "api.set_preference": lambda s: _status(s.teacher.post(_item(s, "/preference")), 200),
    "api.create_school": lambda s: _status(s.world.admin.post(
        "/api/v1/schools", {"name": "第二中学"}), 201),
    "api.create_user": lambda s: _status(s.world.admin.post("/api/v1/users", {
        "username": "t2", "name": "李老师", "role": "teacher", "school": "第一中学",
        "password": "secret-pass-2"}), 201),
    "api.create_token": lambda s: _status(s.world.client.post("/api/v1/tokens", json={
        "username": "t1", "password": "secret-pass-1"}), 201),
    "api.restore_item": lambda s: _status(s.world.admin.post(_item(_deleted(s), "/restore")), 200),
    "api.create_export": lambda s: _status(s.teacher.post("/api/v1/exports", {"year": "2025-2026"}), 202),
    "api.retry_job": lambda s: _status(s.world.admin.post(f"/api/v1/jobs/{_failed_job(s)}/retry"), 202),
    "api.revoke_token": lambda s: _status(s.teacher.delete(
        f"/api/v1/tokens/{s.teacher.get('/api/v1/tokens').get_json()['items'][0]['id']}"), 204),
    "api.create_group": lambda s: _status(s.world.admin.post(
        "/api/v1/groups", {"school": "第一中学", "name": "数学组"}), 201),
    "api.import_users": lambda s: _status(s.world.admin.post("/api/v1/users/import", data={
        "file": (io.BytesIO("姓名,账号,学校,角色\n李老师,t2,第一中学,教师\n".encode()), "花名册.csv"),
        "dry_run": "false"}, content_type="multipart/form-data"), 200),
    "api.create_activity": lambda s: _status(s.world.admin.post("/api/v1/activities", {
        "school": "第一中学", "kind": "training", "title": "讲座", "date": "2025-10-09",
        "hours": 1}), 201),
    "api.put_attendance": lambda s: _status(s.world.admin.put(
        f"/api/v1/activities/{_activity(s)}/attendance",
        json={"records": [{"teacher": "t1", "status": "present"}]}), 200),
    "api.put_exam": lambda s: _status(s.world.admin.put("/api/v1/exams/2025-2026", json={
        "school": "第一中学", "scores": [{"teacher": "t1", "score": 90}]}), 200),
    "api.hand_in_bag": lambda s: _status(s.teacher.post("/api/v1/bag/hand-in", {}), 200),
    "api.unlock_bag": lambda s: _status(s.world.admin.post("/api/v1/bag/unlock", {
        "teacher": "t1", "term": s.teacher.post("/api/v1/bag/hand-in", {}).get_json()["term"],
        "reason": "补交一篇"}), 200),
    "api.create_check": lambda s: _status(s.world.admin.post("/api/v1/checks", {
        "school": "第一中学", "year": "2025-2026", "term": 1}), 201),
    "api.mark_check_item": lambda s: _status(s.world.admin.post(
        f"/api/v1/checks/{_check(s)}/marks", {"item_id": s.item_id, "result": "合格"}), 200),
    "api.check_teacher_result": lambda s: _status(s.world.admin.put(
        f"/api/v1/checks/{_check(s)}/teachers/t1", json={"result": "需改进"}), 200),
    "api.close_check": lambda s: _status(s.world.admin.post(f"/api/v1/checks/{_check(s)}/close"), 200),
    "api.reopen_check": lambda s: _status(s.world.admin.post(
        f"/api/v1/checks/{_check(s, closed=True)}/reopen", {"reason": "补评"}), 200),
}
PAGE_CASES: dict[str, Case] = {
    "teacher.upload": lambda s: s.form(s.teacher_page, "/my/items/new", {
        "kind": "reflection", "title": "第二篇", "completion_date": "2025-10-09",
        "file": _file(SCAN)}, csrf_from="/my/items/new"),
    "items.delete": lambda s: s.form(s.teacher_page, f"{s.page}/delete", {}),
    "items.replace": lambda s: s.form(s.teacher_page, f"{s.page}/file",
                                      {"file": _file(SCAN, "修改稿.pdf")}),
    "items.add_attachment": lambda s: s.form(s.teacher_page, f"{s.page}/attachments", {
        "purpose": "other", "file": _file(SCAN, "证明.pdf")}),
    "items.add_recognition": lambda s: s.form(s.teacher_page, f"{s.page}/recognitions", {
        "type": "award", "level": "city", "grade": "2", "date": "2025-12-01",
        "evidence": _file(SCAN, "证书.pdf")}),
    "items.selection": lambda s: s.form(s.admin_page, f"{s.page}/selection", {"selected": "1"}),
    "items.verification": lambda s: s.form(s.admin_page, f"{s.page}/verification", {"verified": "1"}),
    "items.confirm_count": lambda s: s.form(s.admin_page, f"{s.page}/confirm-count",
                                            {"char_count": "1200"}),
    "items.preference": lambda s: s.form(s.teacher_page, f"{s.page}/preference", {}),
    "items.edit": lambda s: s.form(s.teacher_page, f"{s.page}/details",
                                   {"title": "改过的标题", "completion_date": "2025-10-08"}),
    "account.settings": lambda s: s.form(s.teacher_page, "/account", {"action": "token"},
                                         csrf_from="/account"),
    "account.users": lambda s: s.form(s.admin_page, "/admin/users", {
        "username": "t2", "name": "李老师", "role": "teacher", "school": "1"},
        csrf_from="/admin/users"),
    "account.add_school": lambda s: s.form(s.admin_page, "/admin/schools", {"name": "第二中学"},
                                           csrf_from="/admin/users"),
    "account.manage": lambda s: s.form(s.admin_page, f"/admin/users/{_user_id(s, 't1')}/manage",
                                       {"action": "unlock"}, csrf_from="/admin/users"),
    "admin.restore_item": lambda s: s.form(s.admin_page, f"/admin/items/{_deleted(s).item_id}/restore",
                                           {}, csrf_from="/admin/trash"),
    "jobs.retry": lambda s: s.form(s.admin_page, f"/jobs/{_failed_job(s)}/retry", {}),
    "exports.start": lambda s: s.form(s.admin_page, "/admin/exports", {
        "school": "第一中学", "year": "2025-2026", "scope": "selected", "teacher": "t1"},
        csrf_from="/admin/exports"),
    "ledger.roster_import": lambda s: s.form(s.admin_page, "/admin/roster", {
        "action": "preview", "file": (io.BytesIO("姓名,账号,学校,角色\n李老师,t2,第一中学,教师\n"
                                                 .encode()), "花名册.csv")}, csrf_from="/admin/roster"),
    "ledger.roster_passwords": lambda s: _status(s.admin_page.post(
        "/admin/roster/passwords.xlsx", data={"csrf_token": _csrf(s.admin_page, "/admin/roster"),
                                              "username": "t2", "password": "pw-123456"}), 200),
    "ledger.groups": lambda s: s.form(s.admin_page, "/admin/groups", {
        "school": "第一中学", "name": "数学组"}, csrf_from="/admin/groups"),
    "ledger.activity_create": lambda s: s.form(s.admin_page, "/activities", {
        "school": "第一中学", "kind": "research_activity", "title": "集体备课",
        "date": "2025-10-09"}, csrf_from="/activities"),
    "ledger.activity_attendance_save": lambda s: s.form(
        s.admin_page, f"/activities/{_activity(s)}/attendance", {"status-t1": "late"},
        csrf_from="/activities"),
    "ledger.activity_sign_in": lambda s: s.form(
        s.admin_page, f"/activities/{_activity(s)}/sign-in", {"file": (io.BytesIO(
            "账号,考勤\nt1,出席\n".encode()), "签到表.csv")}, csrf_from="/activities"),
    "ledger.self_sign_in_page": lambda s: _status(s.teacher_page.post("/my/sign-in", data={
        "csrf_token": _csrf(s.teacher_page, "/my/sign-in"), "code": "AAAAAAAA"}), 403),
    "ledger.exam_save": lambda s: s.form(s.admin_page, "/admin/exams", {
        "year": "2025-2026", "school": "第一中学", "score-t1": "80"}, csrf_from="/admin/exams"),
    "ledger.exam_import": lambda s: s.form(s.admin_page, "/admin/exams/import", {
        "year": "2025-2026", "school": "第一中学", "file": (io.BytesIO(
            "账号,成绩\nt1,80\n".encode()), "成绩.csv")}, csrf_from="/admin/exams"),
    "teacher.hand_in_bag": lambda s: s.form(s.teacher_page, "/my/bag/hand-in", {},
                                            csrf_from="/my/items"),
    "checks.open_check": lambda s: s.form(s.admin_page, "/checks", {
        "school": str(s.world.schools["第一中学"]), "year": "2025-2026", "term": "1",
        "sample_per_teacher": "1"}, csrf_from="/checks"),
    "checks.mark": lambda s: s.form(s.admin_page, f"/checks/{_check(s)}/marks", {
        "item_id": str(s.item_id), "result": "合格", "comment": "好"}, csrf_from="/checks"),
    "checks.teacher_result": lambda s: s.form(s.admin_page, f"/checks/{_check(s)}/teachers/t1", {
        "result": "需改进", "comment": "补交反思"}, csrf_from="/checks"),
    "checks.close": lambda s: s.form(s.admin_page, f"/checks/{_check(s)}/close", {},
                                     csrf_from="/checks"),
    "checks.reopen": lambda s: s.form(s.admin_page, f"/checks/{_check(s, closed=True)}/reopen",
                                      {"reason": "补评"}, csrf_from="/checks"),
    "auth.login": lambda s: s.teacher_page,
    "auth.logout": lambda s: s.form(s.teacher_page, "/logout", {}, csrf_from="/account"),
}
CASES = {**API_CASES, **PAGE_CASES}


def _user_id(s: Scene, username: str) -> int:
    users = s.world.admin.get("/api/v1/users").get_json()["items"]
    return next(u["id"] for u in users if u["username"] == username)


def _failed_job(s: Scene) -> int:
    """A scan whose OCR job failed (its original was missing, then put back): the job's id."""
    item = s.teacher.upload(corpus("edge_01_scan_zhongqi_tongzhi.pdf"), title="扫描件").get_json()
    with s.world.app.app_context():
        version = db.session.get(ItemVersion, db.session.get(Item, item["id"]).current_version_id)
        key, sha = version.object_key, version.sha256
        archive.store.delete(key)
    drain(s.world.app)
    with s.world.app.app_context():
        archive.store.put_file(key, corpus("edge_01_scan_zhongqi_tongzhi.pdf"),
                               content_type="application/pdf", sha256_hex=sha)
    return int(item["job_id"])


def _activity(s: Scene) -> int:
    res = s.world.admin.post("/api/v1/activities", {
        "school": "第一中学", "kind": "research_activity", "title": "集体备课", "date": "2025-10-09"})
    _status(res, 201)
    return int(res.get_json()["id"])
def _check(s: Scene, closed: bool = False) -> int:
    """A term check of the scene's school whose sample holds the scene's item."""
    res = s.world.admin.post("/api/v1/checks", {"school": "第一中学", "year": "2025-2026",
                                                "term": 1, "sample_per_teacher": 1})
    _status(res, 201)
    check_id = int(res.get_json()["id"])
    if closed:
        _status(s.world.admin.post(f"/api/v1/checks/{check_id}/close"), 200)
    return check_id


def _deleted(s: Scene) -> Scene:
    """The scene's item, deleted by its owner (what a restore brings back)."""
    _status(s.teacher.delete(_item(s)), 200)
    return s


# What each page action says when it worked (a failed form also redirects, with an error).
DONE = {
    "teacher.upload": "上传成功", "items.delete": "已删除", "items.replace": "已上传新版本",
    "items.add_attachment": "证明材料已保存", "items.add_recognition": "已登记",
    "items.selection": "已筛选入册", "items.verification": "证明材料核验通过", "items.confirm_count": "字数已确认",
    "items.preference": "已告知学校", "items.edit": "已保存修改", "account.users": "已添加用户 t2",
    "account.add_school": "已添加学校", "account.settings": "令牌",
    "account.manage": "已完成", "admin.restore_item": "已恢复该成果",
    "teacher.hand_in_bag": "档案袋已上交", "checks.open_check": "检查已开始", "checks.mark": "评定已保存",
    "checks.teacher_result": "教师检查结论已保存", "checks.close": "检查已结束",
    "checks.reopen": "检查已重新开启",
    "jobs.retry": "已重新排队",
    "exports.start": "已开始导出",
    "ledger.roster_import": "将新建 1 个账号", "ledger.groups": "已添加教研组「数学组」",
    "ledger.activity_create": "活动已记录", "ledger.activity_attendance_save": "考勤已保存（1 人）",
    "ledger.activity_sign_in": "签到表已导入（1 人）", "ledger.exam_save": "考试成绩已保存（1 人）",
    "ledger.exam_import": "成绩表已导入（1 人）",
}
PAPER = {"api.add_recognition", "items.add_recognition"}
TRAINING = {"api.set_verification", "items.verification"}
def _scene(world: World, endpoint: str) -> Scene:
    teacher = world.user("t1", name="张老师")
    if endpoint in TRAINING:  # a record whose evidence the school verifies
        res = teacher.upload(corpus(DOCX), kind="external_training", title="县级培训",
                             metadata={"mode": "offline", "days": 2})
    else:
        res = teacher.upload(corpus(DOCX), kind="paper" if endpoint in PAPER else "reflection",
                             title="英语教学反思")
    _status(res, 201)
    return Scene(world, teacher, res.get_json()["id"])


def test_every_write_route_has_a_case(world: World) -> None:
    routes = {rule.endpoint for rule in world.app.url_map.iter_rules()
              if rule.methods and rule.methods & WRITE_METHODS}
    assert routes == set(CASES)


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_write_route_leaves_outbox_empty_and_check_clean(world: World, endpoint: str) -> None:
    scene = _scene(world, endpoint)
    with world.app.app_context():
        events_before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    landed = CASES[endpoint](scene)
    if endpoint in DONE:
        assert DONE[endpoint] in landed
    with world.app.app_context():
        if endpoint.startswith(("api.set_", "api.confirm", "api.add", "api.delete",
                                "api.replace", "items.")):
            assert db.session.scalar(select(func.count()).select_from(AuditEvent)) \
                > events_before  # the write happened
        assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == 0
        report = run_check(db.transaction, archive.store, archive.index)
        assert report.ok, report.render()


def test_preference_queues_the_decision_the_index_keeps(world: World) -> None:
    """A preference can move the yearly slot, and the index keeps each item's decision code for
    its filter, so a preference queues index work, which the commit hook writes at once."""
    scene = _scene(world, "api.set_preference")
    commits: list[frozenset[str]] = []
    db.after_commit(world.app, commits.append)
    _status(scene.teacher.post(_item(scene, "/preference")), 200)
    assert any(IndexOutbox.__tablename__ in tables for tables in commits)
    with world.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == 0
