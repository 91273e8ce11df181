"""The served OpenAPI document (kept next to the routes it describes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from flask import jsonify

from ...vocabulary import KINDS
from . import bp

ERROR = {"$ref": "#/components/schemas/Error"}


def _op(summary: str, params: Sequence[str] = (), body: dict[str, Any] | None = None,
        ok: str = "200", schema: dict[str, Any] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "parameters": [{"name": p, "in": "query", "schema": {"type": "string"}} for p in params],
        "responses": {ok: {"description": "成功", **({"content": {"application/json": {
            "schema": schema}}} if schema else {})},
            "4XX": {"description": "错误", "content": {"application/json": {"schema": ERROR}}}},
    }
    if body:
        op["requestBody"] = {"required": True, "content": body}
    return op


def _path_id(op: dict[str, Any]) -> dict[str, Any]:
    op["parameters"] = [{"name": "item_id", "in": "path", "required": True,
                         "schema": {"type": "integer"}}] + op["parameters"]
    return op


def _json(props: dict[str, str], required: list[str]) -> dict[str, Any]:
    return {"application/json": {"schema": {
        "type": "object", "required": required,
        "properties": {k: {"type": v} for k, v in props.items()}}}}


UPLOAD = {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", "kind", "title", "completion_date"],
    "properties": {
        "file": {"type": "string", "format": "binary"},
        "kind": {"type": "string", "enum": [str(k) for k in KINDS]},
        "title": {"type": "string"}, "completion_date": {"type": "string", "format": "date"},
        "subtype": {"type": "string"},
        "metadata": {"type": "string", "description": "JSON 对象字符串"},
        "prefer": {"type": "boolean"}}}}}
ITEM = {"$ref": "#/components/schemas/Item"}

DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "校本研修档案 API", "version": "1.0"},
    "components": {
        "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        "schemas": {
            "Error": {"type": "object", "properties": {"error": {"type": "object", "properties": {
                "code": {"type": "string"}, "message": {"type": "string"}}}}},
            "Decision": {"type": "object", "properties": {
                "code": {"type": "string"}, "hours": {"type": "number"},
                "reason": {"type": "string"}, "related_item_id": {"type": ["integer", "null"]},
                "rule": {"type": "string"}, "numbers": {"type": "object"},
                "year": {"type": "string"}}},
            "Item": {"type": "object", "properties": {
                "id": {"type": "integer"}, "kind": {"type": "string"},
                "subtype": {"type": "string"}, "title": {"type": "string"},
                "owner": {"type": "object"}, "completion_date": {"type": "string"},
                "academic_year": {"type": "string"}, "char_count": {"type": "integer"},
                "count_parts": {"type": ["array", "null"], "description":
                                "各部分字数 [{part, name, count}]：body 正文、textbox 文本框、note 脚注和尾注"
                                "（计入）；header 页眉页脚、comment 批注、hidden 隐藏文字（不计入）"},
                "count_explanation": {"type": ["string", "null"]},
                "recorded_count": {"type": ["object", "null"], "description":
                                   "文件自己记录的统计（docProps/app.xml）与本系统同口径统计的比较"},
                "count_review": {"type": "boolean", "description": "与文件记录相差超过 2%，需人工核对"},
                "original_filename": {"type": "string"}, "sha256": {"type": "string"},
                "size": {"type": "integer"}, "mime": {"type": "string"},
                "metadata": {"type": "object"},
                "decision": {"$ref": "#/components/schemas/Decision"}}},
        },
    },
    "security": [{"bearer": []}],
    "paths": {
        "/api/v1/tokens": {"post": {**_op("用户名和密码换取访问令牌", body=_json(
            {"username": "string", "password": "string"}, ["username", "password"]), ok="201"),
            "security": []}},
        "/api/v1/schools": {"get": _op("学校列表"), "post": _op(
            "添加学校（系统管理员）", body=_json({"name": "string"}, ["name"]), ok="201")},
        "/api/v1/users": {"get": _op("用户列表"), "post": _op("添加用户（管理员）", body=_json(
            {"username": "string", "name": "string", "role": "string", "school": "string",
             "password": "string", "staff_no": "string", "subject": "string"},
            ["username", "role", "password"]), ok="201")},
        "/api/v1/items": {
            "get": _op("成果列表", ["teacher", "year", "kind", "school", "page"]),
            "post": _op("上传成果（教师）", body=UPLOAD, ok="201", schema=ITEM)},
        "/api/v1/items/{item_id}": {"get": _path_id(_op("成果详情", schema=ITEM)),
                                    "delete": _path_id(_op("删除成果"))},
        "/api/v1/items/{item_id}/original": {"get": _path_id(_op("下载原件", ["version"]))},
        "/api/v1/items/{item_id}/file": {"put": _path_id(_op("替换文件（新版本）", body={
            "multipart/form-data": {"schema": {"type": "object", "properties": {
                "file": {"type": "string", "format": "binary"}}}}}))},
        "/api/v1/items/{item_id}/versions": {"get": _path_id(_op("文件版本"))},
        "/api/v1/items/{item_id}/history": {"get": _path_id(_op("审核与操作记录"))},
        "/api/v1/items/{item_id}/recognitions": {"post": _path_id(_op(
            "登记论文获奖或发表（可附证书 evidence）", body=_json(
                {"type": "string", "level": "string", "grade": "integer", "date": "string"},
                ["type", "level", "date"]), ok="201"))},
        "/api/v1/items/{item_id}/attachments": {
            "get": _path_id(_op("证明材料列表")),
            "post": _path_id(_op("上传证明材料", ok="201"))},
        "/api/v1/items/{item_id}/selection": {"post": _path_id(_op(
            "学校筛选或退回", body=_json({"selected": "boolean", "reason": "string"},
                                        ["selected"])))},
        "/api/v1/items/{item_id}/confirm-count": {"post": _path_id(_op(
            "确认（或更正）OCR 字数", body=_json({"char_count": "integer"}, [])))},
        "/api/v1/items/{item_id}/preference": {"post": _path_id(_op("设为希望计入的一篇"))},
        "/api/v1/search": {"get": _op("全文检索", ["q", "kind", "year", "school", "teacher",
                                                  "decision", "page"])},
        "/api/v1/register": {"get": _op("学时登记", ["year", "school", "teacher", "subject"])},
        "/api/v1/register.xlsx": {"get": _op("学时登记表 XLSX", ["year", "school", "teacher",
                                                              "subject"])},
        "/api/v1/register.csv": {"get": _op("学时登记表 CSV", ["year", "school", "teacher",
                                                            "subject"])},
        "/api/v1/collection.pdf": {"get": _op("装订成册 PDF（管理员）", ["year", "school"])},
    },
}


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(DOCUMENT)
