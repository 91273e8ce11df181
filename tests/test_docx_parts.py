"""字数 by document part, from the rule (Word/WPS 字数 with "包括文本框、脚注和尾注"): .docx files
built here with python-docx plus raw WordprocessingML, each part holding a known number of 字.

Counted: body, tables, field results, tracked insertions, text boxes (once), footnotes, endnotes.
Not counted (kept for search): headers and footers of every kind, comments, hidden text.
Dropped: field instructions, tracked deletions, the mc:Fallback copy of a text box.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part as OpcPart
from docx.oxml import parse_xml
from flask.testing import FlaskClient

from archive_service.extract import extract
from archive_service.rules.charcount import (
    count_chars,
    document_count,
    explain_count,
    part_counts,
    recorded_comparison,
)
from tests.helpers import Api, World

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = (f'xmlns:w="{W}" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
      'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
      'xmlns:v="urn:schemas-microsoft-com:vml"')
BODY = "教学反思正文"  # 6 字 in every document below


def _p(inner: str) -> str:
    return f"<w:p {NS}>{inner}</w:p>"


def _r(text: str, rpr: str = "") -> str:
    return f'<w:r>{rpr}<w:t xml:space="preserve">{text}</w:t></w:r>'


def _append(document: docx.document.Document, xml: str) -> None:
    """Add a raw paragraph before the body's final sectPr."""
    body = document.element.body
    body.insert(len(body) - 1, parse_xml(xml))


def _notes(document: docx.document.Document, kind: str, texts: list[str]) -> None:
    """A footnotes/endnotes part (python-docx has no API for notes) and references to it."""
    tag, rel, ct = (("footnote", RT.FOOTNOTES, CT.WML_FOOTNOTES) if kind == "footnotes"
                    else ("endnote", RT.ENDNOTES, CT.WML_ENDNOTES))
    separators = "".join(
        f'<w:{tag} w:type="{t}" w:id="{i}"><w:p><w:r><w:{s}/></w:r></w:p></w:{tag}>'
        for i, t, s in ((-1, "separator", "separator"),
                        (0, "continuationSeparator", "continuationSeparator")))
    notes = "".join(f'<w:{tag} w:id="{i}"><w:p><w:r><w:{tag}Ref/></w:r>{_r(text)}</w:p></w:{tag}>'
                    for i, text in enumerate(texts, 1))
    blob = f'<w:{kind} {NS}>{separators}{notes}</w:{kind}>'.encode()
    part = OpcPart(PackURI(f"/word/{kind}.xml"), ct, blob, document.part.package)
    document.part.relate_to(part, rel)
    refs = "".join(f'<w:r><w:{tag}Reference w:id="{i}"/></w:r>' for i in range(1, len(texts) + 1))
    _append(document, _p(_r("见注") + refs))  # 2 字 of body


def _text_box(text: str) -> str:
    """A text box as Word 2010+ writes it: DrawingML choice plus a VML fallback copy."""
    content = f"<w:txbxContent>{_p(_r(text))}</w:txbxContent>"
    return _p(
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wp:anchor>'
        '<a:graphic><a:graphicData uri="http://schemas.microsoft.com/office/word/2010/'
        f'wordprocessingShape"><wps:wsp><wps:txbx>{content}</wps:txbx></wps:wsp></a:graphicData>'
        '</a:graphic></wp:anchor></w:drawing></mc:Choice><mc:Fallback><w:pict><v:shape>'
        f'<v:textbox>{content}</v:textbox></v:shape></w:pict></mc:Fallback>'
        '</mc:AlternateContent></w:r>')


def _toc(entries: list[str]) -> list[str]:
    """A TOC field over several paragraphs: instruction, then one result paragraph per entry."""
    begin = ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
             '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-3" \\h \\z \\u </w:instrText></w:r>'
             '<w:r><w:fldChar w:fldCharType="separate"/></w:r>')
    paras = [_p((begin if i == 0 else "") + _r(entry)) for i, entry in enumerate(entries)]
    paras.append(_p('<w:r><w:fldChar w:fldCharType="end"/></w:r>'))
    return paras


