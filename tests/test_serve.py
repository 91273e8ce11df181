"""`archive serve` as a real process: clean shutdown on SIGTERM/SIGINT, SeaweedFS supervised
(restart after kill -9, health endpoint, stale multipart uploads aborted), admin commands that
work while the service runs, and extraction tools that die with their server (issue 8: 6, 7, 12)."""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tarfile
import textwrap
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from storage import ManagedSeaweedFS, S3ObjectStore, S3Settings
from storage.seaweed.supervisor import Supervisor

pytestmark = pytest.mark.slow
ARCHIVE = str(Path(sys.executable).parent / "archive")
ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ")[1].startswith("Z")
    except (OSError, IndexError):
        return True


def wait_for(check: Any, seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def get_json(url: str) -> tuple[int, dict[str, Any], dict[str, str]]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, json.load(response), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc), dict(exc.headers)


@dataclass
class Served:
    proc: subprocess.Popen[str]
    instance: Path
    port: int
    env: dict[str, str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def weed_pid(self) -> int:
        return int((self.instance / "seaweedfs" / "weed.pid").read_text())

    def health(self) -> tuple[int, dict[str, Any], dict[str, str]]:
        return get_json(f"{self.url}/healthz")

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([ARCHIVE, *args], env=self.env, capture_output=True, text=True, timeout=180)

    def s3(self) -> S3Settings:
        settings = ManagedSeaweedFS(self.instance / "seaweedfs").attach()
        assert settings is not None
        return settings


def start_serve(tmp_path: Path) -> Served:
    instance = tmp_path / "inst"
    env = {**os.environ, "ARCHIVE_INSTANCE": str(instance), "PYTHONPATH": str(ROOT)}
    for name in ("ARCHIVE_S3_ENDPOINT", "ARCHIVE_DATABASE_URL"):
        env.pop(name, None)
    port = free_port()
    proc = subprocess.Popen([ARCHIVE, "serve", "--port", str(port), "--threads", "4"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    served = Served(proc, instance, port, env)

    def healthy() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"serve exited: {proc.stdout.read() if proc.stdout else ''}")
        try:
            return served.health()[0] == 200
        except OSError:
            return False

    wait_for(healthy, 120, "serve to answer /healthz")
    return served


@pytest.fixture()
def served(tmp_path: Path) -> Iterator[Served]:
    server = start_serve(tmp_path)
    yield server
    if server.proc.poll() is None:
        os.killpg(server.proc.pid, signal.SIGKILL)
        server.proc.wait(30)
    with_pid = server.instance / "seaweedfs" / "weed.pid"
    if with_pid.exists():
        os.kill(int(with_pid.read_text()), signal.SIGKILL)


def stop(served: Served, sig: int) -> tuple[int, str]:
    os.killpg(served.proc.pid, sig)  # the whole group, as systemd and `docker stop` do
    code = served.proc.wait(60)
    return code, served.proc.stdout.read() if served.proc.stdout else ""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_serve_and_its_seaweedfs_cleanly(served: Served, sig: int) -> None:
    weed = served.weed_pid()
    code, output = stop(served, sig)
    assert code == 0, output
    assert "服务已停止" in output and "Traceback" not in output
    assert wait_for(lambda: gone(weed), 20, "weed to exit")
    assert not (served.instance / "seaweedfs" / "weed.pid").exists()
    with socket.socket() as sock:
        assert sock.connect_ex(("127.0.0.1", served.port)) != 0


def test_seaweedfs_killed_is_restarted_and_reported(served: Served) -> None:
    status, report, _ = served.health()
    assert status == 200 and report["storage"]["state"] == "running" and report["storage"]["restarts"] == 0
    store = S3ObjectStore.from_settings(served.s3())
    stale = store._client._create_multipart_upload(store.bucket, "originals/stale", {})
    assert ("originals/stale", stale) in store.list_incomplete_uploads()

    os.kill(served.weed_pid(), signal.SIGKILL)
    status, report, headers = wait_for(lambda: (r := served.health())[0] == 503 and r, 10, "503 from /healthz")
    assert report["storage"]["ok"] is False and headers.get("Retry-After")

    def restarted() -> dict[str, Any] | None:
        status, report, _ = served.health()
        return report if status == 200 else None

    report = wait_for(restarted, 60, "SeaweedFS restarted")
    assert report["storage"]["state"] == "running" and report["storage"]["restarts"] == 1
    assert report["storage"]["last_exit_code"] == -signal.SIGKILL
    store = S3ObjectStore.from_settings(served.s3())
    assert store.list_incomplete_uploads() == []  # what the dead process left is aborted
    log = (served.instance / "seaweedfs" / "weed.log").read_text()
    assert log.count("=== ") >= 2
    code, output = stop(served, signal.SIGTERM)
    assert code == 0
    assert "SeaweedFS 已退出" in output and "SeaweedFS 已重启" in output  # logged by the supervisor


def test_admin_commands_work_while_serving(served: Served, tmp_path: Path) -> None:
    check = served.run("check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert "使用它管理的 SeaweedFS" in check.stderr and "正被另一个" not in check.stderr
    backup = served.run("backup", str(tmp_path / "b.tar"))
    assert backup.returncode == 0, backup.stdout + backup.stderr
    with tarfile.open(tmp_path / "b.tar") as tar:
        assert {"manifest.json", "database/archive.sqlite3"} <= set(tar.getnames())
    reindex = served.run("reindex")
    assert reindex.returncode == 0 or (reindex.stderr.startswith("错误：") and "Traceback" not in reindex.stderr)
    assert served.proc.poll() is None and served.health()[0] == 200


def test_supervisor_restarts_with_backoff(tmp_path: Path) -> None:
    starts: list[S3Settings] = []
    states_during_clean_up: list[str] = []

    def on_start(settings: S3Settings) -> None:
        states_during_clean_up.append(supervisor.health().state)
        starts.append(settings)

    weed = ManagedSeaweedFS(tmp_path / "weed")
    supervisor = Supervisor(weed, on_start=on_start, backoff=(0.2, 0.5), poll=0.1)
    settings = supervisor.start()
    try:
        path = tmp_path / "f"
        path.write_bytes(b"kept across restarts")
        import hashlib
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        S3ObjectStore.from_settings(settings).put_file("k", path, content_type="text/plain", sha256_hex=digest)
        for round_ in (1, 2):
            pid = weed.pid
            assert pid is not None
            os.kill(pid, signal.SIGKILL)
            wait_for(lambda r=round_: supervisor.health().restarts == r and supervisor.health().state == "running"
                     and weed.running, 60, f"restart {round_}")
            assert weed.pid != pid
        assert len(starts) == 3
        # "running" is reported only once the clean-up after a (re)start is done
        assert "running" not in states_during_clean_up, states_during_clean_up
        assert S3ObjectStore.from_settings(starts[-1]).read_bytes("k") == b"kept across restarts"
    finally:
        supervisor.stop()
    assert supervisor.health().state == "stopped" and not weed.running


def test_extraction_tool_dies_with_a_killed_server(tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys, threading, time
        sys.path.insert(0, {str(ROOT)!r})
        from archive_service.extract import sandbox
        threading.Thread(target=sandbox.run, args=(["sleep", "300"], sandbox.Deadline(300)),
                         daemon=True).start()
        while not sandbox._running:
            time.sleep(0.05)
        print(sorted(sandbox._running)[0], flush=True)
        time.sleep(300)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    tool = int(proc.stdout.readline())
    wait_for(lambda: "sleep" in Path(f"/proc/{tool}/cmdline").read_text(), 10, "the tool to exec")
    proc.kill()  # kill -9: no finally, no handler
    proc.wait(10)
    assert wait_for(lambda: gone(tool), 10, "the tool to die with its server")


def post_upload(url: str, token: str, path: Path) -> tuple[int, dict[str, Any]] | str:
    """POST a multipart upload; the status and JSON, or the connection error's name."""
    boundary = uuid.uuid4().hex
    fields = {"kind": "reflection", "title": "停机时的上传", "completion_date": "2025-10-08"}
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in fields.items())
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{path.name}"\r\n'
             "Content-Type: application/pdf\r\n\r\n").encode() + path.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{url}/api/v1/items", data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.load(exc)
    except (OSError, http.client.HTTPException) as exc:
        return type(exc).__name__


def test_sigterm_during_an_upload_leaves_no_half_item(served: Served) -> None:
    """The upload in flight is finished (2xx, then retrievable) or aborted (nothing recorded)."""
    assert served.run("school", "add", "实验小学").returncode == 0
    assert served.run("user", "add", "t1", "--role", "teacher", "--school", "实验小学").returncode == 0
    token = served.run("token", "new", "t1").stdout.strip()
    scan = ROOT.parent / "shared" / "corpus" / "edge_01_scan_zhongqi_tongzhi.pdf"  # OCR: seconds of work
    outcome: list[Any] = []
    thread = threading.Thread(target=lambda: outcome.append(post_upload(served.url, token, scan)))
    thread.start()
    time.sleep(1.0)  # the request is being worked on
    code, output = stop(served, signal.SIGTERM)
    thread.join(150)
    assert code == 0, output
    check = served.run("check")  # starts the instance's SeaweedFS itself now
    assert check.returncode == 0, check.stdout + check.stderr
    rows = sqlite3.connect(served.instance / "archive.sqlite3").execute(
        "SELECT items.id, item_versions.sha256 FROM items JOIN item_versions "
        "ON items.current_version_id = item_versions.id").fetchall()
    if isinstance(outcome[0], tuple) and outcome[0][0] in (201, 202):  # recorded, byte-identical
        assert rows == [(outcome[0][1]["id"], hashlib.sha256(scan.read_bytes()).hexdigest())]
    else:  # aborted: nothing half-stored
        assert outcome[0] in ("RemoteDisconnected", "ConnectionResetError", "IncompleteRead") or \
            outcome[0][0] == 503, outcome
        sha = hashlib.sha256(scan.read_bytes()).hexdigest()
        assert all(digest == sha for _, digest in rows) and len(rows) <= 1  # a lost answer's commit is whole
