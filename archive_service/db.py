"""Engine and unit of work.

Reads use one session per request (``db.session``).  Writes go through ``db.transaction()``, the
only place that commits: on SQLite it starts with ``BEGIN IMMEDIATE`` so a read-then-write
transaction waits for the lock instead of failing with "database is locked".  After each commit
the hooks registered with ``db.after_commit`` run with the names of the tables the transaction
inserted rows into (how the search index follows the outbox without a call in every view).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

UnitOfWork = Callable[[], AbstractContextManager[Session]]
"""Opens one write transaction (``db.transaction``): what workflows take instead of a session."""

BUSY_TIMEOUT = 5.0  # seconds a write waits for SQLite's lock: well under a proxy's timeout
# A request holds up to two connections (its reads, one write transaction); a request that
# cannot get one within pool_timeout gets 503 (web.errors), never a 500.
POOL: dict[str, Any] = {"pool_size": 10, "max_overflow": 30, "pool_timeout": BUSY_TIMEOUT}

CommitHook = Callable[[frozenset[str]], None]
"""Called after a committed write transaction with the tables it inserted rows into."""



def make_engine(url: str, busy_timeout: float = BUSY_TIMEOUT) -> Engine:
    """Create the engine; SQLite gets WAL, synchronous=FULL, foreign keys and immediate writes.

    A write that cannot get SQLite's lock within ``busy_timeout`` seconds raises
    ``OperationalError("database is locked")``, which the web layer answers with 503.
    """
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, **POOL)
    engine = create_engine(url, connect_args={"timeout": busy_timeout, "check_same_thread": False},
                           **POOL)
    busy_ms = int(busy_timeout * 1000)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # let the begin event below emit BEGIN itself
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get("sqlite_immediate", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """Flask extension holding the engine and the session factories."""

    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["DATABASE_URL"],
                             float(app.config.get("SQLITE_BUSY_TIMEOUT", BUSY_TIMEOUT)))
        write = sessionmaker(engine.execution_options(sqlite_immediate=True),
                             expire_on_commit=False)
        event.listen(write, "after_flush", _note_inserts)
        app.extensions["archive_db"] = {
            "engine": engine,
            "read": sessionmaker(engine, expire_on_commit=False),
            "write": write,
            "after_commit": [],
        }
        app.teardown_appcontext(self._close_session)

    @staticmethod
    def after_commit(app: Flask, hook: CommitHook) -> None:
        """Run ``hook`` after every committed ``transaction()`` of this app."""
        app.extensions["archive_db"]["after_commit"].append(hook)

    @staticmethod
    def _state() -> dict[str, Any]:
        return current_app.extensions["archive_db"]

    @property
    def engine(self) -> Engine:
        return self._state()["engine"]

    @property
    def session(self) -> Session:
        """The request's read session."""
        if "db_session" not in g:
            g.db_session = self._state()["read"]()
        return g.db_session

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One write transaction: commit on success, roll back on any error."""
        state = self._state()
        session: Session = state["write"]()
        try:
            with session.begin():
                yield session
            inserted = frozenset(session.info.get("inserted", ()))
        finally:
            session.close()
        if "db_session" in g:  # let the request's reads see what was just committed
            g.db_session.rollback()
        for hook in state["after_commit"]:
            hook(inserted)

    @staticmethod
    def _close_session(_exc: BaseException | None) -> None:
        session = g.pop("db_session", None)
        if session is not None:
            session.close()


def _note_inserts(session: Session, _context: Any) -> None:
    """Remember which tables the write transaction inserted into (for the commit hooks)."""
    tables = session.info.setdefault("inserted", set())
    tables.update(obj.__table__.name for obj in session.new)


db = Database()


# What a request can meet when the database is locked, busy or gone (the web layer's error
# handlers register these, so views never import SQLAlchemy).
DATABASE_ERRORS: tuple[type[Exception], ...] = (OperationalError, PoolTimeout)


def is_busy(error: BaseException) -> bool:
    """Whether ``error`` is SQLite's "database is locked/busy" after the busy timeout, or no
    pooled connection came free in time."""
    if isinstance(error, PoolTimeout):
        return True
    text = str(getattr(error, "orig", error)).lower()
    return "database is locked" in text or "database is busy" in text
