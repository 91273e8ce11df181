"""What a teacher needs without training (issue #15 points 6, 7, 9): returned items badged with
the reason one click away, the preference explained, an identical new version refused."""

from __future__ import annotations

import io

from archive_service.extensions import archive
from tests.helpers import World, corpus, csrf_token, page_login

REFLECTION = corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")


def test_returned_item_is_badged_and_listed_as_todo(world: World) -> None:
    teacher = world.user("zhou", name="周老师")
    admin = world.user("xiaozhang", role="admin", name="校管理员")
    item = teacher.upload(REFLECTION, title="英语教学总结", completion_date="2025-10-08").get_json()
    res = admin.post(f"/api/v1/items/{item['id']}/selection",
                     {"selected": False, "reason": "请补充课堂实例"})
    assert res.status_code == 200, res.get_json()
    client = page_login(world.app, "zhou")
    page = client.get("/my/items").get_data(as_text=True)
    assert "需要您处理（1 项）" in page
    assert '<span class="badge returned">已退回</span>' in page and "请补充课堂实例" in page
    assert f'href="/items/{item["id"]}#return-reason"' in page
    detail = client.get(f"/items/{item['id']}").get_data(as_text=True)
    assert 'id="return-reason"' in detail and "请补充课堂实例" in detail


def test_preference_says_what_happens_next(world: World) -> None:
    teacher = world.user("zhou", name="周老师")
    item = teacher.upload(REFLECTION, title="英语教学总结", completion_date="2025-10-08").get_json()
    client = page_login(world.app, "zhou")
    page = f"/items/{item['id']}"
    res = client.post(f"{page}/preference", data={"csrf_token": csrf_token(client, page)},
                      follow_redirects=True)
    html = res.get_data(as_text=True)
    assert "学校筛选入册时会看到您的意向" in html
    assert "教师希望计入这一篇" in html and "由学校决定计入哪一篇" in html
    assert '<span class="badge preferred">希望计入</span>' in client.get("/my/items").get_data(as_text=True)


def test_identical_new_version_is_refused(world: World) -> None:
    teacher = world.user("zhou", name="周老师")
    item = teacher.upload(REFLECTION, title="英语教学总结", completion_date="2025-10-08").get_json()
    res = teacher.put(f"/api/v1/items/{item['id']}/file", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(REFLECTION.read_bytes()), "again.docx")})
    assert res.status_code == 409 and res.get_json()["error"]["code"] == "same_file"
    assert "与当前版本（第 1 版）完全相同" in res.get_json()["error"]["message"]
    client = page_login(world.app, "zhou")
    page = f"/items/{item['id']}"
    res = client.post(f"{page}/file", content_type="multipart/form-data", follow_redirects=True,
                      data={"csrf_token": csrf_token(client, page),
                            "file": (io.BytesIO(REFLECTION.read_bytes()), "again.docx")})
    html = res.get_data(as_text=True)
    assert "完全相同，没有生成新版本" in html
    assert teacher.get(f"/api/v1/items/{item['id']}").get_json()["version"] == 1
    other = corpus("zh_docx_08_jiaogai_anli.docx").read_bytes()
    res = teacher.put(f"/api/v1/items/{item['id']}/file", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(other), "new.docx")})
    assert res.status_code in (200, 202) and res.get_json()["version"] == 2
    assert '<span class="badge">当前版本</span>' in client.get(page).get_data(as_text=True)


def test_upload_form_states_each_kinds_requirements_and_this_years_places(world: World) -> None:
    teacher = world.user("zhou", name="周老师")
    client = page_login(world.app, "zhou")
    html = client.get("/my/items/new").get_data(as_text=True)
    assert "单元整体教学设计的要求" in html
    assert "字数不少于 800 × 课时数（如 3 课时需 2,400 字）" in html
    assert "字数不少于 1,000 字" in html and "每学年限 1 篇" in html
    assert "学校筛选入册后计入学时" in html and "名额已由" not in html
    with world.app.app_context():
        today = archive.settings.today()  # an item of the current year takes its place
    teacher.upload(REFLECTION, title="英语教学总结", completion_date=today.isoformat())
    html = client.get("/my/items/new").get_data(as_text=True)
    assert "的名额已由《英语教学总结》占用" in html


