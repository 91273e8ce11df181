"""Extraction on files built here: hostile zips, merged cells, macros, lock files, odd bytes."""

from __future__ import annotations

import random
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest

from archive_service.extract import (
    DOC_MIME,
    DOCX_MIME,
    PDF_MIME,
    ExtractionError,
    extract,
    sniff,
    tool_status,
)
from archive_service.extract.sandbox import Deadline, run
from archive_service.extract.sniff import OLE_MAGIC
from archive_service.extract.text import drop_garbage, paragraphs, squeeze_ocr_gaps

CT = "[Content_Types].xml"
MACRO_TYPE = "application/vnd.ms-word.document.macroEnabled.main+xml"
MAIN_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"


def error_code(path: Path, filename: str) -> str:
    with pytest.raises(ExtractionError) as info:
        extract(path, filename)
    assert info.value.message
    return info.value.code


def build_docx(path: Path, fill: Callable[[docx.document.Document], None]) -> Path:
    document = docx.Document()
    fill(document)
    document.save(str(path))
    return path


def rewrite_zip(path: Path, change: Callable[[str, bytes], bytes | None]) -> None:
    """Rewrite the zip at ``path``, passing each entry through ``change`` (None drops it)."""
    with zipfile.ZipFile(path) as zf:
        entries = [(info.filename, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            new = change(name, data)
            if new is not None:
                zf.writestr(name, new)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "教学反思.docx"
    path.write_bytes(b"")
    assert error_code(path, path.name) == "empty_file"


def test_random_bytes_are_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "教案.pdf"
    path.write_bytes(random.Random(7).randbytes(4096))
    assert error_code(path, path.name) == "unsupported_type"


def test_lock_file_by_name(tmp_path: Path) -> None:
    path = build_docx(tmp_path / "~$foo.docx", lambda d: d.add_paragraph("锁定"))
    assert error_code(path, "~$foo.docx") == "lock_file"
    assert error_code(path, "C:\\教师\\~$foo.docx") == "lock_file"


def test_zip_bomb_is_refused_before_decompression(tmp_path: Path) -> None:
    path = build_docx(tmp_path / "bomb.docx", lambda d: d.add_paragraph("正文"))
    chunk = bytes(1 << 20)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("word/media/zero.bin", "w", force_zip64=True) as fh:
            for _ in range(300):
                fh.write(chunk)
    assert path.stat().st_size < 3 << 20
    start = time.monotonic()
    assert error_code(path, "bomb.docx") == "zip_bomb"
    assert time.monotonic() - start < 1


def test_merged_cell_text_appears_once(tmp_path: Path) -> None:
    def fill(document: docx.document.Document) -> None:
        table = document.add_table(rows=2, cols=3)
        merged = table.cell(0, 0).merge(table.cell(0, 2))
        merged.text = "合并单元格的教学目标"
        table.cell(1, 0).text = "甲"
        table.cell(1, 2).text = "乙"

    path = build_docx(tmp_path / "表格.docx", fill)
    row = docx.Document(str(path)).tables[0].rows[0]
    assert [c.text for c in row.cells].count("合并单元格的教学目标") == 3  # the python-docx trap
    result = extract(path, "表格.docx")
    assert result.text.count("合并单元格的教学目标") == 1
    assert (result.fmt, result.mime) == ("docx", DOCX_MIME)
    assert result.text.index("甲") < result.text.index("乙")


def test_headers_footnotes_come_after_the_body_once(tmp_path: Path) -> None:
    def fill(document: docx.document.Document) -> None:
        document.add_paragraph("正文第一段")
        document.sections[0].header.paragraphs[0].text = "学校页眉"
        document.add_section()
        document.add_paragraph("正文第二段")

    path = build_docx(tmp_path / "页眉.docx", fill)
    text = extract(path, "页眉.docx").text
    assert text.split("\n") == ["正文第一段", "正文第二段", "学校页眉"]


def test_dangling_relationship_target_is_tolerated(tmp_path: Path) -> None:
    path = build_docx(tmp_path / "null.docx", lambda d: d.add_paragraph("能打开的正文"))
    rel = (
        '<Relationship Id="rId99" Target="NULL" Type="http://schemas.openxmlformats.org/'
        'officeDocument/2006/relationships/image"/></Relationships>'
    )

    def change(name: str, data: bytes) -> bytes:
        if name == "word/_rels/document.xml.rels":
            return data.replace(b"</Relationships>", rel.encode())
        return data

    rewrite_zip(path, change)
    with pytest.raises(KeyError):
        docx.Document(str(path))
    assert extract(path, "null.docx").text == "能打开的正文"


def test_macro_document_renamed_docx(tmp_path: Path) -> None:
    path = build_docx(tmp_path / "宏.docx", lambda d: d.add_paragraph("宏"))

    def change(name: str, data: bytes) -> bytes:
        return data.replace(MAIN_TYPE.encode(), MACRO_TYPE.encode()) if name == CT else data

    rewrite_zip(path, change)
    assert error_code(path, "宏.docx") == "macro_document"


def test_zip_that_is_not_word(tmp_path: Path) -> None:
    path = tmp_path / "成绩.docx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    assert error_code(path, path.name) == "unsupported_type"


def test_broken_document_xml_is_corrupt(tmp_path: Path) -> None:
    path = build_docx(tmp_path / "坏.docx", lambda d: d.add_paragraph("x"))

    def change(name: str, data: bytes) -> bytes:
        return data[: len(data) // 2] if name == "word/document.xml" else data

    rewrite_zip(path, change)
    assert error_code(path, path.name) == "corrupt"


def test_external_entities_are_not_resolved(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("机密内容", encoding="utf-8")
    path = build_docx(tmp_path / "xxe.docx", lambda d: d.add_paragraph("PLACEHOLDER"))
    doctype = f'<!DOCTYPE w:document [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'.encode()

    def change(name: str, data: bytes) -> bytes:
        if name != "word/document.xml":
            return data
        head, _, rest = data.partition(b"?>")
        return head + b"?>" + doctype + rest.replace(b"PLACEHOLDER", b"&x;")

    rewrite_zip(path, change)
    try:
        text = extract(path, "xxe.docx").text
    except ExtractionError as exc:
        assert exc.code == "corrupt"
    else:
        assert "机密" not in text


def test_sniff_reads_magic_bytes_not_names() -> None:
    assert sniff(b"%PDF-1.7\n", "a.docx") == ("pdf", PDF_MIME)
    assert sniff(b"\xef\xbb\xbf junk\r\n%PDF-1.4", "a") == ("pdf", PDF_MIME)
    assert sniff(b"PK\x03\x04" + bytes(60), "a.pdf") == ("docx", DOCX_MIME)
    # An old Word file may embed a zip (and even "%PDF-"): the first bytes decide.
    assert sniff(OLE_MAGIC + bytes(100) + b"PK\x03\x04%PDF-", "a.docx") == ("doc", DOC_MIME)
    for head in (b"", b"GIF89a", b"\x89PNG\r\n"):
        with pytest.raises(ExtractionError):
            sniff(head, "a.pdf")


def test_drop_garbage_removes_glyph_id_runs_and_controls() -> None:
    garbage = "".join(chr(0x3400 + i) for i in range(40))
    text, dropped = drop_garbage(f"通知\x01\x02\n{garbage}校长\n教学\t反思")
    assert dropped == 42
    assert text == "通知\n校长\n教学\t反思"
    rare = "\u3400"  # a single Extension A ideograph in ordinary text stays
    assert drop_garbage(f"这是一个{rare}字的正常句子")[1] == 0


def test_ocr_gaps_and_wrapped_lines() -> None:
    assert squeeze_ocr_gaps("盐 城 市 教育 学会 2024 年") == "盐城市教育学会 2024 年"
    wrapped = "本案例面向高中通用技术课程的教\n学改革\n\n二、标题\n正文很短"
    assert paragraphs(wrapped) == "本案例面向高中通用技术课程的教学改革\n二、标题\n正文很短"


def test_tool_status_lists_the_three_tools() -> None:
    assert set(tool_status()) == {"pdftotext", "tesseract", "soffice"}


def test_runaway_tool_is_killed_on_time() -> None:
    start = time.monotonic()
    with pytest.raises(ExtractionError) as info:
        run(["/bin/sh", "-c", "sleep 30 & sleep 30"], Deadline(0.3))
    assert info.value.code == "timeout"
    assert time.monotonic() - start < 5
