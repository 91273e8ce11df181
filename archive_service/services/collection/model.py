"""What a build works with: the selected versions on their way in, and what comes out."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CollectionItem:
    """One bound item: where it starts, how many pages it takes, and why it is missing if so."""

    item_id: int
    teacher: str
    kind: str
    title: str
    version_number: int
    start_page: int
    pages: int
    problem: str | None = None


@dataclass(frozen=True)
class CollectionResult:
    pages: int
    items: list[CollectionItem]
    problems: list[tuple[int, str]]


@dataclass
class Part:
    """A selected version on its way into the book: its file as PDF, or why it cannot go in."""

    item_id: int
    owner_id: int
    teacher: str
    subject: str
    kind: str
    title: str
    version_number: int
    object_key: str
    mime: str
    filename: str
    pdf: Path | None = None
    pages: int = 0
    problem: str | None = None
    start: int = 0
    # an export's divider page before the item (None: the plain bound collection)
    header: ItemHeader | None = None
    sha256: str = ""

    @property
    def front(self) -> int:
        """Generated pages before its own: the divider of an export."""
        return 1 if self.header is not None else 0

    @property
    def label(self) -> str:
        return f"{self.teacher}「{self.title}」（成果编号 {self.item_id}）"

    @property
    def bound_pages(self) -> int:
        """Pages it takes in the book: divider, then its own or the one placeholder page."""
        return self.front + (self.pages if self.problem is None else 1)


@dataclass(frozen=True)
class ItemHeader:
    """What an export's divider page says about the item (so a byline naming someone else is
    never taken for the owner): teacher, kind, title, completion date, 字数, decision, hours."""

    completion_date: str
    char_count: int
    decision: str
    hours: float
    reason: str
