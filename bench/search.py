"""Benchmark: both search engines on the same ~3,000-字 documents, side by side.

    .venv/bin/python bench/search.py --items 10000                  # whoosh and tantivy
    .venv/bin/python bench/search.py --engine tantivy --items 250000
    .venv/bin/python bench/search.py --quick                        # 300 items (smoke)

Texts come from the Chinese corpus documents (extracted with ``archive_service.extract``),
cut into chunks of 2,000–4,000 characters at random offsets, so documents share vocabulary
the way a school's portfolios do. Each engine runs in its own child process on the same
documents (same seed), so its peak RSS is its own: indexing in batches of 200 (the outbox
writer's batch), index size on disk, peak RSS while indexing, search latency with snippets
(p50/p95/p99, plain and filtered), then 20 threads searching at once (queries/s, p95).
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _common import CORPUS, ROOT, load_note, table

from indexing import ENGINES, IndexDoc, QueryError, SearchFilters, SearchIndex, open_index

SOURCES = (
    "zh_docx_01_songdai_wenxue_jiaoan.docx", "zh_docx_02_zuiwengtingji_jiaoxuesheji.docx",
    "zh_docx_05_jiaoshi_fangtan_dagang.docx", "zh_docx_08_jiaogai_anli.docx",
    "zh_docx_12_yingyu_jiaoxue_zongjie.docx", "zh_docx_14_jiqiren_jiaoxue_dagang.docx",
    "zh_pdf_03_freecad_jiaoxue_yanjiu.pdf", "zh_pdf_04_mokuai1_jiaoan.pdf",
    "zh_pdf_06_kechengsizheng_jiaoxuesheji.pdf", "zh_pdf_09_qikan_lunwen_xinxilunli.pdf",
    "zh_pdf_12_python_mianxiangduixiang_jiangyi.pdf", "zh_pdf_16_408_caozuoxitong_mojibake.pdf",
)
QUERIES = (
    "教学设计", "学生", "课程思政", "信息伦理", "醉翁亭记", "面向对象", "核心素养",
    "三维设计 打印", "教学反思 课堂", '"问题链"', "操作系统 进程", "互联网 隐私",
    "Python 类", "评价 量表", "标题:教学", "仿制图章工具", "宋代文学", "机器人", "小组合作",
    "学习目标 OR 教学目标", "教师 NOT 英语", "课", "不存在的词语组合",
)
KINDS = ("reflection", "lesson_design", "unit_design", "paper", "lecture_notes")
YEARS = ("2023-2024", "2024-2025", "2025-2026")
DECISIONS = ("counted", "counted", "counted", "duplicate", "not_counted")
TITLE_HEADS = ("教学反思", "教学设计", "单元整体教学设计", "论文", "专题讲稿", "教学案例")
FILTERS = SearchFilters(kinds=("lesson_design", "paper"), years=("2025-2026",),
                        decisions=("counted",))
BATCH = 200
CONCURRENT = 20


def load_texts() -> list[str]:
    from archive_service.extract import ExtractionError, extract

    texts = []
    for name in SOURCES:
        try:
            result = extract(CORPUS / name, name, ocr=False)
        except (ExtractionError, OSError) as exc:
            print(f"  skipped {name}: {exc}")
            continue
        texts.append(result.text)
    return texts


def make_doc(pool: str, n: int, rng: random.Random) -> IndexDoc:
    length = rng.randint(2000, 4000)
    start = rng.randint(0, len(pool) - length)
    body = pool[start:start + length]
    first = next((line.strip() for line in body.splitlines() if line.strip()), "")
    return IndexDoc(
        item_id=n + 1, title=f"{rng.choice(TITLE_HEADS)}：{first[:20]}", text=body,
        kind=rng.choice(KINDS), academic_year=rng.choice(YEARS), school_id=1 + n % 40,
        owner_id=100 + n % 5000, teacher_name=f"教师{n % 5000}", stamp=f"{n + 1}:bench",
        decision=rng.choice(DECISIONS))


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def rss_mb() -> tuple[float, float]:
    """(current, peak) resident set of this process in MB."""
    out = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) / 1024
    return out["VmRSS"], out["VmHWM"]


def timed_search(index: SearchIndex, q: str, **options: object) -> float:
    start = time.perf_counter()
    index.search(q, **options)  # type: ignore[arg-type]
    return (time.perf_counter() - start) * 1000


def latencies(index: SearchIndex, repeats: int, **options: object) -> list[float]:
    return [timed_search(index, q, **options) for _ in range(repeats) for q in QUERIES]


def concurrent(index: SearchIndex, per_thread: int) -> tuple[float, float]:
    """CONCURRENT threads each run ``per_thread`` queries at once: (queries/s, p95 ms)."""
    results: list[float] = []
    lock = threading.Lock()
    start_gate = threading.Barrier(CONCURRENT)

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        start_gate.wait()
        mine = [timed_search(index, rng.choice(QUERIES), per_page=10) for _ in range(per_thread)]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(CONCURRENT)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    return len(results) / wall, percentile(results, 0.95)


def run_engine(engine: str, texts_file: Path, items: int, seed: int, repeats: int) -> dict:
    """One engine, one process: index ``items`` documents, then search (child side)."""
    pool = "\n".join(json.loads(texts_file.read_text()))
    rng = random.Random(seed)
    with tempfile.TemporaryDirectory(prefix=f"bench-{engine}-") as tmp:
        index = open_index(Path(tmp) / "index", engine)
        index.search("预热")  # jieba's dictionary, outside the timings
        base_rss, _ = rss_mb()
        seconds = 0.0
        cpu_start = time.process_time()
        for first in range(0, items, BATCH):
            batch = [make_doc(pool, n, rng) for n in range(first, min(items, first + BATCH))]
            start = time.perf_counter()
            index.upsert(batch)
            seconds += time.perf_counter() - start
            if (first // BATCH) % 10 == 9:
                print(f"  {engine}: {first + len(batch):,} items, {(first + len(batch)) / seconds:.1f}"
                      " items/s", file=sys.stderr, flush=True)
        cpu = time.process_time() - cpu_start  # all threads of the process
        _, peak_rss = rss_mb()
        size = sum(f.stat().st_size for f in (Path(tmp) / "index").rglob("*") if f.is_file())
        for q in QUERIES:  # warm-up: searcher open, query parser built
            try:
                index.search(q)
            except QueryError as exc:
                raise SystemExit(f"query {q!r} refused: {exc}") from None
        plain = latencies(index, repeats, per_page=10)
        filtered = latencies(index, repeats, per_page=10, filters=FILTERS)
        qps, p95 = concurrent(index, max(5, repeats * 2))
        after_rss, _ = rss_mb()
        return {
            "engine": engine, "items": items, "items_s": items / seconds, "items_cpu_s": items / cpu,
            "size_mb": size / 1024 / 1024, "peak_rss_mb": peak_rss,
            "rss_growth_mb": peak_rss - base_rss, "rss_after_mb": after_rss,
            "plain": [percentile(plain, q) for q in (0.5, 0.95, 0.99)],
            "filtered": [percentile(filtered, q) for q in (0.5, 0.95, 0.99)],
            "concurrent": [qps, p95], "docs": index.doc_count(),
        }


def row(result: dict) -> list[str]:
    plain, filtered, conc = result["plain"], result["filtered"], result["concurrent"]
    return [
        result["engine"], f"{result['items']:,}",
        f"{result['items_s']:.1f} ({result['items_cpu_s']:.1f})",
        f"{result['size_mb']:.0f}", f"{result['peak_rss_mb']:.0f}",
        "/".join(f"{v:.1f}" for v in plain), "/".join(f"{v:.1f}" for v in filtered),
        f"{conc[0]:.1f}", f"{conc[1]:.0f}",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=(*ENGINES, "both"), default="both")
    parser.add_argument("--items", type=int, help="documents to index (default 2000)")
    parser.add_argument("--quick", action="store_true", help="300 documents (smoke run)")
    parser.add_argument("--repeats", type=int, help="times each query runs per mode (default 5)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--child", help=argparse.SUPPRESS)  # engine,texts-file (internal)
    args = parser.parse_args(argv)
    items = args.items or (300 if args.quick else 2000)
    repeats = args.repeats or (2 if args.quick else 5)
    if args.child:
        engine, texts_file = args.child.split(",", 1)
        print(json.dumps(run_engine(engine, Path(texts_file), items, args.seed, repeats)))
        return 0
    engines = ENGINES if args.engine == "both" else (args.engine,)
    texts = load_texts()
    print(f"{items:,} documents (2,000–4,000 chars) from {len(texts)} corpus texts; "
          f"{load_note()}\n")
    results = []
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(texts, fh, ensure_ascii=False)
    try:
        for engine in engines:
            started = time.perf_counter()
            out = subprocess.run(
                [sys.executable, __file__, "--child", f"{engine},{fh.name}", "--items", str(items),
                 "--repeats", str(repeats), "--seed", str(args.seed)],
                cwd=ROOT, stdout=subprocess.PIPE, text=True, check=True)
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"  {engine}: {time.perf_counter() - started:.0f} s", flush=True)
    finally:
        Path(fh.name).unlink()
    print()
    print(table(("engine", "items", "index items/s (per CPU s)", "size MB", "peak RSS MB",
                 "search p50/p95/p99 ms", "filtered p50/p95/p99 ms",
                 f"{CONCURRENT} at once q/s", f"{CONCURRENT} at once p95 ms"),
                [row(r) for r in results]))
    print(f"\n{len(QUERIES)} queries × {repeats} repeats, top 10 with snippets; filtered = "
          "kind + year + decision; peak RSS = the engine's process while indexing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
