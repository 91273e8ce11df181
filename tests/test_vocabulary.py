"""One vocabulary: the codes and Chinese names the rules, services and pages share."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from archive_service import vocabulary
from archive_service.rules import decide_teacher, load_rules
from archive_service.vocabulary import (
    DECISION_BADGES,
    DECISION_NAMES,
    KIND_NAMES,
    KINDS,
    LEVELS,
    PROJECT_LEVELS,
    Code,
    Role,
)
from tests.helpers import World, corpus, make_app

REFLECTION = corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")
LONG = corpus("zh_docx_08_jiaogai_anli.docx")
DESIGN = corpus("zh_pdf_04_mokuai1_jiaoan.pdf")


def test_kind_names_are_the_regulations_terms() -> None:
    """Each kind's Chinese name is the one the rules file quotes from 第19条."""
    rules = load_rules()
    for kind in vocabulary.PORTFOLIO_KINDS:
        assert KIND_NAMES[kind] in rules.rule_of(kind), kind
    for kind in vocabulary.LEDGER_KINDS:  # records beside the portfolio: named as their source
        assert KIND_NAMES[kind] == vocabulary.SOURCE_NAMES[kind], kind
    assert set(KINDS) == set(vocabulary.PORTFOLIO_KINDS) | set(vocabulary.LEDGER_KINDS)
    assert KIND_NAMES["reflection"] == "反思研究成果"
    assert KIND_NAMES["paper"] == "论文或报告"
    names = {g.key: g.name for g in rules.limit_groups}
    assert names["reflection"] == KIND_NAMES["reflection"]
    assert names["paper"] == KIND_NAMES["paper"]


def test_engine_reasons_use_the_vocabulary_names() -> None:
    from datetime import date

    from archive_service.rules import ItemFacts
    short = ItemFacts(id=1, kind="paper", title="短文", completion_date=date(2025, 10, 8),
                      char_count=1500)
    year = decide_teacher([short], load_rules()).years["2025-2026"]
    assert year.decisions[0].code == Code.TOO_SHORT == "too_short"
    assert year.decisions[0].reason == "字数 1,500，未达到论文或报告 2000 字的要求"


def test_every_code_and_role_has_its_chinese_labels() -> None:
    assert set(DECISION_NAMES) == set(DECISION_BADGES) == set(Code)
    assert set(vocabulary.ROLE_NAMES) == set(Role)
    assert set(vocabulary.ACTION_NAMES) == set(vocabulary.Action)
    assert set(vocabulary.LOG_ACTION_NAMES) == set(vocabulary.LogAction)
    assert set(vocabulary.SELECTION_NAMES) == set(vocabulary.Selection)
    assert list(PROJECT_LEVELS) == [lv for lv in LEVELS if lv in PROJECT_LEVELS]  # lowest first
    assert Role.ADMIN == "admin" and f"{Role.TEACHER}" == "teacher"


def test_vocabulary_and_rules_import_nothing_outside_the_standard_library() -> None:
    code = ("import sys; import archive_service.rules, archive_service.vocabulary; "
            "bad = sorted(m for m in ('flask', 'sqlalchemy', 'minio', 'whoosh', 'jieba') "
            "if m in sys.modules); print(','.join(bad))")
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def _prefer(world_teacher, path, kind: str, title: str, **extra) -> int:
    res = world_teacher.upload(path, kind=kind, title=title, prefer="true", **extra)
    assert res.status_code == 201, res.get_json()
    return res.get_json()["id"]


def _preferred(teacher, ids: list[int]) -> list[int]:
    return [i for i in ids if teacher.get(f"/api/v1/items/{i}").get_json()["teacher_preferred"]]


UNIT = {"metadata": {"lesson_count": 1, "has_courseware": True}}


def test_preference_moves_within_the_default_limit_groups(world: World) -> None:
    teacher = world.user("t1")
    reflection = _prefer(teacher, REFLECTION, "reflection", "反思")
    lesson = _prefer(teacher, LONG, "lesson_design", "教学设计")
    unit = _prefer(teacher, DESIGN, "unit_design", "单元设计", **UNIT)
    # lesson_design and unit_design share one slot (limits.design): the unit takes the preference
    assert _preferred(teacher, [reflection, lesson, unit]) == [reflection, unit]


def test_preference_follows_a_schools_own_limit_groups(tmp_path, s3_server) -> None:
    """A school that pairs reflections with lesson designs and gives units their own slot."""
    rules = tmp_path / "rules.toml"
    rules.write_text(
        '[limits.reflection]\nkinds = ["reflection", "lesson_design"]\n\n'
        '[limits.design]\nkinds = ["unit_design"]\n', encoding="utf-8")
    world = World(make_app(tmp_path, s3_server, RULES_FILE=str(rules)))
    teacher = world.user("t1")
    reflection = _prefer(teacher, REFLECTION, "reflection", "反思")
    lesson = _prefer(teacher, LONG, "lesson_design", "教学设计")
    assert _preferred(teacher, [reflection, lesson]) == [lesson]
    unit = _prefer(teacher, DESIGN, "unit_design", "单元设计", **UNIT)
    assert _preferred(teacher, [reflection, lesson, unit]) == [lesson, unit]


def test_openapi_lists_the_vocabularys_kinds(world: World) -> None:
    doc = world.client.get("/api/v1/openapi.json").get_json()
    upload = doc["paths"]["/api/v1/items"]["post"]["requestBody"]["content"]
    form = upload["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[1]
    kinds = doc["components"]["schemas"][form]["properties"]["kind"]["enum"]
    assert kinds == list(KINDS)
