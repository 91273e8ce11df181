"""Every role's main pages in headless Chromium at a phone's and a laptop's size (issue #15).

At 390×844 no page is wider than the screen (tables become cards, the menu folds behind 「菜单」
and opens without script); at both sizes no page shows a code, a field's key or True/False.
Screenshots go to ``PAGES_SHOTS`` (default /tmp/archive-pages-shots), never into the repository.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from archive_service import vocabulary
from tests.helpers import World, corpus
from tests.test_browser import _login, browser, live_server  # noqa: F401  (fixtures)

pytestmark = pytest.mark.browser

SHOTS = Path(os.environ.get("PAGES_SHOTS", "/tmp/archive-pages-shots"))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}
YEAR = "2025-2026"


def _codes() -> set[str]:
    """Every code of the vocabulary and every field key: none may appear as page text."""
    words: set[str] = set(vocabulary.FIELD_NAMES)
    for value in vars(vocabulary).values():
        if isinstance(value, type) and issubclass(value, str) and value is not str:
            words.update(str(member) for member in value)  # type: ignore[attr-defined]
    usernames = {"admin"}  # the first administrator's login name, shown in the audit log
    return {w for w in words if re.fullmatch(r"[a-z_]+", w)} - usernames


RAW = re.compile(r"(?<![A-Za-z_/])(True|False|None|" + "|".join(sorted(_codes(), key=len, reverse=True))
                 + r")(?![A-Za-z_])")


def _page_text(page: Page) -> str:
    """What a reader sees, without the documents' own words (search snippets).

    Addresses (``/my/hours`` in the audit log) are skipped by ``RAW``'s look-behind.
    """
    return str(page.evaluate(
        "() => { const b = document.body.cloneNode(true);"
        " b.querySelectorAll('.snippet, script').forEach(e => e.remove()); return b.innerText; }"))


def _check(page: Page, url: str, name: str, size: dict[str, int]) -> None:
    page.set_viewport_size(size)
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    text = _page_text(page)
    leak = RAW.search(text)
    assert leak is None, f"{url}: shows the raw value {leak.group(0)!r}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}-{size['width']}.png"), full_page=True)
    if size["width"] <= 400:
        wide = page.evaluate("() => document.documentElement.scrollWidth")
        assert wide <= size["width"], f"{url}: {wide}px wide on a {size['width']}px phone"
        too_wide = page.evaluate(
            "(w) => Array.from(document.querySelectorAll('main *')).filter("
            " e => e.getBoundingClientRect().right > w + 1 && !e.closest('thead, .skip-link')"
            ").map(e => e.tagName + '.' + e.className).slice(0, 5)", size["width"])
        assert not too_wide, f"{url}: elements beyond the screen: {too_wide}"


def _walk(page: Page, base: str, role: str, paths: list[str]) -> None:
    for size in (PHONE, DESKTOP):
        for path in paths:
            slug = re.sub(r"[^a-z0-9]+", "-", path.split("?")[0]).strip("-") or "home"
            _check(page, base + path, f"{role}-{slug}", size)


def _html_pages(app: Flask, page: Page, base: str) -> list[str]:
    """The role's page routes that take no argument and answer HTML (new pages included)."""
    found = []
    for rule in app.url_map.iter_rules():
        if ("GET" not in (rule.methods or set()) or rule.arguments or rule.endpoint == "static"
                or rule.rule.startswith("/api") or rule.endpoint.startswith("health.")
                or rule.rule in ("/logout", "/")):
            continue
        answer = page.request.get(base + rule.rule, max_redirects=0)
        if answer.status == 200 and answer.headers.get("content-type", "").startswith("text/html"):
            found.append(rule.rule)
    return sorted(found)


def _seed(world: World) -> dict[str, Any]:
    teacher = world.user("zhou", name="周老师", school="第一中学", subject="语文")
    other = world.user("wu", name="吴老师", school="第一中学")
    world.user("ducha", role="inspector", name="督查员甲", school="第一中学")
    world.user("xiaozhang", role="admin", name="校管理员", school="第一中学")
    unit = teacher.upload(corpus("zh_docx_02_zuiwengtingji_jiaoxuesheji.docx"), kind="unit_design",
                          title="《醉翁亭记》单元整体教学设计", completion_date="2025-11-03",
                          metadata={"lesson_count": 3, "has_courseware": False}).get_json()
    lecture = teacher.upload(corpus("zh_pdf_12_python_mianxiangduixiang_jiangyi.pdf"),
                             kind="lecture_notes", title="面向对象专题讲座",
                             completion_date="2025-10-09",
                             metadata={"session_hours": 2, "in_school_expert": True}).get_json()
    paper = teacher.upload(corpus("zh_pdf_09_qikan_lunwen_xinxilunli.pdf"), kind="paper",
                           title="信息伦理论文", completion_date="2025-10-10",
                           metadata={"recognitions": [{"type": "award", "level": "provincial",
                                                       "grade": 1, "date": "2025-11-02"}]}).get_json()
    original = other.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx"),
                            title="英语教学总结", completion_date="2025-10-08").get_json()
    copy = teacher.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx"),
                          title="我的英语教学总结", completion_date="2025-10-08").get_json()
    return {"unit": unit["id"], "lecture": lecture["id"], "paper": paper["id"],
            "original": original["id"], "copy": copy["id"]}


def test_every_role_walks_its_pages_on_a_phone_and_a_laptop(
        world: World, live_server: str, browser: Browser,  # noqa: F811
) -> None:
    ids = _seed(world)
    items = [f"/items/{ids[k]}" for k in ("unit", "lecture", "paper", "copy")]

    teacher = _login(browser, live_server, "zhou", "secret-pass-1")
    teacher_pages = _html_pages(world.app, teacher, live_server)
    assert {"/my/items", "/my/items/new", "/my/hours"} <= set(teacher_pages)
    _walk(teacher, live_server, "teacher", teacher_pages + items)

    admin = _login(browser, live_server, "xiaozhang", "secret-pass-1")
    admin_pages = _html_pages(world.app, admin, live_server)
    assert {"/admin/review", "/admin/register"} <= set(admin_pages)
    _walk(admin, live_server, "admin", [*admin_pages, f"/admin/review?year={YEAR}&status=all",
                                        f"/admin/register?year={YEAR}", "/search?q=教学", *items])

    inspector = _login(browser, live_server, "ducha", "secret-pass-1")
    inspector_pages = _html_pages(world.app, inspector, live_server)
    _walk(inspector, live_server, "inspector", [*inspector_pages, "/search?q=醉翁亭记", items[0]])


def test_phone_menu_opens_without_script(
        world: World, live_server: str, browser: Browser,  # noqa: F811
) -> None:
    world.user("zhou", name="周老师", school="第一中学")
    context = browser.new_context(locale="zh-CN", java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(f"{live_server}/login")
    page.get_by_label("用户名").fill("zhou")
    page.get_by_label("密码").fill("secret-pass-1")
    page.get_by_role("button", name="登录").click()
    menu = page.get_by_role("navigation", name="主菜单")
    expect(menu).to_be_hidden()  # folded on a phone
    page.get_by_text("菜单", exact=True).click()
    expect(menu).to_be_visible()
    menu.get_by_role("link", name="我的学时").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("学时")
    page.set_viewport_size(DESKTOP)
    expect(page.get_by_role("navigation", name="主菜单")).to_be_visible()  # always open on a laptop
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => getComputedStyle(document.activeElement).outlineStyle")
    assert focused not in ("", "none"), "keyboard focus must be visible on the header"
    context.close()
