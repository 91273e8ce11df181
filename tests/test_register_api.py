"""The register through the API: selection, yearly slots, papers, lecture notes, exports."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from archive_service.job_runner import drain
from tests.helpers import Api, World, corpus

REFLECTION = corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")  # 1,013 字 with punctuation
LONG = corpus("zh_docx_08_jiaogai_anli.docx")  # 3,315 字
DESIGN = corpus("zh_pdf_04_mokuai1_jiaoan.pdf")  # 2,401 字
INTERVIEW = corpus("zh_docx_05_jiaoshi_fangtan_dagang.docx")  # 831 字
SHEETS = ["学时汇总", "研修成果", "校本培训活动", "校本教研活动", "集中培训", "公开课、示范课", "教师专业知识考试"]


def _upload(api: Api, path, **kw) -> dict:
    res = api.upload(path, **kw)
    assert res.status_code in (201, 202), res.get_json()  # 202: a scan's OCR runs as a job
    return res.get_json()


def _select(admin: Api, item_id: int, selected: bool = True, reason: str | None = None) -> dict:
    body = {"selected": selected} | ({"reason": reason} if reason else {})
    res = admin.post(f"/api/v1/items/{item_id}/selection", body)
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def _verify(admin: Api, item_id: int) -> dict:
    """The school verifies the evidence (papers and projects count only then, [verification])."""
    res = admin.post(f"/api/v1/items/{item_id}/verification", {"verified": True})
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def _register(api: Api, **query) -> dict:
    res = api.get("/api/v1/register", query_string=query)
    assert res.status_code == 200, res.get_json()
    return res.get_json()


def _decisions(teacher: dict) -> dict[int, dict]:
    return {i["id"]: i["decision"] for i in teacher["items"]}


def test_selection_turns_awaiting_into_counted(world: World) -> None:
    teacher = world.user("t1", name="李老师", staff_no="A001", subject="英语")
    item = _upload(teacher, REFLECTION, title="三年级英语教学反思")
    assert item["char_count"] == 1013
    assert item["decision"]["code"] == "eligible_awaiting_selection"
    reg = _register(teacher, year="2025-2026")
    assert reg["target_hours"] == 40
    me = reg["teachers"][0]
    assert me["total_hours"] == 0 and me["target_met"] is False

    selected = _select(world.admin, item["id"])
    assert selected["decision"]["code"] == "counted"
    assert selected["decision"]["hours"] == 4
    me = _register(teacher, year="2025-2026")["teachers"][0]
    assert me["total_hours"] == 4
    assert me["cycle_hours"] == 4
    history = teacher.get(f"/api/v1/items/{item['id']}/history").get_json()["items"]
    assert [e["action"] for e in history] == ["upload", "select"]
    assert history[-1]["actor"] == "系统管理员"


def test_return_needs_a_reason_and_teacher_sees_it(world: World) -> None:
    teacher = world.user("t1")
    item = _upload(teacher, REFLECTION)
    res = world.admin.post(f"/api/v1/items/{item['id']}/selection", {"selected": False})
    assert res.status_code == 400
    assert res.get_json()["error"]["code"] == "reason_required"
    _select(world.admin, item["id"], False, "反思内容与教学实际联系不够，请补充课例")
    mine = teacher.get(f"/api/v1/items/{item['id']}").get_json()
    assert mine["selection"] == "returned"
    assert mine["decision"]["code"] == "returned"
    assert "请补充课例" in mine["decision"]["reason"]


def test_second_reflection_competes_and_teacher_is_told(world: World) -> None:
    teacher = world.user("t1")
    first = _upload(teacher, REFLECTION, title="第一篇", completion_date="2025-10-01")
    second = _upload(teacher, LONG, title="第二篇", completion_date="2025-11-01")
    assert second["decision"]["code"] == "over_annual_limit"
    assert second["decision"]["related_item_id"] == first["id"]
    assert "第一篇" in second["notice"]
    pref = teacher.post(f"/api/v1/items/{second['id']}/preference")
    assert pref.get_json()["teacher_preferred"] is True
    _select(world.admin, second["id"])  # the reviewer follows the preference
    decisions = _decisions(_register(teacher, year="2025-2026")["teachers"][0])
    assert decisions[second["id"]]["code"] == "counted"
    assert decisions[first["id"]]["code"] == "over_annual_limit"
    assert decisions[first["id"]]["related_item_id"] == second["id"]


def test_replaced_file_keeps_the_frozen_version_counted(world: World) -> None:
    teacher = world.user("t1")
    item = _upload(teacher, LONG, title="案例")
    _select(world.admin, item["id"])
    res = teacher.put(f"/api/v1/items/{item['id']}/file",
                      data={"file": (io.BytesIO(REFLECTION.read_bytes()), "新版.docx")},
                      content_type="multipart/form-data")
    assert res.status_code == 200, res.get_json()
    body = res.get_json()
    assert body["selection"] == "new_version_pending"
    assert body["version"] == 2
    assert body["decision"]["code"] == "counted"
    assert body["decision"]["numbers"]["char_count"] == 3315  # the frozen, selected version
    versions = teacher.get(f"/api/v1/items/{item['id']}/versions").get_json()["items"]
    assert [(v["number"], v["selected"], v["current"]) for v in versions] == \
        [(1, True, False), (2, False, True)]
    old = teacher.get(f"/api/v1/items/{item['id']}/original?version=1")
    assert old.data == LONG.read_bytes()


def test_too_short_explains_count_and_threshold(world: World) -> None:
    teacher = world.user("t1")
    item = _upload(teacher, INTERVIEW, title="访谈大纲")
    assert item["decision"]["code"] == "too_short"
    assert "831" in item["decision"]["reason"] and "1000" in item["decision"]["reason"]


def test_lesson_design_threshold_is_800(world: World) -> None:
    teacher = world.user("t2")
    design = _upload(teacher, INTERVIEW, kind="lesson_design", title="访谈大纲（设计）")
    assert design["decision"]["code"] == "eligible_awaiting_selection"  # 831 ≥ 800


def test_duplicate_names_the_original(world: World) -> None:
    teacher = world.user("t1")
    first = _upload(teacher, LONG, kind="lesson_design", title="案例 docx")
    twin = _upload(teacher, corpus("zh_pdf_01_jiaogai_anli.pdf"), kind="lesson_design",
                   title="案例 pdf")
    assert twin["decision"]["code"] == "duplicate"
    assert twin["decision"]["related_item_id"] == first["id"]


def test_unit_design_beats_lesson_design_for_the_shared_slot(world: World) -> None:
    teacher = world.user("t1")
    lesson = _upload(teacher, DESIGN, kind="lesson_design", title="模块一")
    unit = _upload(teacher, corpus("zh_docx_02_zuiwengtingji_jiaoxuesheji.docx"),
                   kind="unit_design", title="醉翁亭记单元",
                   metadata={"lesson_count": 3, "has_courseware": True})
    _select(world.admin, lesson["id"])
    _select(world.admin, unit["id"])
    decisions = _decisions(_register(teacher, year="2025-2026")["teachers"][0])
    assert (decisions[unit["id"]]["code"], decisions[unit["id"]]["hours"]) == ("counted", 10)
    assert decisions[lesson["id"]]["code"] == "over_annual_limit"
    assert decisions[lesson["id"]]["related_item_id"] == unit["id"]


def test_unit_design_without_lesson_count_is_missing_metadata(world: World) -> None:
    teacher = world.user("t1")
    unit = _upload(teacher, corpus("zh_docx_02_zuiwengtingji_jiaoxuesheji.docx"),
                   kind="unit_design", title="单元", metadata={"has_courseware": True})
    assert unit["decision"]["code"] == "missing_metadata"
    assert "课时" in unit["decision"]["reason"]


def test_paper_award_then_publication(world: World) -> None:
    teacher = world.user("t1")
    paper = _upload(teacher, corpus("zh_pdf_09_qikan_lunwen_xinxilunli.pdf"), kind="paper",
                    title="互联网信息伦理问题辨析", completion_date="2024-06-01", metadata={
                        "recognitions": [{"type": "award", "level": "county", "grade": 2,
                                          "date": "2024-12-01"}]})
    assert (paper["decision"]["code"], paper["decision"]["numbers"]["would_earn"]) == \
        ("pending_verification", 8)  # the award certificate waits for the school
    assert (_verify(world.admin, paper["id"])["decision"]["hours"]) == 8
    res = teacher.post(f"/api/v1/items/{paper['id']}/recognitions",
                       {"type": "publication", "level": "provincial", "date": "2025-11-15"})
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["decision"]["code"] == "pending_verification"  # new evidence: again
    _verify(world.admin, paper["id"])
    y1 = _decisions(_register(teacher, year="2024-2025")["teachers"][0])
    y2 = _decisions(_register(teacher, year="2025-2026")["teachers"][0])
    assert (y2[paper["id"]]["code"], y2[paper["id"]]["hours"]) == ("counted", 14)
    assert y1[paper["id"]]["code"] == "already_counted"


def test_paper_without_recognition_and_lecture_notes(world: World) -> None:
    teacher = world.user("t1")
    paper = _upload(teacher, corpus("zh_pdf_09_qikan_lunwen_xinxilunli.pdf"), kind="paper",
                    title="论文")
    assert paper["decision"]["code"] == "no_recognition"
    notes = _upload(teacher, corpus("zh_pdf_12_python_mianxiangduixiang_jiangyi.pdf"),
                    kind="lecture_notes", title="面向对象程序设计讲座",
                    metadata={"session_hours": 2, "in_school_expert": True})
    assert (notes["decision"]["code"], notes["decision"]["hours"]) == ("counted", 8)
    reg = _register(teacher, year="2025-2026")["teachers"][0]
    assert reg["total_hours"] == 8
    assert reg["hours_by_kind"] == {"lecture_notes": 8}


def test_register_scope_and_export(world: World) -> None:
    a = world.user("ta", name="甲", school="第一中学", staff_no="001")
    b = world.user("tb", name="乙", school="第二中学", staff_no="002")
    insp_a = world.user("ia", role="inspector", school="第一中学")
    insp_all = world.user("iall", role="inspector", school=None)
    _upload(a, REFLECTION, title="甲的反思")
    _upload(b, LONG, title="乙的反思")
    assert [t["name"] for t in _register(insp_a, year="2025-2026")["teachers"]] == ["甲"]
    assert {t["name"] for t in _register(insp_all, year="2025-2026")["teachers"]} == {"甲", "乙"}
    assert [t["name"] for t in _register(a, year="2025-2026")["teachers"]] == ["甲"]
    assert insp_a.get("/api/v1/register", query_string={"school": "第二中学"}).status_code == 403

    res = world.admin.get("/api/v1/register.xlsx", query_string={"year": "2025-2026"})
    assert res.status_code == 200
    wb = load_workbook(io.BytesIO(res.data))
    assert wb.sheetnames == SHEETS + ["考勤2025—2026学年第一学期", "考勤2025—2026学年第二学期"]
    items = wb["研修成果"]
    assert items["A1"].value == "研修成果（2025—2026学年）"  # the title row
    header = [c.value for c in items[2]]
    assert header[:7] == ["学年", "学校", "教师", "工号", "学科", "成果类型", "标题"]
    titles = {row[6] for row in items.iter_rows(min_row=3, values_only=True)}
    assert titles == {"甲的反思", "乙的反思"}
    assert items.page_setup.orientation == "landscape"
    _upload(a, corpus("zh_pdf_04_mokuai1_jiaoan.pdf"), kind="lesson_design", title="去年的设计",
            completion_date="2024-10-01")
    every_year = load_workbook(io.BytesIO(world.admin.get("/api/v1/register.xlsx").data))
    assert every_year.sheetnames == SHEETS + [
        f"考勤{y}学年{t}学期" for y in ("2024—2025", "2025—2026") for t in ("第一", "第二")]
    summary = list(every_year["学时汇总"].iter_rows(min_row=3, values_only=True))
    assert len(summary) == 4  # two teachers × two years
    csv = world.admin.get("/api/v1/register.csv", query_string={"year": "2025-2026"})
    assert csv.data.decode("utf-8-sig").splitlines()[0].startswith("学年,学校,教师")


def test_rules_file_changes_decisions(tmp_path, s3_server) -> None:
    from tests.helpers import make_app
    rules = tmp_path / "rules.toml"
    rules.write_text("[targets]\nannual_hours = 24\n\n[kinds.reflection]\nmin_chars = 1500\n",
                     encoding="utf-8")
    world = World(make_app(tmp_path, s3_server, RULES_FILE=str(rules)))
    teacher = world.user("t1")
    item = _upload(teacher, REFLECTION)
    assert item["decision"]["code"] == "too_short"
    assert "1500" in item["decision"]["reason"]
    assert _register(teacher, year="2025-2026")["target_hours"] == 24


@pytest.mark.slow
def test_ocr_count_needs_review_until_confirmed(world: World) -> None:
    teacher = world.user("t1")
    scan = _upload(teacher, corpus("edge_01_scan_zhongqi_tongzhi.pdf"), kind="lesson_design",
                   title="扫描的教学设计")
    assert scan["state"] == "processing"  # OCR runs as a job
    assert drain(world.app) == 1
    scan = teacher.get(f"/api/v1/items/{scan['id']}").get_json()
    assert scan["count_from_ocr"] is True
    assert scan["decision"]["code"] == "needs_review"
    assert "OCR" in scan["decision"]["reason"]
    assert scan["warnings"]  # the teacher is told the text came from OCR
    res = world.admin.post(f"/api/v1/items/{scan['id']}/confirm-count", {"char_count": 1200})
    assert res.status_code == 200, res.get_json()
    confirmed = res.get_json()
    assert confirmed["char_count"] == 1200 and confirmed["count_confirmed"] is True
    assert confirmed["decision"]["code"] == "eligible_awaiting_selection"
    history = [e["action"] for e in
               teacher.get(f"/api/v1/items/{scan['id']}/history").get_json()["items"]]
    assert history == ["upload", "confirm_count"]


def test_research_project_counts_once_its_approval_document_is_stored(world: World) -> None:
    teacher = world.user("t1")
    project = _upload(teacher, corpus("zh_pdf_03_freecad_jiaoxue_yanjiu.pdf"),
                      kind="research_project", title="FreeCAD 教学应用研究（结题报告）",
                      completion_date="2025-06-20",
                      metadata={"level": "city", "role": "host", "approval_date": "2023-09-01",
                                "conclusion_date": "2025-10-10"})
    assert project["decision"]["code"] == "missing_metadata"
    assert "批准文件" in project["decision"]["reason"]
    approval = corpus("en_pdf_01_google_doc.pdf")
    res = teacher.post(f"/api/v1/items/{project['id']}/attachments", data={
        "purpose": "approval", "file": (io.BytesIO(approval.read_bytes()), "立项通知书.pdf")},
        content_type="multipart/form-data")
    assert res.status_code == 201, res.get_json()
    reg = _register(teacher, year="2025-2026")["teachers"][0]
    decision = _decisions(reg)[project["id"]]
    assert (decision["code"], decision["numbers"]["would_earn"]) == ("pending_verification", 30)
    _verify(world.admin, project["id"])
    reg = _register(teacher, year="2025-2026")["teachers"][0]
    decision = _decisions(reg)[project["id"]]
    assert (decision["code"], decision["hours"]) == ("counted", 30)
    files = teacher.get(f"/api/v1/items/{project['id']}/attachments").get_json()["items"]
    assert [(f["purpose"], f["original_filename"]) for f in files] == [("approval", "立项通知书.pdf")]
    got = teacher.get(f"/api/v1/attachments/{files[0]['id']}")
    assert got.data == approval.read_bytes()


def test_recognition_with_certificate_scan(world: World) -> None:
    teacher = world.user("t1")
    paper = _upload(teacher, corpus("zh_pdf_09_qikan_lunwen_xinxilunli.pdf"), kind="paper",
                    title="论文")
    scan = corpus("en_pdf_01_google_doc.pdf")
    res = teacher.post(f"/api/v1/items/{paper['id']}/recognitions", data={
        "type": "award", "level": "city", "grade": "1", "date": "2025-12-20",
        "evidence": (io.BytesIO(scan.read_bytes()), "获奖证书.pdf")},
        content_type="multipart/form-data")
    assert res.status_code == 201, res.get_json()
    body = res.get_json()
    assert (body["decision"]["code"], body["decision"]["numbers"]["would_earn"]) == \
        ("pending_verification", 12)
    assert _verify(world.admin, paper["id"])["decision"]["hours"] == 12
    assert body["metadata"]["recognitions"][0]["evidence_id"] == body["attachment_id"]
    bad = teacher.post(f"/api/v1/items/{paper['id']}/recognitions", data={
        "type": "award", "level": "city", "grade": "1", "date": "2025-12-20",
        "evidence": (io.BytesIO(b"MZ\x90\x00 not a certificate"), "证书.exe")},
        content_type="multipart/form-data")
    assert bad.status_code == 415
    assert len(teacher.get(f"/api/v1/items/{paper['id']}").get_json()["metadata"][
        "recognitions"]) == 1  # nothing half-stored


def test_same_paper_uploaded_in_a_later_year_is_already_counted(world: World) -> None:
    teacher = world.user("t1")
    paper = corpus("zh_pdf_09_qikan_lunwen_xinxilunli.pdf")
    first = _upload(teacher, paper, kind="paper", title="信息伦理（获奖稿）",
                    completion_date="2024-09-20", metadata={"recognitions": [
                        {"type": "award", "level": "city", "grade": 1, "date": "2024-12-01"}]})
    again = _upload(teacher, paper, kind="paper", title="信息伦理（再次提交）",
                    completion_date="2025-09-20", metadata={"recognitions": [
                        {"type": "award", "level": "county", "grade": 3, "date": "2025-12-01"}]})
    assert (again["decision"]["code"], again["decision"]["related_item_id"]) == \
        ("already_counted", first["id"])
    _verify(world.admin, first["id"])
    y1 = _register(teacher, year="2024-2025")["teachers"][0]
    y2 = _register(teacher, year="2025-2026")["teachers"][0]
    assert (y1["total_hours"], y2["total_hours"]) == (12, 0)
    assert y1["cycle_hours"] == 12


def test_changing_the_counting_rules_recounts_stored_items(tmp_path, s3_server) -> None:
    """A school that stops counting CJK punctuation: 1,013 字 become 910 and the reflection
    falls below 1000; a later year start moves items between academic years."""
    from tests.helpers import make_app
    app = make_app(tmp_path, s3_server)
    world = World(app)
    teacher = world.user("t1")
    item = _upload(teacher, REFLECTION, completion_date="2025-08-20")
    assert (item["char_count"], item["academic_year"]) == (1013, "2024-2025")
    rules = tmp_path / "rules.toml"
    rules.write_text("[counting]\ncount_cjk_punctuation = false\n\n[year]\nstart_month = 8\n",
                     encoding="utf-8")
    again = make_app(tmp_path, s3_server, RULES_FILE=str(rules),
                     S3_BUCKET=app.config["S3_BUCKET"])
    api = Api(again.test_client(), teacher.token)
    after = api.get(f"/api/v1/items/{item['id']}").get_json()
    assert (after["char_count"], after["academic_year"]) == (910, "2025-2026")
    assert after["decision"]["code"] == "too_short"
    assert api.get("/api/v1/items?year=2025-2026").get_json()["items"][0]["id"] == item["id"]


def test_another_teachers_work_is_a_duplicate_until_the_original_goes(world: World) -> None:
    """「独立完成」: B uploads the PDF of A's case (same text, other format and file)."""
    a = world.user("ta", school="第一中学")
    b = world.user("tb", school="第二中学")
    original = _upload(a, LONG, kind="lesson_design", title="问题链追踪促发现")
    copy = _upload(b, corpus("zh_pdf_01_jiaogai_anli.pdf"), kind="lesson_design",
                   title="我的教学案例")
    assert (copy["decision"]["code"], copy["decision"]["related_item_id"]) == \
        ("duplicate", original["id"])
    assert "其他教师" in copy["decision"]["reason"]
    assert a.delete(f"/api/v1/items/{original['id']}").status_code == 200
    again = b.get(f"/api/v1/items/{copy['id']}").get_json()
    assert again["decision"]["code"] == "eligible_awaiting_selection"


def test_preference_given_at_upload_moves_from_the_other_item(world: World) -> None:
    teacher = world.user("t1")
    first = _upload(teacher, REFLECTION, title="第一篇", prefer="true")
    assert first["teacher_preferred"] is True
    second = _upload(teacher, LONG, title="第二篇", prefer="true")
    assert second["teacher_preferred"] is True
    assert teacher.get(f"/api/v1/items/{first['id']}").get_json()["teacher_preferred"] is False
    history = teacher.get(f"/api/v1/items/{second['id']}/history").get_json()["items"]
    assert [e["action"] for e in history] == ["upload", "prefer"]
