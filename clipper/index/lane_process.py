"""The desktop app's index catch-ups, run in a process of their own.

A catch-up after a highlight is a few documents' worth of Whoosh work: pure Python, with
long C calls (pickling, compression) that hold the GIL whatever the switch interval. Run
on the index lane's thread of the app's process, it made the UI thread wait for the GIL
before every paint or key handler written in Python: stalls of 40-60 ms right after each
highlight. With ``Library.index_lane_process`` set (the desktop app sets it), the lane thread
hands each *short* catch-up to this child (``python -m clipper.index.lane_process LIBRARY``,
started on first use, kept for the Library's life) and only waits for its answer, which
releases the GIL. The child does the round as any lane does: it takes the lane lock itself
(so a round it started completes under the lock even if the app is killed meanwhile), reads
the log after the watermark, applies it, moves the watermark; the lane thread re-reads it.

Long catch-ups (a rebuild, a replay of many entries: they report progress and can be
cancelled) stay on the lane thread: the child answers "long" when it finds one. If the child
fails, dies or does not answer within ``ANSWER_WAIT``, it is stopped, the round is done on
the thread instead, and the child is started again next time.
"""
from __future__ import annotations

import logging
import os
import select
import subprocess
import sys
import threading
from pathlib import Path

from clipper.index.background import read_frame, write_frame

log = logging.getLogger(__name__)

ANSWER_WAIT = 30.0  # seconds the lane thread waits for the child's answer
LOCK_WAIT = 1.0  # seconds the child waits for the lane lock (another process may hold it)


class LaneProcess:
    """The parent's handle: ``catch_up()`` runs one catch-up in the child."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self._proc: subprocess.Popen | None = None
        self._lock = threading.Lock()

    def _start(self) -> subprocess.Popen:
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[2])  # this same clipper
        env["PYTHONPATH"] = os.pathsep.join(x for x in (package_root, env.get("PYTHONPATH", "")) if x)
        return subprocess.Popen([sys.executable, "-m", "clipper.index.lane_process", os.fspath(self.folder)],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                env=env, close_fds=True)

    def catch_up(self) -> int | None:
        """Catch the index up in the child; the sequence it applied, or None when it could
        not (the lock is held elsewhere, a long catch-up, a failure: logged; a child that
        failed is stopped and started again next time)."""
        with self._lock:
            try:
                if self._proc is None or self._proc.poll() is not None:
                    self._proc = self._start()
                write_frame(self._proc.stdin, ("catch_up",))
                ready, _, _ = select.select([self._proc.stdout], [], [], ANSWER_WAIT)
                answer = read_frame(self._proc.stdout) if ready else ("error", "no answer in time")
            except (OSError, ValueError, EOFError) as exc:
                answer = ("error", str(exc))
            if answer is None or answer[0] == "error":
                self._stop_locked()
                log.info("index process failed: %s", answer[1] if answer else "it ended")
                return None
            if answer[0] != "applied":
                return None  # "busy" or "long": the lane thread decides
            return int(answer[1])

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            proc.stdin.close()  # the child reads the end of its input and leaves
        except OSError:
            pass
        try:
            proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
        try:
            proc.stdout.close()
        except OSError:
            pass


def serve(folder: Path, stdin, stdout) -> None:
    """The child: one database connection and one index, a lane round per request."""
    from clipper import paths
    from clipper.index import SearchIndex
    from clipper.index_lane import LONG_CATCH_UP, LaneLock, catch_up
    from clipper.jobs import run_job
    from clipper.storage import changelog
    from clipper.storage import db as dbmod
    from clipper.storage.texts import texts

    db = dbmod.connect(folder / paths.DB_NAME)
    index = SearchIndex(folder / paths.INDEX_DIR, text_loader=lambda ids: texts(db, ids))
    index.defer_merges = True  # the lane (in the parent) merges, beside the index
    lock = LaneLock(folder)
    try:
        while True:
            message = read_frame(stdin)
            if message is None:
                return
            if not lock.acquire(LOCK_WAIT):
                write_frame(stdout, ("busy",))
                continue
            try:
                index.reload_state()
                applied = index.applied_seq
                if (index.needs_rebuild or applied is None
                        or not 0 <= changelog.max_seq(db) - applied <= LONG_CATCH_UP):
                    write_frame(stdout, ("long",))  # progress and cancel: the lane thread's
                    continue
                index.refresh()
                result = run_job(catch_up(db, index))
                write_frame(stdout, ("applied", result.applied))
            except Exception as exc:  # noqa: BLE001 - reported; the parent does the round itself
                write_frame(stdout, ("error", f"{type(exc).__name__}: {exc}"))
            finally:
                lock.release()
    finally:
        index.close()
        db.conn.close()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), sys.stdin.buffer, sys.stdout.buffer)
