"""Exact phrases answered in bulk from the words' posting lists.

Whoosh checks a phrase document by document in Python (span objects, ~20 µs a
candidate); walking the postings with ``skip_to`` was still several µs a document. For
pairs of common words (each in most articles) that meant hundreds of milliseconds. Here a
segment's postings of each word are read whole, block by block; the documents holding
every word are found with array operations, and only their positions are decoded, in one
pass over the raw position bytes (whoosh3 stores positions as a pickled list of deltas,
nearly always one byte each, which numpy reads directly; anything else is decoded by
Whoosh's own format). A phrase occurrence is a position p of the first word with the
i-th word at p + i, so the shifted (document, position) keys of the words are
intersected.

Deleted documents are left out, as ``SegmentReader.postings`` does.
"""
from __future__ import annotations

from itertools import chain
from pickle import loads

import numpy as np

from clipper.index.arraycache import ArrayCache, reader_cache
from clipper.index.codec import Values, read_blocks, segmented_cumsum

_EMPTY = np.zeros(0, dtype=np.int64)
# Pickle opcodes of a protocol-2 list of ints: PROTO 2, EMPTY_LIST, BINPUT 0, [MARK],
# the items (BININT1 x, BININT2 xx or BININT xxxx), APPEND / APPENDS, [STOP].
_PROTO, _LIST, _BINPUT, _MARK = 0x80, ord("]"), ord("q"), ord("(")
_BININT1, _BININT2, _BININT = ord("K"), ord("M"), ord("J")
_STOP = ord(".")
_MAX_BATCH = 1000  # the pickler writes MARK ... APPENDS batches of 1000 items


def decode_positions(values: list | Values, fmt) -> tuple[np.ndarray, np.ndarray]:
    """(value index, position) pairs of every position in ``values`` (Positions-format
    bytes, a list or ``Values``) as two int64 arrays, ordered by value index then
    position."""
    if not isinstance(values, Values):
        values = Values.of(values)
    keys = decode_keys(np.arange(len(values), dtype=np.int64), values, fmt)
    return keys >> 32, keys & 0xFFFFFFFF


def decode_keys(ids: np.ndarray, values: Values, fmt) -> np.ndarray:
    """``ids[i] << 32 | position`` for every position in ``values[i]`` (Positions-format
    bytes), ascending when ``ids`` is.

    Fast path, for values whose positions after the first are one-byte deltas (nearly
    all): the delta bytes lie two apart, so one gather reads them all; one running sum
    over every value, corrected per value by a single repeated offset, gives the keys."""
    n = len(values)
    if n == 0:
        return _EMPTY
    buf = np.frombuffer(values.buf, dtype=np.uint8)
    if not buf.size:
        return _keys_slow(ids, values.items(), fmt)
    last_byte = len(buf) - 1
    lens, offs = values.lens, values.offs

    def b(at):
        return buf[np.minimum(at, last_byte)].astype(np.int64)

    short = lens < 12
    safe = np.where(short, 0, offs)  # no reads past a too-short value
    counts = (b(safe) << 24) | (b(safe + 1) << 16) | (b(safe + 2) << 8) | b(safe + 3)
    body = lens - 4 - (b(offs + lens - 1) == _STOP)
    one = counts == 1
    # The first item may be any size (it is the first position itself).
    op_at = safe + np.where(one, 9, 10)
    op = b(op_at)
    first_len = np.select([op == _BININT1, op == _BININT2, op == _BININT], [2, 3, 5], 0)
    fast = (~short & (first_len > 0) & (b(safe + 4) == _PROTO) & (b(safe + 6) == _LIST)
            & (b(safe + 7) == _BINPUT) & (b(safe + 8) == 0)
            & ((one & (body == 6 + first_len))
               | (~one & (counts <= _MAX_BATCH) & (b(safe + 9) == _MARK)
                  & (body == 5 + first_len + 2 * counts))))
    parts = []
    fi = np.flatnonzero(fast)
    if fi.size:
        fc, at, flen = counts[fi], op_at[fi], first_len[fi]
        first = b(at + 1)
        first = np.where(flen >= 3, first | (b(at + 2) << 8), first)
        first = np.where(flen == 5, first | (b(at + 3) << 16) | (b(at + 4) << 24), first)
        total = int(fc.sum())
        excl = np.cumsum(fc) - fc
        # Item j > 0 of a value is the byte at at + flen + 2j - 1 (after its "K"); item 0
        # reads some byte of the first item there and is overwritten with ``first``.
        src = np.repeat(at + flen - 1 - 2 * excl, fc)
        src += np.arange(0, 2 * total, 2, dtype=np.int64)
        deltas = buf[src].astype(np.int64)
        deltas[excl] = first
        run = np.cumsum(deltas)
        run += np.repeat((ids[fi] << 32) - run[excl] + first, fc)
        parts.append(run)
    si = np.flatnonzero(~fast)
    if si.size:
        parts.append(_keys_slow(ids[si], values.take(si).items(), fmt))
    if len(parts) == 1:
        return parts[0]
    keys = np.concatenate(parts)
    keys.sort(kind="stable")
    return keys


