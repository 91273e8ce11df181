"""Extraction on the real documents of ../shared/corpus, checked against MANIFEST.tsv."""

from __future__ import annotations

import csv
import tempfile
import time
from pathlib import Path

import pytest

from archive_service.extract import (
    DOC_MIME,
    DOCX_MIME,
    PDF_MIME,
    Extraction,
    ExtractionError,
    extract,
    tool_status,
)
from archive_service.extract.pdf import OCR_WARNING, pypdf_text
from archive_service.extract.sandbox import Deadline
from archive_service.extract.text import cjk_count, nonspace_count

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
APT = "apt-get install poppler-utils poppler-data tesseract-ocr tesseract-ocr-chi-sim"


def _manifest() -> dict[str, dict[str, str]]:
    path = CORPUS / "MANIFEST.tsv"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["filename"]: row for row in csv.DictReader(fh, delimiter="\t")}


MANIFEST = _manifest()
DOCX = sorted(name for name, row in MANIFEST.items() if row["category"] == "zh_docx")
PDFS = sorted(name for name, row in MANIFEST.items() if row["category"] in ("zh_pdf", "en_pdf"))
ERRORS = {
    "edge_03_encrypted_userpw_libreoffice.pdf": "encrypted",
    "edge_05_encrypted_password_protected.docx": "encrypted",
    "edge_08_word_lockfile_ownerfile.docx": "lock_file",
}
SPECIAL = {  # files with a test of their own below
    "edge_01_scan_zhongqi_tongzhi.pdf",
    "edge_04_encrypted_aes_ownerpw.pdf",
    "edge_06_truncated_scan.pdf",
    "edge_10_legacy_freecad_kecheng.doc",
    "edge_12_textbox_tables_oo_guide_en.docx",
}


def corpus_file(name: str) -> Path:
    path = CORPUS / name
    if not path.is_file():
        pytest.fail(f"corpus file missing: {path} (clone the shared repo beside this one)")
    return path


@pytest.fixture
def ocr_tools() -> None:
    if not tool_status()["tesseract"]:
        pytest.fail(f"OCR needs pdftoppm and tesseract with chi_sim: {APT}", pytrace=False)


@pytest.fixture
def soffice_tool() -> None:
    if not tool_status()["soffice"]:
        pytest.fail("legacy .doc needs LibreOffice: apt-get install libreoffice-writer-nogui")


@pytest.fixture
def poppler() -> None:
    if not tool_status()["pdftotext"]:
        pytest.fail(f"PDF extraction is tested with poppler: {APT}", pytrace=False)


def test_every_corpus_file_has_an_expectation() -> None:
    assert MANIFEST, f"no MANIFEST.tsv under {CORPUS}"
    covered = set(DOCX) | set(PDFS) | set(ERRORS) | SPECIAL
    assert covered == set(MANIFEST)


@pytest.mark.parametrize("name", DOCX)
def test_docx_counts_match_the_document_xml(name: str) -> None:
    result = extract(corpus_file(name), MANIFEST[name]["original_name"])
    body = int(MANIFEST[name]["docx_xml_cjk"])
    assert (result.fmt, result.mime, result.from_ocr) == ("docx", DOCX_MIME, False)
    # Headers, footers and notes may add a little to the body's count; never less.
    assert body <= cjk_count(result.text) <= body * 1.02 + 10


def test_docx_table_text_is_read() -> None:
    name = "zh_docx_01_songdai_wenxue_jiaoan.docx"
    text = extract(corpus_file(name), name).text
    assert cjk_count(text) == 2495  # the whole plan sits in one table


@pytest.mark.parametrize("name", PDFS)
def test_pdf_counts_match_pdftotext(poppler: None, name: str) -> None:
    row = MANIFEST[name]
    result = extract(corpus_file(name), row["original_name"])
    assert (result.fmt, result.mime, result.from_ocr) == ("pdf", PDF_MIME, False)
    assert result.pages == int(row["pages"])
    expected_cjk, expected_nonspace = int(row["pdftotext_cjk"]), int(row["pdftotext_nonspace"])
    assert abs(cjk_count(result.text) - expected_cjk) <= expected_cjk * 0.005
    assert abs(nonspace_count(result.text) - expected_nonspace) <= expected_nonspace * 0.005
    assert not result.warnings


@pytest.mark.parametrize(("name", "code"), sorted(ERRORS.items()))
def test_refused_files(name: str, code: str) -> None:
    with pytest.raises(ExtractionError) as info:
        extract(corpus_file(name), MANIFEST[name]["original_name"])
    assert info.value.code == code
    assert info.value.message


def test_lock_file_is_recognised_by_shape_alone() -> None:
    with pytest.raises(ExtractionError) as info:
        extract(corpus_file("edge_08_word_lockfile_ownerfile.docx"), "教案.docx")
    assert info.value.code == "lock_file"
    assert "~$" in info.value.message


