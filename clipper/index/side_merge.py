"""Merges built beside the index while it keeps taking commits (the index lane's merges).

A merge made inside a commit holds Whoosh's write lock for as long as it rewrites its
documents: merging eight one-document segments costs about what indexing eight articles
costs (50-400 ms on a loaded two-core machine, seconds for a few hundred documents), and a
write that arrived meanwhile waited for all of it before a search could see it. Here a
merge takes three steps, and only the last, which is short, holds the lock:

1. ``plan`` reads the latest table of contents and chooses the segments to merge (the
   tiered policy of ``clipper.index.merging``). Their segment objects, with the deletions
   they had then, are the snapshot.
2. ``build`` (on any thread) writes the snapshot's live documents, in order, into one new
   segment of a scratch index beside the index (``index/.merge-PID-N``). A segment's files
   never change once written, so this reads them while other commits go on.
3. ``swap`` (the index lane, under the write lock: a commit of a new table of contents,
   no documents) checks that every source segment is still in the index; the documents
   deleted from them since the snapshot are deleted from the merged segment too (the
   merged segment holds the snapshot's live documents in order, so numbers map one to
   one); the merged segment's file is moved into the index folder and replaces the
   sources. If any source is gone (another process merged them, or a rebuild replaced the
   index), the build is dropped and nothing changes.

A kill at any step leaves the index as it was (the scratch folder is removed by
``clipper.leftovers`` once its process is gone); a merged file moved in but not yet in a
table of contents is removed by Whoosh's next commit.
"""
from __future__ import annotations

import itertools
import logging
import os
import shutil
import threading
from dataclasses import dataclass, field
from pathlib import Path

from clipper.index import engine, merging

log = logging.getLogger(__name__)

SCRATCH_PREFIX = ".merge-"  # + PID-N: leftovers.py removes those of dead processes
_numbers = itertools.count()


class MergeCancelled(Exception):
    pass


@dataclass
class MergePlan:
    part: str  # "articles" or "passages"
    sources: list  # Whoosh segment objects as of the snapshot, in merge order
    schema: object
    scratch: Path
    merged: object | None = None  # the built segment (None with ``empty``)
    empty: bool = False  # every source document was deleted: the sources are just dropped
    error: str | None = None
    cancel: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)

    @property
    def docs(self) -> int:
        return sum(s.doc_count_all() for s in self.sources)


def plan(name: str, ix, schema, index_folder: Path, max_docs: int) -> MergePlan | None:
    """The next due merge of ``ix`` (one part of the index) of at most ``max_docs``
    documents, or None."""
    try:
        chosen = merging.choose(engine.segments(ix), max_docs)
    except (OSError, ValueError, EOFError):  # a commit elsewhere replaced the table of contents
        return None
    if not chosen:
        return None
    scratch = index_folder / f"{SCRATCH_PREFIX}{os.getpid()}-{next(_numbers)}-{name}"
    return MergePlan(name, chosen, schema, scratch)


def build(p: MergePlan, ix) -> None:
    """Write the merged segment of ``p`` into its scratch folder (sets ``p.merged`` or
    ``p.error``, then ``p.done``). Never raises."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.reading import SegmentReader

    try:
        if not sum(s.doc_count() for s in p.sources):
            p.empty = True
            return
        p.scratch.mkdir(parents=True)
        scratch_ix = FileStorage(os.fspath(p.scratch)).create_index(p.schema, indexname=ix.indexname)
        w = engine.writer(scratch_ix)
        try:
            for seg in p.sources:
                if p.cancel.is_set():
                    raise MergeCancelled
                reader = SegmentReader(ix.storage, p.schema, seg)
                try:
                    w.add_reader(reader)
                finally:
                    reader.close()
            w.commit(merge=False)
        except BaseException:
            w.cancel()
            raise
        built = engine.segments(scratch_ix)
        scratch_ix.close()
        if len(built) != 1:
            raise RuntimeError(f"the merge wrote {len(built)} segments")
        p.merged = built[0]
    except MergeCancelled:
        p.error = "cancelled"
    except Exception as exc:  # noqa: BLE001 - a failed merge is dropped; the index is unchanged
        p.error = f"{type(exc).__name__}: {exc}"
        log.info("background merge failed: %s", p.error)
    finally:
        if p.error is not None:
            discard(p)
        p.done.set()


def swap(p: MergePlan, part, *, timeout: float) -> bool:
    """Put the merged segment of ``p`` in place of its sources in ``part`` (a commit of a
    table of contents only). False when the build failed or a source is gone."""
    if p.merged is None and not p.empty:
        discard(p)
        return False
    sources = {s.segment_id() for s in p.sources}
    outcome = {"swapped": False}

    def mergetype(writer, segments):
        current = {s.segment_id(): s for s in segments}
        if not sources <= current.keys():
            return segments
        if p.empty:
            outcome["swapped"] = True
            return [s for s in segments if s.segment_id() not in sources]
        merged = p.merged
        base = 0
        for src in p.sources:  # deletions since the snapshot: same documents, new numbers
            before = set(src.deleted_docs())
            newly = set(current[src.segment_id()].deleted_docs()) - before
            if newly:
                live = [d for d in range(src.doc_count_all()) if d not in before]
                rank = {d: i for i, d in enumerate(live)}
                for d in newly:
                    merged.delete_document(base + rank[d])
            base += src.doc_count_all() - len(before)
        _move_in(p, Path(writer.storage.folder))
        outcome["swapped"] = True
        return [s for s in segments if s.segment_id() not in sources] + [merged]

    try:
        w = engine.writer(part.ix, timeout=timeout)
    except Exception:  # noqa: BLE001 - the lock is held elsewhere: drop this build
        discard(p)
        return False
    try:
        w.commit(mergetype=mergetype)
    except BaseException:
        if not w.is_closed:
            w.cancel()
        raise
    finally:
        discard(p)
    part.refresh()
    return outcome["swapped"]


def discard(p: MergePlan) -> None:
    shutil.rmtree(p.scratch, ignore_errors=True)


def _move_in(p: MergePlan, folder: Path) -> None:
    prefix = p.merged.segment_id() + "."
    names = [n for n in os.listdir(p.scratch) if n.startswith(prefix)]
    if not names:
        raise FileNotFoundError(f"the merged segment's files are missing from {p.scratch}")
    for name in names:
        os.replace(p.scratch / name, folder / name)
