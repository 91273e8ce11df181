"""Issue 11 in a real headless Chromium: an admin records a training session and its attendance
on the roster page, the teachers see the hours (and the 旷工) in 我的学时.

Screenshots go to ``$ARCHIVE_SCREENSHOTS`` when set (outside the repository), else to the test's
temporary folder.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.helpers import World
from tests.test_browser import _login, browser, live_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser
PASSWORD = "secret-pass-1"


def _shot(page: Page, folder: Path, name: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def test_admin_records_a_session_teacher_sees_hours(world: World, live_server: str,  # noqa: F811
                                                    browser: Browser,  # noqa: F811
                                                    tmp_path: Path) -> None:
    shots = Path(os.environ.get("ARCHIVE_SCREENSHOTS") or tmp_path)
    world.user("zhou", name="周老师", school="第一中学", staff_no="A01")
    world.user("wu", name="吴老师", school="第一中学", staff_no="A02")
    world.user("schooladmin", role="admin", school="第一中学")

    admin = _login(browser, live_server, "schooladmin", PASSWORD)
    admin.goto(f"{live_server}/activities")
    admin.locator("select[name=kind]").select_option("training")
    admin.get_by_label("活动名称").fill("新课标专题培训")
    admin.locator("input[name=date]").fill("2026-11-05")
    admin.get_by_label("培训时长（小时）").fill("1.5")
    admin.get_by_label("校外主讲人姓名").fill("县教研室专家")
    admin.get_by_role("button", name="记录并录入考勤").click()

    # the roster: every teacher of the school with one control, 出席 to start with
    expect(admin.get_by_role("heading", name="考勤：新课标专题培训")).to_be_visible()
    expect(admin.get_by_label("周老师（zhou）")).to_have_value("present")
    admin.get_by_label("吴老师（wu）").select_option("absent")
    _shot(admin, shots, "1-roster-attendance")
    admin.get_by_role("button", name="保存考勤").click()

    zhou = _login(browser, live_server, "zhou", PASSWORD)
    zhou.get_by_role("link", name="我的学时").click()
    row = zhou.locator("#activities tr", has_text="新课标专题培训")
    expect(row).to_contain_text("出席")
    expect(row).to_contain_text("1.5")
    expect(row.locator(".badge")).to_contain_text("已认定")
    expect(zhou.locator("#by-source tr", has_text="校本培训活动")).to_contain_text("1.5")
    expect(zhou.locator("#outcome")).to_contain_text("学时 1.5 / 40，差 38.5 学时")
    _shot(zhou, shots, "2-my-hours-present")

    wu = _login(browser, live_server, "wu", PASSWORD)
    wu.get_by_role("link", name="我的学时").click()
    row = wu.locator("#activities tr", has_text="新课标专题培训")
    expect(row).to_contain_text("旷工")
    expect(row).to_contain_text("取消本次应得 1.5 学时，记旷工一次")
    expect(wu.locator("#attendance")).to_contain_text("旷工 1 次")
    _shot(wu, shots, "3-my-hours-absent")

    admin.goto(f"{live_server}/admin/register")
    expect(admin.locator("#register-table tr", has_text="周老师")).to_contain_text("1.5")
    _shot(admin, shots, "4-school-register")
