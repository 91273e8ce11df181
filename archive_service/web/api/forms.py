"""The API's multipart forms (uploads, replacement files, recognitions, attachments), declared
once in pydantic v2 like the JSON bodies in contract.py.

The view's ``@operation(form=...)`` names the model; ``parse_form`` validates the request with
the model the view declares, and openapi.py puts the same model in the document, so the
validator and the documented multipart schema cannot drift.  Text fields are text (a file part
sent for a text field is refused, and a text field for a file), unknown fields are refused,
enumerations come from the vocabulary, and a violation is a 422 naming the field in Chinese.
An empty text field, and a file field without a file, count as not sent (what a browser sends
for a field left empty).
"""

from __future__ import annotations

import json
import re
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

from flask import current_app, request
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    PlainValidator,
    StringConstraints,
    ValidationError,
    WithJsonSchema,
)
from pydantic.json_schema import SkipJsonSchema
from werkzeug.datastructures import FileStorage

from ... import vocabulary
from ...services.evidence import PURPOSES
from .contract import FIELD_NAMES, Body, InvalidInput, Kind, invalid, text

if TYPE_CHECKING:
    Purpose = str
    RecognitionType = str
    Level = str
else:
    Purpose = Literal[tuple(PURPOSES)]
    RecognitionType = Literal[tuple(t.value for t in vocabulary.RecognitionType)]
    Level = Literal[tuple(level.value for level in vocabulary.LEVELS)]
Flag = Literal["1", "0", "true", "false"]
TRUE = ("1", "true")


def _file_part(value: Any) -> FileStorage:
    if not isinstance(value, FileStorage):
        raise ValueError("应为上传的文件（multipart 文件字段），不能是文字")
    return value


def _iso_date(value: str) -> str:
    try:
        if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
            raise ValueError(value)
        date.fromisoformat(value)
    except ValueError:
        raise ValueError("应为日期，格式 YYYY-MM-DD（如 2025-10-08）") from None
    return value


def _json_object(value: str) -> str:
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if not isinstance(parsed, dict):
        raise ValueError('应为 JSON 对象，例如 {"lesson_count": 4}')
    return value


FilePart = Annotated[Any, PlainValidator(_file_part),
                     WithJsonSchema({"type": "string", "format": "binary"})]
DateText = Annotated[str, StringConstraints(strip_whitespace=True), AfterValidator(_iso_date),
                     WithJsonSchema({"type": "string", "format": "date"})]
JsonObjectText = Annotated[str, AfterValidator(_json_object), WithJsonSchema(
    {"type": "string", "contentMediaType": "application/json",
     "description": "JSON 对象（按成果类型填写的补充信息）"})]


def _no_null_defaults(schema: dict[str, Any]) -> None:
    """A form field is sent or not: "null" is not a value a multipart field can have."""
    for prop in schema.get("properties", {}).values():
        if "default" in prop and prop["default"] is None:
            del prop["default"]


class Form(BaseModel):
    """A multipart form: strict (text is text, a file is a file part), unknown fields refused."""

    model_config = ConfigDict(strict=True, extra="forbid", json_schema_extra=_no_null_defaults)


class UploadForm(Form):
    file: FilePart
    kind: Kind
    title: text(300, 1)  # type: ignore[valid-type]
    completion_date: DateText
    subtype: text(40) = ""  # type: ignore[valid-type]
    metadata: JsonObjectText | SkipJsonSchema[None] = None
    prefer: Flag = "0"


class FileForm(Form):
    file: FilePart


class AttachmentForm(Form):
    file: FilePart
    purpose: Purpose = "other"


class RecognitionForm(Form):
    type: RecognitionType
    level: Level
    grade: Literal["1", "2", "3"] | SkipJsonSchema[None] = None
    date: DateText
    evidence: FilePart | SkipJsonSchema[None] = None

    def recognition(self) -> dict[str, Any]:
        return self.model_dump(exclude={"evidence"}, exclude_none=True)


class RecognitionBody(Body):
    """The same recognition as JSON (no certificate file)."""

    type: RecognitionType
    level: Level
    grade: Literal[1, 2, 3] | None = None
    date: DateText

    def recognition(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


F = TypeVar("F", bound=Form)


def declared_form() -> type[Form] | None:
    """The form model the current API view declares in its ``@operation``."""
    view = current_app.view_functions.get(request.endpoint or "")
    op = getattr(view, "__api_operation__", None)
    return getattr(op, "form", None)


def _blank(value: Any) -> bool:
    return value == "" or (isinstance(value, FileStorage) and not value.filename)


def _fields() -> dict[str, Any]:
    """Text fields and file parts by name; a name sent twice is refused."""
    data: dict[str, Any] = {}
    for source in (request.form, request.files):
        for name in source:
            values = [v for v in source.getlist(name) if not _blank(v)]
            if len(values) > 1 or (values and name in data):
                raise InvalidInput(f"字段 {name} 只能出现一次。",
                                   [{"field": name, "label": FIELD_NAMES.get(name, name),
                                     "problem": "只能出现一次"}])
            if values:
                data[name] = values[0]
    return data


def parse_form(model: type[F]) -> F:
    """The multipart form, validated by the model the view declares (``model`` or a narrower
    subclass of it); 422 naming the field when it does not fit."""
    declared = declared_form()
    if declared is None or not issubclass(declared, model):
        raise TypeError(f"the view must declare @operation(form={model.__name__})")
    if request.is_json:
        raise InvalidInput("请求体应为 multipart/form-data 表单（文件和文字字段），不是 JSON。",
                           [{"field": "", "label": "请求体", "problem": "应为 multipart/form-data 表单"}])
    try:
        return declared.model_validate(_fields())
    except ValidationError as exc:
        raise invalid(exc) from None


def is_true(flag: str) -> bool:
    return flag in TRUE


class RosterImportForm(Form):
    """花名册导入: the sheet, and whether to preview only."""

    file: FilePart
    dry_run: Literal["true", "false"] = "false"
