"""Shared test helpers: corpus files, the per-test app built from a migrated template database,
JSON API clients, page logins and the error/nothing-stored checks.

Fixtures live in ``conftest.py``; everything a test module imports lives here.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from minio import Minio
from sqlalchemy import func, select

from archive_service.app import create_app
from archive_service.db import db
from archive_service.extensions import archive
from archive_service.instance import staging_dir
from archive_service.models import IndexOutbox, Item, ItemVersion, User
from archive_service.services.accounts import add_school, change_password, issue_token
from archive_service.services.indexer import drain
from archive_service.services.items import ItemForm, upload
from archive_service.services.setup import initialise
from archive_service.services.staging import StagedFile, stage
from storage import S3ObjectStore, S3Settings
from storage.s3 import parse_endpoint

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PASSWORD = "secret-pass-1"  # every user World creates has it
DB_FILE = "archive.sqlite3"


def corpus(name: str) -> Path:
    path = CORPUS / name
    assert path.exists(), f"语料文件缺失：{path}（CI 需要 ../shared/corpus）"
    return path


# --- the migrated template database ---------------------------------------------------------

@dataclass(frozen=True)
class Template:
    """A SQLite database migrated to head with the first admin, built once per session."""

    path: Path
    admin_password: str
    admin_token: str


_template: Template | None = None
_template_folder: Path | None = None


def build_template(folder: Path) -> Template:
    """Migrate a fresh SQLite database and create the admin (password and one API token)."""
    app = create_app({"TESTING": True}, instance=folder)
    with app.app_context():
        first = initialise(db.engine, db.transaction, archive.settings)
        assert first, "模板数据库应当是新建的"
        password = first_login_change(first)
        with db.transaction() as session:
            admin = session.scalars(select(User).where(User.username == "admin")).one()
            token = issue_token(session, admin, "测试")
        db.engine.dispose()  # the last connection checkpoints the WAL into the main file
    path = folder / DB_FILE
    assert not path.with_name(DB_FILE + "-wal").exists(), "模板数据库的 WAL 未合并"
    return Template(path, password, token)


def use_template_folder(folder: Path | None) -> None:
    """Where ``make_app`` builds the template on first use (``None``: no template; every
    database is migrated from scratch)."""
    global _template, _template_folder
    _template, _template_folder = None, folder


def template() -> Template | None:
    """The session's template, built on first use."""
    global _template
    if _template is None and _template_folder is not None:
        _template = build_template(_template_folder)
    return _template


def make_app(tmp_path: Path, s3: S3Settings, **overrides: Any) -> Flask:
    """An app with its own instance folder and bucket.  A new SQLite database is a copy of the
    session's template; an existing one (a second app on the same folder) or another
    ``DATABASE_URL`` is migrated and initialised as ``archive init`` would."""
    config = {
        "TESTING": True,
        "S3_ENDPOINT": s3.endpoint, "S3_ACCESS_KEY": s3.access_key,
        "S3_SECRET_KEY": s3.secret_key, "S3_BUCKET": f"t-{uuid.uuid4().hex[:12]}",
        **overrides,
    }
    instance = tmp_path / "instance"
    copied = None
    if "DATABASE_URL" not in overrides and not (instance / DB_FILE).exists():
        copied = template()
        if copied is not None:
            copy_template(copied, instance)
    app = create_app(config, instance=instance)
    with app.app_context():
        # a copy is already at head: only the rules-derived values are checked
        first = initialise(db.engine, db.transaction, archive.settings)
        password = first_login_change(first) if first else None
        app.config["ADMIN_PASSWORD"] = copied.admin_password if copied else password
        app.config["ADMIN_TOKEN"] = copied.admin_token if copied else None
        app.extensions["archive"].store.ensure_bucket()
    return app


def first_login_change(password: str) -> str:
    """The first admin's printed password must be changed before use; tests use the new one."""
    new = password + "-changed"
    with db.transaction() as session:
        admin = session.scalars(select(User).where(User.username == "admin")).one()
        change_password(session, admin, password, new)
    return new


def copy_template(source: Template, instance: Path) -> None:
    """Give the instance folder its own copy of the template database."""
    instance.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source.path, instance / DB_FILE)


# --- API clients ----------------------------------------------------------------------------

@dataclass
class Api:
    """A JSON client for one user's token."""

    client: FlaskClient
    token: str

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self._headers(), **kw)

    def post(self, url: str, json_body: Any = None, headers: dict[str, str] | None = None,
             **kw: Any) -> Any:
        if json_body is not None:
            kw["json"] = json_body
        return self.client.post(url, headers={**self._headers(), **(headers or {})}, **kw)

    def put(self, url: str, **kw: Any) -> Any:
        return self.client.put(url, headers=self._headers(), **kw)

    def delete(self, url: str) -> Any:
        return self.client.delete(url, headers=self._headers())

    def upload(self, path: Path | None = None, *, kind: str = "reflection", title: str = "测试成果",
               completion_date: str = "2025-10-08", metadata: dict[str, Any] | None = None,
               data: bytes | None = None, filename: str | None = None,
               headers: dict[str, str] | None = None, **fields: Any) -> Any:
        body = data if data is not None else path.read_bytes()  # type: ignore[union-attr]
        form = {"kind": kind, "title": title, "completion_date": completion_date,
                "file": (io.BytesIO(body), filename or (path.name if path else "file.bin")),
                **fields}
        if metadata is not None:
            form["metadata"] = json.dumps(metadata, ensure_ascii=False)
        return self.post("/api/v1/items", data=form, content_type="multipart/form-data",
                         headers=headers)


