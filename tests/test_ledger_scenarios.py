"""Held-out-style ledger scenarios, recorded and checked through the API.

One school, five teachers, one academic year (2025—2026) and every source the service records:
school training sessions with attendance, a teaching-research activity, lecture notes, the
knowledge exam and portfolio items.  Every expected number is computed by hand from the seeds'
sentences quoted next to it (no call into the rules to compute an expectation).

The school's rules file sets the annual target to 24 h, as seed 000 does
(「规定每学年每位教师参加校本培训时间不得少于24学时」).
"""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.helpers import Api, World, corpus, make_app, page_login

YEAR = "2025-2026"
SCHOOL = "白湾子镇中心学校"
REFLECTION = corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")  # 1,013 字
LONG_REFLECTION = corpus("zh_docx_08_jiaogai_anli.docx")  # 3,315 字
NOTES_A = corpus("zh_pdf_12_python_mianxiangduixiang_jiangyi.pdf")
NOTES_B = corpus("zh_pdf_03_freecad_jiaoxue_yanjiu.pdf")
CERT_OFFLINE = corpus("zh_pdf_06_kechengsizheng_jiaoxuesheji.pdf")  # stands in for the 证明
CERT_ONLINE = corpus("zh_pdf_09_qikan_lunwen_xinxilunli.pdf")
NOTES_ZHAO = corpus("zh_docx_05_jiaoshi_fangtan_dagang.docx")  # 学习心得
NOTES_LI = corpus("zh_docx_10_shenbao_tuijianbiao.docx")
DESIGN_ZHANG = corpus("zh_docx_02_zuiwengtingji_jiaoxuesheji.docx")  # 教学设计
SCRIPT_ZHANG = corpus("zh_docx_01_songdai_wenxue_jiaoan.docx")  # 说课稿
AFTER_ZHANG = corpus("zh_pdf_01_jiaogai_anli.pdf")  # 课后反思
DESIGN_QIAN = corpus("zh_docx_14_jiqiren_jiaoxue_dagang.docx")
SCRIPT_QIAN = corpus("zh_pdf_04_mokuai1_jiaoan.pdf")
TEACHERS = {"zhang": "张老师", "li": "李老师", "wang": "王老师", "zhao": "赵老师", "qian": "钱老师"}


def _activity(world: World, **body: Any) -> int:
    res = world.admin.post("/api/v1/activities", {"school": SCHOOL, **body})
    assert res.status_code == 201, res.get_json()
    return int(res.get_json()["id"])


def _attendance(world: World, activity_id: int, **statuses: str) -> None:
    records = [{"teacher": t, "status": s} for t, s in statuses.items()]
    res = world.admin.put(f"/api/v1/activities/{activity_id}/attendance", json={"records": records})
    assert res.status_code == 200, res.get_json()


def _upload(api: Api, path: Path, **kw: Any) -> dict[str, Any]:
    res = api.upload(path, **kw)
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def _select(world: World, item_id: int) -> None:
    res = world.admin.post(f"/api/v1/items/{item_id}/selection", {"selected": True})
    assert res.status_code == 200, res.get_json()


def _attach(api: Api, item_id: int, purpose: str, path: Path) -> None:
    res = api.post(f"/api/v1/items/{item_id}/attachments", data={
        "purpose": purpose, "file": (io.BytesIO(path.read_bytes()), path.name)},
        content_type="multipart/form-data")
    assert res.status_code == 201, res.get_json()


