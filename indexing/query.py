"""Query compilation: user text → an engine-neutral tree of query parts.

Whoosh's query parser is used for syntax only (fields, quotes, parentheses, AND/OR/NOT); every
term is then cut into :class:`~indexing.analysis.QueryPart` s. Each engine turns the tree into
its own query objects (``whoosh_query.py``, ``tantivy_index.py``), so both engines answer the
same syntax with the same meaning.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Union

from whoosh import query as Q
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import TEXT, Schema
from whoosh.qparser import FieldAliasPlugin, QueryParser, syntax
from whoosh.qparser.plugins import (
    BoostPlugin,
    EveryPlugin,
    RangePlugin,
    SingleQuotePlugin,
    WildcardPlugin,
)

from indexing import analysis
from indexing.analysis import QueryPart
from indexing.model import MAX_PER_PAGE, SNIPPET_CHARS, Hit, QueryError

__all__ = ["AllOf", "AndMaybe", "AnyOf", "Compiled", "Exclude", "Match", "Negate", "Node",
           "compile_query"]

MAX_QUERY_CHARS = 200
MAX_QUERY_PARTS = 24

#: Which index fields a field prefix searches.
SCOPES = {
    "any": ("title", "content"),
    "title": ("title",),
    "content": ("content",),
    "teacher": ("teacher",),
}


@dataclass(frozen=True)
class Match:
    """One query part searched in ``fields`` (title/content/teacher)."""

    part: QueryPart
    fields: tuple[str, ...]


@dataclass(frozen=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Negate:
    """Every document except those matching ``child``."""

    child: Node


@dataclass(frozen=True)
class Exclude:
    """``keep`` ANDNOT ``drop``."""

    keep: Node
    drop: Node


@dataclass(frozen=True)
class AndMaybe:
    """``must`` decides matching; ``maybe`` only adds to the score."""

    must: Node
    maybe: Node


Node = Union[Match, AllOf, AnyOf, Negate, Exclude, AndMaybe]  # noqa: UP007 - runtime alias


@dataclass(frozen=True)
class Compiled:
    tree: Node
    highlight: tuple[QueryPart, ...]  # positive content parts, for snippets


_OPERATORS = frozenset({"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"})
_QUERY_FOLD = str.maketrans({"“": '"', "”": '"', "＂": '"', "「": '"', "」": '"', "『": '"',
                             "』": '"', "（": "(", "）": ")", "：": ":", "\u3000": " "})
_parser_lock = threading.Lock()
_parser: QueryParser | None = None


def _get_parser() -> QueryParser:
    """Return a parser that only understands syntax: fields, phrases, groups, operators."""
    global _parser
    with _parser_lock:
        if _parser is None:
            raw = TEXT(analyzer=SpaceSeparatedTokenizer())
            schema = Schema(any=raw, title=raw, content=raw, teacher=raw)
            parser = QueryParser("any", schema, group=syntax.AndGroup)
            for plugin in (SingleQuotePlugin, WildcardPlugin, RangePlugin, BoostPlugin,
                           EveryPlugin):
                parser.remove_plugin_class(plugin)
            parser.add_plugin(FieldAliasPlugin(
                {"title": ["标题"], "content": ["正文", "内容"], "teacher": ["教师", "作者"]}
            ))
            _parser = parser
        return _parser


def compile_query(text: str) -> Compiled | None:
    """Parse user input into a query tree; ``None`` for an empty query."""
    text = text.translate(_QUERY_FOLD).strip()
    if not text:
        return None
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"检索词过长（最多 {MAX_QUERY_CHARS} 个字符）。")
    _check_balance(text)
    try:
        parsed = _get_parser().parse(text)
    except Exception as exc:  # Whoosh is lenient; anything it raises is a syntax problem
        raise QueryError("无法理解检索式，请检查引号、括号和 AND / OR / NOT 的用法。") from exc
    builder = _Builder()
    tree = builder.build(parsed, positive=True)
    if tree is None:
        raise QueryError("检索词只包含标点符号或停用字，请输入具体的关键词。")
    if builder.part_count > MAX_QUERY_PARTS:
        raise QueryError(f"检索词太多（最多 {MAX_QUERY_PARTS} 个），请精简后再试。")
    return Compiled(tree, tuple(builder.highlight))


def _check_balance(text: str) -> None:
    """Reject unbalanced quotes and parentheses (Whoosh would silently guess)."""
    if text.count('"') % 2:
        raise QueryError("引号不成对，请补全或删除引号。")
    depth = 0
    for part in re.split(r'"[^"]*"', text):
        for ch in part:
            depth += {"(": 1, ")": -1}.get(ch, 0)
            if depth < 0:
                break
        if depth < 0:
            break
    if depth:
        raise QueryError("括号不成对，请检查“(”和“)”。")


class _Builder:
    """Turn Whoosh's parse tree into :data:`Node` s; every term becomes query parts."""

    def __init__(self) -> None:
        self.highlight: list[QueryPart] = []
        self.part_count = 0

    def build(self, node: Q.Query, positive: bool) -> Node | None:
        if isinstance(node, Q.Term):
            return self._leaf(str(node.text), node.fieldname, positive)
        if isinstance(node, Q.Phrase):
            return self._leaf(" ".join(node.words), node.fieldname, positive)
        if isinstance(node, Q.Not):
            child = self.build(node.query, not positive)
            return Negate(child) if child is not None else None
        if isinstance(node, (Q.And, Q.Or)):
            return self._compound(node, positive)
        if isinstance(node, Q.BinaryQuery):
            return self._binary(node, positive)
        if node is Q.NullQuery:
            return None
        raise QueryError("不支持的检索语法。")

    def _compound(self, node: Q.And | Q.Or, positive: bool) -> Node | None:
        kids = tuple(k for k in (self.build(q, positive) for q in node.subqueries) if k is not None)
        if not kids:
            return None
        if len(kids) == 1:
            return kids[0]
        return AllOf(kids) if isinstance(node, Q.And) else AnyOf(kids)

    def _binary(self, node: Q.BinaryQuery, positive: bool) -> Node | None:
        negates_b = isinstance(node, Q.AndNot)
        a = self.build(node.a, positive)
        b = self.build(node.b, not positive if negates_b else positive)
        if a is None or b is None:
            if negates_b and a is None and b is not None:
                return Negate(b)
            return a if a is not None else b
        if negates_b:
            return Exclude(a, b)
        if isinstance(node, Q.AndMaybe):
            return AndMaybe(a, b)
        if isinstance(node, Q.Otherwise):
            return AnyOf((a, b))
        return AllOf((a, b))  # Require

    def _leaf(self, text: str, fieldname: str | None, positive: bool) -> Node | None:
        if text in _OPERATORS:
            raise QueryError(f"“{text}”前后缺少检索词。")
        fields = SCOPES.get(fieldname or "any", SCOPES["any"])
        parts = analysis.query_parts(text)
        self.part_count += len(parts)
        if positive and "content" in fields:
            self.highlight.extend(parts)
        matches = tuple(Match(part, fields) for part in parts)
        if not matches:
            return None
        return matches[0] if len(matches) == 1 else AllOf(matches)


def check_paging(page: int, per_page: int) -> None:
    """The page limits both engines enforce."""
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValueError(f"page must be >= 1 and per_page in 1..{MAX_PER_PAGE}")


def hits_of(rows: Iterable[tuple[int, float, str]], compiled: Compiled | None,
            snippets: bool) -> tuple[Hit, ...]:
    """``(item_id, score, text)`` rows as hits: a listing (no query) scores 0, and snippets
    mark the query's positive parts, HTML-escaped."""
    pattern = analysis.needle_pattern(compiled.highlight) if compiled and snippets else None
    return tuple(Hit(item_id, score if compiled else 0.0,
                     analysis.make_snippet(text, pattern, SNIPPET_CHARS) if snippets else "")
                 for item_id, score, text in rows)
