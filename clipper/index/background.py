"""Indexing new articles in a second process while a bulk import goes on.

An import spends its time in two places: reading, cleaning and storing articles (this
process) and indexing them (Whoosh, pure Python). Done one after the other they add up;
on two cores they can run side by side. ``BackgroundIndexer`` starts a child Python
(``python -m clipper.index.background``: a fresh interpreter, safe beside Qt's threads,
and unlike multiprocessing's "spawn" it never re-runs the caller's main script). It
receives the field dicts of stored articles as length-prefixed pickles on its stdin (fed by
a thread, so the caller never waits on the pipe), adds them with ``BulkSegmentWriter`` to a
batch built beside the index, and commits every ``commit_every`` documents by swapping the
batch's segment in (long imports become searchable as they go; the index's write lock is
held only for the swap, so the importing process writes someone's edit at once).
Only this process's own data crosses the pipe: the child trusts its parent, nobody else.

The caller keeps the rules of the index: it marks the index as possibly behind the
database before sending anything, and clears that mark only after ``finish()`` returned
without error. A child that fails or dies leaves its last batch uncommitted, which the
repair on next open (or ``clipper check --repair``) catches up from the database. If the
parent dies, the child reads the end of its stdin and exits without committing.
"""
from __future__ import annotations

import itertools
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

COMMIT_EVERY = 2000  # fewer, bigger segments: each commit writes every distinct word again
_POLL = 0.5  # seconds between liveness checks while waiting
_FRAME = struct.Struct("<Q")


class BackgroundIndexError(RuntimeError):
    """The indexing process failed or died; the index needs a repair from the database."""


def write_frame(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_FRAME.pack(len(data)))
    stream.write(data)
    stream.flush()


def read_frame(stream):
    """The next object, or None at the end of the stream."""
    head = stream.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None
    (size,) = _FRAME.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)  # noqa: S301 - frames come from our own parent/child only


