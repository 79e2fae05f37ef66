"""Running core work off the UI thread.

- :class:`JobThread` drives one core job generator (import, export, reindex) on its own
  thread with its own :class:`~clipper.library.Library`, turning each ``Progress`` into a
  signal and honouring a :class:`~clipper.jobs.CancelToken`.
- :class:`SearchService` owns one long-lived search thread (with its own Library) that
  answers search requests; only the newest request is worked on, older ones are dropped.
- :class:`SortService` does the same for ordering the article list (a sort by outlet reads
  every light row, too slow for the UI thread at 50,000 articles).
- :class:`WriteLane` runs the window's writes (``LibraryOps``) one after another on one
  thread with its own Library, so the UI thread never waits for SQLite (Anki's CollectionOp).

A Library belongs to the thread that opened it, so workers never share the GUI's.
"""
from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

from clipper.errors import Cancelled, ClipperError
from clipper.jobs import CancelToken, Progress

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.05  # seconds between progress signals (the UI needs no more)
INDEX_LANE_DELAY = 0.1  # seconds the write lane's index lane waits after a write (see WriteLane)


def open_worker_library(folder, **kwargs):
    """A Library for a worker thread. It takes no automatic backup when it opens (the
    window's own Library does, in the background): a search or a sort must not start
    with a whole-database copy."""
    from clipper.library import Library

    kwargs.setdefault("auto_backup", False)
    kwargs.setdefault("backup_in_background", True)
    return Library.open(folder, create=False, repair_index=False, **kwargs)


def refresh_index(lib) -> None:
    """Make another thread's index writes visible to this Library's searchers."""
    index = getattr(lib, "index", None)
    if index is not None:
        index.refresh()


