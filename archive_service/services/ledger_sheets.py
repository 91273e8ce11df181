"""The 学时台账 as a workbook: the summary (学时统计一览表), one sheet per source and one 考勤
sheet per term (「培训考勤每学期公布一次，学年度累积计算」).

Every sheet starts with a title row, then its header row; text cells are stored as text, so a
title such as ``=HYPERLINK(…)`` never runs as a formula (``export.write_sheet``).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

from openpyxl import Workbook

from ..rules import term_zh
from ..vocabulary import (
    ACTIVITY_ROLE_NAMES,
    ATTENDANCE,
    ATTENDANCE_NAMES,
    DECISION_NAMES,
    SOURCE_NAMES,
    SOURCES,
    Source,
)
from .export import ITEM_COLUMNS, Column, item_rows, write_sheet, year_label
from .shapes import LineDecision, Register, RegisterTeacher

PERSON: list[Column] = [("学校", 18, None), ("教师", 10, None), ("工号", 10, None)]
VERDICT: list[Column] = [("认定结果", 14, None), ("学时", 7, "0.0"), ("说明", 60, None)]
SUMMARY_COLUMNS: list[Column] = [
    ("学年", 11, None), ("学校", 18, None), ("教研组", 10, None), ("教师", 10, None),
    ("工号", 10, None), ("学科", 8, None),
    *((SOURCE_NAMES[s], 10, "0.0") for s in SOURCES),
    ("合计学时", 9, "0.0"), ("年度目标", 9, "0.0"), ("旷工次数", 9, None), ("考核结果", 9, None),
    ("不合格原因", 40, None), ("五年周期累计", 12, "0.0"), ("周期目标", 9, "0.0"),
]
ACTIVITY_COLUMNS: list[Column] = [
    ("学年", 11, None), ("学期", 8, None), *PERSON, ("日期", 11, None), ("活动", 30, None),
    ("身份", 8, None), ("考勤", 8, None), *VERDICT,
]
RECORD_COLUMNS: list[Column] = [
    ("学年", 11, None), ("学期", 8, None), *PERSON, ("日期", 11, None), ("名称", 30, None), *VERDICT,
]
EXAM_COLUMNS: list[Column] = [("学年", 11, None), *PERSON, ("分数", 8, "0.0"), *VERDICT]
ATTENDANCE_COLUMNS: list[Column] = [
    ("学校", 18, None), ("教研组", 10, None), ("教师", 10, None), ("工号", 10, None),
    *((ATTENDANCE_NAMES[a], 8, None) for a in ATTENDANCE),
]


def _verdict(d: LineDecision) -> list[Any]:
    return [DECISION_NAMES.get(d["code"], d["code"]), d["hours"], d["reason"]]


def _person(t: RegisterTeacher) -> list[Any]:
    return [t["school"] or "", t["name"], t["staff_no"]]


def _term_name(term: str) -> str:
    return "第一学期" if term.endswith("-1") else "第二学期"


def summary_rows(registers: list[Register]) -> Iterator[list[Any]]:
    for reg in registers:
        for t in reg["teachers"]:
            yield ([year_label(reg["year"]), t["school"] or "", t["group"] or "", t["name"],
                    t["staff_no"], t["subject"]]
                   + [t["hours_by_source"].get(s, 0) for s in SOURCES]
                   + [t["total_hours"], t["target_hours"], t["unexcused_absences"],
                      t["assessment"]["result"], "；".join(t["assessment"]["reasons"]),
                      t["cycle_hours"], t["cycle_target_hours"]])


def activity_rows(registers: list[Register], kind: str) -> Iterator[list[Any]]:
    for reg in registers:
        for t in reg["teachers"]:
            for a in t["activities"]:
                if a["kind"] == kind:
                    yield [year_label(reg["year"]), _term_name(a["term"]), *_person(t), a["date"],
                           a["title"], ACTIVITY_ROLE_NAMES.get(a["role"], a["role"]),
                           ATTENDANCE_NAMES.get(a["attendance"] or "", ""),
                           *_verdict(a["decision"])]


def record_rows(registers: list[Register], kind: str) -> Iterator[list[Any]]:
    for reg in registers:
        for t in reg["teachers"]:
            for r in t["records"]:
                if r["kind"] == kind:
                    yield [year_label(reg["year"]), _term_name(r["term"]), *_person(t), r["date"],
                           r["title"], *_verdict(r["decision"])]


def exam_rows(registers: list[Register]) -> Iterator[list[Any]]:
    for reg in registers:
        for t in reg["teachers"]:
            if t["exam"] is not None:
                yield [year_label(reg["year"]), *_person(t), t["exam"]["score"],
                       *_verdict(t["exam"]["decision"])]


def attendance_rows(reg: Register, term: str) -> Iterator[list[Any]]:
    for t in reg["teachers"]:
        counts = t["attendance_by_term"].get(term, {})
        yield ([t["school"] or "", t["group"] or "", t["name"], t["staff_no"]]
               + [counts.get(a, 0) for a in ATTENDANCE])


def _sheet_name(name: str) -> str:
    """Excel refuses \\ / ? * [ ] : in sheet names."""
    return name.replace("/", "、")


def register_xlsx(registers: list[Register]) -> bytes:
    """学时汇总, then one sheet per source, then one 考勤 sheet per term of each year."""
    years = "、".join(year_label(r["year"]) for r in registers)
    wb = Workbook()
    write_sheet(wb.active, "学时汇总", SUMMARY_COLUMNS, summary_rows(registers),
                title=f"教师校本研修学时统计一览表（{years}）")
    sheets: list[tuple[str, list[Column], Iterator[list[Any]]]] = [
        (SOURCE_NAMES[Source.PORTFOLIO], [("学年", 11, None), *ITEM_COLUMNS],
         ([year_label(r["year"]), *row] for r in registers for row in item_rows(r))),
        (SOURCE_NAMES[Source.TRAINING], ACTIVITY_COLUMNS, activity_rows(registers, Source.TRAINING)),
        (SOURCE_NAMES[Source.RESEARCH_ACTIVITY], ACTIVITY_COLUMNS,
         activity_rows(registers, Source.RESEARCH_ACTIVITY)),
        (SOURCE_NAMES[Source.EXTERNAL_TRAINING], RECORD_COLUMNS,
         record_rows(registers, Source.EXTERNAL_TRAINING)),
        (SOURCE_NAMES[Source.PUBLIC_LESSON], RECORD_COLUMNS,
         record_rows(registers, Source.PUBLIC_LESSON)),
        (SOURCE_NAMES[Source.EXAM], EXAM_COLUMNS, exam_rows(registers)),
    ]
    for name, columns, rows in sheets:
        write_sheet(wb.create_sheet(), _sheet_name(name), columns, rows, title=f"{name}（{years}）")
    for reg in registers:
        for term in (f"{reg['year']}-1", f"{reg['year']}-2"):
            write_sheet(wb.create_sheet(), f"考勤{year_label(reg['year'])}{_term_name(term)}",
                        ATTENDANCE_COLUMNS, attendance_rows(reg, term),
                        title=f"校本培训考勤（{term_zh(term)}）")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
