"""Sign-in throttling per account and per address, stored in the database.

After ``FREE`` failures a key is locked for a window that doubles with each further failure
(capped at ``MAX_LOCK``).  A successful sign-in clears the account's key; an admin can unlock.
The rows live in the database, so the limits hold across worker threads and restarts.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..errors import AppError
from ..models import LoginThrottle, utcnow

FREE = {"user": 5, "addr": 20}
BASE_LOCK = timedelta(seconds=30)
MAX_LOCK = timedelta(hours=1)


class TooManyAttempts(AppError):
    status = 429

    def __init__(self, retry_after: int) -> None:
        minutes = max(1, math.ceil(retry_after / 60))
        super().__init__("too_many_attempts",
                         f"登录失败次数过多，已暂时锁定。请在约 {minutes} 分钟后再试，"
                         "或请管理员在“用户管理”中解锁。")
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


def keys(username: str, address: str) -> list[str]:
    return [f"user:{username.strip().lower()[:150]}", f"addr:{address[:150]}"]


def check(session: Session, keys: list[str], now: datetime | None = None) -> None:
    """Raise TooManyAttempts when any key is locked."""
    now = now or utcnow()
    rows = session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys)))
    waits = [(row.locked_until - now).total_seconds() for row in rows
             if row.locked_until is not None and row.locked_until > now]
    if waits:
        raise TooManyAttempts(math.ceil(max(waits)))


def _lock_for(kind: str, failures: int) -> timedelta | None:
    over = failures - FREE[kind]
    if over < 0:
        return None
    return min(BASE_LOCK * (2 ** min(over, 16)), MAX_LOCK)


def record_failure(session: Session, keys: list[str]) -> None:
    now = utcnow()
    for key in keys:
        row = session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0)
            session.add(row)
        row.failures += 1
        row.updated_at = now
        lock = _lock_for(key.split(":", 1)[0], row.failures)
        row.locked_until = now + lock if lock else None
    session.flush()


def clear(session: Session, key: str) -> None:
    session.execute(delete(LoginThrottle).where(LoginThrottle.key == key))


def unlock_user(session: Session, username: str) -> None:
    """An admin's unlock: clears the account's failures."""
    clear(session, keys(username, "")[0])
