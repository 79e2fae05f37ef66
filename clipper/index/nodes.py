"""Clipper's own Whoosh query nodes: exact phrases answered in bulk, and exclusions.

``parse`` (``clipper.index.query``) puts them in place of Whoosh's: ``ExactPhrase`` for a
quoted phrase, ``_PhraseOr`` for the same phrase over several fields (``_group_phrases``),
``Exclusion`` for ``a -b`` (``_fix_exclusions``), and bounded prefix, wildcard and fuzzy
words (``bounded``: their expansion is counted against the search's budget,
``clipper.index.budget``). The numpy evaluator (``clipper.index.vector``) answers the same
nodes without Whoosh's matchers.
"""
from __future__ import annotations

import copy
import re
from functools import reduce

import numpy as np
from whoosh import query as wq
from whoosh.matching import (
    FilterMatcher,
    IntersectionMatcher,
    NullMatcher,
    UnionMatcher,
    WrappingMatcher,
)
from whoosh.util import make_binary_tree

from clipper.index import budget
from clipper.index import whoosh_internals as wi
from clipper.index.phrase import phrase_counts, sloppy_phrase_docs

_PhraseMatcher = wi.SortedListMatcher  # a phrase's documents and scores


def _phrase_matcher(reader, phrases: list[ExactPhrase]):
    """One matcher for the union of exact phrases (one per field), scored like Whoosh's
    ``Or``: the sum of each field's occurrences times its boost."""
    parts = []
    for q in phrases:
        docs, counts = q.bulk(reader)
        if docs.size:
            parts.append((docs, counts * float(q.boost)))
    if not parts:
        return NullMatcher()
    if len(parts) == 1:
        docs, scores = parts[0]
        return _PhraseMatcher(docs.tolist(), scores.tolist())
    docs, inverse = np.unique(np.concatenate([p[0] for p in parts]), return_inverse=True)
    scores = np.bincount(inverse, weights=np.concatenate([p[1] for p in parts]),
                         minlength=len(docs))
    return _PhraseMatcher(docs.tolist(), scores.tolist())


class ExactPhrase(wq.Phrase):
    """``Phrase`` with a faster matcher for exact phrases (slop 1, the quoted case).

    Whoosh's span machinery costs ~20 µs of Python per candidate document; this answers
    the phrase for a whole segment at once from the words' posting lists (see
    ``clipper.index.phrase``). The score is the number of occurrences times the boost."""

    def can_bulk(self, reader) -> bool:
        fieldname = self.fieldname
        return (self.slop == 1 and len(self.words) >= 2 and reader.is_atomic()
                and fieldname in reader.schema
                and reader.schema[fieldname].format.supports("positions"))

    def bulk(self, reader):
        """(documents, occurrences) of this phrase in a segment reader (``can_bulk``
        must be true)."""
        fieldname = self.fieldname
        field = reader.schema[fieldname]
        terms = [field.to_bytes(w) for w in self.words]
        if not all((fieldname, b) in reader for b in terms):
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return phrase_counts(reader, fieldname, terms)

    def matcher(self, searcher, context=None):
        reader = searcher.reader()
        if not self.can_bulk(reader):
            fieldname = self.fieldname
            if (fieldname in reader.schema
                    and not reader.schema[fieldname].format.supports("positions")):
                # No positions (tags: '"a,b"' reads as two tag names): every word.
                return wq.And([wq.Term(fieldname, w, boost=self.boost)
                               for w in self.words]).matcher(searcher, context)
            return self._span_matcher(searcher, context)
        return _phrase_matcher(reader, [self])

    def describe(self) -> str:
        words = " ".join(self.words[:6]) + (" …" if len(self.words) > 6 else "")
        return f'"{words}"' + (f"~{self.slop}" if self.slop != 1 else "")

    def _span_matcher(self, searcher, context):
        """A sloppy phrase's matcher: in bulk in a segment (``_sloppy_matcher``), else
        Whoosh's span matcher built as ``Phrase.matcher`` builds it, checking the
        search's clock at every candidate document."""
        fieldname = self.fieldname
        if fieldname not in searcher.schema:
            return NullMatcher()
        field = searcher.schema[fieldname]
        reader = searcher.reader()
        budget.check(self.describe())
        terms = []
        for word in self.words:
            try:
                btext = field.to_bytes(word)
            except ValueError:
                return NullMatcher()
            if (fieldname, btext) not in reader:
                return NullMatcher()
            terms.append(wq.Term(fieldname, btext))
        if reader.is_atomic() and self.slop > 1:
            m = self._sloppy_matcher(searcher, context, terms)
        else:
            m = _CheckedNear(terms, slop=self.slop, ordered=True, mindist=1).matcher(
                searcher, context)
        if self.boost != 1.0:
            m = WrappingMatcher(m, boost=self.boost)
        return m

    def _sloppy_matcher(self, searcher, context, terms: list[wq.Term]):
        """The documents of a sloppy phrase found in bulk (``phrase.sloppy_phrase_docs``),
        scored by the intersection of the words' matchers as Whoosh's span matcher
        scores them (it is that matcher without the spans)."""
        docs = sloppy_phrase_docs(searcher.reader(), self.fieldname, [t.text for t in terms],
                                  self.slop)
        budget.check()
        if not docs.size:
            return NullMatcher()
        ms = [t.matcher(searcher, context) for t in terms]
        return FilterMatcher(make_binary_tree(IntersectionMatcher, ms), set(docs.tolist()))


# ``SpanNear2`` whose matcher checks the search's clock before it computes the spans of a
# candidate document (a sloppy phrase of many words in a long article can take seconds
# over a few documents).
_CheckedNear = wi.span_near_checking(budget.check)


