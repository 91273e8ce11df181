"""Browser sessions kept in the database, so that signing out really ends them.

The signed cookie carries the user id and a random session key; only the key's SHA-256 is
stored.  Each request checks that the session still exists and has not ended.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..models import User, UserSession, utcnow
from .accounts import digest


def start(session: Session, user: User, address: str) -> str:
    """Open a session for ``user``; returns the key the cookie keeps."""
    key = secrets.token_urlsafe(32)
    session.add(UserSession(user_id=user.id, key_hash=digest(key), address=address[:64]))
    session.flush()
    return key


def user_of(session: Session, user_id: int, key: str) -> User | None:
    """The active user of a live session, or None (ended, unknown or deactivated)."""
    row = session.scalar(select(UserSession).where(UserSession.key_hash == digest(key),
                                                   UserSession.user_id == user_id,
                                                   UserSession.ended_at.is_(None)))
    if row is None:
        return None
    user = session.get(User, user_id)
    return user if user is not None and user.active else None


def end(session: Session, key: str) -> None:
    session.execute(update(UserSession).where(UserSession.key_hash == digest(key),
                                              UserSession.ended_at.is_(None))
                    .values(ended_at=utcnow()))