def _records(world: World, apis: dict[str, Api]) -> dict[str, int]:
    """集中培训 and 公开课 the teachers submit (through the API), with their documents."""
    zhao = _upload(apis["zhao"], CERT_OFFLINE, kind="external_training", title="县级骨干教师培训",
                   completion_date="2025-11-14",
                   metadata={"organizer": "县教师进修学校", "mode": "offline",
                             "start_date": "2025-11-13", "days": 2})
    _attach(apis["zhao"], zhao["id"], "study_notes", NOTES_ZHAO)
    res = world.admin.post(f"/api/v1/items/{zhao['id']}/verification", {"verified": True})
    assert res.status_code == 200, res.get_json()
    li = _upload(apis["li"], CERT_ONLINE, kind="external_training", title="国培远程研修",
                 completion_date="2025-12-20",
                 metadata={"organizer": "国培计划", "mode": "online", "certified_hours": 6,
                           "start_date": "2025-12-01"})
    _attach(apis["li"], li["id"], "study_notes", NOTES_LI)  # not verified yet
    zhang = _upload(apis["zhang"], DESIGN_ZHANG, kind="public_lesson", title="《醉翁亭记》公开课",
                    completion_date="2025-10-20",
                    metadata={"lesson_title": "醉翁亭记", "lesson_type": "公开课"})
    _attach(apis["zhang"], zhang["id"], "lecture_script", SCRIPT_ZHANG)
    _attach(apis["zhang"], zhang["id"], "lesson_reflection", AFTER_ZHANG)
    qian = _upload(apis["qian"], DESIGN_QIAN, kind="public_lesson", title="机器人编程示范课",
                   completion_date="2026-04-08",
                   metadata={"lesson_title": "机器人编程", "lesson_type": "示范课"})
    _attach(apis["qian"], qian["id"], "lecture_script", SCRIPT_QIAN)  # no 课后反思 yet
    return {"zhao": zhao["id"], "li": li["id"], "zhang": zhang["id"], "qian": qian["id"]}


def _register(api: Api, **query: str) -> dict[str, Any]:
    res = api.get("/api/v1/register", query_string={"year": YEAR, **query})
    assert res.status_code == 200, res.get_json()
    return res.get_json()


@pytest.fixture()
def school(tmp_path: Path, s3_server: Any) -> tuple[World, dict[str, Api], dict[str, int]]:
    rules = tmp_path / "rules.toml"
    rules.write_text("[targets]\nannual_hours = 24\n", encoding="utf-8")
    world = World(make_app(tmp_path, s3_server, RULES_FILE=str(rules)))
    world.school(SCHOOL)
    res = world.admin.post("/api/v1/groups", {"school": SCHOOL, "name": "语文组"})
    assert res.status_code == 201, res.get_json()
    apis = {u: world.user(u, school=SCHOOL, name=n,
                          **({"subject": "语文", "group": "语文组"} if u in ("li", "wang")
                             else {"subject": "数学"}))
            for u, n in TEACHERS.items()}
    a1 = _activity(world, kind="training", title="新课标专题讲座", date="2025-10-09", hours=1.5,
                   lecturer="zhang", in_school_expert=True)
    a2 = _activity(world, kind="training", title="县教研室专家讲座", date="2025-11-05", hours=2,
                   lecturer_name="县教研室专家")
    r1 = _activity(world, kind="research_activity", title="语文组集体备课", date="2025-12-01",
                   organizer="wang", group="语文组")
    a4 = _activity(world, kind="training", title="校本课程开发", date="2025-12-15", hours=2.5,
                   lecturer="wang", in_school_expert=True)
    a3 = _activity(world, kind="training", title="信息技术与课堂融合", date="2026-03-10", hours=3,
                   lecturer="li")
    _attendance(world, a1, li="present", wang="late", zhao="official_leave", qian="absent")
    _attendance(world, a2, li="early_leave", wang="present", zhao="sick_leave", qian="absent")
    _attendance(world, r1, li="present", qian="present")
    _attendance(world, a4, li="present", zhang="present", zhao="official_leave")
    _attendance(world, a3, wang="present", zhao="personal_leave", qian="absent")
    res = world.admin.put(f"/api/v1/exams/{YEAR}", json={"school": SCHOOL, "scores": [
        {"teacher": "zhang", "score": 90}, {"teacher": "li", "score": 85},
        {"teacher": "wang", "score": 85}, {"teacher": "zhao", "score": 70},
        {"teacher": "qian", "score": 60}]})
    assert res.status_code == 200, res.get_json()
    # 讲稿 naming their sessions: 张 for a1, 王 for a4; 李 has not handed in a3's
    _upload(apis["zhang"], NOTES_A, kind="lecture_notes", title="新课标讲稿",
            completion_date="2025-10-09", metadata={"activity_id": a1})
    _upload(apis["wang"], NOTES_B, kind="lecture_notes", title="校本课程开发讲稿",
            completion_date="2025-12-15", metadata={"activity_id": a4})
    for user, path in (("li", REFLECTION), ("wang", LONG_REFLECTION)):
        _select(world, _upload(apis[user], path, title=f"{TEACHERS[user]}的教学反思",
                               completion_date="2025-11-20")["id"])
    records = {f"record_{k}": v for k, v in _records(world, apis).items()}
    return world, apis, {"a1": a1, "a2": a2, "a3": a3, "a4": a4, "r1": r1, **records}


