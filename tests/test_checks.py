"""学期检查 (issue 14 point 2): the sample, the marks, the teachers' results, scope, closing."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from flask import Flask
from openpyxl import load_workbook
from sqlalchemy import select

from archive_service.errors import AppError
from archive_service.models import CheckTeacher, Item, User
from archive_service.rules import load_rules
from archive_service.services import checks
from archive_service.services.checks.sample import draw
from archive_service.services.items import soft_delete
from tests.helpers import Api, Services, World, assert_error, corpus, csrf_token, make_app, page_login

DOCS = ("zh_docx_12_yingyu_jiaoxue_zongjie.docx", "zh_docx_02_zuiwengtingji_jiaoxuesheji.docx",
        "zh_docx_08_jiaogai_anli.docx", "zh_docx_01_songdai_wenxue_jiaoan.docx",
        "zh_docx_14_jiqiren_jiaoxue_dagang.docx", "zh_docx_05_jiaoshi_fangtan_dagang.docx")
TERM1 = "2025-10-08"
TERM2 = "2026-03-10"


# --------------------------------------------------------------------------- the pure draw

def test_draw_takes_every_kind_before_a_second_of_any() -> None:
    items = {"reflection": list(range(1, 21)), "lesson_design": [31, 32], "paper": [41]}
    sample = draw(items, 3, "seed", "t1")
    kinds = {k for k, ids in items.items() for i in sample if i in ids}
    assert kinds == {"reflection", "lesson_design", "paper"}
    five = draw(items, 5, "seed", "t1")
    assert five[:3] == sample  # a bigger sample starts with the smaller one
    assert sum(i in items["reflection"] for i in five) == 2
    assert sum(i in items["lesson_design"] for i in five) == 2


def test_draw_is_reproducible_and_never_more_than_exist() -> None:
    items = {"reflection": [5, 3, 9, 12, 7], "paper": [2, 8]}
    assert draw(items, 4, "s1", "t1") == draw({"paper": [8, 2], "reflection": [12, 9, 7, 5, 3]},
                                              4, "s1", "t1")
    many = draw(items, 50, "s1", "t1")
    assert sorted(many) == [2, 3, 5, 7, 8, 9, 12]
    assert draw({}, 3, "s1", "t1") == []
    assert draw({"paper": []}, 3, "s1", "t1") == []
    seen = {tuple(draw({"reflection": list(range(100))}, 3, f"s{n}", "t1")) for n in range(10)}
    assert len(seen) > 1  # the seed matters


# --------------------------------------------------------------------------- the service

def _items(services: Services, teacher: User, plan: list[tuple[str, str]]) -> list[int]:
    return [services.upload(teacher, DOCS[n % len(DOCS)], kind=kind, title=f"{kind}{n}",
                            completion_date=when) for n, (kind, when) in enumerate(plan)]


def test_sample_is_stratified_in_scope_live_and_reproducible(services: Services) -> None:
    t1 = services.user("t1")
    t3 = services.user("t3")
    t2 = services.user("t2", school="第二中学")
    inspector = services.user("insp", role="inspector")
    term1 = _items(services, t1, [("reflection", TERM1)] * 3 + [("lesson_design", TERM1)] * 2
                   + [("paper", TERM1)])
    later = _items(services, t1, [("reflection", TERM2)])
    gone = _items(services, t1, [("reflection", TERM1)])
    with services.uow() as session:
        soft_delete(session, t1, session.get(Item, gone[0]))
    only = _items(services, t3, [("reflection", TERM1)])
    other = _items(services, t2, [("reflection", TERM1)])
    req = checks.CheckRequest(year="2025-2026", term=1, sample_per_teacher=3, seed="甲-1")
    with services.uow() as session:
        first = checks.open_check(session, services.settings, inspector, req).id
        again = checks.open_check(session, services.settings, inspector, req).id
        wide = checks.open_check(session, services.settings, inspector,
                                 checks.CheckRequest(year="2025-2026", term=1,
                                                     sample_per_teacher=20, seed="甲-1")).id
    with services.uow() as session:
        def samples(check_id: int) -> dict[str, list[int]]:
            rows = session.scalars(select(CheckTeacher).where(CheckTeacher.check_id == check_id))
            return {r.teacher.username: list(r.sample) for r in rows}
        s1, s2, s3 = samples(first), samples(again), samples(wide)
    assert set(s1) == {"t1", "t3"}  # the inspector's school only
    assert s1 == s2  # the same seed and archive: the same sample
    assert len(s1["t1"]) == 3 and set(s1["t1"]) <= set(term1)
    kinds = {("reflection" if i in term1[:3] else "lesson_design" if i in term1[3:5] else "paper")
             for i in s1["t1"]}
    assert kinds == {"reflection", "lesson_design", "paper"}  # stratified by kind
    assert s1["t3"] == only  # never more than exist
    assert sorted(s3["t1"]) == sorted(term1)  # all live items of the term, nothing else
    assert not set(s3["t1"]) & set(later + gone + other)


def test_opening_refuses_bad_requests_and_teachers(services: Services) -> None:
    teacher = services.user("t1")
    inspector = services.user("insp", role="inspector")
    services.school("第二中学")
    with services.uow() as session:
        with pytest.raises(AppError) as refused:
            checks.open_check(session, services.settings, teacher,
                              checks.CheckRequest(year="2025-2026", term=1))
        assert refused.value.status == 403
        with pytest.raises(AppError) as outside:
            checks.open_check(session, services.settings, inspector,
                              checks.CheckRequest(year="2025-2026", term=1, school="第二中学"))
        assert outside.value.status == 404
        with pytest.raises(AppError) as too_many:
            checks.open_check(session, services.settings, inspector,
                              checks.CheckRequest(year="2025-2026", term=1, sample_per_teacher=21))
        assert "max_sample_per_teacher" in too_many.value.message


# --------------------------------------------------------------------------- the API

def _check(inspector: Api, **body: object) -> dict:
    res = inspector.post("/api/v1/checks", {"year": "2025-2026", "term": 1,
                                            "sample_per_teacher": 2, "seed": "s", **body})
    assert res.status_code == 201, res.get_json()
    assert res.headers["Location"].endswith(f"/api/v1/checks/{res.get_json()['id']}")
    return res.get_json()


def test_api_check_marks_results_scope_and_close(world: World) -> None:
    teacher = world.user("t1", name="张丽")
    world.user("t2", school="第一中学")
    outsider = world.user("t9", school="第二中学")
    inspector = world.user("insp", role="inspector")
    away = world.user("insp2", role="inspector", school="第二中学")
    ids = [teacher.upload(corpus(DOCS[n]), kind=kind, title=f"篇{n}").get_json()["id"]
           for n, kind in enumerate(("reflection", "lesson_design", "reflection"))]
    check = _check(inspector)
    line = next(t for t in check["teachers"] if t["username"] == "t1")
    assert check["seed"] == "s" and len(line["sample"]) == 2 and set(line["sample"]) <= set(ids)
    assert {c["kind"]: c["required"] for c in line["checklist"]} == {
        "public_lesson": 1, "reflection": 10, "lesson_design": 1}  # 000 第2篇
    assert {c["kind"]: c["found"] for c in line["checklist"]} == {
        "public_lesson": 0, "reflection": 2, "lesson_design": 1}
    assert set(line["attendance"]) >= {"present", "absent"}
    assert _check(inspector)["teachers"] == check["teachers"]  # reproducible over HTTP too
    url = f"/api/v1/checks/{check['id']}"
    item = line["sample"][0]
    res = inspector.post(f"{url}/marks", {"item_id": item, "result": "需改进", "comment": "反思不够具体"})
    assert res.status_code == 200, res.get_json()
    unsampled = next(i for i in ids if i not in line["sample"])
    assert_error(inspector.post(f"{url}/marks", {"item_id": unsampled, "result": "合格"}),
                 422, "not_sampled")
    assert_error(inspector.post(f"{url}/marks", {"item_id": item, "result": "优秀"}),
                 422, "invalid_input")
    assert_error(teacher.post(f"{url}/marks", {"item_id": item, "result": "合格"}), 403, "forbidden")
    assert_error(away.post(f"{url}/marks", {"item_id": item, "result": "合格"}), 404, "not_found")
    res = inspector.put(f"{url}/teachers/t1", json={"result": "合格", "comment": "材料齐全"})
    assert res.status_code == 200, res.get_json()
    assert_error(inspector.put(f"{url}/teachers/nobody", json={"result": "合格"}), 404, "not_found")
    # the teacher sees the marks and the result, and only their own line
    mine = teacher.get(url).get_json()
    assert [t["username"] for t in mine["teachers"]] == ["t1"]
    marked = next(i for i in mine["teachers"][0]["items"] if i["id"] == item)
    assert marked["mark"]["result"] == "需改进" and marked["mark"]["comment"] == "反思不够具体"
    assert mine["teachers"][0]["result"] == "合格" and mine["teachers"][0]["comment"] == "材料齐全"
    history = teacher.get(f"/api/v1/items/{item}/history").get_json()["items"]
    assert any(h["action"] == "check_mark" and h["reason"] == "反思不够具体" for h in history)
    # nobody out of scope sees it
    for other in (outsider, away):
        assert other.get(url).status_code == 404
        assert other.get("/api/v1/checks").get_json()["total"] == 0
    assert teacher.get("/api/v1/checks").get_json()["total"] == 2
    # closing makes it read-only; only an admin reopens, with a reason
    assert inspector.post(f"{url}/close").get_json()["closed"] is True
    assert_error(inspector.post(f"{url}/marks", {"item_id": item, "result": "合格"}),
                 409, "check_closed")
    assert_error(inspector.post(f"{url}/reopen", {"reason": "补评"}), 403, "forbidden")
    assert_error(world.admin.post(f"{url}/reopen", {"reason": ""}), 422, "invalid_input")
    reopened = world.admin.post(f"{url}/reopen", {"reason": "补评一篇"}).get_json()
    assert reopened["closed"] is False and reopened["reopen_reason"] == "补评一篇"
    assert inspector.post(f"{url}/marks", {"item_id": item, "result": "合格"}).status_code == 200


def test_api_check_bad_bodies_are_422_in_chinese(world: World) -> None:
    inspector = world.user("insp", role="inspector")
    for body in ({"year": "2025", "term": 1}, {"year": "2025-2026", "term": 3},
                 {"year": "2025-2026", "term": "1"}, {"year": "2025-2026", "term": 1, "x": 1},
                 {"year": "2025-2026", "term": 1, "sample_per_teacher": 0}):
        assert_error(inspector.post("/api/v1/checks", body), 422, "invalid_input")
    assert_error(world.user("t1").post("/api/v1/checks", {"year": "2025-2026", "term": 1}),
                 403, "forbidden")


def test_quotas_follow_the_rules_file(tmp_path: Path, s3_server: object) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text("[quotas.lesson_reflection]\ncount = 4\n[quotas.best_lesson_design]\n"
                     "enabled = false\n[quotas.papers]\nname = \"论文\"\nkind = \"paper\"\n"
                     "count = 1\nenabled = true\n", encoding="utf-8")
    assert [(q.kind, q.count) for q in load_rules(rules).checks.checklist] == [
        ("public_lesson", 1), ("reflection", 4), ("paper", 1)]
    defaults = load_rules().checks
    assert [(q.kind, q.count, q.unit) for q in defaults.checklist] == [
        ("public_lesson", 1, "节"), ("reflection", 10, "篇"), ("lesson_design", 1, "篇")]
    app: Flask = make_app(tmp_path / "app", s3_server, RULES_FILE=str(rules))  # type: ignore[arg-type]
    world = World(app)
    teacher = world.user("t1")
    teacher.upload(corpus(DOCS[0]), kind="paper", title="论文")
    check = _check(world.user("insp", role="inspector"))
    lines = check["teachers"][0]["checklist"]
    assert [(c["name"], c["required"], c["found"], c["missing"]) for c in lines] == [
        ("公开课", 1, 0, 1), ("课后反思", 4, 0, 4), ("论文", 1, 1, 0)]


# --------------------------------------------------------------------------- the pages

def _form(client, url: str, data: dict, csrf_from: str = "/checks") -> str:  # type: ignore[no-untyped-def]
    res = client.post(url, data={"csrf_token": csrf_token(client, csrf_from), **data},
                      follow_redirects=True)
    assert res.status_code == 200, res.get_data(as_text=True)[:300]
    return res.get_data(as_text=True)


def test_pages_walk_a_check_and_the_teacher_sees_the_marks(world: World) -> None:
    teacher = world.user("t1", name="张丽")
    world.user("insp", role="inspector")
    world.user("t9", school="第二中学")
    item = teacher.upload(corpus(DOCS[0]), title="英语教学反思").get_json()["id"]
    inspector = page_login(world.app, "insp")
    listing = inspector.get("/checks").get_data(as_text=True)
    assert '<label for="check-year">学年</label>' in listing and "<script>" not in listing
    page = _form(inspector, "/checks", {"year": "2025-2026", "term": "1",
                                        "sample_per_teacher": "2", "seed": "页面"})
    assert "检查已开始" in page and "英语教学反思" in page and f"/items/{item}" in page
    check_id = int(re.search(r'/checks/(\d+)/close', page)[1])  # type: ignore[index]
    page = _form(inspector, f"/checks/{check_id}/marks",
                 {"item_id": str(item), "result": "不合格", "comment": "字数不足"})
    assert "评定已保存" in page and "字数不足" in page
    page = _form(inspector, f"/checks/{check_id}/teachers/t1", {"result": "需改进", "comment": "补交"})
    assert "教师检查结论已保存" in page
    page = _form(inspector, f"/checks/{check_id}/close", {})
    assert "本次检查已结束" in page and "保存结论" not in page
    page = _form(inspector, f"/checks/{check_id}/marks", {"item_id": str(item), "result": "合格"})
    assert "记录只读" in page  # refused, in Chinese
    mine = page_login(world.app, "t1").get(f"/checks/{check_id}").get_data(as_text=True)
    assert "不合格" in mine and "字数不足" in mine and "需改进" in mine and "保存" not in mine
    outsider = page_login(world.app, "t9")
    assert outsider.get(f"/checks/{check_id}").status_code == 404
    assert "字数不足" not in outsider.get("/checks").get_data(as_text=True)


# --------------------------------------------------------------------------- check records

def _pdf_text(body: bytes, tmp_path: Path) -> str:
    path = tmp_path / "record.pdf"
    path.write_bytes(body)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                         check=True)
    return out.stdout


def test_records_xlsx_and_pdf_are_real(world: World, tmp_path: Path) -> None:
    a = world.user("t1", name="张丽")
    b = world.user("t2", name="=HYPERLINK(\"x\")")  # a name that a spreadsheet would run
    world.user("t3", name="王芳", school="第二中学").upload(corpus(DOCS[2]), title="二中反思")
    first = a.upload(corpus(DOCS[0]), title="英语教学反思").get_json()["id"]
    b.upload(corpus(DOCS[1]), kind="lesson_design", title="醉翁亭记")
    check = _check(world.admin)  # every school: two sheets
    url = f"/api/v1/checks/{check['id']}"
    world.admin.post(f"{url}/marks", {"item_id": first, "result": "需改进", "comment": "=1+1 待补"})
    world.admin.put(f"{url}/teachers/t1", json={"result": "合格", "comment": "材料齐全"})
    res = world.admin.get(f"{url}/report.xlsx")
    assert res.status_code == 200 and res.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(res.data))
    assert book.sheetnames == ["汇总", "第一中学", "第二中学"]
    summary = [[c.value for c in row] for row in book["汇总"].iter_rows(min_row=3)]
    assert summary[0][:3] == ["第一中学", 2, 1] and summary[0][-1].startswith("张丽（公开课 1 节、课后反思 9 篇")
    assert summary[1][:2] == ["第二中学", 1]
    sheet = book["第一中学"]
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "第一中学 2025—2026学年第一学期 校本研修档案检查记录表"
    head = rows[1]
    assert head[:5] == ["教师", "用户名", "公开课（已交/应交）", "课后反思（已交/应交）",
                        "最佳教案（已交/应交）"]
    body = {r[1]: dict(zip(head, r, strict=True)) for r in rows[2:]}
    assert set(body) == {"t1", "t2"}
    assert body["t1"]["课后反思（已交/应交）"] == "1/10" and body["t1"]["需改进"] == 1
    assert body["t1"]["还缺"] == "公开课 1 节、课后反思 9 篇、最佳教案 1 篇"
    assert body["t1"]["检查结论"] == "合格" and "=1+1 待补" in body["t1"]["抽查评定与评语"]
    assert body["t2"]["教师"] == "=HYPERLINK(\"x\")" and body["t2"]["未评定"] == 1
    for row in sheet.iter_rows(min_row=3):
        assert all(c.data_type != "f" for c in row)  # text stays text
    assert [r[1].value for r in book["第二中学"].iter_rows(min_row=3)] == ["t3"]
    assert_error(world.admin.get(f"{url}/report.pdf"), 422, "school_required")
    assert_error(world.admin.get(f"{url}/report.pdf?school=第三中学"), 404, "unknown_school")
    res = world.admin.get(f"{url}/report.pdf?school=第一中学")
    assert res.status_code == 200 and res.data.startswith(b"%PDF")
    text = _pdf_text(res.data, tmp_path)
    assert "第一中学 2025—2026学年第一学期 校本研修档案检查记录表" in text
    assert "检查人：" in text and "检查人（签字）" in text and "学校负责人（签字）" in text
    assert "张丽" in text and "材料齐全" in text and "需改进 1" in text and "王芳" not in text
    # a school's inspector gets the records of their school without naming it
    inspector = world.user("insp", role="inspector")
    own = _check(inspector)
    assert "王芳" not in _pdf_text(inspector.get(f"/api/v1/checks/{own['id']}/report.pdf").data,
                                  tmp_path)
    assert_error(a.get(f"/api/v1/checks/{own['id']}/report.xlsx"), 403, "forbidden")


# --------------------------------------------------------------------------- the teacher's bag

def test_home_page_shows_the_terms_checklist_from_the_rules(tmp_path: Path, s3_server: object,
                                                             world: World) -> None:
    teacher = world.user("t1")
    today = world.app.extensions["archive"].settings.today()
    teacher.upload(corpus(DOCS[0]), title="本学期反思", completion_date=today.isoformat())
    teacher.upload(corpus(DOCS[1]), kind="lesson_design", title="教案",
                   completion_date=today.isoformat())
    page = page_login(world.app, "t1").get("/my/items").get_data(as_text=True)
    first = "第一学期" if today.month >= 9 or today.month < 2 else "第二学期"
    due = "1 月 20 日" if first == "第一学期" else "7 月 10 日"
    assert f"{first}档案袋 {due}截止，还缺：公开课 1 节、课后反思 9 篇</strong>" in page
    assert "最佳教案：已交 1 / 应交 1" in page
    # a school changes a count, switches a line off, moves the hand-in day
    rules = tmp_path / "rules.toml"
    rules.write_text("[quotas]\nfirst_term_hand_in_month = 1\nfirst_term_hand_in_day = 15\n"
                     "second_term_hand_in_month = 7\nsecond_term_hand_in_day = 1\n"
                     "[quotas.lesson_reflection]\ncount = 1\n[quotas.best_lesson_design]\n"
                     "enabled = false\n[quotas.public_lesson]\nenabled = false\n",
                     encoding="utf-8")
    app: Flask = make_app(tmp_path / "app", s3_server, RULES_FILE=str(rules))  # type: ignore[arg-type]
    other = World(app)
    other.user("t1").upload(corpus(DOCS[0]), title="反思", completion_date=today.isoformat())
    page = page_login(app, "t1").get("/my/items").get_data(as_text=True)
    due = "1 月 15 日" if first == "第一学期" else "7 月 1 日"
    assert f"{first}档案袋 {due}截止，已齐全" in page and "最佳教案" not in page


def test_quota_lines_are_validated(tmp_path: Path) -> None:
    from archive_service.rules import RulesError

    for text, problem in (("[quotas.x]\nname = \"听课\"\nkind = \"lesson_observation\"\ncount = 20\n"
                           "enabled = true\n", "应为成果类型之一"),
                          ("[quotas.x]\nkind = \"paper\"\n", "缺少设置项"),
                          ("[quotas]\ncount = 3\n", "是未知的设置项"),
                          ("[quotas]\nfirst_term_hand_in_day = 32\n", "1 到 31"),
                          ("[checks]\ndefault_sample_per_teacher = 50\n", "不能大于")):
        rules = tmp_path / "rules.toml"
        rules.write_text(text, encoding="utf-8")
        with pytest.raises(RulesError) as bad:
            load_rules(rules)
        assert problem in str(bad.value), (text, str(bad.value))


# --------------------------------------------------------------------------- search

def test_search_filters_term_subtype_and_check(world: World) -> None:
    teacher = world.user("t1")
    other = world.user("t2")
    inspector = world.user("insp", role="inspector")
    first = teacher.upload(corpus(DOCS[0]), title="第一学期反思", subtype="教学反思").get_json()["id"]
    narrative = teacher.upload(corpus(DOCS[2]), title="第一学期叙事", subtype="教育叙事").get_json()["id"]
    spring = teacher.upload(corpus(DOCS[3]), kind="lesson_design", title="第二学期教案",
                            completion_date=TERM2).get_json()["id"]
    theirs = other.upload(corpus(DOCS[4]), title="同事的反思", subtype="教学反思").get_json()["id"]

    def ids(client: Api, query: str) -> set[int]:
        res = client.get(f"/api/v1/search?{query}")
        assert res.status_code == 200, res.get_json()
        return {h["id"] for h in res.get_json()["items"]}

    assert ids(inspector, "term=2025-2026-1") == {first, narrative, theirs}
    assert ids(inspector, "term=2025-2026-2") == {spring}
    assert ids(inspector, "subtype=教学反思") == {first, theirs}
    assert ids(teacher, "subtype=教学反思") == {first}  # scope still applies
    assert ids(inspector, "term=2025-2026-2&subtype=教学反思") == set()
    check = _check(inspector, sample_per_teacher=1)
    sampled = {i for t in check["teachers"] for i in t["sample"]}
    assert ids(inspector, f"check={check['id']}") == sampled and len(sampled) == 2
    own = next(t["sample"] for t in check["teachers"] if t["username"] == "t1")
    assert ids(teacher, f"check={check['id']}") == set(own)  # a teacher: their own sample
    assert_error(world.user("t9", school="第二中学").get(f"/api/v1/search?check={check['id']}"),
                 404, "not_found")
    message = assert_error(inspector.get("/api/v1/search?term=2025-2026-3"), 422, "invalid_input")
    assert "学期" in message


def test_handing_in_locks_the_terms_items_until_an_admin_unlocks(world: World) -> None:
    teacher = world.user("t1", name="张丽")
    world.user("adm2", role="admin", school="第二中学")
    other_admin = world.login("adm2", "secret-pass-1")
    autumn = teacher.upload(corpus(DOCS[0]), title="秋季反思").get_json()["id"]
    spring = teacher.upload(corpus(DOCS[1]), title="春季反思", completion_date=TERM2).get_json()["id"]
    res = teacher.post("/api/v1/bag/hand-in", {"term": "2025-2026-1"})
    assert res.status_code == 200 and res.get_json()["locked"] is True
    assert_error(teacher.post("/api/v1/bag/hand-in", {"term": "2025-2026-1"}), 409, "bag_locked")
    message = assert_error(teacher.upload(corpus(DOCS[2]), title="补交"), 409, "bag_locked")
    assert "2025—2026学年第一学期的档案袋已上交" in message
    assert_error(teacher.delete(f"/api/v1/items/{autumn}"), 409, "bag_locked")
    assert_error(teacher.put(f"/api/v1/items/{autumn}/file", data={
        "file": (io.BytesIO(corpus(DOCS[2]).read_bytes()), "新版.docx")},
        content_type="multipart/form-data"), 409, "bag_locked")
    assert teacher.delete(f"/api/v1/items/{spring}").status_code == 200  # another term: open
    editor = page_login(world.app, "t1")
    page = _form(editor, f"/items/{autumn}/details", {"title": "改个标题", "completion_date": TERM1},
                 csrf_from=f"/items/{autumn}")
    assert "的档案袋已上交" in page and "改个标题" not in page  # fields are locked too
    unlock = {"teacher": "t1", "term": "2025-2026-1", "reason": "补交一篇反思"}
    assert_error(teacher.post("/api/v1/bag/unlock", unlock), 403, "forbidden")
    assert_error(other_admin.post("/api/v1/bag/unlock", unlock), 404, "not_found")
    assert_error(world.admin.post("/api/v1/bag/unlock", {**unlock, "reason": ""}), 422,
                 "invalid_input")
    res = world.admin.post("/api/v1/bag/unlock", unlock)
    assert res.status_code == 200 and res.get_json()["locked"] is False
    assert res.get_json()["unlock_reason"] == "补交一篇反思"
    assert teacher.upload(corpus(DOCS[2]), title="补交").status_code == 201
    # the home page offers the current term's hand-in and then says it is locked
    page = page_login(world.app, "t1")
    assert "档案袋已上交" in _form(page, "/my/bag/hand-in", {}, csrf_from="/my/items")
    assert "该学期的成果已锁定" in page.get("/my/items").get_data(as_text=True)