def build(**parts: bool) -> bytes:
    """A .docx with the body text and the parts asked for (see PARTS for their counts)."""
    document = docx.Document()
    document.add_paragraph(BODY)
    if parts.get("table"):
        table = document.add_table(rows=1, cols=2)
        table.cell(0, 0).text, table.cell(0, 1).text = "表格甲", "表格乙丙"
    if parts.get("headers"):
        section = document.sections[0]
        section.different_first_page_header_footer = True
        document.settings.odd_and_even_pages_header_footer = True
        section.header.paragraphs[0].text = "学校模板页眉"
        section.first_page_header.paragraphs[0].text = "首页页眉"
        section.even_page_header.paragraphs[0].text = "偶数页页眉"
        section.footer.paragraphs[0].text = "第一中学页脚"
        section.first_page_footer.paragraphs[0].text = "首页页脚"
    if parts.get("comments"):
        run = document.add_paragraph().add_run("有批注")
        document.add_comment(run, text="请补充数据。", author="审核人")
    if parts.get("notes"):
        _notes(document, "footnotes", ["脚注内容"])
        _notes(document, "endnotes", ["尾注内容文字"])
    if parts.get("text_box"):
        _append(document, _text_box("文本框里的字"))
    if parts.get("toc"):
        for para in _toc(["第一章总则", "第二章"]):
            _append(document, para)
        _append(document, _p('<w:fldSimple w:instr=" NUMPAGES "><w:r><w:t>12</w:t></w:r></w:fldSimple>'))
    if parts.get("tracked"):
        _append(document, _p('<w:ins w:id="1" w:author="甲" w:date="2025-01-01T00:00:00Z">'
                             f'{_r("新增文字")}</w:ins>'
                             '<w:del w:id="2" w:author="甲" w:date="2025-01-01T00:00:00Z"><w:r>'
                             '<w:delText>删除的文字内容</w:delText></w:r></w:del>'
                             '<w:moveFrom w:id="3" w:author="甲"><w:r><w:t>移走的字</w:t></w:r></w:moveFrom>'))
    if parts.get("hidden"):
        style = document.styles.add_style("隐藏字符", WD_STYLE_TYPE.CHARACTER)
        style.font.hidden = True
        para = document.add_paragraph("可见")
        para.add_run("样式隐藏", style="隐藏字符")
        _append(document, _p(_r("看得见") + _r("直接隐藏的字", "<w:rPr><w:vanish/></w:rPr>")))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# part of the document → (what build() adds: {part: 字}); counted by hand from the texts above
PARTS: dict[str, dict[str, int]] = {
    "table": {"body": 3 + 4},
    "headers": {"header": 6 + 4 + 5 + 6 + 4},  # default, first-page, even-page; footers
    "comments": {"body": 3, "comment": 5 + 1},  # 有批注 in the body; 请补充数据。
    "notes": {"body": 2 + 2, "note": 4 + 6},  # 见注 twice; footnote, endnote
    "text_box": {"textbox": 6},  # once, not also the VML fallback
    "toc": {"body": 5 + 3 + 1},  # TOC results and NUMPAGES's "12"; no instruction text
    "tracked": {"body": 4},  # the insertion; not the deletion, not the move away
    "hidden": {"body": 2 + 3, "hidden": 4 + 6},  # 可见 看得见; style-hidden, directly hidden
}


def _expected(*names: str) -> dict[str, int]:
    total = {"body": len(BODY)}
    for name in names:
        for part, n in PARTS[name].items():
            total[part] = total.get(part, 0) + n
    return total


def _counts(data: bytes, tmp_path: Path) -> tuple[dict[str, int], str]:
    path = tmp_path / "built.docx"
    path.write_bytes(data)
    result = extract(path, "built.docx")
    return part_counts(result.text, result.segments), result.text


@pytest.mark.parametrize("name", sorted(PARTS))
def test_each_part_is_counted_or_left_out_as_word_does(name: str, tmp_path: Path) -> None:
    counts, _ = _counts(build(**{name: True}), tmp_path)
    assert counts == _expected(name)


def test_all_parts_together(tmp_path: Path) -> None:
    counts, text = _counts(build(**dict.fromkeys(PARTS, True)), tmp_path)
    expected = _expected(*PARTS)
    assert counts == expected
    assert document_count(counts) == expected["body"] + expected["textbox"] + expected["note"]
    assert document_count(counts, notes_and_textboxes=False) == expected["body"]
    assert text.count("文本框里的字") == 1
    for dropped in ("删除的文字内容", "移走的字", "TOC", "NUMPAGES"):
        assert dropped not in text
    for kept in ("学校模板页眉", "首页页眉", "偶数页页眉", "第一中学页脚", "请补充数据", "直接隐藏的字"):
        assert kept in text  # searchable, though not counted


