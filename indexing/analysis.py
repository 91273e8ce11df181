"""Chinese text analysis: word tokens (jieba), CJK character grams, query parts, snippets.

Two token streams are produced from the same scan of the text:

* word tokens: jieba's precise mode (``cut(HMM=True)``) on runs of CJK characters, plus
  Latin/digit words (lowercased). Positions are a running index, so a quoted phrase matches
  adjacent words. Clause punctuation (``。，；：！？`` …) adds a one-position gap so that a phrase
  never spans it; whitespace and other punctuation add nothing.
* gram tokens: every CJK character (1-gram) and every pair of neighbouring CJK characters
  (2-gram), both at the position of their first character, plus the same Latin/digit words.
  A CJK run of n characters takes n positions, so any substring of the text is a phrase of
  2-grams (ending in a 1-gram when something follows it).

At query time (see ``index.py``) the gram stream decides which documents match (a CJK query
term is an exact substring match: 等奖 finds 一等奖, 作业设计 needs the four characters in a row)
and the word stream adds ranking (a document where jieba saw the query's words scores higher).

Precise mode rather than ``cut_for_search``: the search mode emits overlapping sub-words,
which have no single running position and would break phrase adjacency; recall for parts of
words comes from the grams, so the word stream can stay one consistent segmentation.
"""

from __future__ import annotations

import html
import logging
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import jieba
from whoosh.analysis import Token, Tokenizer

__all__ = [
    "ANALYSIS_VERSION",
    "EDUCATION_WORDS",
    "GramTokenizer",
    "QueryPart",
    "WordTokenizer",
    "add_words",
    "gram_tokens",
    "make_snippet",
    "needle_pattern",
    "query_parts",
    "word_tokens",
]

#: Education terms added to jieba's dictionary so they segment as one word.
EDUCATION_WORDS: tuple[str, ...] = (
    "教学反思", "教学设计", "单元整体教学设计", "大单元教学", "课程思政", "校本研修",
    "学时", "核心素养", "教研活动", "听课记录", "说课稿", "公开课", "示范课", "作业设计",
    "跨学科", "项目式学习", "学习任务群", "学情分析", "教学目标", "教学重难点", "板书设计",
    "课堂实录", "集体备课", "新课标", "双减", "信息技术", "劳动教育", "德育工作",
)

_CJK = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
#: Clause punctuation: a phrase never spans it (index: position gap; query: split point).
_GAP = "。，、；：！？…,;:!?｡､"
_PIECE_RE = re.compile(
    rf"(?P<cjk>[{_CJK}](?:\s*[{_CJK}])*)"
    rf"|(?P<word>[^\W\d_{_CJK}]+|\d+)"
    rf"|(?P<gap>[{re.escape(_GAP)}])"
)
_SPACE_RE = re.compile(r"\s+")
#: Full-width ASCII to ASCII (length-preserving, so offsets stay valid).
_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}
#: Whole query terms that are not searched on their own (too common to mean anything).
_STOP_TERMS = frozenset(
    "的 了 着 之 和 与 及 或 而 是 在 也 就 都 a an the of and or to in".split()
)

_log = logging.getLogger(__name__)
_jieba_lock = threading.Lock()
_segmenter: jieba.Tokenizer | None = None
_words: set[str] = set(EDUCATION_WORDS)
_words_added: set[str] = set()


# --- jieba --------------------------------------------------------------------------------


def add_words(words: Iterable[str]) -> None:
    """Add words to the process-wide dictionary (applied now or at the lazy load)."""
    with _jieba_lock:
        _words.update(w.strip() for w in words if w and w.strip())
        if _segmenter is not None:
            _apply_words(_segmenter)


def _apply_words(segmenter: jieba.Tokenizer) -> None:
    for word in sorted(_words - _words_added):
        segmenter.add_word(word)
        _words_added.add(word)


def _get_segmenter() -> jieba.Tokenizer:
    """Return the process-wide jieba tokenizer, loading its dictionary once."""
    global _segmenter
    segmenter = _segmenter
    if segmenter is None:
        with _jieba_lock:
            if _segmenter is None:
                jieba.setLogLevel(logging.WARNING)
                fresh = jieba.Tokenizer()
                fresh.initialize()
                _apply_words(fresh)
                _segmenter = fresh
                _log.debug("jieba dictionary loaded")
            segmenter = _segmenter
    return segmenter


