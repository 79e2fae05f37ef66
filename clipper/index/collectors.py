"""Custom Whoosh collector and queries: a top-N collector that counts every match,
date ranges answered from sort columns, and passage matches by article id."""
from __future__ import annotations

import numpy as np
from whoosh import collectors, fields
from whoosh import query as wq
from whoosh.matching import ListMatcher, NullMatcher

from clipper.index import budget
from clipper.index import whoosh_internals as wi
from clipper.index.fields import _MISSING_DATE


class _TopCounting(wi.TopCollectorHooks):
    """Top N by score that counts every match in the same pass (Whoosh's default skips
    low-scoring blocks and then runs the whole query a second time to count), and keeps
    the matching documents when facets need them."""

    def __init__(self, limit: int, keep_docs: bool):
        super().__init__(limit=limit, usequality=False)
        self.kept: list[int] | None = [] if keep_docs else None

    # Whoosh's collector loop calls ``matcher.replace(minscore)`` once the heap is full,
    # and a union matcher then drops the documents that cannot reach the top N (it turns
    # into an intersection or "and maybe"): fine for the top N, wrong for the total. The
    # threshold is kept at 0 so every match is counted.
    @property
    def minscore(self):
        return 0

    @minscore.setter
    def minscore(self, value):
        pass

    def collect_one(self, global_docnum, score):
        budget.check()
        if self.kept is not None:
            self.kept.append(global_docnum)
        return super().collect_one(global_docnum, score)


class _CheckedSorting(collectors.SortingCollector):
    """Whoosh's sorting collector, checking the search's clock at every match."""

    def collect(self, sub_docnum):
        budget.check()
        return super().collect(sub_docnum)


class _DocListQuery(wq.Query):
    """A leaf query answered by a list of document numbers (``_docs``), all scoring 1."""

    def is_leaf(self):
        return True

    def _docs(self, reader) -> list[int]:
        raise NotImplementedError

    def matcher(self, searcher, context=None):
        docs = self._docs(searcher.reader())
        if not docs:
            return NullMatcher()
        return ListMatcher(docs, [1.0] * len(docs))

    def docs(self, searcher, deleting=False):
        return iter(self._docs(searcher.reader()))


class _ColumnRange(_DocListQuery):
    """A date range answered from the field's sort column instead of its index terms.

    Whoosh turns a numeric range into the union of up to hundreds of trie terms; at 50k
    articles that cost ~0.3 s per date filter. The column (one number per document,
    cached per segment reader) is scanned in one pass instead."""

    def __init__(self, fieldname: str, start, end, startexcl: bool, endexcl: bool):
        self.fieldname, self.start, self.end = fieldname, start, end
        self.startexcl, self.endexcl = startexcl, endexcl
        self.boost = 1.0

    def __repr__(self):
        return f"_ColumnRange({self.fieldname}, {self.start}, {self.end})"

    def __eq__(self, other):
        return isinstance(other, _ColumnRange) and vars(other) == vars(self)

    def __hash__(self):
        return hash((self.fieldname, self.start, self.end))

    def field(self):
        return self.fieldname

    def estimate_size(self, ixreader):
        return ixreader.doc_count_all()

    def _docs(self, reader) -> list[int]:
        if reader.doc_count_all() == 0 or not reader.has_column(self.fieldname):
            return []
        lo = 0 if self.start is None else self.start + (1 if self.startexcl else 0)
        hi = _MISSING_DATE if self.end is None else self.end + (0 if self.endexcl else 1)
        values = column_array(reader, self.fieldname)
        if isinstance(values, np.ndarray) and values.dtype == np.uint64:
            lo, hi = max(lo, 0), min(hi, _MISSING_DATE)
            docs = np.flatnonzero((values >= np.uint64(lo)) & (values < np.uint64(hi))).tolist()
        else:
            values = _reader_column(reader, self.fieldname, translate=False)
            docs = [d for d, v in enumerate(values) if lo <= v < hi]
        if docs and reader.has_deletions():
            docs = [d for d in docs if not reader.is_deleted(d)]
        return docs



