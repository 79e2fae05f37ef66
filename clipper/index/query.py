"""Search query language.

Words
    ``missile iran`` finds articles containing both words (AND is the default). Words are
    matched by their stem (``missile`` also finds ``missiles``), without regard to case or
    accents (``teheran`` finds ``Téhéran``). An accented vowel may also be left out, as
    transliterations often do: ``Tehran`` finds ``Téhéran`` and ``Téhéran`` finds
    ``Tehran``. Hebrew vowel points and Arabic short-vowel
    marks are ignored. Every article field is searched: title, text, passage quotes,
    notes and tags.

Operators
    ``iran AND missiles``, ``iran OR israel``, ``iran NOT israel`` or ``iran -israel``,
    parentheses for grouping: ``(iran OR israel) AND drones``. Operators must be
    written in capitals. A query of exclusions only (``-iran``, ``NOT iran``,
    ``-iran -israel``, ``-imported:today``) finds everything without them, newest first;
    ``title:-iran`` excludes a field's word. A minus or plus counts only
    at the start of a word: a hyphenated word (``pro-Russian``, ``al-Sadr``) is searched
    as the phrase of its parts.

Phrases and proximity
    ``"mayor of the city"`` matches those words in that order. Nothing is skipped:
    ``"mayor city"`` does not match "mayor of the city". ``"iran missiles"~5`` finds the
    two words in that order, at most five words apart (up to 50: a larger number counts
    as 50).

Prefix and fuzzy
    ``miss*`` finds words starting with "miss". ``rubio~`` finds words one letter away
    from "rubio" (``rubio~2``: up to two letters; more than two counts as two, as in
    most search engines: ``rubio~9`` is ``rubio~2``). ``*ab*`` and ``r?bio`` match
    anywhere in a word.

Cost
    All the prefix, wildcard and fuzzy words of one query may stand for at most 10,000
    different words of the library, and a search may take at most 5 seconds; beyond
    either, the search stops with "the query is too broad", naming the word it was
    working on: use more letters before a ``*``, fewer patterns, a smaller ``~`` or a
    shorter phrase.

Fields
    ``title:`` ``text:`` (body and dek) ``outlet:`` ``agency:`` ``author:`` ``url:``
    (words of the address) ``site:`` (host: ``site:reuters.com`` also matches
    www.reuters.com) ``lang:`` (``lang:en``) ``tag:`` (``tag:missiles``, tag names with
    spaces in quotes: ``tag:"proxy groups"``) ``note:`` ``quote:`` (passage text).
    A field applies to one word, a phrase or a group: ``title:(iran OR israel)``.

Dates
    ``published:`` and ``imported:`` take a year ``2026``, a month ``2026-02`` or a day
    ``2026-02-11``; a range ``[2026-02-01 TO 2026-02-15]`` (both ends included), open at
    either end: ``[2026-02-01 TO]``, ``[TO 2026-02-15]``; a comparison ``>2026-02-01``
    (after that day), ``>=2026-02-01`` (that day or later), ``<``, ``<=``; the words
    ``today`` and ``yesterday``; relative times ``-7d`` (seven days ago) with the units
    ``h`` hours, ``d`` days, ``w`` weeks, ``m`` months, ``y`` years:
    ``published:>-7d`` (published during the last seven days), ``published:<-1m``
    (published more than a month ago), ``imported:>-24h``, ``imported:today``.
    Relative times may also be range ends: ``imported:[-7d TO -1d]``.
    ``changed:`` (same forms) is when an article's newest version arrived, for articles
    with more than one version: ``changed:>-7d``.
    Dates are in UTC.

Presence
    ``has:passages``, ``has:notes``, ``has:tags``, ``has:versions``; ``is:orphaned`` (an article with a
    passage whose quote could no longer be found in the text; in passage search: the
    passage itself is orphaned).

Everything
    An empty query or ``*`` lists everything, newest first unless a sort is chosen.

Queries are limited to 1000 characters. A query that cannot be understood (for example
an unfinished date range) is reported with a message saying what is wrong; stray quotes,
brackets and operators are otherwise read as plainly as possible.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from whoosh import fields
from whoosh import query as wq
from whoosh.qparser import (
    FieldsPlugin,
    FuzzyTermPlugin,
    MultifieldPlugin,
    PlusMinusPlugin,
    QueryParser,
    syntax,
)
from whoosh.qparser.plugins import TaggingPlugin

from clipper.errors import QueryError
from clipper.index.budget import MAX_FUZZY_DISTANCE, MAX_SLOP
from clipper.index.dates import date_query, parse_period  # noqa: F401 - parse_period: also from here
from clipper.index.nodes import (  # noqa: F401 - also imported from here
    ExactPhrase,
    Exclusion,
    _fix_exclusions,
    _group_phrases,
    _PhraseOr,
    bounded,
)
from clipper.index.schema import USER_FIELDS, fold_analyzer, loose_variants

MAX_QUERY_LENGTH = 1000

ARTICLE_DEFAULT_FIELDS = ["title", "text", "quote", "note", "tag"]
PASSAGE_DEFAULT_FIELDS = ["quote", "note", "tag", "title"]

HAS_VALUES = {"passages", "notes", "tags", "versions"}
IS_VALUES = {"orphaned"}


# -------------------------------------------------------------------------- plugins


class _ClipperNode(syntax.SyntaxNode):
    """A query-string clause turned directly into a Whoosh query."""

    has_text = False
    has_boost = False

    def __init__(self, field: str, value: str, original: str):
        self.field = field
        self.value = value
        self.original = original

    def r(self):
        return f"{self.field}:{self.value}"

    def query(self, parser):
        ctx: QueryContext = parser.clipper_context
        field = self.field.lower()
        if field in ("published", "imported", "date", "changed"):
            return date_query(field if field in ("imported", "changed") else "published",
                              _unquote(self.value), ctx.now)
        value = _unquote(self.value).strip().lower()
        if field == "has":
            if value not in HAS_VALUES:
                raise QueryError(
                    f"unknown has:{value} (use has:passages, has:notes, has:tags or has:versions)"
                )
            return wq.Term("has", value)
        if value not in IS_VALUES:
            raise QueryError(f"unknown is:{value} (use is:orphaned)")
        return wq.Term("is", value)


def _unquote(v: str) -> str:
    if len(v) >= 2 and v[0] == v[-1] == '"':
        return v[1:-1]
    return v


class _ClipperPlugin(TaggingPlugin):
    """Dates and presence clauses, tagged before Whoosh's own field syntax."""

    priority = -10
    expr = (
        r"(?<![\w:])(?P<field>(?i:published|imported|changed|date|has|is)):"
        r"(?P<value>\[[^\]]*\]?|\"[^\"]*\"?|[^\s()]*)"
    )

    def create(self, parser, match):
        return _ClipperNode(match.group("field"), match.group("value"), match.group(0))


