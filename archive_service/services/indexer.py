"""The one writer that drains the outbox into the search index."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from indexing import IndexDoc, SearchIndex

from ..db import UnitOfWork
from ..models import IndexOutbox, Item, ItemVersion

_writer_lock = threading.Lock()
BATCH = 200


def stamp_of(item: Item) -> str:
    """Changes exactly when what the index holds for the item changes (file, title, kind,
    year, owner), not on a review or a preference."""
    title = hashlib.sha1(item.title.encode(), usedforsecurity=False).hexdigest()[:12]
    return f"{item.current_version_id}:{item.kind}:{item.academic_year}:{item.owner_id}:{title}"


def index_doc(item: Item, text: str) -> IndexDoc:
    return IndexDoc(
        item_id=item.id, title=item.title, text=text, kind=item.kind,
        academic_year=item.academic_year, school_id=item.owner.school_id,
        owner_id=item.owner_id, teacher_name=item.owner.name, stamp=stamp_of(item),
    )


def load_docs(session: Session, item_ids: Iterable[int]) -> tuple[list[IndexDoc], list[int]]:
    """Index documents for live items, and the ids that must leave the index."""
    ids = sorted(set(item_ids))
    items = {i.id: i for i in session.scalars(select(Item).where(Item.id.in_(ids)))}
    texts = dict(session.execute(
        select(ItemVersion.id, ItemVersion.text)
        .where(ItemVersion.id.in_([i.current_version_id for i in items.values()]))
    ).all())
    docs, gone = [], []
    for item_id in ids:
        item = items.get(item_id)
        if item is None or item.deleted_at is not None or item.current_version_id is None:
            gone.append(item_id)
        else:
            docs.append(index_doc(item, texts.get(item.current_version_id, "")))
    return docs, gone


def drain(uow: UnitOfWork, index: SearchIndex) -> int:
    """Write every pending outbox entry to the index; failures stay queued for a retry."""
    done = 0
    with _writer_lock:
        while True:
            with uow() as session:
                rows = session.execute(
                    select(IndexOutbox.id, IndexOutbox.item_id).order_by(IndexOutbox.id)
                    .limit(BATCH)).all()
                if not rows:
                    return done
                docs, gone = load_docs(session, [item_id for _, item_id in rows])
            row_ids = [row_id for row_id, _ in rows]
            try:
                index.upsert(docs)
                index.delete(gone)
            except Exception as exc:  # the index is derived data: keep the entries, retry later
                with uow() as session:
                    session.execute(update(IndexOutbox).where(IndexOutbox.id.in_(row_ids)).values(
                        attempts=IndexOutbox.attempts + 1, last_error=repr(exc)[:2000]))
                raise
            with uow() as session:
                session.execute(delete(IndexOutbox).where(IndexOutbox.id.in_(row_ids)))
            done += len(rows)


def enqueue_all(session: Session) -> int:
    """Queue every live item (full reindex)."""
    ids = session.scalars(select(Item.id).where(Item.deleted_at.is_(None))).all()
    session.add_all(IndexOutbox(item_id=i) for i in ids)
    session.flush()
    return len(ids)