def _keys_slow(ids: np.ndarray, values: list, fmt) -> np.ndarray:
    doc, pos = _decode_slow(values, fmt)
    return (ids[doc] << 32) | pos


def _decode_slow(values: list, fmt) -> tuple[np.ndarray, np.ndarray]:
    """The same as ``decode_positions`` for values the fast path does not read: their
    pickled delta lists are loaded in one ``pickle.loads`` (a list of the lists), or by
    the format one by one if that fails."""
    try:
        bodies = [v[4:-1] if v.endswith(b".") else v[4:] for v in values]
        lists = loads(b"\x80\x02(" + b"".join(bodies) + b"l.")  # noqa: S301 - the index's own blocks
        if len(lists) != len(values) or not all(type(x) is list for x in lists):
            raise ValueError("unexpected positions value")
        counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        deltas = np.fromiter(chain.from_iterable(lists), dtype=np.int64,
                             count=int(counts.sum()))
        pos = segmented_cumsum(deltas, counts) if deltas.size else _EMPTY
    except Exception:  # noqa: BLE001 - any surprise: Whoosh's own decoder
        lists = [fmt.decode_positions(v) for v in values]
        counts = np.fromiter(map(len, lists), dtype=np.int64, count=len(lists))
        pos = np.fromiter(chain.from_iterable(lists), dtype=np.int64,
                          count=int(counts.sum()))
    return np.repeat(np.arange(len(values), dtype=np.int64), counts), pos


