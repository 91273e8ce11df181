"""Concurrent uploads through real ``archive serve`` processes (issue 12), called by
``bench/upload.py --concurrent N``: 1, 4 and 8 clients upload corpus PDFs and DOCX (N uploads
per client count) over HTTP; uploads/s and latency p50/p95, with one web process (waitress)
and with two web processes (gunicorn) plus the serve process's job worker on Redis."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from _common import CORPUS, ROOT, table

ARCHIVE = str(Path(sys.executable).parent / "archive")
FILES = ["zh_pdf_06_kechengsizheng_jiaoxuesheji.pdf", "zh_docx_02_zuiwengtingji_jiaoxuesheji.docx",
         "zh_pdf_04_mokuai1_jiaoan.pdf", "zh_docx_12_yingyu_jiaoxue_zongjie.docx"]
CLIENTS = (1, 4, 8)


def _post(url: str, token: str, name: str, n: int) -> float:
    data = (CORPUS / name).read_bytes()
    if name.endswith(".pdf"):
        data += f"\n% bench {uuid.uuid4().hex}\n".encode()  # a new object each time
    boundary = uuid.uuid4().hex
    fields = {"kind": "lesson_design", "title": f"并发上传{n}", "completion_date": "2025-10-08"}
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
                    for k, v in fields.items())
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n\r\n'
             ).encode() + data + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{url}/api/v1/items", data=body, method="POST", headers={
        "Authorization": f"Bearer {token}", "Content-Type": f"multipart/form-data; boundary={boundary}"})
    start = time.perf_counter()
    with urllib.request.urlopen(request, timeout=300) as response:
        if response.status not in (201, 202):
            raise RuntimeError(json.load(response))
    return time.perf_counter() - start


@contextlib.contextmanager
def _served(tmp: Path, workers: int, redis_url: str) -> Iterator[tuple[str, dict[str, str]]]:
    env = {**os.environ, "ARCHIVE_INSTANCE": str(tmp / "inst"), "PYTHONPATH": str(ROOT)}
    for name in ("ARCHIVE_S3_ENDPOINT", "ARCHIVE_DATABASE_URL", "ARCHIVE_REDIS_URL"):
        env.pop(name, None)
    if redis_url:
        env["ARCHIVE_REDIS_URL"] = redis_url
    from tests.test_serve import free_port, get_json

    port = free_port()
    proc = subprocess.Popen([ARCHIVE, "serve", "--port", str(port), "--workers", str(workers),
                             "--threads", "8"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            with contextlib.suppress(OSError):
                if get_json(f"{url}/healthz")[0] == 200:
                    break
            if time.monotonic() > deadline or proc.poll() is not None:
                raise RuntimeError("archive serve did not start")
            time.sleep(0.3)
        yield url, env
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(90)


def _tokens(env: dict[str, str], count: int) -> list[str]:
    def run(*args: str) -> str:
        return subprocess.run([ARCHIVE, *args], env=env, capture_output=True, text=True, check=True,
                              timeout=120).stdout

    run("school", "add", "第一中学")
    tokens = []
    for n in range(count):
        run("user", "add", f"c{n}", "--role", "teacher", "--school", "第一中学")
        tokens.append(run("token", "new", f"c{n}").strip())
    return tokens


def run(uploads: int) -> None:
    from tests.redis_server import redis_server

    rows = []
    for label, workers, use_redis in (("1 web process (waitress)", 1, False),
                                      ("2 web processes (gunicorn) + worker, Redis", 2, True)):
        with tempfile.TemporaryDirectory(prefix="bench-concurrent-") as name:
            tmp = Path(name)
            redis = redis_server(tmp / "redis") if use_redis else contextlib.nullcontext("")
            with redis as redis_url, _served(tmp, workers, redis_url) as (url, env):
                tokens = _tokens(env, max(CLIENTS))
                for clients in CLIENTS:
                    jobs = [(tokens[n % clients], FILES[n % len(FILES)], n) for n in range(uploads)]
                    start = time.perf_counter()
                    with ThreadPoolExecutor(clients) as pool:
                        latencies = list(pool.map(lambda j: _post(url, *j), jobs))
                    wall = time.perf_counter() - start
                    q = statistics.quantiles(latencies, n=20)
                    rows.append([label, clients, uploads, f"{uploads / wall:.1f}",
                                 f"{statistics.median(latencies) * 1000:.0f}", f"{q[18] * 1000:.0f}"])
    print(table(["server", "clients", "uploads", "uploads/s", "p50 ms", "p95 ms"], rows))
