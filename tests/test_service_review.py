"""Review at the service level: selection and return, OCR count confirmation, preferences,
and who may do them; each call in a real transaction on a real database."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import select

from archive_service.errors import AppError
from archive_service.models import AuditEvent, Item, ItemVersion
from archive_service.services import review
from tests.helpers import Services

REFLECTION = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"  # 1,013 字
LONG = "zh_docx_08_jiaogai_anli.docx"  # 3,315 字
DESIGN = "zh_docx_01_songdai_wenxue_jiaoan.docx"
UNIT = "zh_docx_14_jiqiren_jiaoxue_dagang.docx"


def _select(services: Services, actor, item_id: int, selected: bool, reason: str | None = None,
            settings=None) -> None:
    with services.uow() as session:
        review.set_selection(session, settings or services.settings, actor,
                             session.get(Item, item_id), selected, reason)


def _item(services: Services, item_id: int) -> Item:
    with services.uow() as session:
        return session.get(Item, item_id)


def _actions(services: Services, item_id: int) -> list[tuple[str, str | None]]:
    with services.uow() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.item_id == item_id)
                                 .order_by(AuditEvent.id))
        return [(e.action, e.reason) for e in events]


def test_select_then_return_with_a_reason(services: Services) -> None:
    teacher = services.user("t1")
    admin = services.user("a1", role="admin")  # the school's own admin
    item_id = services.upload(teacher, REFLECTION)
    _select(services, admin, item_id, True)
    item = _item(services, item_id)
    assert item.selected_version_id == item.current_version_id is not None
    with pytest.raises(AppError) as refused:
        _select(services, admin, item_id, False, "   ")
    assert refused.value.code == "reason_required"
    assert _item(services, item_id).selected_version_id == item.current_version_id  # unchanged
    _select(services, admin, item_id, False, "  字数统计含附录，请删去后重交  ")
    item = _item(services, item_id)
    assert (item.selected_version_id, item.return_reason) == (None, "字数统计含附录，请删去后重交")
    assert _actions(services, item_id) == [("upload", ""), ("select", ""),
                                           ("return", "字数统计含附录，请删去后重交")]
    with services.uow() as session:
        shown = review.history(session, session.get(Item, item_id))
    assert [e["action_name"] for e in shown] == ["上传", "筛选入册", "退回"]
    assert shown[1]["actor"] == "a1" and shown[1]["actor_role"] == "admin"


def test_selecting_again_after_a_new_version_takes_the_new_one(services: Services) -> None:
    from archive_service.services.items import replace_file
    teacher = services.user("t1")
    item_id = services.upload(teacher, REFLECTION)
    _select(services, services.admin, item_id, False, "请换成终稿")
    replace_file(services.uow, services.store, services.settings, teacher, item_id,
                 services.staged(LONG))
    item = _item(services, item_id)
    assert item.return_reason is None  # a new file answers the return
    _select(services, services.admin, item_id, True)
    with services.uow() as session:
        version = session.get(ItemVersion, _item(services, item_id).selected_version_id)
        assert (version.number, version.original_filename) == (2, LONG)


def test_kinds_outside_the_selection_are_refused(services: Services) -> None:
    teacher = services.user("t1")
    paper = services.upload(teacher, "zh_pdf_09_qikan_lunwen_xinxilunli.pdf", kind="paper")
    with pytest.raises(AppError) as refused:
        _select(services, services.admin, paper, True)
    assert refused.value.code == "selection_not_needed"
    assert "论文" in refused.value.message
    assert _item(services, paper).selected_version_id is None
    assert _actions(services, paper) == [("upload", "")]


def test_only_admins_in_scope_review_unless_inspectors_are_allowed(services: Services) -> None:
    teacher = services.user("t1")
    item_id = services.upload(teacher, REFLECTION)
    inspector = services.user("i1", role="inspector")
    outsiders = [teacher, inspector, services.user("a2", role="admin", school="第二中学"),
                 services.user("i2", role="inspector", school="第二中学")]
    for actor in outsiders:
        with pytest.raises(AppError) as refused:
            _select(services, actor, item_id, True)
        assert (refused.value.code, refused.value.status) == ("forbidden", 403), actor.username
    assert _actions(services, item_id) == [("upload", "")]
    allowed = replace(services.settings,
                      rules=replace(services.settings.rules, inspectors_may_review=True))
    _select(services, inspector, item_id, True, settings=allowed)
    with pytest.raises(AppError):  # another school's inspector stays out even then
        _select(services, outsiders[3], item_id, False, "不是本校", settings=allowed)
    assert _item(services, item_id).selected_version_id is not None


def test_confirm_count_records_old_and_new(services: Services) -> None:
    teacher = services.user("t1")
    item_id = services.upload(teacher, REFLECTION)
    version_id = _item(services, item_id).current_version_id

    def confirm(count: int | None) -> None:
        with services.uow() as session:
            review.confirm_count(session, services.settings, services.admin,
                                 session.get(Item, item_id), count)

    with pytest.raises(AppError) as refused:
        confirm(-5)
    assert refused.value.code == "invalid_count"
    with pytest.raises(AppError) as refused:
        with services.uow() as session:
            review.confirm_count(session, services.settings, teacher, session.get(Item, item_id),
                                 5000)
    assert refused.value.code == "forbidden"
    with services.uow() as session:
        version = session.get(ItemVersion, version_id)
        assert (version.char_count, version.count_confirmed) == (1013, False)
    confirm(None)  # confirmed as counted
    confirm(1200)  # corrected
    with services.uow() as session:
        version = session.get(ItemVersion, version_id)
        assert (version.char_count, version.count_confirmed) == (1200, True)
        details = [e.details for e in session.scalars(
            select(AuditEvent).where(AuditEvent.action == "confirm_count").order_by(AuditEvent.id))]
    assert details == [{"old": 1013, "new": 1013}, {"old": 1013, "new": 1200}]


def test_preference_moves_within_a_limit_group_only(services: Services) -> None:
    teacher = services.user("t1")
    first = services.upload(teacher, REFLECTION, title="反思一")
    second = services.upload(teacher, LONG, title="反思二")
    design = services.upload(teacher, DESIGN, kind="lesson_design", title="课时设计")
    unit = services.upload(teacher, UNIT, kind="unit_design", title="单元设计")
    last_year = services.upload(teacher, "zh_docx_05_jiaoshi_fangtan_dagang.docx",
                                title="去年的反思", completion_date="2024-10-08")

    def prefer(item_id: int, actor=teacher) -> None:
        with services.uow() as session:
            review.set_preference(session, services.settings, actor, session.get(Item, item_id))

    def preferred() -> set[int]:
        with services.uow() as session:
            return set(session.scalars(select(Item.id).where(Item.teacher_preferred.is_(True))))

    for item_id in (first, design, last_year):
        prefer(item_id)
    assert preferred() == {first, design, last_year}
    prefer(second)  # same kind, same year: the first gives way; last year's stays
    assert preferred() == {second, design, last_year}
    prefer(unit)  # lesson and unit designs share one yearly slot
    assert preferred() == {second, unit, last_year}
    with pytest.raises(AppError) as refused:
        prefer(first, actor=services.user("t2"))
    assert refused.value.code == "forbidden"
    assert preferred() == {second, unit, last_year}