def test_identical_headers_of_several_sections_are_kept_once(tmp_path: Path) -> None:
    document = docx.Document(io.BytesIO(build(headers=True)))
    document.add_section()
    second = document.sections[1]
    second.header.is_linked_to_previous = False
    second.header.paragraphs[0].text = "学校模板页眉"
    out = io.BytesIO()
    document.save(out)
    counts, text = _counts(out.getvalue(), tmp_path)
    assert counts["header"] == PARTS["headers"]["header"]
    assert text.count("学校模板页眉") == 1


def test_explanation_names_what_is_left_out() -> None:
    counts = {"body": 990, "header": 33, "comment": 24}
    assert explain_count(counts) == "正文 990 字（另有页眉页脚 33 字、批注 24 字，按 Word/WPS 规则不计入）"
    counts = {"body": 990, "textbox": 6, "note": 10, "header": 33}
    assert explain_count(counts) == ("共 1,006 字：正文 990 字，文本框 6 字，脚注和尾注 10 字"
                                     "（另有页眉页脚 33 字，按 Word/WPS 规则不计入）")
    assert explain_count(counts, notes_and_textboxes=False) == (
        "正文 990 字（另有文本框 6 字、脚注和尾注 10 字、页眉页脚 33 字，按 Word/WPS 规则不计入）")


def test_recorded_counts_are_compared_like_for_like() -> None:
    text = "正文一二三四五六七八九十\n页眉"
    segments = [("body", 13), ("header", 2)]
    wps = {"application": "WPS Office_12.1", "words": 10, "characters": 11}
    result = recorded_comparison(wps, text, segments)
    assert result is not None
    assert (result["program"], result["measure"], result["ours"], result["recorded"]) == \
        ("WPS", "字数", 12, 10)
    assert result["needs_review"]  # 20% apart
    word = {"application": "Microsoft Office Word", "words": 3, "characters": 12}
    result = recorded_comparison(word, text, segments)
    assert result is not None
    assert (result["measure"], result["ours"], result["needs_review"]) == ("字符数（不计空格）", 12, False)
    assert recorded_comparison(None, text, segments) is None


def test_file_setting_without_notes_is_followed_when_comparing(tmp_path: Path) -> None:
    """A WPS file saved with 「包括文本框、脚注和尾注」 off recorded its count without notes."""
    document = docx.Document(io.BytesIO(build(notes=True)))
    document.settings.element.append(parse_xml(f'<w:doNotIncludeSubdocsInStats {NS}/>'))
    out = io.BytesIO()
    document.save(out)
    data = _with_app_xml(out.getvalue(), "WPS Office_12.1.0", words=10)
    path = tmp_path / "wps.docx"
    path.write_bytes(data)
    result = extract(path, "wps.docx")
    assert result.recorded is not None and result.recorded["subdocs_excluded"] is True
    comparison = recorded_comparison(result.recorded, result.text, result.segments)
    assert comparison is not None
    assert comparison["ours"] == len(BODY) + 4 == 10  # body only, as the file's setting says
    assert comparison["needs_review"] is False


def _with_app_xml(data: bytes, application: str, *, words: int = 0, characters: int = 0) -> bytes:
    """Replace docProps/app.xml with one that records the given statistics."""
    import zipfile

    app = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
           f'extended-properties"><Pages>1</Pages><Words>{words}</Words>'
           f'<Characters>{characters}</Characters><Application>{application}</Application>'
           '</Properties>')
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != "docProps/app.xml":
                dst.writestr(info, src.read(info))
        dst.writestr("docProps/app.xml", app)
        if "docProps/app.xml" not in src.namelist():
            raise AssertionError("python-docx's template has docProps/app.xml")
    return out.getvalue()


