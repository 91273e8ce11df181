"""Soft-deleted items are restorable by an admin (API and page) for the restore period, then
purged by the sweeper with an audit record; the invariant holds throughout."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from sqlalchemy import select, update

from archive_service.db import db
from archive_service.extensions import archive
from archive_service.models import AuditRecord, Item, ItemVersion, utcnow
from archive_service.services.consistency import run_check
from tests.conftest import Invariant, World, corpus
from tests.helpers import csrf_token as _csrf
from tests.helpers import page_login

DOCUMENT = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"


def test_deleted_item_restored_by_an_admin_within_the_period(app: Flask, world: World,
                                                            invariant: Invariant) -> None:
    teacher = world.user("t1")
    path = corpus(DOCUMENT)
    item = teacher.upload(path, title="英语教学总结").get_json()
    assert teacher.delete(f"/api/v1/items/{item['id']}").status_code == 200
    assert teacher.get("/api/v1/search", query_string={"q": "英语"}).get_json()["items"] == []
    assert teacher.get("/api/v1/trash").status_code == 403  # only admins
    trash = world.admin.get("/api/v1/trash").get_json()
    assert [row["id"] for row in trash["items"]] == [item["id"]] and trash["total"] == 1
    res = world.admin.post(f"/api/v1/items/{item['id']}/restore")
    assert res.status_code == 200, res.get_json()
    assert teacher.get(f"/api/v1/items/{item['id']}").status_code == 200
    assert world.admin.get("/api/v1/trash").get_json()["items"] == []
    assert world.admin.post(f"/api/v1/items/{item['id']}/restore").status_code == 404
    with app.app_context():
        actions = db.session.scalars(select(AuditRecord.action)
                                     .where(AuditRecord.item_id == item["id"])).all()
        assert "restore" in actions
    invariant.accepted_upload(app, item["id"], path.read_bytes())


def test_restore_page_lists_and_restores(app: Flask, world: World) -> None:
    teacher = world.user("t1")
    item = teacher.upload(corpus(DOCUMENT), title="英语教学总结").get_json()
    teacher.delete(f"/api/v1/items/{item['id']}")
    admin = page_login(app, "admin", app.config["ADMIN_PASSWORD"])
    page = admin.get("/admin/trash").get_data(as_text=True)
    assert "英语教学总结" in page and "30 天内可以恢复" in page
    token = _csrf(admin, "/admin/trash")
    res = admin.post(f"/admin/items/{item['id']}/restore", data={"csrf_token": token})
    assert res.status_code == 302
    assert "没有可恢复的已删除成果" in admin.get("/admin/trash").get_data(as_text=True)


def test_after_the_period_the_sweeper_purges_with_an_audit_record(app: Flask, world: World,
                                                                  invariant: Invariant) -> None:
    teacher, other = world.user("t1"), world.user("t2")
    path = corpus(DOCUMENT)
    gone = teacher.upload(path, title="要清除的").get_json()
    kept = other.upload(path, title="同一文件，另一位老师").get_json()  # shares the object
    only = teacher.upload(corpus("zh_docx_01_songdai_wenxue_jiaoan.docx"), title="独有文件")
    only_item = only.get_json()
    for item_id in (gone["id"], only_item["id"]):
        assert teacher.delete(f"/api/v1/items/{item_id}").status_code == 200
    with app.app_context():
        with db.transaction() as session:
            session.execute(update(Item).where(Item.deleted_at.is_not(None))
                            .values(deleted_at=utcnow() - timedelta(days=31)))
    res = world.admin.post(f"/api/v1/items/{gone['id']}/restore")
    assert res.status_code == 409 and "恢复期限" in res.get_json()["error"]["message"]
    with app.app_context():
        report = run_check(db.transaction, archive.store, archive.index, repair=True,
                           grace_hours=0, restore_days=30)
        assert sum("清除" in line for line in report.repaired) == 2
        assert db.session.get(Item, gone["id"]) is None
        assert db.session.scalars(select(ItemVersion.id)
                                  .where(ItemVersion.item_id == only_item["id"])).all() == []
        purges = db.session.scalars(select(AuditRecord).where(AuditRecord.action == "purge")).all()
        assert sorted(p.item_id for p in purges) == sorted([gone["id"], only_item["id"]])
        keys = {i.key for i in archive.store.list_objects("originals/")}
        assert keys == {f"originals/{kept['sha256'][:2]}/{kept['sha256'][2:4]}/{kept['sha256']}"}
    invariant.accepted_upload(app, kept["id"], path.read_bytes())
