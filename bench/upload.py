"""Benchmark: one upload end to end (POST /api/v1/items), next to its parts measured alone.

    .venv/bin/python bench/upload.py             # 7 runs per file, OCR scan once
    .venv/bin/python bench/upload.py --quick     # 2 runs, no OCR (smoke)
    .venv/bin/python bench/upload.py --profile   # also cProfile one PDF upload (in-process)
    nice .venv/bin/python bench/upload.py --concurrent 48   # 1/4/8 clients over HTTP, two servers

A real SeaweedFS (``weed mini``) is started in a temp dir; the app is made as the tests make
it (``tests.conftest.make_app``: SQLite + Whoosh in the temp dir, TESTING).  Every timed
upload is by a new teacher (created untimed through the API, like ``tests.conftest.World``).

Upload rows:
- ``dedupe``: the same bytes every time, so after the first upload the object store only
  answers a HEAD (``stat``) and the PUT is skipped;
- ``unique``: a comment line appended after ``%%EOF`` makes every PDF a new object (PUT).

Baseline rows (the parts alone, same files, same process):
- ``extract``: ``archive_service.extract.extract`` (pdfinfo + pdftotext / python-docx / OCR);
- ``count + minhash``: ``count_chars`` and ``minhash`` of the extracted text;
- ``S3 put``: ``store.put_file`` of the file under a new key; ``S3 stat``: the dedupe HEAD;
- ``index upsert``: ``SearchIndex.upsert`` of one document with the extracted text, into the
  app's index (one Whoosh commit).
"""

from __future__ import annotations

import argparse
import cProfile
import hashlib
import io
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _common import CORPUS, MB, fmt_mb, load_note, table

from archive_service.extract import extract
from archive_service.rules import count_chars, minhash
from indexing import IndexDoc, analysis
from storage import ManagedSeaweedFS, object_key_for
from tests.conftest import Api, World, make_app

PDF = "zh_pdf_06_kechengsizheng_jiaoxuesheji.pdf"
DOCX = "zh_docx_02_zuiwengtingji_jiaoxuesheji.docx"
SCAN = "edge_01_scan_zhongqi_tongzhi.pdf"


class Bench:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.world = World(app)
        self.teachers = 0
        self.fake_ids = 10_000_000
        self.state = app.extensions["archive"]

    def new_teacher(self) -> Api:
        self.teachers += 1
        return self.world.user(f"bench{self.teachers:04d}", name=f"测试教师{self.teachers}",
                               school="基准测试学校", subject="信息技术")

    def upload(self, name: str, data: bytes, kind: str) -> tuple[float, dict[str, Any]]:
        """Seconds for one POST /api/v1/items by a new teacher (teacher creation untimed)."""
        api = self.new_teacher()
        start = time.perf_counter()
        res = api.upload(data=data, filename=name, kind=kind, title=f"基准测试 {self.teachers}",
                         completion_date="2025-10-08")
        seconds = time.perf_counter() - start
        body = res.get_json()
        if res.status_code != 201:
            raise SystemExit(f"upload of {name} failed: {res.status_code} {body}")
        return seconds, body

    # the parts alone

    def extract(self, path: Path) -> tuple[float, str]:
        start = time.perf_counter()
        result = extract(path, path.name, ocr=True, max_ocr_pages=30)
        return time.perf_counter() - start, result.text

    def count_and_hash(self, text: str) -> float:
        rules = self.state.settings.rules
        start = time.perf_counter()
        count_chars(text, rules.count_cjk_punctuation)
        minhash(text)
        return time.perf_counter() - start

    def s3_put(self, path: Path, sha: str, mime: str) -> float:
        key = f"bench/{uuid.uuid4().hex}"
        start = time.perf_counter()
        self.state.store.put_file(key, path, content_type=mime, sha256_hex=sha)
        return time.perf_counter() - start

    def s3_stat(self, key: str) -> float:
        start = time.perf_counter()
        self.state.store.stat(key)
        return time.perf_counter() - start

    def index_upsert(self, text: str) -> float:
        self.fake_ids += 1
        doc = IndexDoc(item_id=self.fake_ids, title="基准测试文档", text=text,
                       kind="lesson_design", academic_year="2025-2026", school_id=None,
                       owner_id=1, teacher_name="基准", stamp=f"bench:{self.fake_ids}")
        start = time.perf_counter()
        self.state.index.upsert([doc])
        return time.perf_counter() - start

    def analysis(self, text: str) -> float:
        """The tokenising part of an upsert: jieba words and CJK grams of the text."""
        start = time.perf_counter()
        for _ in analysis.word_tokens(text):
            pass
        for _ in analysis.gram_tokens(text):
            pass
        return time.perf_counter() - start

    def remove_fake_docs(self) -> None:
        self.state.index.delete(range(10_000_001, self.fake_ids + 1))


def summary(label: str, seconds: list[float], reference: float | None, note: str = ""
            ) -> list[str]:
    med = statistics.median(seconds)
    share = f"{med / reference:.0%}" if reference else ""
    return [label, str(len(seconds)), f"{med:.3f}", f"{min(seconds):.3f}", f"{max(seconds):.3f}",
            share, note]


HEADERS = ("what", "runs", "median s", "min s", "max s", "of upload", "note")


