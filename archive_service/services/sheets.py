"""Reading a small uploaded table (XLSX or CSV) into rows of text, with explicit limits.

Used by the roster import, the sign-in sheet and the exam scores.  The first row is the header;
each later row comes with its sheet row number (header = 1) so a problem can name it.  Empty
rows are skipped.  The limits (bytes, rows, columns) are checked before anything else is read,
and an XLSX's zip directory is checked for a bomb before openpyxl opens it.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from ..errors import AppError
from ..extract.model import ExtractionError
from ..extract.zipguard import check_zip

KB = 1024
MAX_SHEET_BYTES = 2 * KB * KB  # a roster of a few thousand people is far below this
MAX_SHEET_ROWS = 5000
MAX_SHEET_COLUMNS = 50
MAX_CELL_CHARS = 500


@dataclass(frozen=True)
class Sheet:
    """The header's names and every non-empty row as ``(row number, {header: text})``."""

    headers: tuple[str, ...]
    rows: tuple[tuple[int, dict[str, str]], ...]


def _bad(message: str) -> AppError:
    return AppError("invalid_sheet", message, 422)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 工号 typed as a number: 1001.0 → "1001"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()[:MAX_CELL_CHARS]


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_zip(zf)
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except ExtractionError:
        raise _bad("表格文件解压后过大（疑似压缩炸弹），请另存为普通的 .xlsx 后再上传。") from None
    except Exception:  # noqa: BLE001 - any parser failure is the same answer to the user
        raise _bad("无法读取该 Excel 文件：请用 Excel 或 WPS 另存为 .xlsx 后再上传。") from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for values in sheet.iter_rows(values_only=True):
            rows.append(list(values[:MAX_SHEET_COLUMNS + 1]))
            if len(rows) > MAX_SHEET_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def _csv_rows(data: bytes) -> list[list[Any]]:
    for encoding in ("utf-8-sig", "gb18030"):  # Excel/WPS in China save CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise _bad("无法识别 CSV 文件的编码：请另存为“CSV UTF-8”或 .xlsx 后再上传。")
    if "\x00" in text:
        raise _bad("CSV 文件中含有空字符，请确认上传的是表格文件。")
    rows = []
    for values in csv.reader(io.StringIO(text)):
        rows.append(values[:MAX_SHEET_COLUMNS + 1])
        if len(rows) > MAX_SHEET_ROWS + 1:
            break
    return rows


def read_sheet(data: bytes, filename: str, max_rows: int = MAX_SHEET_ROWS) -> Sheet:
    """The table in ``data`` (.xlsx or .csv by name); 422 with a Chinese message otherwise."""
    if not filename:
        raise _bad("请选择要导入的表格文件（.xlsx 或 .csv）。")
    if not data:
        raise _bad("上传的文件是空的，请选择填好的表格。")
    if len(data) > MAX_SHEET_BYTES:
        raise _bad(f"文件过大（超过 {MAX_SHEET_BYTES // (KB * KB)} MB），请拆分后分批导入。")
    name = filename.lower()
    if name.endswith(".xlsx") and data[:2] == b"PK":
        raw = _xlsx_rows(data)
    elif name.endswith(".csv"):
        raw = _csv_rows(data)
    else:
        raise _bad("只支持 .xlsx 或 .csv 表格（旧版 .xls 请先另存为 .xlsx）。")
    rows = [[_text(v) for v in r] for r in raw]
    if not rows or not any(rows[0]):
        raise _bad("表格第 1 行应为表头（列名），但它是空的。")
    if len(rows[0]) > MAX_SHEET_COLUMNS:
        raise _bad(f"表格列数过多（超过 {MAX_SHEET_COLUMNS} 列），请只保留需要的列。")
    headers = tuple(h.strip() for h in rows[0])
    body = [(number, {h: (r[i] if i < len(r) else "") for i, h in enumerate(headers) if h})
            for number, r in enumerate(rows[1:], start=2) if any(r)]
    if len(body) > max_rows:
        raise _bad(f"表格行数过多（超过 {max_rows} 行），请拆分后分批导入。")
    return Sheet(headers=headers, rows=tuple(body))
