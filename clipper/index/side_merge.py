"""Merges built beside the index while it keeps taking commits (the index lane's merges).

A merge made inside a commit holds Whoosh's write lock for as long as it rewrites its
documents: merging eight one-document segments costs about what indexing eight articles
costs (50-400 ms on a loaded two-core machine, seconds for a few hundred documents), and a
write that arrived meanwhile waited for all of it before a search could see it. Here a
merge takes three steps, and only the last, which is short, holds the lock:

1. ``plan`` reads the latest table of contents and chooses the segments to merge (the
   tiered policy of ``clipper.index.merging``). Their segment objects, with the deletions
   they had then, are the snapshot.
2. ``build`` writes the snapshot's live documents, in order, into one new segment of a
   scratch index beside the index (``index/.merge-PID-N-PART``), in a child process (so the
   merge runs on another core and never holds this process's GIL; a thread waits for it). A
   segment's files never change once written, so this reads them while commits go on. The
   child can be paused (``MergePlan.paused``: the settler stops it while a bulk job runs).
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
import pickle
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from clipper.index import engine, merging

log = logging.getLogger(__name__)

SCRATCH_PREFIX = ".merge-"  # + PID-N: leftovers.py removes those of dead processes
JOB_FILE = "job.pickle"  # in the scratch folder: what the child process merges
ERR_FILE = "child.err"
CAN_PAUSE = hasattr(signal, "SIGSTOP")  # POSIX: a build's child can be stopped and continued
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
    # Asked while the child builds: True stops it (SIGSTOP) until it turns False again.
    paused: Callable[[], bool] | None = None
    # The child runs only on an otherwise idle CPU (Linux SCHED_IDLE; elsewhere as it is).
    idle_priority: bool = False


def plan(name: str, ix, schema, index_folder: Path, max_docs: int, choose=None) -> MergePlan | None:
    """The next due merge of ``ix`` (one part of the index) of at most ``max_docs``
    documents, or None. ``choose(segments, max_docs)``: which segments (None: the tiered
    policy's rule, ``merging.choose``)."""
    try:
        chosen = (choose or merging.choose)(engine.segments(ix), max_docs)
    except (OSError, ValueError, EOFError):  # a commit elsewhere replaced the table of contents
        return None
    if not chosen:
        return None
    scratch = index_folder / f"{SCRATCH_PREFIX}{os.getpid()}-{next(_numbers)}-{name}"
    return MergePlan(name, chosen, schema, scratch)


def build(p: MergePlan, ix) -> None:
    """Write the merged segment of ``p`` into its scratch folder (sets ``p.merged`` or
    ``p.error``, then ``p.done``). Never raises.

    The documents are rewritten by a child process (``python -m clipper.index.side_merge
    JOB``), so the merge uses the other core and never competes with this process's
    threads (the caller's writes, the app's UI thread, an import) for the GIL; this thread
    only waits for it. Cancelling kills the child; ``p.paused`` stops and continues it."""
    from whoosh.filedb.filestore import FileStorage

    try:
        if not sum(s.doc_count() for s in p.sources):
            p.empty = True
            return
        p.scratch.mkdir(parents=True)
        _build_in_child(p, ix)
        p.merged = only_segment(FileStorage(os.fspath(p.scratch)).open_index(indexname=ix.indexname))
    except MergeCancelled:
        p.error = "cancelled"
    except Exception as exc:  # noqa: BLE001 - a failed merge is dropped; the index is unchanged
        p.error = f"{type(exc).__name__}: {exc}"
        log.info("background merge failed: %s", p.error)
    finally:
        if p.cancel.is_set() and p.error is None:  # cancelled just as it ended: dropped too
            p.error, p.merged, p.empty = "cancelled", None, False
        if p.error is not None:
            discard(p)
        p.done.set()


def only_segment(scratch_ix):
    """The one segment a build wrote into its scratch index."""
    built = engine.segments(scratch_ix)
    if len(built) != 1:
        raise RuntimeError(f"the build wrote {len(built)} segments")
    return built[0]


def write_merged(storage, schema, indexname: str, sources: list, scratch: Path) -> None:
    """Write the live documents of ``sources`` (segments of ``storage``), in order, as the
    one segment of a new index in ``scratch``."""
    from whoosh.filedb.filestore import FileStorage
    from whoosh.reading import SegmentReader

    scratch_ix = FileStorage(os.fspath(scratch)).create_index(schema, indexname=indexname)
    w = engine.writer(scratch_ix)
    try:
        for seg in sources:
            reader = SegmentReader(storage, schema, seg)
            try:
                w.add_reader(reader)
            finally:
                reader.close()
        w.commit(merge=False)
    except BaseException:
        w.cancel()
        raise


def _build_in_child(p: MergePlan, ix) -> None:
    job = p.scratch / JOB_FILE
    with open(job, "wb") as fh:
        pickle.dump({"part": ix.storage.folder, "schema": p.schema, "indexname": ix.indexname,
                     "sources": p.sources, "idle_priority": p.idle_priority}, fh)
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])  # this same clipper in the child
    env["PYTHONPATH"] = os.pathsep.join(x for x in (package_root, env.get("PYTHONPATH", "")) if x)
    pausable = p.paused is not None and CAN_PAUSE
    with open(p.scratch / ERR_FILE, "wb") as err:
        # A child that may be stopped gets a process group of its own: if this process dies
        # while it is stopped, the group is orphaned and the kernel sends it SIGHUP and
        # SIGCONT (POSIX), which ends it, instead of leaving it stopped for good.
        proc = subprocess.Popen([sys.executable, "-m", "clipper.index.side_merge", os.fspath(job)],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                env=env, close_fds=True, **({"process_group": 0} if pausable else {}))
    stopped = False
    ended = False
    try:
        while True:
            if pausable and p.paused() != stopped:
                stopped = not stopped
                proc.send_signal(signal.SIGSTOP if stopped else signal.SIGCONT)
            try:
                code = proc.wait(timeout=0.1)
                break
            except subprocess.TimeoutExpired:
                if p.cancel.is_set():
                    proc.kill()
                    proc.wait()
                    raise MergeCancelled from None
        ended = True
    finally:
        if not ended and proc.returncode is None:  # this raised: no child goes on unwatched
            proc.kill()
            proc.wait()
    if code != 0:
        lines = (p.scratch / ERR_FILE).read_text("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"the merge process ended with {code}: {lines[-1] if lines else 'no message'}")


def run_when_idle() -> None:
    """Let this process use the CPU only when nothing else wants it (Linux ``SCHED_IDLE``:
    a nice value still left it a tenth of a busy core). For a process that holds no lock
    others wait for: starved, it only finishes later."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError) as exc:  # not Linux, or not allowed: as it is
        log.info("idle priority not set: %s", exc)


def _child_main(job_path: str) -> int:
    with open(job_path, "rb") as fh:
        job = pickle.load(fh)  # noqa: S301 - written by our own parent process, just now
    if job.get("idle_priority"):
        run_when_idle()
    storage = engine.open_dir(job["part"]).storage
    write_merged(storage, job["schema"], job["indexname"], job["sources"], Path(job_path).parent)
    return 0


def swap(p: MergePlan, ix, *, timeout: float, replacing: list[str] = (), still_wanted=None) -> bool:
    """Put the merged segment of ``p`` in place of its sources in ``ix`` (one part of the
    index; a commit of a table of contents only). False when the build failed or a source is gone. With
    ``replacing`` (a batch of new documents built beside the index: no sources), the
    documents of the index with those keys are deleted in the same commit. ``still_wanted``
    is asked once the write lock is held: False drops the build (its process has lost the
    right to write: see ``clipper.index.background``)."""
    if p.merged is None and not p.empty:
        discard(p)
        return False
    if replacing:
        reader = ix.reader()
        try:
            replacing = [k for k in replacing if ("key", k) in reader]
        finally:
            reader.close()
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
        w = engine.writer(ix, timeout=timeout)
    except Exception:  # noqa: BLE001 - the lock is held elsewhere: drop this build
        discard(p)
        return False
    try:
        if still_wanted is not None and not still_wanted():
            w.cancel()
            return False
        for key in replacing:
            w.delete_by_term("key", key)
        w.commit(mergetype=mergetype)
    except BaseException:
        if not w.is_closed:
            w.cancel()
        raise
    finally:
        discard(p)
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


if __name__ == "__main__":
    raise SystemExit(_child_main(sys.argv[1]))
