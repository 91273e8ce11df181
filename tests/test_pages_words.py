"""Pages show fields, values and codes in Chinese words (issue #15 points 4, 5, 21 dates)."""

from __future__ import annotations

import re

from tests.helpers import World, corpus, page_login

RAW = re.compile(r"\b(True|False|None|lesson_count|has_courseware|in_school_expert|session_hours|"
                 r"provincial|award|publication|threshold|winner_ids|original_id)\b|\[\d")


def visible_text(html: str) -> str:
    """The page's text as a reader sees it (no tags, attributes, scripts)."""
    body = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_item_fields_and_figures_are_words(world: World) -> None:
    teacher = world.user("t1", name="周老师")
    unit = teacher.upload(corpus("zh_docx_02_zuiwengtingji_jiaoxuesheji.docx"), kind="unit_design",
                          title="醉翁亭记单元设计", completion_date="2025-10-10",
                          metadata={"lesson_count": 3, "has_courseware": False}).get_json()
    lecture = teacher.upload(corpus("zh_pdf_12_python_mianxiangduixiang_jiangyi.pdf"),
                             kind="lecture_notes", title="讲稿", completion_date="2025-10-10",
                             metadata={"session_hours": 2, "in_school_expert": True,
                                       "session_date": "2025-10-09"}).get_json()
    paper = teacher.upload(corpus("zh_pdf_09_qikan_lunwen_xinxilunli.pdf"), kind="paper",
                           title="论文", completion_date="2025-10-10",
                           metadata={"recognitions": [{"type": "award", "level": "provincial",
                                                       "grade": 1, "date": "2025-11-02"}]}
                           ).get_json()
    client = page_login(world.app, "t1")
    unit_page = visible_text(client.get(f"/items/{unit['id']}").get_data(as_text=True))
    assert "课时数" in unit_page and "含教学课件" in unit_page and " 否 " in unit_page
    assert "2025年10月10日" in unit_page and "2025-10-10" not in unit_page
    assert "缺少的信息" in unit_page  # missing_metadata names the field in words
    lecture_page = visible_text(client.get(f"/items/{lecture['id']}").get_data(as_text=True))
    assert "校内专家主讲" in lecture_page and " 是 " in lecture_page
    assert "2025年10月9日" in lecture_page
    paper_page = visible_text(client.get(f"/items/{paper['id']}").get_data(as_text=True))
    assert "省级一等奖" in paper_page and "获奖" in paper_page
    for text in (unit_page, lecture_page, paper_page):
        assert not RAW.search(text), RAW.search(text)


def test_near_duplicate_rule_is_labelled_as_similarity(world: World) -> None:
    teacher = world.user("t1", name="周老师")
    first = teacher.upload(corpus("zh_docx_08_jiaogai_anli.docx"), title="教改案例").get_json()
    again = teacher.upload(corpus("zh_docx_09_jiaogai_anli_neardup_old.docx"),
                           title="教改案例旧稿").get_json()
    assert again["decision"]["code"] == "duplicate", again["decision"]
    page = page_login(world.app, "t1").get(f"/items/{again['id']}").get_data(as_text=True)
    text = visible_text(page)
    assert "判为重复的相似度" in text and "85%" in text and "字数要求" not in text
    assert f'href="/items/{first["id"]}"' in page  # the teacher's own item: a link
    assert "《教改案例》（周老师）" in text
    assert not RAW.search(text), RAW.search(text)


def test_another_teachers_item_is_named_not_linked(world: World) -> None:
    a = world.user("ta", name="甲老师")
    b = world.user("tb", name="乙老师")
    original = a.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx"), title="英语教学总结"
                        ).get_json()
    copy = b.upload(corpus("zh_docx_12_yingyu_jiaoxue_zongjie.docx"), title="抄来的总结").get_json()
    assert copy["decision"]["code"] == "duplicate", copy["decision"]
    client = page_login(world.app, "tb")
    page = client.get(f"/items/{copy['id']}").get_data(as_text=True)
    assert "《英语教学总结》（甲老师）" in visible_text(page)
    assert f'href="/items/{original["id"]}"' not in page  # no dead-end link
    assert client.get(f"/items/{original['id']}").status_code == 404
    admin = page_login(world.app, "admin", world.app.config["ADMIN_PASSWORD"])
    assert f'href="/items/{original["id"]}"' in admin.get(f"/items/{copy['id']}").get_data(as_text=True)
