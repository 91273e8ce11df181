"""The index outbox: one background writer, parked entries, bounded batches."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from archive_service.db import db
from archive_service.extensions import archive
from archive_service.models import IndexOutbox
from archive_service.services import indexer
from archive_service.services.consistency import run_check
from indexing import IndexDoc
from indexing.whoosh_index import WhooshIndex
from tests.conftest import World, corpus

DOC = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"


class Recorder:
    """Wraps the engine's upsert: records which thread wrote which items, fails on request."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, list[int]]] = []
        self.fail_ids: set[int] = set()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        original = WhooshIndex.upsert

        def upsert(index: WhooshIndex, docs: Iterable[IndexDoc]) -> int:
            batch = list(docs)
            ids = [d.item_id for d in batch]
            if ids:
                self.calls.append((threading.current_thread().name, ids))
            if self.fail_ids & set(ids):
                raise ValueError(f"cannot index {sorted(self.fail_ids & set(ids))}")
            return original(index, batch)

        monkeypatch.setattr(WhooshIndex, "upsert", upsert)


@pytest.fixture()
def recorder(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    rec = Recorder()
    rec.install(monkeypatch)
    return rec


def _upload(teacher: Any, title: str) -> int:
    res = teacher.upload(corpus(DOC), title=title)
    assert res.status_code == 201, res.get_json()
    return int(res.get_json()["id"])


def _queue(app: Flask, *item_ids: int) -> None:
    """Queue index work past the commit hook (``db.transaction`` would drain it at once), so the
    test drives the drains itself."""
    with app.app_context(), Session(db.engine) as session, session.begin():
        session.add_all(IndexOutbox(item_id=i) for i in item_ids)


def test_failing_entry_is_parked_after_five_attempts_and_shown_by_check(
    app: Flask, world: World, recorder: Recorder
) -> None:
    teacher = world.user("t1")
    bad, good = _upload(teacher, "坏条目"), _upload(teacher, "好条目")
    recorder.fail_ids = {bad}
    _queue(app, bad, good)
    with app.app_context():
        for _ in range(indexer.MAX_ATTEMPTS):
            indexer.drain(db.transaction, archive.index)
        assert indexer.drain(db.transaction, archive.index) == 0  # parked: not retried
        (row,) = indexer.parked(db.session)
        assert row.item_id == bad and row.attempts == indexer.MAX_ATTEMPTS
        assert "cannot index" in (row.last_error or "")
        report = run_check(db.transaction, archive.store, archive.index)
        assert not report.ok and report.outbox_pending == 0
        assert len(report.outbox_parked) == 1 and f"#{bad}" in report.render()
        assert "已暂停" in report.render()
        assert good in {h.item_id for h in archive.index.search("好条目").hits}

        recorder.fail_ids = set()  # the cause is fixed: --repair retries the parked entry
        run_check(db.transaction, archive.store, archive.index, repair=True)
        final = run_check(db.transaction, archive.store, archive.index)
        assert final.ok, final.render()


def test_batches_are_bounded_by_text_size(
    app: Flask, world: World, recorder: Recorder, monkeypatch: pytest.MonkeyPatch
) -> None:
    teacher = world.user("t1")
    ids = [_upload(teacher, f"成果{n}") for n in range(3)]
    recorder.calls.clear()
    monkeypatch.setattr(indexer, "BATCH_CHARS", 1)  # smaller than any one text
    _queue(app, *ids)
    with app.app_context():
        assert indexer.drain(db.transaction, archive.index) == 3
    assert [call_ids for _, call_ids in recorder.calls] == [[i] for i in ids]


def test_background_writer_writes_what_requests_queue(
    app: Flask, world: World, recorder: Recorder
) -> None:
    teacher = world.user("t1")
    queued = _upload(teacher, "启动前排队")  # written inline: no writer yet
    _queue(app, queued)  # a leftover from before start-up
    recorder.calls.clear()
    started = time.monotonic()
    writer = archive.start_writer(app)
    assert time.monotonic() - started < 0.5  # start-up does not drain in the foreground
    try:
        item = _upload(teacher, "刚上传的成果")
        deadline = time.monotonic() + 10
        found: set[int] = set()
        while time.monotonic() < deadline and item not in found:
            found = {h["id"] for h in teacher.get("/api/v1/search?q=刚上传").get_json()["items"]}
            time.sleep(0.1)
        assert item in found  # searchable within seconds
        assert {name for name, _ in recorder.calls} == {"index-writer"}  # never the request
        assert writer.wait_idle()
        with app.app_context():
            assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == 0
    finally:
        writer.stop()
    assert not writer.running
