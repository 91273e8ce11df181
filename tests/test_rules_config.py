"""The rules file: the regulation's defaults, a school's overrides, errors with line numbers."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

import archive_service.rules as rules_pkg
from archive_service.rules import (
    AWAITING_SELECTION,
    COUNTED,
    OVER_ANNUAL_LIMIT,
    TOO_SHORT,
    ItemFacts,
    Recognition,
    RulesError,
    decide_teacher,
    load_rules,
)
from archive_service.rules.config import find_key_line


def write(tmp_path: Path, text: str, name: str = "rules.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def reflection(id: int, chars: int = 1200, selected: bool = True) -> ItemFacts:
    return ItemFacts(id=id, kind="reflection", title=f"反思{id}", completion_date=date(2025, 10, 1),
                     char_count=chars, selected=selected)


def test_defaults_encode_the_regulation() -> None:
    r = load_rules()
    assert (r.year_start_month, r.year_start_day) == (9, 1)
    assert (r.annual_target_hours, r.cycle_target_hours, r.cycle_length_years) == (40, 200, 5)
    assert r.first_cycle_start_year == 2021
    assert (r.reflection.min_chars, r.reflection.hours) == (1000, 4)
    assert (r.lesson_design.min_chars, r.lesson_design.hours) == (800, 4)
    assert (r.unit_design.min_chars_per_lesson, r.unit_design.hours) == (800, 10)
    assert r.unit_design.requires_courseware
    assert r.paper.min_chars == 2000 and r.paper.award_hours == (12, 8, 4)
    assert [r.paper.publication_hours_for(x) for x in ("national", "provincial", "city")] == [
        16, 14, 12]
    assert r.paper.award_hours_for("school", 1) == 0 and r.paper.award_hours_for("county", 2) == 8
    assert r.lecture_notes.in_school_expert_factor == 4
    assert r.research_project.hours_for("provincial", "lead_writer") == 40
    assert r.research_project.hours_for("county", "participant") == 15
    assert r.selection_required == ("reflection", "lesson_design", "unit_design")
    assert r.count_cjk_punctuation and r.near_duplicate_threshold == 0.85
    assert not r.inspectors_may_review
    assert {g.key: (g.kinds, g.per_year) for g in r.limit_groups} == {
        "reflection": (("reflection",), 1), "design": (("lesson_design", "unit_design"), 1),
        "paper": (("paper",), 1)}
    assert r.group_of("lecture_notes") is None and r.group_of("unit_design").key == "design"
    assert r.reflection.rule == "第19条(4)A 反思研究成果"


def test_another_school_changes_decisions(tmp_path: Path) -> None:
    # Another school: 24 h a year, reflections of at least 1500 字.
    path = write(tmp_path, "[targets]\nannual_hours = 24\n\n[kinds.reflection]\nmin_chars = 1500\n")
    school = load_rules(path)
    assert school.annual_target_hours == 24 and school.reflection.min_chars == 1500
    assert school.lesson_design.min_chars == 800  # untouched keys keep their defaults
    assert school.sources[-1] == str(path)
    items = [reflection(1, chars=1200),
             ItemFacts(id=2, kind="research_project", title="课题", char_count=0,
                       completion_date=date(2025, 10, 1), verification="granted",
                       metadata={"level": "county", "role": "host",
                                 "conclusion_date": "2025-12-01", "has_approval_document": True})]
    default_year = decide_teacher(items, load_rules()).years["2025-2026"]
    school_year = decide_teacher(items, school).years["2025-2026"]
    assert [d.code for d in default_year.decisions] == [COUNTED, COUNTED]
    assert not default_year.target_met  # 34 < 40
    assert [d.code for d in school_year.decisions] == [TOO_SHORT, COUNTED]
    assert school_year.decisions[0].reason == "字数 1,200，未达到反思研究成果 1500 字的要求"
    assert school_year.total_hours == 30 and school_year.target_met


def test_override_limits_selection_and_tables(tmp_path: Path) -> None:
    path = write(tmp_path, """
[selection]
selection_required = []

[limits.reflection]
per_year = 2

[kinds.paper.publication_hours]
county = 6

