"""Which Whoosh code paths Clipper takes: its fast paths, or Whoosh's own.

Clipper's fast paths (the posting codec ``codec.py``, the bulk segment writer
``bulkwriter.py``, numpy scoring ``vector.py``/``phrase.py``/``collectors.py``, the mapped
storage ``storage.py`` and the tiered merge policy's view of segments) are built on
Whoosh's private classes and attributes (every use of one is in ``whoosh_internals.py``).
Those are checked against one released Whoosh: ``whoosh_version.KNOWN``. With any other
version installed, Clipper takes Whoosh's public code paths instead — the default codec
and writer, Whoosh's collectors and scoring, its file storage, its own merge rule —
slower, never wrong. ``CLIPPER_STOCK_WHOOSH=1`` forces the stock paths (the tests
compare both). Every decision about it is made here and nowhere else.
"""
from __future__ import annotations

import os

from clipper.index import whoosh_internals
from clipper.index.whoosh_version import FAST, KNOWN, fast_paths_enabled, whoosh_version

__all__ = ["FAST", "KNOWN", "codec", "fast_paths_enabled", "open_dir", "segments", "stock_merge",
           "whoosh_version", "writer"]


def codec():
    """The codec to write segments with (None: Whoosh's default)."""
    if not FAST:
        return None
    from clipper.index.codec import ClipperCodec

    return ClipperCodec()


def writer(ix, *, bulk: bool = False, **kwargs):
    """A segment writer on ``ix``: Clipper's bulk writer or codec when allowed."""
    if FAST and bulk and "procs" not in kwargs:
        from clipper.index.bulkwriter import BulkSegmentWriter

        return BulkSegmentWriter(ix, **kwargs)
    c = codec()
    if c is not None:
        kwargs["codec"] = c
    return ix.writer(**kwargs)


def open_dir(path):
    if FAST:
        from clipper.index.storage import open_index_dir

        return open_index_dir(path)
    from whoosh import index as windex

    return windex.open_dir(os.fspath(path))


TOC_RETRIES = 5  # a commit elsewhere can remove the table of contents just listed as the latest


def segments(ix) -> list:
    """The segments of ``ix``'s latest commit (Whoosh has no public name for them). Read
    again from the newer table of contents when a commit by another thread or process
    (the lane swapping a merge in) removed the one just found between listing and reading."""
    for attempt in range(TOC_RETRIES):
        try:
            return whoosh_internals.index_segments(ix)
        except FileNotFoundError:
            if attempt == TOC_RETRIES - 1:
                raise


def stock_merge(writer, segments):
    """Whoosh's own merge rule (merge small segments), for the stock paths."""
    from whoosh.writing import MERGE_SMALL

    return MERGE_SMALL(writer, segments)
