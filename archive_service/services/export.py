"""学时登记表 export: the sheet writer the workbooks share (``ledger_sheets.py``), items as CSV,
the audit log as XLSX."""

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

from ..vocabulary import DECISION_NAMES, KIND_NAMES
from .shapes import Register

Column = tuple[str, int, str | None]  # (header, width, number format)
ITEM_COLUMNS: list[Column] = [
    ("学校", 18, None), ("教师", 10, None), ("工号", 10, None), ("学科", 8, None),
    ("成果类型", 16, None), ("标题", 36, None), ("字数", 9, "#,##0"), ("认定结果", 16, None),
    ("学时", 7, "0.0"), ("说明", 60, None),
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


def write_sheet(ws: Worksheet, name: str, columns: list[Column], rows: Iterator[list[Any]],
                title: str | None = None) -> None:
    """A printable sheet: an optional title row, the header row, then ``rows`` with every text
    cell stored as text (never a formula)."""
    ws.title = name[:31]
    if title:
        ws.append([title])
        ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
        ws["A1"].font = Font(bold=True, size=14)
        ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
        ws["A1"].data_type = "s"
        ws.row_dimensions[1].height = 26
    head = ws.max_row + 1 if title else 1
    ws.append([c[0] for c in columns])
    for row in rows:
        ws.append(row)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = "s"  # openpyxl would otherwise store "=…" as a formula
    for index, (_, width, fmt) in enumerate(columns, start=1):
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = width
        for cell in ws[letter][head:]:
            if fmt:
                cell.number_format = fmt
            cell.alignment = Alignment(vertical="top", wrap_text=True)
    for cell in ws[head]:
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center")
    ws.freeze_panes = f"A{head + 1}"
    ws.print_title_rows = f"1:{head}"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"


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
    write_sheet(wb.active, "审计日志", AUDIT_COLUMNS, ([
        r.id, r.created_at.strftime("%Y-%m-%d %H:%M:%S"), r.actor or "（未登录）",
        ACTION_NAMES.get(r.action, r.action), r.item_id, r.address, r.status,
        json.dumps(r.details, ensure_ascii=False, sort_keys=True), r.hash] for r in rows))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
