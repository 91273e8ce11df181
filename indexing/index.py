"""Whoosh-backed full-text index; only plain dataclasses cross this module's boundary."""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from whoosh import collectors, matching
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.qparser import FieldAliasPlugin, QueryParser, syntax
from whoosh.qparser.plugins import (
    BoostPlugin,
    EveryPlugin,
    RangePlugin,
    SingleQuotePlugin,
    WildcardPlugin,
)
from whoosh.query.spans import Span, SpanNear2
from whoosh.searching import Results, Searcher
from whoosh.writing import CLEAR, NO_MERGE, OPTIMIZE, SegmentWriter

from indexing import analysis
from indexing.analysis import GramTokenizer, QueryPart, WordTokenizer

__all__ = [
    "Hit",
    "IndexBusyError",
    "IndexDoc",
    "QueryError",
    "SearchFilters",
    "SearchIndex",
    "SearchPage",
]

_log = logging.getLogger(__name__)

TITLE_BOOST = 3.0
MAX_QUERY_CHARS = 200
MAX_QUERY_PARTS = 24
MAX_PER_PAGE = 10_000  # the app scans up to 2,000 hits (snippets=False) for decision filters
SNIPPET_CHARS = 120
_WRITELOCK_NAME = "MAIN_WRITELOCK"  # FileIndex.lock("WRITELOCK") for the default index name
_T = TypeVar("_T")

SMALL_BATCH = 50  # commits below this size do not merge segments
MAX_SEGMENTS = 24  # ... unless the index has this many


# --- public dataclasses -------------------------------------------------------------------


@dataclass(frozen=True)
class IndexDoc:
    """One archive item as the index sees it."""

    item_id: int
    title: str
    text: str
    kind: str
    academic_year: str
    school_id: int | None
    owner_id: int
    teacher_name: str
    stamp: str


@dataclass(frozen=True)
class SearchFilters:
    """Restrictions ANDed together; an empty tuple means no restriction on that field."""

    kinds: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    school_ids: tuple[int, ...] = ()
    owner_ids: tuple[int, ...] = ()
    item_ids: tuple[int, ...] = ()  # e.g. snippets for a page of hits chosen elsewhere


@dataclass(frozen=True)
class Hit:
    item_id: int
    score: float
    snippet_html: str


@dataclass(frozen=True)
class SearchPage:
    total: int
    hits: tuple[Hit, ...]


class QueryError(ValueError):
    """The query cannot be searched; the message is meant for the user (Chinese)."""


class IndexBusyError(RuntimeError):
    """Whoosh's write lock stayed taken for longer than the configured timeout."""


# --- schema -------------------------------------------------------------------------------


def build_schema() -> Schema:
    """Return the index schema (compared with the stored one on open)."""
    return Schema(
        item_id=NUMERIC(int, bits=64, signed=False, unique=True, stored=True, sortable=True),
        stamp=ID(sortable=True),
        title=TEXT(analyzer=WordTokenizer(), phrase=True),
        content=TEXT(analyzer=WordTokenizer(), phrase=True, stored=True),
        title_grams=TEXT(analyzer=GramTokenizer(), phrase=True),
        content_grams=TEXT(analyzer=GramTokenizer(), phrase=True),
        teacher=TEXT(analyzer=GramTokenizer(), phrase=True),
        kind=ID,
        year=ID,
        school=ID,
        owner=ID,
    )


def _signature(schema: Schema) -> list[tuple[object, ...]]:
    """Comparable description of a schema (Whoosh's own ``==`` fails on column objects)."""
    rows: list[tuple[object, ...]] = []
    for name in schema.names():
        field = schema[name]
        rows.append((
            name,
            type(field).__name__,
            type(getattr(field, "analyzer", None)).__name__,
            getattr(getattr(field, "analyzer", None), "version", None),
            type(field.format).__name__,
            field.stored,
            field.unique,
            getattr(field.format, "field_boost", None),
            type(field.column_type).__name__,
        ))
    return rows


def _doc_fields(doc: IndexDoc) -> dict[str, object]:
    fields: dict[str, object] = {
        "item_id": doc.item_id,
        "stamp": doc.stamp,
        "title": doc.title,
        "content": doc.text,
        "title_grams": doc.title,
        "content_grams": doc.text,
        "teacher": doc.teacher_name,
        "kind": doc.kind,
        "year": doc.academic_year,
        "owner": str(doc.owner_id),
    }
    if doc.school_id is not None:
        fields["school"] = str(doc.school_id)
    return fields


