"""The one writer that drains the outbox into the search index."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Protocol

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from indexing import IndexBusyError, IndexDoc, IndexUnavailableError, SearchIndex

from ..db import UnitOfWork
from ..models import Attachment, IndexOutbox, Item, ItemVersion, User
from ..vocabulary import DOCUMENT_PURPOSES, LEDGER_KINDS
from .register import decide, item_decision
from .settings import Settings
from .submitted import submitted_codes

_log = logging.getLogger(__name__)
_writer_lock = threading.Lock()
BATCH = 200
BATCH_CHARS = 8_000_000  # text characters loaded and indexed per batch (memory bound)
MAX_ATTEMPTS = 5  # an entry failing this many times is parked, not retried forever


DecisionCodes = Callable[[Session, Iterable[int]], dict[int, str]]
"""Owner ids → ``{item id: decision code}`` for every live item of those teachers."""


class Writable(Protocol):
    """What the outbox writer needs of an index (an engine, or a current+new build pair)."""

    def upsert(self, docs: Iterable[IndexDoc]) -> int: ...

    def delete(self, item_ids: Iterable[int]) -> None: ...

    def stamps(self, item_ids: Iterable[int] | None = None) -> dict[int, str]: ...


def decision_codes(settings: Settings) -> DecisionCodes:
    """The rules engine's decision for every live item of some teachers (stored with the
    item in the index, so the search's decision filter is an index filter)."""
    def codes(session: Session, owner_ids: Iterable[int]) -> dict[int, str]:
        owners = sorted(set(owner_ids))
        registers = decide(session, settings, select(User.id).where(User.id.in_(owners)))
        rows = session.execute(select(Item.id, Item.owner_id, Item.academic_year, Item.kind).where(
            Item.owner_id.in_(owners), Item.deleted_at.is_(None))).all()
        lines = submitted_codes(session, settings.rules, [r[0] for r in rows if r[3] in LEDGER_KINDS])
        out = {}
        for item_id, owner_id, year, _kind in rows:
            decision = item_decision(registers.get(owner_id), item_id, year)
            out[item_id] = str(decision.code) if decision is not None else lines.get(item_id, "")
        return out
    return codes


def no_codes(_session: Session, _owner_ids: Iterable[int]) -> dict[int, str]:
    return {}


def content_stamp(stamp: str) -> str:
    """The part of a stamp that follows the indexed content (the rest is the decision)."""
    return stamp.split("|", 1)[0]


def stamp_of(item: Item, decision: str = "", documents: str = "") -> str:
    """Changes exactly when what the index holds for the item changes: file, title, kind,
    year, owner, attached documents (the content part) and the decision code (after ``|``)."""
    title = hashlib.sha1(item.title.encode(), usedforsecurity=False).hexdigest()[:12]
    content = f"{item.current_version_id}:{item.kind}:{item.academic_year}:{item.owner_id}:{title}"
    version = item.current_version
    if version is not None and version.state != "ready":  # the text is still being read
        content += f":{version.state}"
    return f"{content}{documents}|{decision}"


def document_marks(session: Session, item_ids: Iterable[int] | None = None) -> dict[int, str]:
    """item id → a mark of its attached documents (说课稿, 课后反思, 学习心得), whose text is
    indexed with the item's: the mark changes when one is added."""
    query = (select(Attachment.item_id, func.count(), func.max(Attachment.id))
             .where(Attachment.purpose.in_(DOCUMENT_PURPOSES)).group_by(Attachment.item_id))
    if item_ids is not None:
        query = query.where(Attachment.item_id.in_(list(item_ids)))
    return {item_id: f":d{count}.{last}" for item_id, count, last in session.execute(query)}


def document_texts(session: Session, item_ids: Iterable[int]) -> dict[int, list[str]]:
    rows = session.execute(select(Attachment.item_id, Attachment.text).where(
        Attachment.item_id.in_(list(item_ids)), Attachment.purpose.in_(DOCUMENT_PURPOSES))
        .order_by(Attachment.id))
    texts: dict[int, list[str]] = {}
    for item_id, text in rows:
        texts.setdefault(item_id, []).append(text or "")
    return texts


