"""Vectorised query evaluation: the scores Whoosh gives, computed with numpy.

Whoosh scores and collects a query document by document in Python (a matcher tree per
segment, a scorer call per posting, a collector call per match): at 50k articles a word
in half of the documents cost ~80 ms just for that. Here each segment's postings of a
term are read whole, block by block (ids and weights), the BM25F scores of all of them
are computed at once from the segment's field-length column, and the query tree is
combined with array operations (union: sums of the scores present; intersection: sums;
``AndNot``: the left side's scores without the right side's documents).

Only what can be reproduced exactly is answered here (``supported``); anything else goes
through Whoosh. The rules follow Whoosh 3.54 (``whoosh3``), per segment:

- ``Term``: ``bm25(idf, weight, length, avgfl, B, K1) * boost`` with the top searcher's
  idf and average field length and the document's byte-quantised field length (default
  1 without a length column); a field that is not scorable scores the weight.
- ``Prefix``/``Wildcard``/``FuzzyTerm`` expand against the segment's own lexicon. One
  term: that ``Term``. Several: Whoosh's ``Or`` of the terms, which sums their scores
  when it builds a tree of unions (fewer than 1024 terms and two terms or a segment of
  more than 5,000 documents) and otherwise (``ArrayUnionMatcher`` without weighting, the
  case of a constant-score query) gives every matching document 1.0. Their bounded
  forms (``clipper.index.nodes``) score the same; reading the postings checks the
  search's clock (``clipper.index.budget``).
- ``Or`` sums the scores present, ``And`` sums over documents in every child, both times
  their boost; ``AndNot`` keeps its left side's scores; ``Not`` scores 1.0 on every live
  document outside its child; ``Every()`` its boost on every live document;
  ``_DocListQuery`` leaves 1.0; ``NullQuery`` nothing.
- ``ExactPhrase`` (slop 1): its bulk occurrence counts times the boost; ``_PhraseOr``
  scores as ``Or``.

Deleted documents are left out, as ``SegmentReader.postings`` does. One difference from
Whoosh, on purpose: whoosh3 3.54's ``AndNotMatcher`` keeps the first document of its
positive side when the excluded side starts on an earlier document, even if that
document holds an excluded word (``a -b`` can return a document with b); here it is
excluded.

An ``And`` reads its other children only in the posting blocks that hold its smallest
child's matches. Sorted searches order all matches by the sort columns' ranks
(``column_ranks``), as Whoosh's ``SortingCollector`` does.
"""
from __future__ import annotations

from dataclasses import dataclass
from math import log

import numpy as np
from whoosh import query as wq
from whoosh.reading import TermNotFound
from whoosh.scoring import BM25F, BM25FScorer, WeightingModel, WeightScorer

from clipper.index.arraycache import ArrayCache, reader_cache
from clipper.index.codec import read_blocks
from clipper.index.collectors import _DocListQuery, _reader_column
from clipper.index import budget
from clipper.index import whoosh_internals as wi
from clipper.index.nodes import (
    BoundedFuzzy,
    BoundedPrefix,
    BoundedWildcard,
    ExactPhrase,
    Exclusion,
    _PhraseOr,
)

_EMPTY_IDS = np.zeros(0, dtype=np.int64)
_EMPTY_SCORES = np.zeros(0, dtype=np.float64)
_BYTE_LENGTHS = np.array([wi.byte_to_length(b) for b in range(256)], dtype=np.float64)
_NULL_QUERY = type(wq.NullQuery)  # the class of Whoosh's empty query
_MULTI_TERMS = (wq.Prefix, wq.Wildcard, wq.FuzzyTerm, BoundedPrefix, BoundedWildcard,
                BoundedFuzzy)
_BOUNDED = (BoundedPrefix, BoundedWildcard, BoundedFuzzy)
_PREFIXES = (wq.Prefix, BoundedPrefix)
_WILDCARDS = (wq.Wildcard, BoundedWildcard)
_TOO_MANY_CLAUSES = wq.Or.TOO_MANY_CLAUSES  # 1024
_ARRAY_OR_MAX_DOCS = 5000  # Whoosh's Or uses its array matcher up to this segment size


class Unsupported(Exception):
    """The query holds something this module does not reproduce (use Whoosh)."""


