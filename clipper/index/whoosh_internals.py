"""Every use of a private Whoosh name in Clipper, and nowhere else.

Clipper's fast paths (``engine.FAST``: the posting codec, the bulk segment writer, numpy
scoring, the mapped storage, reader reuse on refresh, the merge policy's view of
segments) read attributes and call methods Whoosh keeps private, import from its internal
modules (``whoosh.codec.whoosh3``, ``whoosh.util.numeric``, ``whoosh.system``) and
override its private hooks. All of that is here, behind small named functions and hook
classes whose methods have public names; the other modules call these and touch no
private Whoosh name (``tests/core/test_whoosh_guard.py`` scans the source for one).

They were written against whoosh3 3.54.0 (``engine.KNOWN``). With any other version
installed ``whoosh_version.FAST`` is false and the callers take Whoosh's public code paths
instead (its codec, writer, storage, collectors and scoring); the few functions reached
on those paths too fall back to public calls here (marked "stock:"). A Whoosh upgrade
therefore means reading this one module against the new release.
"""
from __future__ import annotations

import os
from array import array
from bisect import bisect_left

import numpy as np
from whoosh import collectors, columns
from whoosh import query as wq
from whoosh.codec.whoosh3 import (
    COMPRESSION_MIN_SIZE,  # noqa: F401 - re-exported: the codec's threshold
    LENGTHS_COLUMN,
    WHOOSH3_HEADER_MAGIC,
    W3Codec,
    W3LeafMatcher,
    W3PostingsWriter,
    W3TermInfo,
    _lenfield,
)
from whoosh.index import TOC
from whoosh.matching import AndNotMatcher, ListMatcher
from whoosh.reading import CorruptIndexError
from whoosh.system import pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte  # noqa: F401 - re-exported: field length codes
from whoosh.writing import SegmentWriter

from clipper.index.whoosh_version import FAST

# ---------------------------------------------------------------- the index and its readers


def index_segments(ix) -> list:
    """The segments of ``ix``'s latest commit. stock: from its table of contents."""
    if FAST:
        return list(ix._segments())
    return list(read_toc(ix).segments)


def read_toc(ix):
    """The table of contents of ``ix``'s latest commit (generation, schema, segments).
    stock: read through ``TOC.read``, as ``FileIndex`` itself does."""
    if FAST:
        return ix._read_toc()
    return TOC.read(ix.storage, ix.indexname, schema=ix.schema)


def rebind_reader(reader, segment) -> bool:
    """Point an open segment reader at ``segment``, a newer object for the same segment
    (only its deletions changed), so a refresh keeps the reader's files and caches.
    stock: False (the caller opens a new reader)."""
    if not FAST:
        return False
    reader._segment = segment
    reader._perdoc._segment = segment
    reader.__dict__.pop("deleted_docs_set", None)  # a cached_property
    return True


# ---------------------------------------------------------------- the storage


def set_buffer(f, buf, name: str | None) -> None:
    """What ``BufferFile.__init__`` keeps: the buffer and the file's name (for a
    ``BufferFile`` subclass that reads its buffer without copying it)."""
    f._buf = buf
    f._name = name


def buffer_of(f):
    return f._buf


def name_of(f) -> str | None:
    return f._name


def storage_path(storage, name: str) -> str:
    """The path of file ``name`` in a ``FileStorage``."""
    return os.path.join(storage.folder, name)


# ---------------------------------------------------------------- the codec


class PostingsWriterHooks(W3PostingsWriter):
    """whoosh3's postings writer, whose blocks are laid out by ``write_block_data`` (a
    subclass's), with the header, block count and term info kept as Whoosh keeps them.
    Term vectors (byte ids; Clipper's schemas have none) are written Whoosh's way."""

    def write_block_data(self, write, ids, weights, values, fixedsize, compression: int,
                         minlength, maxlength: int, maxweight: float, last: bool) -> None:
        raise NotImplementedError

    def _write_block(self, last=False):
        if self._byteids:
            return super()._write_block(last)
        if not self._blockcount:
            self._postfile.write(WHOOSH3_HEADER_MAGIC)
        self._terminfo.add_block(self)
        self.write_block_data(self._postfile.write, self._ids, self._weights, self._values,
                              self._format.fixed_value_size(), self._compression,
                              self._minlength, self._maxlength, self._maxweight, last)
        self._blockcount += 1
        self._new_block()


