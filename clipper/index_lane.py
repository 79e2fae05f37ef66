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
- ``IndexLane`` (``clipper.index_lane_thread``): a thread per open ``Library`` that catches
  up after each write, so no interactive call waits on the index.
"""
from __future__ import annotations

import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from clipper.jobs import CancelToken, Job, Progress
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
LONG_CATCH_UP = 500  # documents from which a catch-up reports its progress (the app shows it)
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


def checkpoint(db) -> None:
    """Fold the WAL into the database here, off the writers' path (writers' connections
    only checkpoint past ``WRITER_CHECKPOINT_PAGES``, so their commits stay short)."""
    try:
        dbmod.checkpoint(db)
    except Exception:  # noqa: BLE001 - a busy database: the next round
        pass
