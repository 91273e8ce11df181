"""Multipart forms are validated from the models the views declare (web/api/forms.py), the same
models the OpenAPI document shows: a wrong-typed field is a 422 naming it in Chinese, and the
recognition JSON body is declared too (issue 9 point 10)."""

from __future__ import annotations

import dataclasses
import io
from typing import Annotated, Any

import pytest
from flask import Flask
from pydantic import Field

from archive_service import vocabulary
from archive_service.services.evidence import PURPOSES
from archive_service.web.api.forms import UploadForm
from archive_service.web.api.openapi import REF
from tests.helpers import Api, World, assert_nothing_stored, corpus

DOC = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"
SCAN = "en_pdf_01_google_doc.pdf"
FORM_ROUTES = {  # operationId -> (method, path)
    "upload_item": ("post", "/api/v1/items"),
    "replace_file": ("put", "/api/v1/items/{item_id}/file"),
    "add_recognition": ("post", "/api/v1/items/{item_id}/recognitions"),
    "add_attachment": ("post", "/api/v1/items/{item_id}/attachments"),
}


def _invalid(res: Any, field: str, label: str) -> str:
    assert res.status_code == 422, (res.status_code, res.get_data(as_text=True))
    error = res.get_json()["error"]
    assert error["code"] == "invalid_input"
    assert f"「{label}」（{field}）" in error["message"], error
    assert error["fields"][0]["field"] == field
    return str(error["message"])


def _file(name: str = DOC, filename: str | None = None) -> tuple[io.BytesIO, str]:
    path = corpus(name)
    return io.BytesIO(path.read_bytes()), filename or path.name


def _form(teacher: Api, url: str, data: dict[str, Any], method: str = "post") -> Any:
    return getattr(teacher, method)(url, data=data, content_type="multipart/form-data")


def _upload_form(**fields: Any) -> dict[str, Any]:
    return {"file": _file(), "kind": "reflection", "title": "反思", "completion_date": "2025-10-08",
            **fields}


def test_wrong_typed_upload_fields_are_422_naming_the_field(app: Flask, world: World) -> None:
    teacher = world.user("t1")
    url = "/api/v1/items"
    assert "可选" in _invalid(_form(teacher, url, _upload_form(prefer="maybe")),
                            "prefer", "希望计入本篇")
    assert "reflection" in _invalid(_form(teacher, url, _upload_form(kind="poem")),
                                    "kind", "成果类型")
    _invalid(_form(teacher, url, _upload_form(title=(io.BytesIO(b"x"), "title.txt"))),
             "title", "标题")  # a file part where text is declared
    _invalid(_form(teacher, url, _upload_form(file="not a file")), "file", "文件")
    _invalid(_form(teacher, url, {k: v for k, v in _upload_form().items() if k != "file"}),
             "file", "文件")
    _invalid(_form(teacher, url, _upload_form(completion_date="2025/10/08")),
             "completion_date", "完成日期")
    _invalid(_form(teacher, url, _upload_form(metadata="[1, 2]")), "metadata", "补充信息")
    _invalid(_form(teacher, url, _upload_form(owner_id="7")), "owner_id", "owner_id")
    _invalid(_form(teacher, url, _upload_form(subtype="细" * 41)), "subtype", "细类")
    as_json = teacher.post(url, {"kind": "reflection"})  # JSON is not the declared form
    assert as_json.status_code == 422 and "multipart/form-data" in as_json.get_json()["error"][
        "message"]
    assert_nothing_stored(app)
    assert _form(teacher, url, _upload_form(prefer="true")).status_code == 201


def test_replace_attachment_and_recognition_forms_are_declared(world: World) -> None:
    teacher = world.user("t1")
    paper = teacher.upload(corpus("zh_pdf_09_qikan_lunwen_xinxilunli.pdf"), kind="paper",
                           title="论文").get_json()
    base = f"/api/v1/items/{paper['id']}"
    _invalid(_form(teacher, f"{base}/file", {"file": "text"}, "put"), "file", "文件")
    _invalid(_form(teacher, f"{base}/file", {"file": _file(), "remark": "x"}, "put"),
             "remark", "remark")
    message = _invalid(_form(teacher, f"{base}/attachments", {"file": _file(SCAN),
                                                             "purpose": "bribe"}),
                       "purpose", "材料用途")
    assert all(purpose in message for purpose in PURPOSES)
    _invalid(_form(teacher, f"{base}/recognitions", {
        "type": "award", "level": "city", "grade": "5", "date": "2025-12-01"}), "grade", "获奖等次")
    _invalid(_form(teacher, f"{base}/recognitions", {
        "type": "award", "level": "city", "grade": "1", "date": "2025-12-01",
        "evidence": "证书"}), "evidence", "证书或证明文件")
    history = teacher.get(f"{base}/history").get_json()["total"]
    assert teacher.get(f"{base}/attachments").get_json()["total"] == 0
    assert teacher.get(f"{base}/history").get_json()["total"] == history
    ok = _form(teacher, f"{base}/attachments", {"file": _file(SCAN, "证明.pdf")})
    assert ok.status_code == 201 and ok.get_json()["attachment_id"]


