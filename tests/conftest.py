"""Shared fixtures: a real SeaweedFS for the session, a fresh app (SQLite + Whoosh) per test."""

from __future__ import annotations

import io
import json
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive_service.app import create_app
from archive_service.db import db
from archive_service.extensions import archive
from archive_service.models import User
from archive_service.services.accounts import change_password
from archive_service.services.setup import initialise
from storage import ManagedSeaweedFS, S3Settings

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def corpus(name: str) -> Path:
    path = CORPUS / name
    assert path.exists(), f"语料文件缺失：{path}（CI 需要 ../shared/corpus）"
    return path


@pytest.fixture(scope="session")
def s3_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Settings]:
    weed = ManagedSeaweedFS(tmp_path_factory.mktemp("seaweedfs"), bucket="archive-test")
    settings = weed.start()
    yield settings
    weed.stop()


def make_app(tmp_path: Path, s3: S3Settings, **overrides: Any) -> Flask:
    config = {
        "TESTING": True,
        "S3_ENDPOINT": s3.endpoint, "S3_ACCESS_KEY": s3.access_key,
        "S3_SECRET_KEY": s3.secret_key, "S3_BUCKET": f"t-{uuid.uuid4().hex[:12]}",
        **overrides,
    }
    app = create_app(config, instance=tmp_path / "instance")
    with app.app_context():
        first = initialise(db.engine, db.transaction, archive.settings)
        app.config["ADMIN_PASSWORD"] = _first_login_change(first) if first else None
        app.extensions["archive"].store.ensure_bucket()
    return app


def _first_login_change(password: str) -> str:
    """The first admin's printed password must be changed before use; tests use the new one."""
    new = password + "-changed"
    with db.transaction() as session:
        admin = session.scalar(select(User).where(User.username == "admin"))
        change_password(session, admin, password, new)
    return new


@pytest.fixture()
def app(tmp_path: Path, s3_server: S3Settings) -> Flask:
    return make_app(tmp_path, s3_server)


@dataclass
class Api:
    """A JSON client for one user's token."""

    client: FlaskClient
    token: str

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self._headers(), **kw)

    def post(self, url: str, json_body: Any = None, **kw: Any) -> Any:
        if json_body is not None:
            kw["json"] = json_body
        return self.client.post(url, headers=self._headers(), **kw)

    def put(self, url: str, **kw: Any) -> Any:
        return self.client.put(url, headers=self._headers(), **kw)

    def delete(self, url: str) -> Any:
        return self.client.delete(url, headers=self._headers())

    def upload(self, path: Path | None = None, *, kind: str = "reflection", title: str = "测试成果",
               completion_date: str = "2025-10-08", metadata: dict[str, Any] | None = None,
               data: bytes | None = None, filename: str | None = None, **fields: Any) -> Any:
        body = data if data is not None else path.read_bytes()  # type: ignore[union-attr]
        form = {"kind": kind, "title": title, "completion_date": completion_date,
                "file": (io.BytesIO(body), filename or (path.name if path else "file.bin")),
                **fields}
        if metadata is not None:
            form["metadata"] = json.dumps(metadata, ensure_ascii=False)
        return self.post("/api/v1/items", data=form, content_type="multipart/form-data")


class World:
    """Schools, users and their API clients, created through the API as an admin would."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client = app.test_client()
        self.admin = self.login("admin", app.config["ADMIN_PASSWORD"])
        self.schools: dict[str, int] = {}

    def login(self, username: str, password: str) -> Api:
        res = self.client.post("/api/v1/tokens", json={"username": username, "password": password})
        assert res.status_code == 201, res.get_json()
        return Api(self.client, res.get_json()["token"])

    def school(self, name: str) -> int:
        if name not in self.schools:
            res = self.admin.post("/api/v1/schools", {"name": name})
            assert res.status_code == 201, res.get_json()
            self.schools[name] = res.get_json()["id"]
        return self.schools[name]

    def user(self, username: str, role: str = "teacher", school: str | None = "第一中学",
             **extra: Any) -> Api:
        if school:
            self.school(school)
        body = {"username": username, "name": extra.pop("name", username), "role": role,
                "school": school, "password": "secret-pass-1", **extra}
        res = self.admin.post("/api/v1/users", body)
        assert res.status_code == 201, res.get_json()
        return self.login(username, "secret-pass-1")


@pytest.fixture()
def world(app: Flask) -> World:
    return World(app)
