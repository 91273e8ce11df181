"""Tests for indexing/: the analysis, then ONE contract suite run against both engines
(Whoosh and tantivy) on tmp_path with real Chinese text, then engine-specific tests."""

from __future__ import annotations

import random
import re
import statistics
import threading
import time
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from indexing import (
    ENGINES,
    IndexBusyError,
    IndexDoc,
    QueryError,
    SearchFilters,
    SearchIndex,
    SearchPage,
    analysis,
    open_index,
)

CorpusIndex = tuple[SearchIndex, dict[int, str]]
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
W_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# Hand-written documents; long filler keeps 作业 and 设计 far apart in doc 2.
FILLER = "学生在课后认真复习，家长积极配合学校的各项安排。" * 6
RECORD = "本学期共组织了六次活动，教师们积极参与，交流心得。" * 6
DOCS = {
    1: ("语文教学反思", "本学期我在课堂上进行了深入的教学反思，重新审视了提问方式。"),
    2: ("数学周记", "本周作业较多，" + FILLER + "下学期的单元设计需要改进。"),
    3: ("优质课评比获奖", "荣获全市优质课评比一等奖。第5期培训班学习 Python 编程。"),
    4: ("<script>提示", "<script>alert('x')</script> 本文附有作业设计方案 & 评价量表。"),
    5: ("课程思政案例", "本文介绍学校的劳动教育活动安排。"),
    6: ("英语阅读", "The students enjoyed machine learning basics; learning is fun."),
    7: ("校本研修总结", "活动记录：" + RECORD),
    8: ("活动记录", "活动记录：" + RECORD + "附校本研修总结。"),
}
META = {
    1: ("reflection", "2025-2026", 1, 10, "张三"),
    2: ("plan", "2025-2026", 1, 11, "李四"),
    3: ("award", "2024-2025", 2, 12, "王五"),
    4: ("plan", "2024-2025", None, 10, "张三"),
    5: ("case", "2025-2026", 2, 13, "赵六"),
    6: ("reflection", "2025-2026", 1, 14, "钱七"),
    7: ("summary", "2025-2026", 3, 15, "孙八"),
    8: ("summary", "2025-2026", 3, 15, "孙八"),
}


def make_doc(item_id: int, title: str, text: str, stamp: str = "v1") -> IndexDoc:
    kind, year, school, owner, teacher = META.get(item_id, ("plan", "2025-2026", 1, 1, "周九"))
    return IndexDoc(item_id, title, text, kind, year, school, owner, teacher, stamp)


def ids(page: SearchPage) -> set[int]:
    return {hit.item_id for hit in page.hits}


def docx_text(path: Path) -> str:
    """All w:t text of the document body, one line per paragraph."""
    with zipfile.ZipFile(path) as archive:
        root = etree.fromstring(archive.read("word/document.xml"))
    lines = ("".join(t.text or "" for t in p.iter(f"{W_NS}t")) for p in root.iter(f"{W_NS}p"))
    return "\n".join(line for line in lines if line.strip())


def corpus_texts() -> dict[str, str]:
    paths = sorted(CORPUS.glob("zh_docx_*.docx"))
    if not paths:
        pytest.skip("shared corpus not available")
    return {path.stem: docx_text(path) for path in paths}


