"""The checker: database rows, stored objects and the search index must agree.

``archive check`` prints the report and exits 1 on disagreement; ``--repair`` re-queues index
entries, removes index entries of deleted items, aborts abandoned multipart uploads and moves
orphan objects older than the grace period under ``quarantine/``.  Missing or damaged
originals cannot be repaired automatically: they are reported for a restore from backup.

Orphans younger than the grace period are listed but are no disagreement: an upload may be
between its PUT and its commit, or have failed (requests never delete objects, see
``services.stored``).  The sweeper removes an orphan only inside a write transaction that holds
the object's lock, re-checks that no row refers to it and records the removal.
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
from ..models import Attachment, IndexOutbox, Item, ItemVersion, SweepLog
from .indexer import (
    MAX_ATTEMPTS,
    DecisionCodes,
    content_stamp,
    document_marks,
    drain,
    no_codes,
    parked,
    stamp_of,
    unpark,
)
from .stored import export_files, kept_conversions, key_in_use, lock_object
from .trash import purge_expired

QUARANTINE = "quarantine/"


@dataclass
class Report:
    missing_objects: list[str] = field(default_factory=list)
    size_mismatches: list[str] = field(default_factory=list)
    orphan_objects: list[str] = field(default_factory=list)
    old_orphans: list[str] = field(default_factory=list)  # past the grace period
    incomplete_uploads: list[str] = field(default_factory=list)
    index_missing: list[int] = field(default_factory=list)
    index_stale: list[int] = field(default_factory=list)
    index_extra: list[int] = field(default_factory=list)
    outbox_pending: int = 0
    outbox_parked: list[str] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing_objects or self.size_mismatches or self.old_orphans
                    or self.incomplete_uploads or self.index_missing or self.index_stale
                    or self.index_extra or self.outbox_pending or self.outbox_parked)

    def render(self) -> str:
        lines = [
            f"缺失的原件：{len(self.missing_objects)}", *[f"  {k}" for k in self.missing_objects],
            f"大小不符的原件：{len(self.size_mismatches)}",
            *[f"  {k}" for k in self.size_mismatches],
            f"无记录的孤儿对象：{len(self.orphan_objects)}（超过宽限期、待 --repair 隔离的："
            f"{len(self.old_orphans)}）",
            *[f"  {k}" for k in self.orphan_objects],
            f"未完成的分片上传：{len(self.incomplete_uploads)}",
            f"索引缺失：{len(self.index_missing)}，索引过期：{len(self.index_stale)}，"
            f"索引多余：{len(self.index_extra)}，待写入索引：{self.outbox_pending}",
            f"多次失败、已暂停的索引条目：{len(self.outbox_parked)}",
            *[f"  {p}" for p in self.outbox_parked],
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
        expected.update(export_files(session))
    for key, size in sorted(expected.items()):
        info = present.get(key)
        if info is None:
            report.missing_objects.append(key)
        elif info.size != size:
            report.size_mismatches.append(f"{key}（记录 {size} 字节，存储 {info.size} 字节）")
    return set(expected)


def _is_old(info: ObjectInfo, grace: timedelta) -> bool:
    modified = info.last_modified
    if modified is not None and modified.tzinfo is None:
        modified = modified.replace(tzinfo=UTC)
    return modified is None or datetime.now(UTC) - modified > grace


def _orphans(present: dict[str, ObjectInfo], expected: set[str], grace: timedelta
             ) -> tuple[list[str], list[str]]:
    """All orphan keys, and those old enough to quarantine."""
    orphans, old = [], []
    for info in present.values():
        if info.key in expected or info.key.startswith(QUARANTINE):
            continue
        orphans.append(info.key)
        if _is_old(info, grace):
            old.append(info.key)
    return sorted(orphans), sorted(old)


def _quarantine(uow: UnitOfWork, store: ObjectStore, key: str, grace: timedelta) -> bool:
    """Move an orphan under ``quarantine/`` unless a row took it meanwhile; True if moved.

    The copy is made first (harmless either way); the deletion happens inside the transaction
    that re-checks the references under the object's lock and records it, so an upload that
    commits a reference to the same content either sees the object or puts it back.
    """
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "object"
        with path.open("wb") as out:
            for chunk in store.open(key):
                out.write(chunk)
        digest = hashlib.sha256()
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        store.put_file(QUARANTINE + key, path, content_type="application/octet-stream",
                       sha256_hex=digest.hexdigest())
    with uow() as session:
        lock_object(session, key)
        info = store.stat(key)
        if key_in_use(session, key) or info is None or not _is_old(info, grace):
            return False
        session.add(SweepLog(action="quarantine_object", subject=key,
                             details={"size": info.size, "sha256": digest.hexdigest()}))
        session.flush()
        store.delete(key)
    return True


def _check_index(uow: UnitOfWork, index: SearchIndex, report: Report) -> None:
    with uow() as session:
        marks = document_marks(session)
        live = {i.id: stamp_of(i, documents=marks.get(i.id, "")) for i in session.scalars(
            select(Item).where(Item.deleted_at.is_(None), Item.current_version_id.is_not(None)))}
        report.outbox_pending = session.scalar(select(func.count()).select_from(IndexOutbox)
                                               .where(IndexOutbox.attempts < MAX_ATTEMPTS)) or 0
        report.outbox_parked = [f"成果 #{row.item_id}：失败 {row.attempts} 次，{row.last_error}"
                                for row in parked(session)]
    indexed = index.stamps()
    report.index_missing = sorted(set(live) - set(indexed))
    report.index_extra = sorted(set(indexed) - set(live))
    report.index_stale = sorted(i for i in set(live) & set(indexed)
                                if content_stamp(live[i]) != content_stamp(indexed[i]))


def run_check(uow: UnitOfWork, store: ObjectStore, index: SearchIndex, *, repair: bool = False,
              grace_hours: int = 24, restore_days: int | None = None,
              codes: DecisionCodes = no_codes) -> Report:
    """Compare; with ``repair``, first purge items deleted longer than ``restore_days`` ago
    (None: never), then fix what can be fixed."""
    report = Report()
    if repair and restore_days is not None:
        for item_id in purge_expired(uow, restore_days):
            report.repaired.append(f"清除超过恢复期限的已删除成果 {item_id}")
    present = {info.key: info for info in store.list_objects("")}
    expected = _check_objects(uow, present, report)
    with uow() as session:
        cached = kept_conversions(session)  # a cache: kept while its original is, never "missing"
    grace = timedelta(hours=grace_hours)
    report.orphan_objects, report.old_orphans = _orphans(present, expected | cached, grace)
    uploads = store.list_incomplete_uploads("")
    report.incomplete_uploads = [key for key, _ in uploads]
    _check_index(uow, index, report)
    if not repair:
        return report
    for key, upload_id in uploads:
        store.abort_incomplete_upload(key, upload_id)
        report.repaired.append(f"中止分片上传 {key}")
    for key in report.old_orphans:
        if _quarantine(uow, store, key, grace):
            report.repaired.append(f"隔离孤儿对象 {key} → {QUARANTINE}{key}")
    with uow() as session:
        session.add_all(IndexOutbox(item_id=i) for i in
                        report.index_missing + report.index_stale + report.index_extra)
        if unpark(session):
            report.repaired.append(f"重试已暂停的索引条目 {len(report.outbox_parked)} 项")
    drain(uow, index, codes)
    report.repaired.append("已重写索引条目 "
                           f"{len(report.index_missing + report.index_stale + report.index_extra)} 项")
    return report