@dataclass
class QueryContext:
    now: datetime


class _Parser(QueryParser):
    """Prefix and wildcard text is folded but not stemmed (``nous*`` must stay
    ``nous*``); the stemmed whole word is searched as well, so ``missiles*`` still
    finds "missiles"."""

    def multitoken_query(self, spec, texts, fieldname, termclass, boost):
        # A word the analyzer splits ("pro-Russian", "al-Sadr", "2026-02") is searched
        # as the phrase of its parts, wherever the field keeps positions.
        field = self.schema[fieldname] if fieldname in self.schema else None
        if field is not None and field.format.supports("positions"):
            spec = "phrase"
        return super().multitoken_query(spec, texts, fieldname, termclass, boost)

    def term_query(self, fieldname, text, termclass, boost=1.0, tokenize=True,
                   removestops=True):
        if (termclass in (wq.Prefix, wq.Wildcard, wq.FuzzyTerm) and fieldname in self.schema
                and isinstance(self.schema[fieldname], fields.NUMERIC)):
            return wq.NullQuery  # "published:0*": no pattern matching on dates
        if termclass in (wq.Prefix, wq.Wildcard) and fieldname in self.schema:
            folded = "".join(
                t.text for t in self.clipper_fold(text, mode="query", tokenize=False)
            )
            if not folded:
                return None
            q = termclass(fieldname, folded, boost=boost)
            if termclass is wq.Prefix and fieldname in self.stemmed_fields:
                stem = super().term_query(fieldname, text, wq.Term, boost, tokenize,
                                          removestops)
                if stem is not None:
                    q = wq.Or([q, stem])
            return q
        q = super().term_query(fieldname, text, termclass, boost, tokenize, removestops)
        if (termclass is wq.Term and q is not None and fieldname in self.stemmed_fields
                and not text.isascii()):
            # "Téhéran" also finds "Tehran" (the index holds the same variants of
            # accented words: see schema.LooseVowelFilter).
            alts = [super(_Parser, self).term_query(fieldname, v, termclass, boost,
                                                    tokenize, removestops)
                    for v in loose_variants(text)]
            alts = [a for a in alts if a is not None]
            if alts:
                q = wq.Or([q, *alts])
        return q


