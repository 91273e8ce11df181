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
