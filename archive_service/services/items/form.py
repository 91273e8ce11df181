"""Form validation for an item: the teacher's fields checked, then the file extracted."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ...errors import AppError
from ...extract import DOC_MIME, PDF_MIME, Extraction, ExtractionError, PageProgress, extract, sniff
from ...extract.sniff import HEAD_SIZE, check_ole
from ...extract.tools import ocr_available
from ...rules import Rules, minhash
from ...vocabulary import KIND_NAMES, Kind, TrainingMode
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
    deferred: bool = False  # the text is read by a job (OCR, .doc conversion): not yet known


def _submitted_record(form: ItemForm, details: dict[str, Any], rules: Rules | None) -> None:
    """Fields the records beside the portfolio need at input (the rest is the rules')."""
    if form.kind == Kind.EXTERNAL_TRAINING:
        if not form.completion_date and details.get("end_date"):
            form.completion_date = details["end_date"]  # a training is completed on its last day
        elif details.get("end_date") not in (None, form.completion_date):
            raise AppError("invalid_date", "集中培训的完成日期就是培训结束日期 end_date，两者应一致"
                           "（可只填写结束日期）。")
        details.setdefault("end_date", form.completion_date)
        details.setdefault("start_date", details["end_date"])
        if details["start_date"] > details["end_date"]:
            raise AppError("invalid_metadata", "开始日期 start_date 不能晚于结束日期（完成日期）。")
        online = details.get("mode") == TrainingMode.ONLINE
        if online and "certified_hours" not in details and (
                rules is None or rules.ledger.external_training.online_requires_certified_hours):
            raise AppError("certified_hours_required",
                           "远程网络培训按培训机构的证书登记学时：请填写证书注明的学时 certified_hours"
                           "（证书未注明学时的远程培训不能登记）。", 422)
    elif form.kind == Kind.PUBLIC_LESSON and not details.get("lesson_title"):
        details["lesson_title"] = form.title  # the topic is the title unless given apart


def validate_form(form: ItemForm, today: date | None = None, rules: Rules | None = None
                  ) -> tuple[date, dict[str, Any], list[RecognitionInput]]:
    if form.kind not in KIND_NAMES:
        kinds = "、".join(f"{k}（{v}）" for k, v in KIND_NAMES.items())
        raise AppError("invalid_kind", f"成果类型「{form.kind}」不存在，可选：{kinds}。")
    title = (form.title or "").strip()
    if not title or len(title) > 300:
        raise AppError("invalid_title", "请填写标题（不超过 300 字）。")
    form.title = title
    details = validate_metadata(form.kind, parse_metadata(form.metadata))
    if not form.completion_date and form.kind != Kind.EXTERNAL_TRAINING:
        raise AppError("invalid_date", "请填写完成日期（YYYY-MM-DD）。")
    if form.completion_date:
        form.completion_date = parse_date(form.completion_date, "完成日期").isoformat()
    _submitted_record(form, details, rules)
    if not form.completion_date:
        raise AppError("invalid_date", "请填写完成日期（YYYY-MM-DD），或集中培训的结束日期 end_date。")
    completed = date.fromisoformat(form.completion_date)
    if completed > (today or date.today()):
        raise AppError("invalid_date", "完成日期不能晚于今天。")
    form.subtype = (form.subtype or "").strip()[:40]
    recognitions: list[RecognitionInput] = \
        details.pop("recognitions", []) if form.kind == Kind.PAPER else []
    return completed, details, recognitions


def prepare(form: ItemForm, staged: StagedFile, settings: Settings, *,
            defer_slow: bool = False) -> Prepared:
    """Validate the form, then the file; raise AppError before anything is stored.

    With ``defer_slow`` what may take seconds (OCR of a scan, a .doc conversion) is left to a
    job: the cheap checks still run here (type, encryption, PDF bombs, damaged files)."""
    completed, details, recognitions = validate_form(form, settings.today(), settings.rules)
    base: dict[str, Any] = {"form": form, "completed": completed, "details": details,
            "recognitions": recognitions, "staged": staged}
    placeholder = _slow_file(staged, settings) if defer_slow else None
    if placeholder is not None:
        return Prepared(**base, extraction=placeholder, char_count=0, deferred=True)
    return Prepared(**base, **read_text(staged, settings, ocr=settings.ocr_enabled))


def _slow_file(staged: StagedFile, settings: Settings) -> Extraction | None:
    """An empty extraction when the file's text must be read by a job, else None."""
    with staged.path.open("rb") as fh:
        fmt, _ = _sniffed(fh.read(HEAD_SIZE), staged.filename)
    if fmt == "doc":
        _checked(lambda: check_ole(staged.path))
        return Extraction("", "doc", DOC_MIME, None, True)  # unconfirmed until read
    if fmt != "pdf" or not settings.ocr_enabled or not ocr_available():
        return None
    try:
        extract(staged.path, staged.filename, ocr=False)
    except ExtractionError as exc:
        if exc.code != "no_text":
            raise AppError(exc.code, exc.message, 422) from exc
        return Extraction("", "pdf", PDF_MIME, None, True)
    return None


def _sniffed(head: bytes, filename: str) -> tuple[str, str]:
    try:
        return sniff(head, filename)
    except ExtractionError as exc:
        raise AppError(exc.code, exc.message, 422) from exc


def _checked(check: Any) -> None:
    try:
        check()
    except ExtractionError as exc:
        raise AppError(exc.code, exc.message, 422) from exc


def read_text(staged: StagedFile, settings: Settings, *, ocr: bool,
              on_page: PageProgress | None = None, timeout: float = 60.0) -> dict[str, Any]:
    """The text-derived fields of a ``Prepared`` (extraction, 字数, fingerprint …)."""
    try:
        result = extract(staged.path, staged.filename, ocr=ocr,
                         max_ocr_pages=settings.max_ocr_pages, on_page=on_page, timeout=timeout)
    except ExtractionError as exc:
        raise AppError(exc.code, exc.message, 422) from exc
    char_count, detail = measure(result, settings.rules)  # over the whole text
    result, cut_at = cap_text(result, settings.max_indexed_chars, char_count)
    return {"extraction": result, "char_count": char_count,
            "fingerprint": list(minhash(result.text)), "count_detail": detail,
            "text_cut_at": cut_at}