def _intersect_sorted(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Values in both of two ascending arrays of distinct values."""
    if len(a) > len(b):
        a, b = b, a
    if not a.size:
        return a
    if 100 * len(a) < len(b):  # a few values: binary searches
        at = np.searchsorted(b, a)
        at[at == len(b)] = 0
        return a[b[at] == a]
    # Else a merge: a stable sort of two sorted runs is one linear pass (2-3x faster
    # than 1.8M binary searches); a value in both ends up twice, side by side.
    both = np.concatenate((a, b.astype(a.dtype, copy=False)))
    both.sort(kind="stable")
    return both[:-1][both[1:] == both[:-1]]


# Keys of the postings of frequent words (those with at least CACHE_MIN_POSITIONS
# positions in a segment) are kept on the segment reader: decoding them is most of a
# phrase's cost, such words come back in query after query, and segments never change.
# Up to CACHE_BYTES_PER_DOC bytes per document of the segment (~100 MB at 50k articles),
# least recently used first out.
CACHE_MIN_POSITIONS = 5_000
CACHE_BYTES_PER_DOC = 2048


def _key_cache(reader) -> ArrayCache:
    return reader_cache(reader, "phrase_keys",
                        max(8 << 20, CACHE_BYTES_PER_DOC * reader.doc_count_all()))


def _keys(reader, fieldname: str, t: bytes, fmt, cand: np.ndarray | None) -> np.ndarray:
    """Ascending ``document << 32 | position`` of a term's postings (deleted documents
    included), only in the documents ``cand`` when given."""
    ids, _weights, values = read_blocks(reader, fieldname, t,
                                        None if cand is None else cand.tolist(), values=True)
    if cand is not None and ids.size:
        at = np.searchsorted(ids, cand)
        at[at == len(ids)] = 0
        at = at[ids[at] == cand]
        ids = ids[at]
        values = values.take(at)
    return decode_keys(ids, values, fmt)


def _docs_of(keys: np.ndarray) -> np.ndarray:
    docs = keys >> 32
    if docs.size < 2:
        return docs
    return docs[np.concatenate(([True], docs[1:] != docs[:-1]))]


def phrase_counts(reader, fieldname: str, terms: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Documents of a segment holding ``terms`` one after the other (ascending, deleted
    documents left out) and the number of occurrences in each.

    A phrase occurrence is a position p of the first word with the i-th word at p + i:
    the keys ``document << 32 | position - i`` of the words are intersected, rarest word
    first; a word's postings are read only in blocks that can hold a document still in
    the running, and its positions decoded only in those documents."""
    fmt = reader.schema[fieldname].format
    df = {t: reader.doc_frequency(fieldname, t) for t in terms}
    cache = _key_cache(reader)
    known: dict[bytes, np.ndarray] = {}
    keys = cand = None
    for i in sorted(range(len(terms)), key=lambda i: (df[terms[i]], i)):
        t = terms[i]
        k = known.get(t)
        if k is None and reader.frequency(fieldname, t) >= CACHE_MIN_POSITIONS:
            k = cache.get((fieldname, t))
            if k is None and (cand is None or 64 * len(cand) > df[t]):
                k = _keys(reader, fieldname, t, fmt, None)
                cache.put((fieldname, t), k)
        if k is None:
            # Every document still in the running is in ``cand``: the keys stay valid
            # for a repeated word.
            k = _keys(reader, fieldname, t, fmt, cand)
        known[t] = k
        if i:
            k = k - i
            k = k[(k & 0xFFFFFFFF) < (1 << 32) - len(terms)]  # positions before 0
        keys = k if keys is None else _intersect_sorted(keys, k)
        if not keys.size:
            return _EMPTY, _EMPTY
        cand = _docs_of(keys)
    docs = keys >> 32
    if reader.has_deletions():
        deleted = np.fromiter(reader.deleted_docs_set, dtype=np.int64)
        docs = docs[~np.isin(docs, deleted)]
        if not docs.size:
            return _EMPTY, _EMPTY
    starts = np.flatnonzero(np.concatenate(([True], docs[1:] != docs[:-1])))
    counts = np.diff(np.append(starts, len(docs)))
    return docs[starts], counts


def sloppy_phrase_docs(reader, fieldname: str, terms: list[bytes], slop: int) -> np.ndarray:
    """Documents of a segment (ascending, deleted ones left out) holding ``terms`` in that
    order, each within ``slop`` positions after the one before (Whoosh's ``SpanNear2``
    with ``ordered=True, mindist=1``, what a phrase with ``~slop`` becomes).

    Whoosh builds every span (start, end) of the words so far, document by document;
    whether the next word continues one depends only on the span's end, so only the ends
    are kept: the positions p of the next word whose nearest end before p is at least
    p - slop. Done on ``document << 32 | position`` keys of all documents at once (a
    difference of at most ``slop`` cannot cross documents)."""
    fmt = reader.schema[fieldname].format
    distinct = sorted(set(terms), key=lambda t: (reader.doc_frequency(fieldname, t), t))
    keys: dict[bytes, np.ndarray] = {}
    cand = None
    for t in distinct:
        k = _keys(reader, fieldname, t, fmt, cand)
        if not k.size:
            return _EMPTY
        keys[t] = k
        cand = _docs_of(k)
    ends = keys[terms[0]]
    for t in terms[1:]:
        nxt = keys[t]
        before = np.searchsorted(ends, nxt, side="left") - 1
        ok = before >= 0
        ok[ok] = nxt[ok] - ends[before[ok]] <= slop
        ends = nxt[ok]
        if not ends.size:
            return _EMPTY
    docs = _docs_of(ends)
    if reader.has_deletions():
        deleted = np.fromiter(reader.deleted_docs_set, dtype=np.int64)
        docs = docs[~np.isin(docs, deleted)]
    return docs