class World:
    """Schools, users and their API clients, created through the API as an admin would."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client = app.test_client()
        token = app.config.get("ADMIN_TOKEN")
        self.admin = Api(self.client, token) if token else self.login("admin", app.config["ADMIN_PASSWORD"])
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
                "school": school, "password": PASSWORD, **extra}
        res = self.admin.post("/api/v1/users", body)
        assert res.status_code == 201, res.get_json()
        return self.login(username, PASSWORD)


# --- pages ----------------------------------------------------------------------------------

def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token of the form on the page at ``url``."""
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def page_login(app: Flask, username: str, password: str = PASSWORD) -> FlaskClient:
    """A browser-like client logged in through the login form."""
    client = app.test_client()
    token = csrf_token(client, "/login")
    res = client.post("/login", data={"username": username, "password": password,
                                      "csrf_token": token})
    assert res.status_code == 302, res.get_data(as_text=True)[:300]
    return client


# --- checks ---------------------------------------------------------------------------------

def assert_error(res: Any, status: int, code: str) -> str:
    """The response is the JSON error ``code`` with a Chinese message; returns the message."""
    assert res.status_code == status, res.get_json()
    body = res.get_json()
    assert body["error"]["code"] == code
    message = body["error"]["message"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in message)  # said in Chinese
    return message


def assert_nothing_stored(app: Flask) -> None:
    """No item, version or outbox row, no object and no index entry."""
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Item)) == 0
        assert db.session.scalar(select(func.count()).select_from(ItemVersion)) == 0
        assert db.session.scalar(select(func.count()).select_from(IndexOutbox)) == 0
        assert list(archive.store.list_objects("")) == []
        assert archive.index.doc_count() == 0


# --- service level --------------------------------------------------------------------------

class Services:
    """The services' real collaborators inside a pushed app context: the unit of work
    (``db.transaction``), the object store, the index and the settings.  Users are rows
    made directly (reusing the admin's argon2 hash), so no test pays for hashing."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.uow = db.transaction
        self.store = archive.store
        self.index = archive.index
        self.settings = archive.settings
        self._schools: dict[str, int] = {}
        with self.uow() as session:
            self.admin = session.scalars(select(User).where(User.username == "admin")).one()

    def school(self, name: str) -> int:
        if name not in self._schools:
            with self.uow() as session:
                self._schools[name] = add_school(session, name).id
        return self._schools[name]

    def user(self, username: str, role: str = "teacher", school: str | None = "第一中学") -> User:
        school_id = self.school(school) if school else None
        with self.uow() as session:
            user = User(username=username, name=username, role=role, school_id=school_id,
                        password_hash=self.admin.password_hash)
            session.add(user)
            session.flush()
            return user

    def staged(self, name: str | None = None, *, data: bytes | None = None,
               filename: str | None = None) -> StagedFile:
        """A corpus file (or ``data``) staged exactly as an HTTP upload is."""
        body = data if data is not None else corpus(name or "").read_bytes()
        return stage(io.BytesIO(body), filename or name or "file.bin", self.settings.max_upload_bytes,
                     staging_dir(Path(self.app.instance_path)))

    def upload(self, actor: User, name: str, *, kind: str = "reflection", title: str = "测试成果",
               completion_date: str = "2025-10-08", **form: Any) -> int:
        return upload(self.uow, self.store, self.settings, actor,
                      ItemForm(kind=kind, title=title, completion_date=completion_date, **form),
                      self.staged(name))

    def drain(self) -> int:
        return drain(self.uow, self.index)

    def count(self, model: type) -> int:
        with self.uow() as session:
            return session.scalar(select(func.count()).select_from(model)) or 0

    def keys(self, prefix: str = "") -> list[str]:
        return sorted(info.key for info in self.store.list_objects(prefix))


def _client(s3: S3Settings) -> Minio:
    host, secure = parse_endpoint(s3.endpoint)
    return Minio(host, s3.access_key, s3.secret_key, secure=secure)


def bucket_names(s3: S3Settings) -> set[str]:
    return {bucket.name for bucket in _client(s3).list_buckets()}


def drop_buckets(s3: S3Settings, keep: set[str]) -> None:
    """Empty and remove every bucket not in ``keep``.  Each bucket pins at least one SeaweedFS
    volume, and ``weed mini`` may only create about one volume per GB of free disk: without
    this, a long suite runs out of volumes (500 "no free volumes left") on a fuller disk."""
    client = _client(s3)
    for bucket in client.list_buckets():
        if bucket.name in keep:
            continue
        store = S3ObjectStore(s3.endpoint, s3.access_key, s3.secret_key, bucket.name)
        for key, upload_id in store.list_incomplete_uploads(""):
            store.abort_incomplete_upload(key, upload_id)
        for info in list(store.list_objects("")):
            store.delete(info.key)
        client.remove_bucket(bucket.name)
