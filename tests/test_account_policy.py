"""One policy for adding users and schools, whether through the API or the admin page."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient

from tests.conftest import World

REFUSED_USER = "学校管理员只能在本校添加教师和督查员。"
REFUSED_SCHOOL = "只有不限学校的系统管理员可以添加学校。"


def _page(world: World, username: str, password: str) -> FlaskClient:
    client = world.app.test_client()

    def csrf(url: str) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', client.get(url).get_data(True))
        assert match
        return match.group(1)

    res = client.post("/login", data={"username": username, "password": password,
                                      "csrf_token": csrf("/login")})
    assert res.status_code == 302
    client.csrf = csrf  # type: ignore[attr-defined]
    return client


Adder = Callable[[dict[str, Any]], tuple[int, str]]


def _via_api(world: World, username: str) -> tuple[Adder, Adder]:
    api = world.login(username, "secret-pass-1")

    def user(body: dict[str, Any]) -> tuple[int, str]:
        res = api.post("/api/v1/users", {**body, "password": "secret-pass-9"})
        return res.status_code, res.get_data(as_text=True)

    def school(body: dict[str, Any]) -> tuple[int, str]:
        res = api.post("/api/v1/schools", body)
        return res.status_code, res.get_data(as_text=True)

    return user, school


def _via_page(world: World, username: str) -> tuple[Adder, Adder]:
    client = _page(world, username, "secret-pass-1")

    def post(url: str, body: dict[str, Any]) -> tuple[int, str]:
        data = {**body, "csrf_token": client.csrf("/admin/users")}  # type: ignore[attr-defined]
        res = client.post(url, data=data, follow_redirects=True)
        return res.status_code, res.get_data(as_text=True)

    def user(body: dict[str, Any]) -> tuple[int, str]:
        school = body.get("school")
        return post("/admin/users", {**body, "school": world.schools.get(school, school) or ""})

    return user, lambda body: post("/admin/schools", body)


@pytest.mark.parametrize("channel", [_via_api, _via_page], ids=["api", "page"])
def test_school_admin_adds_only_own_teachers_and_inspectors(world: World, channel: Any) -> None:
    world.school("第二中学")
    world.user("sa", role="admin", school="第一中学")
    add_user, add_school = channel(world, "sa")
    for body in ({"username": "boss", "role": "admin", "school": "第一中学"},
                 {"username": "t2", "role": "teacher", "school": "第二中学"},
                 {"username": "i0", "role": "inspector", "school": None}):
        status, text = add_user({**body, "name": body["username"]})
        assert status == 403 and REFUSED_USER in text, (body, text[:300])
    status, text = add_school({"name": "第三中学"})
    assert status == 403 and REFUSED_SCHOOL in text
    for body in ({"username": "t1", "role": "teacher", "school": "第一中学"},
                 {"username": "i1", "role": "inspector", "school": "第一中学"}):
        status, text = add_user({**body, "name": body["username"]})
        assert status in (200, 201) and body["username"] in text, text[:300]
    listed = {u["username"]: u["school"] for u in world.admin.get("/api/v1/users").get_json()["items"]}
    assert listed == {"admin": None, "sa": "第一中学", "t1": "第一中学", "i1": "第一中学"}


@pytest.mark.parametrize("channel", [_via_api, _via_page], ids=["api", "page"])
def test_all_schools_admin_adds_schools_and_admins(world: World, channel: Any) -> None:
    world.user("root", role="admin", school=None)
    world.school("第一中学")
    add_user, add_school = channel(world, "root")
    status, _ = add_school({"name": "第三中学"})
    assert status in (200, 201)
    status, text = add_user({"username": "sa", "name": "sa", "role": "admin",
                             "school": "第一中学"})
    assert status in (200, 201), text[:300]
    schools = {s["name"] for s in world.admin.get("/api/v1/schools").get_json()["items"]}
    assert schools == {"第一中学", "第三中学"}
    assert any(u["username"] == "sa" and u["role"] == "admin"
               for u in world.admin.get("/api/v1/users").get_json()["items"])