class LeafMatcherHooks(W3LeafMatcher):
    """whoosh3's block matcher, handing every block it reads to ``check_block`` (which
    raises ValueError for a damaged one: reported as ``CorruptIndexError``) and reading
    weights stored as small integers as floats, like Whoosh's own."""

    def check_block(self, data) -> None:
        pass

    def _read_data(self):
        try:
            super()._read_data()
            self.check_block(self._data)
        except CorruptIndexError:
            raise
        except Exception as exc:  # noqa: BLE001 - a damaged pickle fails in many ways
            self._data = None
            raise CorruptIndexError(f"damaged postings block ({type(exc).__name__}: "
                                    f"{exc})") from exc

    def _read_weights(self):
        super()._read_weights()
        weights = self._weights
        if isinstance(weights, array) and weights.typecode != "f":
            self._weights = array("f", weights)


class W3CodecHooks(W3Codec):
    """whoosh3's codec with the postings writer and block matcher of a subclass's choice
    (``postings_writer_class``, ``leaf_matcher_class``); inlined postings stay Whoosh's."""

    postings_writer_class = W3PostingsWriter
    leaf_matcher_class = W3LeafMatcher

    def postings_reader(self, dbfile, terminfo, format_, term=None, scorer=None):
        if terminfo.is_inlined() or not FAST:  # stock: Whoosh's matcher reads these blocks too
            return super().postings_reader(dbfile, terminfo, format_, term=term, scorer=scorer)
        offset, length = terminfo.extent()
        return self.leaf_matcher_class(dbfile, offset, length, format_, term=term, scorer=scorer)

    def postings_writer(self, dbfile, byteids=False):
        if not FAST:
            return super().postings_writer(dbfile, byteids=byteids)
        return self.postings_writer_class(dbfile, blocklimit=self._blocklimit, byteids=byteids,
                                          compression=self._compression,
                                          inlinelimit=self._inlinelimit)


def leaf_blocks(m, values: bool = False, keep=None):
    """A term's postings block by block, when ``m`` is whoosh3's block matcher:
    (the fixed size of its values: None variable, 0 none; the blocks as stored, in order:
    (delta ids, weights, values, count)). ``keep(last id of the block before, last id of
    this one)`` false: that block is skipped unread. ``values``: a fixed-size format's
    values are split one per posting. None for another matcher, and stock (the caller
    steps through the matcher with its public methods)."""
    if not FAST or not isinstance(m, W3LeafMatcher):
        return None
    fixedsize = m._fixedsize
    return fixedsize, _blocks(m, values and fixedsize is not None and fixedsize > 0, keep)


def _blocks(m, fixed_values: bool, keep):
    last = -1
    while m.is_active():
        top = m._maxid
        if keep is None or keep(last, top):
            if m._data is None:
                m._read_data()
            data = m._data
            if fixed_values:
                m._read_values()
                yield data[0], data[1], m._values, m._blocklength
            else:
                yield data[0], data[1], data[2], m._blocklength
        last = top
        m._next_block()


# ---------------------------------------------------------------- the bulk writer


class SegmentWriterHooks(SegmentWriter):
    """Whoosh's segment writer with the private steps of ``add_document`` under public
    names, for a subclass that adds documents its own way, and ``flush_postings`` (writes
    the postings at commit; by default Whoosh's way, from its pool)."""

    def check_state(self) -> None:
        self._check_state()

    def check_fields(self, schema, fieldnames) -> None:
        self._check_fields(schema, fieldnames)

    def doc_boost(self, fields) -> float:
        return self._doc_boost(fields)

    def field_boost(self, fields, fieldname: str, docboost: float) -> float:
        return self._field_boost(fields, fieldname, docboost)

    def document_added(self) -> None:
        self._added = True

    def flush_postings(self):
        return super()._flush_segment()

    def _flush_segment(self):
        return self.flush_postings()


