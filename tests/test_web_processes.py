"""Issue 12 point 4: ``archive serve --workers 2`` — gunicorn web processes that only answer
requests, the serve process's job worker and index writer, jobs carried by Redis — and the
whole upload → OCR → index → search flow through real HTTP."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from tests.redis_server import redis_server
from tests.test_serve import ARCHIVE, ROOT, free_port, get_json, post_upload, wait_for

pytestmark = pytest.mark.slow
SCAN = ROOT.parent / "shared" / "corpus" / "edge_01_scan_zhongqi_tongzhi.pdf"


def _authed(url: str, token: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.load(response)


def _web_processes() -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if b"archive_service.wsgi:app" in (entry / "cmdline").read_bytes():
                    found.add(int(entry.name))
            except OSError:
                continue
    return found


def test_upload_ocr_index_search_with_two_web_processes_and_redis(tmp_path: Path) -> None:
    with redis_server(tmp_path / "redis") as redis_url:
        instance = tmp_path / "inst"
        env = {**os.environ, "ARCHIVE_INSTANCE": str(instance), "PYTHONPATH": str(ROOT),
               "ARCHIVE_REDIS_URL": redis_url}
        for name in ("ARCHIVE_S3_ENDPOINT", "ARCHIVE_DATABASE_URL"):
            env.pop(name, None)
        port = free_port()
        before = _web_processes()
        proc = subprocess.Popen([ARCHIVE, "serve", "--port", str(port), "--workers", "2", "--threads", "4"],
                                env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        url = f"http://127.0.0.1:{port}"
        try:
            wait_for(lambda: _up(url, proc), 120, "serve to answer /healthz")
            assert len(_web_processes() - before) == 3  # gunicorn's arbiter and two web processes

            def run(*args: str) -> str:
                done = subprocess.run([ARCHIVE, *args], env=env, capture_output=True, text=True, timeout=180)
                assert done.returncode == 0, done.stdout + done.stderr
                return done.stdout

            run("school", "add", "实验小学")
            run("user", "add", "t1", "--role", "teacher", "--school", "实验小学")
            token = run("token", "new", "t1").strip()
            outcome = post_upload(url, token, SCAN)
            assert isinstance(outcome, tuple) and outcome[0] == 202, outcome
            item = outcome[1]
            assert item["state"] == "processing"
            wait_for(lambda: _authed(f"{url}/api/v1/items/{item['id']}", token)[1]["state"] == "ready",
                     240, "OCR by the serve process's worker")
            job = _authed(f"{url}/api/v1/jobs/{item['job_id']}", token)[1]
            assert job["state"] == "done" and job["progress"]["done"] == 7
            query = urllib.parse.quote("中期检查")
            wait_for(lambda: [h["id"] for h in _authed(f"{url}/api/v1/search?q={query}", token)[1]["items"]]
                     == [item["id"]], 60, "the index writer to index the OCR text")
            assert not (instance / "jobs-queue.sqlite3").exists()  # the jobs went through Redis
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            code = proc.wait(60)
            output = proc.stdout.read() if proc.stdout else ""
        assert code == 0, output
        assert "服务已停止" in output and "Traceback" not in output
        assert not (_web_processes() - before)


def _up(url: str, proc: subprocess.Popen[str]) -> bool:
    if proc.poll() is not None:
        raise AssertionError(f"serve exited: {proc.stdout.read() if proc.stdout else ''}")
    try:
        return get_json(f"{url}/healthz")[0] == 200
    except OSError:
        return False