def index_doc(item: Item, text: str, decision: str = "", documents: tuple[str, list[str]] = ("", [])
              ) -> IndexDoc:
    mark, attached = documents
    return IndexDoc(
        item_id=item.id, title=item.title, text="\n".join([text, *attached]), kind=item.kind,
        academic_year=item.academic_year, school_id=item.owner.school_id,
        owner_id=item.owner_id, teacher_name=item.owner.name,
        stamp=stamp_of(item, decision, mark), decision=decision,
    )


def _live(item: Item | None) -> bool:
    return item is not None and item.deleted_at is None and item.current_version_id is not None


def plan(session: Session, item_ids: Iterable[int], index: Writable, codes: DecisionCodes,
         *, family: bool = True) -> tuple[list[int], list[int]]:
    """What to write for queued items: ``(ids to (re)index, ids to remove)``.

    A change to one item can change the decisions of its teacher's other items (limits,
    duplicates, preferences), so every live item of the teachers concerned is considered;
    only those whose stamp (content or decision) differs from the index are rewritten.
    ``family=False`` writes the queued items alone (isolating one that fails)."""
    ids = set(item_ids)
    queued = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(ids)))}
    gone = sorted(i for i in ids if not _live(queued.get(i)))
    owners = {item.owner_id for item in queued.values()}
    decisions = codes(session, owners) if owners else {}
    if family:
        items = {i.id: i for i in session.scalars(select(Item).where(
            Item.owner_id.in_(owners), Item.deleted_at.is_(None),
            Item.current_version_id.is_not(None)))} if owners else {}
    else:
        items = {i: item for i, item in queued.items() if _live(item)}
    have = index.stamps(items)
    marks = document_marks(session, items)
    write = sorted(i for i, item in items.items()
                   if have.get(i) != stamp_of(item, decisions.get(i, ""), marks.get(i, "")))
    return write, gone


def load_docs(session: Session, item_ids: Iterable[int],
              codes: DecisionCodes = no_codes) -> tuple[list[IndexDoc], list[int]]:
    """Index documents for live items, and the ids that must leave the index."""
    ids = sorted(set(item_ids))
    items = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(ids)))}
    texts = dict(session.execute(
        select(ItemVersion.id, ItemVersion.text)
        .where(ItemVersion.id.in_([i.current_version_id for i in items.values()]))
    ).all())
    decisions = codes(session, {i.owner_id for i in items.values()}) if items else {}
    marks, attached = document_marks(session, ids), document_texts(session, ids)
    docs, gone = [], []
    for item_id in ids:
        item = items.get(item_id)
        if item is None or item.current_version_id is None or not _live(item):
            gone.append(item_id)
        else:
            docs.append(index_doc(item, texts.get(item.current_version_id, ""),
                                  decisions.get(item_id, ""),
                                  (marks.get(item_id, ""), attached.get(item_id, []))))
    return docs, gone


def _next_batch(session: Session) -> list[tuple[int, int]]:
    """Up to BATCH pending ``(outbox id, item id)``, cut so their texts stay within
    BATCH_CHARS (memory per batch is bounded however large single texts are)."""
    rows = session.execute(
        select(IndexOutbox.id, IndexOutbox.item_id, func.coalesce(func.length(ItemVersion.text), 0))
        .outerjoin(Item, Item.id == IndexOutbox.item_id)
        .outerjoin(ItemVersion, ItemVersion.id == Item.current_version_id)
        .where(IndexOutbox.attempts < MAX_ATTEMPTS)
        .order_by(IndexOutbox.id).limit(BATCH)).all()
    batch: list[tuple[int, int]] = []
    chars = 0
    for row_id, item_id, length in rows:
        if batch and chars + length > BATCH_CHARS:
            break
        batch.append((row_id, item_id))
        chars += length
    return batch


def _write(uow: UnitOfWork, index: Writable, item_ids: list[int], codes: DecisionCodes,
           *, family: bool = True) -> None:
    """Load what changed (short transactions), then write the index outside them; texts
    are loaded in slices of at most BATCH_CHARS characters."""
    with uow() as session:
        write, gone = plan(session, item_ids, index, codes, family=family)
        sizes: dict[int, int] = dict(session.execute(
            select(Item.id, func.coalesce(func.length(ItemVersion.text), 0))
            .join(ItemVersion, ItemVersion.id == Item.current_version_id)
            .where(Item.id.in_(write))).all()) if write else {}
    for part in _slices(write, sizes):
        with uow() as session:
            docs, _ = load_docs(session, part, codes)
        index.upsert(docs)
    index.delete(gone)


