"""Form validation for an item: the teacher's fields checked, then the file extracted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ...errors import AppError
from ...extract import Extraction, ExtractionError, extract
from ...rules import minhash
from ...vocabulary import KIND_NAMES, Kind
from ..counting import measure
from ..metadata import RecognitionInput, parse_date, parse_metadata, validate_metadata
from ..settings import Settings
from ..staging import StagedFile
from .textcap import cap_text


@dataclass
class ItemForm:
    kind: str
    title: str
    completion_date: str
    subtype: str = ""
    metadata: str | dict[str, Any] | None = None
    prefer: bool = False  # the teacher wants this one to take the yearly slot


@dataclass
class Prepared:
    """A validated upload, ready to store and commit."""

    form: ItemForm
    completed: date
    details: dict[str, Any]
    recognitions: list[RecognitionInput]
    staged: StagedFile
    extraction: Extraction
    char_count: int
    fingerprint: list[int] = field(default_factory=list)
    count_detail: dict[str, Any] = field(default_factory=dict)
    text_cut_at: int | None = None  # the text kept was cut to this many characters


def validate_form(form: ItemForm, today: date | None = None
                  ) -> tuple[date, dict[str, Any], list[RecognitionInput]]:
    if form.kind not in KIND_NAMES:
        kinds = "、".join(f"{k}（{v}）" for k, v in KIND_NAMES.items())
        raise AppError("invalid_kind", f"成果类型「{form.kind}」不存在，可选：{kinds}。")
    title = (form.title or "").strip()
    if not title or len(title) > 300:
        raise AppError("invalid_title", "请填写标题（不超过 300 字）。")
    form.title = title
    if not form.completion_date:
        raise AppError("invalid_date", "请填写完成日期（YYYY-MM-DD）。")
    completed = parse_date(form.completion_date, "完成日期")
    if completed > (today or date.today()):
        raise AppError("invalid_date", "完成日期不能晚于今天。")
    form.subtype = (form.subtype or "").strip()[:40]
    details = validate_metadata(form.kind, parse_metadata(form.metadata))
    recognitions: list[RecognitionInput] = \
        details.pop("recognitions", []) if form.kind == Kind.PAPER else []
    return completed, details, recognitions


def prepare(form: ItemForm, staged: StagedFile, settings: Settings) -> Prepared:
    """Validate the form, then the file; raise AppError before anything is stored."""
    completed, details, recognitions = validate_form(form, settings.today())
    try:
        result = extract(staged.path, staged.filename, ocr=settings.ocr_enabled,
                         max_ocr_pages=settings.max_ocr_pages)
    except ExtractionError as exc:
        raise AppError(exc.code, exc.message, 422) from exc
    char_count, detail = measure(result, settings.rules)  # over the whole text
    result, cut_at = cap_text(result, settings.max_indexed_chars, char_count)
    return Prepared(
        form=form, completed=completed, details=details, recognitions=recognitions,
        staged=staged, extraction=result, char_count=char_count,
        fingerprint=list(minhash(result.text)), count_detail=detail, text_cut_at=cut_at,
    )
