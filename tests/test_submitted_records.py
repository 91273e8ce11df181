"""Records a teacher submits beside the portfolio, through the API (issue 11 points 3 and 5):
集中培训 (``external_training``) and 公开课/示范课 (``public_lesson``), their documents, the
school's verification of evidence, and their lines in the 学时台账.

Every table row quotes the sentence of 白湾子镇学校校本研修制度 (seed 001) it encodes.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from archive_service.db import db
from archive_service.extensions import archive
from archive_service.models import Item, User
from archive_service.services.activities import create_activity
from archive_service.services.ledger import school_ledger
from tests.helpers import Api, World, assert_error, corpus, csrf_token, make_app, page_login

S19_2 = ("第19条(2)「由培训单位出示证明，本人交学习心得，予以登记学时，未注明学时的按实际活动天数每天计8学时。"
         "参加国省市县组织的远程网络培训，按培训机构的证件登记学时」")
S19_3 = "第19条(3)「承担公开课者、示范课者需提交教学设计、说课稿和课后反思，登记教学课题，计4学时」"
VERIFY = ("credit-rules.md「A kind whose rules say it needs verification counts only after an admin "
          "has verified its evidence」")

CERTIFICATE = corpus("zh_pdf_06_kechengsizheng_jiaoxuesheji.pdf")  # stands in for the 证明
STUDY_NOTES = corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")  # 学习心得 (a 教学总结)
DESIGN = corpus("zh_docx_02_zuiwengtingji_jiaoxuesheji.docx")  # 教学设计《醉翁亭记》
SCRIPT = corpus("zh_docx_01_songdai_wenxue_jiaoan.docx")  # 说课稿
REFLECTION = corpus("zh_pdf_01_jiaogai_anli.pdf")  # 课后反思


def _training(teacher: Api, **meta: Any) -> Any:
    return teacher.upload(CERTIFICATE, kind="external_training", title="县级骨干教师培训",
                          completion_date=meta.pop("end", "2025-11-14"),
                          metadata={"organizer": "县教师进修学校", **meta})


def _attach(api: Api, item_id: int, purpose: str, path: Path) -> Any:
    return api.post(f"/api/v1/items/{item_id}/attachments", data={
        "purpose": purpose, "file": (io.BytesIO(path.read_bytes()), path.name)},
        content_type="multipart/form-data")


def _item(api: Api, item_id: int) -> dict[str, Any]:
    res = api.get(f"/api/v1/items/{item_id}")
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def _verify(api: Api, item_id: int, verified: bool, reason: str | None = None) -> Any:
    body: dict[str, Any] = {"verified": verified}
    if reason is not None:
        body["reason"] = reason
    return api.post(f"/api/v1/items/{item_id}/verification", body)


# --------------------------------------------------------------------------- 集中培训

TRAININGS = [
    # (quoted sentence, metadata, hours once the 学习心得 is in and the 证明 verified)
    (S19_2 + " 未注明学时：2 天 × 8", {"mode": "offline", "start_date": "2025-11-13", "days": 2}, 16),
    (S19_2 + " 未注明学时、未填天数：按起止日期 3 天 × 8",
     {"mode": "offline", "start_date": "2025-11-12"}, 24),
    (S19_2 + " 证书注明 12 学时：按证书，不按 3 天 × 8",
     {"mode": "offline", "start_date": "2025-11-12", "days": 3, "certified_hours": 12}, 12),
    (S19_2 + " 远程网络培训：按证书 30 学时", {"mode": "online", "certified_hours": 30}, 30),
    (S19_2 + " 半天的培训：0.5 天 × 8", {"mode": "offline", "days": 0.5}, 4),
]


@pytest.mark.parametrize(("sentence", "meta", "hours"), TRAININGS, ids=[t[0][-24:] for t in TRAININGS])
def test_external_training_hours(world: World, sentence: str, meta: dict[str, Any], hours: float) -> None:
    teacher = world.user("t1")
    res = _training(teacher, **meta)
    assert res.status_code == 201, res.get_json()
    item = res.get_json()
    assert (item["kind"], item["term"]) == ("external_training", "2025-2026-1")
    assert item["decision"]["code"] == "missing_evidence"  # 「本人交学习心得」
    assert "学习心得" in item["decision"]["reason"], sentence
    assert item["decision"]["numbers"]["would_earn"] == hours
    assert _attach(teacher, item["id"], "study_notes", STUDY_NOTES).status_code == 201
    pending = _item(teacher, item["id"])
    assert (pending["decision"]["code"], pending["decision"]["hours"]) == ("pending_verification", 0)
    assert pending["decision"]["numbers"]["would_earn"] == hours, sentence
    assert pending["verification"]["status"] == "pending"
    assert _verify(world.admin, item["id"], True).status_code == 200
    counted = _item(teacher, item["id"])
    assert (counted["decision"]["code"], counted["decision"]["hours"]) == ("counted", hours), sentence


REFUSED = [
    # (quoted sentence, metadata, error code) — refused at input, nothing stored
    (S19_2 + " 远程网络培训无证书学时", {"mode": "online", "days": 5}, "certified_hours_required"),
    (S19_2 + " 培训形式不明", {"days": 2}, "invalid_metadata"),
    (S19_2 + " 开始晚于结束", {"mode": "offline", "start_date": "2025-11-20"}, "invalid_metadata"),
]


@pytest.mark.parametrize(("sentence", "meta", "code"), REFUSED, ids=[r[2] + r[0][-6:] for r in REFUSED])
def test_external_training_refused_at_input(app: Flask, world: World, sentence: str,
                                            meta: dict[str, Any], code: str) -> None:
    teacher = world.user("t1")
    res = _training(teacher, **meta)
    status = 422 if code == "certified_hours_required" else 400
    message = assert_error(res, status, code)
    assert message, sentence
    with app.app_context():
        assert db.session.query(Item).count() == 0


def test_online_training_without_certified_hours_counts_by_days_when_the_rules_allow(
        tmp_path: Path, s3_server: Any) -> None:
    """A school that switches ``online_requires_certified_hours`` off: 2 days × 8."""
    rules = tmp_path / "rules.toml"
    rules.write_text("[external_training]\nonline_requires_certified_hours = false\n"
                     "requires_study_notes = false\n[verification]\nrequired = []\n", encoding="utf-8")
    world = World(make_app(tmp_path, s3_server, RULES_FILE=str(rules)))
    item = _training(world.user("t1"), mode="online", days=2).get_json()
    assert (item["decision"]["code"], item["decision"]["hours"]) == ("counted", 16)
    assert item["verification"] is None  # not asked for by this school's rules


# --------------------------------------------------------------------------- 公开课

def test_public_lesson_counts_once_all_three_documents_are_there(world: World) -> None:
    teacher = world.user("t1")
    res = teacher.upload(DESIGN, kind="public_lesson", title="《醉翁亭记》公开课",
                         completion_date="2025-10-20",
                         metadata={"lesson_title": "醉翁亭记", "lesson_type": "公开课"})
    assert res.status_code == 201, res.get_json()
    item = res.get_json()
    assert item["decision"]["code"] == "missing_evidence"
    assert "说课稿、课后反思" in item["decision"]["reason"], S19_3
    assert _attach(teacher, item["id"], "lecture_script", SCRIPT).status_code == 201
    two = _item(teacher, item["id"])  # two of three: the 课后反思 is named
    assert two["decision"]["code"] == "missing_evidence"
    assert two["decision"]["numbers"]["missing"] == ["lesson_reflection"]
    assert "缺少课后反思" in two["decision"]["reason"] and "说课稿" not in two["decision"]["reason"], S19_3
    assert _attach(teacher, item["id"], "lesson_reflection", REFLECTION).status_code == 201
    three = _item(teacher, item["id"])
    assert (three["decision"]["code"], three["decision"]["hours"]) == ("counted", 4), S19_3
    assert "醉翁亭记" in three["decision"]["reason"]
    assert three["verification"] is None  # public lessons are not in [verification] required


def test_lesson_documents_are_searchable_with_the_lesson(world: World) -> None:
    """The 说课稿's text (not in the 教学设计) finds the public lesson."""
    teacher = world.user("t1")
    inspector = world.user("i1", role="inspector")
    item = teacher.upload(DESIGN, kind="public_lesson", title="公开课",
                          metadata={"lesson_type": "示范课"}).get_json()
    assert item["metadata"]["lesson_title"] == "公开课"  # the topic defaults to the title
    word = "文缘史鉴"  # in the 说课稿 (宋代文学 lesson plan), not in the 醉翁亭记 design
    before = inspector.get("/api/v1/search", query_string={"q": word}).get_json()
    assert item["id"] not in [h["id"] for h in before["items"]]
    assert _attach(teacher, item["id"], "lecture_script", SCRIPT).status_code == 201
    after = inspector.get("/api/v1/search", query_string={"q": word}).get_json()
    assert item["id"] in [h["id"] for h in after["items"]]