def _slices(ids: list[int], sizes: dict[int, int]) -> list[list[int]]:
    out: list[list[int]] = [[]]
    chars = 0
    for item_id in ids:
        size = sizes.get(item_id, 0)
        if out[-1] and chars + size > BATCH_CHARS:
            out.append([])
            chars = 0
        out[-1].append(item_id)
        chars += size
    return [part for part in out if part]


def drain(uow: UnitOfWork, index: Writable, codes: DecisionCodes = no_codes) -> int:
    """Write every pending outbox entry to the index; return how many were written.

    A failing batch is retried entry by entry, so one bad item does not hold back the rest;
    an entry that failed MAX_ATTEMPTS times is parked (kept with its error, skipped, shown by
    ``archive check``). An index that is busy or unreadable is not the entries' fault: the
    error is raised and nothing is counted against them.
    """
    done = 0
    with _writer_lock:
        while True:
            with uow() as session:
                rows = _next_batch(session)
            if not rows:
                return done
            try:
                _write(uow, index, [item_id for _, item_id in rows], codes)
                ok = [row_id for row_id, _ in rows]
            except (IndexBusyError, IndexUnavailableError):
                raise
            except Exception:  # noqa: BLE001 - isolate the failing entries below
                ok = _one_by_one(uow, index, rows, codes)
            with uow() as session:
                session.execute(delete(IndexOutbox).where(IndexOutbox.id.in_(ok)))
            done += len(ok)


def _one_by_one(uow: UnitOfWork, index: Writable, rows: list[tuple[int, int]],
                codes: DecisionCodes) -> list[int]:
    ok = []
    for row_id, item_id in rows:
        try:
            _write(uow, index, [item_id], codes, family=False)
            ok.append(row_id)
        except (IndexBusyError, IndexUnavailableError):
            raise
        except Exception as exc:  # noqa: BLE001 - recorded; parked after MAX_ATTEMPTS
            _log.warning("index entry for item %s failed: %r", item_id, exc)
            with uow() as session:
                session.execute(update(IndexOutbox).where(IndexOutbox.id == row_id).values(
                    attempts=IndexOutbox.attempts + 1, last_error=repr(exc)[:2000]))
    return ok


def parked(session: Session) -> list[IndexOutbox]:
    """Outbox entries that failed MAX_ATTEMPTS times and are no longer retried."""
    return list(session.scalars(select(IndexOutbox).where(
        IndexOutbox.attempts >= MAX_ATTEMPTS).order_by(IndexOutbox.id)))


def unpark(session: Session) -> int:
    """Give parked entries a fresh set of attempts (``archive check --repair``)."""
    result = session.execute(update(IndexOutbox).where(IndexOutbox.attempts >= MAX_ATTEMPTS)
                             .values(attempts=0))
    return int(getattr(result, "rowcount", 0) or 0)


def live_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Item).where(
        Item.deleted_at.is_(None), Item.current_version_id.is_not(None))) or 0


def rebuild_batch(uow: UnitOfWork, target: SearchIndex, last_id: int,
                  known: dict[int, str], codes: DecisionCodes = no_codes) -> tuple[int, int]:
    """Write the next live items after ``last_id`` into ``target`` (a new build), skipping
    those whose stamp ``known`` already holds (a resumed rebuild); at most BATCH items and
    BATCH_CHARS characters of text. Return ``(new last_id, items covered)``; (last_id, 0)
    when there are none left."""
    with uow() as session:
        rows = session.execute(
            select(Item.id, func.coalesce(func.length(ItemVersion.text), 0))
            .join(ItemVersion, ItemVersion.id == Item.current_version_id)
            .where(Item.id > last_id, Item.deleted_at.is_(None))
            .order_by(Item.id).limit(BATCH)).all()
        ids: list[int] = []
        chars = 0
        for item_id, length in rows:
            if ids and chars + length > BATCH_CHARS:
                break
            ids.append(item_id)
            chars += length
        docs, _ = load_docs(session, ids, codes)
    if not ids:
        return last_id, 0
    target.upsert(doc for doc in docs if known.get(doc.item_id) != doc.stamp)
    return ids[-1], len(ids)
