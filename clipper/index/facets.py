"""Facet counts over a whole result set: by tag, outlet, agency and month.

Counted with numpy from posting lists (tags) and article columns coded per segment (the
codes of a segment are cached on its reader, so a commit only codes its new segment).
Ties keep Whoosh's order: tags in lexicon order, column values in order of their first
matching document.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Callable

import numpy as np

from clipper.index import vector
from clipper.index.collectors import segment_codes

COLUMNS = (("outlet", "outlet_f"), ("agency", "agency_f"), ("month", "month"))


def counts(searcher, articles, docs, *, article_row: Callable[[int], int] | None = None,
           tag_name: Callable[[str], str | None] | None = None) -> dict:
    """``docs``: every matching document of ``searcher``'s index, ascending. ``articles``:
    the articles part (its columns); ``article_row(docnum)``: for passages, the row of
    their article (-1: none); ``tag_name(term)``: the name of an indexed tag term (None:
    a deleted tag), when tags are indexed by id."""
    out: dict[str, dict[str, int]] = {"tag": {}, "outlet": {}, "agency": {}, "month": {}}
    docs = np.asarray(docs, dtype=np.int64)
    if not docs.size:
        return out
    reader = searcher.reader()
    if article_row is None:
        rows = docs
    else:
        rows = np.fromiter((article_row(d) for d in docs.tolist()), dtype=np.int64, count=docs.size)
    mask = np.zeros(reader.doc_count_all(), dtype=bool)
    mask[docs] = True  # live documents only: deleted postings never count
    tags: Counter = Counter()
    for term, ids in vector.term_doc_lists(searcher, "tag"):
        n = int(np.count_nonzero(mask[ids]))
        if n:
            text = term.decode("utf-8")
            if tag_name is not None:
                text = tag_name(text)
            if text is not None:
                tags[text] += n
    out["tag"] = dict(tags.most_common())
    rows = rows[rows >= 0]
    for name, column in COLUMNS:
        codes, labels = column_codes(articles, column)
        if not len(labels):
            continue
        c = codes[rows]
        c = c[c >= 0]
        if not c.size:
            continue
        n = np.bincount(c, minlength=len(labels))
        first = np.full(len(labels), c.size, dtype=np.int64)
        np.minimum.at(first, c, np.arange(c.size, dtype=np.int64))
        present = np.flatnonzero(n)
        ordered = present[np.argsort(first[present], kind="stable")]
        counter = Counter({labels[k]: int(n[k]) for k in ordered.tolist()})
        out[name] = dict(counter.most_common())
    return out


def column_codes(part, column: str) -> tuple[np.ndarray, list[str]]:
    """An article column as integer codes (-1: no value) and their labels, cached for the
    part's current searcher; built from each segment's codes."""
    key = ("_codes", column)
    cached = part._columns.get(key)
    if cached is None:
        index: dict = {}
        pieces = []
        for r in part.leaf_readers():
            codes, values = segment_codes(r, column)
            remap = np.fromiter((index.setdefault(v, len(index)) for v in values),
                                dtype=np.int64, count=len(values))
            pieces.append(np.append(remap, -1)[codes])  # -1 stays -1
        codes = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int64)
        cached = (codes, [k.decode("utf-8") for k in index])
        part._columns[key] = cached
    return cached
