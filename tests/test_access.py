"""Sessions that end, throttled logins, revocable tokens, deactivation and resets, redirects."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from archive_service.app import create_app
from archive_service.db import db
from archive_service.extensions import archive
from archive_service.models import ApiToken, LoginThrottle
from archive_service.services.setup import initialise
from tests.helpers import World


def _csrf(client: FlaskClient, url: str) -> str:
    page = client.get(url).get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, page[:500]
    return match.group(1)


def _post_login(client: FlaskClient, username: str, password: str, url: str = "/login") -> object:
    return client.post(url, data={"username": username, "password": password,
                                  "csrf_token": _csrf(client, "/login")})


def _login(world: World, username: str, password: str = "secret-pass-1",
           address: str = "127.0.0.1") -> FlaskClient:
    client = world.app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    res = _post_login(client, username, password)
    assert res.status_code == 302, res.get_data(as_text=True)[:300]  # type: ignore[attr-defined]
    return client


def _copy(world: World, client: FlaskClient) -> FlaskClient:
    """Another browser holding a copy of ``client``'s session cookie."""
    thief = world.app.test_client()
    cookie = client.get_cookie("session")
    assert cookie is not None
    thief.set_cookie("session", cookie.value)
    return thief


def _signed_in(client: FlaskClient) -> bool:
    res = client.get("/account")
    return res.status_code == 200


def _admin(world: World) -> FlaskClient:
    return _login(world, "admin", world.app.config["ADMIN_PASSWORD"])


def _manage(admin: FlaskClient, user_id: int, action: str, **extra: str) -> str:
    res = admin.post(f"/admin/users/{user_id}/manage",
                     data={"csrf_token": _csrf(admin, "/admin/users"), "action": action, **extra})
    assert res.status_code == 200, res.status_code
    return res.get_data(as_text=True)


# 1. sessions ----------------------------------------------------------------------------------

def test_a_cookie_copied_before_logout_is_dead_after_it(world: World) -> None:
    world.user("t1")
    client = _login(world, "t1")
    copy = _copy(world, client)
    assert _signed_in(copy)
    other = _login(world, "t1")
    client.post("/logout", data={"csrf_token": _csrf(client, "/account")})
    assert not _signed_in(copy)
    assert copy.get("/my/items").status_code == 302
    assert _signed_in(other)  # logout ends that session only


def test_password_change_ends_other_sessions_and_revokes_tokens(world: World) -> None:
    api = world.user("t1")
    here, elsewhere = _login(world, "t1"), _login(world, "t1")
    assert api.get("/api/v1/me").status_code == 200
    res = here.post("/account", data={"csrf_token": _csrf(here, "/account"), "action": "password",
                                      "old": "secret-pass-1", "new": "another-pass-2"})
    assert "密码已修改" in res.get_data(as_text=True)
    assert _signed_in(here)
    assert not _signed_in(elsewhere)
    assert api.get("/api/v1/me").status_code == 401


def test_sign_out_everywhere_and_deactivation_end_everything(world: World) -> None:
    api = world.user("t1")
    teacher_id = api.get("/api/v1/me").get_json()["id"]
    browser = _login(world, "t1")
    admin = _admin(world)
    _manage(admin, teacher_id, "everywhere")
    assert not _signed_in(browser)
    assert api.get("/api/v1/me").status_code == 401
    browser, api = _login(world, "t1"), world.login("t1", "secret-pass-1")
    _manage(admin, teacher_id, "deactivate")
    assert not _signed_in(browser)
    assert api.get("/api/v1/me").status_code == 401
    res = _post_login(world.app.test_client(), "t1", "secret-pass-1")
    assert res.status_code == 401  # type: ignore[attr-defined]
    _manage(admin, teacher_id, "activate")
    _login(world, "t1")


def test_own_sign_out_everywhere(world: World) -> None:
    api = world.user("t1")
    one, two = _login(world, "t1"), _login(world, "t1")
    one.post("/account", data={"csrf_token": _csrf(one, "/account"), "action": "everywhere"})
    assert not _signed_in(one) and not _signed_in(two)
    assert api.get("/api/v1/me").status_code == 401


# 2. throttling --------------------------------------------------------------------------------

def test_thirty_wrong_passwords_lock_the_account_until_an_admin_unlocks(world: World) -> None:
    api = world.user("t1")
    teacher_id = api.get("/api/v1/me").get_json()["id"]
    client = world.app.test_client()
    for _ in range(30):
        res = _post_login(client, "t1", "wrong-password")
        assert res.status_code in (401, 429)  # type: ignore[attr-defined]
    res = _post_login(client, "t1", "secret-pass-1")
    assert res.status_code == 429  # type: ignore[attr-defined]
    assert int(res.headers["Retry-After"]) > 0  # type: ignore[attr-defined]
    assert "登录失败次数过多" in res.get_data(as_text=True)  # type: ignore[attr-defined]
    via_api = world.client.post("/api/v1/tokens", json={"username": "t1",
                                                         "password": "secret-pass-1"})
    assert via_api.status_code == 429 and int(via_api.headers["Retry-After"]) > 0
    _manage(_admin(world), teacher_id, "unlock")
    assert _post_login(client, "t1", "secret-pass-1").status_code == 302  # type: ignore[attr-defined]


def test_the_lock_is_stored_and_survives_a_restart(app: Flask, world: World) -> None:
    world.user("t1")
    for _ in range(6):
        world.client.post("/api/v1/tokens", json={"username": "t1", "password": "nope"})
    with app.app_context():
        row = db.session.get(LoginThrottle, "user:t1")
        assert row is not None and row.failures == 5 and row.locked_until is not None
    keep = ("TESTING", "S3_ENDPOINT", "S3_ACCESS_KEY", "S3_SECRET_KEY", "S3_BUCKET")
    again = create_app({k: app.config[k] for k in keep}, instance=Path(app.instance_path))
    with again.app_context():
        assert initialise(db.engine, db.transaction, archive.settings) is None
    res = again.test_client().post("/api/v1/tokens", json={"username": "t1",
                                                           "password": "secret-pass-1"})
    assert res.status_code == 429


