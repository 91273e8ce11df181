"""The one-time passwords of a roster import as a sheet to hand out (never stored anywhere)."""

from __future__ import annotations

import io

from openpyxl import Workbook

from ..export import Column, write_sheet

PASSWORD_COLUMNS: list[Column] = [("账号", 16, None), ("初始密码", 24, None), ("说明", 40, None)]
NOTE = "一次性密码，首次登录后必须修改"


def passwords_xlsx(passwords: list[dict[str, str]]) -> bytes:
    """账号 and 初始密码 per new account; text cells are stored as text, never as formulas."""
    book = Workbook()
    write_sheet(book.active, "初始密码", PASSWORD_COLUMNS,
           ([p["username"], p["password"], NOTE] for p in passwords))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
