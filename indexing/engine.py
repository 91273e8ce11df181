"""The engine interface: what the application may ask of a search index, and the choice of
engine (``ARCHIVE_SEARCH_ENGINE``: ``whoosh``, the embedded default for a school, or
``tantivy`` for a county). Both engines answer the same query syntax with the same meaning
(``query.py``) and cut the same snippets (``analysis.make_snippet``)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

from indexing.model import IndexDoc, SearchFilters, SearchPage

__all__ = ["ENGINES", "SearchIndex", "open_index"]

ENGINES = ("whoosh", "tantivy")


class SearchIndex(Protocol):
    """A full-text index of archive items; every engine implements exactly this."""

    engine: str
    created: bool  # True when opening found nothing usable and started an empty index

    @property
    def path(self) -> Path: ...

    def upsert(self, docs: Iterable[IndexDoc]) -> int: ...

    def delete(self, item_ids: Iterable[int]) -> None: ...

    def clear(self) -> None: ...

    def optimize(self) -> None: ...

    def close(self) -> None: ...

    def search(self, q: str, filters: SearchFilters = ..., *, page: int = 1,
               per_page: int = 20, snippets: bool = True) -> SearchPage: ...

    def stamps(self, item_ids: Iterable[int] | None = None) -> dict[int, str]: ...

    def doc_count(self) -> int: ...


def open_index(path: Path, engine: str = "whoosh", **options: object) -> SearchIndex:
    """Open (or create) the index of ``engine`` in folder ``path``."""
    if engine == "whoosh":
        from indexing.whoosh_index import WhooshIndex

        return WhooshIndex(path, **options)  # type: ignore[arg-type]
    if engine == "tantivy":
        from indexing.tantivy_index import TantivyIndex

        return TantivyIndex(path, **options)  # type: ignore[arg-type]
    raise ValueError(f"unknown search engine {engine!r}; choose one of {', '.join(ENGINES)}")
