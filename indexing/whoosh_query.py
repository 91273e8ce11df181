"""A compiled query tree (``query.py``) as Whoosh query objects, and the adjacency matcher."""

from __future__ import annotations

from whoosh import matching
from whoosh import query as Q
from whoosh.query.spans import Span, SpanNear2
from whoosh.searching import Searcher

from indexing.analysis import QueryPart
from indexing.model import TITLE_BOOST
from indexing.query import AllOf, AndMaybe, AnyOf, Exclude, Match, Negate, Node

__all__ = ["to_whoosh"]


def to_whoosh(node: Node) -> Q.Query:
    """Translate a query tree; the gram fields decide matching, the word fields rank."""
    if isinstance(node, Match):
        return _part_query(node.part, node.fields)
    if isinstance(node, AllOf):
        return Q.And([to_whoosh(child) for child in node.children])
    if isinstance(node, AnyOf):
        return Q.Or([to_whoosh(child) for child in node.children])
    if isinstance(node, Negate):
        return Q.Not(to_whoosh(node.child))
    if isinstance(node, Exclude):
        return Q.AndNot(to_whoosh(node.keep), to_whoosh(node.drop))
    if isinstance(node, AndMaybe):
        return Q.AndMaybe(to_whoosh(node.must), to_whoosh(node.maybe))
    raise TypeError(f"unknown query node {node!r}")


def _part_query(part: QueryPart, fields: tuple[str, ...]) -> Q.Query:
    """Match one query part; the gram fields decide matching, the word fields add ranking.

    For a part with CJK text, ``(title_grams:G OR content_grams:G) ANDMAYBE (title:w OR
    content:w ...)``, where G is the part as a gram phrase (a single gram term for one or two
    characters) and w are its jieba words. A gram phrase is an exact substring match, so it
    already covers every document the words would match as a phrase; the words only score.
    A part without CJK (Latin words, digits) is a phrase on the word fields.
    """
    if "teacher" in fields:
        return _sequence("teacher", part.grams)
    if not part.has_cjk:
        return _any([_sequence(field, part.words, _boost(field)) for field in fields])
    match = _any([
        _sequence(f"{field}_grams", part.grams, _boost(field), _proof(field, part))
        for field in fields
    ])
    words = sorted(set(part.words))
    rank = _any([Q.Term(f, word, boost=_boost(f)) for f in fields for word in words])
    return Q.AndMaybe(match, rank)


def _proof(field: str, part: QueryPart) -> Q.Term | None:
    """The part as a single word of ``field``, when jieba keeps it whole."""
    if len(part.words) == 1 and part.words[0] == "".join(part.pieces):
        return Q.Term(field, part.words[0])
    return None


def _boost(field: str) -> float:
    """Query-time boost: linear, unlike index-time field_boost which BM25 saturates."""
    return TITLE_BOOST if field == "title" else 1.0


def _any(queries: list[Q.Query]) -> Q.Query:
    return queries[0] if len(queries) == 1 else Q.Or(queries)


def _sequence(
    field: str, terms: tuple[str, ...], boost: float = 1.0, shortcut: Q.Term | None = None
) -> Q.Query:
    if len(terms) == 1:
        return Q.Term(field, terms[0], boost=boost)
    return _AdjacentPhrase(field, list(terms), boost=boost, shortcut=shortcut)


class _AdjacentPhrase(Q.Phrase):
    """A slop-1 phrase with a cheaper adjacency check than Whoosh's generic span code.

    Whoosh builds span objects for every occurrence of every word; this intersects the sets of
    start positions instead. ``shortcut`` is a term whose presence in a document proves the
    phrase (the query part as one jieba word: content:机器人 implies content_grams:机器 器人 in a
    row), so the position check only runs where jieba segmented the text differently.
    """

    def __init__(self, fieldname: str, words: list[str], boost: float = 1.0,
                 shortcut: Q.Term | None = None) -> None:
        super().__init__(fieldname, words, boost=boost)
        self.shortcut = shortcut

    def matcher(self, searcher: Searcher, context: object = None) -> matching.Matcher:
        field = searcher.schema[self.fieldname]
        reader = searcher.reader()
        matchers = []
        for word in self.words:
            btext = field.to_bytes(word)
            if (self.fieldname, btext) not in reader:
                return matching.NullMatcher()
            matchers.append(Q.Term(self.fieldname, btext).matcher(searcher, context))
        proof = None
        if self.shortcut is not None and (self.shortcut.fieldname, self.shortcut.text) in reader:
            proof = self.shortcut.matcher(searcher, context)
        matcher = _AdjacentMatcher(matchers, proof)
        if self.boost != 1.0:
            return matching.WrappingMatcher(matcher, boost=self.boost)
        return matcher


class _AdjacentMatcher(SpanNear2.SpanNear2Matcher):
    """Matches documents where word i occurs at position p + i for some p."""

    def __init__(self, matchers: list[matching.Matcher], proof: matching.Matcher | None) -> None:
        self.proof = proof  # set first: the base class looks for the first match at once
        super().__init__(matchers, slop=1, ordered=True, mindist=1)

    def copy(self) -> _AdjacentMatcher:
        proof = self.proof.copy() if self.proof is not None else None
        return _AdjacentMatcher([m.copy() for m in self.ms], proof)

    def _proven(self) -> bool:
        proof, doc = self.proof, self.child.id()
        if proof is None or not proof.is_active():
            return False
        if proof.id() < doc:
            proof.skip_to(doc)
        return bool(proof.is_active() and proof.id() == doc)

    def _get_spans(self) -> list[Span]:
        last = len(self.ms) - 1
        if self._proven():
            return [Span(0, last)]  # only non-emptiness matters to the callers
        starts = set(self.ms[0].value_as("positions"))
        for offset in range(1, len(self.ms)):
            starts.intersection_update([p - offset for p in self.ms[offset].value_as("positions")])
            if not starts:
                return []
        return [Span(start, start + last) for start in sorted(starts)]
