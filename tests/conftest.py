"""Fixtures: a real SeaweedFS and a migrated SQLite template for the session, a fresh app
(a copy of the template, its own bucket and Whoosh index) per test.

Helpers that test modules import live in ``tests/helpers.py``; the names re-exported below keep
older ``from tests.conftest import ...`` lines working.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from storage import ManagedSeaweedFS, S3Settings
from tests.helpers import (
    CORPUS,
    Api,
    Services,
    World,
    bucket_names,
    corpus,
    drop_buckets,
    make_app,
    use_template_folder,
)

__all__ = ["CORPUS", "Api", "World", "corpus", "make_app"]
SESSION_BUCKET = "archive-test"


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Settings]:
    weed = ManagedSeaweedFS(tmp_path_factory.mktemp("seaweedfs"), bucket=SESSION_BUCKET)
    settings = weed.start()
    yield settings
    weed.stop()


@pytest.fixture(autouse=True)
def _drop_test_buckets(request: pytest.FixtureRequest) -> Iterator[None]:
    """After a test that used the session's SeaweedFS, remove the buckets the test itself made
    (those of module fixtures, made before it, stay for the module's other tests)."""
    if "s3_server" not in request.fixturenames:
        yield
        return
    s3: S3Settings = request.getfixturevalue("s3_server")
    before = bucket_names(s3)
    yield
    drop_buckets(s3, keep=before | {SESSION_BUCKET})


@pytest.fixture(scope="session", autouse=True)
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The folder of the migrated template database: ``make_app`` builds it there on first use
    (tests without an app never pay for it) and copies the file for each test's app."""
    folder = tmp_path_factory.mktemp("sqlite-template")
    use_template_folder(folder)
    yield folder
    use_template_folder(None)


@pytest.fixture()
def app(tmp_path: Path, s3_server: S3Settings) -> Flask:
    return make_app(tmp_path, s3_server)


@pytest.fixture()
def world(app: Flask) -> World:
    return World(app)


@pytest.fixture()
def services(app: Flask) -> Iterator[Services]:
    """Service-level tests: the app's real session, store and index, no HTTP."""
    with app.app_context():
        yield Services(app)
class Invariant:
    """Issue 8's global invariant, checked after a test: every upload that got a 2xx is
    retrievable byte-identical, ``archive check`` reports no error, and once the index queue is
    drained the index holds exactly the live items."""

    def __init__(self) -> None:
        self.apps: list[Flask] = []
        self.accepted: list[tuple[Flask, int, str]] = []

    def watch(self, app: Flask) -> Flask:
        if app not in self.apps:
            self.apps.append(app)
        return app

    def accepted_upload(self, app: Flask, item_id: int, data: bytes) -> None:
        """An upload answered 2xx: its item must give back exactly ``data``."""
        import hashlib

        self.watch(app)
        self.accepted.append((app, item_id, hashlib.sha256(data).hexdigest()))

    def verify(self) -> None:
        for app in self.apps:
            self._verify_app(app)

    def _verify_app(self, app: Flask) -> None:
        import hashlib

        from sqlalchemy import select

        from archive_service.db import db
        from archive_service.extensions import archive
        from archive_service.models import Item, ItemVersion
        from archive_service.services.consistency import run_check

        with app.app_context():
            for owner, item_id, sha in self.accepted:
                if owner is not app:
                    continue
                key = db.session.scalar(select(ItemVersion.object_key).join(
                    Item, Item.current_version_id == ItemVersion.id).where(Item.id == item_id))
                assert key is not None, f"成果 {item_id} 已应答 2xx，但没有记录"
                digest = hashlib.sha256()
                for chunk in archive.store.open(key):
                    digest.update(chunk)
                assert digest.hexdigest() == sha, f"成果 {item_id} 的原件与上传的不一致"
            archive.sync_index()
            report = run_check(db.transaction, archive.store, archive.index)
            assert report.ok, report.render()
            live = set(db.session.scalars(select(Item.id).where(Item.deleted_at.is_(None))))
            assert set(archive.index.stamps()) == live


@pytest.fixture()
def invariant() -> Iterator[Invariant]:
    """Yields the recorder; verifies the invariant when the test ends (and it passed so far)."""
    checker = Invariant()
    yield checker
    checker.verify()
