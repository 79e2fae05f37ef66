"""The Library facade: one folder holding the SQLite database and the derived search index.

    lib = Library.open("~/clips")
    lib.articles.get(1); lib.passages.add(...); lib.tags.rename(...); lib.notes.add(...)
    lib.search("iran AND missile*")

Every write goes through ``lib.write()``: one ``BEGIN IMMEDIATE`` transaction in SQLite
that also appends what it touched (a ``Changes`` record) to the change log. The search index
is derived: the index lane (``clipper.index_lane``) replays the log after each write, off
the caller's path, and a search waits (bounded) until its own Library's writes are in.
An index behind the log, damaged or of unknown state is caught up on the next open.

A Library object and its connection belong to the thread that opened it; other threads
open their own Library on the same folder.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import time
from contextlib import contextmanager, nullcontext
from functools import cached_property
from pathlib import Path
from typing import Iterator

import sqlite_utils

from clipper import backup, leftovers, paths, recovery
from clipper.changes import Changes
from clipper import index_lane
from clipper.errors import LibraryError, LibraryLocked
from clipper.index import state as index_state
from clipper.index.small_merges import SmallMerges
from clipper.jobs import run_job
from clipper.storage import articles as article_store
from clipper.storage import changelog
from clipper.storage import db as dbmod
from clipper.storage import schema
from clipper.storage.priority import WritePriority

log = logging.getLogger(__name__)

INDEX_FLUSH_EVERY = 500  # deferred changes indexed in one go (bulk imports without a background indexer)
BACKGROUND_BATCH = 50  # new articles handed to the background indexer at a time
BACKGROUND_LAG = 3000  # storing waits when the background indexer is this many articles behind
# (storing goes on while the indexer commits a batch, ~5 s for 2,000 articles; edits never wait
# for the indexer's queue, and are applied while storing waits: LAG_EDIT_POLL)
LAG_EDIT_POLL = 0.02  # seconds between looks for someone's edit while storing waits for the indexer
WRITER_CHECKPOINT_PAGES = 8000  # ~32 MB of WAL
INDEX_LOCK_WAIT = 10.0  # seconds a repair or bulk job waits for the lane lock
OPEN_REPAIR_WAIT = 2.0  # seconds opening waits for it before searching what is indexed
READ_YOUR_WRITES_WAIT = 5.0  # seconds a search waits for the index to hold this Library's writes
CLOSE_DRAIN = 10.0  # seconds closing waits for the lane to apply this Library's writes
BULK_MERGE_MIN, BULK_MERGE_SHARE = 10.0, 0.33  # merging at the end of a bulk job: its budget
BULK_FOLLOW_WAIT = 600.0  # a bulk job that could not be the lane waits this long for the one that is


class Library:
    def __init__(self, folder: Path, db: sqlite_utils.Database):
        self.folder = folder
        self.db = db
        self.index_warning: str | None = None
        self._bulk: dict | None = None  # deferred_index's state while a bulk job runs
        self._lane = None  # the IndexLane thread, started by the first write
        self._index_lane_delay = 0.0  # see index_lane_delay
        self._index_lane_process = False  # see index_lane_process
        self._lane_db = None
        self._lane_lock = None  # index_lane_lock() while held
        self._last_seq = 0  # the last change-log entry this Library wrote
        self._seen_seq = 0  # ... and the last one its searches are known to see
        self._backup_in_background = False
        self._writing: Changes | None = None  # the open write's record (nested writes join it)
        self._backup_checked = time.monotonic()  # automatic backups: see recovery.auto_backup_if_due
        self._priority = WritePriority(folder)
        from clipper.articles import Articles
        from clipper.notes import Notes
        from clipper.passages import Passages
        from clipper.tags import Tags

        self.articles = Articles(self)
        self.passages = Passages(self)
        self.tags = Tags(self)
        self.notes = Notes(self)

    # ---- opening -------------------------------------------------------------------------
    @classmethod
    def open(cls, folder: str | os.PathLike | None = None, *, create: bool = True, repair_index: bool = True,
             backup_in_background: bool = False, index_in_background: bool = False,
             auto_backup: bool = True) -> "Library":
        """Open (creating on first use) the library at ``folder`` (see clipper.paths).

        ``backup_in_background`` (the desktop app): the automatic 12-hourly snapshot is
        taken by a thread with its own connection instead of delaying the open (and
        later writes); it is written to a temporary file and renamed when verified.
        ``index_in_background`` (the desktop app): an index that must catch up (even a
        whole rebuild) does so in the index lane while the library is already usable;
        ``index_catching_up`` reports its progress. ``auto_backup=False``: no snapshot at
        open (a second Library of the same process, such as the desktop app's write lane,
        whose window's Library takes it); the check while writing stays."""
        folder = paths.resolve_library_dir(folder)
        db_path = folder / paths.DB_NAME
        created = not db_path.exists()
        if created:
            if not create:
                raise LibraryError(f"no Clipper library at {folder}")
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise LibraryError(f"cannot create the library folder {folder}: {exc.strerror}") from None
        elif folder.is_file():
            raise LibraryError(f"{folder} is a file, not a library folder")
        else:
            recovery.check_on_open(folder)  # damaged → LibraryCorrupt naming the backup to restore
        db = dbmod.connect(db_path)
        try:
            if schema.current_version(db) and schema.pending(db):
                backup.before_migration(db, folder)
            schema.migrate(db)
            if auto_backup and not backup_in_background:
                recovery.auto_backup_if_due(db, folder)
        except LibraryError:
            db.conn.close()
            raise
        except Exception as exc:  # noqa: BLE001 - sqlite3.DatabaseError on a damaged file, any other: one clear error
            db.conn.close()
            translated = dbmod.translate_error(exc) if isinstance(exc, sqlite3.Error) else None
            raise (translated or LibraryError(f"cannot open the library: {exc}")) from None
        # Commits of writes stay short: the index lane folds the WAL in after its rounds
        # (clipper.index_lane.checkpoint); a writer checkpoints only past this size.
        dbmod.checkpoint_only_past(db, WRITER_CHECKPOINT_PAGES)
        lib = cls(folder, db)
        leftovers.clean_library(folder)  # what killed processes left behind (clipper.leftovers)
        lib._backup_in_background = backup_in_background
        if auto_backup and backup_in_background:
            recovery.auto_backup_in_background(db_path, folder)
        # A new library gets its (empty) index at once, so even `check` on first use is clean.
        if (repair_index or created) and lib.index_needs_repair():
            if index_in_background and not created:
                lib._notify_lane()
            else:
                from clipper.index import settle

                try:
                    # Another process holding the index (a rebuild, an import) replays the
                    # log itself: search meanwhile answers from what is indexed. An import
                    # holds it to its end (and leaves the index behind all along): no wait.
                    lib.repair_index(lock_wait=0.0 if settle.bulk_job_running(folder) else OPEN_REPAIR_WAIT)
                except LibraryLocked:
                    lib.index_warning = ("the search index is being updated by another Clipper "
                                         "process; results may miss the newest changes")
                except Exception as exc:  # noqa: BLE001 - the database is fine; search is repaired later
                    lib.index_warning = f"search index could not be repaired: {exc}"
                    log.warning(lib.index_warning)
        return lib

    def close(self) -> None:
        lane, self._lane = self._lane, None
        if lane is not None:
            lane.stop(drain=0 if lane.holds(self._last_seq) else CLOSE_DRAIN)
            if self._bulk is None:
                self._hand_due_merges_to_the_settler()
        if "index" in self.__dict__:
            try:
                self.index.close()
            except Exception:  # noqa: BLE001 - the index is derived; closing must not fail
                pass
            del self.__dict__["index"]
        try:
            self.db.conn.close()
        except Exception:  # noqa: BLE001 - closing must not fail
            pass
        self._priority.close()

    def _hand_due_merges_to_the_settler(self) -> None:
        """After a bulk job, and when a Library that wrote closes: the merges still due go
        to the settler (else a killed settler, or many short commands each adding a
        segment, left them until the next bulk job: a benchmark library whose settlers were
        stopped had 800 segments, and seen p95 during an import went to 400-600 ms)."""
        from clipper.index import settle

        try:
            due = settle.merges_due(self.folder)
        except Exception as exc:  # noqa: BLE001 - e.g. another process's rebuild swapped the index
            log.info("could not tell whether merges are due: %s", exc)
            due = True  # the settler looks again
        if due:
            try:
                settle.start(self.folder)
            except OSError as exc:  # an optimisation: the next one tries again
                log.info("index settler not started: %s", exc)

    def __enter__(self) -> "Library":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ---- paths ---------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.folder / paths.DB_NAME

    @property
    def index_path(self) -> Path:
        return self.folder / paths.INDEX_DIR

    @property
    def dirty_marker(self) -> Path:
        """Present while the search index may lag behind the database (repaired on open)."""
        return self.folder / paths.DIRTY_MARKER

    # ---- index ---------------------------------------------------------------------------
    @cached_property
    def index(self):
        from clipper.index import SearchIndex
        from clipper.index.schema import fold_tag
        from clipper.index.tagnames import TagNames
        from clipper.storage import tags as tag_store
        from clipper.storage.texts import texts

        return SearchIndex(self.index_path, text_loader=lambda ids: texts(self.db, ids),
                           tag_names=TagNames(lambda: tag_store.names_by_id(self.db), fold_tag))

    def index_needs_repair(self) -> bool:
        """The index is behind the change log, damaged, missing or of unknown state."""
        from clipper import index_lane

        if not self.index_path.exists():
            return True
        if self.dirty_marker.exists():  # left by a Clipper before the change log
            return True
        if "index" not in self.__dict__ and index_state.known_current(self.index_path, changelog.max_seq(self.db)):
            return False  # known without opening the index (commands that never search)
        self.index.reload_state()
        return index_lane.needs_catch_up(self.db, self.index)

    def repair_index(self, lock_wait: float | None = None) -> dict:
        """Catch the index up with the database now (replay the log, or rebuild)."""
        from clipper import maintenance

        if self.dirty_marker.exists():
            self.index.forget_applied()  # compare every document with the database
        return maintenance.repair(self, lock_wait)

    # ---- writing -------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Changes]:
        """A write transaction. What it touched is appended to the change log in the same
        transaction; the index lane applies it after the commit (the caller never waits
        for the index: a later ``search`` does, bounded, so it sees the write).

        A nested ``write()`` joins the open one."""
        if self._writing is not None:
            yield self._writing
            return
        changes = self._writing = Changes()
        seq = None
        try:
            if self._bulk is not None:  # someone's edit goes first (clipper.storage.priority)
                self._priority.yield_to_interactive()
                turn = nullcontext()
            else:
                turn = self._priority.interactive()
            with turn, dbmod.transaction(self.db):
                yield changes
                seq = changelog.append(self.db, changes)
        finally:
            self._writing = None
        if seq is not None:
            self._last_seq = seq
            if self._bulk is None:
                self._notify_lane(seq)
        if time.monotonic() - self._backup_checked > 600 and not self.db.conn.in_transaction:
            self._backup_checked = time.monotonic()
            if self._backup_in_background:
                recovery.auto_backup_in_background(self.db_path, self.folder)
            else:
                recovery.auto_backup_if_due(self.db, self.folder)  # at most every 12 h while in use

    # ---- the index lane ------------------------------------------------------------------
    def _notify_lane(self, seq: int | None = None) -> None:
        if self._lane is None:
            from clipper.index import SearchIndex
            from clipper.index_lane_thread import IndexLane
            from clipper.storage.texts import texts

            def open_db():
                self._lane_db = dbmod.connect(self.db_path)
                return self._lane_db

            self._lane = IndexLane(
                self.folder, open_db=open_db, delay=self._index_lane_delay,
                process=self._new_lane_process() if self._index_lane_process else None,
                open_index=lambda: SearchIndex(self.index_path,
                                               text_loader=lambda ids: texts(self._lane_db, ids)))
        self._lane.notify(seq)

    @property
    def index_lane_delay(self) -> float:
        """Seconds the index lane waits before each catch-up (see ``IndexLane.delay``; the
        desktop app sets it so the window redraws before the lane's Whoosh work)."""
        return self._index_lane_delay

    @index_lane_delay.setter
    def index_lane_delay(self, seconds: float) -> None:
        self._index_lane_delay = seconds
        if self._lane is not None:
            self._lane.delay = seconds

    @property
    def index_lane_process(self) -> bool:
        """Does the index lane run its short catch-ups in a process of their own
        (``clipper.index.lane_process``; the desktop app sets it)?"""
        return self._index_lane_process

    @index_lane_process.setter
    def index_lane_process(self, on: bool) -> None:
        self._index_lane_process = bool(on)
        if self._lane is not None and on and self._lane.process is None:
            self._lane.process = self._new_lane_process()

    def _new_lane_process(self):
        from clipper.index.lane_process import LaneProcess

        return LaneProcess(self.folder)

    @contextmanager
    def index_lane_lock(self, timeout: float | None = None) -> Iterator[None]:
        """Hold the lane lock (the one writer of the index, across processes)."""
        from clipper.index_lane import LaneLock

        if self._lane_lock is not None:  # held by this Library already (re-entrant)
            yield
            return
        lock = LaneLock(self.folder)
        if not lock.acquire(INDEX_LOCK_WAIT if timeout is None else timeout):
            raise LibraryLocked("the search index is being updated by another Clipper process")
        self._lane_lock = lock
        try:
            yield
        finally:
            self._lane_lock = None
            lock.release()

    def settle(self, timeout: float = CLOSE_DRAIN) -> bool:
        """Wait (bounded) until the index lane applied this Library's writes; sets
        ``index_warning`` when it could not (a command then says search is behind)."""
        lane = self._lane
        if lane is None or lane.holds(self._last_seq):
            return True
        if lane.wait(self._last_seq, timeout):
            return True
        if lane.error:
            self._index_update_failed(RuntimeError(lane.error))
        else:
            self.index_warning = "the search index is catching up; it will hold the newest changes shortly"
        return False

    @property
    def last_seq(self) -> int:
        """The change-log sequence of this Library's last write (0: none yet)."""
        return self._last_seq

    def wait_for_index(self, timeout: float = READ_YOUR_WRITES_WAIT, *, seq: int = 0) -> bool:
        """Read your writes: wait (bounded) until the index holds every write this Library
        made (and, with ``seq``, the writes up to ``seq`` another Library made: the desktop
        app's search thread passes the window's), then show the index's latest commit.
        False when the index is still catching up after ``timeout``."""
        lane = self._lane
        caught_up = True
        if lane is not None and max(self._last_seq, seq) > self._seen_seq:
            caught_up = self.settle(timeout) if self._last_seq >= seq else lane.wait(seq, timeout)
        elif lane is None and seq > self._seen_seq:
            caught_up = self._follow_watermark(seq, timeout)
        # Show the latest commit, whoever made it (another Library or process may have
        # committed since; cheap when nothing changed).
        index = self.index
        index.reload_state()
        index.refresh()
        if caught_up:
            self._seen_seq = max(self._seen_seq, self._last_seq, seq)
        return caught_up

    def _follow_watermark(self, seq: int, timeout: float) -> bool:
        """Without a lane of our own: until the index's watermark reaches ``seq``."""
        deadline = time.monotonic() + timeout
        while True:
            self.index.reload_state()
            if self.index.holds(seq):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    @property
    def index_catching_up(self):
        """The lane's Progress while it catches up a long way (a rebuild), else None."""
        return self._lane.progress if self._lane is not None else None

    def cancel_index_catch_up(self) -> None:
        """Stop a long catch-up (a rebuild): the old index stays; the next open resumes."""
        if self._lane is not None:
            self._lane.cancel.cancel()

    @contextmanager
    def deferred_index(self, background: bool = False, expected: int = 0) -> Iterator[None]:
        """A bulk job (imports): this Library becomes the index lane for its duration and
        indexes what the log holds in batches (``flush_index``) instead of after each write.

        With ``background``, new articles are indexed by a second process while the caller
        goes on (``clipper.index.background``), in batches of ``BACKGROUND_BATCH``; other
        changes (also those of other processes, read from the log) are applied here after
        that process committed. The watermark moves only over what was committed. The
        block returns once everything is indexed and searchable (when another process
        holds the lane, once that process has applied this job's writes)."""
        if self._bulk is not None:
            yield
            return
        from clipper.index import settle

        with settle.bulk_job(self.folder):  # the settler gives way meanwhile
            with self._deferred_index(background, expected):
                yield

    @contextmanager
    def _deferred_index(self, background: bool, expected: int) -> Iterator[None]:
        from clipper.index_lane import LaneLock

        lock = LaneLock(self.folder)
        owner = self._lane_lock is not None or lock.acquire(INDEX_LOCK_WAIT)
        self._bulk = {"owner": owner, "background": background and owner, "lock": lock,
                      "child": None, "seen": 0, "sent_upto": None, "broke": False, "holes": [], "queued": set(),
                      "started": time.monotonic(), "merges": None}
        try:
            if owner:
                self._bulk["merges"] = SmallMerges(self.index)
                self.index.reload_state()
                self.index.refresh()
                if index_lane.needs_catch_up(self.db, self.index):
                    run_job(index_lane.catch_up(self.db, self.index))
                self._bulk["seen"] = self.index.applied_seq or 0
                if self._bulk["background"] and expected >= BACKGROUND_BATCH:
                    self._start_background()
            yield
        finally:
            bulk = self._bulk
            try:
                if bulk["owner"]:
                    bulk["merges"].close()  # no merge is planned after this (the settler's turn)
                    try:
                        self.flush_index()
                    finally:
                        self._finish_background()
                    if bulk["broke"]:
                        self.index_warning = ("the background indexing process failed; the search "
                                              "index was repaired from the database")
                        self.flush_index()
                    if not self.index.plans_merges:  # Whoosh's stock paths: merge here
                        self._merge_after_bulk(time.monotonic() - bulk["started"])
            except Exception as exc:  # noqa: BLE001 - the log keeps it: the next open replays
                self._index_update_failed(exc)
            finally:
                self._bulk = None
                lock.release()
            if bulk["owner"]:
                # The big merges go on in a detached process (the job returns now; an edit
                # is never queued behind them): clipper.index.settle.
                self._hand_due_merges_to_the_settler()
            if not bulk["owner"]:
                self._notify_lane(self._last_seq)
                if not self._lane.wait(self._last_seq, BULK_FOLLOW_WAIT):
                    self.index_warning = "the search index is catching up (another Clipper process is indexing)"

    def maybe_flush_index(self) -> None:
        """Inside ``deferred_index``: index what the log holds once it makes a batch."""
        bulk = self._bulk
        if bulk is None or not bulk["owner"] or bulk.get("index_failed"):
            return  # after a failure: once more at the end (the log keeps the rest)
        pending, edits = changelog.pending_after(self.db, bulk["seen"])
        if pending >= (BACKGROUND_BATCH if bulk["background"] else INDEX_FLUSH_EVERY):
            self.flush_index()
        elif edits:
            # Someone's edit (another process, or the user beside the import): apply it now,
            # so their search sees it, whatever the batch.
            self.flush_index()
        elif bulk["merges"].building:
            bulk["merges"].tend()  # swap in a merge of the small segments once it is built
        self._wait_for_background()

    def _wait_for_background(self) -> None:
        """Storing waits while the background indexer is ``BACKGROUND_LAG`` articles behind
        (memory stays bounded), and applies someone's edits while it waits: a commit of a
        big batch takes seconds, and an edit made meanwhile was held back that long."""
        bulk = self._bulk
        try:
            while bulk["child"] is not None and not bulk.get("index_failed"):
                if bulk["child"].wait_until_behind(BACKGROUND_LAG, timeout=LAG_EDIT_POLL):
                    return
                if changelog.pending_after(self.db, bulk["seen"])[1]:
                    self.flush_index()
                elif bulk["merges"].building:
                    bulk["merges"].tend()
        except Exception as exc:  # noqa: BLE001 - the database is fine; replayed from the log
            self._background_failed(exc)

    def flush_index(self) -> None:
        """Inside ``deferred_index`` (as the lane): apply the log after what was applied."""
        bulk = self._bulk
        if bulk is None or not bulk["owner"]:
            return
        top = changelog.max_seq(self.db)
        if top <= bulk["seen"]:
            return
        touched = changelog.touched(self.db, bulk["seen"], top)
        rest = touched
        if bulk["background"]:
            # Articles created and also changed in this range (someone tagged or highlighted
            # one the import just stored) are written here: sent to the child, the change
            # would be out of search until the child's next commit, and the index could not
            # say which entries it holds ahead of its watermark.
            created = touched.created_articles - touched.changed_articles
            if created and (bulk["child"] is not None or len(created) >= BACKGROUND_BATCH):
                if self._send_to_background(sorted(created)):
                    rest = changelog.Touched(touched.first, touched.last,
                                             articles=touched.articles - created,
                                             passages=touched.passages)
                    bulk["holes"].extend(touched.created_seqs)  # (a superset: harmless)
                    bulk["queued"].update(created)
            if bulk["child"] is not None and rest.articles and not self._write_beside_child(rest.articles):
                # An article this job sent the child (created, then edited in one import),
                # or a deleted one: written here after the child committed all it was sent
                # (so the older version it holds can never overwrite the newer one). The
                # commit merges nothing: the settler merges after the job.
                self._commit_background()
        if bulk["seen"] != touched.first:  # the child failed: all it had not committed, here
            rest = changelog.touched(self.db, bulk["seen"], top)
        # The commits merge nothing (inside a commit, a merge held an edit back: on copies of
        # one 40,000-article library, seen p95 during an import went from 70 ms to 353 ms);
        # the lowest tiers are merged beside the index (SmallMerges), the rest by the settler
        # after the job.
        deferred, self.index.defer_merges = self.index.defer_merges, True
        try:
            run_job(index_lane.replay(self.db, self.index, rest))
        except Exception as exc:  # noqa: BLE001
            bulk["index_failed"] = True
            self._index_update_failed(exc)
            return
        finally:
            self.index.defer_merges = deferred
        bulk["seen"] = top
        if bulk["child"] is None or bulk["child"].sent == bulk["child"].committed:
            self.index.set_applied(top)
            bulk["sent_upto"] = None
            self._forget_sent()
        else:
            bulk["sent_upto"] = top  # applied once the child commits it
            if len(rest) and self.index.applied_seq is not None:  # someone's edits, applied
                # ahead of the child's articles
                self.index.set_applied(self.index.applied_seq, ahead=top,
                                       holes=index_state.ranges(bulk["holes"]))
        if len(rest):  # new small segments (someone's edits): keep the lowest tier merged
            bulk["merges"].tend()  # (after the watermark: whoever waits for it sees the edit first)

    def _write_beside_child(self, ids: set[int]) -> bool:
        """Can these changed articles (someone's edit) be written here at once, beside the
        background indexer's batch? It builds its batch beside the index and holds the write
        lock only to swap it in (``clipper.index.background``), so they can, unless the child
        holds one of them (sent by this job, not yet committed) or one was deleted (its
        passages go too). The index then holds the edit *ahead* of its watermark (the
        articles the child has not committed keep the watermark back: clipper.index.state)."""
        if len(ids) > 10_000 or ids & self._bulk["queued"]:
            return False
        return article_store.count_existing(self.db, ids) == len(ids)

    def _merge_after_bulk(self, took: float) -> None:
        """Whoosh's stock paths (no merges built beside the index): the big merges of the
        tiered policy at the end of a bulk job, for at most a third of the job's time (at
        least 10 s): the rest at the end of the next one."""
        deadline = time.monotonic() + max(BULK_MERGE_MIN, BULK_MERGE_SHARE * took)
        try:
            while time.monotonic() < deadline and self.index.merge_step():
                pass
        except Exception as exc:  # noqa: BLE001 - merging is an optimisation
            log.warning("merging index segments failed: %s", exc)

    def _send_to_background(self, ids: list[int]) -> bool:
        """Hand new articles to the background indexer (started on first use). False if
        it cannot run: the caller then indexes them here."""
        from clipper.storage import docs

        bulk = self._bulk
        try:
            if bulk["child"] is None:
                self._start_background()
                if bulk["child"] is None:
                    return False
            bulk["child"].add(self.index.article_fields_for(docs.article_docs(self.db, ids)))
            return True  # (storing waits for the child in maybe_flush_index)
        except Exception as exc:  # noqa: BLE001 - the database is fine; replayed from the log
            self._background_failed(exc)
            return False

    def _start_background(self) -> None:
        """Start the background indexer; if it cannot start, index here as usual."""
        try:
            self._bulk["child"] = self.index.background_indexer()
        except Exception as exc:  # noqa: BLE001 - nothing was sent: no drift, just slower
            self._bulk["background"] = False
            log.warning("background indexing unavailable (%s: %s)", type(exc).__name__, exc)

    def _commit_background(self) -> None:
        bulk = self._bulk
        try:
            bulk["child"].commit()
        except Exception as exc:  # noqa: BLE001
            self._background_failed(exc)
            return
        self._child_committed()

    def _forget_sent(self) -> None:
        """Nothing sent to the background indexer is uncommitted any more: no article is
        held there (``queued``), no log entry kept out of what the index holds (``holes``)."""
        self._bulk["holes"], self._bulk["queued"] = [], set()

    def _child_committed(self) -> None:
        bulk = self._bulk
        self.index.refresh()
        self._forget_sent()  # the child committed all it was sent
        if bulk["sent_upto"] is not None:
            self.index.set_applied(bulk["sent_upto"])
            bulk["sent_upto"] = None

    def _background_failed(self, exc: Exception) -> None:
        bulk = self._bulk
        bulk["broke"] = True
        child, bulk["child"] = bulk["child"], None
        bulk["background"] = False  # the rest of this import is indexed here
        bulk["sent_upto"] = None
        bulk["seen"] = self.index.applied_seq or 0  # replay what the child had not committed
        if child is not None:
            child.abort()
        self._forget_sent()
        log.warning("background indexer failed (%s: %s); indexing here", type(exc).__name__, exc)

    def _finish_background(self) -> None:
        bulk = self._bulk
        child = bulk["child"]
        if child is None:
            return
        try:
            child.finish()
        except Exception as exc:  # noqa: BLE001
            self._background_failed(exc)
            return
        bulk["child"] = None
        self._child_committed()

    def index_repaired(self) -> None:
        """Called by the repair/rebuild code once the index matches the database again."""
        self.dirty_marker.unlink(missing_ok=True)

    def _index_update_failed(self, exc: Exception) -> None:
        """The database is committed but the index missed it: say so (the change log keeps
        what was missed, replayed by the next catch-up)."""
        what = str(exc) if isinstance(exc, RuntimeError) else f"{type(exc).__name__}: {exc}"
        self.index_warning = f"search index update failed ({what}); it will be repaired on next start"
        log.warning(self.index_warning)

    # ---- searching -----------------------------------------------------------------------
    def search(self, query: str, **kwargs):
        """Search articles (or passages with passages=True); see clipper.index.query for
        the language. Sees every write this Library made (``wait_for_index``)."""
        self.wait_for_index()
        return self.index.search(query, **kwargs)

    def article_ids(self, query: str) -> list[int]:
        """Every article matching ``query`` (no ranking, no snippets)."""
        self.wait_for_index()
        return self.index.article_ids(query)
