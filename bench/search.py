"""Benchmark: indexing ~3,000-字 documents into the Whoosh index, then search latency.

    .venv/bin/python bench/search.py           # 2,000 documents
    .venv/bin/python bench/search.py --quick   # 200 documents (smoke)

Texts come from the Chinese corpus documents (extracted with ``archive_service.extract``),
cut into chunks of 2,000–4,000 characters at random offsets, so documents share vocabulary
the way a school's portfolios do.  Indexing uses batches of 200 (the outbox writer's batch)
and, as a baseline, a few single-document commits (what one upload does).  Searches run
against the full index, each query repeated, with and without snippets, plus a filtered run.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

from _common import CORPUS, load_note, table

from archive_service.extract import ExtractionError, extract
from indexing import IndexDoc, QueryError, SearchFilters, SearchIndex, open_index

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
TITLE_HEADS = ("教学反思", "教学设计", "单元整体教学设计", "论文", "专题讲稿", "教学案例")


def load_texts() -> list[str]:
    texts = []
    for name in SOURCES:
        try:
            result = extract(CORPUS / name, name, ocr=False)
        except (ExtractionError, OSError) as exc:
            print(f"  skipped {name}: {exc}")
            continue
        texts.append(result.text)
    return texts


def make_docs(texts: list[str], count: int, rng: random.Random) -> list[IndexDoc]:
    pool = "\n".join(texts)  # a chunk may run from one source into the next
    docs = []
    for n in range(count):
        length = rng.randint(2000, 4000)
        start = rng.randint(0, len(pool) - length)
        body = pool[start:start + length]
        first = next((line.strip() for line in body.splitlines() if line.strip()), "")
        docs.append(IndexDoc(
            item_id=n + 1, title=f"{rng.choice(TITLE_HEADS)}：{first[:20]}", text=body,
            kind=rng.choice(KINDS), academic_year=rng.choice(YEARS),
            school_id=1 + n % 4, owner_id=100 + n % 700, teacher_name=f"教师{n % 700}",
            stamp=f"{n + 1}:bench"))
    return docs


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


def search_rows(index: SearchIndex, repeats: int) -> tuple[list[list[str]], list[list[str]]]:
    filters = SearchFilters(kinds=("lesson_design", "paper"), years=("2025-2026",))
    modes = {"with snippets": {"snippets": True},
             "without snippets": {"snippets": False},
             "filtered + snippets": {"snippets": True, "filters": filters}}
    per_query: dict[str, list[float]] = {q: [] for q in QUERIES}
    rows = []
    for q in QUERIES:  # warm-up: searcher open, parser built, jieba loaded
        try:
            index.search(q)
        except QueryError as exc:
            raise SystemExit(f"query {q!r} refused: {exc}") from None
    for mode, options in modes.items():
        latencies, hits = [], []
        for _ in range(repeats):
            for q in QUERIES:
                start = time.perf_counter()
                page = index.search(q, **options)
                seconds = time.perf_counter() - start
                latencies.append(seconds)
                hits.append(page.total)
                if mode == "with snippets":
                    per_query[q].append(seconds)
        ms = [s * 1000 for s in latencies]
        rows.append([mode, str(len(ms)), f"{percentile(ms, 0.5):.1f}",
                     f"{percentile(ms, 0.95):.1f}", f"{max(ms):.1f}",
                     f"{statistics.mean(hits):.0f}"])
    slow = sorted(per_query.items(), key=lambda kv: -statistics.median(kv[1]))
    detail = [[q, f"{statistics.median(v) * 1000:.1f}", f"{max(v) * 1000:.1f}",
               str(index.search(q, snippets=False).total)] for q, v in slow]
    return rows, detail


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="200 documents (smoke run)")
    parser.add_argument("--docs", type=int, help="documents to index (default 2000)")
    parser.add_argument("--repeats", type=int, help="times each query runs per mode (default 5)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    count = args.docs or (200 if args.quick else 2000)
    repeats = args.repeats or (2 if args.quick else 5)
    rng = random.Random(args.seed)

    texts = load_texts()
    docs = make_docs(texts, count, rng)
    chars = sum(len(d.text) for d in docs)
    print(f"{count:,} documents from {len(texts)} corpus texts, {chars / count:,.0f} chars "
          f"on average; {load_note()}\n")
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        index = open_index(Path(tmp) / "index")
        index.search("预热")  # load jieba's dictionary outside the timings
        batches = []
        for first in range(0, count, 200):
            start = time.perf_counter()
            index.upsert(docs[first:first + 200])
            batches.append(time.perf_counter() - start)
        singles = []
        extra = make_docs(texts, 10 if args.quick else 20, rng)
        for n, doc in enumerate(extra):
            doc = IndexDoc(**{**doc.__dict__, "item_id": count + n + 1})
            start = time.perf_counter()
            index.upsert([doc])
            singles.append(time.perf_counter() - start)
        size = sum(f.stat().st_size for f in (Path(tmp) / "index").iterdir())
        print(table(("indexing", "docs", "commits", "seconds", "docs/s", "median s/commit",
                     "max s/commit"), [
            ["batches of 200", f"{count:,}", str(len(batches)), f"{sum(batches):.1f}",
             f"{count / sum(batches):.1f}", f"{statistics.median(batches):.2f}",
             f"{max(batches):.2f}"],
            ["then 1 doc per commit", str(len(singles)), str(len(singles)),
             f"{sum(singles):.1f}", f"{len(singles) / sum(singles):.1f}",
             f"{statistics.median(singles):.2f}", f"{max(singles):.2f}"],
        ]))
        print("(a commit that merges segments pays for rewriting them: see max s/commit)")
        print(f"\nindex: {index.doc_count():,} documents, {size / 1024 / 1024:.1f} MB on disk\n")
        rows, detail = search_rows(index, repeats)
        print(f"{len(QUERIES)} queries × {repeats} repeats per mode (page 1, 20 per page)\n")
        print(table(("search", "calls", "p50 ms", "p95 ms", "max ms", "mean total hits"), rows))
        print("\nper query, with snippets, slowest first\n")
        print(table(("query", "median ms", "max ms", "hits"), detail))
    return 0


if __name__ == "__main__":
    sys.exit(main())