DOCUMENT_REFUSALS = [
    # (kind of the item, purpose, file, code)
    ("public_lesson", "lecture_script", CERTIFICATE.with_name("zh_pdf_16_408_caozuoxitong_mojibake.pdf"), None),
    ("reflection", "lecture_script", SCRIPT, "invalid_purpose"),  # 说课稿 belongs to a 公开课
    ("public_lesson", "study_notes", STUDY_NOTES, "invalid_purpose"),  # 学习心得: 集中培训
    ("public_lesson", "lesson_reflection", corpus("edge_05_encrypted_password_protected.docx"), "encrypted"),
]


@pytest.mark.parametrize(("kind", "purpose", "path", "code"), DOCUMENT_REFUSALS,
                         ids=["pdf-ok", "wrong-kind", "notes-on-lesson", "encrypted"])
def test_document_attachments_fit_their_kind_and_are_documents(world: World, kind: str, purpose: str,
                                                               path: Path, code: str | None) -> None:
    teacher = world.user("t1")
    item = teacher.upload(DESIGN, kind=kind, title="教学设计",
                          metadata={"lesson_type": "公开课"} if kind == "public_lesson" else None
                          ).get_json()
    res = _attach(teacher, item["id"], purpose, path)
    if code is None:
        assert res.status_code == 201, res.get_json()
        return
    assert_error(res, 422, code)
    assert teacher.get(f"/api/v1/items/{item['id']}/attachments").get_json()["items"] == []


