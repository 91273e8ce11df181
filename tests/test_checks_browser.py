"""A term check walked in a real headless Chromium: open, mark three items, close, export."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, expect

from tests.helpers import World, corpus
from tests.test_browser import _login, browser, live_server

pytestmark = pytest.mark.browser
__all__ = ["browser", "live_server"]  # the fixtures this module uses

DOCS = {"英语教学反思": "zh_docx_12_yingyu_jiaoxue_zongjie.docx",
        "醉翁亭记教学设计": "zh_docx_02_zuiwengtingji_jiaoxuesheji.docx",
        "教改案例": "zh_docx_08_jiaogai_anli.docx"}


def test_inspector_walks_a_check_and_the_teacher_reads_it(world: World, live_server: str,
                                                          browser: Browser, tmp_path: Path) -> None:
    teacher = world.user("teacher", name="周老师")
    world.user("inspector", role="inspector", name="督查员甲")
    for (title, name), kind in zip(DOCS.items(), ("reflection", "lesson_design", "paper"),
                                   strict=True):
        assert teacher.upload(corpus(name), kind=kind, title=title).status_code == 201

    page = _login(browser, live_server, "inspector", "secret-pass-1")
    page.get_by_role("link", name="学期检查").click()
    page.get_by_label("学年").fill("2025-2026")
    page.get_by_label("学期").select_option("1")
    page.get_by_label("每位教师抽查篇数").fill("3")
    page.get_by_label("随机种子（可不填）").fill("浏览器")
    page.get_by_role("button", name="开始检查").click()
    expect(page.get_by_text("检查已开始")).to_be_visible()
    for n, (title, result) in enumerate(zip(DOCS, ("合格", "需改进", "不合格"), strict=True)):
        row = page.locator("tr", has_text=title)
        row.get_by_label("评定").select_option(result)
        row.get_by_label("评语").fill(f"第{n + 1}条评语")
        row.get_by_role("button", name="保存").click()
        expect(page.get_by_text("评定已保存")).to_be_visible()
        expect(page.locator("tr", has_text=title)).to_contain_text(f"第{n + 1}条评语")
    page.get_by_label("检查结论").select_option("需改进")
    page.get_by_role("button", name="保存结论").click()
    expect(page.get_by_text("教师检查结论已保存")).to_be_visible()
    page.get_by_role("button", name="结束检查").click()
    expect(page.get_by_text("本次检查已结束，记录只读。")).to_be_visible()
    expect(page.get_by_role("button", name="保存结论")).to_have_count(0)
    with page.expect_download() as download:
        page.get_by_role("link", name="下载 Excel").click()
    path = tmp_path / "record.xlsx"
    download.value.save_as(path)
    head, line = ([c.value for c in r] for r in load_workbook(path).active.iter_rows(min_row=2))
    record = dict(zip(head, line, strict=True))
    assert record["教师"] == "周老师" and record["检查结论"] == "需改进"
    assert [record[r] for r in ("抽查篇数", "合格", "需改进", "不合格", "未评定")] == [3, 1, 1, 1, 0]

    mine = _login(browser, live_server, "teacher", "secret-pass-1")
    mine.get_by_role("link", name="检查结果").click()
    mine.get_by_role("link", name="第 1 次").click()
    for n, title in enumerate(DOCS):
        expect(mine.locator("tr", has_text=title)).to_contain_text(f"第{n + 1}条评语")
    expect(mine.get_by_text("检查结论：需改进")).to_be_visible()