def test_upload_counts_parts_explains_and_flags(world: World) -> None:
    """Through the API: the count, its explanation, the file's own count and the review flag;
    header and comment text found by search."""
    teacher = world.user("t1")
    data = _with_app_xml(build(**dict.fromkeys(PARTS, True)), "WPS Office_12.1.0", words=20)
    res = teacher.upload(data=data, filename="反思.docx")
    assert res.status_code == 201, res.get_json()
    item = res.get_json()
    expected = _expected(*PARTS)
    assert item["char_count"] == expected["body"] + expected["textbox"] + expected["note"]
    assert {p["part"]: p["count"] for p in item["count_parts"]} == expected
    assert item["count_explanation"].startswith(f"共 {item['char_count']} 字：正文 {expected['body']} 字")
    assert "页眉页脚 25 字、批注 6 字、隐藏文字 10 字，按 Word/WPS 规则不计入" in item["count_explanation"]
    recorded = item["recorded_count"]
    assert (recorded["program"], recorded["recorded"], recorded["ours"]) == \
        ("WPS", 20, item["char_count"])
    assert item["count_review"] is True and "需人工核对" in recorded["summary"]
    for words in ("学校模板页眉", "补充数据"):
        hits = teacher.get("/api/v1/search", query_string={"q": words}).get_json()["items"]
        assert [h["id"] for h in hits] == [item["id"]], words


def test_item_page_shows_the_explanation(world: World) -> None:
    teacher = world.user("t1")
    data = _with_app_xml(build(headers=True, comments=True), "Microsoft Office Word", characters=9)
    item = teacher.upload(data=data, filename="反思.docx").get_json()
    page = _web_login(world, "t1").get(f"/items/{item['id']}").get_data(as_text=True)
    assert "正文 9 字（另有页眉页脚 25 字、批注 6 字，按 Word/WPS 规则不计入）" in page
    assert "Word 记录的字符数（不计空格）为 9，本系统同口径统计为 9（相差 0.0%）" in page
    assert "需人工核对" not in page


def test_review_page_flags_a_count_far_from_the_files_own(world: World) -> None:
    teacher = world.user("t1")
    data = _with_app_xml(build(headers=True), "Microsoft Office Word", characters=12)
    item = teacher.upload(data=data, filename="反思.docx", completion_date="2025-10-08").get_json()
    assert item["count_review"] is True  # Word recorded 12 characters, the body has 6
    admin = _web_login(world, "admin", world.app.config["ADMIN_PASSWORD"])
    review = admin.get("/admin/review?year=2025-2026").get_data(as_text=True)
    assert "与文件记录相差超过 2%，需核对" in review
    page = admin.get(f"/items/{item['id']}").get_data(as_text=True)
    assert "相差 50.0%），差异超过 2%，需人工核对" in page and "确认字数" in page


def _web_login(world: World, username: str, password: str = "secret-pass-1") -> FlaskClient:
    client = world.app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', login)
    assert token is not None
    res = client.post("/login", data={"username": username, "password": password,
                                      "csrf_token": token.group(1)})
    assert res.status_code == 302
    return client


def test_switch_off_counts_body_only(tmp_path: Path, s3_server) -> None:  # noqa: ANN001
    from tests.helpers import make_app

    rules = tmp_path / "rules.toml"
    rules.write_text("[counting]\ncount_notes_and_textboxes = false\n", encoding="utf-8")
    world = World(make_app(tmp_path, s3_server, RULES_FILE=str(rules)))
    teacher = world.user("t1")
    item = teacher.upload(data=build(notes=True, text_box=True), filename="a.docx").get_json()
    assert item["char_count"] == len(BODY) + 4
    assert "另有文本框 6 字、脚注和尾注 10 字，按 Word/WPS 规则不计入" in item["count_explanation"]


