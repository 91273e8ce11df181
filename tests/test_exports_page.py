"""Issue 12 point 3 on the pages: 导出与任务 (/admin/exports).  An admin starts an export through
the form, follows it and downloads its files; failed jobs are retried from the same page;
teachers and inspectors cannot use it."""

from __future__ import annotations

import hashlib
import re

from archive_service.db import db
from archive_service.extensions import archive
from archive_service.job_runner import drain
from archive_service.models import Export, Item, ItemVersion
from tests.helpers import World, corpus, csrf_token, page_login

YEAR = "2025-2026"
PDF = "zh_pdf_04_mokuai1_jiaoan.pdf"
SCAN = "edge_01_scan_zhongqi_tongzhi.pdf"


def _exports(world: World) -> int:
    with world.app.app_context():
        return db.session.query(Export).count()


def test_teacher_and_inspector_cannot_use_the_page(world: World) -> None:
    world.user("t1")
    world.user("i1", role="inspector", school=None)
    for name in ("t1", "i1"):
        client = page_login(world.app, name)
        assert client.get("/admin/exports").status_code == 403
        assert "导出与任务" not in client.get("/account").get_data(as_text=True)
        res = client.post("/admin/exports", data={"csrf_token": csrf_token(client, "/account"),
                                                  "year": YEAR, "scope": "selected"})
        assert res.status_code == 403
    assert _exports(world) == 0  # nothing was started
    assert world.app.test_client().get("/admin/exports").status_code == 302  # to the login


def test_admin_starts_an_export_from_the_form_and_downloads_it(world: World) -> None:
    teacher = world.user("t1", name="王老师")
    world.user("t2", name="李老师")
    world.user("a1", role="admin", name="教务处")
    item = teacher.upload(corpus(PDF), kind="lesson_design", title="模块一").get_json()
    admin_api = world.login("a1", "secret-pass-1")
    assert admin_api.post(f"/api/v1/items/{item['id']}/selection", {"selected": True}).status_code == 200
    admin = page_login(world.app, "a1")
    page = admin.get("/admin/exports").get_data(as_text=True)
    assert '<a href="/admin/exports">导出与任务</a>' in page  # in the navigation
    assert re.search(r'<label>学年 <select name="year">', page)
    assert '<option value="t1">王老师</option>' in page and 'name="school"' not in page
    res = admin.post("/admin/exports", data={"csrf_token": csrf_token(admin, "/admin/exports"),
                                             "year": YEAR, "scope": "selected", "teacher": "t1"},
                     follow_redirects=True)
    text = res.get_data(as_text=True)
    assert res.status_code == 200 and "已开始导出" in text
    listed = text.split('id="exports"', 1)[1]
    assert "教务处" in listed and "学校筛选入册的成果" in listed and "排队中" in listed
    assert re.search(r'<progress max="\d+" value="0"', listed)
    assert "/files/pdf" not in listed  # not done yet
    assert drain(world.app) == 1
    done = admin.get("/admin/exports").get_data(as_text=True).split('id="exports"', 1)[1]
    assert "已完成" in done
    export = admin_api.get("/api/v1/exports").get_json()["items"][0]
    assert export["teacher"] == "t1" and export["scope"] == "selected"
    for entry in export["files"]:
        link = f"/admin/exports/{export['id']}/files/{entry['kind']}"
        assert link in done
        data = admin.get(link).get_data()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
    assert admin.get(f"/admin/exports/{export['id']}/files/nothing").status_code == 404


def test_bad_form_is_said_on_the_page_and_nothing_starts(world: World) -> None:
    world.user("a1", role="admin")
    admin = page_login(world.app, "a1")
    res = admin.post("/admin/exports", data={"csrf_token": csrf_token(admin, "/admin/exports"),
                                             "year": "2025", "scope": "everything"},
                     follow_redirects=True)
    assert res.status_code == 200 and "导出范围" in res.get_data(as_text=True)
    assert _exports(world) == 0


def test_failed_job_is_listed_and_retried_from_the_page(world: World) -> None:
    teacher = world.user("t1")
    world.user("a1", role="admin")
    item = teacher.upload(corpus(SCAN), title="扫描件").get_json()
    with world.app.app_context():
        version = db.session.get(ItemVersion, db.session.get(Item, item["id"]).current_version_id)
        key, sha = version.object_key, version.sha256
        archive.store.delete(key)
    drain(world.app)  # the recognition fails: its original is missing
    with world.app.app_context():
        archive.store.put_file(key, corpus(SCAN), content_type="application/pdf", sha256_hex=sha)
    admin = page_login(world.app, "a1")
    jobs = admin.get("/admin/exports").get_data(as_text=True).split('id="jobs"', 1)[1]
    assert "失败" in jobs and f'action="/jobs/{item["job_id"]}/retry"' in jobs
    res = admin.post(f"/jobs/{item['job_id']}/retry",
                     data={"csrf_token": csrf_token(admin, "/admin/exports"), "back": "exports"})
    assert res.status_code == 302 and res.headers["Location"].endswith("/admin/exports")
    page = admin.get(res.headers["Location"]).get_data(as_text=True)
    jobs = page.split('id="jobs"', 1)[1]
    assert "已重新排队" in page and "排队中" in jobs
    assert f'action="/jobs/{item["job_id"]}/retry"' not in jobs
