"""Idempotent uploads: a client's ``Idempotency-Key`` (or the upload form's hidden token) names
one upload.  The same key again with the same fields and file gives back the item it created;
the same key with anything different is refused (422), so a retry never makes a second item."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import AppError
from ..models import IdempotencyKey
from .staging import StagedFile

if TYPE_CHECKING:
    from .items.form import ItemForm

MAX_KEY = 200


@dataclass(frozen=True)
class Claim:
    """One upload's key and the digest of what was sent with it."""

    user_id: int
    key: str
    digest: str


def claim_for(user_id: int, key: str | None, form: ItemForm, staged: StagedFile) -> Claim | None:
    """The claim of a request (None without a key); ``form`` must be validated already."""
    key = (key or "").strip()
    if not key:
        return None
    if len(key) > MAX_KEY or not key.isprintable() or not key.isascii():
        raise AppError("invalid_idempotency_key",
                       f"Idempotency-Key 须为不超过 {MAX_KEY} 个字符的可见 ASCII 字符串（建议用 UUID）。")
    metadata = form.metadata
    if isinstance(metadata, str):
        try:
            metadata = json.loads(metadata)
        except ValueError:
            pass
    sent = [form.kind, form.title, form.completion_date, form.subtype, metadata, form.prefer,
            staged.sha256]
    digest = hashlib.sha256(json.dumps(sent, ensure_ascii=False, sort_keys=True,
                                       default=str).encode()).hexdigest()
    return Claim(user_id, key, digest)


def replay(session: Session, claim: Claim | None) -> int | None:
    """The item an earlier request with this key created, or None; 422 if it sent otherwise."""
    if claim is None:
        return None
    row = session.scalar(select(IdempotencyKey).where(
        IdempotencyKey.user_id == claim.user_id, IdempotencyKey.key == claim.key))
    if row is None:
        return None
    if row.request_hash != claim.digest:
        raise AppError("idempotency_key_reused",
                       "这个幂等键（Idempotency-Key）已用于另一份内容不同的上传，本次未保存。"
                       "重试时请发送与原请求完全相同的字段和文件；新的上传请使用新的键。", 422)
    return row.item_id


def record(session: Session, claim: Claim | None, item_id: int) -> None:
    """Remember the key in the transaction that creates the item."""
    if claim is not None:
        session.add(IdempotencyKey(user_id=claim.user_id, key=claim.key,
                                   request_hash=claim.digest, item_id=item_id))
        session.flush()
