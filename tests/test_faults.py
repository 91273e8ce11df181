"""Fault tests with real processes (issue 8): the server killed between the object PUT and the
commit, or between the commit and the index write; concurrent uploads on SQLite and PostgreSQL.
The issue's invariant (tests/conftest.py ``invariant``) is checked after each."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, select

from archive_service.db import db
from archive_service.extensions import archive
from archive_service.models import IndexOutbox, Item
from archive_service.services.consistency import run_check
from storage import S3Settings
from tests.conftest import Invariant, World, corpus, make_app
from tests.test_postgres import postgres_url  # noqa: F401,F811  (fixture)

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"

pytestmark = pytest.mark.slow


def _killed_upload(app: Flask, token: str, point: str) -> None:
    config = {"instance": app.instance_path, "token": token, "point": point,
              "file": str(corpus(DOCUMENT)),
              "overrides": {k: app.config[k] for k in
                            ("S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_BUCKET",
                             "SECRET_KEY")}}
    env = {**os.environ, "FAULT_CONFIG": json.dumps(config), "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "tests.fault_child"], env=env, cwd=ROOT,
                          capture_output=True, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]


def _items(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Item)) or 0


def test_killed_after_the_put_leaves_an_orphan_that_is_reported_then_swept(
        app: Flask, world: World, invariant: Invariant) -> None:
    teacher = world.user("t1")
    _killed_upload(app, teacher.token, "after_put")
    invariant.watch(app)
    assert _items(app) == 0
    with app.app_context():
        fresh = run_check(db.transaction, archive.store, archive.index)
        assert len(fresh.orphan_objects) == 1 and fresh.ok  # young: an upload may be in flight
        late = run_check(db.transaction, archive.store, archive.index, grace_hours=0)
        assert late.old_orphans == fresh.orphan_objects and not late.ok
        assert "无记录的孤儿对象：1" in late.render()
        swept = run_check(db.transaction, archive.store, archive.index, repair=True, grace_hours=0)
        assert any("隔离孤儿对象" in line for line in swept.repaired)
        assert run_check(db.transaction, archive.store, archive.index, grace_hours=0).ok


def test_killed_after_the_commit_is_indexed_on_restart(tmp_path: Path, s3_server: S3Settings,
                                                       invariant: Invariant) -> None:
    app = make_app(tmp_path, s3_server)
    teacher = World(app).user("t1")
    _killed_upload(app, teacher.token, "after_commit")
    assert _items(app) == 1
    with app.app_context():  # committed, never indexed: its index entry is still queued
        # (not index.doc_count(): opening a missing index rebuilds it from the database)
        assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == 1
    restarted = make_app(tmp_path, s3_server, S3_BUCKET=app.config["S3_BUCKET"])
    with restarted.app_context():
        archive.sync_index()  # what `archive serve` does at start-up
    found = teacher.get("/api/v1/search", query_string={"q": "英语"}).get_json()
    assert len(found["items"]) == 1
    invariant.accepted_upload(restarted, found["items"][0]["id"], corpus(DOCUMENT).read_bytes())


def concurrent_uploads(app: Flask, world: World, invariant: Invariant, count: int = 20) -> None:
    """``count`` teachers upload different corpus files at once through the HTTP server
    ``archive serve`` runs (waitress, 8 threads)."""
    from waitress.server import create_server

    files = sorted(p for p in corpus(DOCUMENT).parent.glob("zh_*.docx"))
    files += sorted(p for p in corpus(DOCUMENT).parent.glob("zh_pdf_0*.pdf"))
    tokens = [world.user(f"c{i}").token for i in range(count)]
    server = create_server(app, host="127.0.0.1", port=0, threads=8)
    import threading
    threading.Thread(target=server.run, daemon=True).start()
    url = f"http://127.0.0.1:{server.effective_port}/api/v1/items"

    def upload(i: int) -> tuple[int, int | None, bytes]:
        import requests

        path = files[i % len(files)]
        data = path.read_bytes()
        res = requests.post(url, headers={"Authorization": f"Bearer {tokens[i]}"}, timeout=300,
                            data={"kind": "reflection", "title": f"并发上传 {i}",
                                  "completion_date": "2025-10-08"},
                            files={"file": (path.name, data)})
        return res.status_code, res.json().get("id"), data

    try:
        with ThreadPoolExecutor(count) as pool:
            results = list(pool.map(upload, range(count)))
    finally:
        server.close()
    statuses = [status for status, _, _ in results]
    assert all(status < 500 for status in statuses), statuses
    assert statuses.count(201) == count, statuses
    for _, item_id, data in results:
        assert item_id is not None
        invariant.accepted_upload(app, item_id, data)
    with app.app_context():
        shas = set(db.session.scalars(select(func.count()).select_from(Item)))
    assert shas == {count}
    assert len({hashlib.sha256(d).hexdigest() for _, _, d in results}) >= min(count, len(files))


def test_twenty_concurrent_uploads_on_sqlite(app: Flask, world: World,
                                             invariant: Invariant) -> None:
    concurrent_uploads(app, world, invariant)


@pytest.mark.postgres
def test_twenty_concurrent_uploads_on_postgresql(tmp_path: Path, s3_server: S3Settings,
                                                 postgres_url: str,  # noqa: F811
                                                 invariant: Invariant) -> None:
    app = make_app(tmp_path, s3_server, DATABASE_URL=postgres_url)
    concurrent_uploads(app, World(app), invariant)
