"""Full-text search for archive items behind a small dataclass API, with two engines:
Whoosh (embedded, the default for a school) and tantivy (for a county). See ``engine.py``."""

from indexing.analysis import EDUCATION_WORDS, warm_up
from indexing.engine import ENGINES, SearchIndex, open_index
from indexing.model import (
    Hit,
    IndexBusyError,
    IndexDoc,
    IndexUnavailableError,
    QueryError,
    SearchFilters,
    SearchPage,
)

__all__ = [
    "EDUCATION_WORDS",
    "ENGINES",
    "Hit",
    "IndexBusyError",
    "IndexDoc",
    "IndexUnavailableError",
    "QueryError",
    "SearchFilters",
    "SearchIndex",
    "SearchPage",
    "open_index",
    "warm_up",
]
