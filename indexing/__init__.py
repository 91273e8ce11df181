"""Full-text search for archive items (Whoosh + jieba behind a small dataclass API)."""

from indexing.analysis import EDUCATION_WORDS, warm_up
from indexing.index import (
    Hit,
    IndexBusyError,
    IndexDoc,
    QueryError,
    SearchFilters,
    SearchIndex,
    SearchPage,
)

__all__ = [
    "EDUCATION_WORDS",
    "Hit",
    "IndexBusyError",
    "IndexDoc",
    "QueryError",
    "SearchFilters",
    "SearchIndex",
    "SearchPage",
    "warm_up",
]
