"""Every read and write is checked against the user's role and scope."""

from __future__ import annotations

from tests.helpers import World, corpus

DOC = corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")


def _setup(world: World) -> dict:
    a = world.user("ta", school="第一中学")
    b = world.user("tb", school="第二中学")
    item_a = a.upload(DOC, title="甲校反思").get_json()
    item_b = b.upload(corpus("zh_docx_08_jiaogai_anli.docx"), title="乙校反思").get_json()
    return {"a": a, "b": b, "item_a": item_a["id"], "item_b": item_b["id"]}


def test_teacher_sees_only_own_items(world: World) -> None:
    s = _setup(world)
    a, item_b = s["a"], s["item_b"]
    for url in (f"/api/v1/items/{item_b}", f"/api/v1/items/{item_b}/original",
                f"/api/v1/items/{item_b}/history", f"/api/v1/items/{item_b}/versions"):
        assert a.get(url).status_code == 404, url
    assert a.delete(f"/api/v1/items/{item_b}").status_code == 404
    assert a.post(f"/api/v1/items/{item_b}/preference").status_code == 404
    assert [i["id"] for i in a.get("/api/v1/items").get_json()["items"]] == [s["item_a"]]
    assert [h["id"] for h in a.get("/api/v1/search?q=反思").get_json()["items"]] == [s["item_a"]]
    assert a.get("/api/v1/search?q=反思&teacher=tb").get_json()["total"] == 0
    # teachers cannot select, manage users or schools
    assert a.post(f"/api/v1/items/{s['item_a']}/selection", {"selected": True}).status_code \
        == 403
    assert a.post("/api/v1/schools", {"name": "x"}).status_code == 403
    assert a.get("/api/v1/users").status_code == 403


def test_school_inspector_is_limited_to_their_school(world: World) -> None:
    s = _setup(world)
    insp = world.user("ia", role="inspector", school="第一中学")
    assert insp.get(f"/api/v1/items/{s['item_a']}").status_code == 200
    assert insp.get(f"/api/v1/items/{s['item_b']}").status_code == 404
    assert insp.get(f"/api/v1/items/{s['item_b']}/original").status_code == 404
    hits = insp.get("/api/v1/search?q=反思").get_json()
    assert [h["id"] for h in hits["items"]] == [s["item_a"]] and hits["total"] == 1
    assert insp.get("/api/v1/search?q=反思&school=第二中学").get_json()["total"] == 0
    # read-only by default: no selection, no deletion
    assert insp.post(f"/api/v1/items/{s['item_a']}/selection",
                     {"selected": True}).status_code == 403
    assert insp.delete(f"/api/v1/items/{s['item_a']}").status_code == 403


def test_all_schools_inspector_and_filters(world: World) -> None:
    s = _setup(world)
    insp = world.user("iall", role="inspector", school=None)
    both = insp.get("/api/v1/search?q=反思").get_json()
    assert {h["id"] for h in both["items"]} == {s["item_a"], s["item_b"]}
    only_b = insp.get("/api/v1/search?q=反思&school=第二中学").get_json()
    assert [h["id"] for h in only_b["items"]] == [s["item_b"]]
    assert only_b["items"][0]["teacher"] == "tb"
    by_teacher = insp.get("/api/v1/items?teacher=ta").get_json()["items"]
    assert [i["id"] for i in by_teacher] == [s["item_a"]]


def test_school_admin_scope(world: World) -> None:
    s = _setup(world)
    admin_a = world.user("aa", role="admin", school="第一中学")
    assert admin_a.post(f"/api/v1/items/{s['item_b']}/selection",
                        {"selected": True}).status_code == 404
    assert admin_a.post(f"/api/v1/items/{s['item_a']}/selection",
                        {"selected": True}).status_code == 200
    res = admin_a.post("/api/v1/users", {"username": "x", "role": "teacher",
                                         "school": "第二中学", "password": "secret-pass-1"})
    assert res.status_code == 403
    res = admin_a.post("/api/v1/users", {"username": "x", "role": "admin",
                                         "school": "第一中学", "password": "secret-pass-1"})
    assert res.status_code == 403
    users = world.admin.get("/api/v1/users").get_json()["items"]
    assert "x" not in {u["username"] for u in users}  # neither refusal created the account


def test_deleted_items_disappear_everywhere(world: World) -> None:
    s = _setup(world)
    a = s["a"]
    assert a.delete(f"/api/v1/items/{s['item_a']}").status_code == 200
    assert a.get(f"/api/v1/items/{s['item_a']}").status_code == 404
    assert a.get("/api/v1/search?q=反思").get_json()["total"] == 0
    assert world.admin.get(f"/api/v1/items/{s['item_a']}").status_code == 404


def test_selected_item_cannot_be_deleted_by_teacher(world: World) -> None:
    s = _setup(world)
    world.admin.post(f"/api/v1/items/{s['item_a']}/selection", {"selected": True})
    res = s["a"].delete(f"/api/v1/items/{s['item_a']}")
    assert res.status_code == 409
    assert res.get_json()["error"]["code"] == "item_selected"


def test_search_filters_by_decision(world: World) -> None:
    s = _setup(world)
    world.admin.post(f"/api/v1/items/{s['item_a']}/selection", {"selected": True})
    insp = world.user("iall", role="inspector", school=None)
    counted = insp.get("/api/v1/search?q=反思&decision=counted").get_json()
    assert [h["id"] for h in counted["items"]] == [s["item_a"]] and counted["total"] == 1
    assert counted["items"][0]["decision"] == "counted"
    assert counted["items"][0]["snippet_html"].startswith("小学三年级")  # title-only match
    waiting = insp.get("/api/v1/search?q=反思&decision=eligible_awaiting_selection").get_json()
    assert [h["id"] for h in waiting["items"]] == [s["item_b"]]
