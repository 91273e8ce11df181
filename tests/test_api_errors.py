"""Bad input gets a 4xx with a Chinese message, and nothing is half-stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from archive_service.extensions import archive
from archive_service.models import IndexOutbox, Item, ItemVersion
from tests.conftest import World, corpus, make_app


def _nothing_stored(app: Flask) -> None:
    with app.app_context():
        from archive_service.db import db
        assert db.session.scalar(select(func.count()).select_from(Item)) == 0
        assert db.session.scalar(select(func.count()).select_from(ItemVersion)) == 0
        assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == 0
        assert list(archive.store.list_objects("")) == []
        assert archive.index.doc_count() == 0


def _error(res, status: int, code: str) -> str:
    assert res.status_code == status, res.get_json()
    body = res.get_json()
    assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)  # said in Chinese
    return message


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("edge_08_word_lockfile_ownerfile.docx", 422, "lock_file"),
        ("edge_05_encrypted_password_protected.docx", 422, "encrypted"),
        ("edge_03_encrypted_userpw_libreoffice.pdf", 422, "encrypted"),
    ],
)
def test_hostile_corpus_files_are_refused(app: Flask, world: World, name: str, status: int,
                                          code: str) -> None:
    teacher = world.user("t1")
    path = corpus(name)
    # keep the real original name of the lock file: "~$…docx"
    filename = "~$1-实施方案.docx" if name.startswith("edge_08") else path.name
    _error(teacher.upload(path, filename=filename), status, code)
    _nothing_stored(app)


def test_wrong_type_empty_and_missing_file(app: Flask, world: World) -> None:
    teacher = world.user("t1")
    _error(teacher.upload(data=b"GIF89a" + b"\0" * 100, filename="photo.docx"), 422,
           "unsupported_type")
    _error(teacher.upload(data=b"", filename="empty.pdf"), 400, "empty_file")
    res = teacher.post("/api/v1/items", data={"kind": "reflection", "title": "x",
                                              "completion_date": "2025-10-01"})
    _error(res, 400, "no_file")
    _nothing_stored(app)


def test_invalid_fields_are_checked_before_the_file(app: Flask, world: World) -> None:
    teacher = world.user("t1")
    path = corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")
    assert "成果类型" in _error(teacher.upload(path, kind="poem"), 400, "invalid_kind")
    _error(teacher.upload(path, completion_date="2025/10/08"), 400, "invalid_metadata")
    _error(teacher.upload(path, title="  "), 400, "invalid_title")
    _error(teacher.upload(path, kind="unit_design", metadata={"lesson_count": "三"}), 400,
           "invalid_metadata")
    _error(teacher.upload(path, kind="paper", metadata={"recognitions": [
        {"type": "award", "level": "county", "grade": 5, "date": "2025-12-01"}]}), 400,
        "invalid_metadata")
    _error(teacher.upload(path, metadata="{not json"), 400, "invalid_metadata")
    _nothing_stored(app)


def test_control_characters_in_filename_are_refused(app: Flask, world: World) -> None:
    teacher = world.user("t1")
    res = teacher.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx"),
                         filename="总结\u202excod.docx")
    _error(res, 400, "bad_filename")
    _nothing_stored(app)


def test_oversize_upload(tmp_path: Path, s3_server) -> None:
    app = make_app(tmp_path, s3_server, MAX_UPLOAD_MB=1)
    world = World(app)
    teacher = world.user("t1")
    res = teacher.upload(corpus("zh_pdf_09_qikan_lunwen_xinxilunli.pdf"))  # 1.7 MB
    _error(res, 413, "too_large")
    _nothing_stored(app)


def test_storage_outage_leaves_nothing(tmp_path: Path, s3_server) -> None:
    """A dead S3 endpoint: 503 in Chinese, no row, no index entry."""
    app = make_app(tmp_path, s3_server)
    world = World(app)
    teacher = world.user("t1")
    state = app.extensions["archive"]
    from storage import S3ObjectStore
    state._store = S3ObjectStore("http://127.0.0.1:9", "x", "y", "nobucket")
    res = teacher.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx"))
    _error(res, 503, "storage_unavailable")
    with app.app_context():
        from archive_service.db import db
        assert db.session.scalar(select(func.count()).select_from(Item)) == 0


def test_only_teachers_upload_and_tokens_are_required(world: World) -> None:
    inspector = world.user("i1", role="inspector")
    path = corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")
    _error(inspector.upload(path), 403, "forbidden")
    _error(world.client.get("/api/v1/items"), 401, "unauthorized")
    _error(world.client.get("/api/v1/items", headers={"Authorization": "Bearer nope"}), 401,
           "unauthorized")
    _error(world.client.post("/api/v1/tokens", json={"username": "i1", "password": "wrong"}),
           401, "bad_credentials")


def test_failed_commit_removes_the_new_object(app: Flask, world: World) -> None:
    """The database refuses the row after the PUT: the object goes too, nothing is indexed."""
    teacher = world.user("t1")
    with app.app_context():
        from sqlalchemy import text

        from archive_service.db import db
        with db.engine.begin() as conn:
            conn.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON items "
                              "BEGIN SELECT RAISE(ABORT, 'disk full'); END"))
    res = teacher.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx"))
    assert res.status_code == 500
    assert res.get_json()["error"]["code"] == "internal"
    _nothing_stored(app)
