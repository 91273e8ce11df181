"""Issue 12 point 3: the bound collection as a job, checked for real — the PDF's pages, contents
page numbers, bookmarks and per-item divider text; the ZIP's SHA-256s; the XLSX totals against
the register; the snapshot's checksum; the conversion cache; who may export what."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from archive_service.extensions import archive
from archive_service.job_runner import drain
from archive_service.services.collection.sources import cache_key
from tests.helpers import Api, World, corpus

pytestmark = pytest.mark.slow  # LibreOffice conversions and whole bound PDFs

YEAR = "2025-2026"
DOCX = "zh_docx_12_yingyu_jiaoxue_zongjie.docx"  # 1,013 字: a reflection that counts
SHORT = "zh_docx_05_jiaoshi_fangtan_dagang.docx"  # 758 字: too short for a reflection, 0 h
PDF = "zh_pdf_04_mokuai1_jiaoan.pdf"  # 4 pages
PDF2 = "zh_pdf_06_kechengsizheng_jiaoxuesheji.pdf"


def _text(page: Any) -> str:
    return re.sub(r"[\s\x00]+", "", page.extract_text() or "")


def _upload(api: Api, name: str, kind: str, title: str) -> dict[str, Any]:
    res = api.upload(corpus(name), kind=kind, title=title)
    assert res.status_code == 201, res.get_json()
    return res.get_json()


def _school_year(world: World) -> dict[str, Any]:
    """Two teachers, mixed PDF and DOCX, all selected; one selected item earns 0 h."""
    wang = world.user("t1", name="王老师", subject="英语")
    li = world.user("t2", name="李老师", subject="信息技术")
    admin = world.user("a1", role="admin", name="教务处")
    items = [_upload(wang, DOCX, "reflection", "英语教学工作总结"),
             _upload(wang, PDF, "lesson_design", "模块一：走进三维世界"),
             _upload(li, PDF2, "lesson_design", "课程思政教学设计"),
             _upload(li, SHORT, "reflection", "访谈大纲（字数不足）")]
    for item in items:
        res = admin.post(f"/api/v1/items/{item['id']}/selection", {"selected": True})
        assert res.status_code == 200, res.get_json()
    return {"wang": wang, "li": li, "admin": admin, "items": items}


def _export(api: Api, world: World, body: dict[str, Any]) -> dict[str, Any]:
    res = api.post("/api/v1/exports", body)
    assert res.status_code == 202, res.get_json()
    export = res.get_json()
    assert res.headers["Link"] == f'</api/v1/jobs/{export["job_id"]}>; rel="job"'
    assert export["state"] == "queued" and export["files"] == []
    assert api.get(f"/api/v1/exports/{export['id']}/files/pdf").status_code == 409  # not yet
    assert drain(world.app) == 1
    job = api.get(f"/api/v1/jobs/{export['job_id']}").get_json()
    assert job["state"] == "done", job
    assert job["progress"]["done"] == job["progress"]["total"] > 0
    done = api.get(f"/api/v1/exports/{export['id']}").get_json()
    assert done["state"] == "done" and {f["kind"] for f in done["files"]} == {"pdf", "xlsx", "zip", "snapshot"}
    assert done["size"] == sum(f["size"] for f in done["files"])
    return {"export": done, "job": job}


def _file(api: Api, export: dict[str, Any], kind: str) -> bytes:
    res = api.get(f"/api/v1/exports/{export['id']}/files/{kind}")
    assert res.status_code == 200, res.get_data(as_text=True)[:200]
    data = res.get_data()
    entry = next(f for f in export["files"] if f["kind"] == kind)
    assert len(data) == entry["size"] and hashlib.sha256(data).hexdigest() == entry["sha256"]
    return data


def _stored_pages(world: World, name: str, sha: str) -> int:
    """Pages of an item's PDF: the original, or the cached conversion of a Word file."""
    if name.endswith(".pdf"):
        return len(PdfReader(corpus(name)).pages)
    with world.app.app_context():
        return len(PdfReader(io.BytesIO(archive.store.read_bytes(cache_key(sha)))).pages)


