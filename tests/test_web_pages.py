"""The Chinese web pages through Flask's client: login, CSRF, upload form, hours, search."""

from __future__ import annotations

import io
import re

from tests.helpers import World, corpus, csrf_token, page_login


def test_login_requires_csrf_and_right_password(world: World) -> None:
    world.user("t1")
    client = world.app.test_client()
    res = client.post("/login", data={"username": "t1", "password": "secret-pass-1"})
    assert res.status_code == 400
    assert "表单已过期" in res.get_data(as_text=True)
    token = csrf_token(client, "/login")
    res = client.post("/login", data={"username": "t1", "password": "bad", "csrf_token": token})
    assert res.status_code == 401
    assert "用户名或密码不正确" in res.get_data(as_text=True)


def test_teacher_uploads_through_the_form_and_sees_hours(world: World) -> None:
    world.user("t1", name="张老师")
    client = page_login(world.app, "t1")
    token = csrf_token(client, "/my/items/new")
    path = corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")
    res = client.post("/my/items/new", content_type="multipart/form-data", data={
        "csrf_token": token, "kind": "reflection", "subtype": "教学反思",
        "title": "英语教学反思", "completion_date": "2025-10-08",
        "file": (io.BytesIO(path.read_bytes()), "教学总结（终稿）.docx")})
    assert res.status_code == 302, res.get_data(as_text=True)[:500]
    page = client.get(res.headers["Location"]).get_data(as_text=True)
    assert "英语教学反思" in page and "教学总结（终稿）.docx" in page
    assert "1,013 字 / 需 ≥1000 字" in page
    hours = client.get("/my/hours?year=2025-2026").get_data(as_text=True)
    assert "待学校筛选" in hours and "0 / 40 学时" in hours


def test_form_errors_are_shown_in_chinese(world: World) -> None:
    world.user("t1")
    client = page_login(world.app, "t1")
    token = csrf_token(client, "/my/items/new")
    res = client.post("/my/items/new", content_type="multipart/form-data", data={
        "csrf_token": token, "kind": "reflection", "title": "锁文件",
        "completion_date": "2025-10-08",
        "file": (io.BytesIO(corpus("edge_08_word_lockfile_ownerfile.docx").read_bytes()),
                 "~$方案.docx")})
    assert res.status_code == 422
    assert "临时锁定文件" in res.get_data(as_text=True)


def test_pages_check_roles(world: World) -> None:
    world.user("t1")
    world.user("i1", role="inspector")
    teacher = page_login(world.app, "t1")
    assert teacher.get("/admin/register").status_code == 403
    assert teacher.get("/admin/review").status_code == 403
    inspector = page_login(world.app, "i1")
    assert inspector.get("/my/items/new").status_code == 403
    anonymous = world.app.test_client()
    assert anonymous.get("/search").status_code == 302


def test_search_page_escapes_and_highlights(world: World) -> None:
    teacher = world.user("t1")
    world.user("i1", role="inspector")
    teacher.upload(corpus("zh_pdf_06_kechengsizheng_jiaoxuesheji.pdf"), kind="lesson_design",
                   title="<script>alert(1)</script>仿制图章")
    client = page_login(world.app, "i1")
    page = client.get("/search?q=仿制图章").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;" in page
    assert "<mark>" in page
    assert "打开原件" in page


def test_admin_adds_a_teacher_who_changes_the_password(world: World) -> None:
    world.school("第一中学")
    admin = page_login(world.app, "admin", world.app.config["ADMIN_PASSWORD"])
    token = csrf_token(admin, "/admin/users")
    school_id = world.schools["第一中学"]
    page = admin.post("/admin/users", data={
        "csrf_token": token, "username": "liu", "name": "刘老师", "role": "teacher",
        "school": str(school_id), "staff_no": "T09", "subject": "数学"}).get_data(as_text=True)
    password = re.search(r"初始密码：<code>([^<]+)</code>", page).group(1)
    teacher = page_login(world.app, "liu", password)
    token = csrf_token(teacher, "/account")
    res = teacher.post("/account", data={"csrf_token": token, "old": password,
                                         "new": "new-secret-123"})
    assert "密码已修改" in res.get_data(as_text=True)
    assert world.client.post("/api/v1/tokens", json={
        "username": "liu", "password": password}).status_code == 401
    page_login(world.app, "liu", "new-secret-123")


def test_school_admin_cannot_create_admins(world: World) -> None:
    world.user("sa", role="admin", school="第一中学")
    client = page_login(world.app, "sa")
    token = csrf_token(client, "/admin/users")
    res = client.post("/admin/users", data={"csrf_token": token, "username": "boss",
                                            "name": "x", "role": "admin",
                                            "school": str(world.schools["第一中学"])})
    assert res.status_code == 403
    users = world.admin.get("/api/v1/users").get_json()["items"]
    assert "boss" not in {u["username"] for u in users}


def test_admin_register_page_filters_and_drills_down(world: World) -> None:
    a = world.user("ta", name="甲老师", school="第一中学", subject="语文")
    world.user("tb", name="乙老师", school="第二中学", subject="数学")
    a.upload(corpus("zh_pdf_12_python_mianxiangduixiang_jiangyi.pdf"), kind="lecture_notes",
             title="讲座", metadata={"session_hours": 2})
    admin = page_login(world.app, "admin", world.app.config["ADMIN_PASSWORD"])
    page = admin.get("/admin/register?year=2025-2026").get_data(as_text=True)
    assert "甲老师" in page and "乙老师" in page
    page = admin.get("/admin/register?year=2025-2026&school=第二中学").get_data(as_text=True)
    assert "乙老师" in page and "甲老师" not in page
    page = admin.get("/admin/register?year=2025-2026&subject=语文").get_data(as_text=True)
    assert "甲老师" in page and "乙老师" not in page
    teacher_id = a.get("/api/v1/me").get_json()["id"]
    drill = admin.get(f"/admin/register/{teacher_id}?year=2025-2026").get_data(as_text=True)
    assert "专题讲稿：讲座 2 学时" in drill and "2 / 40 学时" in drill


def test_item_page_forms_store_files(world: World) -> None:
    teacher_api = world.user("t1")
    item = teacher_api.upload(corpus("zh_pdf_09_qikan_lunwen_xinxilunli.pdf"), kind="paper",
                              title="论文").get_json()
    client = page_login(world.app, "t1")
    page = f"/items/{item['id']}"
    scan = corpus("en_pdf_01_google_doc.pdf").read_bytes()
    res = client.post(f"{page}/recognitions", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, page), "type": "award", "level": "city", "grade": "2",
        "date": "2025-12-01", "evidence": (io.BytesIO(scan), "证书.pdf")}, follow_redirects=True)
    assert "已登记" in res.get_data(as_text=True) and "市级二等奖" in res.get_data(as_text=True)
    res = client.post(f"{page}/attachments", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, page), "purpose": "other",
        "file": (io.BytesIO(b"not a pdf"), "x.exe")}, follow_redirects=True)
    assert "证明材料只接受" in res.get_data(as_text=True)
    res = client.post(f"{page}/file", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(client, page),
        "file": (io.BytesIO(corpus("zh_pdf_03_freecad_jiaoxue_yanjiu.pdf").read_bytes()),
                 "修改稿.pdf")}, follow_redirects=True)
    assert "已上传新版本" in res.get_data(as_text=True)
    assert teacher_api.get(f"/api/v1/items/{item['id']}").get_json()["version"] == 2
