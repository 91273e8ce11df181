"""fpdf2 basics for the generated pages: A4 geometry, a CJK font, centred and wrapped text."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from functools import cache

from fpdf import FPDF

from ...errors import AppError
from ...extract.tools import which

# Page geometry of the generated pages (mm, A4).
PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 20.0
PT_PER_MM = 72 / 25.4


@dataclass(frozen=True)
class FontFile:
    path: str
    index: int


def new_document(font: FontFile) -> FPDF:
    """An A4 document (mm) with ``font`` as "cjk" and no automatic page breaks."""
    pdf = FPDF(unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.add_font("cjk", fname=font.path, collection_font_number=font.index)
    return pdf


def centered(pdf: FPDF, y: float, size: float, text: str) -> None:
    pdf.set_font("cjk", size=size)
    pdf.set_xy(MARGIN, y)
    pdf.cell(PAGE_W - 2 * MARGIN, size * 0.5, text, align="C")


def wrap(pdf: FPDF, text: str, width: float) -> list[str]:
    """Lines of ``text`` no wider than ``width`` (breaks anywhere: titles are mostly Chinese)."""
    lines, line, used = [], "", 0.0
    for char in " ".join(text.split()):
        w = pdf.get_string_width(char)
        if line and used + w > width:
            lines.append(line)
            line, used = char.lstrip(), pdf.get_string_width(char.lstrip())
        else:
            line, used = line + char, used + w
    return lines + [line] if line else lines or [""]


@cache
def cjk_font() -> FontFile:
    """A Simplified-Chinese font file (fontconfig), Noto Sans CJK SC preferred."""
    found: list[tuple[int, FontFile]] = []
    for line in _fc_list(":lang=zh-cn"):
        path, _, rest = line.partition("|")
        index, _, rest = rest.partition("|")
        if path.lower().endswith((".ttf", ".ttc", ".otf")) and index.isdigit():
            found.append((_font_rank(rest), FontFile(path, int(index))))
    if not found:
        raise AppError("font_unavailable", "服务器缺少中文字体（请安装 fonts-noto-cjk），"
                       "无法生成成果集。", 503)
    return min(found, key=lambda f: f[0])[1]


def _fc_list(pattern: str) -> list[str]:
    """``file|index|family|style`` of the fonts fontconfig knows for ``pattern``."""
    exe = which("fc-list")
    if not exe:
        return []
    try:
        out = subprocess.run([exe, "-f", "%{file}|%{index}|%{family}|%{style}\n", pattern],
                             capture_output=True, text=True, timeout=30, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return []
    return out.stdout.splitlines()


def _font_rank(family_style: str) -> int:
    rank = 0 if "Sans CJK SC" in family_style else 1 if " SC" in family_style else 2
    return rank * 2 + (0 if "Regular" in family_style else 1)
