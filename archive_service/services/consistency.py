"""The checker: database rows, stored objects and the search index must agree.

``archive check`` prints the report and exits 1 on disagreement; ``--repair`` re-queues index
entries, removes index entries of deleted items, aborts abandoned multipart uploads and moves
orphan objects older than the grace period under ``quarantine/``.  Missing or damaged
originals cannot be repaired automatically: they are reported for a restore from backup.
"""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from indexing import SearchIndex
from storage import ObjectInfo, ObjectStore

from ..db import UnitOfWork
from ..models import Attachment, IndexOutbox, Item, ItemVersion
from .indexer import drain, stamp_of

QUARANTINE = "quarantine/"


@dataclass
class Report:
    missing_objects: list[str] = field(default_factory=list)
    size_mismatches: list[str] = field(default_factory=list)
    orphan_objects: list[str] = field(default_factory=list)
    incomplete_uploads: list[str] = field(default_factory=list)
    index_missing: list[int] = field(default_factory=list)
    index_stale: list[int] = field(default_factory=list)
    index_extra: list[int] = field(default_factory=list)
    outbox_pending: int = 0
    repaired: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing_objects or self.size_mismatches or self.orphan_objects
                    or self.incomplete_uploads or self.index_missing or self.index_stale
                    or self.index_extra or self.outbox_pending)

    def render(self) -> str:
        lines = [
            f"缺失的原件：{len(self.missing_objects)}", *[f"  {k}" for k in self.missing_objects],
            f"大小不符的原件：{len(self.size_mismatches)}",
            *[f"  {k}" for k in self.size_mismatches],
            f"无记录的孤儿对象：{len(self.orphan_objects)}",
            *[f"  {k}" for k in self.orphan_objects],
            f"未完成的分片上传：{len(self.incomplete_uploads)}",
            f"索引缺失：{len(self.index_missing)}，索引过期：{len(self.index_stale)}，"
            f"索引多余：{len(self.index_extra)}，待写入索引：{self.outbox_pending}",
        ]
        lines += [f"已修复：{r}" for r in self.repaired]
        lines.append("结论：一致" if self.ok else "结论：不一致")
        return "\n".join(lines)


def _check_objects(uow: UnitOfWork, present: dict[str, ObjectInfo], report: Report) -> set[str]:
    """Report rows whose object is missing or of the wrong size; return every expected key."""
    with uow() as session:
        expected = dict(session.execute(select(ItemVersion.object_key, ItemVersion.size))
                        .all())
        expected.update(session.execute(select(Attachment.object_key, Attachment.size))
                        .all())
    for key, size in sorted(expected.items()):
        info = present.get(key)
        if info is None:
            report.missing_objects.append(key)
        elif info.size != size:
            report.size_mismatches.append(f"{key}（记录 {size} 字节，存储 {info.size} 字节）")
    return set(expected)


def _orphans(present: dict[str, ObjectInfo], expected: set[str], grace: timedelta
             ) -> tuple[list[str], list[str]]:
    """All orphan keys, and those old enough to quarantine."""
    now = datetime.now(UTC)
    orphans, old = [], []
    for info in present.values():
        if info.key in expected or info.key.startswith(QUARANTINE):
            continue
        orphans.append(info.key)
        modified = info.last_modified
        if modified is not None and modified.tzinfo is None:
            modified = modified.replace(tzinfo=UTC)
        if modified is None or now - modified > grace:
            old.append(info.key)
    return orphans, old


def _quarantine(store: ObjectStore, key: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "object"
        path.write_bytes(store.read_bytes(key))

        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        store.put_file(QUARANTINE + key, path, content_type="application/octet-stream",
                       sha256_hex=digest)
    store.delete(key)


def _check_index(uow: UnitOfWork, index: SearchIndex, report: Report) -> None:
    with uow() as session:
        live = {i.id: stamp_of(i) for i in session.scalars(
            select(Item).where(Item.deleted_at.is_(None), Item.current_version_id.is_not(None)))}
        report.outbox_pending = session.scalar(select(func.count()).select_from(IndexOutbox)) or 0
    indexed = index.stamps()
    report.index_missing = sorted(set(live) - set(indexed))
    report.index_extra = sorted(set(indexed) - set(live))
    report.index_stale = sorted(i for i in set(live) & set(indexed) if live[i] != indexed[i])


def run_check(uow: UnitOfWork, store: ObjectStore, index: SearchIndex, *, repair: bool = False,
              grace_hours: int = 24) -> Report:
    report = Report()
    present = {info.key: info for info in store.list_objects("")}
    expected = _check_objects(uow, present, report)
    report.orphan_objects, old_orphans = _orphans(present, expected, timedelta(hours=grace_hours))
    uploads = store.list_incomplete_uploads("")
    report.incomplete_uploads = [key for key, _ in uploads]
    _check_index(uow, index, report)
    if not repair:
        return report
    for key, upload_id in uploads:
        store.abort_incomplete_upload(key, upload_id)
        report.repaired.append(f"中止分片上传 {key}")
    for key in old_orphans:
        _quarantine(store, key)
        report.repaired.append(f"隔离孤儿对象 {key} → {QUARANTINE}{key}")
    with uow() as session:
        session.add_all(IndexOutbox(item_id=i) for i in
                        report.index_missing + report.index_stale + report.index_extra)
    drain(uow, index)
    report.repaired.append("已重写索引条目 "
                           f"{len(report.index_missing + report.index_stale + report.index_extra)} 项")
    return report
