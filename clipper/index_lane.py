"""The index lane: the one way the search index learns of changes.

Writes never touch the index. Each write transaction appends what it touched to the change
log (``clipper.storage.changelog``) before it commits; the index keeps the last sequence
number it applied (its watermark, ``SearchIndex.applied_seq``). Bringing the index up to
date is *catching up*: under the lane lock (one holder across all processes), read the log
after the watermark, make the index match the database for exactly those ids, commit, then
move the watermark. A kill anywhere leaves the watermark behind what was applied, never
ahead, and replaying is idempotent, so the next catch-up repairs everything.

- ``LaneLock``: an ``flock`` on ``index.lock`` in the library folder (released by the
  kernel when its process dies; never inside ``index/``, which a rebuild swaps).
- ``catch_up``: what to do when the index is behind (replay, or rebuild when most of the
  library changed or the index is missing/damaged/of unknown state).
- ``IndexLane``: a thread per open ``Library`` that catches up after each write, so no
  interactive call waits on the index. It merges segments beside the index
  (``clipper.index.side_merge``): a merge is built on a helper thread while the lane goes
  on applying writes, then swapped in by a short commit, so a write is never queued
  behind a merge.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from clipper.errors import Cancelled
from clipper.index import merging
from clipper.index import state as index_state
from clipper.jobs import CancelToken, Job, Progress, run_job
from clipper.storage import articles as article_store
from clipper.storage import changelog
from clipper.storage import db as dbmod
from clipper.storage import docs
from clipper.storage import passages as passage_store

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: one process per library is assumed
    fcntl = None

log = logging.getLogger(__name__)

LOCK_NAME = "index.lock"
BULK_THRESHOLD = 200  # created articles indexed at once above which the bulk writer is used
REPLAY_CHUNK = 2000  # articles read and indexed per commit while replaying a long range
REBUILD_SHARE = 0.5  # replaying more than this share of the library: rebuild instead
REBUILD_MIN = 5000  # ... but never rebuild for fewer touched articles than this
IDLE_MERGE_AFTER = 2.0  # seconds without writes before the lane merges segments
MERGE_AT_CLOSE = 5.0  # seconds closing waits for a merge being built to go in
LONG_CATCH_UP = 500  # documents from which a catch-up reports its progress (the app shows it)
RETRY_AFTER = 5.0  # seconds before a failed catch-up is tried again (a new write: at once)
QUIET_RETRIES = 2  # a failed round is tried again this many times before waiters are told
FOLLOW_POLL = 0.01  # seconds between looks at the watermark while another process is the lane
# (at 0.05 s, plus as long again trying the lock, a write made during an import was seen by
# its search ~100 ms after the importer had applied it)


class LaneLock:
    """An exclusive, process-wide lock on writing the index (``flock``)."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / LOCK_NAME
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def acquire(self, timeout: float = 0.0) -> bool:
        if self._fd is not None:
            return True
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is None:  # pragma: no cover
            self._fd = fd
            return True
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                self._fd = fd
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(fd)
                    return False
                time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
                delay = min(delay * 2, 0.1)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def __enter__(self) -> "LaneLock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


@dataclass
class CatchUp:
    applied: int  # the watermark afterwards
    replayed: int = 0  # articles + passages made to match the database
    rebuilt: bool = False


def needs_catch_up(db, index) -> bool:
    """True when the index is behind the database, of unknown state, or damaged."""
    if index.needs_rebuild:
        return True
    applied = index.applied_seq
    return applied is None or applied != changelog.max_seq(db)


def catch_up(db, index, *, cancel: CancelToken | None = None) -> Job[CatchUp]:
    """Bring ``index`` up to the database (the caller holds the lane lock); a job.

    The watermark is moved only after the index committed what it covers."""
    top = changelog.max_seq(db)
    applied = index.applied_seq
    if applied is not None and applied > top:
        # The index is ahead of this database: the database was replaced (an older copy put
        # back). Nothing in the log tells what differs: compare document by document.
        applied = None
    if index.needs_rebuild:
        return (yield from _rebuild(db, index, cancel))
    if applied is None:
        # An index from before the change log (or one whose watermark was lost): compare
        # every document's stamp with the database, fix the difference, then trust it.
        drift = drift_of(db, index)
        if drift.total > max(REBUILD_MIN, REBUILD_SHARE * _article_count(db)):
            return (yield from _rebuild(db, index, cancel))
        apply_drift(db, index, drift)
        index.set_applied(top)
        return CatchUp(top, drift.total)
    if top <= applied:
        return CatchUp(applied)
    touched = changelog.touched(db, applied, top)
    if len(touched.articles) > max(REBUILD_MIN, REBUILD_SHARE * _article_count(db)):
        return (yield from _rebuild(db, index, cancel))
    yield from replay(db, index, touched, cancel=cancel)
    index.set_applied(touched.last)
    return CatchUp(touched.last, len(touched))


