"""The big merges after a bulk job, in a detached process that outlives it.

A bulk import or rebuild leaves many segments of a few thousand documents. Merging them
(the tiered policy's upper tiers, ``clipper.index.merging``) rewrites tens of thousands of
documents: minutes of pure Python at 50,000 articles. Done at the end of the job, inside a
commit, it made a 7-second import of 1,000 files into a 33,000-article library take
134 seconds, and it held the index's write lock all along, so nobody's edit became
searchable meanwhile. Instead the job starts the *settler* when it ends
(``python -m clipper.index.settle LIBRARY``, a process in its own session, at a lower CPU
priority) and returns. The settler runs the due merges one at a time, each built beside
the index (``clipper.index.side_merge``: the index keeps taking commits meanwhile) and
swapped in by a short commit under the lane lock, until none is due.

- One settler per library: it holds ``index.settle.lock`` (an ``flock`` in the library
  folder) while it runs; a second one started meanwhile leaves at once.
- Killed at any point, it leaves the index as it was (a swap is one commit; its scratch
  folder is removed at the next open by ``clipper.leftovers``), and the next bulk job
  starts it again.
- If the sources of a build are gone when it is ready (an app's index lane merged some of
  them, a rebuild replaced the index), the build is dropped and the next one planned.
- Its builds run only on an otherwise idle CPU (``SCHED_IDLE`` on Linux; the settler itself,
  which swaps under the lane lock, is only niced, so it is never starved holding a lock).
- It gives way to bulk jobs: each bulk job of the library holds ``index.bulk.lock`` shared
  for its duration (``bulk_job``); meanwhile the settler plans nothing and its build (a
  child process) is stopped, to go on where it was once the job ends. A niced process
  still took the free core of a two-core machine from an import and the edits made during
  it (a search saw an edit 511 ms after it, instead of 131-174 ms, when a settler merged
  beside the import).
"""
from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from clipper.index import engine, merging, side_merge

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: bulk jobs merge nothing afterwards
    fcntl = None

log = logging.getLogger(__name__)

LOCK_NAME = "index.settle.lock"
BULK_LOCK_NAME = "index.bulk.lock"
BULK_POLL = 0.5  # seconds between looks at whether the bulk job ended
SWAP_WAIT = 600.0  # seconds a built merge waits for the lane lock (a bulk job may hold it)
MAX_MERGES = 200  # merges one settler runs at most (the policy converges far sooner)
NICE = 10  # the settler yields the CPU to the app and to the user's commands
PARTS = ("articles", "passages")


def start(folder: Path) -> bool:
    """Start the settler of the library in ``folder`` (detached) unless one is at work;
    False if it cannot run. The lock is taken here and handed to the child (so
    ``running`` is true from the moment this returns)."""
    if fcntl is None or not engine.FAST:
        return False
    fd = os.open(Path(folder) / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True  # one is at work: it plans again after each merge
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[2])  # this same clipper
        env["PYTHONPATH"] = os.pathsep.join(x for x in (package_root, env.get("PYTHONPATH", "")) if x)
        try:
            proc = subprocess.Popen([sys.executable, "-m", "clipper.index.settle", os.fspath(folder), str(fd)],
                                    stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, env=env, close_fds=True, pass_fds=(fd,),
                                    start_new_session=True)
        except OSError as exc:
            log.info("index settler not started: %s", exc)
            return False
        # Reaped when it ends (an app that imports all day would otherwise keep one zombie
        # process per import until the next subprocess it starts).
        threading.Thread(target=proc.wait, name="clipper-settler-reaper", daemon=True).start()
        return True
    finally:
        os.close(fd)  # the child holds the lock now (same open file), or nobody does


def merges_due(folder: Path) -> bool:
    """Would a settler find a merge to do in the library in ``folder`` (read from the
    index's latest table of contents, without opening a search index)?"""
    from clipper.paths import INDEX_DIR

    if not engine.FAST or os.environ.get("CLIPPER_MERGE_IN_COMMITS") == "1":
        return False
    for name in PARTS:
        ix = engine.open_dir(os.fspath(Path(folder) / INDEX_DIR / name))
        try:
            if merging.choose(engine.segments(ix), merging.MAX_MERGED):
                return True
        finally:
            ix.close()
    return False