def test_aes_pdf_with_empty_user_password_is_read(poppler: None) -> None:
    result = extract(corpus_file("edge_04_encrypted_aes_ownerpw.pdf"), "solicitud.pdf")
    assert "ANEXO" in result.text
    assert abs(nonspace_count(result.text) - 1444) <= 8


@pytest.mark.slow
def test_scan_is_read_by_ocr(ocr_tools: None, tmp_path: Path,
                             monkeypatch: pytest.MonkeyPatch) -> None:
    # a private temp dir: other test runs on the machine create archive-ocr-* in /tmp too
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    result = extract(corpus_file("edge_01_scan_zhongqi_tongzhi.pdf"), "05_中期检查通知.pdf")
    assert result.from_ocr and result.pages == 7
    assert OCR_WARNING in result.warnings
    assert cjk_count(result.text) >= 400  # 713 with tesseract 5.3: a form, read roughly
    assert result.text.count("课题") >= 5
    assert list(tmp_path.glob("archive-ocr-*")) == []  # page images removed with their dir


def test_scan_without_ocr_asks_for_a_text_file(poppler: None) -> None:
    with pytest.raises(ExtractionError) as info:
        extract(corpus_file("edge_01_scan_zhongqi_tongzhi.pdf"), "scan.pdf", ocr=False)
    assert info.value.code == "no_text"
    assert "Word 原文件" in info.value.message


@pytest.mark.slow
def test_ocr_page_limit_is_reported(ocr_tools: None) -> None:
    result = extract(corpus_file("edge_01_scan_zhongqi_tongzhi.pdf"), "scan.pdf", max_ocr_pages=1)
    assert result.from_ocr and cjk_count(result.text) >= 100
    assert any("共 7 页" in warning for warning in result.warnings)


@pytest.mark.slow
def test_truncated_scan_gives_text_or_a_clean_error(ocr_tools: None) -> None:
    start = time.monotonic()
    try:
        result: Extraction | ExtractionError = extract(
            corpus_file("edge_06_truncated_scan.pdf"), "scan-bad.pdf", timeout=20
        )
    except ExtractionError as exc:
        result = exc
    assert time.monotonic() - start < 20
    if isinstance(result, ExtractionError):
        assert result.code in {"no_text", "corrupt"}
    else:
        assert result.from_ocr and nonspace_count(result.text) > 0


@pytest.mark.slow
def test_legacy_doc_is_converted(soffice_tool: None) -> None:
    name = "edge_10_legacy_freecad_kecheng.doc"
    result = extract(corpus_file(name), MANIFEST[name]["original_name"])
    assert (result.fmt, result.mime, result.from_ocr) == ("doc", DOC_MIME, False)
    assert cjk_count(result.text) >= 800
    assert "校本选修课程设计方案" in result.text


def test_text_boxes_are_read_once() -> None:
    name = "edge_12_textbox_tables_oo_guide_en.docx"
    text = extract(corpus_file(name), name).text
    captions = [
        "Figure 1. The Menus page of the Customize dialog",
        "Figure 5: Change Icon dialog",
        "Figure 9: Installing an extension",
    ]
    assert [text.count(caption) for caption in captions] == [1, 1, 1]
    # The raw XML count includes each text box twice (mc:Choice and mc:Fallback).
    assert 16_000 < nonspace_count(text) < int(MANIFEST[name]["docx_xml_nonspace"])


def test_content_wins_over_the_extension(poppler: None) -> None:
    result = extract(corpus_file("zh_pdf_03_freecad_jiaoxue_yanjiu.pdf"), "研究.docx")
    assert (result.fmt, result.mime) == ("pdf", PDF_MIME)
    with pytest.raises(ExtractionError) as info:
        extract(corpus_file("edge_05_encrypted_password_protected.docx"), "report.pdf")
    assert info.value.code == "encrypted"


def test_pypdf_fallback_reads_chinese_and_aes() -> None:
    deadline = Deadline(60)
    text, pages = pypdf_text(corpus_file("zh_pdf_01_jiaogai_anli.pdf"), deadline)
    assert (cjk_count(text), pages) == (2893, 5)
    text, _ = pypdf_text(corpus_file("edge_04_encrypted_aes_ownerpw.pdf"), deadline)
    assert "ANEXO" in text.replace(" ", "")
    with pytest.raises(ExtractionError) as info:
        pypdf_text(corpus_file("edge_03_encrypted_userpw_libreoffice.pdf"), deadline)
    assert info.value.code == "encrypted"


def test_timeout_is_a_clean_error() -> None:
    with pytest.raises(ExtractionError) as info:
        extract(corpus_file("zh_pdf_16_408_caozuoxitong_mojibake.pdf"), "main.pdf", timeout=1e-9)
    assert info.value.code == "timeout"