def test_school_export_pdf_zip_xlsx_and_snapshot(world: World) -> None:
    scene = _school_year(world)
    admin, items = scene["admin"], scene["items"]
    run = _export(admin, world, {"school": "第一中学", "year": YEAR, "scope": "selected"})
    export = run["export"]
    assert run["job"]["result"]["conversions"] == 2  # the two Word files
    assert export["items"] == 4 and [z["title"] for z in export["zero_hour_items"]] == ["访谈大纲（字数不足）"]

    reader = PdfReader(io.BytesIO(_file(admin, export, "pdf")))
    pages = [_text(p) for p in reader.pages]
    for number, text in enumerate(pages[1:], start=2):  # every page but the cover is numbered
        assert text.endswith(str(number)), (number, text[-40:])
        pages[number - 1] = text.removesuffix(str(number))
    names = {i["id"]: n for i, n in zip(items, (DOCX, PDF, PDF2, SHORT), strict=True)}
    own = {i["id"]: _stored_pages(world, names[i["id"]], i["sha256"]) for i in items}
    assert pages[1].startswith("目录") and pages[2].startswith("成果信息")  # cover, one contents page
    # cover + contents + (divider + own pages) per item + the closing register
    assert len(reader.pages) == 1 + 1 + sum(1 + n for n in own.values()) + 1 == export["pages"]
    assert "学时汇总" in pages[-1] and "王老师" in pages[-1] and "李老师" in pages[-1]
    for item in items:
        match = re.search(re.escape(item["title"]) + r"(?:【0学时】[^\d]*)?(\d+)", pages[1])
        assert match and int(match.group(1)) <= len(pages), (item["title"], pages[1])
        divider = pages[int(match.group(1)) - 1]  # the contents' number points at the divider
        assert divider.startswith("成果信息") and item["title"] in divider
        assert item["owner"]["name"] in divider and "学时" in divider and "字数" in divider
        assert f"{item['char_count']:,}字" in divider
    assert "【0学时】" in pages[1]  # the 0-h item is marked in the contents
    short_divider = next(p for p in pages if p.startswith("成果信息") and "访谈大纲" in p)
    assert "0学时（本篇不计学时）" in short_divider
    marks = [o for o in _flat(reader.outline) if any(i["title"] in o.title for i in items)]
    assert len(marks) == 4  # a bookmark per item, at its divider
    for mark in marks:
        assert pages[reader.get_destination_page_number(mark)].startswith("成果信息")

    snapshot = _file(admin, export, "snapshot")
    assert hashlib.sha256(snapshot).hexdigest() == export["snapshot_sha256"]
    frozen = json.loads(snapshot)
    register = admin.get(f"/api/v1/register?year={YEAR}&school=第一中学").get_json()
    assert {t["name"]: t["total_hours"] for t in frozen["register"]["teachers"]} == \
        {t["name"]: t["total_hours"] for t in register["teachers"]}

    archive_zip = zipfile.ZipFile(io.BytesIO(_file(admin, export, "zip")))
    manifest = json.loads(archive_zip.read("manifest.json"))
    assert manifest["snapshot_sha256"] == export["snapshot_sha256"]
    by_id = {i["id"]: i for i in items}
    assert sorted(r["item_id"] for r in manifest["items"]) == sorted(by_id)
    for row in manifest["items"]:
        item = by_id[row["item_id"]]
        assert row["path"].startswith(f"{item['owner']['name']}/")
        assert row["path"].endswith(("/" + item["title"] + ".pdf", "/" + item["title"] + ".docx"))
        assert hashlib.sha256(archive_zip.read(row["path"])).hexdigest() == row["sha256"] == item["sha256"]
    csv_rows = archive_zip.read("manifest.csv").decode("utf-8-sig").splitlines()
    assert csv_rows[0] == "item_id,teacher,kind,title,path,sha256,decision,hours" and len(csv_rows) == 5

    sheet = load_workbook(io.BytesIO(_file(admin, export, "xlsx")))["学时汇总"]
    rows = [[c.value for c in r] for r in sheet.iter_rows()]
    head = next(n for n, r in enumerate(rows) if "合计学时" in r)
    name_col, total_col = rows[head].index("教师"), rows[head].index("合计学时")
    totals = {r[name_col]: r[total_col] for r in rows[head + 1:] if r[name_col]}
    assert totals == {t["name"]: t["total_hours"] for t in register["teachers"]}

    listed = admin.get("/api/v1/exports").get_json()["items"]
    assert [(e["id"], e["created_by"], e["scope"]) for e in listed] == [(export["id"], "教务处", "selected")]

    again = _export(admin, world, {"school": "第一中学", "year": YEAR, "scope": "selected"})
    assert again["job"]["result"]["conversions"] == 0  # every Word file came from the cache