def write_term(fw, tbytes: bytes, docs, weights, values, lengths, fixedsize, write_block) -> None:
    """What ``start_term`` + one ``add`` per posting + ``finish_term`` of whoosh3's field
    writer write for a term, in one go: its postings in blocks of the postings writer's
    ``blocklimit`` (each laid out by ``write_block``, as ``PostingsWriterHooks`` does),
    the term info accumulated as ``W3TermInfo.add_block`` would, then the term's row in
    the terms table. ``lengths``: each posting's stored field length (None: 0)."""
    pw = fw._postwriter
    limit, compression = pw._blocklimit, pw._compression
    postfile = fw._postfile
    write = postfile.write
    start_offset = postfile.tell()
    write(WHOOSH3_HEADER_MAGIC)
    ti = W3TermInfo()
    n = len(docs)
    for start in range(0, n, limit):
        end = min(start + limit, n)
        ids = docs[start:end]
        raw_weights = weights[start:end]
        block_weights = array("f", raw_weights)
        present = [x for x in lengths[start:end] if x]
        min_length = min(present) if present else None
        max_length = max(present) if present else 0
        max_weight = max(raw_weights)
        if max_weight < 0:
            max_weight = 0
        # W3TermInfo.add_block
        ti._weight += sum(block_weights)
        ti._df += len(ids)
        if ti._minlength is None:
            ti._minlength = min_length
        else:
            ti._minlength = min(ti._minlength, min_length)
        ti._maxlength = max(ti._maxlength, max_length)
        ti._maxweight = max(ti._maxweight, max_weight)
        if ti._minid is None:
            ti._minid = ids[0]
        ti._maxid = ids[-1]
        write_block(write, ids, block_weights, [v for v in values[start:end] if v], fixedsize,
                    compression, min_length, max_length, max_weight, end == n)
    ti.set_extent(start_offset, postfile.tell() - start_offset)
    fw._tindex.add(pack_ushort(fw._fieldid) + tbytes, ti.to_bytes())


# ---------------------------------------------------------------- field lengths


def length_column(reader, fieldname: str):
    """A segment reader's column of ``fieldname``'s lengths (one byte per document, as
    ``length_to_byte`` codes them); None when the segment keeps none. LookupError when
    ``reader`` keeps no per-document data (not a segment reader). stock: LookupError."""
    perdoc = getattr(reader, "_perdoc", None) if FAST else None
    if perdoc is None:
        raise LookupError("reader without per-document lengths")
    if not hasattr(perdoc, "_cached_reader"):
        return None
    return perdoc._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)


# ---------------------------------------------------------------- columns


_NUMERIC_CODES = frozenset("bBhHiIqQfd")  # struct codes whose standard size numpy shares


def numeric_typecode(col) -> str | None:
    """The struct code of a ``NumericColumn`` reader's values (None: another reader)."""
    if type(col) is not columns.NumericColumn.Reader:
        return None
    return col._typecode


def numeric_column(creader, n: int) -> np.ndarray | None:
    """A Whoosh ``NumericColumn`` reader's ``n`` values read in one piece (documents past
    the stored ones have the default), or None for a type numpy does not share, another
    kind of reader, and stock (the caller reads value by value)."""
    if (not FAST or type(creader) is not columns.NumericColumn.Reader
            or creader._typecode not in _NUMERIC_CODES):
        return None
    dtype = np.dtype(creader._typecode)
    stored = min(creader._count, n)
    raw = creader._dbfile.get(creader._basepos, stored * creader._fixedlen)
    out = np.empty(n, dtype=dtype)
    out[:stored] = np.frombuffer(raw, dtype=dtype.newbyteorder(">"))
    out[stored:] = creader._default
    out.setflags(write=False)
    return out