def _filter_query(filters: SearchFilters) -> Q.Query | None:
    clauses = []
    for field, values in (
        ("kind", filters.kinds),
        ("year", filters.years),
        ("school", tuple(map(str, filters.school_ids))),
        ("owner", tuple(map(str, filters.owner_ids))),
        ("item_id", filters.item_ids),
    ):
        if values:
            clauses.append(Q.Or([Q.Term(field, value) for value in values]))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else Q.And(clauses)


# --- query parsing and widening -----------------------------------------------------------

_SCOPES = {
    "any": ("title", "content"),
    "title": ("title",),
    "content": ("content",),
    "teacher": ("teacher",),
}
_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
_QUERY_FOLD = str.maketrans({"“": '"', "”": '"', "＂": '"', "「": '"', "」": '"', "『": '"',
                             "』": '"', "（": "(", "）": ")", "：": ":", "\u3000": " "})
_parser_lock = threading.Lock()
_parser: QueryParser | None = None


def _get_parser() -> QueryParser:
    """Return a parser that only understands syntax: fields, phrases, groups, operators."""
    global _parser
    with _parser_lock:
        if _parser is None:
            raw = TEXT(analyzer=SpaceSeparatedTokenizer())
            schema = Schema(any=raw, title=raw, content=raw, teacher=raw)
            parser = QueryParser("any", schema, group=syntax.AndGroup)
            for plugin in (SingleQuotePlugin, WildcardPlugin, RangePlugin, BoostPlugin,
                           EveryPlugin):
                parser.remove_plugin_class(plugin)
            parser.add_plugin(FieldAliasPlugin(
                {"title": ["标题"], "content": ["正文", "内容"], "teacher": ["教师", "作者"]}
            ))
            _parser = parser
        return _parser


@dataclass
class _Built:
    query: Q.Query
    highlight: list[QueryPart]


def build_query(text: str) -> _Built | None:
    """Parse user input into a widened Whoosh query; ``None`` for an empty query."""
    text = text.translate(_QUERY_FOLD).strip()
    if not text:
        return None
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"检索词过长（最多 {MAX_QUERY_CHARS} 个字符）。")
    _check_balance(text)
    try:
        parsed = _get_parser().parse(text)
    except Exception as exc:  # Whoosh is lenient; anything it raises is a syntax problem
        raise QueryError("无法理解检索式，请检查引号、括号和 AND / OR / NOT 的用法。") from exc
    widener = _Widener()
    query = widener.widen(parsed, positive=True)
    if query is None:
        raise QueryError("检索词只包含标点符号或停用字，请输入具体的关键词。")
    if widener.part_count > MAX_QUERY_PARTS:
        raise QueryError(f"检索词太多（最多 {MAX_QUERY_PARTS} 个），请精简后再试。")
    return _Built(query, widener.highlight)


def _check_balance(text: str) -> None:
    """Reject unbalanced quotes and parentheses (Whoosh would silently guess)."""
    if text.count('"') % 2:
        raise QueryError("引号不成对，请补全或删除引号。")
    depth = 0
    for part in re.split(r'"[^"]*"', text):
        for ch in part:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth < 0:
                break
        if depth < 0:
            break
    if depth:
        raise QueryError("括号不成对，请检查“(”和“)”。")


class _Widener:
    """Rewrite a parsed query: every term becomes word-field OR gram-field alternatives."""

    def __init__(self) -> None:
        self.highlight: list[QueryPart] = []
        self.part_count = 0

    def widen(self, node: Q.Query, positive: bool) -> Q.Query | None:
        if isinstance(node, Q.Term):
            return self._leaf(str(node.text), node.fieldname, positive)
        if isinstance(node, Q.Phrase):
            return self._leaf(" ".join(node.words), node.fieldname, positive)
        if isinstance(node, Q.Not):
            child = self.widen(node.query, not positive)
            return Q.Not(child) if child is not None else None
        if isinstance(node, (Q.And, Q.Or)):
            return self._compound(node, positive)
        if isinstance(node, Q.BinaryQuery):
            return self._binary(node, positive)
        if node is Q.NullQuery:
            return None
        raise QueryError("不支持的检索语法。")

    def _compound(self, node: Q.And | Q.Or, positive: bool) -> Q.Query | None:
        kids = [k for k in (self.widen(q, positive) for q in node.subqueries) if k is not None]
        if not kids:
            return None
        return kids[0] if len(kids) == 1 else type(node)(kids)

    def _binary(self, node: Q.BinaryQuery, positive: bool) -> Q.Query | None:
        negates_b = isinstance(node, Q.AndNot)
        a = self.widen(node.a, positive)
        b = self.widen(node.b, not positive if negates_b else positive)
        if a is None or b is None:
            if negates_b and a is None and b is not None:
                return Q.Not(b)
            return a if a is not None else b
        return type(node)(a, b)

    def _leaf(self, text: str, fieldname: str | None, positive: bool) -> Q.Query | None:
        if text in _OPERATORS:
            raise QueryError(f"“{text}”前后缺少检索词。")
        fields = _SCOPES.get(fieldname or "any", _SCOPES["any"])
        parts = analysis.query_parts(text)
        self.part_count += len(parts)
        if positive and "content" in fields:
            self.highlight.extend(parts)
        queries = [_part_query(part, fields) for part in parts]
        if not queries:
            return None
        return queries[0] if len(queries) == 1 else Q.And(queries)


