"""学期 of an item (issue 11 point 8): derived from its date by the rules' term boundaries,
stored with the item, shown by the API and the pages, recomputed when the rules move them.

Seed 000 第7篇「培训考勤每学期公布一次，学年度累积计算」; credit-rules.md: first term 1 September –
31 January, second term 1 February – 31 August by default.
"""

from __future__ import annotations

import pytest

from tests.helpers import Api, World, corpus, make_app, page_login

REFLECTION = corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx")

TERMS = [
    # (completion date, term) — the default boundaries of credit-rules.md
    ("2025-09-01", "2025-2026-1"),  # the first day of the academic year
    ("2026-01-31", "2025-2026-1"),  # 第一学期 ends on 31 January
    ("2026-02-01", "2025-2026-2"),  # 第二学期 starts on 1 February
    ("2026-08-31", "2025-2026-2"),  # … and runs to the year's end
]


@pytest.mark.parametrize(("completed", "term"), TERMS)
def test_each_item_carries_the_term_of_its_date(world: World, completed: str, term: str) -> None:
    teacher = world.user("t1")
    res = teacher.upload(REFLECTION, completion_date=completed)
    assert res.status_code == 201, res.get_json()
    assert res.get_json()["term"] == term
    listed = teacher.get("/api/v1/items").get_json()["items"]
    assert [it["term"] for it in listed] == [term]


def test_the_pages_show_the_term(world: World) -> None:
    item_id = world.user("t1").upload(REFLECTION, completion_date="2026-02-01").get_json()["id"]
    page = page_login(world.app, "t1")
    listing = page.get("/my/items").get_data(as_text=True)
    assert "<th>学期</th>" in listing and "第二学期" in listing
    detail = page.get(f"/items/{item_id}").get_data(as_text=True)
    assert "2025—2026学年第二学期" in detail


def test_moving_the_second_term_in_the_rules_file_recomputes_stored_terms(tmp_path, s3_server) -> None:
    """A school whose second term starts on 1 March: a February item moves to the first term."""
    app = make_app(tmp_path, s3_server)
    teacher = World(app).user("t1")
    item = teacher.upload(REFLECTION, completion_date="2026-02-15").get_json()
    assert item["term"] == "2025-2026-2"
    rules = tmp_path / "rules.toml"
    rules.write_text("[terms]\nsecond_term_start_month = 3\n", encoding="utf-8")
    again = make_app(tmp_path, s3_server, RULES_FILE=str(rules), S3_BUCKET=app.config["S3_BUCKET"])
    after = Api(again.test_client(), teacher.token).get(f"/api/v1/items/{item['id']}").get_json()
    assert after["term"] == "2025-2026-1"