# --- scanning -----------------------------------------------------------------------------


def warm_up() -> None:
    """Load jieba's dictionary now (about a second) rather than in the first request."""
    _get_segmenter()


def _fold(text: str) -> str:
    return text.translate(_FOLD)


def _cjk_run(match: re.Match[str]) -> tuple[str, list[int]]:
    """Return the run without whitespace and the source offset of each character."""
    run, start = match.group(), match.start()
    if not any(ch.isspace() for ch in run):
        return run, list(range(start, start + len(run)))
    chars, offsets = [], []
    for i, ch in enumerate(run):
        if not ch.isspace():
            chars.append(ch)
            offsets.append(start + i)
    return "".join(chars), offsets


def word_tokens(text: str) -> Iterator[tuple[str, int, int, int]]:
    """Yield ``(text, pos, startchar, endchar)`` for the word stream."""
    cut = _get_segmenter().cut
    pos = 0
    for match in _PIECE_RE.finditer(_fold(text)):
        kind = match.lastgroup
        if kind == "cjk":
            run, offsets = _cjk_run(match)
            i = 0
            for word in cut(run, HMM=True):
                j = i + len(word)
                yield word, pos, offsets[i], offsets[j - 1] + 1
                pos += 1
                i = j
        elif kind == "word":
            yield match.group().lower(), pos, match.start(), match.end()
            pos += 1
        else:
            pos += 1


def gram_tokens(text: str) -> Iterator[tuple[str, int, int, int]]:
    """Yield ``(text, pos, startchar, endchar)`` for the 1-gram/2-gram stream."""
    pos = 0
    for match in _PIECE_RE.finditer(_fold(text)):
        kind = match.lastgroup
        if kind == "cjk":
            run, offsets = _cjk_run(match)
            last = len(run) - 1
            for i, ch in enumerate(run):
                yield ch, pos + i, offsets[i], offsets[i] + 1
                if i < last:
                    yield run[i : i + 2], pos + i, offsets[i], offsets[i + 1] + 1
            pos += len(run)
        elif kind == "word":
            yield match.group().lower(), pos, match.start(), match.end()
            pos += 1
        else:
            pos += 1


#: Bump when tokenization changes: an index built by another version is recreated empty.
ANALYSIS_VERSION = 1


class _StreamTokenizer(Tokenizer):
    """Whoosh adapter: turns a ``(text, pos, start, end)`` stream into Token objects."""

    def __init__(self) -> None:
        self.version = ANALYSIS_VERSION  # pickled with the index's schema

    def _stream(self, text: str) -> Iterator[tuple[str, int, int, int]]:
        raise NotImplementedError

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: object,
    ) -> Iterator[Token]:
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        stream = self._stream(value) if tokenize else [(value, 0, 0, len(value))]
        for text, pos, start, end in stream:
            token.text = text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = text
            if positions:
                token.pos = start_pos + pos
            if chars:
                token.startchar = start_char + start
                token.endchar = start_char + end
            yield token


class WordTokenizer(_StreamTokenizer):
    """jieba words and Latin/digit words with consecutive word positions."""

    def _stream(self, text: str) -> Iterator[tuple[str, int, int, int]]:
        return word_tokens(text)


class GramTokenizer(_StreamTokenizer):
    """CJK 1-grams and 2-grams plus Latin/digit words, positioned by character."""

    def _stream(self, text: str) -> Iterator[tuple[str, int, int, int]]:
        return gram_tokens(text)


# --- query side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class QueryPart:
    """One contiguous piece of a query term (query terms are split at clause punctuation).

    ``words`` is the phrase for the word fields, ``grams`` the phrase for the gram fields,
    ``pieces`` the CJK runs and Latin words in order (for highlighting).
    """

    words: tuple[str, ...]
    grams: tuple[str, ...]
    pieces: tuple[str, ...]
    has_cjk: bool


def query_parts(text: str) -> list[QueryPart]:
    """Split a raw query term into parts; parts that are only stop terms are dropped."""
    parts: list[QueryPart] = []
    for chunk in re.split(f"[{re.escape(_GAP)}]", _fold(text)):
        part = _query_part(chunk)
        if part is not None:
            parts.append(part)
    return parts


