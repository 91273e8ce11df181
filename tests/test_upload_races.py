"""Issue 8 point 4: content-addressed objects are never deleted on a request path; the sweeper
removes unreferenced ones only under the object's lock, re-checking references."""

from __future__ import annotations

import hashlib
import io
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from archive_service.db import db
from archive_service.extensions import archive
from archive_service.models import SweepLog, User
from archive_service.services import items, stored
from archive_service.services.consistency import run_check
from archive_service.services.staging import stage
from storage import object_key_for
from tests.conftest import Invariant, World, corpus

DOCUMENT = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"


class GatedStore:
    """The real store, except that ``delete`` waits until ``release`` is set."""

    def __init__(self, store: Any, reached: threading.Event, release: threading.Event) -> None:
        self._store, self._reached, self._release = store, reached, release

    def delete(self, key: str) -> None:
        self._reached.set()
        self._release.wait(20)
        self._store.delete(key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)


def _failing_once() -> Any:
    """A unit of work whose first transaction fails like a SQLite lock timeout."""
    calls = {"n": 0}

    @contextmanager
    def uow() -> Iterator[Session]:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("INSERT INTO items", {}, sqlite3.OperationalError("database is locked"))
        with db.transaction() as session:
            yield session
    return uow


def _upload(app: Flask, username: str, data: bytes, uow: Any, store: Any) -> int:
    with app.app_context():
        actor = db.session.scalar(select(User).where(User.username == username))
        staged = stage(io.BytesIO(data), "总结.docx", 50 * 1024 * 1024,
                       Path(app.instance_path) / "tmp")
        form = items.ItemForm(kind="reflection", title="教学总结", completion_date="2025-10-08")
        return items.upload(uow or db.transaction, store, archive.settings, actor, form, staged)


def test_failed_upload_never_deletes_the_object_another_upload_commits(
        app: Flask, world: World, invariant: Invariant) -> None:
    world.user("first")
    world.user("second")
    data = corpus(DOCUMENT).read_bytes()
    with app.app_context():
        real = archive.store
    delete_reached, second_committed = threading.Event(), threading.Event()
    store = GatedStore(real, delete_reached, second_committed)
    failures: list[BaseException] = []

    def first() -> None:
        try:
            _upload(app, "first", data, _failing_once(), store)
        except OperationalError as exc:  # the injected failure
            failures.append(exc)
        finally:
            delete_reached.set()  # cleanup done (or, before the fix, about to delete)

    thread = threading.Thread(target=first)
    thread.start()
    assert delete_reached.wait(30)
    item_id = _upload(app, "second", data, None, store)  # commits while the first cleans up
    second_committed.set()
    thread.join(30)
    assert len(failures) == 1
    invariant.accepted_upload(app, item_id, data)  # the second item's original is intact


def test_sweeper_and_an_upload_of_the_same_bytes(app: Flask, world: World, invariant: Invariant,
                                                 monkeypatch: Any, tmp_path: Path) -> None:
    world.user("t1")
    path = corpus(DOCUMENT)
    data = path.read_bytes()
    key = object_key_for(hashlib.sha256(data).hexdigest())
    with app.app_context():
        # an orphan left by an earlier failed upload of the same file, past the grace period
        archive.store.put_file(key, path, content_type="application/octet-stream",
                               sha256_hex=hashlib.sha256(data).hexdigest())
    real_put = stored.put_original

    def put_then_sweep(*args: Any, **kwargs: Any) -> str:
        found = real_put(*args, **kwargs)  # sees the orphan: nothing PUT
        report = run_check(db.transaction, archive.store, archive.index, repair=True,
                           grace_hours=0)  # the sweeper runs before this upload commits
        assert any(key in line for line in report.repaired)
        return found

    monkeypatch.setattr(stored, "put_original", put_then_sweep)
    item_id = _upload(app, "t1", data, None, archive_store(app))
    monkeypatch.undo()
    with app.app_context():
        assert hashlib.sha256(archive.store.read_bytes(key)).hexdigest() == hashlib.sha256(data).hexdigest()
        swept = db.session.scalars(select(SweepLog)).all()
        assert [(s.action, s.subject) for s in swept] == [("quarantine_object", key)]
    invariant.accepted_upload(app, item_id, data)


def archive_store(app: Flask) -> Any:
    with app.app_context():
        return archive.store