def _reader_column(reader, name: str, translate: bool = True) -> list:
    """A segment reader's whole column as a list, cached on the reader (segment files
    never change; readers are reused across refreshes)."""
    cache = reader.__dict__.setdefault("_clipper_columns", {})
    values = cache.get((name, translate))
    if values is None:
        raw = column_array(reader, name)
        if raw is None:
            values = list(reader.column_reader(name, translate=translate))
        else:
            values = raw.tolist() if isinstance(raw, np.ndarray) else raw
            field = reader.schema[name]
            if not translate or type(field) is fields.COLUMN:  # COLUMN: values as stored
                pass
            elif (type(field) is fields.NUMERIC and field.numtype is int and field.signed
                  and field.bits == 64 and not field.decimal_places
                  and isinstance(raw, np.ndarray) and raw.dtype == np.uint64):
                # Whoosh's from_sortable for signed 64-bit ints: x - 2**63.
                values = (raw ^ np.uint64(1 << 63)).view(np.int64).tolist()
            else:
                values = list(map(field.from_column_value, values))
        cache[(name, translate)] = values
    return values


def segment_column(reader, name: str) -> list:
    """A segment's whole column (``_reader_column``), or None for every document when the
    segment has no such column."""
    n = reader.doc_count_all()
    if n and reader.has_column(name):
        try:
            return _reader_column(reader, name)
        except NotImplementedError:  # a reader without columns: no values
            pass
    return [None] * n


def segment_codes(reader, name: str) -> tuple[np.ndarray, list[bytes]]:
    """A segment's bytes column as integer codes (-1: no value) and the values they stand
    for, in order of first appearance; cached on the reader."""
    cache = reader.__dict__.setdefault("_clipper_columns", {})
    key = (name, "codes")
    cached = cache.get(key)
    if cached is None:
        values = segment_column(reader, name)
        index: dict = {}
        codes = np.fromiter(
            (-1 if v is None or v == b"" else index.setdefault(v, len(index))
             for v in values), dtype=np.int64, count=len(values))
        cached = cache[key] = (codes, list(index))
    return cached


def column_array(reader, name: str):
    """A segment reader's column as stored, read in one piece: a numpy array for a
    numeric column, a list of bytes for a variable-length one, None for other kinds
    (then read value by value). Cached on the reader.

    Whoosh's column readers fetch one value per call (~1.5 µs each: 80 ms for a date
    column of 50k articles); the column's bytes are contiguous in the segment file."""
    cache = reader.__dict__.setdefault("_clipper_columns", {})
    key = (name, "raw")
    if key in cache:
        return cache[key]
    n = reader.doc_count_all()
    creader = reader.column_reader(name, translate=False)
    out = wi.varbytes_column(creader, n)
    if out is None:
        out = wi.numeric_column(creader, n)
    cache[key] = out
    return out



def _column_ranges(q: wq.Query) -> wq.Query:
    if isinstance(q, wq.DateRange):
        return _ColumnRange(q.fieldname, q.start, q.end, q.startexcl, q.endexcl)
    if q.is_leaf():
        return q
    return q.apply(_column_ranges)


class _ArticleMatch(_DocListQuery):
    """Passages whose article is in a set of article ids (a passage query's clause on
    article metadata, answered by the articles index)."""

    def __init__(self, article_ids: frozenset[int], label: str):
        self.article_ids = article_ids
        self.label = label
        self.boost = 1.0

    def __repr__(self):
        return f"_ArticleMatch({self.label}, {len(self.article_ids)} articles)"

    def __eq__(self, other):
        return (isinstance(other, _ArticleMatch) and other.article_ids == self.article_ids
                and other.label == self.label)

    def __hash__(self):
        return hash((self.label, len(self.article_ids)))

    def field(self):
        return None

    def estimate_size(self, ixreader):
        return len(self.article_ids) * 3

    def _docs(self, reader) -> list[int]:
        if reader.doc_count_all() == 0 or not self.article_ids:
            return []
        by_article = reader.__dict__.get("_clipper_by_article")
        if by_article is None:
            by_article = {}
            for docnum, aid in enumerate(reader.column_reader("article_id")):
                by_article.setdefault(aid, []).append(docnum)
            reader.__dict__["_clipper_by_article"] = by_article
        docs = []
        if len(self.article_ids) < len(by_article):
            for aid in self.article_ids:
                docs.extend(by_article.get(aid, ()))
        else:
            for aid, ds in by_article.items():
                if aid in self.article_ids:
                    docs.extend(ds)
        if reader.has_deletions():
            docs = [d for d in docs if not reader.is_deleted(d)]
        docs.sort()
        return docs