def _query_part(chunk: str) -> QueryPart | None:
    words = tuple(word for word, *_ in word_tokens(chunk))
    if not words or (len(words) == 1 and words[0] in _STOP_TERMS):
        return None
    pieces: list[str] = []
    grams: list[str] = []
    matches = [m for m in _PIECE_RE.finditer(chunk) if m.lastgroup != "gap"]
    for index, match in enumerate(matches):
        if match.lastgroup == "word":
            pieces.append(match.group().lower())
            grams.append(pieces[-1])
            continue
        run, _ = _cjk_run(match)
        pieces.append(run)
        grams.extend(run[i : i + 2] for i in range(len(run) - 1))
        if len(run) == 1 or index < len(matches) - 1:
            grams.append(run[-1])
    has_cjk = any(m.lastgroup == "cjk" for m in matches)
    return QueryPart(words, tuple(grams), tuple(pieces), has_cjk)


# --- snippets -----------------------------------------------------------------------------

_SEP = rf"[^\w{re.escape(_GAP)}]*"
_LETTER = rf"[^\W\d_{_CJK}]"
_Span = tuple[int, int, str]


def needle_pattern(parts: Iterable[QueryPart]) -> re.Pattern[str] | None:
    """Compile a pattern matching any of the query parts in (folded) document text."""
    alternatives = []
    for part in sorted(set(parts), key=lambda p: -sum(map(len, p.pieces))):
        alternatives.append(_SEP.join(_piece_pattern(piece) for piece in part.pieces))
    if not alternatives:
        return None
    return re.compile("|".join(f"(?:{alt})" for alt in alternatives), re.IGNORECASE)


def _piece_pattern(piece: str) -> str:
    if re.match(f"[{_CJK}]", piece):
        return r"\s*".join(re.escape(ch) for ch in piece)
    edge = r"\d" if piece[0].isdigit() else _LETTER
    return rf"(?<!{edge}){re.escape(piece)}(?!{edge})"


def make_snippet(text: str, pattern: re.Pattern[str] | None, width: int = 120) -> str:
    """Return an HTML-escaped fragment of about ``width`` characters around the best match.

    Matches are wrapped in ``<mark>``; with no match the start of the text is returned.
    """
    text = text.strip()
    spans = _spans(text, pattern)
    if not spans:
        return _render(text, 0, min(len(text), width), [])
    start, end = _best_window(spans, len(text), width)
    inside = [(s, e) for s, e, _ in spans if s >= start and e <= end]
    return _render(text, start, end, inside)


def _spans(text: str, pattern: re.Pattern[str] | None, limit: int = 300) -> list[_Span]:
    """Return up to ``limit`` matches as ``(start, end, normalised text)``."""
    if pattern is None:
        return []
    spans = []
    for match in pattern.finditer(_fold(text)):
        if match.end() > match.start():
            key = _SPACE_RE.sub("", match.group()).lower()
            spans.append((match.start(), match.end(), key))
            if len(spans) >= limit:
                break
    return spans


def _best_window(spans: list[_Span], length: int, width: int) -> tuple[int, int]:
    """Pick the window holding the most distinct matched texts, then the most matches."""
    best_key, best_first, best_end = (-1, -1), 0, 0
    for i, (first, _, _) in enumerate(spans):
        keys, count, last_end = set(), 0, first
        for s, e, key in spans[i:]:
            if s - first > width:
                break
            if e - first <= width:
                keys.add(key)
                count += 1
                last_end = max(last_end, e)
        if (len(keys), count) > best_key:
            best_key, best_first, best_end = (len(keys), count), first, last_end
    slack = max(0, width - (best_end - best_first))
    start = max(0, best_first - slack // 3)
    end = min(length, start + width)
    return max(0, end - width), end


def _render(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> str:
    out = ["…"] if start > 0 else []
    cursor = start
    for s, e in spans:
        out.append(_escape(text[cursor:s]))
        out.append(f"<mark>{_escape(text[s:e])}</mark>")
        cursor = e
    out.append(_escape(text[cursor:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)


def _escape(text: str) -> str:
    return html.escape(_SPACE_RE.sub(" ", text))