[kinds.research_project.hours]
county = { participant = 10 }
""")
    r = load_rules(path)
    assert r.selection_required == () and r.group_of("reflection").per_year == 2
    assert r.paper.publication_hours_for("county") == 6
    assert r.research_project.hours_for("county", "participant") == 10
    assert r.research_project.hours_for("county", "host") == 30
    items = [reflection(1, selected=False), reflection(2, selected=False), reflection(3)]
    codes = [d.code for d in decide_teacher(items, r).years["2025-2026"].decisions]
    assert codes == [COUNTED, COUNTED, OVER_ANNUAL_LIMIT]  # no selection needed: ids decide
    paper = ItemFacts(id=9, kind="paper", title="论文", completion_date=date(2025, 10, 1),
                      char_count=3000, verification="granted", recognitions=(
                          Recognition(1, "publication", "county", date(2025, 11, 1)),))
    assert decide_teacher([paper], r).years["2025-2026"].total_hours == 6


def test_new_limit_group(tmp_path: Path) -> None:
    path = write(tmp_path, '[limits.lectures]\nkinds = ["lecture_notes"]\nper_year = 1\n')
    r = load_rules(path)
    group = r.group_of("lecture_notes")
    assert group is not None and group.name == "lectures" and group.rule == "每学年每人限1篇"
    items = [ItemFacts(id=i, kind="lecture_notes", title=f"讲座{i}", char_count=0,
                       completion_date=date(2025, 10, i), metadata={"session_hours": i})
             for i in (1, 2)]
    decisions = decide_teacher(items, r).years["2025-2026"].decisions
    assert [(d.code, d.hours) for d in decisions] == [(OVER_ANNUAL_LIMIT, 0), (COUNTED, 2)]


def test_awaiting_still_reported_for_selection_kinds() -> None:
    decisions = decide_teacher([reflection(1, selected=False)], load_rules()).years
    assert decisions["2025-2026"].decisions[0].code == AWAITING_SELECTION


def line_of(message: str) -> int:
    found = re.search(r"第 (\d+) 行", message)
    assert found, message
    return int(found[1])


BAD_OVERRIDES = [
    # (what, file text, the line the message must name)
    ("negative length", "[kinds.reflection]\nmin_chars = -5\n", 2),
    ("hours as text", "# comment\n[kinds.reflection]\nhours = \"四\"\n", 3),
    ("zero target", "[targets]\n\nannual_hours = 0\n", 3),
    ("bool is no number", "[targets]\ncycle_hours = true\n", 2),
    ("month 13", "[year]\nstart_month = 13\n", 2),
    ("31 September", "[year]\nstart_month = 9\nstart_day = 31\n", 3),
    ("typo in a key", "[kinds.reflection]\nmin_chars = 1500\nhour = 5\n", 3),
    ("typo in a section", "[targets]\nannual_hours = 24\n\n[kind.reflection]\nhours = 5\n", 4),
    ("unknown kind in a limit group", '[limits.design]\nkinds = ["lesson_design", "poem"]\n', 2),
    ("kind in two groups", '[limits.extra]\nper_year = 1\nkinds = ["reflection"]\n', 3),
    ("new group without per_year", '[limits.extra]\nkinds = ["lecture_notes"]\n', 1),
    ("unknown selection kind", '[selection]\nselection_required = ["reflection", "x"]\n', 2),
    ("threshold above 1", "[counting]\nnear_duplicate_threshold = 1.5\n", 2),
    ("unknown award level", '[kinds.paper]\nmin_award_level = "town"\n', 2),
    ("bad award list", "[kinds.paper]\naward_hours = []\n", 2),
    ("unknown project level", "[kinds.research_project.hours]\ntown = { host = 1 }\n", 2),
    ("unknown role inline", "[kinds.research_project.hours]\ncity = { boss = 1 }\n", 2),
    ("negative inline", "[kinds.research_project.hours]\n\ncity = { host = -1 }\n", 3),
    ("dotted key", "[kinds]\nreflection.min_chars = 0.5\n", 2),
    ("table expected", "targets = 5\n", 1),
    ("scalar expected", "[targets.annual_hours]\nx = 1\n", 1),
    ("per_year zero", "[limits.paper]\nper_year = 0\n", 2),
    ("empty rule text", '[kinds.paper]\nrule = ""\n', 2),
]


@pytest.mark.parametrize(("text", "line"), [(c[1], c[2]) for c in BAD_OVERRIDES],
                         ids=[c[0] for c in BAD_OVERRIDES])
def test_bad_values_name_file_and_line(tmp_path: Path, text: str, line: int) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RulesError) as info:
        load_rules(path)
    message = str(info.value)
    assert str(path) in message
    assert line_of(message) == line
    assert info.value.line == line and info.value.file == str(path)


def test_unknown_key_message_is_chinese(tmp_path: Path) -> None:
    path = write(tmp_path, "[kinds.reflection]\nmin_char = 1500\n")
    with pytest.raises(RulesError, match="第 2 行：kinds.reflection.min_char 是未知的设置项"):
        load_rules(path)


@pytest.mark.parametrize(("text", "line"), [
    ("[targets]\nannual_hours = \n", 2),
    ("[targets]\nannual_hours = 24\n[targets\n", 3),
    ("[targets]\nannual_hours = 24\nannual_hours = 30\n", 3),
    ('[selection]\nselection_required = ["reflection",\n  "paper"\n\n', 4),
])
def test_syntax_errors_name_the_line(tmp_path: Path, text: str, line: int) -> None:
    path = write(tmp_path, text)
    with pytest.raises(RulesError, match="TOML 语法错误") as info:
        load_rules(path)
    assert str(path) in str(info.value)
    assert line_of(str(info.value)) == line


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="无法读取规则文件"):
        load_rules(tmp_path / "missing.toml")
    path = tmp_path / "gbk.toml"
    path.write_bytes("[targets]\n# 的\nannual_hours = 24\n".encode("gbk"))
    with pytest.raises(RulesError, match="第 2 行不是 UTF-8"):
        load_rules(path)


def test_bom_and_empty_file_are_fine(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes("\ufeff[targets]\nannual_hours = 90\n".encode())
    assert load_rules(path).annual_target_hours == 90
    empty = write(tmp_path, "# 全部采用默认值\n", "empty.toml")
    assert load_rules(empty).annual_target_hours == load_rules().annual_target_hours


def test_find_key_line() -> None:
    text = '[a]\nx = 1\n[a.b]\n"c.d" = { e = 2 }\n# [a.b] f = 3\n'
    assert find_key_line(text, ("a", "x")) == 2
    assert find_key_line(text, ("a", "b", "c.d", "e")) == 4
    assert find_key_line(text, ("a", "b", "f")) == 3
    assert find_key_line(text, ("z",)) is None


def test_rules_package_is_pure() -> None:
    folder = Path(rules_pkg.__file__).parent
    for source in folder.glob("*.py"):
        text = source.read_text(encoding="utf-8")
        for name in ("flask", "sqlalchemy", "minio", "whoosh"):
            assert not re.search(rf"^\s*(from|import)\s+{name}", text, re.M), (source, name)