def test_teacher_fixes_a_missing_field_on_the_item_page_until_it_is_selected(world: World) -> None:
    teacher = world.user("zhou", name="周老师")
    admin = world.user("xiaozhang", role="admin", name="校管理员")
    unit = teacher.upload(corpus("zh_docx_02_zuiwengtingji_jiaoxuesheji.docx"), kind="unit_design",
                          title="醉翁亭记", completion_date="2025-11-03",
                          metadata={"lesson_count": 3}).get_json()
    assert unit["decision"]["code"] == "missing_metadata"
    client = page_login(world.app, "zhou")
    page = f"/items/{unit['id']}"
    html = client.get(page).get_data(as_text=True)
    assert '<details class="edit-details" id="edit" open>' in html  # opened: something is missing
    assert 'name="lesson_count" type="number" min="1" max="100" value="3"' in html
    res = client.post(f"{page}/details", follow_redirects=True, data={
        "csrf_token": csrf_token(client, page), "title": "《醉翁亭记》单元整体教学设计",
        "completion_date": "2025-11-03", "lesson_count": "3", "has_courseware": "on"})
    assert "已保存修改" in res.get_data(as_text=True)
    item = teacher.get(f"/api/v1/items/{unit['id']}").get_json()
    assert item["title"] == "《醉翁亭记》单元整体教学设计" and item["metadata"]["has_courseware"] is True
    assert item["decision"]["code"] == "eligible_awaiting_selection"
    bad = client.post(f"{page}/details", follow_redirects=True, data={
        "csrf_token": csrf_token(client, page), "title": "", "completion_date": "2025-11-03"})
    assert "请填写标题" in bad.get_data(as_text=True)
    assert admin.post(f"/api/v1/items/{unit['id']}/selection", {"selected": True}).status_code == 200
    assert 'id="edit"' not in client.get(page).get_data(as_text=True)
    res = client.post(f"{page}/details", follow_redirects=True, data={
        "csrf_token": csrf_token(client, page), "title": "再改", "completion_date": "2025-11-03",
        "lesson_count": "3", "has_courseware": "on"})
    assert "信息不能再修改" in res.get_data(as_text=True)
    assert teacher.get(f"/api/v1/items/{unit['id']}").get_json()["title"] == "《醉翁亭记》单元整体教学设计"


def test_my_hours_says_what_is_counted_pending_and_still_open(world: World) -> None:
    teacher = world.user("zhou", name="周老师")
    with world.app.app_context():
        today = archive.settings.today()
        year = archive.settings.year_of(today)
    teacher.upload(REFLECTION, title="英语教学总结", completion_date=today.isoformat())
    client = page_login(world.app, "zhou")
    html = client.get("/my/hours").get_data(as_text=True)
    summary = html[html.index('id="summary"'):html.index("</p>", html.index('id="summary"'))]
    assert "已认定 <strong>0</strong> 学时" in summary and "待学校筛选 <strong>" in summary
    assert "待学校筛选 <strong>0</strong>" not in summary  # the reflection's hours wait for selection
    assert "还差 <strong>40</strong> 学时" in summary
    open_kinds = html[html.index('id="open-kinds"'):]
    assert "本学年还可以提交" in open_kinds and "<strong>教学设计</strong>" in open_kinds
    assert "<strong>反思研究成果</strong>" not in open_kinds.split("</section>")[0]  # its place is taken
    past = client.get(f"/my/hours?year={int(year[:4]) - 3}-{int(year[:4]) - 2}").get_data(as_text=True)
    assert 'id="open-kinds"' not in past and "上传教学反思、教学设计、论文等" in past
