"""When the index merges segments: a tiered (log-structured) policy, like Lucene's.

Every commit adds a segment. Segments are grouped in tiers by their number of documents
(tier 0 up to ``FLOOR`` documents, then each tier ``FACTOR`` times larger); once a tier
holds ``FACTOR`` segments, they are merged into one segment of the next tier. A document is
therefore rewritten at most once per tier it climbs: ``1 + log_FACTOR(N / FLOOR)`` times for
an index of N documents (≤ 5 times at 250,000 articles with the values below), never
once per commit. Segments above ``MAX_MERGED`` documents are never merged again (a merge's
cost is bounded), and a segment that is mostly deletions is rewritten on its own.

Commits made by writes (``commit_merge``) merge only small tiers (at most ``INLINE_DOCS``
documents in all); merges up to ``IDLE_DOCS`` are left to the index lane of an open app when
it is idle, and the big ones (up to ``MAX_MERGED``) to the end of bulk jobs (imports,
rebuilds), which the user already waits for; an interactive write never rewrites a large
segment, and a search never waits behind a long merge.
"""
from __future__ import annotations

import math

FACTOR = 8
FLOOR = 64
MAX_MERGED = 100_000
INLINE_DOCS = 256  # commits of writes, and the lane right after a round (tier 0)
IDLE_DOCS = 4_000  # the lane of an open app, between writes (a merge of this size: ~2 s)
DELETED_SHARE = 0.5  # a segment with more deletions than this is rewritten on its own


def tier(n: int) -> int:
    if n <= FLOOR:
        return 0
    return 1 + int(math.log(n / FLOOR, FACTOR))


def choose(segments, max_docs: int) -> list:
    """The segments to merge next (empty: nothing is due), at most ``max_docs`` documents."""
    by_tier: dict[int, list] = {}
    for seg in segments:
        live = seg.doc_count()
        total = seg.doc_count_all()
        if total and total - live > DELETED_SHARE * total and total <= max_docs:
            return [seg]
        if live >= MAX_MERGED:
            continue
        by_tier.setdefault(tier(live), []).append(seg)
    for t in sorted(by_tier):
        group = sorted(by_tier[t], key=lambda s: s.doc_count())
        if len(group) >= FACTOR:
            merge = group[:FACTOR]
            if sum(s.doc_count_all() for s in merge) <= max_docs:
                return merge
    return []


def choose_lowest_tier(segments, at_least: int, max_docs: int) -> list:
    """Every segment of the lowest tier, smallest first, up to ``max_docs`` documents, once
    there are ``at_least`` of them (empty: none is due). For the edits applied during a
    bulk job (``clipper.index.small_merges``): one merge of many one-document segments."""
    small = sorted((s for s in segments if tier(s.doc_count()) == 0), key=lambda s: s.doc_count_all())
    if len(small) < at_least:
        return []
    chosen, total = [], 0
    for seg in small:
        if total + seg.doc_count_all() > max_docs:
            break
        chosen.append(seg)
        total += seg.doc_count_all()
    return chosen if len(chosen) >= 2 else []


def _merge(writer, segments, max_docs: int):
    from whoosh.reading import SegmentReader

    from clipper.index import engine

    if not engine.FAST:
        return engine.stock_merge(writer, segments)
    merge = choose(segments, max_docs)
    if not merge:
        return segments
    for seg in merge:
        reader = SegmentReader(writer.storage, writer.schema, seg)
        try:
            writer.add_reader(reader)
        finally:
            reader.close()
    return [s for s in segments if s not in merge]


def commit_merge(writer, segments):
    """Whoosh ``mergetype`` for the commits of writes: only small tiers, bounded."""
    return _merge(writer, segments, INLINE_DOCS)


def merge_up_to(max_docs: int):
    """A Whoosh ``mergetype`` running one due merge of at most ``max_docs`` documents."""
    return lambda writer, segments: _merge(writer, segments, max_docs)


def no_merge(writer, segments):
    return segments