class _PhraseOr(wi.OrHooks):
    """``Or`` that answers its exact-phrase children (the same phrase in several fields,
    what a quoted phrase without a field becomes) with one matcher instead of a tree of
    per-field matchers."""

    def subs_matcher(self, subs, searcher, context):
        reader = searcher.reader()
        fast = [q for q in subs if isinstance(q, ExactPhrase) and q.can_bulk(reader)]
        if len(fast) < 2 or self.scale:
            return super().subs_matcher(subs, searcher, context)
        ms = [_phrase_matcher(reader, fast)]
        done = {id(q) for q in fast}
        ms += [q.matcher(searcher, context) for q in subs if id(q) not in done]
        ms = [m for m in ms if m.is_active()]
        if not ms:
            return NullMatcher()
        m = reduce(UnionMatcher, ms)
        if self.boost != 1.0:
            m = WrappingMatcher(m, self.boost)
        return m


def _group_phrases(q: wq.Query) -> wq.Query:
    """Or nodes holding several exact phrases become ``_PhraseOr``."""
    if q.is_leaf():
        return q
    q = q.apply(_group_phrases)
    if type(q) is wq.Or and sum(isinstance(s, ExactPhrase) for s in q.subqueries) >= 2:
        grouped = _PhraseOr(q.subqueries, boost=q.boost, minmatch=q.minmatch, scale=q.scale)
        return grouped
    return q


# whoosh3 3.54's ``AndNotMatcher`` kept the first document of ``a -b`` when it held b and
# b's postings started earlier; this one checks the first document like every other.
_ExclusionMatcher = wi.AndNotFirstChecked


class Exclusion(wq.AndNot):
    """``AndNot`` answered with ``_ExclusionMatcher`` (what the parser's ``a -b`` becomes)."""

    def matcher(self, searcher, context=None):
        kept = self.a.matcher(searcher, context)
        excluded = self.b.matcher(searcher, searcher.boolean_context())
        return _ExclusionMatcher(kept, excluded)


def _fix_exclusions(q: wq.Query) -> wq.Query:
    if q.is_leaf():
        return q
    q = q.apply(_fix_exclusions)
    if type(q) is wq.AndNot:
        fixed = Exclusion(q.a, q.b)
        fixed.boost = q.boost
        return fixed
    return q


# ------------------------------------------------------------------ bounded patterns


class _Bounded(wi.WordExpansionHooks):
    """Mixin for Whoosh's multi-term queries: within a search (``budget.limit``) the
    words a node expands to in a reader are counted against the search's word bound,
    checked against its clock, and kept for the rest of the search (Whoosh expands a
    node several times: size estimate, matcher, snippet terms)."""

    def _scan(self, ixreader, b):
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError

    def expand_words(self, ixreader):
        if not ixreader.is_atomic():
            # The union of the segments' words: each segment expands a fuzzy word with
            # its automaton (and the words are usually known from the matching), where a
            # multi-segment reader computed the distance to every word of the lexicon
            # (seconds for the snippet terms of "word~").
            words = set()
            for leaf, _offset in ixreader.leaf_readers():
                words.update(self.expand_words(leaf))
            return sorted(words)
        b = budget.current()
        if b is None:
            return self._scan(ixreader, None)
        key = (type(self), self.fieldname, self.text, getattr(self, "maxdist", None),
               getattr(self, "prefixlength", None), id(ixreader))
        words = b.expansions.get(key)
        if words is None:
            what = self.describe()
            words = b.expand(what, self._scan(ixreader, b))
            b.expansions[key] = words
        return words


class BoundedPrefix(_Bounded, wq.Prefix):
    def describe(self) -> str:
        return f"{self.text}*"

    def _scan(self, ixreader, b):
        return self.stock_words(ixreader)


class BoundedWildcard(_Bounded, wq.Wildcard):
    def describe(self) -> str:
        return self.text

    def _scan(self, ixreader, b):
        """The lexicon words matching the pattern (as Whoosh's ``PatternQuery``), with the
        clock checked every 1024 words scanned: a pattern that starts with * or ? reads
        the field's whole lexicon."""
        fieldname = self.fieldname
        from_bytes = ixreader.schema[fieldname].from_bytes
        match = re.compile(self.pattern()).match
        prefix = self.pattern_prefix()
        candidates = (ixreader.expand_prefix(fieldname, prefix) if prefix
                      else ixreader.lexicon(fieldname))
        for i, btext in enumerate(candidates):
            if b is not None and not i & 1023:
                b.check()
            if match(from_bytes(btext)):
                yield btext


class BoundedFuzzy(_Bounded, wq.FuzzyTerm):
    def describe(self) -> str:
        return f"{self.text}~{self.maxdist}"

    def _scan(self, ixreader, b):
        return self.stock_words(ixreader)


_BOUNDED = {wq.Prefix: BoundedPrefix, wq.Wildcard: BoundedWildcard,
            wq.FuzzyTerm: BoundedFuzzy}


def bounded(q: wq.Query, max_distance: int, max_slop: int) -> wq.Query:
    """``q`` with Whoosh's prefix, wildcard and fuzzy nodes replaced by the bounded ones,
    fuzzy distances above ``max_distance`` and phrase slops above ``max_slop`` lowered
    to them."""
    cls = _BOUNDED.get(type(q))
    if cls is not None:
        q = copy.copy(q)
        q.__class__ = cls
        if cls is BoundedFuzzy and q.maxdist > max_distance:
            q.maxdist = max_distance
        return q
    if isinstance(q, wq.Phrase):
        if q.slop > max_slop:
            q = copy.copy(q)
            q.slop = max_slop
        return q
    if q.is_leaf():
        return q
    return q.apply(lambda child: bounded(child, max_distance, max_slop))
