"""Load bench (issue 8): a real ``archive serve`` on loopback with its own SeaweedFS, driven by
a bounded generator: 30 simulated teachers uploading corpus documents and 10 inspectors
searching, for ``--seconds``.  Prints requests/s and p50/p95/p99 per endpoint, the 5xx count,
then ``archive check`` (goal: 一致), 2xx uploads vs new rows (goal: equal) and the server's peak
RSS (VmHWM of the serve process; goal < 1 GB).  ``--big`` then uploads the 45 MB .docx
(20.8 million CJK characters, generated) to a fresh server and prints that upload's peak RSS.

    .venv/bin/python bench/load.py [--seconds 60] [--teachers 30] [--inspectors 10] [--big]
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import requests
from _common import CORPUS, ROOT  # puts the project root on sys.path

QUERIES = ["教学", "反思", "课程思政", "学生", "作业设计", "单元", "信息技术", "课堂", "评价", "阅读"]
ARCHIVE = [str(Path(sys.executable).parent / "archive")]  # the installed command


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(instance: Path) -> dict[str, str]:
    return {**os.environ, "ARCHIVE_INSTANCE": str(instance), "PYTHONPATH": str(ROOT)}


def prepare(instance: Path, teachers: int, inspectors: int) -> tuple[list[str], list[str]]:
    """A fresh instance with a school, its teachers and inspectors; their API tokens."""
    from archive_service.app import create_app
    from archive_service.db import db
    from archive_service.extensions import archive
    from archive_service.services.accounts import add_school, add_user, issue_token
    from archive_service.services.setup import initialise

    app = create_app({"S3_ENDPOINT": ""}, instance=instance)
    with app.app_context():
        initialise(db.engine, db.transaction, archive.settings)
        with db.transaction() as session:
            add_school(session, "第一中学")
            tokens: dict[str, list[str]] = {"teacher": [], "inspector": []}
            for role, count in (("teacher", teachers), ("inspector", inspectors)):
                for i in range(count):
                    user = add_user(session, username=f"{role}{i}", name=f"{role}{i}", role=role,
                                    password="load-bench-pass-1", school="第一中学")
                    tokens[role].append(issue_token(session, user, "load"))
    return tokens["teacher"], tokens["inspector"]


class Server:
    """``archive serve`` in its own process group, with its peak RSS read from /proc."""

    def __init__(self, instance: Path) -> None:
        self.port = _free_port()
        self.log_path = instance.parent / "serve.log"
        self.log = self.log_path.open("wb")
        self.proc = subprocess.Popen([*ARCHIVE, "serve", "--port", str(self.port)],
                                     env=_env(instance), stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/login", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.5)
            if self.proc.poll() is not None:
                break
        self.stop()
        raise RuntimeError("archive serve did not start:\n" + self.log_path.read_text()[-3000:])

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.log.close()


def _documents() -> list[Path]:
    return sorted(CORPUS.glob("zh_docx_*.docx")) + sorted(CORPUS.glob("zh_pdf_0*.pdf"))


def run_load(url: str, teachers: list[str], inspectors: list[str], seconds: float
             ) -> tuple[dict[str, list[tuple[float, int]]], int]:
    """Drive the server; per endpoint (latency, status), and the number of 2xx uploads."""
    results: dict[str, list[tuple[float, int]]] = defaultdict(list)
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds
    docs = _documents()

    def call(endpoint: str, fn: Any) -> None:
        start = time.perf_counter()
        try:
            status = fn().status_code
        except requests.RequestException:
            status = 599  # no answer: counted as a server failure
        with lock:
            results[endpoint].append((time.perf_counter() - start, status))

    def teacher(i: int, token: str) -> None:
        rng = random.Random(i)
        session = requests.Session()
        n = 0
        while time.monotonic() < stop_at:
            path = rng.choice(docs)
            n += 1
            title = f"压测上传 {i}-{n}"
            call("POST /api/v1/items", lambda path=path, title=title: session.post(
                url + "/api/v1/items", headers={"Authorization": f"Bearer {token}"}, timeout=300,
                data={"kind": "reflection", "title": title, "completion_date": "2025-10-08"},
                files={"file": (path.name, path.read_bytes())}))

    def inspector(i: int, token: str) -> None:
        rng = random.Random(100 + i)
        session = requests.Session()
        while time.monotonic() < stop_at:
            call("GET /api/v1/search", lambda: session.get(
                url + "/api/v1/search", headers={"Authorization": f"Bearer {token}"},
                params={"q": rng.choice(QUERIES)}, timeout=300))

    threads = [threading.Thread(target=teacher, args=(i, t)) for i, t in enumerate(teachers)]
    threads += [threading.Thread(target=inspector, args=(i, t)) for i, t in enumerate(inspectors)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    uploaded = sum(1 for _, status in results["POST /api/v1/items"] if 200 <= status < 300)
    return results, uploaded


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(results: dict[str, list[tuple[float, int]]], seconds: float) -> int:
    print(f"{'endpoint':24} {'requests':>8} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
          f"{'5xx':>5}  statuses")
    errors = 0
    for endpoint, rows in sorted(results.items()):
        times = [t * 1000 for t, _ in rows]
        fivexx = sum(1 for _, s in rows if s >= 500)
        errors += fivexx
        statuses = dict(sorted(Counter(s for _, s in rows).items()))
        print(f"{endpoint:24} {len(rows):>8} {len(rows) / seconds:>7.2f} {_pct(times, 50):>8.0f} "
              f"{_pct(times, 95):>8.0f} {_pct(times, 99):>8.0f} {fivexx:>5}  {statuses}")
    return errors


def _rows(instance: Path) -> int:
    import sqlite3

    with sqlite3.connect(instance / "archive.sqlite3") as conn:
        return int(conn.execute("SELECT count(*) FROM items").fetchone()[0])


def _check(instance: Path) -> tuple[int, str]:
    done = subprocess.run([*ARCHIVE, "check"], env=_env(instance), capture_output=True, text=True,
                          timeout=600)
    return done.returncode, (done.stdout + done.stderr).strip()


def load_phase(base: Path, seconds: float, teachers: int, inspectors: int) -> None:
    instance = base / "load" / "instance"
    teacher_tokens, inspector_tokens = prepare(instance, teachers, inspectors)
    server = Server(instance)
    try:
        rows_before = _rows(instance)
        started = time.monotonic()
        results, uploaded = run_load(server.url, teacher_tokens, inspector_tokens, seconds)
        elapsed = time.monotonic() - started
        peak = server.peak_rss_mb()
    finally:
        server.stop()
    print(f"\n== load: {teachers} teachers + {inspectors} inspectors for {elapsed:.0f} s "
          f"(bounded at {seconds:.0f} s of new requests)")
    errors = report(results, elapsed)
    new_rows = _rows(instance) - rows_before
    code, text = _check(instance)
    print(f"5xx total: {errors} (goal 0)")
    print(f"2xx uploads: {uploaded}, new rows: {new_rows} ({'equal' if uploaded == new_rows else 'DIFFERENT'})")
    print(f"archive check: exit {code}; {text.splitlines()[-1] if text else ''}")
    print(f"server peak RSS (VmHWM): {peak:.0f} MB (goal < 1024 MB)")


def big_phase(base: Path) -> None:
    from tests.test_text_cap import huge_docx

    instance = base / "big" / "instance"
    teacher_tokens, _ = prepare(instance, 1, 0)
    path = huge_docx(base / "huge.docx")
    server = Server(instance)
    try:
        before = server.peak_rss_mb()
        start = time.perf_counter()
        res = requests.post(server.url + "/api/v1/items", timeout=3600,
                            headers={"Authorization": f"Bearer {teacher_tokens[0]}"},
                            data={"kind": "reflection", "title": "超长文档",
                                  "completion_date": "2025-10-08"},
                            files={"file": ("超长文档.docx", path.read_bytes())})
        took = time.perf_counter() - start
        peak = server.peak_rss_mb()
        body = res.json()
        after = requests.get(server.url + "/login", timeout=60).status_code
    finally:
        server.stop()
    print(f"\n== 45 MB .docx ({path.stat().st_size / 1e6:.1f} MB, 20,800,000 CJK characters)")
    print(f"status {res.status_code} in {took:.1f} s; char_count {body.get('char_count')}, "
          f"indexed_chars {body.get('indexed_chars')}; next request {after}")
    print(f"server peak RSS (VmHWM): before upload {before:.0f} MB, after {peak:.0f} MB "
          "(goal < 1024 MB)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--teachers", type=int, default=30)
    parser.add_argument("--inspectors", type=int, default=10)
    parser.add_argument("--big", action="store_true", help="also the 45 MB .docx upload")
    parser.add_argument("--no-load", action="store_true", help="only the 45 MB .docx upload")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="archive-load-") as tmp:
        base = Path(tmp)
        if not args.no_load:
            load_phase(base, args.seconds, args.teachers, args.inspectors)
        if args.big or args.no_load:
            big_phase(base)


if __name__ == "__main__":
    main()
