"""Missing, damaged and switched indexes: 503 while none, background and resumable rebuilds
into a new folder, search answering from the old build meanwhile, ``archive reindex``."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from archive_service.extensions import archive
from archive_service.index_keeper import IndexKeeper
from archive_service.services import indexer
from indexing.home import IndexHome
from storage import S3Settings
from tests.conftest import World, corpus, make_app

DOCS = ("zh_docx_12_yingyu_jiaoxue_zongjie.docx", "zh_docx_02_zuiwengtingji_jiaoxuesheji.docx",
        "zh_docx_14_jiqiren_jiaoxue_dagang.docx")


def _items(world: World, count: int = 3) -> list[int]:
    teacher = world.user("t1")
    ids = []
    for n in range(count):
        res = teacher.upload(corpus(DOCS[n % len(DOCS)]), title=f"重建测试{n}")
        assert res.status_code == 201, res.get_json()
        ids.append(int(res.get_json()["id"]))
    return ids


def _found(app: Flask, q: str = "重建测试") -> set[int]:
    with app.app_context():
        return {h.item_id for h in archive.index.search(q, per_page=50).hits}


def _index_dir(app: Flask) -> Path:
    return Path(app.config["INDEX_DIR"])


def test_missing_index_answers_503_and_is_rebuilt_in_the_background(
    app: Flask, world: World
) -> None:
    ids = _items(world, 2)
    admin = world.admin
    assert admin.get("/api/v1/search?q=重建测试").status_code == 200
    shutil.rmtree(_index_dir(app))  # deleted under the running service
    keeper = app.extensions["archive"].keeper
    gate, step = threading.Event(), keeper.step
    keeper.step = lambda: gate.wait(30) and step()  # the writer waits for the first answer
    writer = archive.start_writer(app)
    try:
        res = admin.get("/api/v1/search?q=重建测试")
        assert res.status_code == 503
        assert "检索索引正在重建" in res.get_json()["error"]["message"]
        assert res.headers["Retry-After"]
        page = world.client.get("/search?q=重建测试")  # logged-out page: no 500 either
        assert page.status_code in (302, 401, 503)
        gate.set()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            res = admin.get("/api/v1/search?q=重建测试")
            if res.status_code == 200:
                break
            time.sleep(0.2)
        assert res.status_code == 200
        assert {h["id"] for h in res.get_json()["items"]} == set(ids)
    finally:
        writer.stop()


def test_damaged_index_found_at_start_up_is_rebuilt(
    app: Flask, world: World, tmp_path: Path, s3_server: S3Settings
) -> None:
    ids = _items(world, 2)
    home = IndexHome(_index_dir(app))
    build = home.current()
    assert build is not None
    for path in home.path(build).iterdir():  # truncate every file of the build
        path.write_bytes(path.read_bytes()[:10])
    again = make_app(tmp_path, s3_server)  # a restart on the same instance
    assert _found(again) == set(ids)  # rebuilt from the database, not a partial index
    assert IndexHome(_index_dir(again)).current() != build


def test_rebuild_resumes_after_a_kill_and_old_build_answers_meanwhile(
    app: Flask, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = _items(world, 3)
    monkeypatch.setattr(indexer, "BATCH", 1)
    written: list[int] = []
    original = indexer.rebuild_batch

    def recording(uow: Any, target: Any, last_id: int, known: dict[int, str],
                  codes: Any) -> tuple[int, int]:
        new_last, count = original(uow, target, last_id, known, codes)
        if count:
            written.append(new_last)
        return new_last, count

    monkeypatch.setattr("archive_service.index_keeper.rebuild_batch", recording)
    with app.app_context():
        from archive_service.db import db

        old = IndexHome(_index_dir(app)).current()
        first = IndexKeeper(_index_dir(app), "whoosh", db.transaction)
        first.start_rebuild("test")
        assert first.step() is True  # one item into the new build, then "killed"
        progress = first.progress()
        assert progress is not None and progress.last_id == ids[0] and progress.done == 1
        assert _found(app) == set(ids)  # the old build still answers in full
        assert IndexHome(_index_dir(app)).current() == old

        second = IndexKeeper(_index_dir(app), "whoosh", db.transaction)  # after a restart
        second.rebuild()
        assert written == [ids[0], ids[1], ids[2]]  # continued, not started again
        assert second.progress() is None
        new = IndexHome(_index_dir(app)).current()
        assert new is not None and new != old
        assert not (_index_dir(app) / old.folder).exists()  # the old build is removed
    assert _found(app) == set(ids)


def test_switching_engine_rebuilds_while_the_old_engine_answers(
    app: Flask, world: World, tmp_path: Path, s3_server: S3Settings
) -> None:
    ids = _items(world, 2)
    switched = make_app(tmp_path, s3_server, SEARCH_ENGINE="tantivy")
    with switched.app_context():
        assert archive.index.engine == "whoosh"  # answers until the new build is complete
        assert {h.item_id for h in archive.index.search("重建测试").hits} == set(ids)
        while archive.state.keeper.step():
            pass
        assert archive.index.engine == "tantivy"
        assert {h.item_id for h in archive.index.search("重建测试").hits} == set(ids)


def test_reindex_command_shows_progress_and_swaps(app: Flask, world: World) -> None:
    ids = _items(world, 2)
    from archive_service.cli import reindex

    before = IndexHome(_index_dir(app)).current()
    result = app.test_cli_runner().invoke(reindex)
    assert result.exit_code == 0, result.output
    assert "重建检索索引" in result.output and "已重建索引：2 项" in result.output
    assert IndexHome(_index_dir(app)).current() != before
    assert _found(app) == set(ids)
