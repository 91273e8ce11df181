"""学时登记表 export: XLSX (one sheet per academic year plus a summary) and CSV."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from ..vocabulary import DECISION_NAMES, KIND_NAMES, KINDS
from .shapes import Register

Column = tuple[str, int, str | None]  # (header, width, number format)
ITEM_COLUMNS: list[Column] = [
    ("学校", 18, None), ("教师", 10, None), ("工号", 10, None), ("学科", 8, None),
    ("成果类型", 16, None), ("标题", 36, None), ("字数", 9, "#,##0"), ("认定结果", 16, None),
    ("学时", 7, "0.0"), ("说明", 60, None),
]
SUMMARY_COLUMNS: list[Column] = [
    ("学年", 11, None), ("学校", 18, None), ("教师", 10, None), ("工号", 10, None), ("学科", 8, None),
    *((KIND_NAMES[k], 10, "0.0") for k in KINDS),
    ("合计学时", 9, "0.0"), ("年度目标", 9, "0.0"), ("是否达标", 9, None),
    ("五年周期累计", 12, "0.0"), ("周期目标", 9, "0.0"),
]
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
AUDIT_COLUMNS: list[tuple[str, int, str | None]] = [("序号", 8, None), ("时间（UTC）", 20, None), ("操作人", 14, None),
                 ("操作", 12, None), ("成果编号", 9, None), ("地址", 16, None),
                 ("状态码", 7, None), ("详情", 60, None), ("哈希", 66, None)]


def _risky(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_safe(value: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula gets a leading apostrophe."""
    return "'" + value if _risky(value) else value


def year_label(year: str) -> str:
    return year.replace("-", "—") + "学年"


def item_rows(register: Register) -> Iterator[list[Any]]:
    for teacher in register["teachers"]:
        for item in teacher["items"]:
            decision = item["decision"]
            verdict = (DECISION_NAMES.get(decision["code"], ""), decision["hours"],
                       decision["reason"]) if decision else ("", 0, "")
            yield [teacher["school"] or "", teacher["name"], teacher["staff_no"],
                   teacher["subject"], KIND_NAMES.get(item["kind"], item["kind"]), item["title"],
                   item["char_count"], *verdict]


def summary_rows(register: Register) -> Iterator[list[Any]]:
    for t in register["teachers"]:
        yield ([year_label(register["year"]), t["school"] or "", t["name"], t["staff_no"],
                t["subject"]]
               + [t["hours_by_kind"].get(k, 0) for k in KINDS]
               + [t["total_hours"], t["target_hours"], "是" if t["target_met"] else "否",
                  t["cycle_hours"], t["cycle_target_hours"]])


def _sheet(ws: Worksheet, title: str, columns: list[Column],
           rows: Iterator[list[Any]]) -> None:
    ws.title = title[:31]
    ws.append([c[0] for c in columns])
    for row in rows:
        ws.append(row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
    for index, (_, width, fmt) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = width
        for cell in ws[letter][1:]:
            if fmt:
                cell.number_format = fmt
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
    ws.freeze_panes = "A2"
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


def register_xlsx(registers: list[Register]) -> bytes:
    """A workbook: 教师汇总 first, then one sheet of items per academic year."""
    wb = Workbook()
    _sheet(wb.active, "教师汇总", SUMMARY_COLUMNS,
           (row for reg in registers for row in summary_rows(reg)))
    for reg in registers:
        _sheet(wb.create_sheet(), year_label(reg["year"]), ITEM_COLUMNS, item_rows(reg))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def register_csv(registers: list[Register]) -> str:
    """Items of every year, UTF-8 with BOM so Excel/WPS open it with the right encoding."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(["学年"] + [c[0] for c in ITEM_COLUMNS])
    for reg in registers:
        for row in item_rows(reg):
            writer.writerow([csv_safe(v) for v in [year_label(reg["year"])] + row])
    return out.getvalue()


def audit_xlsx(rows: list[Any]) -> bytes:
    """The audit log as a workbook (rows are AuditRecord-like objects)."""
    from .audit import ACTION_NAMES

    wb = Workbook()
    _sheet(wb.active, "审计日志", AUDIT_COLUMNS, ([
        r.id, r.created_at.strftime("%Y-%m-%d %H:%M:%S"), r.actor or "（未登录）",
        ACTION_NAMES.get(r.action, r.action), r.item_id, r.address, r.status,
        json.dumps(r.details, ensure_ascii=False, sort_keys=True), r.hash] for r in rows))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