# --------------------------------------------------------------------------- verification

def test_verification_pending_refused_granted(world: World) -> None:
    """Pending shows the hours it would earn; a refusal needs a reason the teacher sees; every
    decision is in the item's history."""
    teacher = world.user("t1")
    item = _training(teacher, mode="offline", days=2).get_json()
    assert _attach(teacher, item["id"], "study_notes", STUDY_NOTES).status_code == 201
    pending = _item(teacher, item["id"])["decision"]
    assert (pending["code"], pending["hours"], pending["numbers"]["would_earn"]) == \
        ("pending_verification", 0, 16), VERIFY
    assert "核验通过后计 16 学时" in pending["reason"]
    assert_error(_verify(world.admin, item["id"], False), 422, "reason_required")
    assert _verify(world.admin, item["id"], False, "证明未加盖培训单位公章").status_code == 200
    refused = _item(teacher, item["id"])
    assert (refused["decision"]["code"], refused["decision"]["hours"]) == ("returned", 0)
    assert "证明未加盖培训单位公章" in refused["decision"]["reason"]
    assert refused["verification"] == {**refused["verification"], "status": "refused",
                                       "reason": "证明未加盖培训单位公章", "verified_by": "系统管理员"}
    assert _verify(world.admin, item["id"], True).status_code == 200
    granted = _item(teacher, item["id"])
    assert (granted["decision"]["code"], granted["decision"]["hours"]) == ("counted", 16)
    assert granted["verification"]["reason"] is None
    history = teacher.get(f"/api/v1/items/{item['id']}/history").get_json()["items"]
    trail = [(h["action"], h["reason"]) for h in history if "verif" in h["action"]]
    assert trail == [("refuse_verification", "证明未加盖培训单位公章"), ("verify", "")]


