"""学时证明: one printable A4 page per teacher and academic year (PDF, fpdf2 with a local CJK font,
the same as the bound collection's generated pages).

It shows what the register shows — hours by source against the annual target and the five-year
cycle, the 考勤 counts, the outcome with its reasons — and the counted lines (as many as fit; the
rest are counted).  Teachers get their own; admins those of their school (``register_for``).
"""

from __future__ import annotations

from datetime import date

from fpdf import FPDF
from sqlalchemy.orm import Session

from ..errors import Forbidden, NotFound
from ..models import User
from ..rules.years import year_zh
from ..vocabulary import ATTENDANCE_NAMES, LEAVES, SOURCE_NAMES, SOURCES, Attendance, Code, Role
from .collection.draw import MARGIN, PAGE_H, PAGE_W, centered, cjk_font, new_document, wrap
from .scoped_register import RegisterRequest, register_for
from .settings import Settings
from .shapes import RegisterTeacher

LINE_H = 6.5
WIDTH = PAGE_W - 2 * MARGIN
LINES_BOTTOM = PAGE_H - 62.0  # below: outcome, signature and date


def certificate_for(session: Session, settings: Settings, actor: User, teacher: int | None,
                    year: str) -> tuple[bytes, str]:
    """The PDF and its file name; a teacher gets their own, an admin any teacher in scope."""
    if actor.role == Role.TEACHER:
        teacher = actor.id
    elif actor.role != Role.ADMIN:
        raise Forbidden("只有管理员和教师本人可以下载学时证明。")
    if not teacher:
        raise NotFound()
    register = register_for(session, settings, actor, RegisterRequest(year=year, teacher=teacher))
    if not register["teachers"]:
        raise NotFound()
    person = register["teachers"][0]
    body = render(person, register["year"], settings.today())
    return body, f"学时证明_{person['name']}_{register['year']}.pdf"


def render(t: RegisterTeacher, year: str, today: date) -> bytes:
    pdf = new_document(cjk_font())
    pdf.set_title(f"学时证明 {t['name']} {year}")
    pdf.add_page()
    centered(pdf, MARGIN, 20, "教师校本研修学时证明")
    y = _facts(pdf, t, year, MARGIN + 16)
    y = _sources(pdf, t, y + 3)
    y = _attendance(pdf, t, y + 3)
    _lines(pdf, t, y + 3)
    _outcome(pdf, t, today)
    return bytes(pdf.output())


def _text(pdf: FPDF, x: float, y: float, text: str, size: float = 11, width: float = WIDTH) -> None:
    pdf.set_font("cjk", size=size)
    pdf.set_xy(x, y)
    pdf.cell(width, LINE_H, text)


