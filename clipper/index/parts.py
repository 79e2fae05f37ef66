"""One Whoosh index of the search index's folder (``articles/`` or ``passages/``) with its
long-lived searcher, moved to the latest commit by ``refresh`` (reusing the readers of the
segments that did not change), and what reading a damaged index raises."""
from __future__ import annotations

import pickle
import struct
import time
import zlib

from whoosh.reading import CorruptIndexError, EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher

from clipper.index import whoosh_internals as wi
from clipper.index.collectors import segment_column

# What reading a damaged index raises (Whoosh and Clipper's codec): "rebuild the index".
DAMAGE = (OSError, EOFError, ValueError, KeyError, IndexError, struct.error, zlib.error,
          pickle.UnpicklingError, CorruptIndexError)
# Of those, what only damaged files raise: remembered, so that the next open rebuilds the
# index. The others (an I/O error, a bug) are reported without condemning the index.
CORRUPTION = (CorruptIndexError, zlib.error, pickle.UnpicklingError, struct.error, EOFError)
# The index lane commits (and merges) beside readers: a table of contents or segment read
# just as a commit replaced it is read again from the newer commit this many times.
RACE_RETRIES = 5


def leaf_readers(reader) -> list:
    if isinstance(reader, EmptyReader):
        return []
    return [r for r, _ in reader.leaf_readers()]


class Part:
    """One Whoosh index in the folder with its long-lived searcher."""

    def __init__(self, ix):
        self.ix = ix
        self.schema = ix.schema
        self.searcher = ix.searcher()
        self._columns: dict = {}

    def leaf_readers(self) -> list:
        return leaf_readers(self.searcher.reader())

    def refresh(self):
        """Moves the searcher to the latest commit, reusing the readers of segments that
        did not change.

        Not ``Searcher.refresh()``: Whoosh's reader reuse adds the segments of the old
        reader that are not in the new commit back in, so after a merge every merged
        document would be found twice. Here the new reader holds exactly the segments of
        the new table of contents. A segment's files never change; only its set of
        deleted documents does, and that lives in the segment object, so a reused reader
        gets the new segment object.
        """
        for attempt in range(RACE_RETRIES):
            try:
                return self._refresh_once()
            except FileNotFoundError:  # a commit elsewhere replaced that table of contents
                if attempt == RACE_RETRIES - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))

    def _refresh_once(self):
        old = self.searcher.reader()
        if old.generation() == self.ix.latest_generation():
            return
        toc = wi.read_toc(self.ix)
        reusable = {r.segment().segment_id(): r for r in leaf_readers(old)}
        readers = []
        replaced = []  # stock: readers of segments whose deletions changed (reopened)
        try:
            for seg in toc.segments:
                r = reusable.pop(seg.segment_id(), None)
                if (r is not None and not r.is_closed and r.segment() is not seg
                        and not wi.rebind_reader(r, seg)):
                    replaced.append(r)
                    r = None
                if r is None or r.is_closed:
                    r = SegmentReader(self.ix.storage, toc.schema, seg,
                                      generation=toc.generation)
                readers.append(r)
        except BaseException:
            for r in readers:
                if r.segment().segment_id() not in reusable:
                    r.close()
            raise
        for r in [*reusable.values(), *replaced]:
            r.close()
        if not readers:
            reader = EmptyReader(toc.schema)
        elif len(readers) == 1:
            reader = readers[0]
        else:
            reader = MultiReader(readers, generation=toc.generation)
        self.searcher = Searcher(reader, fromindex=self.ix)
        self._columns = {}

    def column(self, name: str) -> list:
        """The whole column as a list indexed by (global) document number, cached for
        the current searcher. Per-segment lists are cached on the segment readers, which
        survive refreshes."""
        cached = self._columns.get(name)
        if cached is not None:
            return cached
        out: list = []
        for r in leaf_readers(self.searcher.reader()):
            out.extend(segment_column(r, name))
        self._columns[name] = out
        return out

    def close(self):
        try:
            self.searcher.close()
        finally:
            self.ix.close()