def test_who_may_verify(world: World, tmp_path: Path, s3_server: Any) -> None:
    teacher = world.user("t1")
    item = _training(teacher, mode="offline", days=1).get_json()
    assert_error(_verify(teacher, item["id"], True), 403, "forbidden")
    assert_error(_verify(world.user("i1", role="inspector"), item["id"], True), 403, "forbidden")
    assert _verify(world.user("a2", role="admin", school="第二中学"), item["id"], True).status_code == 404
    assert _verify(world.user("a1", role="admin"), item["id"], True).status_code == 200
    reflection = teacher.upload(STUDY_NOTES, title="反思").get_json()
    assert_error(_verify(world.admin, reflection["id"], True), 409, "verification_not_needed")


def test_inspectors_verify_where_the_rules_allow(tmp_path: Path, s3_server: Any) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[verification]\ninspectors_may_verify = true\n", encoding="utf-8")
    world = World(make_app(tmp_path, s3_server, RULES_FILE=str(rules)))
    item = _training(world.user("t1"), mode="offline", days=1).get_json()
    assert _verify(world.user("i1", role="inspector"), item["id"], True).status_code == 200


# --------------------------------------------------------------------------- 讲稿 → activity

def _activity(app: Flask, lecturer: str) -> int:
    with app.app_context(), db.transaction() as session:
        admin = session.query(User).filter_by(username="admin").one()
        return create_activity(session, archive.settings, admin, {
            "school": "第一中学", "kind": "training", "title": "信息技术专题培训",
            "date": "2025-10-15", "hours": 2, "lecturer": lecturer, "in_school_expert": True}).id


def test_lecture_notes_name_an_activity_the_teacher_lectured(app: Flask, world: World) -> None:
    lecturer, other = world.user("t1"), world.user("t2")
    world.user("t3", school="第二中学")
    activity = _activity(app, "t1")
    notes = lecturer.upload(SCRIPT, kind="lecture_notes", title="讲稿",
                            metadata={"activity_id": activity})
    assert notes.status_code == 201, notes.get_json()
    assert notes.get_json()["metadata"]["activity_id"] == activity
    assert_error(other.upload(SCRIPT, kind="lecture_notes", title="讲稿",
                              metadata={"activity_id": activity}), 422, "not_the_lecturer")
    assert_error(lecturer.upload(SCRIPT, kind="lecture_notes", title="讲稿",
                                 metadata={"activity_id": activity + 100}), 422, "invalid_activity")
    assert_error(lecturer.upload(SCRIPT, kind="lecture_notes", title="讲稿",
                                 metadata={"activity_id": "第一次"}), 400, "invalid_metadata")


# --------------------------------------------------------------------------- the 学时台账