def _by_user(register: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["username"]: t for t in register["teachers"]}


def _hours(teacher: dict[str, Any]) -> dict[int, tuple[str, str, float]]:
    return {a["activity_id"]: (a["role"], a["decision"]["code"], a["decision"]["hours"])
            for a in teacher["activities"]}


def test_every_source_hand_computed(school: tuple[World, dict[str, Api], dict[str, int]]) -> None:
    world, apis, act = school
    reg = _register(world.admin, school=SCHOOL)
    assert reg["target_hours"] == 24
    t = _by_user(reg)

    # 001 §19(1)「按1小时计1学时，若校内专家主讲，主讲人与参培者按4:1计学时」「主讲人交讲稿」:
    # 王 lectures a4 (2.5 h, in-school expert, 讲稿 handed in) → 2.5 × 4 = 10 h.
    # 000 第7篇「迟到：…记迟到一次」: late still earns the session (a1 1.5 h);
    # 001 §19(3)「组织者和参加者每次均计1学时」: 王 organises r1 → 1 h.
    wang = t["wang"]
    assert _hours(wang) == {act["a1"]: ("participant", "counted", 1.5),
                            act["a2"]: ("participant", "counted", 2.0),
                            act["r1"]: ("organizer", "counted", 1.0),
                            act["a4"]: ("lecturer", "counted", 10.0),
                            act["a3"]: ("participant", "counted", 3.0)}
    # 001 §19(4)D「前三分之一记3学时…」: 5 takers, 1 scored higher than 王's 85 → top third, 3 h
    # (李 also 85: equal scores share the band).
    assert wang["exam"]["score"] == 85 and wang["exam"]["decision"]["hours"] == 3
    assert wang["hours_by_source"] == {"portfolio": 4, "training": 16.5, "research_activity": 1,
                                       "external_training": 0, "public_lesson": 0, "exam": 3}
    assert wang["total_hours"] == 24.5 and wang["target_met"] is True
    assert wang["assessment"] == {"result": "合格", "reasons": []}
    assert wang["attendance_counts"]["late"] == 1 and wang["attendance_counts"]["present"] == 2
    assert wang["attendance_by_term"]["2025-2026-1"]["late"] == 1
    assert wang["attendance_by_term"]["2025-2026-2"]["present"] == 1
    assert wang["cycle_hours"] == 24.5 and wang["cycle_target_hours"] == 200

    # 张: lecturer of a1 (1.5 h × 4 = 6 h, 讲稿 handed in), present at a4 (2.5 h), exam top (3 h).
    # The 讲稿 item itself earns nothing: the hours come from the activity, never twice.
    zhang = t["zhang"]
    assert _hours(zhang) == {act["a1"]: ("lecturer", "counted", 6.0),
                             act["a4"]: ("participant", "counted", 2.5)}
    assert [i["decision"]["hours"] for i in zhang["items"]] == [0]
    # 001 §19(3)「需提交教学设计、说课稿和课后反思，登记教学课题，计4学时」: all three are there.
    assert [(r["item_id"], r["kind"], r["decision"]["code"], r["decision"]["hours"])
            for r in zhang["records"]] == [(act["record_zhang"], "public_lesson", "counted", 4)]
    assert zhang["hours_by_source"]["public_lesson"] == 4
    assert zhang["total_hours"] == 15.5
    assert zhang["assessment"] == {"result": "不合格", "reasons": ["学时 15.5 / 24，差 8.5 学时"]}

    # 李: 1.5 (a1) + 2 (a2, 早退 still earns) + 1 (r1) + 2.5 (a4) + exam 3 + reflection 4 = 14;
    # a3's lecture is missing_evidence until the 讲稿 names it (would earn 3 h).
    li = t["li"]
    assert _hours(li)[act["a3"]] == ("lecturer", "missing_evidence", 0)
    assert li["total_hours"] == 14
    assert li["attendance_counts"]["early_leave"] == 1
    # 001 §19(2)「远程网络培训，按培训机构的证件登记学时」: 6 h on the certificate, but the school
    # has not verified the 证明 yet (「由培训单位出示证明」) — pending, 0 h for now.
    assert [(r["kind"], r["decision"]["code"], r["decision"]["hours"]) for r in li["records"]] == \
        [("external_training", "pending_verification", 0)]
    missing = {(m["source"], m["ref_id"], m["code"], m["would_earn"]) for m in li["missing"]}
    assert missing == {("training", act["a3"], "missing_evidence", 3.0),
                       ("external_training", act["record_li"], "pending_verification", 6.0)}
    assert li["assessment"]["reasons"] == ["学时 14 / 24，差 10 学时"]

    # 赵: every session on leave —「公假不记入奖惩范围」: 0 h, no 旷工; exam 70: 3 scored higher,
    # 3 < 2×5/3 → middle third, 2 h.
    zhao = t["zhao"]
    assert {a["decision"]["code"] for a in zhao["activities"]} == {"on_leave"}
    assert zhao["unexcused_absences"] == 0
    assert (zhao["attendance_counts"]["official_leave"], zhao["attendance_counts"]["sick_leave"],
            zhao["attendance_counts"]["personal_leave"]) == (2, 1, 1)
    assert zhao["exam"]["decision"]["hours"] == 2
    # 001 §19(2)「未注明学时的按实际活动天数每天计8学时」: 2 days × 8 = 16 h, 证明 verified.
    assert [(r["kind"], r["decision"]["code"], r["decision"]["hours"]) for r in zhao["records"]] == \
        [("external_training", "counted", 16)]
    assert zhao["total_hours"] == 18
    assert zhao["assessment"] == {"result": "不合格", "reasons": ["学时 18 / 24，差 6 学时"]}

    # 钱: three 旷工 —「缺席一次记旷工一次，无故旷工三次者视为不合格」; r1 1 h + exam bottom third 1 h.
    qian = t["qian"]
    assert qian["unexcused_absences"] == 3
    assert [a["decision"]["code"] for a in qian["activities"]].count("absent") == 3
    assert qian["total_hours"] == 2
    # a public lesson with two of the three documents: missing_evidence naming the 课后反思
    lesson = qian["records"][0]
    assert (lesson["kind"], lesson["decision"]["code"]) == ("public_lesson", "missing_evidence")
    assert "缺少课后反思" in lesson["decision"]["reason"]
    assert [(m["ref_id"], m["would_earn"]) for m in qian["missing"]] == [(act["record_qian"], 4.0)]
    assert qian["assessment"] == {"result": "不合格", "reasons": [
        "本学年旷工 3 次（达到 3 次即为不合格）", "学时 2 / 24，差 22 学时"]}
    assert qian["attendance_by_term"]["2025-2026-1"]["absent"] == 2
    assert qian["attendance_by_term"]["2025-2026-2"]["absent"] == 1


