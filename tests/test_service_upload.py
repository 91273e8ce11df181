"""Upload, replace and delete at the service level, with the real unit of work, SeaweedFS and
Whoosh index: what is stored, what is refused, and that a refusal leaves nothing behind."""

from __future__ import annotations

import hashlib

import pytest
from sqlalchemy import func, select, text

from archive_service.errors import AppError
from archive_service.models import AuditEvent, IndexOutbox, Item, ItemVersion
from archive_service.services.items import ItemForm, replace_file, soft_delete, upload
from tests.helpers import Services, corpus

REFLECTION = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"  # 1,013 字
LONG = "zh_docx_08_jiaogai_anli.docx"


def _key(name: str) -> str:
    sha = hashlib.sha256(corpus(name).read_bytes()).hexdigest()
    return f"originals/{sha[:2]}/{sha[2:4]}/{sha}"


def _nothing_stored(services: Services) -> None:
    assert (services.count(Item), services.count(ItemVersion), services.count(IndexOutbox),
            services.count(AuditEvent)) == (0, 0, 0, 0)
    assert services.keys() == []


def test_upload_stores_the_file_rows_and_index_entry(services: Services) -> None:
    teacher = services.user("t1")
    staged = services.staged(REFLECTION, filename="教学总结（终稿）.docx")
    item_id = upload(services.uow, services.store, services.settings, teacher,
                     ItemForm(kind="reflection", title="  英语教学反思 ", completion_date="2025-10-08",
                              subtype="教学反思"), staged)
    assert not staged.path.exists()
    with services.uow() as session:
        item = session.get(Item, item_id)
        version = session.get(ItemVersion, item.current_version_id)
        assert (item.owner_id, item.kind, item.subtype, item.title, item.academic_year) == \
            (teacher.id, "reflection", "教学反思", "英语教学反思", "2025-2026")
        assert (version.number, version.original_filename, version.object_key, version.size,
                version.char_count, version.from_ocr) == \
            (1, "教学总结（终稿）.docx", _key(REFLECTION), corpus(REFLECTION).stat().st_size,
             1013, False)
        assert version.mime.endswith("wordprocessingml.document")
        actions = list(session.scalars(select(AuditEvent.action)))
    assert actions == ["upload"]
    assert services.store.read_bytes(_key(REFLECTION)) == corpus(REFLECTION).read_bytes()
    services.drain()
    assert services.count(IndexOutbox) == 0
    assert [h.item_id for h in services.index.search("英语教学反思").hits] == [item_id]


@pytest.mark.parametrize(("form", "code"), [
    ({"kind": "poem"}, "invalid_kind"),
    ({"title": "   "}, "invalid_title"),
    ({"completion_date": "2999-01-01"}, "invalid_date"),
    ({"completion_date": "2025-13-40"}, "invalid_metadata"),
    ({"kind": "paper", "metadata": {"recognitions": [{"type": "award"}]}}, "invalid_metadata"),
])
def test_a_bad_form_stores_nothing(services: Services, form: dict, code: str) -> None:
    teacher = services.user("t1")
    staged = services.staged(REFLECTION)
    fields = {"kind": "reflection", "title": "反思", "completion_date": "2025-10-08", **form}
    with pytest.raises(AppError) as refused:
        upload(services.uow, services.store, services.settings, teacher, ItemForm(**fields),
               staged)
    assert (refused.value.code, refused.value.status) == (code, 400)
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.value.message)
    assert not staged.path.exists()
    _nothing_stored(services)


@pytest.mark.parametrize(("name", "code"), [
    ("edge_05_encrypted_password_protected.docx", "encrypted"),
    ("edge_08_word_lockfile_ownerfile.docx", "lock_file"),
])
def test_a_file_that_cannot_be_read_stores_nothing(services: Services, name: str,
                                                   code: str) -> None:
    teacher = services.user("t1")
    with pytest.raises(AppError) as refused:
        services.upload(teacher, name)
    assert (refused.value.code, refused.value.status) == (code, 422)
    _nothing_stored(services)


def test_only_teachers_upload(services: Services) -> None:
    for actor in (services.admin, services.user("i1", role="inspector")):
        staged = services.staged(REFLECTION)
        with pytest.raises(AppError) as refused:
            upload(services.uow, services.store, services.settings, actor,
                   ItemForm(kind="reflection", title="反思", completion_date="2025-10-08"), staged)
        assert refused.value.code == "forbidden"
        assert not staged.path.exists()
    _nothing_stored(services)


