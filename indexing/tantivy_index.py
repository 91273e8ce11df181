"""The tantivy engine (PyPI ``tantivy``): for a county (250,000 items, many inspectors at once).

The text is analysed by the same code as for Whoosh (``analysis.py``) and handed to tantivy
pre-tokenized, positions included, so both engines index the same word and gram streams and
answer the same query tree (``query.py``) with the same meaning. Search runs in Rust, in
parallel across threads, on memory-mapped files shared by every thread.
"""

from __future__ import annotations

import json
import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import tantivy as T

from indexing import analysis
from indexing.analysis import QueryPart
from indexing.model import (
    TITLE_BOOST,
    IndexBusyError,
    IndexDoc,
    IndexUnavailableError,
    SearchFilters,
    SearchPage,
)
from indexing.query import (
    AllOf,
    AndMaybe,
    AnyOf,
    Exclude,
    Match,
    Negate,
    Node,
    check_paging,
    compile_query,
    hits_of,
)

__all__ = ["TantivyIndex"]

_log = logging.getLogger(__name__)
_T = TypeVar("_T")

SCHEMA_VERSION = 1  # bump with the schema: an index of another version is recreated empty
_VERSION_FILE = "archive-schema.json"
WRITER_HEAP = 64_000_000  # bytes buffered before tantivy flushes a segment (bounds memory)
_FILTER_FIELDS = ("kind", "year", "school", "owner", "decision")
_locks_guard = threading.Lock()
_process_locks: dict[Path, threading.Lock] = {}


def build_schema() -> T.Schema:
    builder = T.SchemaBuilder()
    builder.add_unsigned_field("item_id", stored=True, indexed=True, fast=True)
    builder.add_text_field("stamp_key", fast=True, tokenizer_name="raw", index_option="basic")
    for name in ("title", "content", "title_grams", "content_grams", "teacher"):
        builder.add_text_field(name, tokenizer_name="raw")  # pre-tokenized, positions kept
    for name in _FILTER_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    builder.add_bytes_field("body", stored=True)
    return builder.build()


def _signature() -> str:
    return json.dumps({"schema": SCHEMA_VERSION, "analysis": analysis.ANALYSIS_VERSION})


def _tokens(stream: Iterator[tuple[str, int, int, int]], text: str) -> T.PreTokenizedString:
    tokens = [T.Token(word, pos, start, end) for word, pos, start, end in stream]
    return T.PreTokenizedString(text, tokens)


def _document(doc: IndexDoc) -> T.Document:
    out = T.Document()
    out.add_unsigned("item_id", doc.item_id)
    out.add_text("stamp_key", f"{doc.item_id}\t{doc.stamp}")
    out.add_pre_tokenized_text("title", _tokens(analysis.word_tokens(doc.title), doc.title))
    out.add_pre_tokenized_text("content", _tokens(analysis.word_tokens(doc.text), ""))
    out.add_pre_tokenized_text("title_grams", _tokens(analysis.gram_tokens(doc.title), ""))
    out.add_pre_tokenized_text("content_grams", _tokens(analysis.gram_tokens(doc.text), ""))
    out.add_pre_tokenized_text(
        "teacher", _tokens(analysis.gram_tokens(doc.teacher_name), doc.teacher_name))
    for name, value in (("kind", doc.kind), ("year", doc.academic_year),
                        ("school", "" if doc.school_id is None else str(doc.school_id)),
                        ("owner", str(doc.owner_id)), ("decision", doc.decision)):
        if value:
            out.add_text(name, value)
    out.add_bytes("body", doc.text.encode())
    return out


