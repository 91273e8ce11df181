"""字数 the way Word/WPS count it (hand-computed expectations, punctuation on and off)."""

from __future__ import annotations

import pytest

from archive_service.rules import count_chars

CASES = [
    # (text, with CJK punctuation, without, how it is counted)
    ("", 0, 0, "empty"),
    ("教学反思", 4, 4, "4 ideographs"),
    ("我用Python 3.11写了2个程序。", 11, 10, "我用 2 + Python + 3.11 + 写了 2 + 2 + 个程序 3 + 。"),
    ("“你好”，世界！", 8, 4, "你好世界 4 + “”，！ 4"),
    ("第（2）题：", 6, 3, "第题 2 + 2 + （）： 3"),
    ("第(2)题", 3, 3, "(2) is one run"),
    ("Hello, world!", 2, 2, "ASCII punctuation stays inside the run"),
    ("e-mail 与 Wi-Fi", 3, 3, "two runs + 与"),
    ("圆周率约为3.14159。", 7, 6, "圆周率约为 5 + 3.14159 + 。"),
    ("  \t\n教 学\u3000设计  ", 4, 4, "whitespace, ideographic space count 0"),
    ("Ｐｙｔｈｏｎ３", 7, 7, "full-width letters and digits count one each"),
    ("《背影》——朱自清", 9, 5, "背影朱自清 5 + 《》—— 4"),
    ("春眠不觉晓，处处闻啼鸟。", 12, 10, "10 ideographs + 2 punctuation"),
    ("人工智能(AI)与ChatGPT", 7, 7, "人工智能 4 + (AI) + 与 + ChatGPT"),
    ("迈克尔·乔丹", 6, 5, "middle dot is Chinese punctuation"),
    ("don’t stop", 2, 2, "curly apostrophe inside a word"),
    ("‘引用’", 4, 2, "curly quotes around CJK are punctuation"),
    ("𠀀𪚥㐀豈", 4, 4, "Extension B, Extension A, compatibility ideographs"),
    ("ひらがなカタカナ한국어", 11, 11, "kana and hangul count one each"),
    ("々〇", 2, 2, "ideographic iteration mark and zero are letters"),
    ("café", 1, 1, "precomposed accent"),
    ("cafe\u0301 bar", 2, 2, "combining accent stays in the word"),
    ("a\u200bb", 2, 2, "zero-width space separates"),
    ("\ufeff开头", 2, 2, "BOM counts 0"),
    ("a\x07b\x00c", 3, 3, "control characters count 0 and separate"),
    ("100%的学生", 4, 4, "100% + 的学生"),
    ("①②③", 1, 1, "a run of circled numbers (not CJK)"),
    ("【注】见第3页", 7, 5, "【】 2 + 注见第页 4 + 3"),
    ("一、二、", 4, 2, "enumeration comma"),
    ("……", 2, 0, "ellipsis: two characters"),
    ("１２３４５", 5, 5, "full-width digits one each, unlike ASCII 12345"),
    ("12345", 1, 1, "a number is one run"),
]


@pytest.mark.parametrize(("text", "with_punct", "without", "why"), CASES,
                         ids=[c[3] for c in CASES])
def test_count(text: str, with_punct: int, without: int, why: str) -> None:
    assert count_chars(text) == with_punct
    assert count_chars(text, True) == with_punct
    assert count_chars(text, count_cjk_punctuation=False) == without


def test_cjk_symbols_block_is_punctuation() -> None:
    # U+3001–U+3004 and U+3008–U+3011: 、。〃〄〈〉《》「」『』【】
    block = "".join(chr(c) for c in range(0x3001, 0x3005)) + "".join(
        chr(c) for c in range(0x3008, 0x3012))
    assert count_chars(block) == len(block)
    assert count_chars(block, False) == 0


def test_fullwidth_punctuation() -> None:
    marks = "！＂＃＄％＆＇（）＊＋，－．／：；＜＝＞？＠［＼］＾＿｀｛｜｝～｡｢｣､･"
    assert count_chars(marks) == len(marks)
    assert count_chars(marks, False) == 0
    assert count_chars("Python，Java；C") == 5  # punctuation separates Latin runs


def test_long_text_is_linear() -> None:
    text = "在教学中，我们应当关注每一个学生的成长。Teaching is learning. " * 2000
    assert count_chars(text) == 2000 * (18 + 2 + 3)