def test_scope_and_filters(school: tuple[World, dict[str, Api], dict[str, int]]) -> None:
    world, apis, _ = school
    mine = _register(apis["qian"])  # a teacher sees only their own ledger, whatever they ask
    assert [t["username"] for t in mine["teachers"]] == ["qian"]
    assert [t["username"] for t in _register(apis["qian"], teacher="wang")["teachers"]] == ["qian"]
    # the exam's thirds are over all of the school's takers even for one teacher's view
    assert mine["teachers"][0]["exam"]["decision"]["hours"] == 1

    grouped = _register(world.admin, group="语文组")
    assert sorted(t["username"] for t in grouped["teachers"]) == ["li", "wang"]
    assert {t["group"] for t in grouped["teachers"]} == {"语文组"}
    by_subject = _register(world.admin, subject="数学")
    assert sorted(t["username"] for t in by_subject["teachers"]) == ["qian", "zhang", "zhao"]

    other = world.user("admin2", role="admin", school="第二中学")
    res = other.get("/api/v1/register", query_string={"year": YEAR, "school": SCHOOL})
    assert res.status_code == 403
    assert _register(other)["teachers"] == []  # nobody of the other school leaks in


def _text(html: str) -> str:
    """The page's text without tags (what a reader sees, roughly)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_my_hours_page_shows_every_source(
        school: tuple[World, dict[str, Api], dict[str, int]]) -> None:
    world, _, _ = school
    client = page_login(world.app, "qian")
    html = client.get(f"/my/hours?year={YEAR}").get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html  # CSP: no inline script or style
    page = _text(html)
    assert "本学年考核： 不合格" in page
    assert "本学年旷工 3 次（达到 3 次即为不合格）" in page and "学时 2 / 24，差 22 学时" in page
    assert "距年度目标还差 22 学时" in page
    for title in ("新课标专题讲座", "县教研室专家讲座", "信息技术与课堂融合", "语文组集体备课"):
        assert title in page
    assert "取消本次应得 1.5 学时，记旷工一次" in page  # the reason of the a1 absence
    assert "旷工 3 次" in page
    assert "教师专业知识考试" in page and "60 分" in page
    # 考勤 per term and for the year: 2 + 1 absences, one presence
    assert "2025—2026学年第一学期" in page and "2025—2026学年第二学期" in page

    assert "机器人编程" in page and "缺少课后反思" in page  # the public lesson, still missing
    li = _text(page_login(world.app, "li").get(f"/my/hours?year={YEAR}").get_data(as_text=True))
    assert "主讲：尚未上交专题讲稿" in li and "补齐后可计 3 学时" in li
    assert "待学校核验证明材料，核验通过后计 6 学时" in li
    wang = _text(page_login(world.app, "wang").get(f"/my/hours?year={YEAR}").get_data(as_text=True))
    assert "本学年考核： 合格" in wang and "24.5 / 24 学时" in wang
    assert "校内专家主讲按 4:1 计 10 学时" in wang


def test_school_register_page_by_group_and_subject(
        school: tuple[World, dict[str, Api], dict[str, int]]) -> None:
    world, _, _ = school
    admin = page_login(world.app, "admin", world.app.config["ADMIN_PASSWORD"])
    page = _text(admin.get(f"/admin/register?year={YEAR}").get_data(as_text=True))
    assert "合格 1 位，不合格 4 位" in page
    for name in TEACHERS.values():
        assert name in page
    page = _text(admin.get(f"/admin/register?year={YEAR}&group=语文组").get_data(as_text=True))
    assert "李老师" in page and "王老师" in page and "张老师" not in page
    page = _text(admin.get(f"/admin/register?year={YEAR}&subject=语文").get_data(as_text=True))
    assert "李老师" in page and "王老师" in page and "钱老师" not in page
    assert "校本培训活动" in page and "16.5" in page  # 王's training hours in their column


def test_workbook_has_a_sheet_per_source_and_term(
        school: tuple[World, dict[str, Api], dict[str, int]]) -> None:
    world, apis, _ = school
    res = world.admin.get("/api/v1/register.xlsx", query_string={"year": YEAR, "school": SCHOOL})
    assert res.status_code == 200, res.get_json()
    wb = load_workbook(io.BytesIO(res.data))
    assert wb.sheetnames == ["学时汇总", "研修成果", "校本培训活动", "校本教研活动", "集中培训",
                             "公开课、示范课", "教师专业知识考试", "考勤2025—2026学年第一学期",
                             "考勤2025—2026学年第二学期"]
    summary = wb["学时汇总"]
    assert summary["A1"].value == "教师校本研修学时统计一览表（2025—2026学年）"
    header = [c.value for c in summary[2]]
    rows = {r[header.index("教师")]: dict(zip(header, r, strict=True))
            for r in summary.iter_rows(min_row=3, values_only=True)}
    assert rows["王老师"]["合计学时"] == 24.5 and rows["王老师"]["考核结果"] == "合格"
    assert rows["王老师"]["校本培训活动"] == 16.5 and rows["王老师"]["教师专业知识考试"] == 3
    assert rows["钱老师"]["旷工次数"] == 3
    assert rows["钱老师"]["不合格原因"] == "本学年旷工 3 次（达到 3 次即为不合格）；学时 2 / 24，差 22 学时"

    training = wb["校本培训活动"]
    head = [c.value for c in training[2]]
    lines = [dict(zip(head, r, strict=True)) for r in training.iter_rows(min_row=3, values_only=True)]
    lecture = [ln for ln in lines if ln["教师"] == "王老师" and ln["身份"] == "主讲人"]
    assert [(ln["活动"], ln["学时"], ln["学期"]) for ln in lecture] == [("校本课程开发", 10, "第一学期")]
    assert {ln["考勤"] for ln in lines if ln["教师"] == "钱老师"} == {"旷工"}
    research = [r for r in wb["校本教研活动"].iter_rows(min_row=3, values_only=True)]
    assert len(research) == 3  # 王 organises, 李 and 钱 take part
    external = wb["集中培训"]
    head = [c.value for c in external[2]]
    lines = {r[head.index("教师")]: dict(zip(head, r, strict=True))
             for r in external.iter_rows(min_row=3, values_only=True)}
    assert (lines["赵老师"]["认定结果"], lines["赵老师"]["学时"]) == ("已认定", 16)
    assert lines["李老师"]["认定结果"] == "待学校核验证明材料"
    lessons = {r[head.index("教师")]: r for r in wb["公开课、示范课"].iter_rows(min_row=3, values_only=True)}
    assert lessons["张老师"][head.index("学时")] == 4 and lessons["张老师"][head.index("名称")] == "醉翁亭记"
    assert "缺少课后反思" in lessons["钱老师"][head.index("说明")]
    assert rows["赵老师"]["集中培训"] == 16 and rows["赵老师"]["合计学时"] == 18
    exam = {r[2]: r[4] for r in wb["教师专业知识考试"].iter_rows(min_row=3, values_only=True)}
    assert exam == {"张老师": 90, "李老师": 85, "王老师": 85, "赵老师": 70, "钱老师": 60}

    # 考勤每学期公布一次: the first term has a1, a2, a4 (and r1); the second a3
    first = wb["考勤2025—2026学年第一学期"]
    head = [c.value for c in first[2]]
    counts = {r[2]: dict(zip(head, r, strict=True)) for r in first.iter_rows(min_row=3, values_only=True)}
    assert (counts["钱老师"]["旷工"], counts["钱老师"]["出席"]) == (2, 1)
    assert (counts["赵老师"]["公假"], counts["赵老师"]["病假"]) == (2, 1)
    second = {r[2]: r for r in wb["考勤2025—2026学年第二学期"].iter_rows(min_row=3, values_only=True)}
    assert second["钱老师"][head.index("旷工")] == 1
    assert second["赵老师"][head.index("事假")] == 1


def _pdf_text(data: bytes, tmp_path: Path) -> tuple[int, str]:
    """(pages, text) of a PDF, read by poppler as a reader's viewer would."""
    path = tmp_path / "cert.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    pages = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))  # type: ignore[union-attr]
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return pages, re.sub(r"[ \t]+", " ", text)