def varbytes_column(creader, n: int) -> list[bytes] | None:
    """A Whoosh ``VarBytesColumn`` reader's ``n`` values read in one piece (its bytes are
    contiguous in the segment file), or None for another kind of reader, one holding
    another number of values, and stock (the caller reads value by value)."""
    if not FAST or type(creader) is not columns.VarBytesColumn.Reader or len(creader._lengths) != n:
        return None
    lengths, offsets = creader._lengths, creader._offsets
    end = offsets[-1] + lengths[-1] if n else 0
    data = creader._dbfile.get(creader._basepos, end)
    return [data[o:o + k] for o, k in zip(offsets, lengths)]


# ---------------------------------------------------------------- queries, matchers, collectors


def idf_cache(searcher) -> dict:
    """The top searcher's cache of idf values by (field, word), which a caller may fill
    ahead. stock: a dict of its own (filling it changes nothing)."""
    if FAST:
        return searcher._idf_cache
    return {}


def expanded_words(q, reader) -> list:
    """The words (bytes) a prefix, wildcard or fuzzy node expands to in ``reader``."""
    return q._btexts(reader)


class WordExpansionHooks:
    """Mixin for Whoosh's multi-term queries (``Prefix``, ``Wildcard``, ``FuzzyTerm``),
    placed before them: the words the node expands to in a reader come from
    ``expand_words(reader)`` (a subclass's); ``stock_words(reader)`` is Whoosh's own
    expansion; ``pattern()`` and ``pattern_prefix()`` are a wildcard's regular expression
    and its literal start."""

    def expand_words(self, ixreader):
        return self.stock_words(ixreader)

    def stock_words(self, ixreader):
        return super()._btexts(ixreader)

    def _btexts(self, ixreader):
        return self.expand_words(ixreader)

    def pattern(self) -> str:
        return self._get_pattern()

    def pattern_prefix(self) -> str:
        return self._find_prefix(self.text)


class OrHooks(wq.Or):
    """``Or`` whose matcher over its (normalised) subqueries comes from
    ``subs_matcher(subs, searcher, context)``: a subclass's, by default Whoosh's."""

    def subs_matcher(self, subs, searcher, context):
        return super()._matcher(subs, searcher, context)

    def _matcher(self, subs, searcher, context):
        return self.subs_matcher(subs, searcher, context)


def span_near_checking(check):
    """A ``SpanNear2`` query class whose matcher calls ``check()`` before it computes
    the spans of each candidate document."""

    class Matcher(wq.SpanNear2.SpanNear2Matcher):
        def _get_spans(self):
            check()
            return super()._get_spans()

    class CheckedSpanNear2(wq.SpanNear2):
        SpanNear2Matcher = Matcher

    return CheckedSpanNear2


class SortedListMatcher(ListMatcher):
    """A ``ListMatcher`` over ascending document numbers, with a binary-search
    ``skip_to`` (stock: Whoosh's own, a step at a time)."""

    if FAST:
        def skip_to(self, id):  # noqa: A002 - Whoosh's matcher signature
            if self._i < len(self._ids) and self._ids[self._i] < id:
                self._i = bisect_left(self._ids, id, self._i)

        def copy(self):
            return type(self)(self._ids, self._weights, position=self._i)


class AndNotFirstChecked(AndNotMatcher):
    """whoosh3 3.54's ``AndNotMatcher`` drops the kept side's first document only when the
    excluded side starts on that very document: ``meadow -harrier`` kept its first
    document even when it held "harrier", if "harrier" occurred in an earlier document.
    Here the first document is checked like every other one (on any Whoosh that still
    steps with ``_find_next``; another one keeps its own)."""

    if hasattr(AndNotMatcher, "_find_next"):
        def _find_first(self):
            if self.a.is_active() and self.b.is_active():
                self._find_next()


class TopCollectorHooks(collectors.TopCollector):
    """Whoosh's top-N collector, handing each match to ``collect_one(global docnum,
    score)`` (a subclass's; by default Whoosh's)."""

    def collect_one(self, global_docnum, score):
        return super()._collect(global_docnum, score)

    def _collect(self, global_docnum, score):
        return self.collect_one(global_docnum, score)