@pytest.fixture(scope="module", params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Every test that takes ``engine`` (directly or through a fixture) runs on both."""
    return str(request.param)


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory, engine: str) -> SearchIndex:
    ix = open_index(tmp_path_factory.mktemp("ix") / "search", engine)
    assert ix.upsert(make_doc(i, *DOCS[i]) for i in DOCS) == len(DOCS)
    return ix


@pytest.fixture(scope="module")
def corpus() -> dict[str, str]:
    return corpus_texts()


@pytest.fixture(scope="module")
def corpus_index(
    tmp_path_factory: pytest.TempPathFactory, corpus: dict[str, str], engine: str
) -> CorpusIndex:
    ix = open_index(tmp_path_factory.mktemp("corpus") / "search", engine)
    docs = [make_doc(100 + n, f"doc{n}", text) for n, text in enumerate(corpus.values())]
    ix.upsert(docs)
    return ix, {100 + n: text for n, text in enumerate(corpus.values())}


# --- analysis -----------------------------------------------------------------------------


def test_word_tokens_have_consecutive_positions_and_true_offsets(corpus: dict[str, str]) -> None:
    text = corpus["zh_docx_02_zuiwengtingji_jiaoxuesheji"]
    tokens = list(analysis.word_tokens(text))
    assert len(tokens) > 500
    for previous, current in zip(tokens, tokens[1:], strict=False):
        assert current[1] - previous[1] in (1, 2)  # 2 only across clause punctuation
    folded = text.translate(analysis._FOLD)
    for word, _, start, end in tokens:
        assert re.sub(r"\s", "", folded[start:end]).lower() == word
        assert word.strip() and not re.fullmatch(r"\W+", word)


def test_word_tokens_keep_digits_and_latin_lowercased() -> None:
    words = [w for w, *_ in analysis.word_tokens("第5期培训：Python3 与 ＡＩ，教学反思。")]
    assert words == ["第", "5", "期", "培训", "python", "3", "与", "ai", "教学反思"]


def test_clause_punctuation_breaks_phrases_but_whitespace_does_not() -> None:
    positions = {w: p for w, p, *_ in analysis.word_tokens("作业，设计 教学\n反思")}
    assert positions["设计"] - positions["作业"] == 2
    grams = {g for g, *_ in analysis.gram_tokens("教学\n反思")}
    assert "学反" in grams  # a line break inside a PDF sentence does not split words


def test_gram_tokens_are_unigrams_and_bigrams_by_character() -> None:
    tokens = list(analysis.gram_tokens("一等奖"))
    assert [(g, p) for g, p, *_ in tokens] == [
        ("一", 0), ("一等", 0), ("等", 1), ("等奖", 1), ("奖", 2)
    ]
    assert tokens[1][2:] == (0, 2)


def test_jieba_is_loaded_once_across_threads() -> None:
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(analysis._get_segmenter()))
               for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(s) for s in seen}) == 1


def test_education_words_segment_as_one_word() -> None:
    analysis.add_words(["大概念教学"])
    words = [w for w, *_ in analysis.word_tokens("开展单元整体教学设计与大概念教学和课程思政")]
    assert "单元整体教学设计" in words and "大概念教学" in words and "课程思政" in words


# --- matching -----------------------------------------------------------------------------


def test_word_part_found_through_grams(index: SearchIndex) -> None:
    assert 1 in ids(index.search("反思"))  # 教学反思 is one jieba word
    assert ids(index.search("等奖")) == {3}  # part of 一等奖


def test_single_character(index: SearchIndex) -> None:
    assert ids(index.search("课", per_page=50)) == {1, 2, 3, 5}  # 课堂 课后 优质课 课程思政


def test_compound_word_requires_adjacency(index: SearchIndex) -> None:
    assert ids(index.search("作业设计")) == {4}
    assert ids(index.search("作业 设计")) == {2, 4}  # space = AND, any distance


def test_repeated_characters(tmp_path: Path, engine: str) -> None:
    ix = open_index(tmp_path / "ix", engine)
    ix.upsert([make_doc(1, "一", "他哈哈哈大笑"), make_doc(2, "二", "他哈哈一笑，哈哈")])
    assert ids(ix.search("哈哈哈")) == {1}
    assert ids(ix.search("哈哈")) == {1, 2}


def test_full_width_and_line_broken_text(tmp_path: Path, engine: str) -> None:
    ix = open_index(tmp_path / "ix", engine)
    ix.upsert([make_doc(1, "一", "参加第５期ＡＩ培训，撰写教学\n反思。")])
    assert ids(ix.search("5期 ai")) == {1}
    assert ids(ix.search('"教学反思"')) == {1}
    assert "<mark>教学 反思</mark>" in ix.search("教学反思").hits[0].snippet_html


def test_quoted_phrase_keeps_order(index: SearchIndex) -> None:
    assert ids(index.search('"教学反思"')) == {1}
    assert ids(index.search('"反思教学"')) == set()
    assert ids(index.search('"machine learning"')) == {6}
    assert ids(index.search('"learning machine"')) == set()


def test_boolean_operators(index: SearchIndex) -> None:
    assert ids(index.search("反思 AND 课堂")) == {1}
    assert ids(index.search("反思 OR 等奖")) == {1, 3}
    assert ids(index.search("课 NOT 反思", per_page=50)) == {2, 3, 5}
    assert ids(index.search("(反思 OR 等奖) NOT 一等奖")) == {1}
    assert ids(index.search("“教学反思” OR （等奖）")) == {1, 3}  # full-width syntax
    assert ids(index.search("NOT 课", per_page=50)) == {4, 6, 7, 8}
    assert ids(index.search("标题:(反思 OR 获奖)")) == {1, 3}


def test_digits_and_latin(index: SearchIndex) -> None:
    assert ids(index.search("5")) == {3}
    assert ids(index.search("5期")) == {3}
    assert ids(index.search("第5期培训")) == {3}
    assert ids(index.search("6期")) == set()
    for query in ("python", "PYTHON", "Ｐｙｔｈｏｎ"):
        assert ids(index.search(query)) == {3}


def test_field_prefixes(index: SearchIndex) -> None:
    assert ids(index.search("标题:反思")) == {1}
    assert ids(index.search("title:等奖")) == set()
    assert ids(index.search("教师:张三")) == {1, 4}


def test_title_ranks_above_body(index: SearchIndex) -> None:
    page = index.search("校本研修总结")
    assert [hit.item_id for hit in page.hits] == [7, 8]
    assert page.hits[0].score > page.hits[1].score > 0


# --- filters and paging -------------------------------------------------------------------


def test_filters_give_exact_totals(index: SearchIndex) -> None:
    assert index.search("", SearchFilters(kinds=("plan",))).total == 2
    assert index.search("", SearchFilters(years=("2024-2025",))).total == 2
    assert index.search("", SearchFilters(school_ids=(1,))).total == 3  # None school excluded
    assert index.search("", SearchFilters(school_ids=(1, 2))).total == 5
    assert index.search("", SearchFilters(owner_ids=(10,))).total == 2
    scoped = SearchFilters(kinds=("plan", "award"), school_ids=(1, 2))
    assert ids(index.search("课", scoped)) == {2, 3}
    assert index.search("课", scoped).total == 2


def test_empty_query_lists_scope_newest_first(index: SearchIndex) -> None:
    page = index.search("   ", SearchFilters(years=("2025-2026",)), snippets=False)
    assert [hit.item_id for hit in page.hits] == [8, 7, 6, 5, 2, 1]
    assert all(hit.score == 0 and hit.snippet_html == "" for hit in page.hits)


def test_paging(index: SearchIndex) -> None:
    pages = [index.search("", page=n, per_page=3) for n in (1, 2, 3, 4)]
    assert all(page.total == len(DOCS) for page in pages)
    seen = [hit.item_id for page in pages for hit in page.hits]
    assert sorted(seen) == sorted(DOCS) and pages[3].hits == ()
    with pytest.raises(ValueError):
        index.search("课", page=0)
    with pytest.raises(ValueError):
        index.search("课", per_page=10**6)


# --- snippets -----------------------------------------------------------------------------


def test_snippet_escapes_html_and_marks_match(index: SearchIndex) -> None:
    (hit,) = index.search("作业设计").hits
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in hit.snippet_html
    assert "<mark>作业设计</mark>" in hit.snippet_html and "&amp;" in hit.snippet_html
    assert "<" not in re.sub(r"</?mark>", "", hit.snippet_html)


def test_title_only_match_returns_start_of_text(index: SearchIndex) -> None:
    (hit,) = index.search("课程思政").hits
    assert hit.item_id == 5 and hit.snippet_html == "本文介绍学校的劳动教育活动安排。"


def test_snippet_is_a_short_window_around_the_match(corpus_index: CorpusIndex) -> None:
    ix, texts = corpus_index
    page = ix.search("醉翁亭记 赵灵尔")
    assert page.total >= 1
    html = page.hits[0].snippet_html
    plain = re.sub(r"</?mark>", "", html)
    assert "<mark>醉翁亭记</mark>" in html and "<mark>赵灵尔</mark>" in html
    assert len(plain) <= 122  # 120 characters plus the ellipses


def test_negated_terms_are_not_highlighted(index: SearchIndex) -> None:
    (hit,) = index.search("作业设计 NOT 量表啊").hits
    assert "<mark>作业设计</mark>" in hit.snippet_html and "量表啊" not in hit.snippet_html


# --- errors -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query", ["，。！？", "的", '"教学反思', "(教学 OR 反思", "教学 AND", "AND", "课" * 201]
)
def test_bad_queries_raise_query_error_in_chinese(index: SearchIndex, query: str) -> None:
    with pytest.raises(QueryError) as info:
        index.search(query)
    assert isinstance(info.value, ValueError)
    assert re.search(r"[\u4e00-\u9fff]", str(info.value))


# --- writing ------------------------------------------------------------------------------


def test_upsert_replaces_without_duplicates(tmp_path: Path, engine: str) -> None:
    ix = open_index(tmp_path / "ix", engine)
    assert ix.upsert([make_doc(1, "旧标题", "旧的教学反思"), make_doc(2, "其他", "其他内容")]) == 2
    batch = [make_doc(1, "新标题", "新的作业设计", v) for v in ("v2", "v3")]
    assert ix.upsert(batch) == 1
    assert ix.doc_count() == 2
    assert ids(ix.search("教学反思")) == set()
    assert ids(ix.search("作业设计")) == {1}
    assert ix.stamps() == {1: "v3", 2: "v1"}


def test_delete_and_stamps(tmp_path: Path, engine: str) -> None:
    ix = open_index(tmp_path / "ix", engine)
    ix.upsert(make_doc(i, f"标题{i}", f"第{i}篇教学反思", f"s{i}") for i in range(1, 6))
    ix.delete([2, 4, 99])
    ix.delete([])
    assert ix.doc_count() == 3
    assert ix.stamps() == {1: "s1", 3: "s3", 5: "s5"}
    assert ids(ix.search("教学反思")) == {1, 3, 5}


def test_clear_then_reindex(tmp_path: Path, engine: str) -> None:
    ix = open_index(tmp_path / "ix", engine)
    ix.upsert([make_doc(1, "标题", "教学反思")])
    assert ix.search("反思").total == 1
    ix.clear()
    assert ix.doc_count() == 0 and ix.stamps() == {} and ix.search("反思").total == 0
    ix.upsert([make_doc(2, "标题", "教学反思")])
    assert ids(ix.search("反思")) == {2}


def test_reopen_from_disk(tmp_path: Path, engine: str) -> None:
    open_index(tmp_path / "ix", engine).upsert([make_doc(1, "标题", "第5期教学反思", "abc")])
    reopened = open_index(tmp_path / "ix", engine)
    assert reopened.stamps() == {1: "abc"}
    assert ids(reopened.search('"教学反思" 5')) == {1}


def test_whoosh_outdated_schema_is_recreated_empty(tmp_path: Path) -> None:
    from whoosh import fields, index

    path = tmp_path / "ix"
    path.mkdir()
    old = index.create_in(str(path), fields.Schema(body=fields.TEXT(stored=True)))
    with old.writer() as writer:
        writer.add_document(body="old")
    ix = open_index(path, "whoosh")
    assert ix.doc_count() == 0
    ix.upsert([make_doc(1, "标题", "内容")])
    assert ix.doc_count() == 1


def test_analysis_version_change_recreates_index(
    tmp_path: Path, engine: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    open_index(tmp_path / "ix", engine).upsert([make_doc(1, "标题", "内容")])
    assert open_index(tmp_path / "ix", engine).doc_count() == 1
    monkeypatch.setattr(analysis, "ANALYSIS_VERSION", analysis.ANALYSIS_VERSION + 1)
    assert open_index(tmp_path / "ix", engine).doc_count() == 0


def test_search_sees_commits_from_another_instance(tmp_path: Path, engine: str) -> None:
    reader, writer = open_index(tmp_path / "ix", engine), open_index(tmp_path / "ix", engine)
    assert reader.search("").total == 0
    writer.upsert([make_doc(1, "标题", "教学反思")])
    assert ids(reader.search("反思")) == {1}


def test_concurrent_writers_lose_nothing(tmp_path: Path, engine: str) -> None:
    instances = [open_index(tmp_path / "ix", engine) for _ in range(2)]
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for batch in range(3):
                base = n * 100 + batch * 10
                instances[n % 2].upsert(
                    make_doc(i, f"标题{i}", f"并发写入测试{i}") for i in range(base, base + 5)
                )
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert instances[0].doc_count() == 4 * 3 * 5
    assert instances[1].search("并发写入").total == 60


def test_searching_while_writing(tmp_path: Path, engine: str) -> None:
    ix = open_index(tmp_path / "ix", engine)
    ix.upsert([make_doc(0, "起点", "教学反思")])
    stop, errors, totals = threading.Event(), [], []

    def search_loop() -> None:
        while not stop.is_set():
            try:
                totals.append(ix.search("教学反思").total)
            except BaseException as exc:  # surfaced by the assertion below
                errors.append(exc)

    readers = [threading.Thread(target=search_loop) for _ in range(2)]
    for thread in readers:
        thread.start()
    for n in range(1, 6):
        ix.upsert(make_doc(i, "标题", "教学反思记录") for i in range(n * 10, n * 10 + 10))
    ix.delete([10, 11])
    stop.set()
    for thread in readers:
        thread.join()
    assert errors == [] and totals and max(totals) <= 51
    assert ix.search("教学反思").total == 49


def test_whoosh_foreign_lock_is_retried_then_reported(tmp_path: Path) -> None:
    from whoosh.filedb.filestore import FileStorage

    ix = open_index(tmp_path / "ix", "whoosh", lock_timeout=0.3)
    lock = FileStorage(str(tmp_path / "ix")).lock("MAIN_WRITELOCK")
    assert lock.acquire()
    try:
        with pytest.raises(IndexBusyError):
            ix.upsert([make_doc(1, "标题", "内容")])
    finally:
        lock.release()

    patient = open_index(tmp_path / "ix", "whoosh", lock_timeout=10)
    assert lock.acquire()
    threading.Timer(0.3, lock.release).start()
    assert patient.upsert([make_doc(1, "标题", "内容")]) == 1
    assert patient.doc_count() == 1


# --- corpus -------------------------------------------------------------------------------


def test_corpus_terms_found(corpus_index: CorpusIndex) -> None:
    ix, texts = corpus_index
    for query in ("醉翁亭记", "FreeCAD", "宋代文学", "教学目标", "机器人"):
        expected = {i for i, text in texts.items() if query.lower() in text.lower()}
        assert expected and ids(ix.search(query, per_page=50)) == expected, query


def test_random_substrings_match_exactly_like_substring_search(corpus_index: CorpusIndex) -> None:
    """Any CJK substring (1-6 characters) finds exactly the documents containing it."""
    ix, texts = corpus_index
    folded = {i: re.sub(r"\s", "", t) for i, t in texts.items()}
    runs = [run for t in folded.values() for run in re.findall(r"[\u4e00-\u9fff]{6,}", t)]
    rng = random.Random(20251123)
    for _ in range(150):
        run = rng.choice(runs)
        size = rng.randint(1, 6)
        start = rng.randint(0, len(run) - size)
        needle = run[start : start + size]
        if needle in analysis._STOP_TERMS:
            continue
        expected = {i for i, t in folded.items() if needle in t}
        assert ids(ix.search(needle, per_page=50)) == expected, needle


# --- performance --------------------------------------------------------------------------


@pytest.mark.slow
def test_throughput_and_latency_report(
    tmp_path: Path, engine: str, corpus: dict[str, str]
) -> None:
    """Index ~3,000-字 items in one commit and time searches; prints the numbers."""
    paragraphs = [p for text in corpus.values() for p in text.splitlines() if len(p) > 10]
    rng = random.Random(3)

    def body() -> str:
        parts: list[str] = []
        while sum(map(len, parts)) < 3000:
            parts.append(rng.choice(paragraphs))
        return "\n".join(parts)

    docs = [make_doc(i, f"教学资料{i}", body()) for i in range(1, 61)]
    ix = open_index(tmp_path / "ix", engine)
    started, cpu = time.perf_counter(), time.process_time()
    ix.upsert(docs)
    rate = len(docs) / (time.perf_counter() - started)
    cpu_rate = len(docs) / (time.process_time() - cpu)

    latencies = []
    for query in ("反思", "课", "教学设计", '"醉翁亭记"', "学生 兴趣", "宋代 OR 机器人", "问题链"):
        started = time.perf_counter()
        ix.search(query, per_page=10)
        latencies.append((time.perf_counter() - started) * 1000)
    chars = sum(len(d.text) for d in docs) / len(docs)
    print(
        f"\n[indexing] {len(docs)} docs x {chars:.0f} chars: {rate:.1f} docs/s "
        f"({cpu_rate:.1f}/s of CPU time); "
        f"search p50 {statistics.median(latencies):.1f} ms, max {max(latencies):.1f} ms"
    )
    assert ix.doc_count() == len(docs)  # speed is measured by bench/search.py, not asserted


def test_decision_filter_uses_the_stored_code(tmp_path: Path, engine: str) -> None:
    ix = open_index(tmp_path / "ix", engine)
    docs = [make_doc(i, f"标题{i}", f"第{i}篇教学反思") for i in range(1, 5)]
    codes = {1: "counted", 2: "duplicate", 3: "counted", 4: ""}
    ix.upsert(IndexDoc(**{**d.__dict__, "decision": codes[d.item_id]}) for d in docs)
    assert ids(ix.search("反思", SearchFilters(decisions=("counted",)))) == {1, 3}
    assert ix.search("", SearchFilters(decisions=("duplicate", "counted"))).total == 3
    ix.upsert([IndexDoc(**{**docs[0].__dict__, "decision": "duplicate"})])
    assert ids(ix.search("", SearchFilters(decisions=("counted",)))) == {3}


def test_large_result_sets_report_an_estimate_or_exact_total(tmp_path: Path, engine: str) -> None:
    ix = open_index(tmp_path / "ix", engine)
    ix.upsert(make_doc(i, f"标题{i}", "教学反思" * (1 + i % 7)) for i in range(1, 121))
    page = ix.search("反思", per_page=10)
    assert len(page.hits) == 10
    assert page.total == 120 if page.total_exact else page.total >= 10
    small = ix.search("反思", SearchFilters(item_ids=(3, 4, 5)), per_page=10)
    assert small.total_exact and small.total == 3


def _private_bytes() -> int:
    """Private (not shared with other processes or the page cache) memory of this process."""
    total = 0
    with open("/proc/self/smaps_rollup") as fh:
        for line in fh:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1]) * 1024
    return total


def test_whoosh_private_memory_stays_flat_across_threads(
    tmp_path: Path, corpus: dict[str, str]
) -> None:
    """200 queries over 8 threads: one shared searcher, not one copy of the index per thread."""
    paragraphs = [p for text in corpus.values() for p in text.splitlines() if len(p) > 10]
    rng = random.Random(5)
    docs = []
    for i in range(1, 151):
        parts: list[str] = []
        while sum(map(len, parts)) < 3000:
            parts.append(rng.choice(paragraphs))
        docs.append(make_doc(i, f"教学资料{i}", "\n".join(parts)))
    ix = open_index(tmp_path / "ix", "whoosh")
    ix.upsert(docs)
    size = sum(f.stat().st_size for f in (tmp_path / "ix").iterdir())
    queries = ["反思", "课", "教学设计", '"醉翁亭记"', "学生 兴趣", "宋代 OR 机器人", "问题链"]
    ix.search("反思")  # the shared searcher is open before the baseline
    before = _private_bytes()
    errors: list[BaseException] = []
    done, measured = threading.Barrier(9), threading.Event()

    def work(n: int) -> None:
        try:
            for k in range(25):
                ix.search(queries[(n + k) % len(queries)], per_page=10)
        except BaseException as exc:  # surfaced below
            errors.append(exc)
        done.wait()
        measured.wait(60)  # threads (and anything they hold) stay alive until measured

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    done.wait()
    growth = _private_bytes() - before
    measured.set()
    for thread in threads:
        thread.join()
    assert errors == []
    # a searcher per thread copied the whole index into each thread: ~8 x size
    assert growth < 2 * size + 20 * 1024 * 1024, (growth, size)