def _article_count(db) -> int:
    return article_store.count(db)


def _rebuild(db, index, cancel) -> Job[CatchUp]:
    top = changelog.max_seq(db)  # read before the documents: later entries are replayed after
    yield from rebuild_index(db, index, applied_seq=top, cancel=cancel)
    return CatchUp(top, rebuilt=True)


def replay(db, index, touched: changelog.Touched, *,
           cancel: CancelToken | None = None) -> Job[None]:
    """Make the index match the database for the ids ``touched`` names (a job): ids still
    in the database are (re)indexed from their current rows, the others deleted."""
    article_ids = sorted(touched.articles)
    total = len(article_ids) + len(touched.passages)
    done = 0
    for start in range(0, max(len(article_ids), 1), REPLAY_CHUNK):
        chunk = article_ids[start:start + REPLAY_CHUNK]
        if not chunk and start:
            break
        if cancel is not None:
            cancel.raise_if_cancelled()
        found = list(docs.article_docs(db, chunk))
        gone = sorted(set(chunk) - {d.id for d in found})
        created = [d for d in found if d.id in touched.created_articles]
        if len(created) >= BULK_THRESHOLD:
            index.add_bulk(created, ())
            created_ids = {d.id for d in created}
            found = [d for d in found if d.id not in created_ids]
        last = start + REPLAY_CHUNK >= len(article_ids)
        passages, gone_passages = [], []
        if last:  # passages after their articles (a deleted article takes its passages)
            passage_ids = sorted(touched.passages)
            passages = list(docs.passage_docs(db, passage_ids))
            gone_passages = sorted(set(passage_ids) - {p.id for p in passages})
        index.update(articles=found, passages=passages, delete_articles=gone,
                     delete_passages=gone_passages)
        done += len(chunk) + (len(touched.passages) if last else 0)
        yield Progress(done, total, "Updating the search index")


@dataclass
class Drift:
    missing_articles: list[int] = field(default_factory=list)
    extra_articles: list[int] = field(default_factory=list)
    stale_articles: list[int] = field(default_factory=list)
    missing_passages: list[int] = field(default_factory=list)
    extra_passages: list[int] = field(default_factory=list)
    stale_passages: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(v) for v in asdict(self).values())


def _diff(db_revs: dict[int, int], stamps: dict[int, str]) -> tuple[list[int], list[int], list[int]]:
    missing = sorted(set(db_revs) - set(stamps))
    extra = sorted(set(stamps) - set(db_revs))
    stale = sorted(i for i in set(db_revs) & set(stamps) if str(db_revs[i]) != str(stamps[i]))
    return missing, extra, stale


def drift_of(db, index) -> Drift:
    a_stamps, p_stamps = index.stamps()
    ma, ea, sa = _diff(article_store.revs(db), a_stamps)
    mp, ep, sp = _diff(passage_store.revs(db), p_stamps)
    return Drift(ma, ea, sa, mp, ep, sp)


def apply_drift(db, index, d: Drift) -> int:
    """Apply exactly the missing/stale/extra documents to the index."""
    if d.total == 0:
        return 0
    index.update(
        articles=list(docs.article_docs(db, d.missing_articles + d.stale_articles)),
        passages=list(docs.passage_docs(db, d.missing_passages + d.stale_passages)),
        delete_articles=d.extra_articles,
        delete_passages=d.extra_passages,
    )
    return d.total


def rebuild_index(db, index, *, applied_seq: int | None = None,
                  cancel: CancelToken | None = None) -> Job[dict]:
    """Rebuild ``index`` from the database (a job yielding Progress); the caller holds
    the lane lock. ``applied_seq``: the change-log sequence read before the documents."""
    if applied_seq is None:
        applied_seq = changelog.max_seq(db)
    n_articles = article_store.count(db)
    n_passages = passage_store.count(db)
    yield Progress(0, n_articles + n_passages, "rebuilding search index")
    yield from index.rebuild(docs.article_docs(db), docs.passage_docs(db),
                             total=n_articles + n_passages, cancel=cancel,
                             applied_seq=applied_seq)
    return {"articles": n_articles, "passages": n_passages}