def test_recognition_json_body_is_the_declared_model(world: World) -> None:
    teacher = world.user("t1")
    paper = teacher.upload(corpus("zh_pdf_09_qikan_lunwen_xinxilunli.pdf"), kind="paper",
                           title="论文").get_json()
    url = f"/api/v1/items/{paper['id']}/recognitions"
    award = {"type": "award", "level": "city", "grade": 1, "date": "2025-12-01"}
    _invalid(teacher.post(url, {**award, "grade": "1"}), "grade", "获奖等次")  # no coercion
    _invalid(teacher.post(url, {**award, "type": 1}), "type", "获奖或发表")
    _invalid(teacher.post(url, {**award, "evidence_id": 3}), "evidence_id", "evidence_id")
    _invalid(teacher.post(url, {**award, "date": "2025-12-32"}), "date", "获奖或发表日期")
    _invalid(teacher.post(url, {**award, "level": None}), "level", "级别")
    assert teacher.get(f"/api/v1/items/{paper['id']}").get_json()["metadata"].get(
        "recognitions", []) == []
    res = teacher.post(url, award)
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["metadata"]["recognitions"][0]["level"] == "city"


def _document_schema(doc: dict[str, Any], method: str, path: str, media: str) -> dict[str, Any]:
    ref = doc["paths"][path][method]["requestBody"]["content"][media]["schema"]["$ref"]
    return doc["components"]["schemas"][ref.rsplit("/", 1)[1]]


def test_the_document_shows_the_forms_the_views_validate_with(app: Flask) -> None:
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    for endpoint, (method, path) in FORM_ROUTES.items():
        form = app.view_functions[f"api.{endpoint}"].__api_operation__.form
        expected = form.model_json_schema(ref_template=REF, mode="validation")
        assert _document_schema(doc, method, path, "multipart/form-data") == expected, endpoint
    upload = _document_schema(doc, "post", "/api/v1/items", "multipart/form-data")
    assert set(upload["required"]) == {"file", "kind", "title", "completion_date"}
    assert (upload["properties"]["file"]["type"], upload["properties"]["file"]["format"]) == (
        "string", "binary")
    assert upload["additionalProperties"] is False
    assert upload["properties"]["kind"]["enum"] == [k.value for k in vocabulary.Kind]
    attachment = _document_schema(doc, "post", "/api/v1/items/{item_id}/attachments",
                                  "multipart/form-data")
    assert attachment["properties"]["purpose"]["enum"] == list(PURPOSES)
    recognition = doc["paths"]["/api/v1/items/{item_id}/recognitions"]["post"]["requestBody"]
    assert set(recognition["content"]) == {"application/json", "multipart/form-data"}


class ShortTitles(UploadForm):
    title: Annotated[str, Field(max_length=4)]


def test_changing_the_declaration_changes_document_and_validator(
        app: Flask, world: World, monkeypatch: pytest.MonkeyPatch) -> None:
    """One object: swap the declared form and both the document and the 422 follow it."""
    teacher = world.user("t1")
    view = app.view_functions["api.upload_item"]
    monkeypatch.setattr(view, "__api_operation__",
                        dataclasses.replace(view.__api_operation__, form=ShortTitles))
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    schema = _document_schema(doc, "post", "/api/v1/items", "multipart/form-data")
    assert schema["properties"]["title"]["maxLength"] == 4
    message = _invalid(_form(teacher, "/api/v1/items", _upload_form(title="五个字标题")),
                       "title", "标题")
    assert "4" in message
    assert _form(teacher, "/api/v1/items", _upload_form(title="四字标题")).status_code == 201

