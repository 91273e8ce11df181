"""Bad input gets a 4xx with a Chinese message, and nothing is half-stored."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from archive_service.models import Item
from tests.helpers import World, assert_error, assert_nothing_stored, corpus, make_app


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
    assert_error(teacher.upload(path, filename=filename), status, code)
    assert_nothing_stored(app)


def test_wrong_type_empty_and_missing_file(app: Flask, world: World) -> None:
    teacher = world.user("t1")
    assert_error(teacher.upload(data=b"GIF89a" + b"\0" * 100, filename="photo.docx"), 422,
           "unsupported_type")
    assert_error(teacher.upload(data=b"", filename="empty.pdf"), 400, "empty_file")
    res = teacher.post("/api/v1/items", data={"kind": "reflection", "title": "x",
                                              "completion_date": "2025-10-01"})
    assert "「文件」（file）" in assert_error(res, 422, "invalid_input")
    assert_nothing_stored(app)


def test_invalid_fields_are_checked_before_the_file(app: Flask, world: World) -> None:
    teacher = world.user("t1")
    path = corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")
    assert "成果类型" in assert_error(teacher.upload(path, kind="poem"), 422, "invalid_input")
    assert "完成日期" in assert_error(teacher.upload(path, completion_date="2025/10/08"), 422,
                                  "invalid_input")
    assert "标题" in assert_error(teacher.upload(path, title="  "), 422, "invalid_input")
    assert_error(teacher.upload(path, kind="unit_design", metadata={"lesson_count": "三"}), 400,
           "invalid_metadata")
    assert_error(teacher.upload(path, kind="paper", metadata={"recognitions": [
        {"type": "award", "level": "county", "grade": 5, "date": "2025-12-01"}]}), 400,
        "invalid_metadata")
    assert "补充信息" in assert_error(teacher.upload(path, metadata="{not json"), 422,
                                  "invalid_input")
    assert_nothing_stored(app)


def test_control_characters_in_filename_are_refused(app: Flask, world: World) -> None:
    teacher = world.user("t1")
    res = teacher.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx"),
                         filename="总结\u202excod.docx")
    assert_error(res, 400, "bad_filename")
    assert_nothing_stored(app)


def test_oversize_upload(tmp_path: Path, s3_server) -> None:
    app = make_app(tmp_path, s3_server, MAX_UPLOAD_MB=1)
    world = World(app)
    teacher = world.user("t1")
    res = teacher.upload(corpus("zh_pdf_09_qikan_lunwen_xinxilunli.pdf"))  # 1.7 MB
    assert_error(res, 413, "too_large")
    assert_nothing_stored(app)


def test_storage_outage_leaves_nothing(tmp_path: Path, s3_server) -> None:
    """A dead S3 endpoint: 503 in Chinese, no row, no index entry."""
    app = make_app(tmp_path, s3_server)
    world = World(app)
    teacher = world.user("t1")
    state = app.extensions["archive"]
    from storage import S3ObjectStore
    state._store = S3ObjectStore("http://127.0.0.1:9", "x", "y", "nobucket")
    res = teacher.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx"))
    assert_error(res, 503, "storage_unavailable")
    with app.app_context():
        from archive_service.db import db
        assert db.session.scalar(select(func.count()).select_from(Item)) == 0


def test_only_teachers_upload_and_tokens_are_required(world: World) -> None:
    inspector = world.user("i1", role="inspector")
    path = corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")
    assert_error(inspector.upload(path), 403, "forbidden")
    assert_error(world.client.get("/api/v1/items"), 401, "unauthorized")
    assert_error(world.client.get("/api/v1/items", headers={"Authorization": "Bearer nope"}), 401,
           "unauthorized")
    assert_error(world.client.post("/api/v1/tokens", json={"username": "i1", "password": "wrong"}),
           401, "bad_credentials")


def test_failed_commit_leaves_the_object_to_the_sweeper(app: Flask, world: World) -> None:
    """The database refuses the row after the PUT: no row, nothing indexed; the object is not
    deleted on the request path (another upload may share it) but swept after the grace period."""
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
    from archive_service.db import db
    from archive_service.extensions import archive
    from archive_service.services.consistency import run_check
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Item)) == 0
        report = run_check(db.transaction, archive.store, archive.index)
        assert len(report.orphan_objects) == 1 and report.ok  # young orphan: not yet an error
        assert not run_check(db.transaction, archive.store, archive.index, grace_hours=0).ok
        run_check(db.transaction, archive.store, archive.index, repair=True, grace_hours=0)
        assert [i.key for i in archive.store.list_objects("")
                if not i.key.startswith("quarantine/")] == []
        assert run_check(db.transaction, archive.store, archive.index, grace_hours=0).ok
