"""The plain values that cross the ``indexing`` boundary, whatever the engine."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Hit",
    "IndexBusyError",
    "IndexDoc",
    "IndexUnavailableError",
    "QueryError",
    "SearchFilters",
    "SearchPage",
]

MAX_PER_PAGE = 10_000
SNIPPET_CHARS = 120
TITLE_BOOST = 3.0


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
    decision: str = ""  # the item's decision code, kept current by the outbox


@dataclass(frozen=True)
class SearchFilters:
    """Restrictions ANDed together; an empty tuple means no restriction on that field."""

    kinds: tuple[str, ...] = ()
    years: tuple[str, ...] = ()
    school_ids: tuple[int, ...] = ()
    owner_ids: tuple[int, ...] = ()
    item_ids: tuple[int, ...] = ()  # e.g. snippets for a page of hits chosen elsewhere
    decisions: tuple[str, ...] = ()

    def fields(self) -> tuple[tuple[str, tuple[str, ...]], ...]:
        """``(index field, allowed values as text)`` for every restriction that is set."""
        pairs = (
            ("kind", self.kinds),
            ("year", self.years),
            ("school", tuple(map(str, self.school_ids))),
            ("owner", tuple(map(str, self.owner_ids))),
            ("decision", self.decisions),
        )
        return tuple((name, values) for name, values in pairs if values)


@dataclass(frozen=True)
class Hit:
    item_id: int
    score: float
    snippet_html: str


@dataclass(frozen=True)
class SearchPage:
    total: int
    hits: tuple[Hit, ...]
    total_exact: bool = True  # False: ``total`` is an estimate (shown as 约 N 条)


class QueryError(ValueError):
    """The query cannot be searched; the message is meant for the user (Chinese)."""


class IndexBusyError(RuntimeError):
    """The index's write lock stayed taken for longer than the configured timeout."""


class IndexUnavailableError(RuntimeError):
    """The index is missing or unreadable (being rebuilt); the message is for the user."""