def test_counting_rule_version_recounts_old_word_files_at_start(tmp_path: Path, s3_server) -> None:  # noqa: ANN001
    """Versions stored by the previous rule (whole text counted, no parts) are extracted again
    from the stored original at the next start with the store (as `archive serve` starts);
    a count a reviewer confirmed is kept."""
    from sqlalchemy import update

    from archive_service.db import db
    from archive_service.extensions import archive
    from archive_service.models import ItemVersion, Setting
    from archive_service.services.derived import STAMP_KEY
    from archive_service.services.setup import initialise
    from tests.helpers import make_app

    app = make_app(tmp_path, s3_server)
    world = World(app)
    teacher = world.user("t1")
    admin = world.admin
    data = build(headers=True, comments=True)
    first = teacher.upload(data=data, filename="a.docx", title="一").get_json()
    second = teacher.upload(data=build(headers=True, table=True), filename="b.docx",
                            title="二").get_json()
    old_text = "学校模板页眉\n" + BODY
    with app.app_context():  # as the previous release stored them
        with db.transaction() as session:
            session.execute(update(ItemVersion).values(
                text=old_text, text_parts=None, count_detail=None,
                char_count=count_chars(old_text)))
            session.get(Setting, STAMP_KEY).value = "punctuation=True;year_start=9-1"
    assert admin.post(f"/api/v1/items/{second['id']}/confirm-count",
                      {"char_count": 500}).status_code == 200
    # `archive init` (no object store): the new rule version recounts the stored text as it is
    again = make_app(tmp_path, s3_server, S3_BUCKET=app.config["S3_BUCKET"])
    api = Api(again.test_client(), teacher.token)
    assert api.get(f"/api/v1/items/{first['id']}").get_json()["char_count"] == 12
    # `archive serve` (object store at hand): the originals are extracted again
    with again.app_context():
        initialise(db.engine, db.transaction, archive.settings, archive.store)
        archive.sync_index()
    after = api.get(f"/api/v1/items/{first['id']}").get_json()
    assert after["char_count"] == len(BODY) + 3 == first["char_count"]
    assert "页眉页脚 25 字" in after["count_explanation"]
    kept = api.get(f"/api/v1/items/{second['id']}").get_json()
    assert kept["char_count"] == 500 and kept["count_confirmed"] is True
    hits = api.get("/api/v1/search", query_string={"q": "补充数据"}).get_json()["items"]
    assert [h["id"] for h in hits] == [first["id"]]  # the re-extracted text was indexed


def test_corpus_wps_count_agrees_and_template_header_is_left_out() -> None:
    """Real files: WPS recorded 4,533 字 for zh_docx_02 (ours 4,538); edge_12's footer text is
    kept for search but no longer counted."""
    from tests.helpers import corpus

    wps = extract(corpus("zh_docx_02_zuiwengtingji_jiaoxuesheji.docx"), "破茧求新.docx")
    seen = recorded_comparison(wps.recorded, wps.text, wps.segments)
    assert seen is not None
    assert (seen["program"], seen["recorded"], seen["ours"], seen["needs_review"]) == \
        ("WPS", 4533, 4538, False)
    guide = extract(corpus("edge_12_textbox_tables_oo_guide_en.docx"), "guide.docx")
    counts = part_counts(guide.text, guide.segments)
    assert counts["header"] > 0 and counts["textbox"] > 0
    assert document_count(counts) == counts["body"] + counts["textbox"]
    assert count_chars(guide.text) > document_count(counts)


def test_doc_goes_through_the_same_rule(tmp_path: Path) -> None:
    """A Word 97-2003 .doc (written here by LibreOffice from the built .docx) is converted back to
    .docx on upload, so the same parts count; LibreOffice keeps every part but some headers."""
    from archive_service.extract import tool_status
    from archive_service.extract.office import convert

    if not tool_status()["soffice"]:
        pytest.fail("legacy .doc needs LibreOffice: apt-get install libreoffice-writer-nogui")
    source = tmp_path / "all.docx"
    source.write_bytes(build(**dict.fromkeys(PARTS, True)))
    doc = convert([source], "doc", tmp_path / "out", 120.0)[source]
    result = extract(doc, "all.doc")
    counts = part_counts(result.text, result.segments)
    expected = _expected(*PARTS)
    assert result.fmt == "doc"
    assert {p: counts[p] for p in ("body", "textbox", "note", "comment", "hidden")} == \
        {p: expected[p] for p in ("body", "textbox", "note", "comment", "hidden")}
    assert 0 < counts["header"] <= expected["header"]
    assert document_count(counts) == expected["body"] + expected["textbox"] + expected["note"]


def test_a_field_left_open_does_not_hide_the_rest(tmp_path: Path) -> None:
    """A broken file: a field begins and never ends.  Its text is counted rather than lost."""
    document = docx.Document()
    _append(document, _p('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                         '<w:r><w:instrText> PAGE </w:instrText></w:r>' + _r("域后文字")))
    document.add_paragraph(BODY)
    out = io.BytesIO()
    document.save(out)
    counts, text = _counts(out.getvalue(), tmp_path)
    assert counts == {"body": 4 + len(BODY)}
    assert "PAGE" not in text