class JobThread(QThread):
    """Run ``make_job(lib, cancel_token)`` (a job generator, or a plain function) on a thread.

    Signals: ``progressed(done, total, label)`` (total -1 when unknown),
    ``succeeded(result)``, ``failed(message)``, ``cancelled()`` (the job raised Cancelled).
    Exactly one of the last three is emitted; a job that stops early on its own (an import
    returning a report marked cancelled) ends with ``succeeded``.
    """

    progressed = Signal(int, int, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, folder, make_job: Callable[[Any, CancelToken], Any], parent: QObject | None = None):
        super().__init__(parent)
        self.folder = folder
        self.make_job = make_job
        self.token = CancelToken()
        self._last_emit = 0.0

    def cancel(self) -> None:
        self.token.cancel()

    def _progress(self, p: Progress, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last_emit >= PROGRESS_INTERVAL:
            self._last_emit = now
            self.progressed.emit(int(p.done), -1 if p.total is None else int(p.total), p.label or "")

    def run(self) -> None:  # noqa: D401 - QThread override
        lib = None
        try:
            lib = open_worker_library(self.folder)
            job = self.make_job(lib, self.token)
            if hasattr(job, "__next__"):
                last = None
                while True:
                    try:
                        last = next(job)
                    except StopIteration as stop:
                        result = stop.value
                        break
                    self._progress(last)
                if last is not None:
                    self._progress(last, force=True)
            else:
                result = job
        except Cancelled:
            self.cancelled.emit()
            return
        except ClipperError as exc:
            self.failed.emit(str(exc))
            return
        except Exception as exc:  # a bug must reach the user as a message, not kill the app
            log.exception("background job failed")
            self.failed.emit(f"unexpected error: {exc}")
            return
        finally:
            if lib is not None:
                lib.close()
        self.succeeded.emit(result)


@dataclass
class SearchRequest:
    id: int
    query: str
    passages: bool = False
    limit: int = 100
    sort: str | None = None
    facets: bool = False
    after_seq: int = 0  # the window's last write: the search must see it (read your writes)


class _SearchWorker(QObject):
    finished = Signal(int, object)
    failed = Signal(int, str)
    facets_ready = Signal(object)

    def __init__(self, folder, latest: Callable[[], int]):
        super().__init__()
        self.folder = folder
        self.latest = latest
        self.lib = None

    def _library(self):
        if self.lib is None:
            self.lib = open_worker_library(self.folder)
        else:
            refresh_index(self.lib)
        return self.lib

    @Slot(object)
    def search(self, req: SearchRequest) -> None:
        if req.id < self.latest():
            return  # the user typed on: a newer request is queued
        try:
            lib = self._library()
            lib.wait_for_index(seq=req.after_seq)
            result = lib.search(req.query, limit=req.limit, passages=req.passages, sort=req.sort)
        except ClipperError as exc:
            self.failed.emit(req.id, str(exc))
            return
        except Exception as exc:  # the index being rebuilt by someone else, a core bug...
            log.exception("search failed")
            self.failed.emit(req.id, f"search failed: {exc}")
            return
        self.finished.emit(req.id, result)

    @Slot()
    def facets(self) -> None:
        try:
            lib = self._library()
            result = lib.search("", limit=0, facets=True)
            self.facets_ready.emit(result.facets or {})
        except Exception as exc:  # noqa: BLE001 - facets are a convenience; never fatal
            log.warning("facets failed: %s", exc)
            self.facets_ready.emit({})

    @Slot()
    def close(self) -> None:
        if self.lib is not None:
            self.lib.close()
            self.lib = None


class _LatestRequestService(QObject):
    """A worker object on its own thread, with its own Library. Each request gets an id;
    only the newest request's answer is passed on (``finished(id, result)`` or
    ``failed(id, message)``), older ones are dropped."""

    finished = Signal(int, object)
    failed = Signal(int, str)
    _close = Signal()

    def _start_worker(self, name: str, make_worker: Callable[[Callable[[], int]], QObject]) -> None:
        self._lock = threading.Lock()
        self._latest = 0
        self._thread = QThread(self)
        self._thread.setObjectName(name)
        self._worker = make_worker(self.latest_id)
        self._worker.moveToThread(self._thread)
        self._close.connect(self._worker.close)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._thread.finished.connect(self._worker.deleteLater)

    def latest_id(self) -> int:
        with self._lock:
            return self._latest

    def _next_id(self) -> int:
        with self._lock:
            self._latest += 1
            return self._latest

    def _on_finished(self, rid: int, result) -> None:
        if rid == self.latest_id():
            self.finished.emit(rid, result)

    def _on_failed(self, rid: int, message: str) -> None:
        if rid == self.latest_id():
            self.failed.emit(rid, message)

    def stop(self) -> None:
        if self._thread.isRunning():
            self._close.emit()
            self._thread.quit()
            self._thread.wait(5000)


class SearchService(_LatestRequestService):
    """Searches on a dedicated thread. ``search(...)`` returns a request id; answers come
    back as ``finished(request_id, SearchResult)`` or ``failed(request_id, message)``."""

    facets_ready = Signal(object)
    _request = Signal(object)
    _facets = Signal()

    def __init__(self, folder, parent: QObject | None = None, written: Callable[[], int] = lambda: 0):
        super().__init__(parent)
        self._written = written  # the window Library's last change-log sequence
        self._start_worker("clipper-search", lambda latest: _SearchWorker(folder, latest))
        self._request.connect(self._worker.search)
        self._facets.connect(self._worker.facets)
        self._worker.facets_ready.connect(self.facets_ready)
        self._thread.start()

    def search(self, query: str, *, passages: bool = False, limit: int = 100, sort: str | None = None) -> int:
        rid = self._next_id()
        self._request.emit(SearchRequest(rid, query, passages, limit, sort, after_seq=self._written()))
        return rid

    def request_facets(self) -> None:
        self._facets.emit()


class _SortWorker(QObject):
    finished = Signal(int, object)
    failed = Signal(int, str)

    def __init__(self, folder, latest: Callable[[], int]):
        super().__init__()
        self.folder = folder
        self.latest = latest
        self.lib = None

    @Slot(int, object)
    def sort(self, rid: int, spec) -> None:
        from clipper.gui.models import ordered_ids

        if rid < self.latest():
            return  # superseded by a newer sort before it started
        try:
            if self.lib is None:
                self.lib = open_worker_library(self.folder)
            ids, _rows = ordered_ids(self.lib, spec)
        except ClipperError as exc:
            self.failed.emit(rid, str(exc))
            return
        except Exception as exc:  # a core bug must not kill the thread silently
            log.exception("sort failed")
            self.failed.emit(rid, f"sort failed: {exc}")
            return
        self.finished.emit(rid, ids)

    @Slot()
    def close(self) -> None:
        if self.lib is not None:
            self.lib.close()
            self.lib = None


class SortService(_LatestRequestService):
    """Orders article ids on a dedicated thread (with its own Library). ``request(spec)``
    (a :class:`~clipper.gui.models.SortSpec`) returns a request id at once; the answer comes
    back as ``finished(request_id, ids)`` or ``failed(request_id, message)``, for the newest
    request only — an older one still queued is skipped, an older answer is dropped."""

    _request = Signal(int, object)

    def __init__(self, folder, parent: QObject | None = None):
        super().__init__(parent)
        self._start_worker("clipper-sort", lambda latest: _SortWorker(folder, latest))
        self._request.connect(self._worker.sort)
        self._thread.start()

    def request(self, spec) -> int:
        rid = self._next_id()
        self._request.emit(rid, spec)
        return rid


class PendingOp:
    """One write submitted to the :class:`WriteLane`. ``body(lib)`` runs on the lane's
    thread; when it is over, ``finished`` is True and ``result`` (or ``error``, a user-facing
    message) is set, and ``on_done(op)`` is called on the UI thread."""

    __slots__ = ("body", "on_done", "result", "error", "finished", "seq")

    def __init__(self, body: Callable[[Any], Any], on_done: Callable[["PendingOp"], None] | None = None):
        self.body = body
        self.on_done = on_done
        self.result: Any = None
        self.error: str | None = None
        self.finished = False
        self.seq = 0  # the lane Library's last change-log sequence after this op

    def __bool__(self) -> bool:  # "was it submitted": a PendingOp always was
        return True


class _WriteWorker(QObject):
    done = Signal(object)

    def __init__(self, folder):
        super().__init__()
        self.folder = folder
        self.lib = None

    def _library(self):
        if self.lib is None:
            # The window's Library takes the automatic backup at open; the periodic check
            # while writing runs on a thread of its own, never holding the writes up.
            self.lib = open_worker_library(self.folder, backup_in_background=True, auto_backup=False)
            # The index lane (a thread of this process) starts its Whoosh work a moment after
            # each write, once the window has redrawn: it would otherwise hold the GIL then.
            self.lib.index_lane_delay = INDEX_LANE_DELAY
            # Short catch-ups run in a process of their own (clipper.index.lane_process):
            # their Whoosh work holds the GIL in long C calls the switch interval cannot cut.
            self.lib.index_lane_process = True
        return self.lib

    @Slot()
    def open(self) -> None:
        try:
            self._library()
        except Exception as exc:  # noqa: BLE001 - reported again by the first op that needs it
            log.warning("cannot open the library for writing: %s", exc)

    @Slot(object)
    def run(self, op: PendingOp) -> None:
        try:
            lib = self._library()
            op.result = op.body(lib)
            op.seq = lib.last_seq
        except ClipperError as exc:
            op.error = str(exc)
        except Exception as exc:  # never let a core bug take the window down
            log.exception("operation failed")
            op.error = f"unexpected error: {exc}"
        self.done.emit(op)

    @Slot()
    def close(self) -> None:
        try:
            if self.lib is not None:
                self.lib.close()  # drains the index lane (bounded)
                self.lib = None
        finally:
            QThread.currentThread().quit()  # after every op queued before this


class WriteLane(QObject):
    """The window's one write lane: a thread with its own Library that runs submitted writes
    in order, one at a time. ``submit(body, on_done)`` returns a :class:`PendingOp` at once;
    ``on_done`` runs on the UI thread when the write is over, then ``op_finished(op)`` is
    emitted. ``pending`` counts the ops submitted and not yet finished."""

    op_finished = Signal(object)
    busy_changed = Signal(bool)
    _request = Signal(object)
    _close = Signal()

    def __init__(self, folder, parent: QObject | None = None):
        super().__init__(parent)
        self.pending = 0
        self.last_seq = 0
        self.stopped = False
        self._thread = QThread(self)
        self._thread.setObjectName("clipper-write")
        self._worker = _WriteWorker(folder)
        self._worker.moveToThread(self._thread)
        self._request.connect(self._worker.run)
        self._close.connect(self._worker.close)
        self._worker.done.connect(self._done)
        self._thread.finished.connect(self._worker.deleteLater)
        self._thread.started.connect(self._worker.open)
        self._thread.start()

    def submit(self, body: Callable[[Any], Any], on_done: Callable[[PendingOp], None] | None = None) -> PendingOp:
        if self.stopped:
            raise RuntimeError("the write lane is stopped")
        op = PendingOp(body, on_done)
        self.pending += 1
        if self.pending == 1:
            self.busy_changed.emit(True)
        self._request.emit(op)
        return op

    def _done(self, op: PendingOp) -> None:
        if self.stopped:
            return  # the window closed: the write is done, its follow-ups are not wanted
        self.pending -= 1
        self.last_seq = max(self.last_seq, op.seq)
        op.finished = True
        try:
            if op.on_done is not None:
                op.on_done(op)
        finally:
            self.op_finished.emit(op)
            if self.pending == 0:
                self.busy_changed.emit(False)

    def idle(self) -> bool:
        return self.pending == 0 or self.stopped  # a stopped lane reports nothing more

    def wait_idle(self, timeout: float = 30.0) -> bool:
        """Run the event loop until every submitted op has finished (tests, closing)."""
        from PySide6.QtCore import QCoreApplication, QEventLoop

        deadline = time.monotonic() + timeout
        while not self.idle() and time.monotonic() < deadline:
            QCoreApplication.processEvents(QEventLoop.AllEvents, 20)
            if not self.idle():
                time.sleep(0.002)
        return self.idle()

    def stop(self, timeout_ms: int = 30_000) -> None:
        """Finish the queued writes (their completions are dropped), close the lane's
        Library and stop the thread."""
        self.stopped = True
        if self._thread.isRunning():
            self._close.emit()  # queued behind every op already submitted; quits the thread
            self._thread.wait(timeout_ms)
