"""Check records (检查记录表): the workbook (a row per teacher, a sheet per school) and the
printable PDF of one school, with the inspector, the date and signature lines."""

from __future__ import annotations

import io
from collections import Counter
from datetime import date
from typing import Any

from fpdf import FPDF
from openpyxl import Workbook

from ...errors import AppError
from ...vocabulary import CHECK_RESULTS
from ..collection.draw import MARGIN, PAGE_H, PAGE_W, centered, cjk_font, new_document, wrap
from ..export import Column, write_sheet


def title_of(check: dict[str, Any], school: str) -> str:
    return f"{school} {check['term_name']} 校本研修档案检查记录表"


def _counts(teacher: dict[str, Any]) -> Counter[str]:
    return Counter(i["mark"]["result"] if i["mark"] else "未评定" for i in teacher["items"])


def _quota_text(teacher: dict[str, Any]) -> str:
    return "；".join(f"{c['name']} {c['found']}/{c['required']}" for c in teacher["checklist"])


def _missing_text(teacher: dict[str, Any]) -> str:
    return "、".join(f"{c['name']} {c['missing']} {c['unit']}" for c in teacher["checklist"]
                    if c["missing"])


def _sample_text(teacher: dict[str, Any]) -> str:
    return "\n".join(f"《{i['title']}》{i['mark']['result'] if i['mark'] else '未评定'}"
                     + (f"：{i['mark']['comment']}" if i["mark"] and i["mark"]["comment"] else "")
                     for i in teacher["items"])


def _columns(check: dict[str, Any]) -> list[Column]:
    lines = check["teachers"][0]["checklist"] if check["teachers"] else []
    quota: list[Column] = [(f"{c['name']}（已交/应交）", 12, None) for c in lines]
    return [("教师", 10, None), ("用户名", 12, None), *quota, ("还缺", 24, None),
            ("抽查篇数", 8, None), *[(r, 7, None) for r in CHECK_RESULTS], ("未评定", 7, None),
            ("抽查评定与评语", 48, None), ("检查结论", 9, None), ("结论评语", 30, None)]


def _row(teacher: dict[str, Any]) -> list[Any]:
    counts = _counts(teacher)
    return [teacher["name"], teacher["username"],
            *[f"{c['found']}/{c['required']}" for c in teacher["checklist"]],
            _missing_text(teacher) or "无", len(teacher["items"]),
            *[counts[r] for r in CHECK_RESULTS], counts["未评定"], _sample_text(teacher),
            teacher["result"] or "未给出", teacher["comment"]]


SUMMARY: list[Column] = [("学校", 18, None), ("教师数", 8, None),
                         *[(f"结论{r}", 9, None) for r in CHECK_RESULTS], ("未给出结论", 10, None),
                         *[(f"抽查{r}（篇）", 11, None) for r in CHECK_RESULTS],
                         ("档案袋有缺项的教师", 50, None)]


def _summary_row(school: str, teachers: list[dict[str, Any]]) -> list[Any]:
    results = Counter(t["result"] or "" for t in teachers)
    marks: Counter[str] = Counter()
    for t in teachers:
        marks.update(_counts(t))
    missing = "、".join(f"{t['name']}（{_missing_text(t)}）" for t in teachers if _missing_text(t))
    return [school, len(teachers), *[results[r] for r in CHECK_RESULTS], results[""],
            *[marks[r] for r in CHECK_RESULTS], missing or "无"]