class TantivyIndex:
    """Full-text index of archive items (tantivy on local disk)."""

    engine = "tantivy"

    def __init__(self, path: Path, *, extra_words: Iterable[str] = (),
                 lock_timeout: float = 30.0) -> None:
        self._path = Path(path).resolve()
        self._path.mkdir(parents=True, exist_ok=True)
        with _locks_guard:
            self._lock = _process_locks.setdefault(self._path, threading.Lock())
        self._lock_timeout = lock_timeout
        analysis.add_words(extra_words)
        self._schema = build_schema()
        self.created = False
        self._index = self._open_or_create()
        self._seen: tuple[int, int] | None = None

    @property
    def path(self) -> Path:
        return self._path

    def _searcher(self) -> T.Searcher:
        """A searcher on the latest commit, this process's or another's (``meta.json``
        changes with every commit; one stat per search, a reload only after a commit)."""
        stat = (self._path / "meta.json").stat()
        seen = (stat.st_mtime_ns, stat.st_size)
        if seen != self._seen:
            self._index.reload()
            self._seen = seen
        return self._index.searcher()

    def _open_or_create(self) -> T.Index:
        marker = self._path / _VERSION_FILE
        with self._lock:
            if marker.exists() and marker.read_text() == _signature():
                try:
                    return T.Index(self._schema, str(self._path), reuse=True)
                except ValueError:
                    _log.exception("cannot open search index at %s; recreating it empty",
                                   self._path)
            for child in self._path.iterdir():
                if child.is_file():
                    child.unlink()
            index = T.Index(self._schema, str(self._path), reuse=False)
            marker.write_text(_signature())
            self.created = True
            return index

    # writing

    def upsert(self, docs: Iterable[IndexDoc]) -> int:
        batch = {doc.item_id: doc for doc in docs}
        if not batch:
            return 0
        with self._writer() as writer:
            writer.delete_documents_by_query(self._ids_query(batch))
            for doc in batch.values():
                writer.add_document(_document(doc))
        return len(batch)

    def delete(self, item_ids: Iterable[int]) -> None:
        ids = sorted(set(item_ids))
        if not ids:
            return
        with self._writer() as writer:
            writer.delete_documents_by_query(self._ids_query(ids))

    def _ids_query(self, item_ids: Iterable[int]) -> T.Query:
        """By query: 0.27's ``delete_documents_by_term`` misses unsigned fields."""
        return T.Query.term_set_query(self._schema, "item_id", list(item_ids))

    def clear(self) -> None:
        with self._writer() as writer:
            writer.delete_all_documents()

    def optimize(self) -> None:
        """tantivy merges segments in the background as it commits; nothing to do."""

    def close(self) -> None:
        """Nothing held between calls (writers live for one commit)."""

    @contextmanager
    def _writer(self) -> Iterator[T.IndexWriter]:
        with self._lock:
            writer = self._retry(lambda: self._index.writer(WRITER_HEAP, 1))
            try:
                yield writer
            except BaseException:
                writer.rollback()
                raise
            writer.commit()
            writer.wait_merging_threads()
        self._index.reload()

    def _retry(self, action: Callable[[], _T]) -> _T:
        """Another process holds tantivy's writer lock: back off up to the timeout."""
        deadline = time.monotonic() + self._lock_timeout
        delay = 0.02
        while True:
            try:
                return action()
            except ValueError as exc:
                if "lock" not in str(exc).lower() or time.monotonic() + delay > deadline:
                    if "lock" in str(exc).lower():
                        raise IndexBusyError("检索索引正在被其他进程写入，请稍后重试。") from None
                    raise
                time.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 1.0)

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
        check_paging(page, per_page)
        compiled = compile_query(q)
        query = self._translate(compiled.tree) if compiled else T.Query.all_query()
        allow = self._filter_query(filters)
        if allow is not None:
            query = T.Query.boolean_query([(T.Occur.Must, query), (T.Occur.Must, allow)])
        options: dict[str, Any] = {"limit": per_page, "offset": (page - 1) * per_page,
                                   "count": True}
        if compiled is None:
            options |= {"order_by_field": "item_id", "order": T.Order.Desc}
        with _unreadable_as_unavailable():
            searcher = self._searcher()
            result = searcher.search(query, **options)
            docs = [(searcher.doc(address), key) for key, address in result.hits]
        rows = [(int(doc["item_id"][0]), float(key), doc["body"][0].decode() if snippets else "")
                for doc, key in docs]
        return SearchPage(total=int(getattr(result, "count", 0) or 0),
                          hits=hits_of(rows, compiled, snippets))

    def stamps(self, item_ids: Iterable[int] | None = None) -> dict[int, str]:
        """``item_id -> stamp`` for every indexed document (or those of ``item_ids``), from a
        columnar aggregation (no stored documents are read)."""
        wanted = None if item_ids is None else sorted(set(item_ids))
        if wanted == []:
            return {}
        with _unreadable_as_unavailable():
            searcher = self._searcher()
            size = searcher.num_docs if wanted is None else len(wanted)
            if not size:
                return {}
            query = T.Query.all_query() if wanted is None else self._ids_query(wanted)
            result = searcher.aggregate(query, {
                "stamps": {"terms": {"field": "stamp_key", "size": size}}})
        out = {}
        for bucket in result["stamps"]["buckets"]:
            item_id, _, stamp = str(bucket["key"]).partition("\t")
            out[int(item_id)] = stamp
        return out

    def doc_count(self) -> int:
        with _unreadable_as_unavailable():
            return int(self._searcher().num_docs)

    # query translation

    def _translate(self, node: Node) -> T.Query:
        if isinstance(node, Match):
            return self._part_query(node.part, node.fields)
        if isinstance(node, (AllOf, AnyOf)):
            occur = T.Occur.Must if isinstance(node, AllOf) else T.Occur.Should
            return T.Query.boolean_query([(occur, self._translate(c)) for c in node.children])
        if isinstance(node, Negate):
            return T.Query.boolean_query([(T.Occur.Must, T.Query.all_query()),
                                          (T.Occur.MustNot, self._translate(node.child))])
        if isinstance(node, Exclude):
            return T.Query.boolean_query([(T.Occur.Must, self._translate(node.keep)),
                                          (T.Occur.MustNot, self._translate(node.drop))])
        if isinstance(node, AndMaybe):
            return T.Query.boolean_query([(T.Occur.Must, self._translate(node.must)),
                                          (T.Occur.Should, self._translate(node.maybe))])
        raise TypeError(f"unknown query node {node!r}")

    def _part_query(self, part: QueryPart, fields: tuple[str, ...]) -> T.Query:
        """The same shape as the Whoosh engine: grams decide matching, words rank."""
        if "teacher" in fields:
            return self._sequence("teacher", part.grams)
        if not part.has_cjk:
            return _any([self._sequence(f, part.words, _boost(f)) for f in fields])
        match = _any([self._sequence(f"{f}_grams", part.grams, _boost(f)) for f in fields])
        rank = _any([_boosted(T.Query.term_query(self._schema, f, word), _boost(f))
                     for f in fields for word in sorted(set(part.words))])
        return T.Query.boolean_query([(T.Occur.Must, match), (T.Occur.Should, rank)])

    def _sequence(self, field: str, terms: tuple[str, ...], boost: float = 1.0) -> T.Query:
        if len(terms) == 1:
            query = T.Query.term_query(self._schema, field, terms[0])
        else:
            query = T.Query.phrase_query(self._schema, field, list(terms))
        return _boosted(query, boost)

    def _filter_query(self, filters: SearchFilters) -> T.Query | None:
        clauses = [T.Query.term_set_query(self._schema, name, list(values))
                   for name, values in filters.fields()]
        if filters.item_ids:
            clauses.append(T.Query.term_set_query(self._schema, "item_id", list(filters.item_ids)))
        if not clauses:
            return None
        allow = T.Query.boolean_query([(T.Occur.Must, clause) for clause in clauses])
        return T.Query.const_score_query(allow, 0.0)


def _boost(field: str) -> float:
    return TITLE_BOOST if field == "title" else 1.0


def _boosted(query: T.Query, boost: float) -> T.Query:
    return query if boost == 1.0 else T.Query.boost_query(query, boost)


def _any(queries: list[T.Query]) -> T.Query:
    if len(queries) == 1:
        return queries[0]
    return T.Query.boolean_query([(T.Occur.Should, query) for query in queries])


@contextmanager
def _unreadable_as_unavailable() -> Iterator[None]:
    """A deleted or damaged index file surfaces as ``IndexUnavailableError``."""
    try:
        yield
    except (OSError, ValueError) as exc:
        text = str(exc).lower()
        if isinstance(exc, ValueError) and not any(
                word in text for word in ("io", "file", "corrupt", "open", "not found")):
            raise
        _log.exception("search index unreadable")
        raise IndexUnavailableError("检索索引正在重建，请稍后再试。") from exc
