"""The pages that matter, in a real headless Chromium against a live server."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from tests.helpers import World, corpus

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture()
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "需要 Debian 的 chromium：apt-get install chromium"
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield instance
        instance.close()


def _login(browser: Browser, base: str, username: str, password: str) -> Page:
    page = browser.new_context(locale="zh-CN", accept_downloads=True).new_page()
    page.goto(f"{base}/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    return page


def test_upload_select_and_search_in_a_browser(world: World, live_server: str,
                                               browser: Browser, tmp_path: Path) -> None:
    world.user("teacher", name="周老师", school="第一中学")
    world.user("inspector", role="inspector", school="第一中学")
    world.user("schooladmin", role="admin", school="第一中学")

    teacher = _login(browser, live_server, "teacher", "secret-pass-1")
    expect(teacher.get_by_role("heading", name="我的成果")).to_be_visible()
    teacher.get_by_role("link", name="上传成果").click()
    unit_fields = teacher.locator("fieldset[data-kind=unit_design]")
    expect(unit_fields).to_be_hidden()
    teacher.get_by_label("成果类型").select_option("unit_design")
    expect(unit_fields).to_be_visible()  # the form shows the fields of the chosen kind
    teacher.get_by_label("标题").fill("《醉翁亭记》单元整体教学设计")
    teacher.get_by_label("完成日期").fill("2025-11-03")
    teacher.get_by_label("课时数").fill("3")
    teacher.get_by_label("含教学课件").check()
    teacher.locator("input[name=file]").set_input_files(
        corpus("zh_docx_02_zuiwengtingji_jiaoxuesheji.docx"))
    teacher.get_by_role("button", name="上传").click()
    expect(teacher.get_by_role("heading", name="《醉翁亭记》单元整体教学设计")).to_be_visible()
    expect(teacher.get_by_text("4,538 字 / 需 ≥2400 字")).to_be_visible()
    expect(teacher.locator(".badge").first).to_have_text("待学校筛选")

    admin = _login(browser, live_server, "schooladmin", "secret-pass-1")
    admin.get_by_role("link", name="学校筛选").click()
    admin.get_by_label("学年").select_option("2025-2026")
    admin.get_by_role("button", name="查看").click()
    row = admin.locator("tr", has_text="醉翁亭记")
    row.get_by_role("button", name="入册").click()
    expect(admin.get_by_role("alert")).to_have_text("已筛选入册。")

    teacher.goto(f"{live_server}/my/hours?year=2025-2026")
    expect(teacher.get_by_text("10 / 40 学时")).to_be_visible()
    expect(teacher.locator("progress").first).to_have_attribute("value", "10.0")

    inspector = _login(browser, live_server, "inspector", "secret-pass-1")
    inspector.get_by_label("关键词").fill("醉翁亭记")
    inspector.get_by_role("button", name="检索").click()
    expect(inspector.locator(".hit-title")).to_have_text("《醉翁亭记》单元整体教学设计")
    expect(inspector.locator(".snippet mark").first).to_be_visible()
    inspector.screenshot(path=str(tmp_path / "search.png"), full_page=True)
    with inspector.expect_download() as download:
        inspector.get_by_role("link", name="打开原件").click()
    assert download.value.suggested_filename == "zh_docx_02_zuiwengtingji_jiaoxuesheji.docx"
    saved = tmp_path / "original.docx"
    download.value.save_as(saved)
    assert saved.read_bytes() == corpus("zh_docx_02_zuiwengtingji_jiaoxuesheji.docx").read_bytes()
