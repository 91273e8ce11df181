"""PDF text with poppler's pdftotext (pypdf in a sandboxed subprocess if poppler is missing).

pdftotext (without -layout) keeps reading order, recovers Chinese from CID fonts without a
ToUnicode map (with poppler-data) and ignores text placed off the page. Pages with almost no
text layer are scans and go to OCR.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import replace
from pathlib import Path

from .model import MESSAGES, NO_PDF_TOOL, OCR_EMPTY, PDF_MIME, Extraction, ExtractionError
from .ocr import PageProgress, ocr_pdf
from .pdfguard import check_pdf_inflation
from .sandbox import DEFAULT_MEMORY, Deadline, Result, run
from .text import drop_garbage, nonspace_count, paragraphs
from .tools import ocr_available, which

TEXT_SECONDS = 20.0  # time budget for reading a PDF's text layer (OCR has the whole deadline)
SCAN_THRESHOLD = 20  # non-space characters per page below which a PDF counts as a scan
OCR_WARNING = "已对扫描件进行文字识别（OCR），字数需人工核对"
_WORKER = Path(__file__).with_name("pypdf_worker.py")
ACTIVE_NAMES = {
    "/JavaScript": "JavaScript 脚本", "/AA": "自动执行的动作", "/Launch": "启动外部程序",
    "/EmbeddedFiles": "嵌入文件", "/FileAttachment": "附件注释", "/XFA": "XFA 表单",
    "/SubmitForm": "表单提交", "/ImportData": "导入数据", "/GoToR": "打开其他文件",
    "/GoToE": "打开嵌入文件", "/RichMedia": "多媒体", "/RichMediaExecute": "多媒体",
}
_PAGES = re.compile(r"^Pages:\s+(\d+)", re.MULTILINE)


def extract_pdf(path: Path, *, ocr: bool, max_ocr_pages: int, deadline: Deadline,
                on_page: PageProgress | None = None) -> Extraction:
    """Text of a PDF; OCR when it is a scan and ``ocr`` is allowed.

    Refused before any tool runs when its streams inflate past the budget (``pdf_bomb``), and
    when reading the text layer takes longer than ``TEXT_SECONDS`` (``timeout``).
    """
    check_pdf_inflation(path)
    budget = Deadline(min(deadline.left(), TEXT_SECONDS))
    if which("pdftotext") and which("pdfinfo"):
        raw, pages = _poppler_text(path, budget)
    else:
        raw, pages = pypdf_text(path, budget)
    text, dropped = drop_garbage(raw)
    if nonspace_count(text) >= SCAN_THRESHOLD * max(pages or 1, 1):
        warnings = (f"已忽略无法识别的乱码字符 {dropped:,} 个",) if dropped else ()
        result = Extraction(paragraphs(text), "pdf", PDF_MIME, pages, False, warnings)
    else:
        result = _scanned(path, pages or 1, ocr=ocr, max_pages=max_ocr_pages, deadline=deadline,
                          on_page=on_page)
    note = active_content_warning(path, deadline)
    return replace(result, warnings=result.warnings + (note,)) if note else result


def active_content_warning(path: Path, deadline: Deadline) -> str | None:
    """A warning when the PDF carries JavaScript, automatic or launch actions, embedded files…"""
    result = run_pypdf(["active", str(path)], deadline)
    try:
        found = json.loads(result.stdout).get("active") or []
    except (ValueError, AttributeError):
        return None
    if not found:
        return None
    names = "、".join(dict.fromkeys(ACTIVE_NAMES.get(kind, kind.lstrip("/")) for kind in found))
    return (f"该 PDF 含有主动内容（{names}）：系统已记录，原件只作为附件下载，"
            "系统生成的 PDF（如装订成册）会去除这些内容。")


def _scanned(
    path: Path, pages: int, *, ocr: bool, max_pages: int, deadline: Deadline,
    on_page: PageProgress | None = None,
) -> Extraction:
    """OCR a scanned PDF, or explain that its text cannot be read."""
    if not ocr or not ocr_available():
        raise ExtractionError.of("no_text")
    count = min(pages, max_pages)
    text, _ = drop_garbage(ocr_pdf(path, count, deadline, on_page))
    if nonspace_count(text) == 0:
        raise ExtractionError("no_text", OCR_EMPTY)
    warnings = [OCR_WARNING]
    if pages > count:
        warnings.append(f"仅识别了前 {count} 页（共 {pages} 页），其余页面未计入字数")
    return Extraction(paragraphs(text), "pdf", PDF_MIME, pages, True, tuple(warnings))


def _poppler_text(path: Path, deadline: Deadline) -> tuple[str, int | None]:
    """pdfinfo for the page count (and the password check), then pdftotext for the text."""
    info = run([str(which("pdfinfo")), str(path)], deadline)
    _raise_for_poppler(info.returncode, info.stderr)
    match = _PAGES.search(info.stdout.decode("utf-8", "replace"))
    pages = int(match.group(1)) if match else None
    cmd = [str(which("pdftotext")), "-enc", "UTF-8", "-nopgbrk", str(path), "-"]
    result = run(cmd, deadline)
    if result.returncode == 3:  # copying not permitted by the owner: pypdf ignores that flag
        return pypdf_text(path, deadline)
    _raise_for_poppler(result.returncode, result.stderr)
    return result.stdout.decode("utf-8", "replace"), pages


def _raise_for_poppler(returncode: int, stderr: str) -> None:
    if returncode == 0:
        return
    if "password" in stderr.lower():
        raise ExtractionError.of("encrypted")
    raise ExtractionError.of("corrupt")


def pypdf_text(path: Path, deadline: Deadline) -> tuple[str, int]:
    """Text and page count from pypdf, run in a limited subprocess (pypdf had DoS bugs)."""
    result = run_pypdf(["text", str(path)], deadline)
    try:
        answer = json.loads(result.stdout)
    except ValueError:
        answer = {}
    if result.returncode != 0 or "error" in answer or "text" not in answer:
        code = answer.get("error", "corrupt")
        if code == "missing":
            raise ExtractionError("tool_unavailable", NO_PDF_TOOL)
        raise ExtractionError(code, MESSAGES.get(code, MESSAGES["corrupt"]))
    return answer["text"], int(answer["pages"])


def run_pypdf(args: list[str], deadline: Deadline, *, memory: int = DEFAULT_MEMORY) -> Result:
    """``pypdf_worker.py args`` in an isolated interpreter, under the sandbox's limits."""
    return run([sys.executable, "-I", str(_WORKER), *args], deadline, memory=memory)