def test_the_ledger_carries_each_teachers_records(app: Flask, world: World) -> None:
    """services/ledger.school_ledger (what the register reads) decides the items of these kinds."""
    teacher = world.user("t1")
    training = _training(teacher, mode="online", certified_hours=30).get_json()
    _attach(teacher, training["id"], "study_notes", STUDY_NOTES)
    _verify(world.admin, training["id"], True)
    lesson = teacher.upload(DESIGN, kind="public_lesson", title="醉翁亭记",
                            metadata={"lesson_type": "示范课"}).get_json()
    _attach(teacher, lesson["id"], "lecture_script", SCRIPT)
    with app.app_context():
        teacher_id = db.session.query(User).filter_by(username="t1").one().id
        school_id = db.session.query(User).filter_by(username="t1").one().school_id
        year = school_ledger(db.session, archive.settings, school_id, "2025-2026")[teacher_id]
    lines = {(ln.source, ln.ref_id): ln for ln in year.lines}
    assert (lines["external_training", training["id"]].code, lines["external_training", training["id"]].hours) \
        == ("counted", 30)
    assert lines["public_lesson", lesson["id"]].code == "missing_evidence"
    assert year.hours_by_source["external_training"] == 30
    assert year.hours_by_source["public_lesson"] == 0
    assert year.hours_by_source["portfolio"] == 0  # the records are not portfolio items
    register = world.admin.get("/api/v1/register", query_string={"year": "2025-2026", "teacher": "t1"})
    entry = register.get_json()["teachers"][0]
    assert entry["hours_by_source"]["external_training"] == 30
    assert entry["total_hours"] == 30


# --------------------------------------------------------------------------- pages

def _labelled(html: str) -> None:
    """Every visible input of the page is inside a <label> (or is a hidden field/button)."""
    bare = re.sub(r"<label.*?</label>", "", html, flags=re.S)
    named = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    inputs = [tag for tag in re.findall(r"<(?:input|select)\b[^>]*>", bare)
              if 'type="hidden"' not in tag and not any(f'id="{i}"' in tag for i in named)]
    assert inputs == [], inputs
    assert "<script>" not in html and " style=" not in html and "onclick" not in html


def test_pages_upload_a_training_and_verify_it(world: World) -> None:
    """The teacher fills the form's 集中培训 fields; the admin refuses on the queue page with a
    reason the teacher then reads on the item page, then grants."""
    world.user("t1")
    world.user("a1", role="admin")
    teacher = page_login(world.app, "t1")
    form = teacher.get("/my/items/new").get_data(as_text=True)
    assert 'data-kind="external_training"' in form and 'data-kind="public_lesson"' in form
    assert "培训单位" in form and "证书注明的学时" in form and "课型" in form
    res = teacher.post("/my/items/new", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(teacher, "/my/items/new"), "kind": "external_training",
        "title": "县级骨干教师培训", "completion_date": "2025-11-14", "organizer": "县教师进修学校",
        "start_date": "2025-11-13", "days": "2", "mode": "offline",
        "file": (io.BytesIO(CERTIFICATE.read_bytes()), "结业证书.pdf")})
    assert res.status_code == 302, res.get_data(as_text=True)[:500]
    item_url = res.headers["Location"].split("?")[0]
    item_id = int(item_url.rsplit("/", 1)[1])
    page = teacher.get(item_url).get_data(as_text=True)
    assert "缺少学习心得" in page and "学期" in page
    teacher.post(f"{item_url}/attachments", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(teacher, item_url), "purpose": "study_notes",
        "file": (io.BytesIO(STUDY_NOTES.read_bytes()), "学习心得.docx")})
    admin = page_login(world.app, "a1")
    queue = admin.get("/admin/verification").get_data(as_text=True)
    assert "县级骨干教师培训" in queue and "待核验" in queue and "16 学时" in queue
    _labelled(queue)
    done = admin.post(f"/items/{item_id}/verification", follow_redirects=True, data={
        "csrf_token": csrf_token(admin, "/admin/verification"), "verified": "0",
        "reason": "证明缺少培训单位公章"}).get_data(as_text=True)
    assert "已记录核验未通过" in done
    seen = teacher.get(item_url).get_data(as_text=True)
    assert "核验未通过" in seen and "证明缺少培训单位公章" in seen
    admin.post(f"/items/{item_id}/verification", data={
        "csrf_token": csrf_token(admin, item_url), "verified": "1"})
    assert "县级骨干教师培训" not in admin.get("/admin/verification").get_data(as_text=True)
    granted = teacher.get(item_url).get_data(as_text=True)
    assert "已核验" in granted and "16 学时" in granted
