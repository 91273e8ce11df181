"""The generated pages (fpdf2, CJK font): cover, contents, one placeholder per missing item."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from fpdf import FPDF

from ...vocabulary import KIND_NAMES
from . import contents
from .dividers import divider, summary_pages
from .draw import MARGIN, PAGE_W, FontFile, centered, new_document, wrap
from .model import Part


@dataclass(frozen=True)
class FrontLayout:
    """Page indexes (0-based) in the generated PDF and the contents rows' link areas."""

    title: str
    front_pages: int  # cover + contents
    placeholder_page: dict[int, int]  # item id → page index in the generated PDF
    links: list[contents.Link]
    divider_page: dict[int, int] = field(default_factory=dict)  # item id → page index (exports)
    summary_pages: list[int] = field(default_factory=list)  # the closing register (exports)


SummaryRow = tuple[str, str, int, float, float, float, bool]
"""(teacher, subject, items in the book, their hours, the year's total hours, target, met)."""


def render_front(font: FontFile, school: str, year: str, rule: str, parts: list[Part],
                 out: Path, summary: list[SummaryRow] | None = None,
                 title: str = "校本研修成果集") -> FrontLayout:
    """Write cover, contents, placeholder (and an export's divider and closing summary) pages
    to ``out``; sets every part's start page."""
    pdf = new_document(font)
    pages = contents.layout(pdf, parts)
    page = 1 + len(pages) + 1
    for part in parts:
        part.start = page
        page += part.bound_pages
    _cover(pdf, school, year, rule, parts, title)
    links = contents.draw(pdf, pages)
    placeholders, dividers = {}, {}
    for part in parts:
        if part.problem is not None:
            placeholders[part.item_id] = pdf.page_no()
            _placeholder(pdf, part, year)
    for part in parts:
        if part.header is not None:
            dividers[part.item_id] = pdf.page_no()
            divider(pdf, part, year)
    first_summary = pdf.page_no()
    if summary is not None:
        summary_pages(pdf, school, year, summary)
    pdf.output(str(out))
    return FrontLayout(f"{school} {year}学年 {title}", 1 + len(pages), placeholders, links,
                       dividers, list(range(first_summary, pdf.page_no())))


def _cover(pdf: FPDF, school: str, year: str, rule: str, parts: list[Part], title: str) -> None:
    pdf.add_page()
    teachers = len({p.owner_id for p in parts})
    problems = sum(1 for p in parts if p.problem)
    centered(pdf, 88, 26, school)
    centered(pdf, 108, 22, f"{year}学年 {title}")
    centered(pdf, 130, 12, f"共收录 {teachers} 位教师的 {len(parts)} 篇成果")
    if problems:
        pdf.set_text_color(180, 0, 0)
        centered(pdf, 139, 11, f"其中 {problems} 篇未能装订，已以说明页代替（见目录）")
        pdf.set_text_color(0, 0, 0)
    pdf.set_text_color(90, 90, 90)
    centered(pdf, 240, 10, f"依据：{rule}")
    pdf.set_text_color(0, 0, 0)
    today = date.today()
    centered(pdf, 250, 12, f"生成日期：{today.year}年{today.month}月{today.day}日")


def _placeholder(pdf: FPDF, part: Part, year: str) -> None:
    """A page naming the item that could not be bound, and why."""
    pdf.add_page()
    centered(pdf, 40, 20, "未能收录的成果")
    pdf.set_text_color(180, 0, 0)
    centered(pdf, 54, 11, "此页代替下列成果：原件无法装订，详见原因")
    pdf.set_text_color(0, 0, 0)
    fields = [("教师", part.teacher), ("学年", year),
              ("成果类型", KIND_NAMES.get(part.kind, part.kind)), ("标题", part.title),
              ("成果编号", str(part.item_id)),
              ("入册版本", f"第 {part.version_number} 版（{part.filename}）"),
              ("原因", part.problem or "")]
    y = 74.0
    for label, value in fields:
        pdf.set_font("cjk", size=11)
        pdf.set_xy(MARGIN + 10, y)
        pdf.cell(26, 7, label)
        for line in wrap(pdf, value[:600], PAGE_W - 2 * MARGIN - 46):
            pdf.set_xy(MARGIN + 36, y)
            pdf.cell(PAGE_W - 2 * MARGIN - 46, 7, line)
            y += 7
        y += 3
    pdf.set_font("cjk", size=10)
    pdf.set_text_color(90, 90, 90)
    for line in wrap(pdf, "原件仍完整保存在档案系统中，可在成果详情页查看和下载。"
                     "处理后请重新生成成果集。", PAGE_W - 2 * MARGIN - 20):
        y += 6
        pdf.set_xy(MARGIN + 10, y)
        pdf.cell(PAGE_W - 2 * MARGIN - 20, 6, line)
    pdf.set_text_color(0, 0, 0)
