"""Someone's edit goes before a bulk job's next transaction.

SQLite has one write lock and no queue: a writer that finds it taken sleeps and tries again
(its busy handler sleeps 1, 2, 5, 10 … up to 100 ms between tries). A bulk import holds the
lock for a few milliseconds per article and takes it again at once, so a highlight made
meanwhile kept waking up to find it taken: on a loaded two-core machine its write call
waited up to 0.8 s behind an import of 20,000 files.

``writers.lock`` (an ``flock`` in the library folder) puts the interactive writes first:
each holds it *shared* around its transaction (``interactive``; shared holders never wait
for each other), and a bulk job takes it *exclusive* for an instant before each of its
transactions (``yield_to_interactive``), which waits while any interactive write is waiting
for, or holding, the database's lock. The bulk job waits at most ``YIELD_AT_MOST`` per
transaction, so a stuck holder can slow an import but never stop it. A process that dies
drops its hold (the kernel releases ``flock``).
"""
from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

try:  # POSIX
    import fcntl
except ImportError:  # pragma: no cover - Windows: no priority, writes just wait their turn
    fcntl = None

LOCK_NAME = "writers.lock"
YIELD_AT_MOST = 2.0  # seconds a bulk transaction waits for interactive writes
_POLL = 0.001


class WritePriority:
    """The priority lock of one library folder (one file descriptor, opened lazily)."""

    def __init__(self, folder: Path):
        self.path = Path(folder) / LOCK_NAME
        self._fd: int | None = None
        self._depth = 0

    def _open(self) -> int | None:
        if fcntl is None:
            return None
        if self._fd is None:
            try:
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            except OSError:  # a read-only folder: no priority (and no writes either)
                return None
        return self._fd

    @contextmanager
    def interactive(self) -> Iterator[None]:
        """Around an interactive write transaction: bulk jobs wait for it."""
        fd = self._open()
        if fd is None or self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        held = _lock(fd, fcntl.LOCK_SH, YIELD_AT_MOST)
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1
            if held:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def yield_to_interactive(self) -> None:
        """Before a bulk job's transaction: wait (bounded) while interactive writes wait."""
        fd = self._open()
        if fd is None:
            return
        if _lock(fd, fcntl.LOCK_EX, YIELD_AT_MOST):
            fcntl.flock(fd, fcntl.LOCK_UN)

    def close(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)


def _lock(fd: int, kind: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, kind | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL)
        except OSError:
            return False