def _part_query(part: QueryPart, fields: tuple[str, ...]) -> Q.Query:
    """Match one query part; the gram fields decide matching, the word fields add ranking.

    For a part with CJK text, ``(title_grams:G OR content_grams:G) ANDMAYBE (title:w OR
    content:w ...)``, where G is the part as a gram phrase (a single gram term for one or two
    characters) and w are its jieba words. A gram phrase is an exact substring match, so it
    already covers every document the words would match as a phrase; the words only score.
    A part without CJK (Latin words, digits) is a phrase on the word fields.
    """
    if "teacher" in fields:
        return _sequence("teacher", part.grams)
    if not part.has_cjk:
        return _any([_sequence(field, part.words, _boost(field)) for field in fields])
    match = _any([
        _sequence(f"{field}_grams", part.grams, _boost(field), _proof(field, part))
        for field in fields
    ])
    words = sorted(set(part.words))
    rank = _any([Q.Term(f, word, boost=_boost(f)) for f in fields for word in words])
    return Q.AndMaybe(match, rank)


def _proof(field: str, part: QueryPart) -> Q.Term | None:
    """The part as a single word of ``field``, when jieba keeps it whole."""
    if len(part.words) == 1 and part.words[0] == "".join(part.pieces):
        return Q.Term(field, part.words[0])
    return None


def _boost(field: str) -> float:
    """Query-time boost: linear, unlike index-time field_boost which BM25 saturates."""
    return TITLE_BOOST if field == "title" else 1.0


def _any(queries: list[Q.Query]) -> Q.Query:
    return queries[0] if len(queries) == 1 else Q.Or(queries)


def _sequence(
    field: str, terms: tuple[str, ...], boost: float = 1.0, shortcut: Q.Term | None = None
) -> Q.Query:
    if len(terms) == 1:
        return Q.Term(field, terms[0], boost=boost)
    return _AdjacentPhrase(field, list(terms), boost=boost, shortcut=shortcut)


class _AdjacentPhrase(Q.Phrase):
    """A slop-1 phrase with a cheaper adjacency check than Whoosh's generic span code.

    Whoosh builds span objects for every occurrence of every word; this intersects the sets of
    start positions instead. ``shortcut`` is a term whose presence in a document proves the
    phrase (the query part as one jieba word: content:机器人 implies content_grams:机器 器人 in a
    row), so the position check only runs where jieba segmented the text differently.
    """

    def __init__(self, fieldname: str, words: list[str], boost: float = 1.0,
                 shortcut: Q.Term | None = None) -> None:
        super().__init__(fieldname, words, boost=boost)
        self.shortcut = shortcut

    def matcher(self, searcher: Searcher, context: object = None) -> matching.Matcher:
        field = searcher.schema[self.fieldname]
        reader = searcher.reader()
        matchers = []
        for word in self.words:
            btext = field.to_bytes(word)
            if (self.fieldname, btext) not in reader:
                return matching.NullMatcher()
            matchers.append(Q.Term(self.fieldname, btext).matcher(searcher, context))
        proof = None
        if self.shortcut is not None and (self.shortcut.fieldname, self.shortcut.text) in reader:
            proof = self.shortcut.matcher(searcher, context)
        matcher = _AdjacentMatcher(matchers, proof)
        if self.boost != 1.0:
            return matching.WrappingMatcher(matcher, boost=self.boost)
        return matcher


