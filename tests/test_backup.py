"""`archive backup` / `archive restore`: a backup taken while uploads continue restores into a new
instance with the same items, hashes and register, and `archive check` is clean (issue 8)."""

from __future__ import annotations

import hashlib
import json
import subprocess
import tarfile
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import make_url

from archive_service import cli_backup
from archive_service.db import db
from archive_service.extensions import archive
from archive_service.services.backup import BackupError, restore
from archive_service.services.consistency import run_check
from storage import S3Settings
from tests import test_postgres
from tests.helpers import Api, World, corpus, make_app

pg_database = test_postgres.postgres_url  # the PostgreSQL server fixture, shared with that module
BEFORE = ["zh_docx_01_songdai_wenxue_jiaoan.docx", "zh_docx_05_jiaoshi_fangtan_dagang.docx",
          "zh_docx_12_yingyu_jiaoxue_zongjie.docx"]
DURING = ["zh_docx_02_zuiwengtingji_jiaoxuesheji.docx", "zh_docx_08_jiaogai_anli.docx",
          "zh_docx_10_shenbao_tuijianbiao.docx", "zh_docx_14_jiqiren_jiaoxue_dagang.docx"]


def items_of(api: Api) -> dict[int, dict[str, Any]]:
    res = api.get("/api/v1/items?per_page=100")
    assert res.status_code == 200, res.get_json()
    return {item["id"]: item for item in res.get_json()["items"]}


def download_sha256(api: Api, item_id: int) -> str:
    res = api.get(f"/api/v1/items/{item_id}/original")
    assert res.status_code == 200
    return hashlib.sha256(res.data).hexdigest()


def register(api: Api, teacher: str) -> Any:
    res = api.get(f"/api/v1/register?teacher={teacher}")
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def test_backup_during_uploads_restores_the_same_archive(
    app: Flask, world: World, s3_server: S3Settings, tmp_path: Path
) -> None:
    calm, busy = world.user("calm"), world.user("busy")
    for name in BEFORE:
        assert calm.upload(corpus(name), title=name).status_code == 201
    uploaded: list[int] = []

    def upload_during() -> None:
        client = Api(app.test_client(), busy.token)
        for name in DURING:
            res = client.upload(corpus(name), title=name)
            assert res.status_code == 201, res.get_json()
            uploaded.append(res.get_json()["id"])

    threads = [threading.Thread(target=upload_during)]
    for thread in threads:
        thread.start()
    out = tmp_path / "archive-backup.tar"
    result = app.test_cli_runner().invoke(cli_backup.backup, [str(out)])
    for thread in threads:
        thread.join(300)
    assert result.exit_code == 0, result.output
    assert "已备份到" in result.output and len(uploaded) == len(DURING)

    with tarfile.open(out) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]
        for obj in manifest["objects"]:
            member = tar.extractfile(f"objects/{obj['key']}")
            assert member is not None and hashlib.sha256(member.read()).hexdigest() == obj["sha256"]
    assert manifest["database"]["kind"] == "sqlite"

    source = {**items_of(calm), **items_of(busy)}
    copy = make_app(tmp_path / "restored", s3_server, S3_BUCKET=f"r-{uuid.uuid4().hex[:12]}")
    result = copy.test_cli_runner().invoke(cli_backup.restore, [str(out)])
    assert result.exit_code == 0, result.output
    with copy.app_context():
        report = run_check(db.transaction, archive.store, archive.index)
        assert report.ok, report.render()

    copy.config["ADMIN_PASSWORD"] = app.config["ADMIN_PASSWORD"]  # the restored accounts
    again = World(copy)
    calm2, busy2 = Api(again.client, calm.token), Api(again.client, busy.token)  # tokens are in the database
    restored = {**items_of(calm2), **items_of(busy2)}
    assert set(items_of(calm2)) == set(items_of(calm))  # everything acknowledged before the backup
    assert set(restored) <= set(source)  # uploads during it: each one whole or not at all
    calm_ids = set(items_of(calm))
    stable = ("id", "title", "kind", "sha256", "owner", "completion_date", "char_count")
    for item_id, item in restored.items():
        if item_id in calm_ids:
            assert item == source[item_id]
        else:  # busy's decisions may count items uploaded after the snapshot: compare the facts
            assert {k: item.get(k) for k in stable} == {k: source[item_id].get(k) for k in stable}
        assert download_sha256(calm2 if item_id in calm_ids else busy2, item_id) == item["sha256"]
    assert register(again.admin, "calm") == register(world.admin, "calm")
    found = again.admin.get("/api/v1/search?q=教学").get_json()
    assert found["total"] >= 1  # the index was rebuilt


