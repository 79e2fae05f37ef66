"""Clipper's own Whoosh query nodes: exact phrases answered in bulk, and exclusions.

``parse`` (``clipper.index.query``) puts them in place of Whoosh's: ``ExactPhrase`` for a
quoted phrase, ``_PhraseOr`` for the same phrase over several fields (``_group_phrases``),
``Exclusion`` for ``a -b`` (``_fix_exclusions``). The numpy evaluator
(``clipper.index.vector``) answers the same nodes without Whoosh's matchers.
"""
from __future__ import annotations

from bisect import bisect_left
from functools import reduce

import numpy as np
from whoosh import query as wq
from whoosh.matching import (
    AndNotMatcher,
    ListMatcher,
    NullMatcher,
    UnionMatcher,
    WrappingMatcher,
)

from clipper.index.phrase import phrase_counts


class _PhraseMatcher(ListMatcher):
    """A phrase's documents and scores, with a binary-search ``skip_to``."""

    def skip_to(self, id):  # noqa: A002 - Whoosh's matcher signature
        if self._i < len(self._ids) and self._ids[self._i] < id:
            self._i = bisect_left(self._ids, id, self._i)

    def copy(self):
        return _PhraseMatcher(self._ids, self._weights, position=self._i)


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
            return super().matcher(searcher, context)
        return _phrase_matcher(reader, [self])


class _PhraseOr(wq.Or):
    """``Or`` that answers its exact-phrase children (the same phrase in several fields,
    what a quoted phrase without a field becomes) with one matcher instead of a tree of
    per-field matchers."""

    def _matcher(self, subs, searcher, context):
        reader = searcher.reader()
        fast = [q for q in subs if isinstance(q, ExactPhrase) and q.can_bulk(reader)]
        if len(fast) < 2 or self.scale:
            return super()._matcher(subs, searcher, context)
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


class _ExclusionMatcher(AndNotMatcher):
    """whoosh3 3.54's ``AndNotMatcher`` drops the kept side's first document only when the
    excluded side starts on that very document: ``meadow -harrier`` kept its first
    document even when it held "harrier", if "harrier" occurred in an earlier document.
    Here the first document is checked like every other one."""

    def _find_first(self):
        if self.a.is_active() and self.b.is_active():
            self._find_next()


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