class _AdjacentMatcher(SpanNear2.SpanNear2Matcher):
    """Matches documents where word i occurs at position p + i for some p."""

    def __init__(self, matchers: list[matching.Matcher], proof: matching.Matcher | None) -> None:
        self.proof = proof  # set first: the base class looks for the first match at once
        super().__init__(matchers, slop=1, ordered=True, mindist=1)

    def copy(self) -> _AdjacentMatcher:
        proof = self.proof.copy() if self.proof is not None else None
        return _AdjacentMatcher([m.copy() for m in self.ms], proof)

    def _proven(self) -> bool:
        proof, doc = self.proof, self.child.id()
        if proof is None or not proof.is_active():
            return False
        if proof.id() < doc:
            proof.skip_to(doc)
        return proof.is_active() and proof.id() == doc

    def _get_spans(self) -> list[Span]:
        last = len(self.ms) - 1
        if self._proven():
            return [Span(0, last)]  # only non-emptiness matters to the callers
        starts = set(self.ms[0].value_as("positions"))
        for offset in range(1, len(self.ms)):
            starts.intersection_update([p - offset for p in self.ms[offset].value_as("positions")])
            if not starts:
                return []
        return [Span(start, start + last) for start in sorted(starts)]


# --- the index ----------------------------------------------------------------------------

_locks_guard = threading.Lock()
_process_locks: dict[Path, threading.Lock] = {}


def _process_lock(path: Path) -> threading.Lock:
    """One lock per index directory, shared by every SearchIndex of this process."""
    with _locks_guard:
        return _process_locks.setdefault(path, threading.Lock())