def test_restore_refuses_a_non_empty_instance(app: Flask, world: World, tmp_path: Path) -> None:
    teacher = world.user("t1")
    assert teacher.upload(corpus(BEFORE[0])).status_code == 201
    out = tmp_path / "b.tar"
    assert app.test_cli_runner().invoke(cli_backup.backup, [str(out)]).exit_code == 0
    with app.app_context():
        before = sorted(info.key for info in archive.store.list_objects(""))
        with pytest.raises(BackupError, match="不是空的"):
            restore(app.config["DATABASE_URL"], archive.store, out, Path(app.instance_path))
        assert sorted(info.key for info in archive.store.list_objects("")) == before
    assert len(items_of(teacher)) == 1


def test_not_a_backup_is_refused(app: Flask, tmp_path: Path) -> None:
    junk = tmp_path / "junk.tar"
    junk.write_bytes("这不是备份".encode() * 100)
    with app.app_context(), pytest.raises(BackupError, match="不是有效的备份文件"):
        restore(app.config["DATABASE_URL"], archive.store, junk, tmp_path)


def test_damaged_backup_is_refused(app: Flask, world: World, s3_server: S3Settings, tmp_path: Path) -> None:
    teacher = world.user("t1")
    assert teacher.upload(corpus(BEFORE[0])).status_code == 201
    out = tmp_path / "b.tar"
    assert app.test_cli_runner().invoke(cli_backup.backup, [str(out)]).exit_code == 0
    data = bytearray(out.read_bytes())
    marker = data.find(b"PK\x03\x04")  # inside the stored .docx
    data[marker + 200] ^= 0xFF
    out.write_bytes(bytes(data))
    copy = make_app(tmp_path / "restored", s3_server, S3_BUCKET=f"r-{uuid.uuid4().hex[:12]}")
    result = copy.test_cli_runner().invoke(cli_backup.restore, [str(out)])
    assert result.exit_code != 0
    assert isinstance(result.exception, BackupError) and "SHA-256" in str(result.exception)


@pytest.mark.slow
@pytest.mark.postgres
def test_backup_and_restore_on_postgresql(s3_server: S3Settings, pg_database: str, tmp_path: Path) -> None:
    app = make_app(tmp_path / "pg", s3_server, DATABASE_URL=pg_database)
    world = World(app)
    teacher = world.user("t1")
    for name in BEFORE[:2]:
        assert teacher.upload(corpus(name), title=name).status_code == 201
    out = tmp_path / "pg.tar"
    result = app.test_cli_runner().invoke(cli_backup.backup, [str(out)])
    assert result.exit_code == 0, result.output
    with tarfile.open(out) as tar:
        assert "database/archive.pgdump" in tar.getnames()

    url = make_url(pg_database)
    createdb = test_postgres._pg_bin("createdb")
    subprocess.run([createdb, "-h", str(url.host), "-p", str(url.port), "-U", "postgres", "restored"],
                   check=True, capture_output=True, timeout=60)
    copy = make_app(tmp_path / "restored", s3_server, S3_BUCKET=f"r-{uuid.uuid4().hex[:12]}",
                    DATABASE_URL=url.set(database="restored").render_as_string(hide_password=False))
    result = copy.test_cli_runner().invoke(cli_backup.restore, [str(out)])
    assert result.exit_code == 0, result.output
    copy.config["ADMIN_PASSWORD"] = app.config["ADMIN_PASSWORD"]
    restored = Api(World(copy).client, teacher.token)
    assert items_of(restored) == items_of(teacher)
    for item_id, item in items_of(restored).items():
        assert download_sha256(restored, item_id) == item["sha256"]
    with copy.app_context():
        report = run_check(db.transaction, archive.store, archive.index)
        assert report.ok, report.render()
