"""Pages a first-time user can work (issue #15 points 14, 17, 19, 21): the icon, labels, dropdowns
instead of typed names, only the buttons the role may use, empty states that say what to do."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from tests.helpers import World, corpus, page_login


class Controls(HTMLParser):
    """Every form control of a page and whether a <label> names it (wrapping it or by for=)."""

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0  # inside how many <label>
        self.labelled_ids: set[str] = set()
        self.controls: list[tuple[str, str, bool]] = []  # (tag, name, wrapped in a label)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.depth += 1
            if a.get("for"):
                self.labelled_ids.add(a["for"] or "")
        elif tag in ("input", "select", "textarea") and a.get("type") not in ("hidden", "submit"):
            self.controls.append((tag, a.get("name") or a.get("id") or "", self.depth > 0
                                  or (a.get("id") or "") in self.labelled_ids
                                  or bool(a.get("aria-label"))))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self.depth -= 1


def unlabelled(html: str) -> list[str]:
    parser = Controls()
    parser.feed(html)
    ids = parser.labelled_ids
    return [f"{tag}[{name}]" for tag, name, ok in parser.controls if not ok and name not in ids]


def test_favicon_and_labels(world: World) -> None:
    res = world.client.get("/favicon.ico")
    assert res.status_code == 200 and res.mimetype == "image/vnd.microsoft.icon"
    assert res.data[:4] == b"\x00\x00\x01\x00"  # an ICO header
    teacher = world.user("zhou", name="周老师")
    world.user("xiaozhang", role="admin", name="校管理员")
    world.user("ducha", role="inspector", name="督查员")
    item = teacher.upload(corpus("zh_pdf_09_qikan_lunwen_xinxilunli.pdf"), kind="paper",
                          title="论文").get_json()
    pages = {"zhou": ["/my/items", "/my/items/new", "/my/hours", f"/items/{item['id']}"],
             "xiaozhang": ["/admin/review", "/admin/register", "/search", f"/items/{item['id']}",
                           "/admin/users"],
             "ducha": ["/search", "/admin/review"]}
    for username, urls in pages.items():
        client = page_login(world.app, username)
        for url in urls:
            html = client.get(url).get_data(as_text=True)
            assert unlabelled(html) == [], (url, unlabelled(html))
            assert '<nav class="breadcrumbs"' in html, url
            assert re.search(r"<title>[^<]+ · 校本研修档案</title>", html), url


def test_search_offers_years_and_teachers_by_name_with_examples(world: World) -> None:
    teacher = world.user("zhou", name="周老师")
    world.user("wu", name="吴老师")
    world.user("ducha", role="inspector", name="督查员")
    teacher.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx"), title="英语教学总结",
                   completion_date="2024-10-08")
    client = page_login(world.app, "ducha")
    html = client.get("/search").get_data(as_text=True)
    assert '<option value="2024-2025">2024—2025学年</option>' in html
    assert '<option value="zhou">周老师</option>' in html and '<option value="wu">吴老师</option>' in html
    assert "查询示例" in html and "标题:反思" in html
    html = client.get("/search?q=英语&teacher=zhou&year=2024-2025").get_data(as_text=True)
    assert '<option value="zhou" selected>周老师</option>' in html  # the choice is kept
    assert '<option value="2024-2025" selected>' in html
    assert "英语教学总结" in html
    html = client.get("/search?q=没有这个词语zzz").get_data(as_text=True)
    assert "没有找到符合条件的成果" in html


def test_inspector_sees_no_buttons_the_role_may_not_use(world: World) -> None:
    teacher = world.user("zhou", name="周老师")
    world.user("ducha", role="inspector", name="督查员")
    world.user("xiaozhang", role="admin", name="校管理员")
    item = teacher.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx"), title="英语教学总结",
                          completion_date="2025-10-08").get_json()
    inspector = page_login(world.app, "ducha")
    queue = inspector.get("/admin/review?year=2025-2026").get_data(as_text=True)
    assert "英语教学总结" in queue and "入册由学校管理员操作" not in queue
    assert "入册和退回由学校管理员操作" in queue
    assert ">入册</button>" not in queue and ">退回</button>" not in queue
    page = inspector.get(f"/items/{item['id']}").get_data(as_text=True)
    assert "筛选入册</button>" not in page and "添加证明材料</button>" not in page
    admin = page_login(world.app, "xiaozhang")
    queue = admin.get("/admin/review?year=2025-2026").get_data(as_text=True)
    assert ">入册</button>" in queue and "<label>退回理由" in queue
    assert '<option value="2025-2026" selected>2025—2026学年</option>' in queue
