"""The ``archive`` command: init, accounts, tokens, check/repair, and ``serve`` on its defaults."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from flask import Flask

from archive_service.db import db
from archive_service.extensions import archive
from storage import S3Settings
from tests.helpers import World, corpus

ARCHIVE = str(Path(sys.executable).parent / "archive")


def _env(instance: Path, s3: S3Settings | None = None, bucket: str = "cli-test") -> dict:
    env = {**os.environ, "ARCHIVE_INSTANCE": str(instance)}
    if s3 is not None:
        env |= {"ARCHIVE_S3_ENDPOINT": s3.endpoint, "ARCHIVE_S3_ACCESS_KEY": s3.access_key,
                "ARCHIVE_S3_SECRET_KEY": s3.secret_key, "ARCHIVE_S3_BUCKET": bucket}
    return env


def _run(env: dict, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([ARCHIVE, *args], env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_init_accounts_and_token(tmp_path: Path) -> None:
    env = _env(tmp_path / "inst")
    first = _run(env, "init")
    assert first.returncode == 0, first.stderr
    assert re.search(r"初始密码：\S+", first.stdout)
    again = _run(env, "init")
    assert "初始密码" not in again.stdout  # printed once only
    assert _run(env, "school", "add", "实验小学").returncode == 0
    added = _run(env, "user", "add", "zhang", "--role", "teacher", "--school", "实验小学",
                 "--name", "张老师", "--staff-no", "T01")
    assert added.returncode == 0, added.stderr
    assert "初始密码" in added.stdout
    bad = _run(env, "user", "add", "li", "--role", "teacher", "--school", "不存在的学校")
    assert bad.returncode != 0 and "不存在" in bad.stderr + bad.stdout
    token = _run(env, "token", "new", "zhang", "--name", "教务系统")
    assert token.returncode == 0 and token.stdout.strip().startswith("arc_")
    listed = _run(env, "token", "list", "zhang")
    assert "教务系统" in listed.stdout
    revoked = _run(env, "token", "revoke", "zhang", "--name", "教务系统")
    assert revoked.returncode == 0 and "已吊销 1 个令牌" in revoked.stdout
    assert "没有有效的令牌" in _run(env, "token", "list", "zhang").stdout


def test_check_finds_and_repairs_disagreement(app: Flask, world: World) -> None:
    teacher = world.user("t1")
    item = teacher.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")).get_json()
    world.admin.post(f"/api/v1/items/{item['id']}/selection", {"selected": True})
    from archive_service.services.consistency import run_check
    with app.app_context():
        assert run_check(db.transaction, archive.store, archive.index).ok  # a review is no change
        # an orphan object, a lost index entry, and an abandoned multipart upload
        orphan = Path(app.instance_path) / "orphan.bin"
        orphan.write_bytes(b"%PDF-1.4 orphan")
        import hashlib
        archive.store.put_file("originals/zz/zz/orphan", orphan, content_type="application/pdf",
                               sha256_hex=hashlib.sha256(orphan.read_bytes()).hexdigest())
        archive.index.delete([item["id"]])
        report = run_check(db.transaction, archive.store, archive.index)
        assert not report.ok
        assert report.orphan_objects == ["originals/zz/zz/orphan"]
        assert report.index_missing == [item["id"]]
        repaired = run_check(db.transaction, archive.store, archive.index, repair=True,
                             grace_hours=0)
        assert any("隔离" in r for r in repaired.repaired)
        final = run_check(db.transaction, archive.store, archive.index)
        assert final.ok, final.render()
        # moved aside, bytes intact, not deleted
        assert archive.store.read_bytes("quarantine/originals/zz/zz/orphan") == b"%PDF-1.4 orphan"
        assert archive.store.stat("originals/zz/zz/orphan") is None


def test_check_reports_a_missing_original(app: Flask, world: World) -> None:
    teacher = world.user("t1")
    item = teacher.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")).get_json()
    from archive_service.services.consistency import run_check
    with app.app_context():
        key = f"originals/{item['sha256'][:2]}/{item['sha256'][2:4]}/{item['sha256']}"
        archive.store.delete(key)
        report = run_check(db.transaction, archive.store, archive.index)
        assert report.missing_objects == [key]
        assert "缺失的原件：1" in report.render()



@pytest.mark.slow
def test_serve_on_embedded_defaults(tmp_path: Path) -> None:
    """`archive serve` starts its own SeaweedFS, prints where to log in, and stops it on exit."""
    env = _env(tmp_path / "inst")
    port = _free_port()
    proc = subprocess.Popen([ARCHIVE, "serve", "--port", str(port)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    lines: list[str] = []
    try:
        deadline = time.monotonic() + 90
        assert proc.stdout is not None
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            lines.append(line)
            if "登录" in line and "http://" in line:
                break
        output = "".join(lines)
        assert f"http://127.0.0.1:{port}/" in output, output
        assert "初始密码" in output
        for _ in range(50):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        assert "登录" in page.read().decode()
        creds = tmp_path / "inst" / "seaweedfs" / "credentials.json"
        assert creds.exists() and oct(creds.stat().st_mode & 0o777) == "0o600"
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        proc.wait(timeout=30)
    leftover = subprocess.run(["pgrep", "-f", str(tmp_path / "inst")], capture_output=True,
                              text=True)
    assert leftover.stdout.strip() == "", "SeaweedFS kept running after serve stopped"


def _free_port() -> int:
    import socket
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_set_password_makes_the_first_admin_usable_and_ends_old_credentials(app: Flask) -> None:
    """``archive user set-password``: the operator's way past the first-login change for API use."""
    from sqlalchemy import select

    from archive_service.models import AuditRecord, User
    from archive_service.services.accounts import check_password, issue_token, token_for

    with app.app_context(), db.transaction() as session:
        admin = session.scalars(select(User).where(User.username == "admin")).one()
        admin.must_change_password = True
        old_token = issue_token(session, admin, "旧令牌")
        username = admin.username
    runner = app.test_cli_runner()
    weak = runner.invoke(args=["user", "set-password", username, "--password-stdin"], input="123\n")
    assert weak.exit_code != 0 and "至少需要" in str(weak.exception)  # `archive` prints it as one line
    done = runner.invoke(args=["user", "set-password", username, "--password-stdin"],
                         input="新的长密码-2026\n")
    assert done.exit_code == 0, done.output
    assert "已设置用户" in done.output
    with app.app_context(), db.transaction() as session:
        admin = session.scalar(select(User).where(User.username == username))
        assert admin is not None and not admin.must_change_password
        assert check_password(admin, "新的长密码-2026")
        assert token_for(session, old_token) is None  # the old token ended with the reset
        fresh = issue_token(session, admin, "新令牌")
        line = session.scalar(select(AuditRecord).order_by(AuditRecord.id.desc()).limit(1))
        assert line is not None and line.action == "password_reset"
    client = app.test_client()
    answer = client.get("/api/v1/items", headers={"Authorization": f"Bearer {fresh}"})
    assert answer.status_code == 200
    missing = runner.invoke(args=["user", "set-password", "nobody", "--password-stdin"],
                            input="x" * 12)
    assert missing.exit_code != 0 and "不存在" in missing.output
