"""装订成册 PDF end to end: real uploads, real SeaweedFS, LibreOffice, pypdf on the result."""

from __future__ import annotations

import io
import os
import re
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from pypdf import PdfReader

from tests.helpers import Api, World, corpus, page_login

pytestmark = pytest.mark.slow  # LibreOffice conversions and whole bound PDFs

YEAR = "2025-2026"
URL = "/api/v1/collection.pdf"
DOCX = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"  # 1,013 字, ≥ 1000 for a reflection
PDF = "zh_pdf_04_mokuai1_jiaoan.pdf"  # 4 pages


def _text(page: object) -> str:
    """Page text without whitespace (and the NULs pypdf 7 reads from fpdf2's CID encoding)."""
    return re.sub(r"[\s\x00]+", "", page.extract_text() or "")  # type: ignore[attr-defined]


def _pages(reader: PdfReader) -> list[str]:
    """Text of each page; the page number stamped last on every page but the cover is removed."""
    pages = [_text(page) for page in reader.pages]
    for number, text in enumerate(pages[1:], start=2):
        assert text.endswith(str(number)), (number, text[-50:])
    return pages[:1] + [text.removesuffix(str(n)) for n, text in enumerate(pages[1:], start=2)]


def _select(admin: Api, *items: dict[str, object]) -> None:
    for item in items:
        res = admin.post(f"/api/v1/items/{item['id']}/selection", {"selected": True})
        assert res.status_code == 200, res.get_json()


def _start_page(contents: str, title: str) -> int:
    match = re.search(re.escape(title) + r"(\d+)", contents)
    assert match, (title, contents)
    return int(match.group(1))


def _broken_pdf(tmp_path: Path) -> Path:
    """zh_pdf_04 with the compressed content stream of page 2 overwritten (offsets unchanged)."""
    source = corpus(PDF)
    raw = bytearray(source.read_bytes())
    ref = PdfReader(source).pages[1].raw_get("/Contents")
    start = raw.index(b"stream", raw.index(f"\n{ref.idnum} 0 obj".encode())) + len(b"stream")
    start += 2 if raw[start:start + 2] == b"\r\n" else 1
    raw[start:start + 64] = bytes(64)
    path = tmp_path / "broken.pdf"
    path.write_bytes(raw)
    return path


def test_collection_binds_frozen_selected_versions(world: World) -> None:
    teacher = world.user("t1", name="王老师", subject="英语")
    other = world.user("t2", name="李老师")
    admin = world.user("a1", role="admin", name="教务处")
    reflection = teacher.upload(corpus(DOCX), kind="reflection", title="英语教学工作总结",
                                filename="教学总结.docx").get_json()
    design = teacher.upload(corpus(PDF), kind="lesson_design", title="模块一：走进三维世界",
                            filename="模块一.pdf").get_json()
    pending = other.upload(corpus("zh_pdf_06_kechengsizheng_jiaoxuesheji.pdf"),
                           kind="lesson_design", title="课程思政设计未入册").get_json()
    removed = other.upload(corpus("zh_pdf_01_jiaogai_anli.pdf"), kind="reflection",
                           title="教改案例已删除").get_json()
    assert pending["selection"] == "pending"
    _select(admin, reflection, design, removed)
    assert admin.delete(f"/api/v1/items/{removed['id']}").status_code == 200
    newer = teacher.put(f"/api/v1/items/{design['id']}/file", content_type="multipart/form-data",
                        data={"file": (io.BytesIO(corpus("zh_pdf_03_freecad_jiaoxue_yanjiu.pdf")
                                                  .read_bytes()), "新版.pdf")})
    assert newer.status_code == 200 and newer.get_json()["selection"] == "new_version_pending"

    started = time.monotonic()
    res = admin.get(URL, query_string={"year": YEAR})
    elapsed = time.monotonic() - started
    assert res.status_code == 200, res.get_data(as_text=True)[:500]
    assert res.mimetype == "application/pdf"
    assert f"filename*=UTF-8''{quote('校本研修成果集_2025-2026.pdf')}" in \
        res.headers["Content-Disposition"]
    assert res.headers["X-Collection-Problems"] == "0"
    assert res.headers["X-Collection-Items"] == "2"
    reader = PdfReader(io.BytesIO(res.data))
    pages = _pages(reader)
    print(f"\n成果集：2 篇（1 篇 Word 转换），{len(pages)} 页，{elapsed:.1f} 秒")

    cover, contents = pages[0], pages[1]
    assert "第一中学" in cover and "2025-2026学年校本研修成果集" in cover and "生成日期" in cover
    assert "目录" in contents and "王老师（英语）" in contents
    assert "反思研究成果英语教学工作总结" in contents and "教学设计模块一：走进三维世界" in contents
    assert "未入册" not in contents and "已删除" not in contents and "李老师" not in contents
    first, second = _start_page(contents, "英语教学工作总结"), _start_page(contents, "模块一：走进三维世界")
    assert first == 3 and second > first  # reflection before lesson design, both after contents
    assert len(pages) == 2 + (second - first) + 4
    assert "小学三年级人教版英语下学期教学工作总结" in pages[first - 1]
    assert "为他们的未来奠定坚实的基础" in pages[second - 2]  # last page of the converted docx
    for offset, page in enumerate(PdfReader(corpus(PDF)).pages):  # the frozen version, in full
        assert _text(page) in pages[second - 1 + offset]
    assert not any("FreeCAD软件特性和教学应用研究" in text for text in pages)  # not the newer one
    marks = [m["/Title"] for m in reader.outline if isinstance(m, dict)]
    assert marks[:3] == ["封面", "目录", "王老师"]


