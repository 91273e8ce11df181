"""Signing in: throttle, check the password, record the outcome in the audit log."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager

from sqlalchemy.orm import Session

from ..errors import AppError
from ..models import User
from . import audit, throttle
from .accounts import authenticate

Transaction = Callable[[], AbstractContextManager[Session]]


def sign_in(transaction: Transaction, username: str, password: str, address: str,
            via: str) -> User:
    """The user for these credentials; 429 while the account or address is locked, 401 when
    wrong (counted towards the lock)."""
    keys = throttle.keys(username, address)
    name = username.strip()[:120]
    try:
        with transaction() as session:
            throttle.check(session, keys)
    except throttle.TooManyAttempts as exc:
        with transaction() as session:
            audit.record(session, audit.Entry("login_throttled", actor=name, address=address,
                                              status=429, details={"via": via}))
        raise exc
    with transaction() as session:
        user = authenticate(session, username, password)
        if user is None:
            throttle.record_failure(session, keys)
            audit.record(session, audit.Entry("login_failed", actor=name, address=address,
                                              status=401, details={"via": via}))
        else:
            throttle.clear(session, keys[0])
            audit.record(session, audit.Entry("login", actor_id=user.id, actor=user.username,
                                              address=address, details={"via": via}))
    if user is None:
        raise AppError("bad_credentials", "用户名或密码不正确。", 401)
    return user
