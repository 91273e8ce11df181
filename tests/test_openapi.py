"""/api/v1/openapi.json is generated from the declarations and covers every API route."""

from __future__ import annotations

import re

from flask import Flask

from archive_service.web.api.openapi import undeclared
from tests.conftest import World, corpus

DOC = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"


def _routes(app: Flask) -> set[tuple[str, str]]:
    return {(method.lower(), re.sub(r"<(?:int:)?([a-z_]+)>", r"{\1}", rule.rule))
            for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1")
            for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}}


def test_every_api_route_is_declared_and_documented(app: Flask) -> None:
    assert undeclared(app) == []
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    documented = {(m, p) for p, ops in doc["paths"].items() for m in ops}
    assert documented == _routes(app)
    assert ("get", "/api/v1/me") in documented
    assert ("get", "/api/v1/attachments/{attachment_id}") in documented
    ids = [op["operationId"] for ops in doc["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids)) and all(op.get("tags") for ops in doc["paths"].values()
                                              for op in ops.values())


def test_the_document_carries_enums_patterns_pages_and_errors(app: Flask) -> None:
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    schemas = doc["components"]["schemas"]
    item = schemas["ItemOut"]
    assert {"min_chars", "count_from_ocr", "count_confirmed", "version", "warnings",
            "selection", "return_reason", "teacher_preferred", "created_at",
            "owner"} <= set(item["properties"]) and set(item["required"]) >= {"id", "kind"}
    assert item["properties"]["kind"]["enum"][0] == "reflection"
    assert item["properties"]["academic_year"]["pattern"] == "^[0-9]{4}-[0-9]{4}$"
    assert "teacher" in schemas["UserOut"]["properties"]["role"]["enum"]
    assert "counted" in schemas["DecisionOut"]["properties"]["code"]["enum"]
    listing = doc["paths"]["/api/v1/items"]["get"]
    page = schemas[listing["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
                   .rsplit("/", 1)[1]]
    assert set(page["required"]) == {"items", "total", "page", "per_page"}
    params = {p["name"]: p for p in listing["parameters"]}
    assert params["teacher_id"]["schema"] == {"type": "integer", "minimum": 1,
                                             "maximum": 2**31 - 1}
    assert params["year"]["schema"]["pattern"] == "^[0-9]{4}-[0-9]{4}$"
    upload = doc["paths"]["/api/v1/items"]["post"]["responses"]
    assert "Location" in upload["201"]["headers"] and "get_item" in upload["201"]["links"]
    unauthorized = doc["paths"]["/api/v1/me"]["get"]["responses"]["401"]
    assert "WWW-Authenticate" in unauthorized["headers"]
    assert unauthorized["content"]["application/json"]["schema"]["$ref"].endswith("/Error")
    assert doc["paths"]["/api/v1/tokens"]["post"]["security"] == []
    assert "429" in doc["paths"]["/api/v1/tokens"]["post"]["responses"]


def test_statuses_and_headers_the_document_promises(world: World) -> None:
    teacher = world.user("t1")
    res = teacher.upload(corpus(DOC))
    assert res.status_code == 201
    assert res.headers["Location"] == f"/api/v1/items/{res.get_json()['id']}"
    assert res.get_json()["created_at"].endswith("+00:00")
    assert teacher.get("/api/v1/items").get_json()["total"] == 1
    wrong_method = teacher.put("/api/v1/me")
    assert wrong_method.status_code == 405 and "GET" in wrong_method.headers["Allow"]
    assert wrong_method.get_json()["error"]["code"] == "http_405"
    anonymous = world.app.test_client().get("/api/v1/me")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    for bare in ("/api", "/api/v1"):
        res = world.app.test_client().get(bare)
        assert res.status_code == 404 and res.is_json, bare
