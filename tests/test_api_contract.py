"""Inputs declared once and validated from the declaration: 422 naming the field, never a 500."""

from __future__ import annotations

from flask import Flask

from tests.conftest import World, corpus

BIG = "100000000000000000000"  # 10**20: overflowed SQLite before


def _invalid(res: object, field: str, label: str) -> None:
    assert res.status_code == 422, (res.status_code, res.get_data(as_text=True))  # type: ignore[attr-defined]
    error = res.get_json()["error"]  # type: ignore[attr-defined]
    assert error["code"] == "invalid_input"
    assert f"「{label}」（{field}）" in error["message"], error
    assert error["fields"][0]["field"] == field


def test_huge_ids_and_numbers_are_404_or_422_not_500(world: World) -> None:
    teacher = world.user("t1")
    for url in (f"/api/v1/items/{BIG}", f"/api/v1/items/{BIG}/versions", f"/api/v1/attachments/{BIG}",
                f"/api/v1/items/{BIG}/original"):
        assert teacher.get(url).status_code == 404, url
    assert world.app.test_client().get(f"/items/{BIG}").status_code in (302, 404)
    _invalid(teacher.get(f"/api/v1/items?teacher_id={BIG}"), "teacher_id", "教师编号")
    _invalid(teacher.get(f"/api/v1/items?school_id={BIG}"), "school_id", "学校编号")
    _invalid(teacher.get(f"/api/v1/items?page={BIG}"), "page", "页码")
    _invalid(teacher.get("/api/v1/items?page=2.0"), "page", "页码")
    _invalid(teacher.get(f"/api/v1/search?q=x&page={BIG}"), "page", "页码")
    _invalid(teacher.get("/api/v1/search?kind=novel"), "kind", "成果类型")
    _invalid(teacher.get("/api/v1/register?teacher_id=abc"), "teacher_id", "教师编号")
    _invalid(teacher.get("/api/v1/items?colour=red"), "colour", "colour")


def test_bodies_are_typed_without_coercion(app: Flask, world: World) -> None:
    world.user("t1")
    surrogate = b'{"username": "t1", "password": "\\ud800"}'
    res = world.client.post("/api/v1/tokens", data=surrogate, content_type="application/json")
    assert res.status_code == 422 and "密码" in res.get_json()["error"]["message"]
    _invalid(world.client.post("/api/v1/tokens", json={"username": "t1", "password": 1234}),
             "password", "密码")
    _invalid(world.admin.post("/api/v1/schools", {"name": None}), "name", "名称")
    _invalid(world.admin.post("/api/v1/schools", {"name": "一中\x07"}), "name", "名称")
    _invalid(world.admin.post("/api/v1/schools", {"name": "新学校", "id": 7}), "id", "id")
    names = [s["name"] for s in world.admin.get("/api/v1/schools").get_json()["items"]]
    assert "None" not in names and "新学校" not in names
    _invalid(world.admin.post("/api/v1/users", {"username": "x", "role": "boss",
                                                "password": "long-enough-1"}), "role", "角色")


def test_review_inputs_are_typed(world: World) -> None:
    teacher = world.user("t1")
    scan = teacher.upload(corpus("edge_01_scan_zhongqi_tongzhi.pdf"), kind="reflection",
                          title="扫描件").get_json()
    item = teacher.upload(corpus("zh_pdf_04_mokuai1_jiaoan.pdf"), kind="lesson_design",
                          title="教学设计").get_json()
    _invalid(world.admin.post(f"/api/v1/items/{item['id']}/selection",
                              {"selected": False, "reason": 123}), "reason", "理由")
    _invalid(world.admin.post(f"/api/v1/items/{item['id']}/selection", {"selected": "yes"}),
             "selected", "是否入选")
    before = world.admin.get(f"/api/v1/items/{scan['id']}").get_json()["char_count"]
    _invalid(world.admin.post(f"/api/v1/items/{scan['id']}/confirm-count", {"char_count": True}),
             "char_count", "字数")
    assert world.admin.get(f"/api/v1/items/{scan['id']}").get_json()["char_count"] == before


def test_ids_only_in_id_fields_and_names_only_in_name_fields(world: World) -> None:
    first = world.school("第一中学")
    named_two = world.school("2")
    assert first != named_two
    by_name = world.admin.post("/api/v1/users", {"username": "a", "role": "teacher",
                                                 "password": "secret-pass-1", "school": "2"})
    assert by_name.status_code == 201 and by_name.get_json()["school_id"] == named_two
    by_id = world.admin.post("/api/v1/users", {"username": "b", "role": "teacher",
                                               "password": "secret-pass-1", "school_id": first})
    assert by_id.status_code == 201 and by_id.get_json()["school"] == "第一中学"
    _invalid(world.admin.post("/api/v1/users", {"username": "c", "role": "teacher",
                                                "password": "secret-pass-1", "school": 2}),
             "school", "学校名称")
    missing = world.admin.post("/api/v1/users", {"username": "d", "role": "teacher",
                                                 "password": "secret-pass-1",
                                                 "school": str(first)})
    assert missing.status_code == 400 and "不存在" in missing.get_json()["error"]["message"]