def supported(q: wq.Query) -> bool:
    """Whether ``evaluate`` answers ``q`` exactly as Whoosh would."""
    if isinstance(q, _NULL_QUERY):
        return True
    t = type(q)
    if t is wq.Term:
        return True
    if t in _MULTI_TERMS:
        if t in _PREFIXES and q.text == "":
            return False  # Whoosh answers it as Every(field)
        return not (t in _WILDCARDS and q.text == "*")  # that too is Every(field)
    if isinstance(q, _DocListQuery):
        return True
    if t is wq.Every:
        return q.fieldname in (None, "", "*")
    if t is ExactPhrase:
        return q.slop == 1 and len(q.words) >= 2
    if t is wq.Or or t is _PhraseOr:
        return not q.scale and all(supported(s) for s in q.subqueries)
    if t is wq.And:
        return all(supported(s) for s in q.subqueries)
    if t is wq.AndNot or t is Exclusion:
        return supported(q.a) and supported(q.b)
    if t is wq.Not:
        return supported(q.query)
    return False


@dataclass
class Matches:
    """Every matching document of a search: global document numbers (ascending) and
    their scores."""

    docs: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return int(self.docs.size)

    def top(self, n: int) -> list[tuple[int, float]]:
        """The ``n`` best (docnum, score) pairs: higher score first, then lower docnum
        (Whoosh's order)."""
        docs, scores = self.docs, self.scores
        if n <= 0 or not docs.size:
            return []
        if docs.size > n:
            neg = -scores
            kth = np.partition(neg, n - 1)[n - 1]
            cand = np.flatnonzero(neg <= kth)
            docs, scores = docs[cand], scores[cand]
        order = np.lexsort((docs, -scores))[:n]
        return list(zip(docs[order].tolist(), scores[order].tolist()))


    def sorted_top(self, n: int, keys: list[np.ndarray]) -> list[int]:
        """The ``n`` first documents in the order of ``keys`` (arrays indexed by global
        document number, most significant first; ascending), ties by docnum, as
        Whoosh's ``SortingCollector`` orders them."""
        docs = self.docs
        if n <= 0 or not docs.size:
            return []
        order = np.lexsort((docs, *[k[docs] for k in reversed(keys)]))[:n]
        return docs[order].tolist()


def column_ranks(searcher, name: str, reverse: bool) -> np.ndarray:
    """Sort keys of a column for every global document number: the rank of its value
    (the raw column value Whoosh's sorting uses), negated for a reversed facet (the
    order of ``FieldFacet(name, reverse=reverse)``). Raises ``Unsupported`` when a
    value is not a number or bytes."""
    values: list = []
    for subsearcher, _offset in searcher.leaf_searchers():
        reader = subsearcher.reader()
        n = reader.doc_count_all()
        if not n:
            continue
        values.extend(_reader_column(reader, name, translate=False))
    if not values:
        return _EMPTY_IDS
    if all(type(v) is int for v in values):
        arr = np.array(values, dtype=np.uint64 if min(values) >= 0 else np.int64)
    elif all(type(v) is bytes for v in values):
        arr = np.array(values, dtype=object)
    else:
        raise Unsupported(f"column {name} values")
    _uniq, ranks = np.unique(arr, return_inverse=True)
    ranks = ranks.astype(np.int64).reshape(-1)
    return -ranks if reverse else ranks


class _Segment:
    """One leaf searcher and what the evaluation needs of it."""

    def __init__(self, subsearcher, weighting):
        self.searcher = subsearcher
        self.reader = subsearcher.reader()
        self.weighting = weighting
        self.doc_count_all = self.reader.doc_count_all()
        self._live = None
        self._deleted = None

    def deleted(self) -> np.ndarray:
        if self._deleted is None:
            r = self.reader
            if r.has_deletions():
                self._deleted = np.sort(np.fromiter(r.deleted_docs_set, dtype=np.int64))
            else:
                self._deleted = _EMPTY_IDS
        return self._deleted

    def live(self) -> np.ndarray:
        if self._live is None:
            all_ids = np.arange(self.doc_count_all, dtype=np.int64)
            deleted = self.deleted()
            self._live = all_ids[~np.isin(all_ids, deleted)] if deleted.size else all_ids
        return self._live

    def lengths(self, fieldname: str) -> np.ndarray:
        """The field's length of every document (as ``doc_field_length(d, f, 1)``),
        cached on the segment reader (its files never change)."""
        cache = self.reader.__dict__.setdefault("_clipper_lengths", {})
        out = cache.get(fieldname)
        if out is None:
            n = self.doc_count_all
            try:
                col = wi.length_column(self.reader, fieldname)
            except LookupError:
                raise Unsupported("reader without per-document lengths") from None
            if col is None:
                out = np.ones(n, dtype=np.float64)
            else:
                out = _BYTE_LENGTHS[_length_codes(col, n)]
            cache[fieldname] = out
        return out


