"""Evidence at the service level: recognitions with certificate scans, project documents,
who may add them, and refusals that leave nothing behind."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import select

from archive_service.errors import AppError
from archive_service.models import Attachment, AuditEvent, Item, Recognition
from archive_service.services.evidence import add_evidence
from tests.helpers import Services, corpus

PAPER = "zh_pdf_09_qikan_lunwen_xinxilunli.pdf"
SCAN = "en_pdf_01_google_doc.pdf"  # stands in for a certificate scan (a real PDF)
AWARD = {"type": "award", "level": "city", "grade": 1, "date": "2025-12-20"}


def _evidence_key(name: str) -> str:
    sha = hashlib.sha256(corpus(name).read_bytes()).hexdigest()
    return f"evidence/{sha[:2]}/{sha[2:4]}/{sha}"


def _add(services: Services, actor, item_id: int, recognition=None, name: str | None = SCAN,
         data: bytes | None = None, filename: str = "获奖证书.pdf", purpose: str = "certificate"):
    staged = services.staged(name, data=data, filename=filename) if (name or data) else None
    try:
        return add_evidence(services.uow, services.store, actor, item_id, recognition, staged,
                            purpose)
    finally:
        assert staged is None or not staged.path.exists(), "staged file left behind"


def _rows(services: Services, item_id: int) -> tuple[list, list, list[str]]:
    with services.uow() as session:
        atts = [(a.purpose, a.original_filename, a.object_key) for a in session.scalars(
            select(Attachment).where(Attachment.item_id == item_id).order_by(Attachment.id))]
        recs = [(r.type, r.level, r.grade, r.evidence_id) for r in session.scalars(
            select(Recognition).where(Recognition.item_id == item_id).order_by(Recognition.id))]
        actions = list(session.scalars(select(AuditEvent.action).where(
            AuditEvent.item_id == item_id).order_by(AuditEvent.id)))
    return atts, recs, actions


def test_recognition_with_a_certificate_scan(services: Services) -> None:
    teacher = services.user("t1")
    paper = services.upload(teacher, PAPER, kind="paper", title="信息伦理")
    ids = _add(services, teacher, paper, AWARD)
    atts, recs, actions = _rows(services, paper)
    assert atts == [("certificate", "获奖证书.pdf", _evidence_key(SCAN))]
    assert recs == [("award", "city", 1, ids["attachment_id"])]
    assert ids["recognition_id"] is not None
    assert actions == ["upload", "add_recognition", "add_attachment"]
    assert services.store.read_bytes(_evidence_key(SCAN)) == corpus(SCAN).read_bytes()
    services.drain()
    from archive_service.services.consistency import run_check
    assert run_check(services.uow, services.store, services.index).ok


def test_approval_document_completes_a_research_project(services: Services) -> None:
    teacher = services.user("t1")
    project = services.upload(teacher, "zh_pdf_03_freecad_jiaoxue_yanjiu.pdf",
                              kind="research_project", title="FreeCAD 教学应用研究",
                              completion_date="2025-06-20",
                              metadata={"level": "city", "role": "host",
                                        "approval_date": "2023-09-01",
                                        "conclusion_date": "2025-10-10"})
    ids = _add(services, teacher, project, purpose="approval", filename="立项通知书.pdf")
    assert ids["recognition_id"] is None and ids["attachment_id"] is not None
    with services.uow() as session:
        assert session.get(Item, project).details["has_approval_document"] is True
    assert _rows(services, project)[0] == [("approval", "立项通知书.pdf", _evidence_key(SCAN))]


@pytest.mark.parametrize(("kw", "code", "status"), [
    ({"data": b"MZ\x90\x00 not a certificate", "name": None, "filename": "证书.exe"},
     "unsupported_type", 415),
    ({"purpose": "bribe"}, "invalid_purpose", 400),
    ({"recognition": {"type": "award", "level": "galaxy", "grade": 1, "date": "2025-12-20"}},
     "invalid_metadata", 400),
])
def test_refused_evidence_stores_nothing(services: Services, kw: dict, code: str,
                                         status: int) -> None:
    teacher = services.user("t1")
    paper = services.upload(teacher, PAPER, kind="paper")
    with pytest.raises(AppError) as refused:
        _add(services, teacher, paper, **kw)
    assert (refused.value.code, refused.value.status) == (code, status)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.message)
    assert _rows(services, paper) == ([], [], ["upload"])
    assert services.keys("evidence/") == []


def test_a_recognition_needs_a_paper_and_the_shared_scan_survives(services: Services) -> None:
    teacher = services.user("t1")
    paper = services.upload(teacher, PAPER, kind="paper")
    reflection = services.upload(teacher, "zh_docx_12_yingyu_jiaoxue_zongjie.docx")
    _add(services, teacher, paper, AWARD)
    with pytest.raises(AppError) as refused:
        _add(services, teacher, reflection, AWARD)  # the same scan, refused in the transaction
    assert refused.value.code == "not_a_paper"
    assert _rows(services, reflection) == ([], [], ["upload"])
    assert services.store.read_bytes(_evidence_key(SCAN)) == corpus(SCAN).read_bytes()


def test_only_the_author_or_an_admin_in_scope_adds_evidence(services: Services) -> None:
    teacher = services.user("t1")
    paper = services.upload(teacher, PAPER, kind="paper")
    for outsider in (services.user("t2"), services.user("i1", role="inspector"),
                     services.user("a2", role="admin", school="第二中学")):
        with pytest.raises(AppError) as refused:
            _add(services, outsider, paper, AWARD)
        assert refused.value.code == "forbidden", outsider.username
    assert _rows(services, paper) == ([], [], ["upload"])
    _add(services, services.user("a1", role="admin"), paper, AWARD)
    assert _rows(services, paper)[2] == ["upload", "add_recognition", "add_attachment"]


def test_evidence_for_a_deleted_item_is_refused(services: Services) -> None:
    from archive_service.services.items import soft_delete
    teacher = services.user("t1")
    paper = services.upload(teacher, PAPER, kind="paper")
    with services.uow() as session:
        soft_delete(session, teacher, session.get(Item, paper))
    with pytest.raises(AppError) as refused:
        _add(services, teacher, paper, AWARD)
    assert (refused.value.code, refused.value.status) == ("not_found", 404)
    assert _rows(services, paper)[:2] == ([], [])
