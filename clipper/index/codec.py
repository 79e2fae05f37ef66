"""Clipper's whoosh3 codec: the same files, with posting blocks that read faster.

Whoosh pickles each block of up to 128 postings as ``(delta ids, weights, values)`` with
pickle protocol 2 and compresses the whole: every ``bytes`` value (a posting's encoded
positions) becomes a call of ``_codecs.encode`` on a latin-1 string, ids and weights are
tuples of Python numbers, and a query that only scores documents still inflates and
unpickles every position. Unpickling a block of a common word took ~47 µs, most of a
phrase query's time. Here a block is pickled with protocol 5, the id deltas as the
smallest ``array`` that holds them, the weights as an ``array("f")`` (what Whoosh keeps
them in), and the values as one ``PackedValues``: their bytes one after another,
compressed on their own and inflated only when a value is read. A block's ids and
weights now load in a few µs; its positions only when a phrase needs them.

Readers are Whoosh's own (``W3LeafMatcher`` unpickles whatever it finds, reads arrays
like tuples, and indexes ``PackedValues`` like its tuple of values), so indexes written
before stay readable and segments written with either codec merge. ``read_blocks`` turns
a term's blocks into numpy arrays for Clipper's vectorised search.

Depends on the internals of the pinned whoosh3 release (``W3PostingsWriter``,
``W3LeafMatcher``), reached through ``whoosh_internals``; ``tests/core/test_index_codec.py``
guards a version bump.
"""
from __future__ import annotations

import sys
import zlib
from array import array
from bisect import bisect_right
from functools import partial
from itertools import pairwise
from pickle import dumps

import numpy as np
from whoosh.matching import FilterMatcher
from whoosh.reading import CorruptIndexError

from clipper.index import whoosh_internals as wi
from clipper.index.whoosh_internals import COMPRESSION_MIN_SIZE, length_to_byte

PROTOCOL = 5
_BIG_ENDIAN = sys.byteorder == "big"
_EMPTY = np.zeros(0, dtype=np.int64)


# NB: blocks pickle this class by name: "clipper.index.codec.PackedValues" is part of the
# index file format (tests/core/test_index_codec.py pins it). Moving or renaming it makes
# every index written with it unreadable.
class PackedValues:
    """A block's posting values (encoded positions), compressed apart from its ids and
    weights so that a query that needs only those (scoring, counting, facets) does not
    inflate them; inflated on first access, then read like Whoosh's tuple of values.

    ``blob`` holds the values' lengths (``count`` little-endian unsigned ints of
    ``width`` bytes) then the values one after the other, zlib-compressed if ``level``."""

    __slots__ = ("_items", "blob", "count", "level", "width")

    def __init__(self, blob: bytes, count: int, width: int, level: int):
        self.blob, self.count, self.width, self.level = blob, count, width, level
        self._items = None

    def __reduce__(self):
        return (PackedValues, (self.blob, self.count, self.width, self.level))

    def unpack(self) -> tuple[np.ndarray, bytes]:
        """The values' lengths and their bytes one after the other."""
        try:
            raw = zlib.decompress(self.blob) if self.level else self.blob
            head = self.count * self.width
            lens = np.frombuffer(raw, dtype=f"<u{self.width}", count=self.count)
            if head + int(lens.sum()) != len(raw):
                raise ValueError("lengths do not add up")
        except (zlib.error, ValueError, TypeError) as exc:
            raise CorruptIndexError(f"damaged positions in a postings block ({exc})") from exc
        return lens, raw[head:]

    def _load(self) -> tuple:
        items = self._items
        if items is None:
            lens, raw = self.unpack()
            ends = np.cumsum(lens, dtype=np.int64).tolist()
            items = self._items = tuple(raw[a:b] for a, b in zip([0, *ends], ends))
        return items

    def __getitem__(self, i):
        return self._load()[i]

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        return iter(self._load())


_CODES = {1: "B", 2: "H", 4: "I"}
_SMALL_BLOCK = 16


def _width(top: int) -> int:
    return 1 if top < 1 << 8 else 2 if top < 1 << 16 else 4


def _compact(numbers: list[int]) -> array:
    return array(_CODES[_width(max(numbers))], numbers)


def _little(numbers: list[int], width: int) -> bytes:
    a = array(_CODES[width], numbers)
    if _BIG_ENDIAN:
        a.byteswap()
    return a.tobytes()


