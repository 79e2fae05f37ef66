"""The index lane's thread: one per open ``Library``, it catches the index up after each
write (``clipper.index_lane.catch_up``), so no interactive call waits on the index.

It merges segments beside the index (``clipper.index.side_merge``): a merge is built on a
helper thread while the lane goes on applying writes, then swapped in by a short commit, so
a write is never queued behind a merge. While another process holds the lane lock (a bulk
import), that process applies this Library's writes too; the thread only follows the
watermark. In the desktop app short catch-ups run in a child process
(``clipper.index.lane_process``); long ones (a rebuild) report progress and can be
cancelled.
"""
from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from clipper import index_lane
from clipper.errors import Cancelled
from clipper.index import merging
from clipper.index import state as index_state
from clipper.jobs import CancelToken, Progress, run_job
from clipper.storage import changelog

log = logging.getLogger(__name__)

IDLE_MERGE_AFTER = 2.0  # seconds without writes before the lane merges segments
MERGE_AT_CLOSE = 5.0  # seconds closing waits for a merge being built to go in
RETRY_AFTER = 5.0  # seconds before a failed catch-up is tried again (a new write: at once)
QUIET_RETRIES = 2  # a failed round is tried again this many times before waiters are told
FOLLOW_POLL = 0.01  # seconds between looks at the watermark while another process is the lane


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
        lock = index_lane.LaneLock(self.folder)
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

    def _catch_up_round(self, db, index, lock: index_lane.LaneLock) -> None:
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
                job = index_lane.catch_up(db, index, cancel=self.cancel)
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
            index_lane.checkpoint(db)
            with self._cond:
                self._target = max(self._target, changelog.max_seq(db))
                quiet = self._applied >= self._target
            if quiet and not index.plans_merges:  # Whoosh's stock paths: merge now, in a commit
                self._start_merge(index, merging.INLINE_DOCS)
        finally:
            lock.release()

    def _catch_up_in_process(self, db, index, lock: index_lane.LaneLock) -> "index_lane.CatchUp | None":
        """A short catch-up in the lane process (``clipper.index.lane_process``), if this
        lane has one; None: do it on this thread (no process, a long catch-up, a failure).
        The child takes the lane lock itself: it is let go here meanwhile."""
        process = self.process
        if process is None or index.needs_rebuild or index.applied_seq is None:
            return None
        if not 0 <= changelog.max_seq(db) - index.applied_seq <= index_lane.LONG_CATCH_UP:
            return None  # a long one reports progress and can be cancelled: here
        lock.release()
        applied = process.catch_up()
        if applied is None:  # busy elsewhere, long after all, or failed (logged): here
            return None
        index.reload_state()
        index.refresh()
        return index_lane.CatchUp(applied)

    def _progress(self, p: Progress) -> None:
        if p.total and p.total >= index_lane.LONG_CATCH_UP:  # a rebuild or a long replay: shown
            self.progress = p

    def _merge_round(self, index, lock: index_lane.LaneLock) -> None:
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

    def _swap_merge(self, index, lock: index_lane.LaneLock) -> None:
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