def test_one_address_guessing_many_accounts_is_throttled(world: World) -> None:
    world.user("t1")
    guesser = world.app.test_client()
    guesser.environ_base["REMOTE_ADDR"] = "203.0.113.9"
    for n in range(21):
        guesser.post("/api/v1/tokens", json={"username": f"user{n}", "password": "x"})
    res = guesser.post("/api/v1/tokens", json={"username": "t1", "password": "secret-pass-1"})
    assert res.status_code == 429
    assert res.get_json()["error"]["code"] == "too_many_attempts"
    elsewhere = world.client.post("/api/v1/tokens", json={"username": "t1",
                                                          "password": "secret-pass-1"})
    assert elsewhere.status_code == 201  # the account itself is not locked


# 3. tokens ------------------------------------------------------------------------------------

def test_named_tokens_hashes_only_last_used_and_revocation(app: Flask, world: World) -> None:
    world.user("t1")
    first = world.client.post("/api/v1/tokens", json={"username": "t1", "password": "secret-pass-1",
                                                       "name": "教务系统"}).get_json()["token"]
    second = world.login("t1", "secret-pass-1")
    headers = {"Authorization": f"Bearer {first}"}
    assert world.client.get("/api/v1/me", headers=headers).status_code == 200
    listed = second.get("/api/v1/tokens").get_json()["items"]
    assert {t["name"] for t in listed} >= {"教务系统"}
    named = next(t for t in listed if t["name"] == "教务系统")
    assert named["last_used_at"] and named["last_used_at"].endswith("+00:00")
    with app.app_context():
        stored = [(t.token_hash, t.name) for t in db.session.scalars(select(ApiToken))]
    assert all(first not in h and second.token not in h for h, _ in stored)
    assert second.delete(f"/api/v1/tokens/{named['id']}").status_code == 204
    assert world.client.get("/api/v1/me", headers=headers).status_code == 401
    assert second.get("/api/v1/me").status_code == 200  # the other token lives on


def test_tokens_revoked_from_the_account_and_admin_pages(world: World) -> None:
    api = world.user("t1")
    teacher_id = api.get("/api/v1/me").get_json()["id"]
    browser = _login(world, "t1")
    page = browser.post("/account", data={"csrf_token": _csrf(browser, "/account"),
                                          "action": "token", "name": "备课平台"})
    token = re.search(r"<code>(arc_[^<]+)</code>", page.get_data(as_text=True)).group(1)
    mine = {t["name"]: t["id"] for t in api.get("/api/v1/tokens").get_json()["items"]}
    browser.post("/account", data={"csrf_token": _csrf(browser, "/account"), "action": "revoke",
                                   "token_id": str(mine["备课平台"])})
    assert world.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}
                            ).status_code == 401
    token_id = api.get("/api/v1/tokens").get_json()["items"][0]["id"]
    _manage(_admin(world), teacher_id, "revoke", token_id=str(token_id))
    assert api.get("/api/v1/me").status_code == 401


# 4. resets and the first admin ----------------------------------------------------------------

def test_admin_reset_gives_a_one_time_password(world: World) -> None:
    api = world.user("t1")
    teacher_id = api.get("/api/v1/me").get_json()["id"]
    page = _manage(_admin(world), teacher_id, "reset")
    once = re.search(r"初始密码：<code>([^<]+)</code>", page).group(1)
    assert api.get("/api/v1/me").status_code == 401
    assert world.client.post("/api/v1/tokens", json={"username": "t1", "password": once}
                             ).status_code == 403
    client = world.app.test_client()
    res = _post_login(client, "t1", once)
    assert res.headers["Location"].endswith("/account")  # type: ignore[attr-defined]
    assert client.get("/my/items").headers["Location"].endswith("/account")
    client.post("/account", data={"csrf_token": _csrf(client, "/account"), "action": "password",
                                  "old": once, "new": "my-own-pass-9"})
    assert client.get("/my/items").status_code == 200
    world.login("t1", "my-own-pass-9")


def test_the_first_admin_must_change_the_printed_password(tmp_path: Path, app: Flask) -> None:
    fresh = create_app({"TESTING": True}, instance=tmp_path / "fresh")
    with fresh.app_context():
        printed = initialise(db.engine, db.transaction, archive.settings)
    assert printed
    client = fresh.test_client()
    assert client.post("/api/v1/tokens", json={"username": "admin", "password": printed}
                       ).status_code == 403
    res = _post_login(client, "admin", printed)
    assert res.headers["Location"].endswith("/account")  # type: ignore[attr-defined]
    assert client.get("/admin/users").status_code == 302


# 5. redirects ---------------------------------------------------------------------------------

def test_login_follows_only_same_site_paths(world: World) -> None:
    world.user("t1")
    for target in ("/%09/evil.example", "//evil.example", "/\\evil.example",
                   "https://evil.example/", "/%0d%0a/evil.example"):
        client = world.app.test_client()
        res = _post_login(client, "t1", "secret-pass-1", url=f"/login?next={target}")
        location = res.headers["Location"]  # type: ignore[attr-defined]
        assert "evil" not in location and not location.startswith("//"), (target, location)
    client = world.app.test_client()
    res = _post_login(client, "t1", "secret-pass-1", url="/login?next=/my/hours")
    assert res.headers["Location"] == "/my/hours"  # type: ignore[attr-defined]
