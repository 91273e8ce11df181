"""PostgreSQL works from a URL alone: a real server started for this module."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import S3Settings
from tests.helpers import World, corpus, make_app

pytestmark = pytest.mark.postgres


def _pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    assert found, "需要 PostgreSQL 服务器：apt-get install postgresql"
    return found[-1]


def _as_postgres(*cmd: str) -> list[str]:
    if os.geteuid() == 0:  # initdb refuses to run as root
        return ["runuser", "-u", "postgres", "--", *cmd]
    return list(cmd)


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    base = Path(tempfile.mkdtemp(prefix="archive-pg-"))  # pytest's tmp dirs are root-only
    data = base / "data"
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(base, pw.pw_uid, pw.pw_gid)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    subprocess.run(_as_postgres(_pg_bin("initdb"), "-D", str(data), "-U", "postgres",
                                "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"),
                   check=True, capture_output=True, timeout=120)
    log = base / "pg.log"
    subprocess.run(_as_postgres(_pg_bin("pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                                "-o", f"-p {port} -k {base} -c listen_addresses=127.0.0.1",
                                "start"), check=True, capture_output=True, timeout=120)
    try:
        subprocess.run([_pg_bin("createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                        "postgres", "archive"], check=True, capture_output=True, timeout=60)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/archive"
    finally:
        subprocess.run(_as_postgres(_pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"),
                       capture_output=True, timeout=60)
        shutil.rmtree(base, ignore_errors=True)


def test_full_flow_on_postgresql(tmp_path: Path, s3_server: S3Settings,
                                 postgres_url: str) -> None:
    app = make_app(tmp_path, s3_server, DATABASE_URL=postgres_url)
    with app.app_context():
        from archive_service.db import db
        assert db.engine.dialect.name == "postgresql"
    world = World(app)
    teacher = world.user("t1", name="陈老师")
    item = teacher.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx"), title="英语反思")
    assert item.status_code == 201, item.get_json()
    item_id = item.get_json()["id"]
    paper = teacher.upload(corpus("zh_pdf_09_qikan_lunwen_xinxilunli.pdf"), kind="paper",
                           title="论文", metadata={"recognitions": [
                               {"type": "publication", "level": "national",
                                "date": "2025-12-01"}]})
    assert paper.get_json()["decision"]["numbers"]["would_earn"] == 16  # until verified
    verified = world.admin.post(f"/api/v1/items/{paper.get_json()['id']}/verification",
                                {"verified": True})
    assert verified.get_json()["decision"]["hours"] == 16
    sel = world.admin.post(f"/api/v1/items/{item_id}/selection", {"selected": True})
    assert sel.get_json()["decision"]["code"] == "counted"
    reg = teacher.get("/api/v1/register?year=2025-2026").get_json()
    assert reg["teachers"][0]["total_hours"] == 20
    hits = teacher.get("/api/v1/search?q=英语").get_json()
    assert item_id in [h["id"] for h in hits["items"]]
    assert teacher.delete(f"/api/v1/items/{paper.get_json()['id']}").status_code == 200
    assert teacher.get("/api/v1/register?year=2025-2026").get_json()["teachers"][0][
        "total_hours"] == 4