class _NestedPlusMinusPlugin(PlusMinusPlugin):
    """``+word``/``-word`` inside parentheses too: Whoosh's plugin only sorts the top-level
    group, so ``walrus OR (shore -reef)`` used to fail and fall back to a literal search."""

    def do_plusminus(self, parser, group):
        for i, node in enumerate(group):
            if isinstance(node, syntax.GroupNode):
                group[i] = self.do_plusminus(parser, node)
        # A group of exclusions only ("(-iran)") means everything but them, not nothing.
        nodes = list(group)
        kept = [n for i, n in enumerate(nodes) if not isinstance(n, (self.Plus, self.Minus))
                and not (i and isinstance(nodes[i - 1], self.Minus))]
        if not kept and any(isinstance(n, self.Minus) for n in nodes):
            group.insert(0, _EveryNode())
        return super().do_plusminus(parser, group)


class _EveryNode(syntax.SyntaxNode):
    """Every document (the positive side of a group of exclusions)."""

    has_fieldname = False
    has_text = False

    def __init__(self):
        self.startchar = self.endchar = None
        self.boost = 1.0

    def r(self):
        return "<everything>"

    def query(self, parser):
        return wq.Every()


def make_parser(schema, default_fields: list[str], now: datetime) -> _Parser:
    parser = _Parser(None, schema)
    parser.phraseclass = ExactPhrase
    parser.add_plugin(MultifieldPlugin(default_fields, fieldboosts={"title": 2.0}))
    parser.remove_plugin_class(FieldsPlugin)
    parser.add_plugin(FieldsPlugin(remove_unknown=True))
    parser.add_plugin(FuzzyTermPlugin())
    # "-word" and "+word" only at the start of a word: "pro-Russian" and "al-Sadr" are
    # words of their own, not "pro" without "Russian".
    parser.add_plugin(_NestedPlusMinusPlugin(plusexpr=r"(?<![^\s(])\+",
                                             minusexpr=r"(?<![^\s(])-"))
    parser.add_plugin(_ClipperPlugin())
    parser.clipper_context = QueryContext(now=now)
    parser.clipper_fold = fold_analyzer()
    parser.stemmed_fields = {"title", "text", "quote", "note"}
    return parser


# Field names written by users → schema field names.
_FIELD_RE = re.compile(r"(?<![\w:])(\w+):")


