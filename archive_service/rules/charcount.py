"""字数: the character count of a text, the way Word and WPS report 字数 for Chinese documents.

The rule, applied to the text after invisible marks are dropped:

* Each CJK ideograph counts 1: unified ideographs and every extension block (A, B … I),
  compatibility ideographs, radicals, the ideographic letters of the CJK Symbols block
  (々 〆 〇 〡…〩 …), enclosed/compatibility CJK symbols (U+3200–33FF); likewise each kana,
  bopomofo and hangul character.
* Each full-width letter or digit (Ａ–Ｚ, ａ–ｚ, ０–９) counts 1.
* Each maximal run of other non-whitespace characters counts 1: an English word, a number such
  as ``3.14``, ``Python3``, ``(2)``, ``e-mail``.  ASCII punctuation stays inside the run; CJK
  characters, CJK punctuation and whitespace end it.
* CJK and full-width punctuation counts 1 each when ``count_cjk_punctuation`` is true (Word's
  字数 does count Chinese punctuation) and 0 otherwise; either way it ends a Latin run.  It is:
  the CJK Symbols and Punctuation block U+3000–303F (except the ideographic space and the
  ideographic letters above), the full-width and half-width punctuation of U+FF01–FF65 and the
  full-width signs U+FFE0–FFEE, the vertical/small/compatibility forms U+FE10–FE1F and
  U+FE30–FE6F, and the general punctuation Chinese text uses: “ ” ‘ ’ — ― … ‥ · ‧ ‖ ※.
  A curly apostrophe between two Latin letters (``don’t``) is an apostrophe, not a quote.
* Whitespace (including U+3000 and the zero-width space) and control characters count 0 and
  end a run.  Format characters (soft hyphen, BOM, bidi marks), combining marks and variation
  selectors count 0 and are transparent: ``café`` written with a combining accent is one word.
"""

from __future__ import annotations

import re

_IDEOGRAPHIC = (
    "\u1100-\u11ff"  # Hangul Jamo
    "\u2e80-\u2fdf"  # CJK radicals supplement, Kangxi radicals
    "\u2ff0-\u2fff"  # ideographic description characters
    "\u3005-\u3007\u3021-\u3029\u3031-\u3035\u3038-\u303c"  # 々〆〇, Hangzhou numerals, marks
    "\u3041-\u3096\u309b-\u30ff"  # hiragana, katakana
    "\u3105-\u312f\u3131-\u318f\u3190-\u31bf"  # bopomofo, hangul compatibility jamo, kanbun
    "\u31c0-\u31ef\u31f0-\u31ff"  # CJK strokes, katakana phonetic extensions
    "\u3200-\u33ff"  # enclosed CJK letters and months, CJK compatibility
    "\u3400-\u4dbf"  # CJK Extension A
    "\u4e00-\u9fff"  # CJK Unified Ideographs
    "\ua960-\ua97f\uac00-\ud7ff"  # hangul jamo extended, syllables
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f\uffa0-\uffdc"  # half-width katakana and hangul
    "\U0001b000-\U0001b16f"  # kana supplement / extended
    "\U00020000-\U0003134f"  # Extensions B–G, compatibility supplement
    "\U00031350-\U000323af"  # Extension H
)
_FULLWIDTH_ALNUM = "\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
_CJK_PUNCT = (
    "\u3001-\u3004\u3008-\u3020\u3030\u3036\u3037\u303d-\u303f"
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65\uffe0-\uffee"
    "\ufe10-\ufe1f\ufe30-\ufe6f"
    "\u00b7\u2014\u2015\u2016\u2018\u2019\u201c\u201d\u2025\u2026\u2027\u203b"
)
# Dropped before counting: format characters, combining marks, variation selectors.
_INVISIBLE = re.compile(
    "[\u00ad\u0300-\u036f\u0600-\u0605\u061c\u06dd\u070f\u180b-\u180f\u1ab0-\u1aff\u1dc0-\u1dff"
    "\u200c-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\u20d0-\u20ff\u302a-\u302f\u3099\u309a"
    "\ufe00-\ufe0f\ufe20-\ufe2f\ufeff\ufff9-\ufffb"
    "\U000e0001\U000e0020-\U000e007f\U000e0100-\U000e01ef]"
)
_APOSTROPHE = re.compile("(?<=[A-Za-z])[\u2019\u2018](?=[A-Za-z])")
_IDEOGRAPH_RE = re.compile(f"[{_IDEOGRAPHIC}{_FULLWIDTH_ALNUM}]")
_PUNCT_RE = re.compile(f"[{_CJK_PUNCT}]")
_SEPARATORS = "\\s\\x00-\\x1f\\x7f-\\x9f\u200b"  # whitespace, controls, ZWSP
_RUN_RE = re.compile(f"[^{_SEPARATORS}{_IDEOGRAPHIC}{_FULLWIDTH_ALNUM}{_CJK_PUNCT}]+")


def count_chars(text: str, count_cjk_punctuation: bool = True) -> int:
    """Return the 字数 of ``text`` (see the module docstring for the rule)."""
    text = _APOSTROPHE.sub("'", _INVISIBLE.sub("", text))
    total = len(_IDEOGRAPH_RE.findall(text)) + len(_RUN_RE.findall(text))
    if count_cjk_punctuation:
        total += len(_PUNCT_RE.findall(text))
    return total