def test_a_failed_commit_keeps_an_object_another_item_uses(services: Services) -> None:
    """The same bytes, already stored for another teacher's item: the refused commit must not
    take the object with it."""
    first = services.upload(services.user("t1"), REFLECTION)
    with services.uow() as session:
        session.execute(text("CREATE TRIGGER refuse BEFORE INSERT ON items "
                             "BEGIN SELECT RAISE(ABORT, 'disk full'); END"))
    with pytest.raises(Exception, match="disk full"):
        services.upload(services.user("t2", school="第二中学"), REFLECTION)
    with services.uow() as session:
        assert list(session.scalars(select(Item.id))) == [first]
        assert session.scalar(select(func.count()).select_from(ItemVersion)) == 1
    assert services.store.read_bytes(_key(REFLECTION)) == corpus(REFLECTION).read_bytes()


def test_replace_keeps_the_selected_version_frozen(services: Services) -> None:
    from archive_service.services.review import set_selection
    teacher = services.user("t1")
    item_id = services.upload(teacher, REFLECTION, title="反思")
    with services.uow() as session:
        item = session.get(Item, item_id)
        set_selection(session, services.settings, services.admin, item, True, None)
    first_version = item.current_version_id
    replace_file(services.uow, services.store, services.settings, teacher, item_id,
                 services.staged(LONG, filename="终稿.docx"))
    with services.uow() as session:
        item = session.get(Item, item_id)
        current = session.get(ItemVersion, item.current_version_id)
        assert item.selected_version_id == first_version != item.current_version_id
        assert (current.number, current.original_filename, current.object_key) == \
            (2, "终稿.docx", _key(LONG))
        actions = list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions == ["upload", "select", "replace_file"]
    assert services.keys() == sorted([_key(REFLECTION), _key(LONG)])  # both versions kept


def test_only_the_owner_replaces_a_live_item(services: Services) -> None:
    teacher = services.user("t1")
    item_id = services.upload(teacher, REFLECTION)
    for actor in (services.user("t2"), services.admin):
        staged = services.staged(LONG)
        with pytest.raises(AppError) as refused:
            replace_file(services.uow, services.store, services.settings, actor, item_id, staged)
        assert refused.value.code == "forbidden"
        assert not staged.path.exists()
    with services.uow() as session:
        soft_delete(session, teacher, session.get(Item, item_id))
    with pytest.raises(AppError):
        replace_file(services.uow, services.store, services.settings, teacher, item_id,
                     services.staged(LONG))
    assert services.count(ItemVersion) == 1
    assert services.keys() == [_key(REFLECTION)]


def test_delete_rules_by_role(services: Services) -> None:
    from archive_service.services.review import set_selection
    teacher = services.user("t1")
    chosen = services.upload(teacher, REFLECTION, title="已入册")
    free = services.upload(teacher, LONG, title="未入册")
    with services.uow() as session:
        set_selection(session, services.settings, services.admin, session.get(Item, chosen),
                      True, None)

    def delete(actor, item_id: int) -> None:
        with services.uow() as session:
            soft_delete(session, actor, session.get(Item, item_id))

    for actor, item_id, code in ((teacher, chosen, "item_selected"),
                                 (services.user("t2"), free, "forbidden"),
                                 (services.user("i1", role="inspector"), free, "forbidden")):
        with pytest.raises(AppError) as refused:
            delete(actor, item_id)
        assert refused.value.code == code
    delete(teacher, free)
    delete(services.user("a1", role="admin"), chosen)
    with services.uow() as session:
        assert session.scalar(select(func.count()).select_from(Item).where(
            Item.deleted_at.is_(None))) == 0
        deleted = list(session.scalars(select(AuditEvent.item_id).where(
            AuditEvent.action == "delete").order_by(AuditEvent.id)))
    assert deleted == [free, chosen]
    services.drain()
    assert services.index.search("反思").total == 0


def test_delete_checks_the_admins_school_itself(services: Services) -> None:
    """soft_delete refuses an admin of another school without relying on the view's lookup:
    404 (as every view answers), nothing deleted, audited or queued."""
    teacher = services.user("t1")  # 第一中学
    item_id = services.upload(teacher, REFLECTION)
    services.drain()
    other_admin = services.user("a2", role="admin", school="第二中学")
    with pytest.raises(AppError) as refused, services.uow() as session:
        soft_delete(session, other_admin, session.get(Item, item_id))
    assert (refused.value.code, refused.value.status) == ("not_found", 404)
    with services.uow() as session:
        assert session.get(Item, item_id).deleted_at is None
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "delete")) == 0
    assert services.count(IndexOutbox) == 0
    with services.uow() as session:
        soft_delete(session, services.user("a1", role="admin"), session.get(Item, item_id))
    with pytest.raises(AppError) as twice, services.uow() as session:
        soft_delete(session, services.admin, session.get(Item, item_id))
    assert twice.value.code == "not_found"  # already deleted: not deleted (or audited) again
    with services.uow() as session:
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "delete")) == 1