def test_unreadable_pdf_gets_a_named_placeholder_page(world: World, tmp_path: Path) -> None:
    teacher = world.user("t1", name="赵老师")
    world.user("a1", role="admin")
    good = teacher.upload(corpus("zh_pdf_06_kechengsizheng_jiaoxuesheji.pdf"), kind="reflection",
                          title="课程思政教学反思").get_json()
    bad = teacher.upload(_broken_pdf(tmp_path), kind="lesson_design", title="损坏的教学设计",
                         filename="损坏.pdf")
    assert bad.status_code == 201, bad.get_json()
    _select(world.admin, good, bad.get_json())

    client = page_login(world.app, "a1")
    review = client.get(f"/admin/review?year={YEAR}").get_data(as_text=True)
    assert "导出装订成册 PDF" in review and f"/admin/collection.pdf?year={YEAR}" in review
    res = client.get(f"/admin/collection.pdf?year={YEAR}")
    assert res.status_code == 200, res.get_data(as_text=True)[:500]
    assert res.headers["X-Collection-Problems"] == "1"
    assert res.headers["X-Collection-Problem-Items"] == str(bad.get_json()["id"])
    pages = _pages(PdfReader(io.BytesIO(res.data)))
    assert len(pages) == 2 + 6 + 1
    assert _start_page(pages[1], "课程思政教学反思") == 3
    assert _start_page(pages[1], "损坏的教学设计") == 9
    assert "【未能收录】PDF第2页已损坏" in pages[1]
    assert "1篇未能装订" in pages[0]
    placeholder = pages[8]
    assert "未能收录的成果" in placeholder and "损坏的教学设计" in placeholder
    assert "赵老师" in placeholder and "第2页已损坏" in placeholder and "损坏.pdf" in placeholder


def test_collection_permissions_and_errors(world: World) -> None:
    teacher = world.user("t1")
    inspector = world.user("i1", role="inspector")
    admin = world.user("a1", role="admin")
    other_admin = world.user("a2", role="admin", school="第二中学")
    query = {"year": YEAR, "school": "第一中学"}
    for user in (teacher, inspector, other_admin):
        res = user.get(URL, query_string=query)
        assert res.status_code == 403, res.get_json()
    assert "本校" in other_admin.get(URL, query_string=query).get_json()["error"]["message"]

    missing = admin.get(URL)
    assert missing.status_code == 422  # the declared query: year is required
    assert missing.get_json()["error"]["code"] == "invalid_input"
    assert "「学年」（year）必须填写" in missing.get_json()["error"]["message"]
    assert admin.get(URL, query_string={"year": YEAR}).status_code == 404  # nothing selected yet
    assert "还没有筛选入册的成果" in \
        admin.get(URL, query_string={"year": YEAR}).get_json()["error"]["message"]
    res = admin.get(URL, query_string={"year": "2025"})
    assert res.status_code == 422 and "2025-2026" in res.get_json()["error"]["message"]
    res = world.admin.get(URL, query_string={"year": YEAR})  # sees every school: must name one
    assert res.status_code == 400 and res.get_json()["error"]["code"] == "school_required"
    assert world.admin.get(URL, query_string={"year": YEAR, "school": "无此学校"}).status_code \
        == 404

    client = page_login(world.app, "i1")
    assert client.get(f"/admin/collection.pdf?year={YEAR}").status_code == 403
    assert "导出装订成册" not in client.get(f"/admin/review?year={YEAR}").get_data(as_text=True)
    assert page_login(world.app, "t1").get(f"/admin/collection.pdf?year={YEAR}").status_code == 403


def test_a_pdf_that_hangs_the_checker_is_named_and_the_rest_go_on(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from archive_service.services import collection

    monkeypatch.setattr(collection, "CHECK_SECONDS", (3.0, 0.0))
    fifo = tmp_path / "hangs.pdf"
    os.mkfifo(fifo)  # opening it for reading blocks forever, like a parser stuck in a loop
    verdicts = collection.check_pdfs([corpus(PDF), fifo, _broken_pdf(tmp_path),
                                      corpus("edge_03_encrypted_userpw_libreoffice.pdf")],
                                     tmp_path)
    assert verdicts == [{"pages": 4}, {"error": "timeout"}, {"error": "page", "page": 2},
                        {"error": "encrypted"}]