def bench_file(bench: Bench, tmp: Path, name: str, kind: str, runs: int,
               unique: bool) -> list[list[str]]:
    path = CORPUS / name
    data = path.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    mime = "application/pdf" if name.endswith(".pdf") else (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    first, item = bench.upload(name, data, kind)  # cold: new object, first parse of its kind
    key = object_key_for(sha)
    dedupe = [bench.upload(name, data, kind)[0] for _ in range(runs)]
    uniq: list[float] = []
    if unique:
        for n in range(runs):
            uniq.append(bench.upload(name, data + f"\n%bench-{uuid.uuid4().hex}-{n}\n".encode(),
                                     kind)[0])
    extracts, texts = zip(*(bench.extract(path) for _ in range(runs)), strict=True)
    text = texts[0]
    hashing = [bench.count_and_hash(text) for _ in range(runs)]
    puts = [bench.s3_put(path, sha, mime) for _ in range(runs)]
    stats = [bench.s3_stat(key) for _ in range(runs)]
    upserts = [bench.index_upsert(text) for _ in range(runs)]
    tokenising = [bench.analysis(text) for _ in range(runs)]
    ref = statistics.median(dedupe)
    size = f"{len(data) / MB:.2f} MB, {item['char_count']:,} 字"
    rows = [
        ["upload (first, cold)", "1", f"{first:.3f}", "", "", f"{first / ref:.0%}",
         "first of this file: PUT"],
        summary("upload (dedupe)", dedupe, ref, size),
    ]
    if uniq:
        rows.append(summary("upload (unique)", uniq, ref, "new object every time: PUT"))
    rows += [
        summary("  extract", list(extracts), ref, f"{len(text):,} chars of text"),
        summary("  count + minhash", hashing, ref),
        summary("  S3 put", puts, ref, "new key"),
        summary("  S3 stat", stats, ref, "dedupe check"),
        summary("  index upsert", upserts, ref, "1 doc, 1 commit"),
        summary("    of which tokenising", tokenising, ref, "jieba words + grams"),
    ]
    parts = (statistics.median(extracts) + statistics.median(hashing) + statistics.median(stats)
             + statistics.median(upserts))
    rows.append(["  rest (Flask, DB, rules)", "", f"{ref - parts:.3f}", "", "",
                 f"{(ref - parts) / ref:.0%}", "upload (dedupe) minus the parts"])
    return rows


def bench_ocr(bench: Bench) -> list[list[str]]:
    path = CORPUS / SCAN
    data = path.read_bytes()
    seconds, item = bench.upload(SCAN, data, "reflection")
    alone, text = bench.extract(path)
    return [
        summary("upload (OCR scan)", [seconds], seconds,
                f"{len(data) / MB:.2f} MB, 7 pages, {item['char_count']:,} 字 by OCR"),
        summary("  extract (OCR)", [alone], seconds, f"{len(text):,} chars of text"),
    ]


def profile_upload(bench: Bench, top: int) -> str:
    """cProfile one PDF upload request (the new teacher is created before profiling)."""
    data = (CORPUS / PDF).read_bytes()
    api = bench.new_teacher()
    profiler = cProfile.Profile()
    profiler.enable()
    res = api.upload(data=data, filename=PDF, kind="lesson_design", title="基准测试 profile",
                     completion_date="2025-10-08")
    profiler.disable()
    assert res.status_code == 201, res.get_json()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    stats.sort_stats("tottime").print_stats(15)
    return out.getvalue()


def timed_block(label: str, fn: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = fn()
    print(f"{label}: {time.perf_counter() - start:.1f} s")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2 runs, no OCR (smoke run)")
    parser.add_argument("--runs", type=int, help="timed uploads per file (default 7)")
    parser.add_argument("--no-ocr", action="store_true", help="skip the OCR'd scan")
    parser.add_argument("--profile", action="store_true", help="cProfile one PDF upload")
    parser.add_argument("--concurrent", type=int, metavar="N",
                        help="only the concurrent run: N uploads by 1, 4 and 8 clients through real "
                             "`archive serve` processes (1 waitress process; 2 gunicorn + Redis)")
    args = parser.parse_args(argv)
    if args.concurrent:
        import upload_concurrent

        upload_concurrent.run(args.concurrent)
        return 0
    runs = args.runs or (2 if args.quick else 7)
    ocr = not (args.no_ocr or args.quick)

    with tempfile.TemporaryDirectory(prefix="bench-upload-") as name:
        tmp = Path(name)
        weed = ManagedSeaweedFS(tmp / "seaweedfs", bucket="bench")
        s3 = timed_block("SeaweedFS start", weed.start)
        try:
            app = timed_block("app + initialise", lambda: make_app(tmp, s3))
            with app.app_context():
                bench = Bench(app)
                print(f"{runs} timed uploads per file, each by a new teacher; {load_note()}\n")
                rows = bench_file(bench, tmp, PDF, "lesson_design", runs, unique=True)
                print(f"{PDF} (lesson_design)\n")
                print(table(HEADERS, rows))
                rows = bench_file(bench, tmp, DOCX, "lesson_design", runs, unique=False)
                print(f"\n{DOCX} (lesson_design)\n")
                print(table(HEADERS, rows))
                if ocr:
                    print(f"\n{SCAN} (reflection; OCR, 1 run)\n")
                    print(table(HEADERS, bench_ocr(bench)))
                if args.profile:
                    print("\ncProfile of one PDF upload (subprocess time shows as waiting):\n")
                    print(profile_upload(bench, 30))
                bench.remove_fake_docs()
                docs = bench.state.index.doc_count()
                print(f"\nindex holds {docs} documents; peak RSS of this process "
                      f"{fmt_mb(_max_rss())} MB")
        finally:
            weed.stop()
    return 0


def _max_rss() -> int | None:
    try:
        import resource  # noqa: PLC0415 - POSIX only
    except ImportError:
        return None
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


if __name__ == "__main__":
    sys.exit(main())