def _restrict(ids: np.ndarray, values: np.ndarray, within: np.ndarray | None):
    if within is None or not ids.size:
        return ids, values
    keep = np.isin(ids, within, assume_unique=True)
    return ids[keep], values[keep]


def _length_codes(col, n: int) -> np.ndarray:
    """A length column's bytes (one per document) as an array, read in one piece when
    it is Whoosh's one-byte numeric column."""
    codes = wi.numeric_column(col, n) if wi.numeric_typecode(col) == "B" else None
    if codes is not None:
        return codes
    return np.fromiter((col[d] for d in range(n)), dtype=np.uint8, count=n)


def _postings(seg: _Segment, fieldname: str, tbytes: bytes,
              within: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(ids, weights) of a term's postings in the segment, deleted documents left out.
    With ``within`` (ascending ids) only those documents, and the blocks holding none of
    them are not read (a block's header gives its last id; reading its data, pickled
    with the positions, is most of the cost)."""
    if within is not None and not within.size:
        return _EMPTY_IDS, _EMPTY_SCORES
    budget.check()
    cache = _posting_cache(seg.reader)
    cached = cache.get((fieldname, tbytes))
    if cached is not None:
        a, w = cached
    else:
        a, w = _read_postings(seg.reader, fieldname, tbytes, within)
        if within is None and a.size >= CACHE_MIN_POSTINGS:
            cache.put((fieldname, tbytes), (a, w))
    deleted = seg.deleted()
    if deleted.size and a.size:
        keep = ~np.isin(a, deleted)
        a, w = a[keep], w[keep]
    return _restrict(a, w, within)


def _read_postings(reader, fieldname: str, tbytes: bytes, within: np.ndarray | None):
    a, w, _values = read_blocks(reader, fieldname, tbytes, within, weights=True)
    a.setflags(write=False)  # may be cached: never changed in place
    w.setflags(write=False)
    return a, w


# The postings (ids and weights, deleted documents included) of terms with at least
# CACHE_MIN_POSTINGS documents in a segment are kept on its reader: reading them (each
# block is unpickled whole, positions included) is most of a broad query's cost, such
# words come back query after query, and segment files never change. Up to
# CACHE_BYTES_PER_DOC bytes per document of the segment (~25 MB at 50k articles), least
# recently used out first.
CACHE_MIN_POSTINGS = 2_000
CACHE_BYTES_PER_DOC = 512


def _posting_cache(reader) -> ArrayCache:
    return reader_cache(reader, "posting_cache",
                        CACHE_BYTES_PER_DOC * max(1, reader.doc_count_all()))


def _term(seg: _Segment, fieldname: str, tbytes: bytes, boost: float,
          within: np.ndarray | None = None):
    try:
        ids, weights = _postings(seg, fieldname, tbytes, within)
    except TermNotFound:  # not in this segment
        return _EMPTY_IDS, _EMPTY_SCORES
    if not ids.size:
        return _EMPTY_IDS, _EMPTY_SCORES
    scorer = seg.weighting.scorer(seg.searcher, fieldname, tbytes)
    if type(scorer) is BM25FScorer:
        fl = seg.lengths(fieldname)[ids]
        idf, avgfl, B, K1 = scorer.idf, scorer.avgfl, scorer.B, scorer.K1
        scores = idf * ((weights * (K1 + 1)) / (weights + K1 * ((1 - B) + B * fl / avgfl)))
    elif type(scorer) is WeightScorer:
        scores = weights
    else:
        raise Unsupported(f"scorer {type(scorer).__name__}")
    if boost != 1.0:
        scores = scores * boost
    return ids, scores


def _union(parts: list) -> tuple[np.ndarray, np.ndarray]:
    parts = [p for p in parts if p[0].size]
    if not parts:
        return _EMPTY_IDS, _EMPTY_SCORES
    if len(parts) == 1:
        return parts[0]
    ids = np.concatenate([p[0] for p in parts])
    scores = np.concatenate([p[1] for p in parts])
    docs, inverse = np.unique(ids, return_inverse=True)
    return docs, np.bincount(inverse, weights=scores, minlength=docs.size)


def _intersection(parts: list) -> tuple[np.ndarray, np.ndarray]:
    parts = sorted(parts, key=lambda p: p[0].size)
    ids, scores = parts[0]
    for other_ids, other_scores in parts[1:]:
        if not ids.size:
            break
        ids, ia, ib = np.intersect1d(ids, other_ids, assume_unique=True,
                                     return_indices=True)
        scores = scores[ia] + other_scores[ib]
    return ids, scores


def _minus(a, b_ids: np.ndarray):
    ids, scores = a
    if not ids.size or not b_ids.size:
        return a
    keep = ~np.isin(ids, b_ids, assume_unique=True)
    return ids[keep], scores[keep]


def _size(q: wq.Query, seg: _Segment) -> int:
    try:
        return int(q.estimate_size(seg.reader))
    except Exception:  # noqa: BLE001 - only an ordering hint
        return seg.doc_count_all


def _eval(q: wq.Query, seg: _Segment, within: np.ndarray | None = None):
    """(ids, scores) of the query's matches in the segment, ascending ids; with
    ``within`` only those of these documents."""
    if isinstance(q, _NULL_QUERY) or (within is not None and not within.size):
        return _EMPTY_IDS, _EMPTY_SCORES
    t = type(q)
    if t is wq.Term:
        fieldname = q.fieldname
        schema = seg.searcher.schema
        if fieldname not in schema:
            return _EMPTY_IDS, _EMPTY_SCORES
        try:
            tbytes = schema[fieldname].to_bytes(q.text)
        except ValueError:
            return _EMPTY_IDS, _EMPTY_SCORES
        return _term(seg, fieldname, tbytes, q.boost, within)
    if t in _MULTI_TERMS:
        return _multi_term(q, seg, within)
    if isinstance(q, _DocListQuery):
        docs = np.asarray(q._docs(seg.reader), dtype=np.int64)
        return _restrict(docs, np.ones(docs.size, dtype=np.float64), within)
    if t is wq.Every:
        live = seg.live()
        return _restrict(live, np.full(live.size, float(q.boost)), within)
    if t is ExactPhrase:
        budget.check(q.describe())
        return _restrict(*_phrase(q, seg), within)
    if t is wq.Or or t is _PhraseOr:  # _PhraseOr scores as Or, only faster in Whoosh
        subs = q.subqueries
        if not subs:
            return _EMPTY_IDS, _EMPTY_SCORES
        if len(subs) == 1:
            return _eval(subs[0], seg, within)  # Whoosh ignores the boost of a one-child Or
        ids, scores = _union([_eval(s, seg, within) for s in subs])
        return ids, (scores * q.boost if q.boost != 1.0 else scores)
    if t is wq.And:
        subs = q.subqueries
        if not subs:
            return _EMPTY_IDS, _EMPTY_SCORES
        if len(subs) == 1:
            return _eval(subs[0], seg, within)
        # The smallest first; the others are read only where it matched.
        subs = sorted(subs, key=lambda sub: _size(sub, seg))
        ids, scores = _eval(subs[0], seg, within)
        for sub in subs[1:]:
            if not ids.size:
                break
            ids, scores = _intersection([(ids, scores), _eval(sub, seg, ids)])
        return ids, (scores * q.boost if q.boost != 1.0 else scores)
    if t is wq.AndNot or t is Exclusion:
        a = _eval(q.a, seg, within)
        if not a[0].size:
            return a
        return _minus(a, _eval(q.b, seg, a[0])[0])
    if t is wq.Not:
        live = seg.live()
        if within is not None:
            live = live[np.isin(live, within, assume_unique=True)]
        return _minus((live, np.ones(live.size, dtype=np.float64)),
                      _eval(q.query, seg, live)[0])
    raise Unsupported(type(q).__name__)


def _phrase(q: ExactPhrase, seg: _Segment):
    """An exact phrase in one field: its occurrences in each document times the boost
    (``clipper.index.nodes.ExactPhrase``'s bulk matcher); on a field without positions,
    every word (as that matcher does)."""
    reader = seg.reader
    if q.can_bulk(reader):
        docs, counts = q.bulk(reader)
        return (np.asarray(docs, dtype=np.int64),
                np.asarray(counts, dtype=np.float64) * float(q.boost))
    fieldname = q.fieldname
    if fieldname in reader.schema and not reader.schema[fieldname].format.supports("positions"):
        return _eval(wq.And([wq.Term(fieldname, w, boost=q.boost) for w in q.words]), seg)
    raise Unsupported("phrase answered by Whoosh's span matcher")


def _multi_term(q, seg: _Segment, within: np.ndarray | None = None):
    fieldname = q.field()
    if fieldname not in seg.searcher.schema:
        return _EMPTY_IDS, _EMPTY_SCORES
    if isinstance(q, _BOUNDED):
        budget.check(q.describe())
    words = [w for w in wi.expanded_words(q, seg.reader) if w]
    if not words:
        return _EMPTY_IDS, _EMPTY_SCORES
    if type(q) in _PREFIXES and len(words) > 1:
        _prefill_idf(seg, fieldname, q.text, words)
    if len(words) == 1:
        return _term(seg, fieldname, words[0], q.boost, within)
    summed = len(words) < _TOO_MANY_CLAUSES and (
        len(words) == 2 or seg.doc_count_all > _ARRAY_OR_MAX_DOCS)
    if summed or not q.constantscore:
        # A tree of unions (or the scored array matcher): the terms' scores summed,
        # each carrying the query's boost.
        return _union([_term(seg, fieldname, w, q.boost, within) for w in words])
    # The unscored array matcher: 1.0 for every document holding any of the terms.
    ids = np.unique(np.concatenate([_postings(seg, fieldname, w, within)[0]
                                    for w in words]))
    return ids, np.ones(ids.size, dtype=np.float64)


def _prefill_idf(seg: _Segment, fieldname: str, prefix, words: list[bytes]) -> None:
    """The idf of every word of a prefix, into the top searcher's cache, from one ordered
    pass over the prefix's terms in each segment. Whoosh computes each word's idf with a
    hash lookup per word per segment: for ``a*`` (~1,300 words in 5 fields) that was
    tens of thousands of lookups. Same formula (``WeightingModel.idf``), same numbers."""
    parent = seg.searcher.get_parent()
    if type(parent.weighting).idf is not WeightingModel.idf:
        return
    cache = wi.idf_cache(parent)
    if all((fieldname, w) in cache for w in words):
        return
    df: dict[bytes, int] = {}
    for reader, _offset in parent.reader().leaf_readers():
        if fieldname in reader.schema and reader.doc_count_all():
            for t, info in reader.iter_prefix(fieldname, prefix):
                df[t] = df.get(t, 0) + info.doc_frequency()
    dc = parent.doc_count_all()
    for w in words:
        cache.setdefault((fieldname, w), log(dc / (df.get(w, 0) + 1)) + 1)


def evaluate(searcher, q: wq.Query) -> Matches:
    """Every document matching ``q`` with the score Whoosh would give it (``searcher``:
    the top searcher). Raises ``Unsupported`` for what this module does not reproduce."""
    if not supported(q):
        raise Unsupported(repr(q))
    weighting = searcher.weighting
    if type(weighting) is not BM25F:
        raise Unsupported(f"weighting {type(weighting).__name__}")
    docs, scores = [], []
    for subsearcher, offset in searcher.leaf_searchers():
        seg = _Segment(subsearcher, weighting)
        if not seg.doc_count_all:
            continue
        ids, s = _eval(q, seg)
        if ids.size:
            docs.append(ids + offset if offset else ids)
            scores.append(s)
    if not docs:
        return Matches(_EMPTY_IDS, _EMPTY_SCORES)
    if len(docs) == 1:
        return Matches(docs[0], np.asarray(scores[0], dtype=np.float64))
    return Matches(np.concatenate(docs), np.concatenate(scores).astype(np.float64))


def _raw_ids(reader, fieldname: str, tbytes: bytes) -> np.ndarray:
    """A term's document numbers in a segment reader, deleted documents included."""
    return read_blocks(reader, fieldname, tbytes)[0]


def term_doc_lists(searcher, fieldname: str) -> list[tuple[bytes, np.ndarray]]:
    """Every term of a field (lexicon order) with the global numbers of the documents
    holding it, deleted documents included (the caller masks them). Each segment's
    lists are cached on its reader (segment files never change)."""
    per_term: dict[bytes, list] = {}
    for subsearcher, offset in searcher.leaf_searchers():
        reader = subsearcher.reader()
        if not reader.doc_count_all() or fieldname not in reader.schema:
            continue
        cache = reader.__dict__.setdefault("_clipper_term_docs", {})
        lists = cache.get(fieldname)
        if lists is None:
            lists = [(t, _raw_ids(reader, fieldname, t)) for t in reader.lexicon(fieldname)]
            cache[fieldname] = lists
        for t, ids in lists:
            per_term.setdefault(t, []).append(ids + offset if offset else ids)
    return [(t, parts[0] if len(parts) == 1 else np.concatenate(parts))
            for t, parts in sorted(per_term.items())]