def _rename_fields(q: str, allowed: set[str]) -> str:
    def repl(m: re.Match) -> str:
        name = m.group(1).lower()
        if name in ("published", "imported", "changed", "date", "has", "is"):
            return m.group(0)
        target = USER_FIELDS.get(name)
        if target is None or target not in allowed:
            if target == "text" and "quote" in allowed:
                return "quote:"
            # Unknown field: keep the words, drop the colon meaning.
            return m.group(1) + " "
        return target + ":"

    return _FIELD_RE.sub(repl, q)


def parse(qstring: str, schema, *, passages: bool, now: datetime) -> wq.Query:
    """Parse a user query into a Whoosh query. Raises QueryError on what cannot be read."""
    if not isinstance(qstring, str):
        raise QueryError("the query must be text")
    if len(qstring) > MAX_QUERY_LENGTH:
        raise QueryError(
            f"query is too long ({len(qstring)} characters; the limit is {MAX_QUERY_LENGTH})"
        )
    qstring = qstring.replace("\x00", " ")
    stripped = qstring.strip()
    if not stripped or stripped == "*":
        return wq.Every()
    allowed = set(schema.names())
    text = _field_minus(_rename_fields(stripped, allowed))
    defaults = PASSAGE_DEFAULT_FIELDS if passages else ARTICLE_DEFAULT_FIELDS
    parser = make_parser(schema, defaults, now)
    try:
        q = parser.parse(text)
    except QueryError:
        raise
    except Exception:  # noqa: BLE001 - Whoosh's parser has many failure modes
        q = None
    if q is None or _has_error(q):
        q = _literal(parser, text)
    return _check(_everything_but(q))


# Quoted phrases and [date ranges] are left as they are: a minus there is part of the
# phrase or a relative date ("[-7d TO -1d]").
_FIELD_MINUS_SCAN = re.compile(r'"[^"]*"?|\[[^\]]*\]?|\{[^}]*\}?'
                               r"|(?<![^\s(])(\w+):-(?=[^\s-])")


def _field_minus(text: str) -> str:
    """ "title:-iran" → "-title:iran" (the field's word excluded), outside quotes and
    brackets."""
    return _FIELD_MINUS_SCAN.sub(
        lambda m: f"-{m.group(1)}:" if m.group(1) else m.group(), text)


def _everything_but(q: wq.Query) -> wq.Query:
    """A query made only of exclusions ("NOT iran", "-iran -israel") finds every article
    without those words, as in a mail search, instead of nothing."""
    if type(q) is wq.Not:
        return wq.AndNot(wq.Every(), q.query)
    if type(q) is wq.And and q.subqueries and all(type(c) is wq.Not for c in q.subqueries):
        return wq.AndNot(wq.Every(), wq.Or([c.query for c in q.subqueries]))
    return q


def _has_error(q: wq.Query) -> bool:
    if getattr(q, "error", None):
        return True
    return any(_has_error(c) for c in q.children())


def _literal(parser: _Parser, text: str) -> wq.Query:
    """Best effort: every word of the query, ANDed, without any syntax."""
    words = re.findall(r"\w+", text)
    if not words:
        return wq.NullQuery
    try:
        q = parser.parse(" ".join(f'"{w}"' for w in words[:100]))
    except Exception:  # noqa: BLE001
        raise QueryError("the query could not be understood") from None
    return q if q is not None else wq.NullQuery


def _check(q: wq.Query) -> wq.Query:
    # Whoosh returns NullQuery for a query that has nothing searchable left (for example
    # "AND OR NOT"): that is an honest "no hits", not an error.
    if q is None:
        return wq.NullQuery
    q = bounded(q, MAX_FUZZY_DISTANCE, MAX_SLOP)
    return _fix_exclusions(_group_phrases(q))


def query_words(q: wq.Query) -> list[tuple[str, str, int, int]]:
    """(fieldname, text, startchar, endchar) of plain terms, for "did you mean"."""
    out = []
    for leaf in q.leaves():
        if type(leaf) is wq.Term and getattr(leaf, "startchar", None) is not None:
            out.append((leaf.fieldname, leaf.text, leaf.startchar, leaf.endchar))
    return out