def _checkpoint(db) -> None:
    """Fold the WAL into the database here, off the writers' path (writers' connections
    only checkpoint past ``WRITER_CHECKPOINT_PAGES``, so their commits stay short)."""
    try:
        dbmod.checkpoint(db)
    except Exception:  # noqa: BLE001 - a busy database: the next round
        pass


class IndexLane:
    """A thread that keeps the index of one library caught up and merged.

    ``notify(seq)`` after a write; ``wait(seq, timeout)`` before a read that must see it.
    The thread has its own database connection and its own ``SearchIndex`` on the same
    folder; readers pick up its commits with ``SearchIndex.refresh()``. When another
    process holds the lane lock (a bulk import), that process replays our entries from
    the log; the thread then only watches the watermark."""

    def __init__(self, folder: Path, *, open_db, open_index, on_applied=None, delay: float = 0.0,
                 process=None):
        self.folder = Path(folder)
        # A clipper.index.lane_process.LaneProcess: short catch-ups run there (the desktop
        # app: its UI thread never waits for this thread's Whoosh work to let go of the GIL).
        self.process = process
        # Seconds a catch-up waits after being woken: the writer's caller runs first (the
        # desktop app redraws while the lane's pure-Python Whoosh work would hold the GIL),
        # and writes made meanwhile are applied together.
        self.delay = delay
        self._open_db = open_db
        self._open_index = open_index
        self._on_applied = on_applied  # called (from the lane thread) with the new watermark
        self._cond = threading.Condition()
        self._target = 0
        self._applied = -1
        self._ahead = None  # what another process's bulk job applied beyond the watermark
        self._stopping = False
        self._last_write = time.monotonic()
        self._merge_pending = False  # set by writes: merges run only after some
        self._merge = None  # the side_merge.MergePlan being built, if any
        self._closing = False
        self.error: str | None = None  # the last failure, until a catch-up succeeds
        self._retry_at = 0.0
        self._quiet_retries = 0  # failures in a row not yet reported (see QUIET_RETRIES)
        self.progress: Progress | None = None  # while catching up a long way
        self.cancel = CancelToken()
        self._thread = threading.Thread(target=self._run, name="clipper-index-lane", daemon=True)
        self._thread.start()

    # ---- callers ---------------------------------------------------------------------
    @property
    def applied(self) -> int:
        return self._applied

    @property
    def busy(self) -> bool:
        with self._cond:
            return self._applied < self._target

    def notify(self, seq: int | None = None) -> None:
        with self._cond:
            if seq is not None:
                self._target = max(self._target, seq)
            self._last_write = time.monotonic()
            self._merge_pending = True
            self._retry_at = 0.0  # a new write: try again at once
            self._cond.notify_all()

    def wait(self, seq: int, timeout: float) -> bool:
        """Until the index has applied ``seq`` (True) or ``timeout`` passed (False)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            self._target = max(self._target, seq)
            self._cond.notify_all()
            while not self._holds(seq) and not self._stopping and self.error is None:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
            return self._holds(seq)

    def holds(self, seq: int) -> bool:
        """Has the index applied the entry ``seq`` (up to the watermark, or ahead of it)?"""
        with self._cond:
            return self._holds(seq)

    def _holds(self, seq: int) -> bool:
        return index_state.holds(self._applied, self._ahead, seq)

    def stop(self, drain: float = 0.0) -> None:
        """Stop the thread, first waiting up to ``drain`` seconds for it to catch up, and
        up to ``MERGE_AT_CLOSE`` for a merge being built to go in (a command-line process
        lives for one write: without this its merges would never finish)."""
        if drain > 0:
            self.wait(self._target, drain)
        deadline = time.monotonic() + MERGE_AT_CLOSE
        with self._cond:
            self._closing = True  # no new merge
            while self._merge is not None and not self._stopping and time.monotonic() < deadline:
                self._cond.wait(0.05)
            self._stopping = True
            self._cond.notify_all()
        self.cancel.cancel()
        merge = self._merge
        if merge is not None:
            merge.cancel.set()
        self._thread.join(timeout=max(drain, 5.0))
        if self.process is not None:
            self.process.stop()

    # ---- the thread ------------------------------------------------------------------
    def _run(self) -> None:
        db = index = None
        lock = LaneLock(self.folder)
        try:
            db = self._open_db()
            index = self._open_index()
            index.defer_merges = True
            with self._cond:
                self._applied = index.applied_seq if index.applied_seq is not None else -1
                self._target = max(self._target, changelog.max_seq(db))
            while True:
                with self._cond:
                    while not self._stopping and not self._due():
                        self._cond.wait(0.5)
                        if self._applied >= self._target:
                            self._peek(db)
                    if self._stopping:
                        return
                    behind = self._applied < self._target
                    built = self._merge is not None and self._merge.done.is_set()
                try:
                    if behind:
                        if self.delay:
                            time.sleep(self.delay)
                        self._catch_up_round(db, index, lock)
                    elif built:
                        self._swap_merge(index, lock)
                    else:
                        self._merge_round(index, lock)
                except Cancelled:  # the user stopped a long catch-up: resume at the next write
                    lock.release()
                    self.progress = None
                    self.cancel = CancelToken()
                    with self._cond:
                        self.error = "cancelled"
                        self._retry_at = float("inf")
                        self._cond.notify_all()
                except Exception as exc:  # noqa: BLE001 - the log keeps it; retried, and on next open
                    lock.release()
                    if self._quiet_retries < QUIET_RETRIES:
                        # Often a race with another process's commit or rebuild (a table of
                        # contents replaced under us): try again before telling waiters.
                        self._quiet_retries += 1
                        log.info("search index update failed, trying again: %s", exc)
                        time.sleep(0.1 * self._quiet_retries)
                    else:
                        self._failed(exc)
                else:
                    self._quiet_retries = 0
                    if behind and self._applied >= self._target:
                        self.error = None
        except Exception as exc:  # noqa: BLE001 - could not even open: the next open repairs
            self._failed(exc)
            with self._cond:
                self._stopping = True
                self._cond.notify_all()
        finally:
            lock.release()
            self._end_merge()
            for thing in (index, getattr(db, "conn", None)):
                try:
                    if thing is not None:
                        thing.close()
                except Exception:  # noqa: BLE001
                    pass

    def _failed(self, exc: Exception) -> None:
        self.error = f"{type(exc).__name__}: {exc}"
        log.warning("search index update failed: %s", self.error)
        with self._cond:
            self._retry_at = time.monotonic() + RETRY_AFTER
            self._cond.notify_all()

    def _due(self) -> bool:
        if self._applied < self._target:
            return self.error is None or time.monotonic() >= self._retry_at
        if self._merge is not None and self._merge.done.is_set():
            return True
        return self._merge_due()

    def _merge_due(self) -> bool:
        return self._merge_pending and time.monotonic() - self._last_write >= IDLE_MERGE_AFTER

    def _peek(self, db) -> None:
        """Notice writes of other processes (so their entries get applied too)."""
        try:
            top = changelog.max_seq(db)
        except Exception:  # noqa: BLE001
            return
        if top > self._target:
            self._target = top

    def _set_applied(self, seq: int) -> None:
        with self._cond:
            self._applied = max(self._applied, seq)
            self._cond.notify_all()
        if self._on_applied is not None:
            self._on_applied(seq)

    def _catch_up_round(self, db, index, lock: LaneLock) -> None:
        if not lock.acquire(timeout=FOLLOW_POLL):
            # Someone else writes the index (a bulk import replays the log as it goes):
            # follow its watermark (a flock try and a small file read per poll).
            index.reload_state()
            seen, ahead = index.applied_seq, index.applied_ahead
            if ahead != self._ahead:  # someone's edits applied ahead of the import's articles
                index.refresh()
                with self._cond:
                    self._ahead = ahead
                    self._cond.notify_all()
            if seen is not None and seen > self._applied:
                index.refresh()
                self._set_applied(seen)
            time.sleep(FOLLOW_POLL)
            return
        try:
            index.reload_state()
            result = self._catch_up_in_process(db, index, lock)
            if result is None:
                if not lock.acquire(timeout=0.05):
                    return  # someone took the lane meanwhile: the next round follows it
                index.reload_state()
                index.refresh()
                job = catch_up(db, index, cancel=self.cancel)
                result = run_job(job, on_progress=self._progress)
            self.progress = None
            if not lock.acquire(timeout=1.0):  # merges and the checkpoint want it too
                self._set_applied(result.applied)
                return
            if index.plans_merges:
                # Start the due merge (built beside the index) before telling waiters, so
                # a Library closed right after its write still lets it finish.
                with self._cond:
                    quiet = result.applied >= self._target
                if quiet:
                    self._start_merge(index, merging.INLINE_DOCS)
            self._set_applied(result.applied)
            _checkpoint(db)
            with self._cond:
                self._target = max(self._target, changelog.max_seq(db))
                quiet = self._applied >= self._target
            if quiet and not index.plans_merges:  # Whoosh's stock paths: merge now, in a commit
                self._start_merge(index, merging.INLINE_DOCS)
        finally:
            lock.release()

    def _catch_up_in_process(self, db, index, lock: LaneLock) -> "CatchUp | None":
        """A short catch-up in the lane process (``clipper.index.lane_process``), if this
        lane has one; None: do it on this thread (no process, a long catch-up, a failure).
        The child takes the lane lock itself: it is let go here meanwhile."""
        process = self.process
        if process is None or index.needs_rebuild or index.applied_seq is None:
            return None
        if not 0 <= changelog.max_seq(db) - index.applied_seq <= LONG_CATCH_UP:
            return None  # a long one reports progress and can be cancelled: here
        lock.release()
        applied = process.catch_up()
        if applied is None:  # busy elsewhere, long after all, or failed (logged): here
            return None
        index.reload_state()
        index.refresh()
        return CatchUp(applied)

    def _progress(self, p: Progress) -> None:
        if p.total and p.total >= LONG_CATCH_UP:  # a rebuild or a long replay: shown
            self.progress = p

    def _merge_round(self, index, lock: LaneLock) -> None:
        with self._cond:
            self._merge_pending = False
        if not index.plans_merges:  # Whoosh's stock paths: merge inside commits, when idle
            if not lock.acquire(timeout=0.05):
                return
            try:
                index.reload_state()
                while not self._stopping and self._applied >= self._target:
                    if not index.merge_step(merging.IDLE_DOCS):
                        break
            finally:
                lock.release()
            return
        self._start_merge(index, merging.IDLE_DOCS)

    # ---- merges built beside the index (clipper.index.side_merge) -----------------------
    def _start_merge(self, index, max_docs: int) -> None:
        """Start building the next due merge on a helper thread (none if one is built)."""
        if not index.plans_merges:
            index.merge_step(max_docs)  # Whoosh's stock paths: inside a commit (lock held)
            return
        if self._merge is not None or self._stopping or self._closing:
            return
        try:
            plan = index.plan_merge(max_docs)
        except Exception as exc:  # noqa: BLE001 - a merge is an optimisation: never fail a round for it
            log.info("no merge planned: %s", exc)
            return
        if plan is None:
            return
        self._merge = plan

        def build():
            index.build_merge(plan)
            with self._cond:
                self._cond.notify_all()

        threading.Thread(target=build, name="clipper-index-merge", daemon=True).start()

    def _swap_merge(self, index, lock: LaneLock) -> None:
        """Swap a built merge in (a short commit), then start the next one that is due."""
        plan = self._merge
        try:
            if not lock.acquire(timeout=0.05):  # a bulk job writes the index: drop this merge
                index.drop_merge(plan)
                return
            try:
                index.swap_merge(plan)
            except Exception as exc:  # noqa: BLE001 - the index is as it was: merge again later
                log.info("background merge not swapped in: %s", exc)
                return
            finally:
                lock.release()
        finally:
            with self._cond:
                self._merge = None
                self._cond.notify_all()
        with self._cond:
            quiet = self._applied >= self._target
            idle = time.monotonic() - self._last_write >= IDLE_MERGE_AFTER
        if quiet:
            self._start_merge(index, merging.IDLE_DOCS if idle else merging.INLINE_DOCS)

    def _end_merge(self) -> None:
        """The lane stops: a merge still being built is cancelled (its thread removes its
        scratch folder; if the process exits first, the next open does)."""
        plan, self._merge = self._merge, None
        if plan is not None:
            plan.cancel.set()
