"""The append-only, hash-chained audit log: what is recorded, who sees it, tamper detection."""

from __future__ import annotations

import io
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from archive_service.db import db
from archive_service.models import AuditRecord
from archive_service.services.audit import verify
from tests.helpers import World, corpus

DOC = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"


def _csrf(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def _browser(world: World, username: str, password: str) -> FlaskClient:
    client = world.app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    res = client.post("/login", data={"username": username, "password": password,
                                      "csrf_token": _csrf(client, "/login")})
    assert res.status_code == 302
    return client


def _log(app: Flask) -> list[AuditRecord]:
    with app.app_context():
        return list(db.session.scalars(select(AuditRecord).order_by(AuditRecord.id)))


def test_actions_are_recorded_with_who_what_and_where(app: Flask, world: World) -> None:
    teacher = world.user("t1")
    other = world.user("t2")
    item = teacher.upload(corpus(DOC)).get_json()
    admin = _browser(world, "admin", app.config["ADMIN_PASSWORD"])
    assert admin.get(f"/items/{item['id']}/original").status_code == 200
    assert admin.get("/admin/register.xlsx?year=2025-2026").status_code == 200
    assert other.get(f"/api/v1/items/{item['id']}").status_code == 404
    world.client.post("/api/v1/tokens", json={"username": "t1", "password": "wrong"})
    teacher.delete(f"/api/v1/items/{item['id']}")
    rows = _log(app)
    seen = {(r.action, r.actor, r.item_id) for r in rows}
    assert ("upload", "t1", item["id"]) in seen
    assert ("download", "admin", item["id"]) in seen
    assert ("denied", "t2", item["id"]) in seen
    assert ("delete", "t1", item["id"]) in seen
    assert any(r.action == "export" and r.actor == "admin" for r in rows)
    assert any(r.action == "login_failed" and r.actor == "t1" for r in rows)
    login = next(r for r in rows if r.action == "login" and r.details["via"] == "web")
    assert login.actor == "admin" and login.address == "198.51.100.7"
    assert next(r for r in rows if r.action == "download").address == "198.51.100.7"
    with app.app_context():
        assert verify(db.session).ok


def test_the_log_refuses_changes_and_check_finds_the_first_broken_link(app: Flask,
                                                                        world: World) -> None:
    teacher = world.user("t1")
    for n in range(3):
        teacher.upload(corpus(DOC), title=f"第 {n} 篇")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["check", "--audit"])
    assert result.exit_code == 0 and "哈希链无断点" in result.output
    rows = _log(app)
    victim = rows[len(rows) // 2]
    with app.app_context(), pytest.raises(DatabaseError):
        with db.transaction() as session:
            session.execute(text("UPDATE audit_log SET actor = 'x' WHERE id = :id"),
                            {"id": victim.id})
    with app.app_context(), pytest.raises(DatabaseError):
        with db.transaction() as session:
            session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": victim.id})
    with app.app_context():  # someone with file access drops the guard and edits a line
        with db.transaction() as session:
            session.execute(text("DROP TRIGGER audit_log_no_update"))
            session.execute(text("UPDATE audit_log SET actor = 'someone' WHERE id = :id"),
                            {"id": victim.id})
    result = runner.invoke(args=["check", "--audit"])
    assert result.exit_code == 1
    assert f"第 {victim.id} 条起链断开" in result.output and "被改动" in result.output


def test_a_deleted_line_is_found(app: Flask, world: World) -> None:
    world.user("t1").upload(corpus(DOC))
    rows = _log(app)
    with app.app_context():
        with db.transaction() as session:
            session.execute(text("DROP TRIGGER audit_log_no_delete"))
            session.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": rows[1].id})
        report = verify(db.session)
    assert not report.ok and report.broken_at == rows[1].id and "缺少" in report.problem


def test_teachers_see_their_items_trail_admins_search_and_export(app: Flask, world: World) -> None:
    world.user("t1")
    teacher_api = world.login("t1", "secret-pass-1")
    item = teacher_api.upload(corpus(DOC), title="甲的总结").get_json()
    admin = _browser(world, "admin", app.config["ADMIN_PASSWORD"])
    admin.get(f"/items/{item['id']}/original")
    teacher = _browser(world, "t1", "secret-pass-1")
    page = teacher.get(f"/items/{item['id']}").get_data(as_text=True)
    assert "访问与操作记录" in page and "admin" in page and "下载" in page
    world.user("t2")
    assert _browser(world, "t2", "secret-pass-1").get(f"/items/{item['id']}").status_code == 404
    assert teacher.get("/admin/audit").status_code == 403
    found = admin.get("/admin/audit?action=download").get_data(as_text=True)
    assert f"#{item['id']}" in found and "<td>登录失败</td>" not in found
    export = admin.get("/admin/audit.xlsx?action=download")
    assert export.status_code == 200
    assert export.headers["X-Content-Type-Options"] == "nosniff"
    sheet = load_workbook(io.BytesIO(export.data)).active
    rows = [[cell.value for cell in row] for row in sheet.iter_rows(min_row=2)]
    assert rows and all(row[2] == "admin" and row[3] == "下载" for row in rows)
    assert rows[0][4] == item["id"] and rows[0][5] == "198.51.100.7"