def _facts(pdf: FPDF, t: RegisterTeacher, year: str, y: float) -> float:
    pairs = [("姓名", t["name"]), ("工号", t["staff_no"] or "—"), ("学校", t["school"] or "—"),
             ("教研组", t["group"] or "—"), ("学科", t["subject"] or "—"),
             ("学年", f"{year_zh(year)}学年")]
    for n, (label, value) in enumerate(pairs):
        _text(pdf, MARGIN + (n % 3) * WIDTH / 3, y + (n // 3) * LINE_H, f"{label}：{value}",
              width=WIDTH / 3)
    return y + 2 * LINE_H


def _sources(pdf: FPDF, t: RegisterTeacher, y: float) -> float:
    _text(pdf, MARGIN, y, "一、学时（按来源）", 12)
    y += LINE_H + 1
    col = WIDTH / 3
    for n, source in enumerate(SOURCES):
        _text(pdf, MARGIN + (n % 3) * col, y + (n // 3) * LINE_H,
              f"{SOURCE_NAMES[source]}：{t['hours_by_source'].get(source, 0):g} 学时", width=col)
    y += 2 * LINE_H
    cycle = f"{t['cycle_years'][0][:4]}—{t['cycle_years'][-1][5:]}"
    _text(pdf, MARGIN, y, f"本学年合计 {t['total_hours']:g} 学时（年度目标 {t['target_hours']:g} 学时）；"
          f"五年周期（{cycle}）累计 {t['cycle_hours']:g} / {t['cycle_target_hours']:g} 学时")
    return y + LINE_H


def _attendance(pdf: FPDF, t: RegisterTeacher, y: float) -> float:
    counts = t["attendance_counts"]
    leave = sum(counts.get(s, 0) for s in LEAVES)
    parts = [f"{ATTENDANCE_NAMES[s]} {counts.get(s, 0)} 次" for s in
             (Attendance.PRESENT, Attendance.LATE, Attendance.EARLY_LEAVE)]
    parts += [f"请假 {leave} 次", f"旷工 {t['unexcused_absences']} 次"]
    _text(pdf, MARGIN, y, "二、考勤", 12)
    _text(pdf, MARGIN, y + LINE_H + 1, "；".join(parts))
    return y + 2 * LINE_H + 1


def _lines(pdf: FPDF, t: RegisterTeacher, y: float) -> None:
    """The counted lines, newest last, as many as fit above the outcome."""
    counted = [(a["date"], SOURCE_NAMES[a["kind"]], a["title"], a["decision"]["hours"])
               for a in t["activities"] if a["decision"]["code"] == Code.COUNTED]
    counted += [(r["date"], SOURCE_NAMES.get(r["kind"], r["kind"]), r["title"],
                 r["decision"]["hours"]) for r in t["records"] if r["decision"]["code"] == Code.COUNTED]
    counted += [("", SOURCE_NAMES["portfolio"], i["title"], i["decision"]["hours"])
                for i in t["items"] if i["decision"] and i["decision"]["code"] == Code.COUNTED
                and i["decision"]["hours"]]
    if t["exam"] and t["exam"]["decision"]["code"] == Code.COUNTED:
        counted.append(("", SOURCE_NAMES["exam"], f"{t['exam']['score']:g} 分",
                        t["exam"]["decision"]["hours"]))
    _text(pdf, MARGIN, y, f"三、已认定的学时（{len(counted)} 项）", 12)
    y += LINE_H + 1
    room = int((LINES_BOTTOM - y) // 5.5)
    shown = counted if len(counted) <= room else counted[:room - 1]
    pdf.set_font("cjk", size=9.5)
    for when, source, title, hours in shown:
        title = wrap(pdf, title, WIDTH - 80)[0]
        for x, width, text in ((MARGIN, 22, when), (MARGIN + 22, 34, source),
                               (MARGIN + 56, WIDTH - 76, title), (PAGE_W - MARGIN - 20, 20, f"{hours:g} 学时")):
            pdf.set_xy(x, y)
            pdf.cell(width, 5.5, text)
        y += 5.5
    if len(shown) < len(counted):
        pdf.set_xy(MARGIN, y)
        pdf.cell(WIDTH, 5.5, f"……其余 {len(counted) - len(shown)} 项见学校学时台账")


def _outcome(pdf: FPDF, t: RegisterTeacher, today: date) -> None:
    y = LINES_BOTTOM + 4
    result = t["assessment"]["result"]
    _text(pdf, MARGIN, y, f"四、本学年考核结果：{result}", 13)
    pdf.set_font("cjk", size=10.5)
    for reason in t["assessment"]["reasons"][:3]:
        y += LINE_H
        pdf.set_xy(MARGIN + 6, y)
        pdf.cell(WIDTH - 6, LINE_H, f"· {reason}")
    y = PAGE_H - MARGIN - 2 * LINE_H
    _text(pdf, MARGIN, y, "学校（盖章）：", 11, WIDTH / 2)
    _text(pdf, MARGIN + WIDTH / 2, y, f"日期：{today.year} 年 {today.month} 月 {today.day} 日", 11,
          WIDTH / 2)
    _text(pdf, MARGIN, y + LINE_H + 2, "本证明根据学校学时台账生成。", 8.5)
