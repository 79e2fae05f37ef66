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

import numpy as np
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.matching import ListMatcher
from whoosh.matching.wrappers import FilterMatcher

_EMPTY = np.zeros(0, dtype=np.int64)
# Pickle opcodes of a protocol-2 list of small ints: PROTO 2, EMPTY_LIST, BINPUT 0,
# [MARK], BININT1 x ..., APPEND / APPENDS, [STOP].
_PROTO, _LIST, _BINPUT = 0x80, ord("]"), ord("q")
_STOP = ord(".")
_MAX_BATCH = 1000  # the pickler writes MARK ... APPENDS batches of 1000 items


def _raw_matcher(reader, fieldname: str, tbytes: bytes):
    m = reader.postings(fieldname, tbytes)
    if isinstance(m, FilterMatcher):  # the reader's deletion filter: applied below
        m = m.child
    return m


def term_postings(reader, fieldname: str, tbytes: bytes) -> tuple[np.ndarray, list]:
    """Document numbers (ascending, deleted ones included) and raw values of one
    term's postings in a segment reader."""
    m = _raw_matcher(reader, fieldname, tbytes)
    ids: list = []
    values: list = []
    if type(m) is W3LeafMatcher:
        # Whole blocks at a time: the ids and values tuples as unpickled.
        while m.is_active():
            m._read_ids()
            m._read_values()
            ids.extend(m._ids)
            values.extend(m._values)
            m._next_block()
    elif type(m) is ListMatcher:
        ids.extend(m._ids)
        values.extend(m._values)
    else:  # any other matcher: the generic, slower walk
        while m.is_active():
            ids.append(m.id())
            values.append(m.value())
            m.next()
    return np.asarray(ids, dtype=np.int64), values


def decode_positions(values: list, fmt) -> tuple[np.ndarray, np.ndarray]:
    """(value index, position) pairs of every position in ``values`` (Positions-format
    bytes), as two int64 arrays."""
    n = len(values)
    if n == 0:
        return _EMPTY, _EMPTY
    buf = np.frombuffer(b"".join(values), dtype=np.uint8)
    lens = np.fromiter(map(len, values), dtype=np.int64, count=n)
    offs = np.zeros(n, dtype=np.int64)
    np.cumsum(lens[:-1], out=offs[1:])
    def b(at):
        return buf[at].astype(np.int64)

    short = lens < 12
    safe = np.where(short, 0, offs)  # no reads past a too-short value
    counts = (b(safe) << 24) | (b(safe + 1) << 16) | (b(safe + 2) << 8) | b(safe + 3)
    stop = (b(offs + lens - 1) == _STOP).astype(np.int64)
    body = lens - 4 - stop
    fast = (~short & (b(safe + 4) == _PROTO) & (b(safe + 6) == _LIST)
            & (b(safe + 7) == _BINPUT) & (b(safe + 8) == 0)
            & (((counts == 1) & (body == 8))
               | ((counts >= 2) & (counts <= _MAX_BATCH) & (body == 2 * counts + 7))))
    doc_parts, pos_parts = [], []
    fi = np.flatnonzero(fast)
    if fi.size:
        fc = counts[fi]
        first = offs[fi] + np.where(fc == 1, 10, 11)  # the first delta byte
        excl = np.cumsum(fc) - fc
        total = int(fc.sum())
        at = np.repeat(first - 2 * excl, fc) + 2 * np.arange(total, dtype=np.int64)
        deltas = b(at)
        run = np.cumsum(deltas)
        base = np.repeat(run[excl] - deltas[excl], fc)
        doc_parts.append(np.repeat(fi, fc))
        pos_parts.append(run - base)
    for i in np.flatnonzero(~fast).tolist():
        ps = fmt.decode_positions(values[i])
        doc_parts.append(np.full(len(ps), i, dtype=np.int64))
        pos_parts.append(np.asarray(ps, dtype=np.int64))
    if len(doc_parts) == 1:
        return doc_parts[0], pos_parts[0]
    return np.concatenate(doc_parts), np.concatenate(pos_parts)


def phrase_counts(reader, fieldname: str, terms: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """Documents of a segment holding ``terms`` one after the other (ascending, deleted
    documents left out) and the number of occurrences in each."""
    fmt = reader.schema[fieldname].format
    postings = {}
    for t in terms:
        if t not in postings:
            postings[t] = term_postings(reader, fieldname, t)
    # Documents holding every word.
    order = sorted(set(terms), key=lambda t: len(postings[t][0]))
    cand = postings[order[0]][0]
    for t in order[1:]:
        if not cand.size:
            break
        cand = np.intersect1d(cand, postings[t][0], assume_unique=True)
    if cand.size and reader.has_deletions():
        deleted = np.fromiter(reader.deleted_docs_set, dtype=np.int64)
        cand = cand[~np.isin(cand, deleted)]
    if not cand.size:
        return _EMPTY, _EMPTY
    # Rarest words first; the candidates shrink as words are added.
    keys = None
    by_rarity = sorted(range(len(terms)), key=lambda i: len(postings[terms[i]][0]))
    for i in by_rarity:
        ids, values = postings[terms[i]]
        at = np.searchsorted(ids, cand).tolist()
        vals = [values[j] for j in at]
        doc, pos = decode_positions(vals, fmt)
        pos = pos - i
        keep = pos >= 0
        k = (cand[doc[keep]] << 32) | pos[keep]
        keys = k if keys is None else np.intersect1d(keys, k, assume_unique=True)
        if not keys.size:
            return _EMPTY, _EMPTY
        if len(cand) > 64:
            cand = np.unique(keys >> 32)
    docs, counts = np.unique(keys >> 32, return_counts=True)
    return docs, counts