def running(folder: Path) -> bool:
    """Is a settler at work on the library in ``folder``?"""
    return _held_elsewhere(Path(folder) / LOCK_NAME)


def _held_elsewhere(path: Path) -> bool:
    """Does some process hold an ``flock`` on ``path``? (Taking it exclusively for an
    instant fails then; a missing file or a folder without locks: False.)"""
    if fcntl is None:
        return False
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except OSError as exc:  # some network file systems have no locks: nobody is waited for
        log.info("cannot tell whether %s is held: %s", path.name, exc)
        return False
    finally:
        os.close(fd)  # (also drops the lock this took, if it got it)
    return False


@contextmanager
def bulk_job(folder: Path) -> Iterator[None]:
    """Mark a bulk job of the library in ``folder`` at work for the block (a shared
    ``flock``: several may run; the kernel drops it if the process dies)."""
    fd = None
    if fcntl is not None:
        path = Path(folder) / BULK_LOCK_NAME
        try:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
            except PermissionError:  # made by another user: flock needs no write access
                fd = os.open(path, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_SH)
        except OSError as exc:  # a read-only folder: the settler just does not give way
            log.info("bulk job not marked: %s", exc)
            if fd is not None:
                os.close(fd)
            fd = None
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)


def bulk_job_running(folder: Path) -> bool:
    """Is a bulk job of the library in ``folder`` at work?"""
    return _held_elsewhere(Path(folder) / BULK_LOCK_NAME)


def _wait_while_a_bulk_job_runs(folder: Path) -> None:
    while bulk_job_running(folder):
        time.sleep(BULK_POLL)


def wait(folder: Path, timeout: float) -> bool:
    """Until no settler works on ``folder`` (True) or ``timeout`` passed (False)."""
    deadline = time.monotonic() + timeout
    while running(folder):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.1)
    return True


def run(folder: Path, max_merges: int = MAX_MERGES, *, lock_fd: int | None = None) -> int:
    """Run the due merges of the library in ``folder``; the number swapped in. ``lock_fd``:
    the settle lock, already held (``start`` hands it over)."""
    from clipper.index_lane import LaneLock
    from clipper.paths import INDEX_DIR

    folder = Path(folder)
    fd = lock_fd if lock_fd is not None else os.open(folder / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        if lock_fd is None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                return 0  # another settler is at it
        swapped = 0
        index_folder = folder / INDEX_DIR
        for _ in range(max_merges):
            _wait_while_a_bulk_job_runs(folder)
            p = ix = None
            for name in PARTS:
                ix = engine.open_dir(os.fspath(index_folder / name))
                p = side_merge.plan(name, ix, ix.schema, index_folder, merging.MAX_MERGED)
                if p is not None:
                    break
                ix.close()
            if p is None:
                return swapped
            p.paused = lambda: bulk_job_running(folder)
            p.idle_priority = True  # (this process, which swaps under the lane lock, is only niced)
            try:
                side_merge.build(p, ix)  # in a child (stopped while a bulk job runs), this process waits
                if p.error is not None:
                    log.warning("index settler: a merge failed: %s", p.error)
                    return swapped
                _wait_while_a_bulk_job_runs(folder)  # (it holds the lane lock all along)
                lane = LaneLock(folder)
                if not lane.acquire(SWAP_WAIT):
                    side_merge.discard(p)
                    return swapped
                try:
                    if side_merge.swap(p, ix, timeout=5.0):
                        swapped += 1
                finally:
                    lane.release()
            finally:
                side_merge.discard(p)
                ix.close()
        return swapped
    finally:
        os.close(fd)


def main(argv: list[str]) -> int:
    try:
        os.nice(NICE)
    except OSError:
        pass
    try:
        run(Path(argv[0]), lock_fd=int(argv[1]) if len(argv) > 1 else None)
    except Exception as exc:  # noqa: BLE001 - an optimisation: the index is as it was
        log.warning("index settler stopped: %s: %s", type(exc).__name__, exc)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
