"""Domain services, of two kinds.

*Session services* take a ``Session`` (and the acting user, settings) and only ``flush()``:
the caller owns the transaction (``with db.transaction() as session: ...``), so several of
them can share one commit.  Examples: ``review``, ``accounts``, ``items.soft_delete``.

*Workflows* take a ``UnitOfWork`` (``db.transaction``) and open their own transactions,
because something outside the database must happen between two of them: an object-store
write before the commit (``items.upload``, ``items.replace_file``, ``evidence.add_evidence``
via ``stored.store_then_commit``), an index write between reading and deleting outbox rows
(``indexer.drain``), or a scan of the store (``consistency.run_check``).
"""
