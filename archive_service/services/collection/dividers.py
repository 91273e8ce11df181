"""An export's generated pages: a divider before each item saying whose it is and what it
earned, and the closing summary (the register of the export's scope)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from fpdf import FPDF

from ...vocabulary import KIND_NAMES
from .draw import MARGIN, PAGE_H, PAGE_W, centered, wrap
from .model import Part

if TYPE_CHECKING:
    from .pages import SummaryRow

DIVIDER_HEADING = "成果信息"
SUMMARY_HEADING = "学时汇总"
ROW_H = 8.0
COLUMNS = (("教师", 32.0), ("学科", 22.0), ("入册篇数", 22.0), ("本册学时", 22.0), ("年度合计学时", 28.0),
           ("年度目标", 22.0), ("是否达标", 22.0))


def divider(pdf: FPDF, part: Part, year: str) -> None:
    """The page before an item: teacher, kind, title, date, 字数, decision and hours."""
    header = part.header
    if header is None:
        raise ValueError("divider without header facts")
    pdf.add_page()
    pdf.set_fill_color(232, 240, 250)
    pdf.rect(MARGIN, MARGIN, PAGE_W - 2 * MARGIN, 16, style="F")
    centered(pdf, MARGIN + 5, 16, DIVIDER_HEADING)
    fields = [("教师", part.teacher + (f"（{part.subject}）" if part.subject else "")),
              ("成果类型", KIND_NAMES.get(part.kind, part.kind)), ("标题", part.title),
              ("完成日期", header.completion_date), ("学年", year),
              ("字数", f"{header.char_count:,} 字"), ("认定结果", header.decision),
              ("学时", f"{header.hours:g} 学时"), ("说明", header.reason),
              ("成果编号", f"{part.item_id}（第 {part.version_number} 版，{part.filename}）")]
    y = MARGIN + 28
    for label, value in fields:
        pdf.set_font("cjk", size=12)
        pdf.set_xy(MARGIN + 6, y)
        pdf.cell(28, 8, label)
        warn = label == "学时" and header.hours == 0
        if warn:
            pdf.set_text_color(180, 0, 0)
            value += "（本篇不计学时）"
        for line in wrap(pdf, value[:600], PAGE_W - 2 * MARGIN - 40):
            pdf.set_xy(MARGIN + 34, y)
            pdf.cell(PAGE_W - 2 * MARGIN - 40, 8, line)
            y += 8
        pdf.set_text_color(0, 0, 0)
        y += 2
    pdf.set_font("cjk", size=10)
    pdf.set_text_color(90, 90, 90)
    pdf.set_xy(MARGIN + 6, y + 6)
    pdf.cell(PAGE_W - 2 * MARGIN - 12, 6, "以下为该成果的原件（署名以本页所列教师为准）。")
    pdf.set_text_color(0, 0, 0)


def summary_pages(pdf: FPDF, school: str, year: str, rows: list[SummaryRow]) -> None:
    """The register of the export's teachers, as many pages as it takes."""
    per_page = int((PAGE_H - 2 * MARGIN - 40) // ROW_H)
    chunks = [rows[i:i + per_page] for i in range(0, len(rows), per_page)] or [[]]
    for number, chunk in enumerate(chunks):
        pdf.add_page()
        centered(pdf, MARGIN, 18, SUMMARY_HEADING if number == 0 else f"{SUMMARY_HEADING}（续）")
        centered(pdf, MARGIN + 12, 11, f"{school} {year}学年")
        y = MARGIN + 26
        _row(pdf, y, [name for name, _ in COLUMNS], bold=True)
        for teacher, subject, count, hours, total, target, met in chunk:
            y += ROW_H
            _row(pdf, y, [teacher, subject, str(count), f"{hours:g}", f"{total:g}", f"{target:g}",
                          "是" if met else "否"])


def _row(pdf: FPDF, y: float, cells: list[str], bold: bool = False) -> None:
    x = MARGIN
    pdf.set_font("cjk", size=10.5 if not bold else 11)
    if bold:
        pdf.set_fill_color(221, 235, 247)
    for (_, width), text in zip(COLUMNS, cells, strict=True):
        pdf.set_xy(x, y)
        pdf.cell(width, ROW_H, text[:12], border=1, align="C", fill=bold)
        x += width