def check_xlsx(check: dict[str, Any]) -> bytes:
    """One row per teacher: the checklist against the quota, the sample's marks, the result;
    one sheet per school, and a summary sheet first when there are several schools (results
    per school and the teachers with missing items).  Text cells are text, never formulas."""
    wb = Workbook()
    schools = check["schools"] or [check["school"] or "检查记录"]
    if len(schools) > 1:
        rows = (_summary_row(s, [t for t in check["teachers"] if t["school"] == s]) for s in schools)
        write_sheet(wb.active, "汇总", SUMMARY, rows,
                    title=f"{check['term_name']} 校本研修档案检查汇总")
    for n, school in enumerate(schools):
        ws = wb.active if n == 0 and len(schools) == 1 else wb.create_sheet()
        rows = (_row(t) for t in check["teachers"] if t["school"] == school)
        write_sheet(ws, school, _columns(check), rows, title=title_of(check, school))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def school_for_pdf(check: dict[str, Any], school: str) -> str:
    """The school a printed record is of: the one asked for, or the check's only school."""
    schools = check["schools"]
    if school:
        if school not in schools:
            raise AppError("unknown_school", f"本次检查没有学校「{school}」，可选：{'、'.join(schools)}。", 404)
        return school
    if len(schools) == 1:
        return str(schools[0])
    if not schools:
        return str(check["school"] or "")
    raise AppError("school_required", f"本次检查包含多所学校，请用 school 参数指定一所：{'、'.join(schools)}。",
                   422)


WIDTHS = (10.0, 22.0, 38.0, 34.0, 18.0, 48.0)  # 序号 教师 档案袋 抽查 结论 评语 (mm)
HEADS = ("序号", "教师", "档案袋清单（已交/应交）", "抽查评定", "检查结论", "评语")
LINE = 5.0


def _table_row(pdf: FPDF, y: float, cells: list[str], size: float = 9) -> float:
    """Draw one bordered row of wrapped cells; the y below it."""
    pdf.set_font("cjk", size=size)
    wrapped = [wrap(pdf, text, w - 2) for text, w in zip(cells, WIDTHS, strict=True)]
    height = max(len(lines) for lines in wrapped) * LINE + 2
    if y + height > PAGE_H - MARGIN - 30:
        pdf.add_page()
        y = MARGIN
    x = MARGIN
    for lines, w in zip(wrapped, WIDTHS, strict=True):
        pdf.rect(x, y, w, height)
        for k, line in enumerate(lines):
            pdf.set_xy(x + 1, y + 1 + k * LINE)
            pdf.cell(w - 2, LINE, line)
        x += w
    return y + height


def check_pdf(check: dict[str, Any], school: str, today: date) -> bytes:
    """The printable 检查记录表 of one school of the check."""
    pdf = new_document(cjk_font())
    pdf.add_page()
    centered(pdf, MARGIN, 15, title_of(check, school))
    pdf.set_font("cjk", size=10)
    pdf.set_xy(MARGIN, MARGIN + 12)
    pdf.cell(PAGE_W - 2 * MARGIN, 6, f"检查人：{check['inspector']}　　检查日期：{today:%Y年%m月%d日}"
             f"　　每位教师抽查 {check['sample_per_teacher']} 篇（随机种子 {check['seed']}）")
    y = _table_row(pdf, MARGIN + 22, list(HEADS), 9.5)
    teachers = [t for t in check["teachers"] if t["school"] == school]
    for n, t in enumerate(teachers, 1):
        counts = _counts(t)
        marks = "，".join(f"{r} {counts[r]}" for r in (*CHECK_RESULTS, "未评定") if counts[r])
        y = _table_row(pdf, y, [str(n), t["name"], _quota_text(t) or "未设置", marks or "无样本",
                                t["result"] or "未给出", t["comment"]])
    if y > PAGE_H - MARGIN - 30:
        pdf.add_page()
        y = MARGIN
    pdf.set_font("cjk", size=11)
    pdf.set_xy(MARGIN, y + 10)
    pdf.cell(PAGE_W - 2 * MARGIN, 7, "检查人（签字）：________________　　学校负责人（签字）：________________")
    pdf.set_xy(MARGIN, y + 20)
    pdf.cell(PAGE_W - 2 * MARGIN, 7, "日期：________年____月____日")
    return bytes(pdf.output())
