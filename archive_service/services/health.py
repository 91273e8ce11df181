"""The service's health: database, object store (with its supervisor's view) and search index."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from storage import StorageError

if TYPE_CHECKING:
    from ..extensions import ArchiveState

PROBE_KEY = "health/probe"


def _database(session: Session) -> dict[str, Any]:
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return {"ok": False, "error": str(exc.__cause__ or exc)[:300]}
    return {"ok": True}


def _storage(state: ArchiveState) -> dict[str, Any]:
    report: dict[str, Any] = dict(state.storage_health()) if state.storage_health else {"state": "external"}
    if report.get("state") == "restarting":
        return {**report, "ok": False}
    try:
        state.store.stat(PROBE_KEY)
    except StorageError as exc:
        return {**report, "ok": False, "error": str(exc).splitlines()[0][:300]}
    return {**report, "ok": True}


def health_report(session: Session, state: ArchiveState) -> dict[str, Any]:
    """``{"ok", "database", "storage"}``; ``ok`` is False when any part is unusable."""
    parts = {"database": _database(session), "storage": _storage(state)}
    return {"ok": all(part["ok"] for part in parts.values()), **parts}
