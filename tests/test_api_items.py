"""Upload through the API with real corpus files, a real S3 server and a real database."""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from archive_service.db import db
from archive_service.extensions import archive
from archive_service.models import ItemVersion
from tests.helpers import World, corpus


def test_upload_pdf_end_to_end(world: World) -> None:
    teacher = world.user("t1", name="王老师")
    path = corpus("zh_pdf_06_kechengsizheng_jiaoxuesheji.pdf")
    res = teacher.upload(path, kind="lesson_design", title="课程思政：仿制图章工具",
                         filename="教学设计.pdf", completion_date="2025-10-08")
    assert res.status_code == 201, res.get_json()
    item = res.get_json()
    assert item["original_filename"] == "教学设计.pdf"
    assert item["mime"] == "application/pdf"
    assert item["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert item["size"] == path.stat().st_size
    assert item["academic_year"] == "2025-2026"
    assert item["char_count"] >= 4174  # CJK alone per MANIFEST; Latin words add to it
    assert item["owner"] == {"id": item["owner"]["id"], "name": "王老师", "username": "t1",
                             "school": "第一中学"}
    assert item["decision"]["code"] == "eligible_awaiting_selection"

    original = teacher.get(f"/api/v1/items/{item['id']}/original")
    assert original.status_code == 200
    assert original.data == path.read_bytes()
    assert "filename*=UTF-8''%E6%95%99%E5%AD%A6%E8%AE%BE%E8%AE%A1.pdf" in \
        original.headers["Content-Disposition"]
    assert original.headers["X-Content-Type-Options"] == "nosniff"

    found = teacher.get("/api/v1/search", query_string={"q": "仿制图章"}).get_json()
    assert [h["id"] for h in found["items"]] == [item["id"]]
    assert "<mark>" in found["items"][0]["snippet_html"]


def test_docx_table_text_is_counted(world: World) -> None:
    teacher = world.user("t2")
    res = teacher.upload(corpus("zh_docx_01_songdai_wenxue_jiaoan.docx"), kind="lesson_design",
                         title="文缘史鉴", filename="教案.docx")
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["char_count"] >= 2495


def test_object_key_is_content_addressed(world: World, app) -> None:
    """The object is named by its SHA-256; the same bytes uploaded again share one object."""
    path = corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")
    first = world.user("t3").upload(path, title="教学总结").get_json()
    again = world.user("t4", school="第二中学").upload(path, title="同一文件").get_json()
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    key = f"originals/{sha[:2]}/{sha[2:4]}/{sha}"
    with app.app_context():
        info = archive.store.stat(key)
        assert info is not None and info.size == path.stat().st_size
        assert archive.store.read_bytes(key) == path.read_bytes()
        rows = db.session.execute(select(ItemVersion.item_id, ItemVersion.object_key)
                                  .order_by(ItemVersion.item_id)).all()
        assert [tuple(r) for r in rows] == [(first["id"], key), (again["id"], key)]
        assert [o.key for o in archive.store.list_objects("originals/")] == [key]
