"""The eligibility engine against the regulation (白湾子镇学校校本研修制度 第19条), table-driven.

Each row: the items of one teacher → the decisions expected, keyed by (item id, academic year),
as (code, hours) or (code, hours, related item id).  The comment above a row quotes the
sentence of the regulation it encodes.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archive_service.rules import (
    ALREADY_COUNTED,
    AWAITING_SELECTION,
    COUNTED,
    DUPLICATE,
    MISSING_METADATA,
    NEEDS_REVIEW,
    NO_RECOGNITION,
    OVER_ANNUAL_LIMIT,
    RETURNED,
    TOO_SHORT,
    Decision,
    ItemFacts,
    Recognition,
    Rules,
    academic_year,
    cycle_years,
    decide_teacher,
    home_year,
    load_rules,
    minhash,
)
from archive_service.vocabulary import PORTFOLIO_KINDS

RULES = load_rules()
Y24, Y25, Y26 = "2024-2025", "2025-2026", "2026-2027"
OCT = date(2025, 10, 8)

DEFAULT_META: dict[str, dict[str, Any]] = {
    "unit_design": {"lesson_count": 3, "has_courseware": True},
    "lecture_notes": {"session_hours": 2},
    "research_project": {"level": "city", "role": "host", "conclusion_date": "2026-06-30",
                         "has_approval_document": True},
}
LONG = {"reflection": 1200, "lesson_design": 900, "unit_design": 3000, "paper": 3000,
        "lecture_notes": 500, "research_project": 0}


def item(id: int, kind: str, when: date = OCT, chars: int | None = None, **kw: Any) -> ItemFacts:
    """An item that passes every check unless told otherwise."""
    meta = dict(DEFAULT_META.get(kind, {}))
    meta.update(kw.pop("meta", {}))
    for key in [k for k, v in meta.items() if v is None]:
        del meta[key]
    kw.setdefault("verification", "granted")  # the school has checked its evidence
    return ItemFacts(id=id, kind=kind, title=kw.pop("title", f"成果{id}"), completion_date=when,
                     char_count=LONG[kind] if chars is None else chars, metadata=meta, **kw)


def award(id: int, level: str, grade: int, when: date) -> Recognition:
    return Recognition(id=id, type="award", level=level, date=when, grade=grade)


def pub(id: int, level: str, when: date) -> Recognition:
    return Recognition(id=id, type="publication", level=level, date=when)


def outcomes(items: list[ItemFacts], rules: Rules = RULES) -> dict[tuple[int, str], tuple]:
    register = decide_teacher(items, rules)
    out: dict[tuple[int, str], tuple] = {}
    for year, result in register.years.items():
        for d in result.decisions:
            out[(d.item_id, year)] = ((d.code, d.hours, d.related_item_id) if d.related_item_id
                                      else (d.code, d.hours))
    return out


def decision(items: list[ItemFacts], item_id: int, year: str | None = None):
    register = decide_teacher(items, RULES)
    for result in register.years.values():
        for d in result.decisions:
            if d.item_id == item_id and (year is None or d.year == year):
                return d
    raise AssertionError(f"no decision for item {item_id}")


TEXT_A = ("本节课以小组合作探究为主线，学生在真实情境中提出问题、分析问题、解决问题。" * 12
          + "课后反思：提问的层次还不够清晰，个别小组讨论流于形式，需要进一步改进。" * 6)
TEXT_B = ("单元整体教学设计强调大概念统领，以核心任务驱动学习，注重评价与目标一致。" * 14)
FP_A = minhash(TEXT_A)
FP_A_EDITED = minhash(TEXT_A.replace("个别小组", "少数小组", 1))
FP_B = minhash(TEXT_B)

CASES: list[tuple[str, list[ItemFacts], dict[tuple[int, str], tuple]]] = [
    # (4)A「一篇字数1000以上，计4学时」: 999 字 is short, 1000 字 counts.
    ("reflection 999", [item(1, "reflection", chars=999, selected=True)],
     {(1, Y25): (TOO_SHORT, 0.0)}),
    ("reflection 1000", [item(1, "reflection", chars=1000, selected=True)],
     {(1, Y25): (COUNTED, 4.0)}),
    # (4)B「教学设计（含学案、课件），一篇字数800以上，计4学时」
    ("lesson design 799", [item(1, "lesson_design", chars=799, selected=True)],
     {(1, Y25): (TOO_SHORT, 0.0)}),
    ("lesson design 800", [item(1, "lesson_design", chars=800, selected=True)],
     {(1, Y25): (COUNTED, 4.0)}),
    # (4)B「单元整体教学设计、单元内每一课时的教学设计、教学课件，计10学时。登记题目、课时、课件」
    ("unit 3 lessons 2399", [item(1, "unit_design", chars=2399, selected=True)],
     {(1, Y25): (TOO_SHORT, 0.0)}),
    ("unit 3 lessons 2400", [item(1, "unit_design", chars=2400, selected=True)],
     {(1, Y25): (COUNTED, 10.0)}),
    ("unit without courseware",
     [item(1, "unit_design", selected=True, meta={"has_courseware": False})],
     {(1, Y25): (MISSING_METADATA, 0.0)}),
    ("unit without lesson count",
     [item(1, "unit_design", selected=True, meta={"lesson_count": None})],
     {(1, Y25): (MISSING_METADATA, 0.0)}),
    # (4)「以上成果，均以学校筛选后装订成册为准」: not selected yet → eligible, awaiting.
    ("reflection awaiting selection", [item(1, "reflection")],
     {(1, Y25): (AWAITING_SELECTION, 0.0)}),
    # (4)「每学年每人限1篇」: the selected one wins even though the other was written earlier.
    ("selected beats earlier unselected",
     [item(1, "reflection", when=date(2025, 9, 10)), item(2, "reflection", selected=True)],
     {(1, Y25): (OVER_ANNUAL_LIMIT, 0.0, 2), (2, Y25): (COUNTED, 4.0)}),
    ("both selected: earlier date wins",
     [item(1, "reflection", when=date(2025, 12, 1), selected=True),
      item(2, "reflection", when=date(2025, 11, 1), selected=True)],
     {(1, Y25): (OVER_ANNUAL_LIMIT, 0.0, 2), (2, Y25): (COUNTED, 4.0)}),
    ("both selected, same date: lower id wins",
     [item(2, "reflection", selected=True), item(1, "reflection", selected=True)],
     {(1, Y25): (COUNTED, 4.0), (2, Y25): (OVER_ANNUAL_LIMIT, 0.0, 1)}),
    ("neither selected: one awaits, one over the limit",
     [item(1, "reflection"), item(2, "reflection")],
     {(1, Y25): (AWAITING_SELECTION, 0.0), (2, Y25): (OVER_ANNUAL_LIMIT, 0.0, 1)}),
    # The design slot is shared: unit (10 h) beats lesson (4 h) when both are selected …
    ("unit beats lesson design on hours",
     [item(1, "lesson_design", when=date(2025, 9, 2), selected=True),
      item(2, "unit_design", selected=True)],
     {(1, Y25): (OVER_ANNUAL_LIMIT, 0.0, 2), (2, Y25): (COUNTED, 10.0)}),
    # … but a selected lesson design beats an unselected unit despite fewer hours.
    ("selected lesson beats unselected unit",
     [item(1, "unit_design"), item(2, "lesson_design", selected=True)],
     {(1, Y25): (OVER_ANNUAL_LIMIT, 0.0, 2), (2, Y25): (COUNTED, 4.0)}),
    ("reflection and design are separate slots",
     [item(1, "reflection", selected=True), item(2, "lesson_design", selected=True)],
     {(1, Y25): (COUNTED, 4.0), (2, Y25): (COUNTED, 4.0)}),
    # 「每学年」: one reflection in each of two academic years → both count.
    ("two years, two reflections",
     [item(1, "reflection", when=date(2025, 3, 1), selected=True),
      item(2, "reflection", when=date(2025, 10, 1), selected=True)],
     {(1, Y24): (COUNTED, 4.0), (2, Y25): (COUNTED, 4.0)}),
    # The academic year starts on 1 September: 31 August is still the old year.
    ("31 August vs 1 September",
     [item(1, "reflection", when=date(2025, 8, 31), selected=True),
      item(2, "reflection", when=date(2025, 9, 1), selected=True)],
     {(1, Y24): (COUNTED, 4.0), (2, Y25): (COUNTED, 4.0)}),
    # (4)C①「一、二、三等奖计12、8、4学时；…省级…14学时。同篇只计一次最高等次」
    ("paper: award 8 h, then publication 14 h the next year",
     [item(1, "paper", when=date(2024, 11, 1), recognitions=(
         award(1, "city", 2, date(2025, 3, 1)), pub(2, "provincial", date(2025, 11, 1))))],
     {(1, Y24): (ALREADY_COUNTED, 0.0), (1, Y25): (COUNTED, 14.0)}),
    ("paper: county first prize 12 h",
     [item(1, "paper", recognitions=(award(1, "county", 1, date(2025, 12, 1)),))],
     {(1, Y25): (COUNTED, 12.0)}),
    ("paper: national publication 16 h",
     [item(1, "paper", recognitions=(pub(1, "national", date(2026, 1, 5)),))],
     {(1, Y25): (COUNTED, 16.0)}),
    # 「在县级以上获奖」: a school-level award earns nothing; the paper stays archived.
    ("paper: school award only",
     [item(1, "paper", recognitions=(award(1, "school", 1, date(2025, 12, 1)),))],
     {(1, Y25): (NO_RECOGNITION, 0.0)}),
    ("paper: no recognition", [item(1, "paper")], {(1, Y25): (NO_RECOGNITION, 0.0)}),
    # 「一篇字数2000以上」
    ("paper 1999 字",
     [item(1, "paper", chars=1999, recognitions=(pub(1, "city", date(2025, 12, 1)),))],
     {(1, Y25): (TOO_SHORT, 0.0)}),
    # 「每学年认定1篇」: two papers recognised in one year → the higher hours wins.
    ("two papers in one year",
     [item(1, "paper", recognitions=(award(1, "city", 3, date(2025, 10, 20)),)),
      item(2, "paper", recognitions=(pub(2, "city", date(2025, 12, 1)),))],
     {(1, Y25): (OVER_ANNUAL_LIMIT, 0.0, 2), (2, Y25): (COUNTED, 12.0)}),
    # The loser is not re-counted at a lower recognition in another year.
    ("losing paper keeps its best year, no fallback",
     [item(1, "paper", when=date(2025, 3, 1), recognitions=(
         award(1, "county", 3, date(2025, 4, 1)), pub(2, "city", date(2025, 10, 1)))),
      item(2, "paper", recognitions=(pub(3, "national", date(2025, 11, 1)),))],
     {(1, Y24): (ALREADY_COUNTED, 0.0), (1, Y25): (OVER_ANNUAL_LIMIT, 0.0, 2),
      (2, Y25): (COUNTED, 16.0)}),
    # The same text twice: the later upload is a duplicate of the earlier one.
    ("duplicate names the original",
     [item(7, "reflection", selected=True, fingerprint=FP_A),
      item(3, "lesson_design", selected=True, fingerprint=FP_A)],
     {(3, Y25): (COUNTED, 4.0), (7, Y25): (DUPLICATE, 0.0, 3)}),
    ("near-duplicate (one phrase edited)",
     [item(1, "reflection", selected=True, fingerprint=FP_A),
      item(2, "reflection", when=date(2026, 10, 1), selected=True, fingerprint=FP_A_EDITED)],
     {(1, Y25): (COUNTED, 4.0), (2, Y26): (DUPLICATE, 0.0, 1)}),
    ("different texts are no duplicates",
     [item(1, "reflection", selected=True, fingerprint=FP_A),
      item(2, "unit_design", selected=True, fingerprint=FP_B)],
     {(1, Y25): (COUNTED, 4.0), (2, Y25): (COUNTED, 10.0)}),
    ("marked by the caller (another teacher's item)",
     [item(1, "reflection", selected=True, duplicate_of=99)],
     {(1, Y25): (DUPLICATE, 0.0, 99)}),
    # A count read by OCR from a scan must be confirmed by a person first.
    ("OCR count unconfirmed",
     [item(1, "reflection", selected=True, count_from_ocr=True)],
     {(1, Y25): (NEEDS_REVIEW, 0.0)}),
    ("OCR count confirmed",
     [item(1, "reflection", selected=True, count_from_ocr=True, count_confirmed=True)],
     {(1, Y25): (COUNTED, 4.0)}),
    ("OCR does not matter without a length rule",
     [item(1, "lecture_notes", count_from_ocr=True)],
     {(1, Y25): (COUNTED, 2.0)}),
    # (1)「按1小时计1学时，若校内专家主讲，主讲人与参培者按4:1计学时」
    ("lecture by an in-school expert",
     [item(1, "lecture_notes", meta={"in_school_expert": True})],
     {(1, Y25): (COUNTED, 8.0)}),
    ("lecture by an external expert", [item(1, "lecture_notes")], {(1, Y25): (COUNTED, 2.0)}),
    ("lecture of 1.5 hours, in-school expert",
     [item(1, "lecture_notes", meta={"session_hours": 1.5, "in_school_expert": True})],
     {(1, Y25): (COUNTED, 6.0)}),
    ("lecture without session hours",
     [item(1, "lecture_notes", meta={"session_hours": None})],
     {(1, Y25): (MISSING_METADATA, 0.0)}),
    ("lectures have no yearly limit",
     [item(1, "lecture_notes"), item(2, "lecture_notes"), item(3, "lecture_notes")],
     {(1, Y25): (COUNTED, 2.0), (2, Y25): (COUNTED, 2.0), (3, Y25): (COUNTED, 2.0)}),
    # (4)C②「主持人及主笔…按国省级、市县级计40、30学时；主要参与者…计20、15学时」
    ("project: city host, counted in the year it concluded",
     [item(1, "research_project", when=date(2024, 10, 1))],
     {(1, Y25): (COUNTED, 30.0)}),
    ("project: national participant",
     [item(1, "research_project", meta={"level": "national", "role": "participant"})],
     {(1, Y25): (COUNTED, 20.0)}),
    ("project: county lead writer",
     [item(1, "research_project", meta={"level": "county", "role": "lead_writer",
                                        "conclusion_date": "2026-09-01"})],
     {(1, Y26): (COUNTED, 30.0)}),
    # 「登记课题申报批准及课题结题批准的文件」
    ("project without the approval document",
     [item(1, "research_project", meta={"has_approval_document": None})],
     {(1, Y25): (MISSING_METADATA, 0.0)}),
    # Sent back by the school: no hours, and it does not take the slot.
    ("returned item leaves the slot free",
     [item(1, "reflection", selected=True, returned_reason="非本人独立完成"),
      item(2, "reflection")],
     {(1, Y25): (RETURNED, 0.0), (2, Y25): (AWAITING_SELECTION, 0.0)}),
    # A resubmission of a returned item is not a duplicate of it.
    ("resubmission after return",
     [item(1, "reflection", returned_reason="格式不规范", fingerprint=FP_A),
      item(2, "reflection", selected=True, fingerprint=FP_A_EDITED)],
     {(1, Y25): (RETURNED, 0.0), (2, Y25): (COUNTED, 4.0)}),
    # Check order: missing metadata before duplicate before OCR before length before return.
    ("order: missing metadata first",
     [item(1, "unit_design", chars=10, count_from_ocr=True, duplicate_of=5,
           returned_reason="x", meta={"lesson_count": None})],
     {(1, Y25): (MISSING_METADATA, 0.0)}),
    ("order: duplicate before OCR",
     [item(1, "reflection", chars=10, count_from_ocr=True, duplicate_of=5)],
     {(1, Y25): (DUPLICATE, 0.0, 5)}),
    ("order: too short before returned",
     [item(1, "reflection", chars=10, returned_reason="x")],
     {(1, Y25): (TOO_SHORT, 0.0)}),
]


@pytest.mark.parametrize(("items", "expected"), [(c[1], c[2]) for c in CASES],
                         ids=[c[0] for c in CASES])
def test_regulation_table(items: list[ItemFacts], expected: dict) -> None:
    assert outcomes(items) == expected


# --------------------------------------------------------------------------- reasons and numbers


def test_too_short_reason_and_numbers() -> None:
    d = decision([item(1, "reflection", chars=912)], 1)
    assert d.reason == "字数 912，未达到反思研究成果 1000 字的要求"
    assert d.numbers == {"char_count": 912, "threshold": 1000}
    assert d.rule == "第19条(4)A 反思研究成果"
    d = decision([item(1, "unit_design", chars=2399)], 1)
    assert d.reason == "字数 2,399，未达到单元整体教学设计 2400 字的要求"


def test_missing_metadata_names_the_field() -> None:
    d = decision([item(1, "unit_design", meta={"lesson_count": None})], 1)
    assert d.reason == "单元整体教学设计缺少课时数"
    assert d.numbers == {"field": "lesson_count"}
    d = decision([item(1, "unit_design", meta={"has_courseware": None})], 1)
    assert d.numbers == {"field": "has_courseware"} and "课件" in d.reason
    d = decision([item(1, "lecture_notes", meta={"session_hours": 0})], 1)
    assert d.numbers == {"field": "session_hours"} and "讲座学时" in d.reason
    d = decision([item(1, "research_project", meta={"conclusion_date": "不详"})], 1)
    assert d.numbers == {"field": "conclusion_date"}
    assert d.year == Y25  # falls back to the completion date


def test_counted_reasons_explain_the_figures() -> None:
    d = decision([item(1, "reflection", chars=1236, selected=True)], 1)
    assert d.reason == "反思研究成果，字数 1,236 ≥ 1000，已入选装订，计 4 学时"
    assert d.numbers == {"char_count": 1236, "threshold": 1000, "hours": 4.0}
    d = decision([item(1, "lecture_notes", meta={"in_school_expert": True})], 1)
    assert d.reason == "专题讲稿：讲座 2 学时 × 4（校内专家主讲 4:1）= 8 学时"
    assert d.rule == "第19条(1) 校本培训活动（专题讲稿）"
    d = decision([item(1, "research_project")], 1)
    assert d.reason == "课题研究：市级课题主持人，2026-06-30 结题，计 30 学时（证明材料已核验）"
    d = decision([item(1, "unit_design", chars=2500, selected=True)], 1)
    assert d.reason == ("单元整体教学设计（3 课时，含课件），字数 2,500 ≥ 2400，已入选装订，"
                        "计 10 学时")
    assert d.numbers["lesson_count"] == 3


def test_awaiting_reason() -> None:
    d = decision([item(1, "reflection", chars=1236)], 1)
    assert d.reason == "符合条件（字数 1,236 / 需 ≥1000 字），待学校筛选装订后计 4 学时"
    assert d.rule == "第19条(4) 以学校筛选后装订成册为准"


def test_over_limit_reason_names_the_winner() -> None:
    items = [item(1, "reflection", title="我的教育故事", selected=True), item(2, "reflection")]
    d = decision(items, 2)
    assert d.reason == "本学年已有《我的教育故事》计入该类成果（每学年限 1 篇）"
    assert d.related_item_id == 1
    assert d.numbers["winner_ids"] == [1]


def test_duplicate_reason() -> None:
    items = [item(1, "reflection", title="课堂提问的艺术", fingerprint=FP_A),
             item(2, "reflection", fingerprint=FP_A_EDITED)]
    d = decision(items, 2)
    assert d.reason.startswith("与《课堂提问的艺术》（编号 1）内容相同或高度相似（相似度 ")
    assert d.reason.endswith("%）")
    assert d.numbers["original_id"] == 1 and d.numbers["similarity"] >= 0.85


def test_paper_reasons() -> None:
    items = [item(1, "paper", when=date(2024, 11, 1), recognitions=(
        award(1, "city", 2, date(2025, 3, 1)), pub(2, "provincial", date(2025, 11, 1))))]
    other = decision(items, 1, Y24)
    assert other.reason == "同篇论文只计一次最高等次：已在 2025—2026 学年按省级期刊发表计 14 学时"
    assert other.related_item_id is None
    assert other.numbers["counted_year"] == Y25
    counted = decision(items, 1, Y25)
    assert counted.numbers["recognition_id"] == 2 and "省级期刊发表" in counted.reason
    lost = [item(1, "paper", when=date(2025, 3, 1), recognitions=(
        award(1, "county", 3, date(2025, 4, 1)), pub(2, "city", date(2025, 10, 1)))),
        item(2, "paper", title="更好的论文", recognitions=(pub(3, "national", date(2025, 11, 1)),))]
    assert decision(lost, 1, Y24).reason == (
        "同篇论文只计一次最高等次：按 2025—2026 学年市级期刊发表认定，"
        "该学年论文名额已由《更好的论文》占用，不改按较低等次计")
    none = decision([item(1, "paper")], 1)
    assert none.reason == "论文暂无县级以上获奖或正式期刊发表，不计学时，仍归档"


def test_paper_tie_earliest_recognition_wins() -> None:
    # 市级一等奖 (12) and 市级期刊发表 (12): equal hours → the earlier recognition.
    items = [item(1, "paper", recognitions=(
        pub(5, "city", date(2026, 10, 1)), award(6, "city", 1, date(2025, 12, 1))))]
    assert outcomes(items) == {(1, Y25): (COUNTED, 12.0), (1, Y26): (ALREADY_COUNTED, 0.0)}
    assert decision(items, 1, Y25).numbers["recognition_id"] == 6


def test_needs_review_and_returned_reasons() -> None:
    d = decision([item(1, "reflection", chars=1234, count_from_ocr=True)], 1)
    assert d.reason == "字数 1,234 来自扫描件文字识别（OCR），需人工核对后才能认定"
    d = decision([item(1, "reflection", returned_reason="图片不清晰")], 1)
    assert d.reason == "学校退回：图片不清晰"


def test_teacher_preference_breaks_equal_hours_only() -> None:
    items = [item(1, "reflection"), item(2, "reflection", teacher_preferred=True)]
    assert outcomes(items) == {(1, Y25): (OVER_ANNUAL_LIMIT, 0.0, 2),
                               (2, Y25): (AWAITING_SELECTION, 0.0)}
    items = [item(1, "unit_design"), item(2, "lesson_design", teacher_preferred=True)]
    assert outcomes(items)[(1, Y25)] == (AWAITING_SELECTION, 0.0)
    # among selected items the regulation's tie rule alone decides: earlier date wins
    items = [item(1, "reflection", selected=True),
             item(2, "reflection", selected=True, teacher_preferred=True)]
    assert outcomes(items)[(1, Y25)] == (COUNTED, 4.0)


def test_year_totals_and_target() -> None:
    items = [item(1, "research_project", meta={"level": "national"}),
             item(2, "reflection", selected=True), item(3, "lecture_notes"),
             item(4, "lesson_design")]
    year = decide_teacher(items, RULES).years[Y25]
    assert year.total_hours == 46.0
    assert year.target_hours == 40.0 and year.target_met
    assert year.hours_by_kind == {"reflection": 4.0, "lecture_notes": 2.0,
                                  "research_project": 40.0}
    assert [d.item_id for d in year.decisions] == [1, 2, 3, 4]


def test_cycle_hours() -> None:
    items = [item(1, "research_project", meta={"conclusion_date": f"{y}-12-01"})
             for y in range(2021, 2027)]
    items = [replace(it, id=i + 1) for i, it in enumerate(items)]
    register = decide_teacher(items, RULES)
    years = cycle_years(Y25, RULES)
    assert years == ("2021-2022", "2022-2023", "2023-2024", "2024-2025", "2025-2026")
    assert register.cycle_hours(Y25, years) == 150.0
    assert register.cycle_target_hours == 200.0


@pytest.mark.parametrize(("when", "label"), [
    (date(2025, 8, 31), "2024-2025"), (date(2025, 9, 1), "2025-2026"),
    (date(2026, 1, 1), "2025-2026"), (date(2026, 2, 28), "2025-2026"),
])
def test_academic_year(when: date, label: str) -> None:
    assert academic_year(when) == label


def test_academic_year_custom_start() -> None:
    assert academic_year(date(2025, 8, 14), 8, 15) == "2024-2025"
    assert academic_year(date(2025, 8, 15), 8, 15) == "2025-2026"
    assert academic_year(date(2025, 1, 31), 2, 1) == "2024-2025"


@pytest.mark.parametrize(("year", "first"), [
    ("2021-2022", 2021), ("2025-2026", 2021), ("2026-2027", 2026), ("2030-2031", 2026),
    ("2020-2021", 2016),
])
def test_cycle_years(year: str, first: int) -> None:
    assert cycle_years(year, RULES) == tuple(f"{y}-{y + 1}" for y in range(first, first + 5))


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError):
        decide_teacher([item(1, "reflection"), item(1, "paper")], RULES)
    with pytest.raises(ValueError):
        decide_teacher([item(1, "reflection").__class__(
            id=1, kind="poem", title="x", completion_date=OCT, char_count=5)], RULES)
    with pytest.raises(ValueError):
        cycle_years("2025", RULES)


def test_decisions_are_json_serialisable() -> None:
    import json
    items = [it for _, case, _ in CASES for it in case]
    items = [replace(it, id=i) for i, it in enumerate(items)]
    for result in decide_teacher(items, RULES).years.values():
        for d in result.decisions:
            json.dumps(d.numbers)
            assert isinstance(d.hours, float) and round(d.hours, 2) == d.hours


# --------------------------------------------------------------------------- properties

FINGERPRINTS = [(), (), (), FP_A, FP_A_EDITED, FP_B]
DATES = st.dates(min_value=date(2023, 6, 1), max_value=date(2026, 12, 31))


@st.composite
def metadata(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    meta = dict(DEFAULT_META.get(kind, {}))
    if kind == "unit_design":
        meta["lesson_count"] = draw(st.sampled_from([1, 2, 3, 0, None]))
        meta["has_courseware"] = draw(st.sampled_from([True, True, False]))
    elif kind == "lecture_notes":
        meta["session_hours"] = draw(st.sampled_from([1, 1.5, 2, 3, 0]))
        meta["in_school_expert"] = draw(st.booleans())
    elif kind == "research_project":
        meta["level"] = draw(st.sampled_from(["national", "provincial", "city", "county", "x"]))
        meta["role"] = draw(st.sampled_from(["host", "lead_writer", "participant"]))
        meta["conclusion_date"] = draw(DATES).isoformat()
    return {k: v for k, v in meta.items() if v is not None}


@st.composite
def recognitions(draw: st.DrawFn, first_id: int) -> tuple[Recognition, ...]:
    out = []
    for n in range(draw(st.integers(0, 3))):
        when = draw(DATES)
        if draw(st.booleans()):
            level = draw(st.sampled_from(["school", "county", "city", "provincial", "national"]))
            out.append(award(first_id + n, level, draw(st.integers(1, 3)), when))
        else:
            out.append(pub(first_id + n, draw(st.sampled_from(["city", "provincial", "national"])),
                           when))
    return tuple(out)


@st.composite
def one_item(draw: st.DrawFn, item_id: int) -> ItemFacts:
    kind = draw(st.sampled_from(PORTFOLIO_KINDS))  # the kinds the engine decides
    ocr = draw(st.booleans())
    return ItemFacts(
        id=item_id, kind=kind, title=f"成果{item_id}", completion_date=draw(DATES),
        char_count=draw(st.sampled_from([500, 799, 800, 999, 1000, 1999, 2000, 2400, 3000])),
        count_from_ocr=ocr, count_confirmed=ocr and draw(st.booleans()),
        selected=draw(st.booleans()), teacher_preferred=draw(st.booleans()),
        returned_reason=draw(st.sampled_from([None, None, None, "不合格"])),
        metadata=draw(metadata(kind)),
        recognitions=draw(recognitions(item_id * 10)) if kind == "paper" else (),
        fingerprint=draw(st.sampled_from(FINGERPRINTS)),
        duplicate_of=draw(st.sampled_from([None] * 9 + [999])),
    )


@st.composite
def portfolios(draw: st.DrawFn) -> list[ItemFacts]:
    ids = draw(st.lists(st.integers(1, 60), min_size=0, max_size=14, unique=True))
    return [draw(one_item(i)) for i in ids]


PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.slow
@PROPERTY
@given(portfolios(), st.randoms(use_true_random=False))
def test_input_order_does_not_matter(items: list[ItemFacts], rnd: random.Random) -> None:
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert decide_teacher(shuffled, RULES) == decide_teacher(items, RULES)


@pytest.mark.slow
@PROPERTY
@given(portfolios(), st.data())
def test_adding_an_unselected_item_never_lowers_a_total(items: list[ItemFacts],
                                                        data: st.DataObject) -> None:
    new = data.draw(one_item(max((i.id for i in items), default=0) + 1))
    new = replace(new, selected=False)
    before = decide_teacher(items, RULES).years
    after = decide_teacher(items + [new], RULES).years
    for year, result in before.items():
        assert after[year].total_hours >= result.total_hours


@pytest.mark.slow
@PROPERTY
@given(portfolios())
def test_totals_are_sums_of_counted_hours(items: list[ItemFacts]) -> None:
    for year, result in decide_teacher(items, RULES).years.items():
        counted = sum(d.hours for d in result.decisions if d.code == COUNTED)
        assert result.total_hours == pytest.approx(counted)
        assert result.target_met == (result.total_hours >= RULES.annual_target_hours)
        assert sum(result.hours_by_kind.values()) == pytest.approx(result.total_hours)
        assert all(d.year == year for d in result.decisions)
        assert all(d.hours == 0 for d in result.decisions if d.code != COUNTED)


@pytest.mark.slow
@PROPERTY
@given(portfolios())
def test_every_item_has_one_decision_in_its_own_year(items: list[ItemFacts]) -> None:
    register = decide_teacher(items, RULES)
    seen: dict[tuple[int, str], int] = {}
    for result in register.years.values():
        ids = [d.item_id for d in result.decisions]
        assert ids == sorted(ids)
        for d in result.decisions:
            seen[(d.item_id, d.year)] = seen.get((d.item_id, d.year), 0) + 1
    assert all(n == 1 for n in seen.values())
    for it in items:
        assert (it.id, home_year(it, RULES)) in seen
        if it.kind != "paper":
            assert [y for (i, y) in seen if i == it.id] == [home_year(it, RULES)]


@pytest.mark.slow
@PROPERTY
@given(portfolios())
def test_limits_hold(items: list[ItemFacts]) -> None:
    register = decide_teacher(items, RULES)
    kinds = {i.id: i.kind for i in items}
    for result in register.years.values():
        for group in RULES.limit_groups:
            held = [d for d in result.decisions
                    if kinds[d.item_id] in group.kinds and d.code in (COUNTED, AWAITING_SELECTION)]
            assert len(held) <= group.per_year


@pytest.mark.parametrize("seed", range(40))
def test_near_duplicate_search_misses_nothing(seed: int) -> None:
    # 9 of 64 values differ → similarity 55/64 ≈ 0.86 ≥ 0.85: found wherever the changes fall;
    # 10 differ → 54/64 ≈ 0.84: not a duplicate.
    rnd = random.Random(seed)
    base = tuple(rnd.getrandbits(32) for _ in range(64))

    def changed(n: int) -> tuple[int, ...]:
        where = set(rnd.sample(range(64), n))
        return tuple(v + 1 if i in where else v for i, v in enumerate(base))

    items = [item(1, "lecture_notes", fingerprint=base),
             item(2, "lecture_notes", fingerprint=changed(9)),
             item(3, "lecture_notes", fingerprint=changed(10))]
    result = outcomes(items)
    assert result[(2, Y25)] == (DUPLICATE, 0.0, 1)
    assert result[(3, Y25)] != (DUPLICATE, 0.0, 1)  # it may still be close enough to item 2


# 「同篇只计一次最高等次」: the same paper uploaded again in a later year (with its new
# recognition) is one paper: it counts once, at the best recognition; the other upload is
# already_counted and names the one that counts.
def test_same_paper_uploaded_again_counts_once_at_its_best() -> None:
    first = item(1, "paper", when=date(2024, 6, 1), fingerprint=FP_A,
                 recognitions=(award(11, "county", 2, date(2024, 12, 1)),))
    again = item(2, "paper", when=date(2025, 10, 1), fingerprint=FP_A_EDITED,
                 recognitions=(pub(21, "provincial", date(2025, 11, 15)),))
    got = outcomes([first, again])
    assert got[(2, Y25)] == (COUNTED, 14.0)
    assert got[(1, Y24)] == (ALREADY_COUNTED, 0.0, 2)  # the year of its award
    assert got[(1, "2023-2024")] == (ALREADY_COUNTED, 0.0, 2)  # the year it was written
    assert "同一篇论文" in decision([first, again], 1, Y24).reason
    # the other way round: the earlier upload holds the better recognition
    first = replace(first, recognitions=(pub(11, "national", date(2024, 12, 1)),))
    got = outcomes([first, again])
    assert got[(1, Y24)] == (COUNTED, 16.0)
    assert got[(1, "2023-2024")] == (ALREADY_COUNTED, 0.0)
    assert got[(2, Y25)] == (ALREADY_COUNTED, 0.0, 1)


def test_same_paper_without_its_own_recognition_is_already_counted() -> None:
    first = item(1, "paper", fingerprint=FP_A,
                 recognitions=(award(11, "city", 1, date(2025, 12, 1)),))
    again = item(2, "paper", when=date(2026, 3, 1), fingerprint=FP_A_EDITED)
    got = outcomes([first, again])
    assert got[(1, Y25)] == (COUNTED, 12.0)
    assert got[(2, Y25)] == (ALREADY_COUNTED, 0.0, 1)
    # a paper that copies a reflection is still a plain duplicate
    got = outcomes([item(1, "reflection", fingerprint=FP_A, selected=True), again])
    assert got[(2, Y25)][0] == "duplicate"


# --------------------------------------------------------------------------- verification

VERIFY_RULE = ("credit-rules.md「A kind whose rules say it needs verification counts only after an "
               "admin has verified its evidence; until then its decision is pending verification, "
               "showing the hours it would earn」")
PROJECT_VERIFY = ("第19条(4)C②「登记课题申报批准及课题结题批准的文件」", "research_project", 30.0)
PAPER_VERIFY = ("第19条(4)C①「在县级以上获奖……分别按一、二、三等奖计12、8、4学时」", "paper", 12.0)


def only(register: Any) -> Decision:
    """The single decision of a one-item register."""
    (decision,) = [d for y in register.years.values() for d in y.decisions]
    return decision


def _gated(kind: str, **kw: Any) -> ItemFacts:
    if kind == "paper":
        kw["recognitions"] = (award(1, "city", 1, date(2025, 12, 1)),)
    return item(1, kind, **kw)


@pytest.mark.parametrize(("sentence", "kind", "hours"), [PROJECT_VERIFY, PAPER_VERIFY])
def test_verification_pending_refused_granted_for_projects_and_papers(
        sentence: str, kind: str, hours: float) -> None:
    pending = only(decide_teacher([_gated(kind, verification="pending")], RULES))
    assert (pending.code, pending.hours, pending.numbers["would_earn"]) == \
        ("pending_verification", 0, hours), (sentence, VERIFY_RULE)
    refused = only(decide_teacher([_gated(kind, verification="refused",
                                          refusal_reason="结题证书复印件不清晰")], RULES))
    assert (refused.code, refused.hours) == ("returned", 0)
    assert "结题证书复印件不清晰" in refused.reason
    granted = only(decide_teacher([_gated(kind, verification="granted")], RULES))
    assert (granted.code, granted.hours) == ("counted", hours), sentence


def test_a_pending_paper_keeps_its_slot_and_a_refused_one_frees_it() -> None:
    """「每学年认定1篇」: the pending paper holds the year's slot like one awaiting selection;
    once refused, the other paper takes it."""
    first = item(1, "paper", recognitions=(award(1, "city", 1, date(2025, 12, 1)),),
                 verification="pending")
    second = item(2, "paper", recognitions=(award(2, "county", 3, date(2025, 12, 1)),))
    codes = {d.item_id: d.code for d in decide_teacher([first, second], RULES).years[Y25].decisions}
    assert codes == {1: "pending_verification", 2: "over_annual_limit"}
    refused = replace(first, verification="refused", refusal_reason="获奖证书非本人")
    year = decide_teacher([refused, second], RULES).years[Y25]
    assert {d.item_id: d.code for d in year.decisions} == {1: "returned", 2: "counted"}
    assert year.total_hours == 4


def test_a_school_without_verification_counts_at_once(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text("[verification]\nrequired = []\n", encoding="utf-8")
    rules = load_rules(path)
    decided = only(decide_teacher([_gated("research_project", verification="pending")], rules))
    assert (decided.code, decided.hours) == ("counted", 30)
