"""/api/v1/openapi.json, generated from the routes and the models they declare.

Every /api/v1 route carries an ``@operation`` (shapes.py); its query, body, form and response
models (contract.py, forms.py, shapes.py) become parameters, request bodies and response schemas, so the document
cannot drift from what the views validate and return.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, current_app, jsonify
from pydantic import BaseModel

from .base import bp
from .contract import FIELD_NAMES, MAX_ID
from .shapes import Error, Operation

PREFIX = "/api/v1"
REF = "#/components/schemas/{model}"
ERROR_TEXT = {400: "请求有误（说明见 message）", 401: "未提供有效的访问令牌", 403: "无权进行此操作",
              404: "不存在或无权查看", 409: "与现有数据冲突", 413: "文件太大", 415: "文件类型不受支持",
              422: "输入不符合声明（fields 指出字段）", 429: "尝试过于频繁", 503: "服务暂时不可用"}
ALWAYS = {400}  # a request the service cannot act on, explained in message
_PARAM = re.compile(r"<(?:int:)?([a-z_]+)>")


def undeclared(app: Flask) -> list[str]:
    """API routes without an @operation declaration."""
    return sorted(f"{m} {r.rule}" for r in app.url_map.iter_rules() if r.rule.startswith(PREFIX)
                  for m in (r.methods or set()) - {"HEAD", "OPTIONS"}
                  if not hasattr(app.view_functions[r.endpoint], "__api_operation__"))


class _Schemas:
    def __init__(self) -> None:
        self.components: dict[str, Any] = {}

    def ref(self, model: type[BaseModel], mode: str = "serialization") -> dict[str, Any]:
        schema = model.model_json_schema(ref_template=REF, mode=mode)  # type: ignore[arg-type]
        self.components.update(schema.pop("$defs", {}))
        self.components[model.__name__] = schema
        return {"$ref": REF.format(model=model.__name__)}

    def inline(self, model: type[BaseModel]) -> dict[str, Any]:
        schema = model.model_json_schema(ref_template=REF, mode="validation")
        self.components.update(schema.pop("$defs", {}))
        return schema


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _parameters(rule: str, op: Operation, schemas: _Schemas) -> list[dict[str, Any]]:
    params = [{"name": name, "in": "path", "required": True,
               "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID}
               if f"<int:{name}>" in rule else {"type": "string", "minLength": 1, "maxLength": 80}}
              for name in _PARAM.findall(rule)]
    if op.query is not None:
        query = schemas.inline(op.query)
        required = set(query.get("required", []))
        for name, schema in query["properties"].items():
            params.append({"name": name, "in": "query", "required": name in required,
                           "description": FIELD_NAMES.get(name, name),
                           "schema": _not_null(schema)})
    return params


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or has a value: "null" is not one of its values."""
    schema = {k: v for k, v in schema.items() if k not in ("title", "default") or v is not None}
    schema.pop("title", None)
    options = [s for s in schema.pop("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options
    return schema


def _body(op: Operation, schemas: _Schemas) -> dict[str, Any] | None:
    """The JSON body and/or the multipart form the view validates with (forms.py)."""
    content: dict[str, Any] = {}
    if op.body is not None:
        content.update(_json(schemas.ref(op.body, "validation")))
    if op.form is not None:
        content["multipart/form-data"] = {"schema": schemas.ref(op.form, "validation")}
    return {"required": True, "content": content} if content else None


ACCEPTED_TEXT = "已接收：文件已保存，文字识别等耗时工作作为任务继续进行（见 job_id 与 Link: rel=job）"


def _responses(op: Operation, schemas: _Schemas) -> dict[str, Any]:
    ok: dict[str, Any] = {"description": op.summary}
    if op.media:
        ok["content"] = {op.media: {"schema": {"type": "string", "format": "binary"}}}
    elif op.response is not None:
        ok["content"] = _json(schemas.ref(op.response))
    if op.location:
        ok["headers"] = {"Location": {"description": "新建资源的地址", "schema": {"type": "string"}}}
    if op.links:
        ok["links"] = {target: {"operationId": target,
                                "parameters": {"item_id": "$response.body#/id"}}
                       for target in op.links}
    responses: dict[str, Any] = {str(op.status): ok}
    for code in op.also:
        responses[str(code)] = {**ok, "description": ACCEPTED_TEXT if code == 202 else op.summary}
    error = _json({"$ref": REF.format(model="Error")})
    codes = set(op.errors) | ALWAYS | ({422} if op.query or op.body or op.form else set())
    if op.form:  # a file: too large, or of a type the operation does not take
        codes |= {413, 415}
    if not op.public:
        codes.add(401)
    for code in sorted(codes):
        responses[str(code)] = {"description": ERROR_TEXT.get(code, "错误"), "content": error}
    if 401 in codes:
        responses["401"]["headers"] = {"WWW-Authenticate": {"schema": {"type": "string"},
                                                            "description": "Bearer"}}
    if 429 in codes:
        responses["429"]["headers"] = {"Retry-After": {"schema": {"type": "integer"},
                                                       "description": "秒"}}
    return responses


def _operation(endpoint: str, rule: str, op: Operation, schemas: _Schemas) -> dict[str, Any]:
    doc: dict[str, Any] = {"operationId": endpoint.split(".", 1)[1], "summary": op.summary,
                           "tags": [op.tag], "parameters": _parameters(rule, op, schemas),
                           "responses": _responses(op, schemas), **op.extra}
    body = _body(op, schemas)
    if body:
        doc["requestBody"] = body
    if op.public:
        doc["security"] = []
    return doc


def build(app: Flask) -> dict[str, Any]:
    schemas = _Schemas()
    schemas.ref(Error)
    paths: dict[str, dict[str, Any]] = {}
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        view = app.view_functions[rule.endpoint]
        op = getattr(view, "__api_operation__", None)
        if not rule.rule.startswith(PREFIX) or op is None:
            continue
        path = _PARAM.sub(r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            paths.setdefault(path, {})[method.lower()] = _operation(rule.endpoint, rule.rule, op,
                                                                    schemas)
    return {
        "openapi": "3.1.0",
        "info": {"title": "校本研修档案 API", "version": "1.0",
                 "description": "认证：Authorization: Bearer <令牌>（POST /api/v1/tokens 获取）。"
                                "错误统一为 {\"error\": {\"code\", \"message\"}}。"},
        "servers": [{"url": "/"}],
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
                       "schemas": schemas.components},
        "security": [{"bearer": []}],
        "paths": paths,
    }


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(build(current_app._get_current_object()))  # type: ignore[attr-defined]


openapi.__api_operation__ = Operation("本文档（OpenAPI 3.1）", "文档", public=True,  # type: ignore[attr-defined]
                                      errors=())
