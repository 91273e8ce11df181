"""The Whoosh engine: an embedded full-text index on local disk (the default, for a school).

Query meaning lives in ``query.py`` (shared with the tantivy engine) and ``whoosh_query.py``;
this module holds the schema, the writer and one shared searcher.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from whoosh import collectors
from whoosh import index as whoosh_index
from whoosh import query as Q
from whoosh.fields import ID, NUMERIC, TEXT, Schema
from whoosh.filedb.filestore import FileStorage
from whoosh.index import LockError
from whoosh.searching import Results, Searcher
from whoosh.writing import CLEAR, NO_MERGE, OPTIMIZE, SegmentWriter

from indexing import analysis
from indexing.analysis import GramTokenizer, WordTokenizer
from indexing.model import (
    IndexBusyError,
    IndexDoc,
    IndexUnavailableError,
    SearchFilters,
    SearchPage,
)
from indexing.query import check_paging, compile_query, hits_of
from indexing.whoosh_query import to_whoosh

__all__ = ["WhooshIndex"]

_log = logging.getLogger(__name__)

_WRITELOCK_NAME = "MAIN_WRITELOCK"  # FileIndex.lock("WRITELOCK") for the default index name
_T = TypeVar("_T")

SMALL_BATCH = 50  # commits below this size do not merge segments
MAX_SEGMENTS = 24  # ... unless the index has this many


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
        decision=ID,
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
        "decision": doc.decision,
    }
    if doc.school_id is not None:
        fields["school"] = str(doc.school_id)
    return fields


def _filter_query(filters: SearchFilters) -> Q.Query | None:
    clauses = [Q.Or([Q.Term(name, value) for value in values]) for name, values in filters.fields()]
    if filters.item_ids:
        clauses.append(Q.Or([Q.Term("item_id", value) for value in filters.item_ids]))
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else Q.And(clauses)


# --- the index ----------------------------------------------------------------------------

_locks_guard = threading.Lock()
_process_locks: dict[Path, threading.Lock] = {}


def _process_lock(path: Path) -> threading.Lock:
    """One lock per index directory, shared by every SearchIndex of this process."""
    with _locks_guard:
        return _process_locks.setdefault(path, threading.Lock())


class WhooshIndex:
    """Full-text index of archive items (Whoosh on local disk).

    One searcher per instance, shared by every thread under a lock and reopened at most once
    per commit: Whoosh's segment readers copy the memory-mapped files into private memory
    (``BufferFile`` wraps them in a ``BytesIO``) and keep seek positions, so a searcher per
    thread multiplies memory by the thread count and a searcher cannot be used by two threads
    at once. Searching is pure Python (serial under the GIL anyway); snippets are cut outside
    the lock.
    """

    engine = "whoosh"

    def __init__(
        self, path: Path, *, extra_words: Iterable[str] = (), lock_timeout: float = 30.0
    ) -> None:
        """Open the index at ``path``, creating it (or rebuilding it empty when the stored
        schema differs from this code's schema: the index is derived data, reindex refills it).
        ``created`` tells the caller that the index started empty and needs a rebuild.
        """
        self._path = Path(path).resolve()
        self._path.mkdir(parents=True, exist_ok=True)
        self._lock = _process_lock(self._path)
        self._lock_timeout = lock_timeout
        analysis.add_words(extra_words)
        self._schema = build_schema()
        self._search_lock = threading.Lock()
        self._shared: Searcher | None = None
        self.created = False
        self._ix = self._open_or_create()

    @property
    def path(self) -> Path:
        return self._path

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
        """Merge every segment into one (a maintenance job; reindex does not need it)."""
        with self._writer(OPTIMIZE):
            pass

    def _merge_policy(self, batch: int) -> Callable | None:
        """Small commits (an upload) skip merging, which can rewrite the whole index and take
        a minute; segments are merged by larger batches or once there are too many."""
        if batch >= SMALL_BATCH or self._segment_count() >= MAX_SEGMENTS:
            return None  # Whoosh's default: merge small segments
        return NO_MERGE

    def _segment_count(self) -> int:
        """Segments of the current commit, through the public reader API."""
        with self._search_lock:
            return len(self._searcher().reader().leaf_readers())

    def clear(self) -> None:
        """Remove every document."""
        with self._writer(mergetype=CLEAR):
            pass

    def close(self) -> None:
        with self._search_lock:
            if self._shared is not None:
                self._shared.close()
                self._shared = None

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
        check_paging(page, per_page)
        compiled = compile_query(q)
        query = to_whoosh(compiled.tree) if compiled else None
        limit = page * per_page
        with self._search_lock, _unreadable_as_unavailable():
            searcher = self._searcher()
            results, total, exact = _run(searcher, query, _filter_query(filters), limit)
            found = [(hit.docnum, float(hit.score or 0.0)) for hit in results[limit - per_page:limit]]
            ids = searcher.reader().column_reader("item_id") if found else None
            rows = [(int(ids[n]), score, searcher.stored_fields(n).get("content", "") if snippets
                     else "") for n, score in found] if ids is not None else []
        hits = hits_of(rows, compiled, snippets)
        return SearchPage(total=max(total, len(hits)), hits=hits, total_exact=exact)

    def stamps(self, item_ids: Iterable[int] | None = None) -> dict[int, str]:
        """Return ``item_id -> stamp`` for every indexed document (or those of ``item_ids``)."""
        wanted = None if item_ids is None else sorted(set(item_ids))
        if wanted == []:
            return {}
        with self._search_lock, _unreadable_as_unavailable():
            searcher = self._searcher()
            reader = searcher.reader()
            if not reader.has_column("item_id"):  # no segments yet
                return {}
            ids = reader.column_reader("item_id")
            stamps = reader.column_reader("stamp")
            docnums = reader.all_doc_ids() if wanted is None else searcher.docs_for_query(
                Q.Or([Q.Term("item_id", item_id) for item_id in wanted]))
            return {int(ids[n]): str(stamps[n]) for n in docnums}

    def doc_count(self) -> int:
        """Number of live documents."""
        with self._search_lock, _unreadable_as_unavailable():
            return int(self._searcher().doc_count())

    # internals

    def _searcher(self) -> Searcher:
        """The shared searcher (caller holds ``_search_lock``), reopened after a commit.

        Not ``Searcher.refresh()``: whoosh-reloaded 2.7.5's reader reuse keeps segments that a
        merge replaced, so a refreshed searcher returns duplicates.
        """
        old = self._shared
        if old is not None:
            if old.up_to_date():
                return old
            old.close()
            self._shared = None
        self._shared = searcher = self._ix.searcher()
        return searcher

    def _open_or_create(self) -> whoosh_index.Index:
        existing = self._try_open()
        if existing is not None:
            return existing
        with self._lock, self._file_lock():
            existing = self._try_open()
            if existing is not None:
                return existing
            if _exists(self._path):
                _log.warning("search index at %s is unreadable or has an old schema; "
                             "recreating it empty", self._path)
            self.created = True
            return whoosh_index.create_in(str(self._path), self._schema)

    def _try_open(self) -> whoosh_index.Index | None:
        if not _exists(self._path):
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


def _run(searcher: Searcher, query: Q.Query | None, allow: Q.Query | None,
         limit: int) -> tuple[Results, int, bool]:
    """Collect the top ``limit`` documents; return them, the total and whether it is exact.

    Whoosh's top-N collector prunes once its heap is full: ``replace(minscore)`` turns ANDMAYBE
    into AND and block-quality skipping passes over blocks that cannot beat the minimum score,
    so documents are not all scored and the count is exact only when fewer than ``limit``
    matched (pruning starts when the heap is full). Otherwise the total is an estimate
    (约 N 条): the query's own size estimate without filters, the counted matches (a lower
    bound) with them. An empty query lists
    every document, highest item id first, with an exact count.
    """
    if query is None:
        top: collectors.Collector = collectors.SortingCollector(
            "item_id", limit=limit, reverse=True)
        collector = top
    else:
        top = collectors.TopCollector(limit)
        collector = top
    if allow is not None:
        collector = collectors.FilterCollector(collector, allow=allow)
    searcher.search_with_collector(query or Q.Every(), collector)
    results = collector.results()
    if query is None:
        return results, len(results), True
    counted = int(top.total)
    if counted < limit:  # the heap never filled: nothing was pruned
        return results, counted, True
    if allow is not None:
        return results, counted, False
    estimate = min(query.estimate_size(searcher.reader()), searcher.doc_count())
    return results, max(counted, estimate), False


def _exists(path: Path) -> bool:
    """Whether an index is there; Whoosh's ``exists_in`` raises on a damaged TOC (it is
    there, but unreadable: the caller recreates it)."""
    try:
        return bool(whoosh_index.exists_in(str(path)))
    except Exception:  # noqa: BLE001 - struct/pickle/OS errors of a damaged file
        return True


def _raise_lock_error() -> bool:
    raise LockError


@contextmanager
def _unreadable_as_unavailable() -> Iterator[None]:
    """A deleted or truncated segment file surfaces as ``IndexUnavailableError``."""
    try:
        yield
    except (OSError, EOFError, ValueError, KeyError, IndexError, whoosh_index.IndexError) as exc:
        if isinstance(exc, (ValueError, KeyError, IndexError)) and not _looks_corrupt(exc):
            raise
        _log.exception("search index unreadable")
        raise IndexUnavailableError("检索索引正在重建，请稍后再试。") from exc


def _looks_corrupt(exc: BaseException) -> bool:
    """Errors Whoosh raises while decoding damaged files (struct/pickle/zlib)."""
    text = f"{type(exc).__name__} {exc}".lower()
    return any(word in text for word in ("unpack", "pickle", "zlib", "struct", "truncat", "segment"))