def _flat(outline: list[Any]) -> list[Any]:
    out = []
    for entry in outline:
        out.extend(_flat(entry) if isinstance(entry, list) else [entry])
    return out


def test_teachers_export_only_their_own(world: World) -> None:
    scene = _school_year(world)
    wang, li = scene["wang"], scene["li"]
    assert wang.post("/api/v1/exports", {"year": YEAR, "teacher": "t2"}).status_code == 403
    inspector = world.user("i1", role="inspector")
    assert inspector.post("/api/v1/exports", {"year": YEAR}).status_code == 403
    bad = wang.post("/api/v1/exports", {"year": YEAR, "scope": "everything"})
    assert bad.status_code == 422 and "导出范围" in bad.get_json()["error"]["message"]
    run = _export(wang, world, {"year": YEAR, "scope": "counted"})
    export = run["export"]
    assert export["teacher"] == "t1" and export["items"] == 2  # both of 王老师's count
    reader = PdfReader(io.BytesIO(_file(wang, export, "pdf")))
    text = "".join(_text(p) for p in reader.pages)
    assert "李老师" not in text and "王老师" in text
    assert li.get(f"/api/v1/exports/{export['id']}").status_code == 404
    assert li.get(f"/api/v1/exports/{export['id']}/files/pdf").status_code == 404
    assert scene["admin"].get(f"/api/v1/exports/{export['id']}").status_code == 200


def test_cli_export_writes_the_files_with_a_progress_bar(world: World, tmp_path: Any) -> None:
    from archive_service.cli import export_command

    scene = _school_year(world)
    out = tmp_path / "out"
    result = world.app.test_cli_runner().invoke(export_command, [
        "--school", "第一中学", "--year", YEAR, "--scope", "counted", str(out)])
    assert result.exit_code == 0, result.output
    assert "导出成果集" in result.output
    names = sorted(p.name for p in out.iterdir())
    assert names == sorted([f"原件_第一中学_{YEAR}.zip", f"学时登记快照_第一中学_{YEAR}.json",
                            f"学时登记表_第一中学_{YEAR}.xlsx", f"校本研修成果集_第一中学_{YEAR}.pdf"])
    reader = PdfReader(out / f"校本研修成果集_第一中学_{YEAR}.pdf")
    bound = [o for o in _flat(reader.outline) if any(i["title"] in o.title for i in scene["items"])]
    assert len(bound) == 3  # counted: the 0-h item is not bound
    listed = scene["admin"].get("/api/v1/exports").get_json()["items"]
    assert [(e["scope"], e["state"]) for e in listed] == [("counted", "done")]
    bad = world.app.test_cli_runner().invoke(export_command, ["--school", "第九中学", "--year", YEAR, str(out)])
    assert bad.exit_code != 0 and "第九中学" in str(bad.exception)  # archive prints it as one Chinese line


def test_the_sweeper_keeps_export_files_and_cached_conversions(world: World) -> None:
    """An export's files and the cached PDF of a kept Word original are referenced, not orphans:
    ``archive check --repair`` (grace 0) must neither report nor quarantine them."""
    from archive_service.db import db
    from archive_service.services.consistency import run_check

    year = _school_year(world)
    done = _export(year["admin"], world, {"school": "第一中学", "year": YEAR, "scope": "selected"})
    docx = next(i for i in year["items"] if i["original_filename"].endswith(".docx"))
    with world.app.app_context():
        before = run_check(db.transaction, archive.store, archive.index)
        assert before.ok and before.orphan_objects == [], before.render()
        run_check(db.transaction, archive.store, archive.index, repair=True, grace_hours=0)
        assert archive.store.read_bytes(cache_key(docx["sha256"]))[:5] == b"%PDF-"
    for entry in done["export"]["files"]:
        _file(year["admin"], done["export"], entry["kind"])  # still there, same bytes
