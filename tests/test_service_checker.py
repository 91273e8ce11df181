"""The checker at the service level: what it finds when database, store and index disagree,
and what ``repair`` does about it, on a real database, SeaweedFS and Whoosh index."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import update

from archive_service.models import Item
from archive_service.services.consistency import QUARANTINE, run_check
from tests.helpers import Services, corpus

REFLECTION = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"


def _check(services: Services, **kw):
    return run_check(services.uow, services.store, services.index, **kw)


def _key(name: str, prefix: str = "originals") -> str:
    sha = hashlib.sha256(corpus(name).read_bytes()).hexdigest()
    return f"{prefix}/{sha[:2]}/{sha[2:4]}/{sha}"


def _put(services: Services, key: str, data: bytes, tmp_path: Path) -> None:
    path = tmp_path / "object.bin"
    path.write_bytes(data)
    services.store.put_file(key, path, content_type="application/octet-stream",
                            sha256_hex=hashlib.sha256(data).hexdigest())


def test_an_upload_then_its_drain_leave_everything_in_agreement(services: Services) -> None:
    teacher = services.user("t1")
    services.upload(teacher, REFLECTION)
    services.drain()
    report = _check(services)
    assert report.ok, report.render()
    assert report.render().endswith("结论：一致")
    assert services.keys() == [_key(REFLECTION)]


def test_missing_and_resized_originals_are_reported_not_repaired(services: Services,
                                                                 tmp_path: Path) -> None:
    teacher = services.user("t1")
    services.upload(teacher, REFLECTION)
    services.upload(teacher, "zh_docx_08_jiaogai_anli.docx", title="案例")
    services.drain()
    services.store.delete(_key(REFLECTION))
    _put(services, _key("zh_docx_08_jiaogai_anli.docx"), b"truncated", tmp_path)
    report = _check(services, repair=True, grace_hours=0)
    assert report.missing_objects == [_key(REFLECTION)]
    assert len(report.size_mismatches) == 1
    assert report.size_mismatches[0].startswith(_key("zh_docx_08_jiaogai_anli.docx"))
    assert "存储 9 字节" in report.size_mismatches[0]
    assert not report.ok and report.render().endswith("结论：不一致")
    again = _check(services)  # nothing can repair a lost original: still reported
    assert again.missing_objects == [_key(REFLECTION)] and len(again.size_mismatches) == 1


def test_orphans_wait_for_the_grace_period_then_move_to_quarantine(services: Services,
                                                                   tmp_path: Path) -> None:
    _put(services, "originals/ab/cd/orphan", b"%PDF-1.4 nobody's", tmp_path)
    fresh = _check(services, repair=True)  # younger than 24 hours: maybe an upload in flight
    assert fresh.orphan_objects == ["originals/ab/cd/orphan"]
    assert services.keys() == ["originals/ab/cd/orphan"]
    old = _check(services, repair=True, grace_hours=0)
    assert old.orphan_objects == ["originals/ab/cd/orphan"]
    assert any(QUARANTINE + "originals/ab/cd/orphan" in line for line in old.repaired)
    assert services.keys() == [QUARANTINE + "originals/ab/cd/orphan"]
    assert services.store.read_bytes(QUARANTINE + "originals/ab/cd/orphan") == b"%PDF-1.4 nobody's"
    assert _check(services).ok  # quarantined objects are not orphans


def test_index_missing_stale_and_extra_entries_are_rewritten(services: Services) -> None:
    teacher = services.user("t1")
    lost = services.upload(teacher, REFLECTION, title="丢失的索引")
    renamed = services.upload(teacher, "zh_docx_08_jiaogai_anli.docx", title="旧标题")
    deleted = services.upload(teacher, "zh_docx_05_jiaoshi_fangtan_dagang.docx", title="已删除")
    services.drain()
    services.index.delete([lost])
    with services.uow() as session:  # rows changed behind the outbox's back
        session.execute(update(Item).where(Item.id == renamed).values(title="新标题"))
        session.execute(update(Item).where(Item.id == deleted).values(deleted_at=Item.created_at))
    report = _check(services)
    assert (report.index_missing, report.index_stale, report.index_extra) == \
        ([lost], [renamed], [deleted])
    assert report.outbox_pending == 0
    repaired = _check(services, repair=True)
    assert "已重写索引条目 3 项" in repaired.repaired
    assert _check(services).ok
    assert set(services.index.stamps()) == {lost, renamed}
