"""The contents pages: a heading per teacher, then each item's kind, wrapped title and start page.

Laid out before anything is drawn: their page count fixes every item's start page.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from fpdf import FPDF

from ...vocabulary import KIND_NAMES
from .draw import MARGIN, PAGE_H, PAGE_W, centered, wrap
from .model import Part

KIND_W, NUM_W = 40.0, 14.0
TITLE_W = PAGE_W - 2 * MARGIN - KIND_W - NUM_W - 3.0
LINE_H, NOTE_H, TEACHER_H, ROW_GAP, HEADING_H = 6.0, 5.0, 10.0, 1.5, 18.0
Link = tuple[int, float, float, int]  # (page index in the document, y mm, height mm, item id)


@dataclass
class Row:
    """One contents row: a teacher heading or an item with its wrapped lines."""

    height: float
    part: Part | None = None
    teacher: str = ""
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    y: float = 0.0


def layout(pdf: FPDF, parts: list[Part]) -> list[list[Row]]:
    """The rows of each contents page."""
    return _paginate(_rows(pdf, parts))


def draw(pdf: FPDF, pages: list[list[Row]]) -> list[Link]:
    """Add the contents pages to ``pdf``; the area of each item row, to link it to its start."""
    links = []
    for number, rows in enumerate(pages):
        pdf.add_page()
        if number == 0:
            centered(pdf, MARGIN, 18, "目　　录")
        for row in rows:
            if row.part is None:
                pdf.set_font("cjk", size=12)
                pdf.set_xy(MARGIN, row.y + 3)
                pdf.cell(PAGE_W - 2 * MARGIN, 6, row.teacher)
            else:
                _item(pdf, row, row.part)
                links.append((pdf.page_no() - 1, row.y, row.height, row.part.item_id))
    return links


def _rows(pdf: FPDF, parts: list[Part]) -> list[Row]:
    rows: list[Row] = []
    owner = None
    for part in parts:
        if part.owner_id != owner:
            owner = part.owner_id
            heading = part.teacher + (f"（{part.subject}）" if part.subject else "")
            rows.append(Row(TEACHER_H, teacher=heading))
        pdf.set_font("cjk", size=10.5)
        lines = wrap(pdf, part.title, TITLE_W)
        notes: list[str] = []
        pdf.set_font("cjk", size=9)
        if part.problem:
            notes = wrap(pdf, f"【未能收录】{part.problem}", TITLE_W)
        if part.header is not None and part.header.hours == 0:
            notes += wrap(pdf, f"【0 学时】{part.header.reason}", TITLE_W)
        rows.append(Row(LINE_H * len(lines) + NOTE_H * len(notes) + ROW_GAP, part, lines=lines,
                        notes=notes))
    return rows


def _paginate(rows: list[Row]) -> list[list[Row]]:
    """Rows per contents page; a teacher heading never ends a page."""
    pages: list[list[Row]] = [[]]
    y = MARGIN + HEADING_H
    bottom = PAGE_H - MARGIN
    for index, row in enumerate(rows):
        need = row.height
        if row.part is None and index + 1 < len(rows):
            need += rows[index + 1].height
        if pages[-1] and y + need > bottom:
            pages.append([])
            y = MARGIN
        row.y = y
        pages[-1].append(row)
        y += row.height
    return pages


def _item(pdf: FPDF, row: Row, part: Part) -> None:
    """Kind, title lines, a dotted leader to the start page, and the problem note if any."""
    y = row.y
    pdf.set_font("cjk", size=10.5)
    pdf.set_xy(MARGIN + 4, y)
    pdf.cell(KIND_W - 4, LINE_H, KIND_NAMES.get(part.kind, part.kind))
    for line in row.lines:
        pdf.set_xy(MARGIN + KIND_W, y)
        pdf.cell(TITLE_W, LINE_H, line)
        y += LINE_H
    end = MARGIN + KIND_W + pdf.get_string_width(row.lines[-1]) + 2
    number_x = PAGE_W - MARGIN - NUM_W
    if end < number_x - 2:
        pdf.set_draw_color(150, 150, 150)
        pdf.set_dash_pattern(dash=0.4, gap=1.2)
        pdf.line(end, y - 1.6, number_x + 2, y - 1.6)
        pdf.set_dash_pattern()
    pdf.set_xy(number_x, y - LINE_H)
    pdf.cell(NUM_W, LINE_H, str(part.start), align="R")
    pdf.set_font("cjk", size=9)
    pdf.set_text_color(180, 0, 0)
    for line in row.notes:
        pdf.set_xy(MARGIN + KIND_W, y)
        pdf.cell(TITLE_W, NOTE_H, line)
        y += NOTE_H
    pdf.set_text_color(0, 0, 0)