class BackgroundIndexer:
    def __init__(self, part_dir: Path, *, writer_timeout: float = 10.0,
                 commit_every: int = COMMIT_EVERY):
        env = dict(os.environ)
        # The child must import this same clipper, wherever it was imported from.
        package_root = str(Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (package_root, env.get("PYTHONPATH", "")) if p)
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "clipper.index.background", str(part_dir),
             repr(float(writer_timeout)), str(int(commit_every))],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env=env, close_fds=True,
        )
        self._outbox: queue.Queue = queue.Queue()
        self._answers: queue.Queue = queue.Queue()
        self._feeder = threading.Thread(target=self._feed, name="clipper-indexer-feed",
                                        daemon=True)
        self._listener = threading.Thread(target=self._listen, name="clipper-indexer-answers",
                                          daemon=True)
        self._feeder.start()
        self._listener.start()
        self.sent = 0
        self.indexed = 0
        self.committed = 0
        self._closed = False

    # ---- threads -------------------------------------------------------------------------
    def _feed(self) -> None:
        stdin = self._proc.stdin
        try:
            while True:
                message = self._outbox.get()
                if message is None:
                    break
                write_frame(stdin, message)
        except (OSError, ValueError):  # the child is gone; the waiting side reports it
            pass
        finally:
            try:
                stdin.close()
            except OSError:
                pass

    def _listen(self) -> None:
        stdout = self._proc.stdout
        try:
            while True:
                answer = read_frame(stdout)
                if answer is None:
                    break
                self._answers.put(answer)
        except (OSError, ValueError, pickle.UnpicklingError, EOFError):
            pass
        self._answers.put(("gone",))

    # ---- feeding -------------------------------------------------------------------------
    def add(self, docs: list[dict]) -> None:
        """Queue field dicts (``clipper.index.fields.article_fields``) for indexing."""
        if not docs:
            return
        self._check()
        self._outbox.put(("add", docs))
        self.sent += len(docs)
        self._drain(block=False)

    def behind(self) -> int:
        """Documents sent and not indexed yet (as far as answers arrived)."""
        self._drain(block=False)
        return self.sent - self.indexed

    def wait_until_behind(self, at_most: int, timeout: float | None = None) -> bool:
        """Block until no more than ``at_most`` sent documents are still to be indexed
        (keeps memory bounded when storing runs far ahead of indexing); False when
        ``timeout`` seconds passed first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.sent - self.indexed > at_most:
            if deadline is None:
                self._drain(block=True)
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self._drain(block=True, timeout=left)
        return True

    def commit(self) -> None:
        """Commit what was sent and wait for it (it merges nothing: the settler merges
        after the bulk job, ``clipper.index.settle``)."""
        self._check()
        self._outbox.put(("commit",))
        self._wait_for("committed")

    def finish(self) -> None:
        """Commit everything sent and stop the process. Raises BackgroundIndexError."""
        if self._closed:
            return
        try:
            self._check()
            self._outbox.put(("finish",))
            self._wait_for("finished")
        finally:
            self._stop()

    def abort(self) -> None:
        """Stop without committing the current batch."""
        self._stop()

    # ---- internals -----------------------------------------------------------------------
    def _check(self) -> None:
        if self._closed:
            raise BackgroundIndexError("the indexing process was stopped")

    def _handle(self, answer: tuple) -> str:
        kind = answer[0]
        if kind == "indexed":
            self.indexed += answer[1]
        elif kind in ("committed", "finished"):
            self.committed = answer[1]
        elif kind == "error":
            self._stop()
            raise BackgroundIndexError(answer[1])
        elif kind == "gone":
            self._stop()
            raise BackgroundIndexError(
                f"the indexing process ended unexpectedly (exit code {self._proc.poll()})")
        return kind

    def _drain(self, block: bool, timeout: float | None = None) -> str | None:
        """Handle waiting answers; with ``block``, wait for at least one (at most
        ``timeout`` seconds, if given)."""
        kind = None
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            try:
                wait = _POLL if deadline is None else max(0.0, min(_POLL, deadline - time.monotonic()))
                answer = self._answers.get(timeout=wait) if block else self._answers.get_nowait()
            except queue.Empty:
                if block and (deadline is None or time.monotonic() < deadline):
                    continue
                return kind
            kind = self._handle(answer)
            block = False

    def _wait_for(self, kind: str) -> None:
        while self._drain(block=True) != kind:
            pass

    def _stop(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._outbox.put(None)  # the feeder closes stdin: the child leaves
        proc = self._proc
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        self._feeder.join(timeout=2)
        self._listener.join(timeout=2)
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except (OSError, ValueError):
                pass


def serve(part_dir: str, writer_timeout: float, commit_every: int, stdin, stdout) -> None:
    """The child process: index what arrives, commit every ``commit_every`` documents.
    Leaves without committing when its input ends before "finish".

    Each batch is written beside the index, into a scratch index of its own
    (``index/.merge-PID-N-articles``, as ``clipper.index.side_merge`` builds merges), and
    committed by swapping its segment in (``side_merge.swap``: a commit of a table of
    contents, which deletes older documents of the same articles). So the index's write lock
    is held only for that swap, not while the batch is indexed: someone's edit during the
    import is written by the importing process at once, never queued behind this batch."""
    import shutil

    from clipper.index import engine, side_merge
    from clipper.index.merging import no_merge

    ix = engine.open_dir(part_dir)
    index_folder = Path(part_dir).parent
    # The parent holds the lane lock for as long as it lives: while it does, nobody else
    # replays the log into the index. Once it is gone (killed), another process may have
    # replayed newer versions of these articles: a batch swapped in then would put older
    # ones back, so every swap first checks, under the write lock, that it is still there.
    parent = os.getppid()
    numbers = itertools.count()
    batch = None  # (scratch folder, scratch index, writer, keys)
    total = 0

    def start_batch():
        from whoosh.filedb.filestore import FileStorage

        scratch = index_folder / f"{side_merge.SCRATCH_PREFIX}{os.getpid()}-{next(numbers)}-articles"
        scratch.mkdir(parents=True)
        scratch_ix = FileStorage(os.fspath(scratch)).create_index(ix.schema, indexname=ix.indexname)
        return scratch, scratch_ix, engine.writer(scratch_ix, bulk=True), []

    def commit():
        nonlocal batch, total
        if batch is None:
            return
        scratch, scratch_ix, writer, keys = batch
        batch = None
        try:
            writer.commit(mergetype=no_merge)
            plan = side_merge.MergePlan("articles", [], ix.schema, scratch,
                                        merged=side_merge.only_segment(scratch_ix))
            if not side_merge.swap(plan, ix, timeout=writer_timeout, replacing=keys,
                                   still_wanted=lambda: os.getppid() == parent):
                raise RuntimeError("the batch could not be put into the index")
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        total += len(keys)

    try:
        while True:
            message = read_frame(stdin)
            if message is None:  # the parent is gone or gave up: nothing is committed
                raise SystemExit(0)
            kind = message[0]
            if kind == "add":
                if batch is None:
                    batch = start_batch()
                for fields in message[1]:
                    batch[2].add_document(**fields)
                    batch[3].append(fields["key"])
                write_frame(stdout, ("indexed", len(message[1])))
                if len(batch[3]) >= commit_every:
                    commit()
            elif kind == "commit":
                commit()
                write_frame(stdout, ("committed", total))
            elif kind == "finish":
                commit()
                write_frame(stdout, ("finished", total))
                return
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, never raised there
        if batch is not None:
            try:
                batch[2].cancel()
            except Exception:  # noqa: BLE001
                pass
            shutil.rmtree(batch[0], ignore_errors=True)
        if not isinstance(exc, SystemExit):
            try:
                write_frame(stdout, ("error", f"{type(exc).__name__}: {exc}"))
            except OSError:
                pass


if __name__ == "__main__":
    serve(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]), sys.stdin.buffer, sys.stdout.buffer)
