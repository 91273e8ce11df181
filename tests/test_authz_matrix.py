"""Authorization matrix generated from the app's route table.

Every (method, rule) the app serves must have a row in MATRIX, so a new route without an entry
fails this suite.  Each row is requested as nine actors and the status compared with the one
expected.  Another teacher's item is 404 everywhere (pages, API, originals, attachments).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from storage import S3Settings
from tests.conftest import Api, World, corpus, make_app

pytestmark = pytest.mark.slow  # every route x 9 actors

ROLES = ("anonymous", "owner", "same_school", "other_school", "inspector_in", "inspector_out",
         "school_admin", "other_admin", "global_admin")
YEAR = "2025-2026"
DOC = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"
PDF = "zh_pdf_06_kechengsizheng_jiaoxuesheji.pdf"
BOUND = "zh_pdf_04_mokuai1_jiaoan.pdf"
SCAN = "edge_01_scan_zhongqi_tongzhi.pdf"


def row(*codes: int) -> dict[str, int]:
    """Statuses in ROLES order."""
    assert len(codes) == len(ROLES)
    return dict(zip(ROLES, codes, strict=True))


def same(code: int, anonymous: int) -> dict[str, int]:
    return {role: anonymous if role == "anonymous" else code for role in ROLES}


# visibility of the owner's item:      anon owner same other in  out  sadm oadm gadm
ITEM_WEB = row(302, 200, 404, 404, 200, 404, 200, 404, 200)
ITEM_API = row(401, 200, 404, 404, 200, 404, 200, 404, 200)
ITEM_WEB_WRITE = row(302, 302, 404, 404, 302, 404, 302, 404, 302)
TEACHER_PAGE = row(302, 200, 200, 200, 403, 403, 403, 403, 403)
STAFF_PAGE = row(302, 403, 403, 403, 200, 200, 200, 200, 200)
ADMIN_PAGE = row(302, 403, 403, 403, 403, 403, 200, 200, 200)

# a term check of the owner's school (its teachers see their own line)
CHECK_API = row(401, 200, 200, 404, 200, 404, 200, 404, 200)
CHECK_WRITE = row(401, 403, 403, 404, 422, 404, 422, 404, 422)
CHECK_RECORDS = row(401, 403, 403, 404, 200, 404, 200, 404, 200)
CHECK_RECORDS_WEB = row(302, 403, 403, 404, 200, 404, 200, 404, 200)
CHECK_WEB = row(302, 200, 200, 404, 200, 404, 200, 404, 200)
CHECK_WEB_WRITE = row(302, 302, 302, 404, 302, 404, 302, 404, 302)  # refusals are flashed


SEE_ITEM = ("owner", "inspector_in", "school_admin", "global_admin")


@dataclass
class Case:
    expected: dict[str, int]
    path: str = ""  # with {item}, {attachment}, {owner}, {user}, {token} filled in
    data: Callable[[str], dict[str, Any]] | None = None  # form (web) or JSON (API) per role
    fresh_item: bool = False  # roles that see the item get their own (the request deletes it)
    fresh_session: bool = False  # the request ends the session: use a new one
    raw: dict[str, Any] = field(default_factory=dict)  # extra client kwargs


def _bad_login(role: str) -> dict[str, Any]:
    return {"username": f"nobody-{role}", "password": "wrong-password"}


MATRIX: dict[str, Case] = {
    # ---- pages ----------------------------------------------------------------------------
    "GET /": Case(same(302, 302)),
    "GET /healthz": Case(same(200, 200)),  # public: database, store and index reachable
    "GET /favicon.ico": Case(same(200, 200)),  # public: the site's icon
    "GET /login": Case(same(200, 200)),
    "POST /login": Case(same(401, 401), data=_bad_login),
    "POST /logout": Case(same(302, 302), fresh_session=True),
    "GET /account": Case(same(200, 302)),
    "POST /account": Case(same(200, 302), data=lambda r: {"action": "password", "old": "x",
                                                            "new": "y"}),
    "GET /my/items": Case(TEACHER_PAGE),
    "GET /my/hours": Case(TEACHER_PAGE),
    "GET /my/hours/certificate.pdf": Case(TEACHER_PAGE),  # each teacher's own 学时证明
    "GET /my/items/new": Case(TEACHER_PAGE),
    "POST /my/items/new": Case(row(302, 400, 400, 400, 403, 403, 403, 403, 403), data=lambda r: {}),
    "GET /search": Case(same(200, 302)),
    "GET /admin/review": Case(STAFF_PAGE),
    "GET /admin/register": Case(STAFF_PAGE),
    "GET /admin/register.csv": Case(STAFF_PAGE),
    "GET /admin/register.xlsx": Case(STAFF_PAGE),
    "GET /admin/register/<int:teacher_id>": Case(row(302, 403, 403, 403, 200, 404, 200, 404, 200),
                                                 path="/admin/register/{owner}"),
    "GET /admin/register/<int:teacher_id>/certificate.pdf": Case(
        row(302, 403, 403, 403, 403, 403, 200, 404, 200), path="/admin/register/{owner}/certificate.pdf"),
    "GET /admin/collection.pdf": Case(row(302, 403, 403, 403, 403, 403, 200, 403, 200),
                                      path=f"/admin/collection.pdf?year={YEAR}&school={{school_name}}"),
    "GET /admin/users": Case(ADMIN_PAGE),
    "GET /admin/trash": Case(ADMIN_PAGE),
    # 导出与任务: admins only; the global admin names no school here (said on the page, 302)
    "GET /admin/exports": Case(ADMIN_PAGE),
    "POST /admin/exports": Case(row(302, 403, 403, 403, 403, 403, 302, 302, 302),
                                data=lambda r: {"year": YEAR, "scope": "selected"}),
    "GET /admin/exports/<int:export_id>/files/<kind>": Case(
        row(302, 403, 403, 403, 403, 403, 409, 404, 409), path="/admin/exports/{export}/files/pdf"),
    "POST /admin/items/<int:item_id>/restore": Case(row(302, 403, 403, 403, 403, 403, 404, 404, 404)),
    "POST /admin/users": Case(row(302, 403, 403, 403, 403, 403, 200, 403, 200),
                              data=lambda r: {"username": "", "role": "teacher",
                                              "school": "{school}"}),
    "POST /admin/users/<int:user_id>/manage": Case(row(302, 403, 403, 403, 403, 403, 200, 404, 200),
                                                   path="/admin/users/{user}/manage",
                                                   data=lambda r: {"action": "unlock"}),
    "POST /admin/schools": Case(row(302, 403, 403, 403, 403, 403, 403, 403, 302),
                                data=lambda r: {"name": ""}),
    "GET /admin/audit": Case(ADMIN_PAGE),
    "GET /admin/roster": Case(ADMIN_PAGE),
    "POST /admin/roster": Case(ADMIN_PAGE, data=lambda r: {"action": "preview"}),
    "POST /admin/roster/passwords.xlsx": Case(ADMIN_PAGE, data=lambda r: {"username": "x"}),
    "GET /admin/groups": Case(ADMIN_PAGE),
    "POST /admin/groups": Case(row(302, 403, 403, 403, 403, 403, 302, 302, 302),
                               data=lambda r: {"school": "第一中学", "name": f"页面组-{r}"}),
    "GET /activities": Case(row(302, 403, 403, 403, 200, 200, 200, 200, 200)),
    "POST /activities": Case(row(302, 403, 403, 403, 403, 403, 302, 302, 302), data=lambda r: {}),
    "GET /activities/<int:activity_id>/attendance": Case(
        row(302, 403, 403, 404, 403, 404, 200, 404, 200), path="/activities/{activity}/attendance"),
    "POST /activities/<int:activity_id>/attendance": Case(
        row(302, 403, 403, 404, 403, 404, 302, 404, 302), path="/activities/{activity}/attendance",
        data=lambda r: {"status-owner": "present"}),
    "POST /activities/<int:activity_id>/sign-in": Case(
        row(302, 403, 403, 404, 403, 404, 302, 404, 302), path="/activities/{activity}/sign-in", data=lambda r: {}),
    "GET /my/sign-in": Case(TEACHER_PAGE),
    "POST /my/sign-in": Case(same(403, 302), data=lambda r: {"code": "AAAAAAAA"}),  # off by default
    "GET /admin/exams": Case(ADMIN_PAGE),
    "POST /admin/exams": Case(row(302, 403, 403, 403, 403, 403, 302, 302, 302), data=lambda r: {}),
    "POST /admin/exams/import": Case(row(302, 403, 403, 403, 403, 403, 302, 302, 302),
                                     data=lambda r: {}),
    "GET /admin/audit.xlsx": Case(ADMIN_PAGE),
    "GET /items/<int:item_id>": Case(ITEM_WEB),
    "GET /items/<int:item_id>/original": Case(ITEM_WEB),
    "GET /items/attachments/<int:attachment_id>": Case(ITEM_WEB,
                                                       path="/items/attachments/{attachment}"),
    "POST /items/<int:item_id>/attachments": Case(ITEM_WEB_WRITE, data=lambda r: {}),
    "POST /items/<int:item_id>/confirm-count": Case(ITEM_WEB_WRITE, data=lambda r: {}),
    "POST /items/<int:item_id>/delete": Case(ITEM_WEB_WRITE, fresh_item=True),
    "POST /items/<int:item_id>/file": Case(ITEM_WEB_WRITE, data=lambda r: {}),
    "POST /items/<int:item_id>/preference": Case(ITEM_WEB_WRITE),
    "POST /items/<int:item_id>/details": Case(ITEM_WEB_WRITE, data=lambda r: {}),
    "POST /items/<int:item_id>/recognitions": Case(ITEM_WEB_WRITE, data=lambda r: {}),
    "POST /items/<int:item_id>/selection": Case(ITEM_WEB_WRITE, data=lambda r: {"selected": "0"}),
    "POST /items/<int:item_id>/verification": Case(ITEM_WEB_WRITE, data=lambda r: {"verified": "0"}),
    "GET /admin/verification": Case(ADMIN_PAGE),
    # ---- API ------------------------------------------------------------------------------
    "GET /api/v1/openapi.json": Case(same(200, 200)),
    "POST /api/v1/tokens": Case(same(401, 401), data=_bad_login),
    "GET /api/v1/tokens": Case(same(200, 401)),
    "DELETE /api/v1/tokens/<int:token_id>": Case(row(401, 204, 404, 404, 404, 404, 404, 404, 404),
                                                 path="/api/v1/tokens/{token}"),
    "GET /api/v1/me": Case(same(200, 401)),
    "GET /api/v1/schools": Case(same(200, 401)),
    "POST /api/v1/schools": Case(row(401, 403, 403, 403, 403, 403, 403, 403, 422),
                                 data=lambda r: {"name": ""}),
    "GET /api/v1/users": Case(row(401, 403, 403, 403, 200, 200, 200, 200, 200)),
    "POST /api/v1/users": Case(row(401, 403, 403, 403, 403, 403, 422, 422, 422),
                               data=lambda r: {}),
    "GET /api/v1/items": Case(same(200, 401)),
    "POST /api/v1/items": Case(row(401, 422, 422, 422, 403, 403, 403, 403, 403), data=lambda r: {}),
    "GET /api/v1/items/<int:item_id>": Case(ITEM_API),
    "GET /api/v1/trash": Case(row(401, 403, 403, 403, 403, 403, 200, 200, 200)),
    "POST /api/v1/items/<int:item_id>/restore": Case(row(401, 403, 403, 403, 403, 403, 404, 404, 404)),
    "DELETE /api/v1/items/<int:item_id>": Case(row(401, 200, 404, 404, 403, 404, 200, 404, 200),
                                               fresh_item=True),
    "GET /api/v1/items/<int:item_id>/original": Case(ITEM_API),
    "GET /api/v1/items/<int:item_id>/versions": Case(ITEM_API),
    "GET /api/v1/items/<int:item_id>/history": Case(ITEM_API),
    "GET /api/v1/items/<int:item_id>/attachments": Case(ITEM_API),
    "GET /api/v1/attachments/<int:attachment_id>": Case(ITEM_API, path="/api/v1/attachments/{attachment}"),
    "POST /api/v1/items/<int:item_id>/attachments": Case(row(401, 422, 404, 404, 422, 404, 422, 404, 422),
                                                         data=lambda r: {}),
    "POST /api/v1/items/<int:item_id>/recognitions": Case(row(401, 422, 404, 404, 422, 404, 422, 404, 422),
                                                          data=lambda r: {}),
    "PUT /api/v1/items/<int:item_id>/file": Case(row(401, 422, 404, 404, 422, 404, 422, 404, 422),
                                                 data=lambda r: {}),
    "POST /api/v1/items/<int:item_id>/selection": Case(row(401, 422, 404, 404, 422, 404, 422, 404, 422),
                                                       data=lambda r: {}),
    "POST /api/v1/items/<int:item_id>/verification": Case(row(401, 422, 404, 404, 422, 404, 422, 404, 422),
                                                          data=lambda r: {}),
    "POST /api/v1/items/<int:item_id>/confirm-count": Case(row(401, 403, 404, 404, 403, 404, 200, 404, 200),
                                                           data=lambda r: {}),
    "POST /api/v1/items/<int:item_id>/preference": Case(row(401, 200, 404, 404, 403, 404, 403, 404, 403)),
    "GET /api/v1/search": Case(same(200, 401)),
    "GET /api/v1/register": Case(same(200, 401), path=f"/api/v1/register?year={YEAR}"),
    "GET /api/v1/register.csv": Case(same(200, 401), path=f"/api/v1/register.csv?year={YEAR}"),
    "GET /api/v1/register.xlsx": Case(same(200, 401), path=f"/api/v1/register.xlsx?year={YEAR}"),
    # the owner's OCR job (queued): its starter and the school's admins see it; retry is for
    # admins and only of a failed job (409 here)
    "GET /api/v1/jobs/<int:job_id>": Case(row(401, 200, 404, 404, 404, 404, 200, 404, 200),
                                          path="/api/v1/jobs/{job}"),
    "POST /api/v1/jobs/<int:job_id>/retry": Case(row(401, 403, 404, 404, 404, 404, 409, 404, 409),
                                                 path="/api/v1/jobs/{job}/retry"),
    "POST /jobs/<int:job_id>/retry": Case(row(302, 403, 404, 404, 404, 404, 409, 404, 409),
                                          path="/jobs/{job}/retry"),
    # exports: teachers export their own portfolio, admins their school (the global admin must
    # name one: 422); the owner's export (queued) is seen by them and the school's admins
    "POST /api/v1/exports": Case(row(401, 202, 202, 202, 403, 403, 202, 202, 422),
                                 data=lambda r: {"year": YEAR}),
    "GET /api/v1/exports": Case(same(200, 401)),
    "GET /api/v1/exports/<int:export_id>": Case(row(401, 200, 404, 404, 404, 404, 200, 404, 200),
                                                path="/api/v1/exports/{export}"),
    "GET /api/v1/exports/<int:export_id>/files/<kind>": Case(
        row(401, 409, 404, 404, 404, 404, 409, 404, 409), path="/api/v1/exports/{export}/files/pdf"),
    "POST /api/v1/groups": Case(row(401, 403, 403, 403, 403, 403, 201, 422, 201),
                                data=lambda r: {"school": "第一中学", "name": f"组-{r}"}),
    "GET /api/v1/groups": Case(same(200, 401)),
    "POST /api/v1/users/import": Case(row(401, 403, 403, 403, 403, 403, 422, 422, 422),
                                      data=lambda r: {}),
    "POST /api/v1/activities": Case(row(401, 403, 403, 403, 403, 403, 201, 422, 201),
                                    data=lambda r: {"school": "第一中学", "kind": "research_activity",
                                                    "title": f"活动-{r}", "date": "2025-10-09"}),
    "GET /api/v1/activities": Case(same(200, 401)),
    "GET /api/v1/activities/<int:activity_id>": Case(row(401, 200, 200, 404, 200, 404, 200, 404, 200),
                                                     path="/api/v1/activities/{activity}"),
    "PUT /api/v1/activities/<int:activity_id>/attendance": Case(
        row(401, 403, 403, 404, 403, 404, 200, 404, 200), path="/api/v1/activities/{activity}/attendance",
        data=lambda r: {"records": [{"teacher": "owner", "status": "present"}]}),
    "PUT /api/v1/exams/<year>": Case(row(401, 403, 403, 403, 403, 403, 200, 422, 200),
                                     path=f"/api/v1/exams/{YEAR}",
                                     data=lambda r: {"school": "第一中学",
                                                     "scores": [{"teacher": "owner", "score": 80}]}),
    "GET /api/v1/exams/<year>": Case(row(401, 403, 403, 403, 403, 403, 200, 422, 200),
                                     path=f"/api/v1/exams/{YEAR}?school=第一中学"),
    "GET /checks": Case(same(200, 302)),
    "POST /checks": Case(row(302, 403, 403, 403, 302, 302, 302, 302, 302), data=lambda r: {}),
    "GET /checks/<int:check_id>": Case(CHECK_WEB, path="/checks/{check}"),
    "POST /checks/<int:check_id>/marks": Case(CHECK_WEB_WRITE, path="/checks/{check}/marks",
                                              data=lambda r: {}),
    "POST /checks/<int:check_id>/teachers/<username>": Case(
        CHECK_WEB_WRITE, path="/checks/{check}/teachers/owner", data=lambda r: {}),
    "POST /checks/<int:check_id>/close": Case(CHECK_WEB_WRITE, path="/checks/{check}/close"),
    "POST /checks/<int:check_id>/reopen": Case(CHECK_WEB_WRITE, path="/checks/{check}/reopen"),
    "GET /checks/<int:check_id>/report.xlsx": Case(CHECK_RECORDS_WEB, path="/checks/{check}/report.xlsx"),
    "GET /checks/<int:check_id>/report.pdf": Case(CHECK_RECORDS_WEB, path="/checks/{check}/report.pdf"),
    "GET /api/v1/checks/<int:check_id>/report.xlsx": Case(CHECK_RECORDS,
                                                          path="/api/v1/checks/{check}/report.xlsx"),
    "GET /api/v1/checks/<int:check_id>/report.pdf": Case(CHECK_RECORDS,
                                                         path="/api/v1/checks/{check}/report.pdf"),
    "POST /api/v1/bag/hand-in": Case(row(401, 200, 200, 200, 403, 403, 403, 403, 403),
                                     data=lambda r: {"term": "2024-2025-1"}),
    "POST /api/v1/bag/unlock": Case(row(401, 403, 403, 403, 403, 403, 422, 422, 422), data=lambda r: {}),
    "POST /my/bag/hand-in": Case(row(302, 302, 302, 302, 403, 403, 403, 403, 403)),
    "GET /api/v1/checks": Case(same(200, 401)),
    "POST /api/v1/checks": Case(row(401, 403, 403, 403, 422, 422, 422, 422, 422), data=lambda r: {}),
    "GET /api/v1/checks/<int:check_id>": Case(CHECK_API, path="/api/v1/checks/{check}"),
    "POST /api/v1/checks/<int:check_id>/marks": Case(CHECK_WRITE, path="/api/v1/checks/{check}/marks",
                                                     data=lambda r: {}),
    "PUT /api/v1/checks/<int:check_id>/teachers/<username>": Case(
        CHECK_WRITE, path="/api/v1/checks/{check}/teachers/owner", data=lambda r: {}),
    "POST /api/v1/checks/<int:check_id>/close": Case(row(401, 403, 403, 404, 200, 404, 409, 404, 409),
                                                     path="/api/v1/checks/{closing}/close"),
    "POST /api/v1/checks/<int:check_id>/reopen": Case(row(401, 403, 403, 404, 403, 404, 422, 404, 422),
                                                      path="/api/v1/checks/{check}/reopen",
                                                      data=lambda r: {}),
    "GET /api/v1/collection.pdf": Case(row(401, 403, 403, 403, 403, 403, 200, 403, 200),
                                       path=f"/api/v1/collection.pdf?year={YEAR}&school_id={{school}}"),
}


def route_table(app: Flask) -> Iterator[str]:
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            yield f"{method} {rule.rule}"


@dataclass
class Actors:
    world: World
    web: dict[str, FlaskClient]
    api: dict[str, Api | None]
    ids: dict[str, int | str]
    passwords: dict[str, str]


def _browser(app: Flask, username: str, password: str) -> FlaskClient:
    client = app.test_client()
    res = client.post("/login", data={"username": username, "password": password})
    assert res.status_code == 302, (username, res.status_code)
    return client


@pytest.fixture(scope="module")
def actors(tmp_path_factory: pytest.TempPathFactory, s3_server: S3Settings) -> Actors:
    app = make_app(tmp_path_factory.mktemp("matrix"), s3_server, WTF_CSRF_ENABLED=False)
    world = World(app)
    people = {"owner": ("teacher", "第一中学"), "same_school": ("teacher", "第一中学"),
              "other_school": ("teacher", "第二中学"), "inspector_in": ("inspector", "第一中学"),
              "inspector_out": ("inspector", "第二中学"), "school_admin": ("admin", "第一中学"),
              "other_admin": ("admin", "第二中学"), "global_admin": ("admin", None)}
    api: dict[str, Api | None] = {"anonymous": None}
    passwords = {"global_admin": app.config["ADMIN_PASSWORD"]}
    for role, (kind, school) in people.items():
        api[role] = world.admin if role == "global_admin" else world.user(role, kind, school)
        passwords.setdefault(role, "secret-pass-1")
    owner = api["owner"]
    assert owner is not None
    res = owner.upload(corpus(DOC), title="总结")
    assert res.status_code == 201, res.get_json()
    item = res.get_json()
    res = owner.post(f"/api/v1/items/{item['id']}/attachments", data={
        "purpose": "other", "file": (io.BytesIO(corpus(PDF).read_bytes()), "证明.pdf")},
        content_type="multipart/form-data")
    assert res.status_code == 201, res.get_json()
    attachment = owner.get(f"/api/v1/items/{item['id']}/attachments").get_json()["items"][0]["id"]
    scan = owner.upload(corpus(SCAN), title="扫描件")
    assert scan.status_code == 202, scan.get_json()  # its OCR job stays queued (no worker here)
    bound = owner.upload(corpus(BOUND), kind="lesson_design", title="教学设计").get_json()
    res = world.admin.post(f"/api/v1/items/{bound['id']}/selection", {"selected": True})
    assert res.status_code == 200, res.get_json()  # something to bind into the collection
    throwaway = world.client.post("/api/v1/tokens", json={
        "username": "owner", "password": "secret-pass-1", "name": "throwaway"}).get_json()
    token_id = next(t["id"] for t in owner.get("/api/v1/tokens").get_json()["items"]
                    if t["name"] == "throwaway")
    assert throwaway
    activity = world.admin.post("/api/v1/activities", {
        "school": "第一中学", "kind": "training", "title": "专题讲座", "date": "2025-10-09",
        "hours": 2}).get_json()["id"]
    checks = [api["inspector_in"].post("/api/v1/checks", {  # type: ignore[union-attr]
        "year": YEAR, "term": 1}).get_json()["id"] for _ in range(2)]
    ids = {"item": item["id"], "attachment": attachment, "token": token_id, "activity": activity,
           "job": scan.get_json()["job_id"],
           "export": owner.post("/api/v1/exports", {"year": YEAR}).get_json()["id"],
           "check": checks[0], "closing": checks[1],
           "owner": owner.get("/api/v1/me").get_json()["id"],
           "user": api["same_school"].get("/api/v1/me").get_json()["id"],  # type: ignore[union-attr]
           "school": world.schools["第一中学"], "school_name": "第一中学"}
    web = {role: app.test_client() if role == "anonymous" else
           _browser(app, "admin" if role == "global_admin" else role, passwords[role])
           for role in ROLES}
    return Actors(world, web, api, ids, passwords)


def test_every_route_has_a_row(actors: Actors) -> None:
    served = set(route_table(actors.world.app))
    missing = sorted(served - MATRIX.keys())
    stale = sorted(MATRIX.keys() - served)
    assert not missing, f"routes without an authorization-matrix entry: {missing}"
    assert not stale, f"matrix entries for routes that no longer exist: {stale}"


def _path(key: str, case: Case, ids: dict[str, int | str]) -> str:
    path = case.path or key.split(" ", 1)[1].replace("<int:item_id>", "{item}")
    return path.format(**ids)


def _fresh_item(actors: Actors) -> int:
    owner = actors.api["owner"]
    assert owner is not None
    return int(owner.upload(corpus(DOC), title="待删除").get_json()["id"])


def _call(actors: Actors, key: str, role: str) -> tuple[int, str]:
    case = MATRIX[key]
    method, _ = key.split(" ", 1)
    ids: dict[str, int | str] = dict(actors.ids)
    if case.fresh_item and role in SEE_ITEM:
        ids["item"] = _fresh_item(actors)
    path = _path(key, case, ids)
    data = case.data(role) if case.data else None
    if data:
        data = {k: v.format(**ids) if isinstance(v, str) else v for k, v in data.items()}
    if key.split(" ", 1)[1].startswith("/api/"):
        api = actors.api[role]
        client = actors.world.app.test_client()
        headers = {"Authorization": f"Bearer {api.token}"} if api else {}
        res = client.open(path, method=method, headers=headers, json=data)
        return res.status_code, res.get_data(as_text=True)[:200] if res.is_json else ""
    client = actors.web[role]
    if case.fresh_session and role != "anonymous":
        name = "admin" if role == "global_admin" else role
        client = _browser(actors.world.app, name, actors.passwords[role])
    res = client.open(path, method=method, data=data)
    return res.status_code, ""


@pytest.mark.parametrize("key", sorted(MATRIX))
def test_route_answers_each_actor_as_expected(actors: Actors, key: str) -> None:
    got = {role: _call(actors, key, role) for role in ROLES}
    wrong = {role: (got[role], want) for role, want in MATRIX[key].expected.items()
             if got[role][0] != want}
    assert not wrong, f"{key}: (got, expected) {wrong}"