def block_bytes(ids, weights, values, fixedsize, compression: int) -> tuple[bytes, int]:
    """The stored data of one block of postings (ascending document numbers ``ids``,
    their ``weights`` and non-empty encoded ``values``) and its compression level.

    Id deltas, and weights when they are whole numbers (term frequencies), are kept in
    the smallest arrays that hold them; the block is compressed as a whole only when its
    values were too small to be compressed on their own (so nothing is inflated twice)."""
    small = len(ids) < _SMALL_BLOCK  # a rare word's: tuples pickle shorter than arrays
    deltas = [ids[0], *(b - a for a, b in pairwise(ids))]
    deltas = tuple(deltas) if small else _compact(deltas)
    w0 = weights[0]
    if all(w == 1.0 for w in weights):
        mini_weights = None
    elif all(w == w0 for w in weights):
        mini_weights = w0
    elif small:
        mini_weights = tuple(weights)
    elif all(float(w).is_integer() and 0 <= w < 65536 for w in weights):
        mini_weights = _compact([int(w) for w in weights])
    else:
        mini_weights = weights if isinstance(weights, array) else array("f", weights)
    packed = False  # values compressed on their own
    if fixedsize is None or fixedsize < 0:
        lens = [len(v) for v in values]
        if sum(lens) < COMPRESSION_MIN_SIZE:
            mini_values = tuple(values)
        else:
            width = _width(max(lens))
            raw = _little(lens, width) + b"".join(values)
            mini_values = PackedValues(zlib.compress(raw, compression) if compression else raw,
                                       len(values), width, compression)
            packed = bool(compression)
    elif fixedsize == 0:
        mini_values = None
    else:
        mini_values = b"".join(values)
    data = dumps((deltas, mini_weights, mini_values), PROTOCOL)
    comp = compression if len(data) >= COMPRESSION_MIN_SIZE and not packed else 0
    if comp:
        return zlib.compress(data, comp), comp
    # Left uncompressed (too small, or its values compressed on their own), the block
    # gets the checksum zlib would have given it: damage is noticed, never read as data.
    return dumps((deltas, mini_weights, mini_values,
                  _checksum(deltas, mini_weights, mini_values)), PROTOCOL), 0


def _canonical(a: array) -> bytes:
    if _BIG_ENDIAN and a.itemsize > 1:
        a = array(a.typecode, a)
        a.byteswap()
    return a.tobytes()


def _checksum(ids, weights, values) -> int:
    """crc32 of a block's ids, weights and values (the block info is Whoosh's own)."""
    crc = 0
    for part in (ids, weights):
        crc = zlib.crc32(_canonical(part) if isinstance(part, array) else repr(part).encode(),
                         crc)
    if type(values) is PackedValues:
        return zlib.crc32(values.blob, crc)
    if type(values) is tuple:
        return zlib.crc32(b"".join(values), crc)
    return zlib.crc32(values or b"", crc)


def write_block(write, ids, weights, values, fixedsize, compression: int,
                minlength, maxlength: int, maxweight: float, last: bool) -> None:
    """Write one posting block (length, info tuple, data) with ``write``, laid out as
    ``W3PostingsWriter._write_block`` lays it out."""
    data, comp = block_bytes(ids, weights, values, fixedsize, compression)
    info = dumps((len(ids), ids[-1], maxweight, comp, length_to_byte(minlength),
                  length_to_byte(maxlength)), PROTOCOL)
    length = len(info) + len(data)
    write((-length if last else length).to_bytes(4, "big", signed=True))
    write(info)
    write(data)


class ClipperPostingsWriter(wi.PostingsWriterHooks):
    write_block_data = staticmethod(write_block)


class ClipperLeafMatcher(wi.LeafMatcherHooks):
    """Whoosh's matcher, checking what Clipper's blocks add: the checksum of a block left
    uncompressed, and whole-number weights (stored as small integers) read as floats like
    Whoosh's. A block that cannot be read raises ``CorruptIndexError``."""

    def check_block(self, data) -> None:
        if type(data) is not tuple or len(data) not in (3, 4):
            raise ValueError("unexpected contents")
        if len(data) == 4 and _checksum(data[0], data[1], data[2]) != data[3]:
            raise ValueError("checksum mismatch")


# NB: segments pickle their codec by name: "clipper.index.codec.ClipperCodec" is part of
# the index's table of contents (moving or renaming it makes such indexes unreadable).
class ClipperCodec(wi.W3CodecHooks):
    postings_writer_class = ClipperPostingsWriter
    leaf_matcher_class = ClipperLeafMatcher


# ------------------------------------------------------------------ reading


def raw_matcher(reader, fieldname: str, tbytes: bytes):
    """A segment reader's matcher for a term without its deletion filter (the callers
    mask deleted documents themselves)."""
    m = reader.postings(fieldname, tbytes)
    if isinstance(m, FilterMatcher):
        m = m.child
    return m