class SearchIndex:
    """Full-text index of archive items (Whoosh on local disk)."""

    def __init__(
        self, path: Path, *, extra_words: Iterable[str] = (), lock_timeout: float = 30.0
    ) -> None:
        """Open the index at ``path``, creating it (or rebuilding it empty when the stored
        schema differs from this code's schema: the index is derived data, reindex refills it).
        """
        self._path = Path(path).resolve()
        self._path.mkdir(parents=True, exist_ok=True)
        self._lock = _process_lock(self._path)
        self._lock_timeout = lock_timeout
        analysis.add_words(extra_words)
        self._schema = build_schema()
        self._local = threading.local()
        self._ix = self._open_or_create()

    # writing

    def upsert(self, docs: Iterable[IndexDoc]) -> int:
        """Add or replace documents by ``item_id`` in one commit; return how many."""
        batch = {doc.item_id: doc for doc in docs}
        if not batch:
            return 0
        with self._writer(self._merge_policy(len(batch))) as writer:
            for doc in batch.values():
                writer.update_document(**_doc_fields(doc))
        return len(batch)

    def delete(self, item_ids: Iterable[int]) -> None:
        """Remove documents; unknown ids are ignored."""
        ids = sorted(set(item_ids))
        if not ids:
            return
        with self._writer(self._merge_policy(len(ids))) as writer:
            for item_id in ids:
                writer.delete_by_term("item_id", item_id)

    def optimize(self) -> None:
        """Merge every segment into one (after a reindex, or from a maintenance job)."""
        with self._writer(OPTIMIZE):
            pass

    def _merge_policy(self, batch: int) -> Callable | None:
        """Small commits (an upload) skip merging, which can rewrite the whole index and take
        a minute; segments are merged by larger batches or once there are too many."""
        if batch >= SMALL_BATCH or len(self._ix._segments()) >= MAX_SEGMENTS:
            return None  # Whoosh's default: merge small segments
        return NO_MERGE

    def clear(self) -> None:
        """Remove every document (before a full reindex)."""
        with self._writer(mergetype=CLEAR):
            pass
        self._local = threading.local()

    # reading

    def search(
        self,
        q: str,
        filters: SearchFilters = SearchFilters(),  # noqa: B008 - frozen, immutable default
        *,
        page: int = 1,
        per_page: int = 20,
        snippets: bool = True,
    ) -> SearchPage:
        """Search; an empty ``q`` lists everything in scope, newest item id first."""
        if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
            raise ValueError(f"page must be >= 1 and per_page in 1..{MAX_PER_PAGE}")
        built = build_query(q)
        pattern = analysis.needle_pattern(built.highlight) if built else None
        limit = page * per_page
        searcher = self._searcher()
        results = _run(searcher, built.query if built else None, _filter_query(filters), limit)
        if not results:
            return SearchPage(total=0, hits=())
        ids = searcher.reader().column_reader("item_id")
        hits = []
        for hit in results[limit - per_page : limit]:
            snippet = ""
            if snippets:
                content = searcher.stored_fields(hit.docnum).get("content", "")
                snippet = analysis.make_snippet(content, pattern, SNIPPET_CHARS)
            score = float(hit.score or 0.0) if built is not None else 0.0
            hits.append(Hit(int(ids[hit.docnum]), score, snippet))
        return SearchPage(total=len(results), hits=tuple(hits))

    def stamps(self) -> dict[int, str]:
        """Return ``item_id -> stamp`` for every indexed document."""
        reader = self._searcher().reader()
        if not reader.has_column("item_id"):  # no segments yet
            return {}
        ids = reader.column_reader("item_id")
        stamps = reader.column_reader("stamp")
        return {int(ids[n]): str(stamps[n]) for n in reader.all_doc_ids()}

    def doc_count(self) -> int:
        """Number of live documents."""
        return self._searcher().doc_count()

    # internals

    def _searcher(self) -> Searcher:
        """This thread's searcher, reopened when a commit made it stale.

        Whoosh readers share file objects, so a searcher is never shared between threads;
        keeping one per thread saves reopening every segment on each search. Not
        ``Searcher.refresh()``: whoosh-reloaded 2.7.5's reader reuse keeps segments that a
        merge replaced, so a refreshed searcher returns duplicates.
        """
        old = getattr(self._local, "searcher", None)
        if old is not None:
            if old.up_to_date():
                return old
            old.close()
        self._local.searcher = searcher = self._ix.searcher()
        return searcher

    def _open_or_create(self) -> whoosh_index.Index:
        existing = self._try_open()
        if existing is not None:
            return existing
        with self._lock, self._file_lock():
            existing = self._try_open()
            if existing is not None:
                return existing
            if whoosh_index.exists_in(str(self._path)):
                _log.warning("search index at %s has an old schema; recreating it empty",
                             self._path)
            return whoosh_index.create_in(str(self._path), self._schema)

    def _try_open(self) -> whoosh_index.Index | None:
        if not whoosh_index.exists_in(str(self._path)):
            return None
        try:
            ix = whoosh_index.open_dir(str(self._path))
        except Exception:  # unreadable TOC or unpicklable old schema: treat as outdated
            _log.exception("cannot open search index at %s", self._path)
            return None
        if _signature(ix.schema) != _signature(self._schema):
            return None
        return ix

    @contextmanager
    def _file_lock(self) -> Iterator[None]:
        """Hold Whoosh's own write lock (the one SegmentWriter takes)."""
        lock = FileStorage(str(self._path)).lock(_WRITELOCK_NAME)
        self._retry(lambda: lock.acquire(blocking=False) or _raise_lock_error())
        try:
            yield
        finally:
            lock.release()

    @contextmanager
    def _writer(self, mergetype: Callable | None = None) -> Iterator[SegmentWriter]:
        """One writer at a time: process lock first, then Whoosh's lock with backoff."""
        with self._lock:
            writer = self._retry(self._ix.writer)
            try:
                yield writer
            except BaseException:
                writer.cancel()
                raise
            writer.commit(mergetype=mergetype)

    def _retry(self, action: Callable[[], _T]) -> _T:
        """Call ``action`` until it stops raising LockError, backing off up to the timeout."""
        deadline = time.monotonic() + self._lock_timeout
        delay = 0.02
        while True:
            try:
                return action()
            except LockError:
                if time.monotonic() + delay > deadline:
                    raise IndexBusyError("检索索引正在被其他进程写入，请稍后重试。") from None
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 1.0)


def _run(searcher: Searcher, query: Q.Query | None, allow: Q.Query | None, limit: int) -> Results:
    """Collect the top ``limit`` documents in one pass with an exact total.

    Whoosh's default top-N collector prunes by score (``replace(minscore)`` turns ANDMAYBE into
    AND) while still reporting its count as exact, so totals came out too low; pruning is off.
    An empty query lists every document, highest item id first.
    """
    if query is None:
        query = Q.Every()
        collector = collectors.SortingCollector("item_id", limit=limit, reverse=True)
    else:
        collector = collectors.TopCollector(limit, usequality=False, replace=0)
    if allow is not None:
        collector = collectors.FilterCollector(collector, allow=allow)
    searcher.search_with_collector(query, collector)
    return collector.results()


def _raise_lock_error() -> bool:
    raise LockError