def test_certificate_is_one_printable_page(
        school: tuple[World, dict[str, Api], dict[str, int]], tmp_path: Path) -> None:
    world, apis, _ = school
    client = page_login(world.app, "qian")
    res = client.get(f"/my/hours/certificate.pdf?year={YEAR}")
    assert res.status_code == 200 and res.mimetype == "application/pdf"
    assert "filename*=UTF-8''" in res.headers["Content-Disposition"]
    pages, text = _pdf_text(res.data, tmp_path)
    assert pages == 1
    assert "教师校本研修学时证明" in text and "钱老师" in text and "2025—2026学年" in text
    assert "本学年考核结果：不合格" in text
    assert "本学年旷工 3 次（达到 3 次即为不合格）" in text
    assert "旷工 3 次" in text and "本学年合计 2 学时（年度目标 24 学时）" in text

    wang_id = apis["wang"].get("/api/v1/me").get_json()["id"]
    admin = page_login(world.app, "admin", world.app.config["ADMIN_PASSWORD"])
    res = admin.get(f"/admin/register/{wang_id}/certificate.pdf?year={YEAR}")
    assert res.status_code == 200
    pages, text = _pdf_text(res.data, tmp_path)
    assert pages == 1 and "王老师" in text and "本学年考核结果：合格" in text
    assert "校本课程开发" in text and "10 学时" in text  # the 4:1 lecture among the counted lines
    # a teacher cannot ask for a colleague's: the page gives their own
    own = client.get(f"/my/hours/certificate.pdf?year={YEAR}&teacher={wang_id}")
    assert "钱老师" in _pdf_text(own.data, tmp_path)[1]
    other = world.user("admin2", role="admin", school="第二中学")
    other_page = page_login(world.app, "admin2")
    assert other_page.get(f"/admin/register/{wang_id}/certificate.pdf").status_code == 404
    assert other is not None
