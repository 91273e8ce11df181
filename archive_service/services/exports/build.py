"""The export job: originals fetched and converted (cached, N at a time), the PDF bound with a
divider per item and the closing register, then XLSX, ZIP and snapshot, all stored."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Any

from ...errors import AppError
from ...models import Export, School, utcnow
from ...vocabulary import EXPORT_SCOPE_NAMES
from ..collection import CHECK_SECONDS, verify
from ..collection.assemble import assemble, write_atomically
from ..collection.draw import cjk_font
from ..collection.model import Part
from ..collection.pages import SummaryRow, render_front
from ..collection.sources import fetch_and_convert
from ..jobs import JobContext
from ..ledger_sheets import register_xlsx
from ..shapes import Register
from .bundle import manifest_rows, snapshot_bytes, write_zip
from .parts import export_register, load_export_parts

PDF, ZIP, JSON = "application/pdf", "application/zip", "application/json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STEPS_AFTER_PARTS = 4  # PDF, XLSX, ZIP, storing


def parallel_conversions(setting: int) -> int:
    return setting if setting > 0 else max(1, os.cpu_count() or 1)


def _summary(register: Register, parts: list[Part]) -> list[SummaryRow]:
    rows: list[SummaryRow] = []
    for teacher in register["teachers"]:
        mine = [p for p in parts if p.owner_id == teacher["id"]]
        hours = sum(p.header.hours for p in mine if p.header is not None)
        rows.append((teacher["name"], teacher["subject"], len(mine), hours, teacher["total_hours"],
                     teacher["target_hours"], teacher["target_met"]))
    return rows


def _load(ctx: JobContext) -> tuple[dict[str, Any], Register, list[Part]]:
    with ctx.uow() as session:
        export = session.get(Export, int(ctx.params["export_id"]))
        if export is None:
            raise AppError("export_gone", "导出记录不存在。", 404)
        school = session.get(School, export.school_id)
        register = export_register(session, ctx.settings, export.school_id, export.academic_year,
                                   export.teacher_id)
        parts = load_export_parts(session, register, export.scope)
        teacher = next((t["name"] for t in register["teachers"]), "") if export.teacher_id else ""
        meta = {"export_id": export.id, "school": school.name if school else "",
                "year": export.academic_year, "scope": export.scope, "teacher": teacher,
                "created_at": export.created_at.isoformat(timespec="seconds")}
    if not parts:
        raise AppError("export_empty", f"{meta['school']} {meta['year']}学年没有"
                       f"{EXPORT_SCOPE_NAMES.get(str(meta['scope']), '')}，无法导出。"
                       "请先筛选入册，或改用另一导出范围。", 404)
    return meta, register, parts


def run_export(ctx: JobContext) -> dict[str, Any]:
    meta, register, parts = _load(ctx)
    total = len(parts) + STEPS_AFTER_PARTS
    done = [0]

    def step(what: str) -> None:
        done[0] += 1
        ctx.progress(done[0], total, what)

    ctx.progress(0, total, "正在取回原件并转换为 PDF")
    label = f"{meta['school']}_{meta['year']}" + (f"_{meta['teacher']}" if meta["teacher"] else "")
    with tempfile.TemporaryDirectory(prefix="archive-export-") as tmp:
        work = Path(tmp)
        converted = fetch_and_convert(ctx.store, parts, work, cache=True,
                          parallel=parallel_conversions(int(ctx.extras.get("conversions", 0))),
                          done=lambda part: step(f"已处理：{part.title}"))
        verify.check_parts(parts, work, CHECK_SECONDS)
        files: list[dict[str, Any]] = []
        pdf = work / "book.pdf"
        generated = work / "generated.pdf"
        layout = render_front(cjk_font(), meta["school"], meta["year"], ctx.settings.rules.selection_rule,
                              parts, generated, summary=_summary(register, parts),
                              title="校本研修成果集" if not meta["teacher"] else f"{meta['teacher']} 研修成果集")
        result = write_atomically(pdf, lambda target: assemble(parts, generated, layout, target))
        files.append(_file("pdf", f"校本研修成果集_{label}.pdf", pdf, PDF))
        step("成果集 PDF 已生成")
        xlsx = work / "register.xlsx"
        xlsx.write_bytes(register_xlsx([register]))
        files.append(_file("xlsx", f"学时登记表_{label}.xlsx", xlsx, XLSX))
        step("学时登记表已生成")
        rows = manifest_rows(parts)
        snapshot = work / "snapshot.json"
        snapshot.write_bytes(snapshot_bytes(meta, register, rows))
        files.append(_file("snapshot", f"学时登记快照_{label}.json", snapshot, JSON))
        originals = work / "originals.zip"
        write_zip(ctx.store, parts, rows, files[-1]["sha256"], originals)
        files.append(_file("zip", f"原件_{label}.zip", originals, ZIP))
        step("原件压缩包已生成")
        for entry in files:
            entry["key"] = f"exports/{meta['export_id']}/{entry['kind']}"
            ctx.store.put_file(entry["key"], Path(entry.pop("path")), content_type=entry["media"],
                               sha256_hex=entry["sha256"])
    zero = [{"item_id": p.item_id, "teacher": p.teacher, "title": p.title,
             "reason": p.header.reason if p.header else ""}
            for p in parts if p.header is not None and p.header.hours == 0]
    with ctx.uow() as session:
        export = session.get(Export, int(ctx.params["export_id"]))
        if export is None:
            raise AppError("export_gone", "导出记录不存在。", 404)
        export.files, export.items, export.pages = files, len(parts), result.pages
        export.snapshot_sha256 = next(f["sha256"] for f in files if f["kind"] == "snapshot")
        export.zero_hour_items, export.finished_at = zero, utcnow()
    step("已保存")
    return {"export_id": meta["export_id"], "pages": result.pages, "items": len(parts),
            "problems": len(result.problems), "zero_hour_items": len(zero), "conversions": converted}


def _file(kind: str, name: str, path: Path, media: str) -> dict[str, Any]:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return {"kind": kind, "name": name, "path": str(path), "size": path.stat().st_size,
            "sha256": digest.hexdigest(), "media": media}