def segmented_cumsum(deltas: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Running sums of ``deltas`` restarting every ``counts`` items."""
    run = np.cumsum(deltas)
    starts = np.cumsum(counts) - counts
    return run - np.repeat(run[starts] - deltas[starts], counts)


class Values:
    """Posting values laid out for numpy: value i is ``buf[offs[i]:offs[i] + lens[i]]``."""

    __slots__ = ("buf", "lens", "offs")

    def __init__(self, buf: bytes, offs: np.ndarray, lens: np.ndarray):
        self.buf, self.offs, self.lens = buf, offs, lens

    @classmethod
    def of(cls, values) -> Values:
        return cls.joined(b"".join(values),
                          np.fromiter(map(len, values), dtype=np.int64, count=len(values)))

    @classmethod
    def joined(cls, buf: bytes, lens: np.ndarray) -> Values:
        """Values laid end to end in ``buf``, of lengths ``lens``."""
        offs = np.zeros(len(lens), dtype=np.int64)
        if len(lens) > 1:
            np.cumsum(lens[:-1], out=offs[1:])
        return cls(buf, offs, lens)

    def __len__(self) -> int:
        return len(self.lens)

    def take(self, at: np.ndarray) -> Values:
        return Values(self.buf, self.offs[at], self.lens[at])

    def items(self) -> list[bytes]:
        buf = self.buf
        return [buf[o:o + n] for o, n in zip(self.offs.tolist(), self.lens.tolist())]


def _any_in(within: list[int], after: int, upto: int) -> bool:
    """Whether the ascending ``within`` holds a number in (after, upto]."""
    at = bisect_right(within, after)
    return at < len(within) and within[at] <= upto


def read_blocks(reader, fieldname: str, tbytes: bytes, within=None, weights: bool = False,
                values: bool = False):
    """A term's postings in a segment reader: ascending document numbers (int64, deleted
    documents included), with their weights (float64) and/or raw values (``Values``)
    when asked. With ``within`` (an ascending sequence of document numbers), blocks
    holding none of them are skipped unread. Blocks written by ``ClipperCodec`` leave
    their values compressed unless ``values`` is asked for."""
    m = raw_matcher(reader, fieldname, tbytes)
    if within is not None and not isinstance(within, list):
        within = list(within)
    blocks = wi.leaf_blocks(m, values, None if within is None else partial(_any_in, within))
    if blocks is None:  # inline postings or another kind of matcher
        ids, ws, vs = [], [], []
        while m.is_active():
            ids.append(m.id())
            if weights:
                ws.append(m.weight())
            if values:
                vs.append(m.value())
            m.next()
        return (np.asarray(ids, dtype=np.int64),
                np.asarray(ws, dtype=np.float64) if weights else None,
                Values.of(vs) if values else None)
    id_parts, counts, w_parts, v_parts = [], [], [], []
    fixedsize, blocks = blocks
    for data_ids, data_weights, data_values, n in blocks:
        id_parts.append(data_ids)
        counts.append(n)
        if weights:
            if data_weights is None:
                w_parts.append(np.ones(n))
            elif isinstance(data_weights, float):
                w_parts.append(np.full(n, data_weights))
            else:
                w_parts.append(np.asarray(data_weights, dtype=np.float64))
        if values:
            if type(data_values) is PackedValues:
                v_parts.append(data_values.unpack())
            elif fixedsize == 0:  # no values (Existence): empty ones
                v_parts.append((np.zeros(n, dtype=np.int64), b""))
            else:
                v_parts.append((np.fromiter(map(len, data_values), dtype=np.int64,
                                            count=len(data_values)),
                                b"".join(data_values)))
    vals = None
    if values:
        vals = (Values.joined(b"".join([p[1] for p in v_parts]),
                              np.concatenate([p[0] for p in v_parts]).astype(np.int64))
                if v_parts else Values.of([]))
    if not id_parts:
        return _EMPTY, (np.zeros(0) if weights else None), vals
    if len(id_parts) == 1:  # one block (most words): no restarts to undo
        ids = np.cumsum(np.asarray(id_parts[0]), dtype=np.int64)
        return ids, (w_parts[0] if weights else None), vals
    deltas = np.concatenate([np.asarray(p) if isinstance(p, array)
                             else np.asarray(p, dtype=np.int64) for p in id_parts])
    ids = segmented_cumsum(deltas.astype(np.int64, copy=False),
                            np.asarray(counts, dtype=np.int64))
    return ids, (np.concatenate(w_parts) if weights else None), vals
