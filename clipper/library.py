"""The Library facade: one folder holding the SQLite database and the derived search index.

    lib = Library.open("~/clips")
    lib.articles.get(1); lib.passages.add(...); lib.tags.rename(...); lib.notes.add(...)
    lib.search("iran AND missile*")

Every write goes through ``lib.write()``: one ``BEGIN IMMEDIATE`` transaction in SQLite,
then the search index is brought up to date for exactly what the transaction touched (a
``Changes`` record). SQLite is the truth: if the index update fails, the database stays
committed, a marker file records the drift and the next open (or ``check --repair``)
repairs it.

A Library object and its connection belong to the thread that opened it; other threads
open their own Library on the same folder.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import time
from contextlib import contextmanager
from functools import cached_property
from pathlib import Path
from typing import Iterator

import sqlite_utils

from clipper import leftovers, paths
from clipper.changes import Changes
from clipper.errors import LibraryError
from clipper.storage import db as dbmod
from clipper.storage import schema

log = logging.getLogger(__name__)

BULK_THRESHOLD = 200  # new articles indexed at once above which the bulk (multi-process) path is used
INDEX_FLUSH_EVERY = 500  # deferred changes indexed in one go (bulk imports without a background indexer)
BACKGROUND_BATCH = 50  # new articles handed to the background indexer at a time
BACKGROUND_LAG = 2000  # storing waits when the background indexer is this many articles behind


class Library:
    def __init__(self, folder: Path, db: sqlite_utils.Database):
        self.folder = folder
        self.db = db
        self.index_warning: str | None = None
        self._deferred: Changes | None = None
        self._background_wanted = False  # deferred_index(background=True) is open
        self._background = None  # its BackgroundIndexer, once started
        self._index_stale = False  # an index update failed: keep the drift marker until repaired
        self._backup_in_background = False
        self._background_broke = False  # a background indexer failed in this Library's life
        self._writing: Changes | None = None  # the open write's record (nested writes join it)
        self._backup_checked = time.monotonic()  # automatic backups: see recovery.auto_backup_if_due
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
             backup_in_background: bool = False) -> "Library":
        """Open (creating on first use) the library at ``folder`` (see clipper.paths).

        ``backup_in_background`` (the desktop app): the automatic 12-hourly snapshot is
        taken by a thread with its own connection instead of delaying the open (and
        later writes); it is written to a temporary file and renamed when verified."""
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
            from clipper import recovery

            recovery.check_on_open(folder)  # damaged → LibraryCorrupt naming the backup to restore
        db = dbmod.connect(db_path)
        try:
            from clipper import backup

            if schema.current_version(db) and schema.pending(db):
                backup.before_migration(db, folder)
            schema.migrate(db)
            from clipper import recovery

            if not backup_in_background:
                recovery.auto_backup_if_due(db, folder)
        except LibraryError:
            db.conn.close()
            raise
        except Exception as exc:  # sqlite3.DatabaseError on a damaged file
            db.conn.close()
            translated = dbmod.translate_error(exc) if isinstance(exc, sqlite3.Error) else None
            raise (translated or LibraryError(f"cannot open the library: {exc}")) from None
        lib = cls(folder, db)
        leftovers.clean_library(folder)  # what killed processes left behind (clipper.leftovers)
        lib._backup_in_background = backup_in_background
        if backup_in_background:
            from clipper import recovery

            recovery.auto_backup_in_background(db_path, folder)
        # A new library gets its (empty) index at once, so even `check` on first use is clean.
        if (repair_index or created) and lib.index_needs_repair():
            try:
                lib.repair_index()
            except Exception as exc:  # the database is fine; search will be repaired later
                lib.index_warning = f"search index could not be repaired: {exc}"
                log.warning(lib.index_warning)
        return lib

    def close(self) -> None:
        if "index" in self.__dict__:
            try:
                self.index.close()
            except Exception:
                pass
            del self.__dict__["index"]
        try:
            self.db.conn.close()
        except Exception:
            pass

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
        from clipper.storage.texts import texts

        return SearchIndex(self.index_path, text_loader=lambda ids: texts(self.db, ids))

    def index_needs_repair(self) -> bool:
        if self.dirty_marker.exists():
            return True
        if not self.index_path.exists():
            return True
        return self.index.needs_rebuild

    def repair_index(self) -> dict:
        from clipper import maintenance

        return maintenance.repair(self)

    # ---- writing -------------------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Changes]:
        """A write transaction; on success the index is updated for what it touched.

        A nested ``write()`` joins the open one: its changes are indexed when the outer
        transaction commits, never before (a rollback must not leave them in the index)."""
        if self._writing is not None:
            yield self._writing
            return
        changes = self._writing = Changes()
        try:
            with dbmod.transaction(self.db):
                yield changes
        finally:
            self._writing = None
        if self._deferred is not None:
            self._deferred.merge(changes)
        else:
            self.sync_index(changes)
        if time.monotonic() - self._backup_checked > 600 and not self.db.conn.in_transaction:
            from clipper import recovery

            self._backup_checked = time.monotonic()
            if self._backup_in_background:
                recovery.auto_backup_in_background(self.db_path, self.folder)
            else:
                recovery.auto_backup_if_due(self.db, self.folder)  # at most every 12 h while in use

    @contextmanager
    def deferred_index(self, background: bool = False, expected: int = 0) -> Iterator[None]:
        """Batch index updates (bulk imports): every write inside is indexed at ``flush_index``
        or at the end, in one go. The database commits per write as usual.

        With ``background``, new articles are indexed by a second process while the caller
        goes on (``clipper.index.background``), in batches of ``BACKGROUND_BATCH``. It
        starts at once when ``expected`` (the number of articles the caller expects to
        store) makes a batch, else with the first full batch, so small imports never pay
        for it. The block returns once everything is indexed and searchable; if the second
        process fails, the index is caught up from the database before it returns."""
        if self._deferred is not None:
            yield
            return
        self._deferred = Changes()
        self._background_wanted = background
        broke_before = self._background_broke
        if background and expected >= BACKGROUND_BATCH:
            self._start_background()
        try:
            yield
        finally:
            try:
                self.flush_index()
            finally:
                self._finish_background()
                self._deferred = None
                self._background_wanted = False
                if self._background_broke and not broke_before:
                    self._repair_now()

    def maybe_flush_index(self) -> None:
        """Inside ``deferred_index``: index what is pending once it makes a batch."""
        pending = self._deferred
        if pending is None:
            return
        if self._background_wanted:
            if len(pending.created_articles) >= BACKGROUND_BATCH:
                self.flush_index()
        elif (len(pending.articles) + len(pending.passages) + len(pending.deleted_articles)
              + len(pending.deleted_passages)) >= INDEX_FLUSH_EVERY:
            self.flush_index()

    def flush_index(self) -> None:
        if self._deferred is None or not self._deferred:
            return
        pending, self._deferred = self._deferred, Changes()
        if self._background_wanted:
            created = pending.created_articles - pending.deleted_articles
            if created and (self._background is not None or len(created) >= BACKGROUND_BATCH):
                if self._send_to_background(sorted(created)):
                    pending.created_articles -= created
                    pending.articles -= created
            if self._background is not None and (pending.articles or pending.passages
                                                 or pending.deleted_articles
                                                 or pending.deleted_passages):
                # Whatever else changed is written here, after the background commit,
                # so an article created and then edited in one import ends up edited.
                self._commit_background()
        self.sync_index(pending)

    def _send_to_background(self, ids: list[int]) -> bool:
        """Hand new articles to the background indexer (started on first use). False if
        it cannot run: the caller then indexes them here."""
        from clipper.storage import docs

        try:
            if self._background is None:
                self._start_background()
                if self._background is None:
                    return False
            self._background.add(self.index.article_fields_for(docs.article_docs(self.db, ids)))
            self._background.wait_until_behind(BACKGROUND_LAG)
            return True
        except Exception as exc:  # noqa: BLE001 - the database is fine; the index is repaired later
            self._background_failed(exc)
            return False

    def _start_background(self) -> None:
        """Start the background indexer; if it cannot start, index here as usual."""
        try:
            self.dirty_marker.touch()
            self._background = self.index.background_indexer()
        except Exception as exc:  # noqa: BLE001 - nothing was sent: no drift, just slower
            self._background_wanted = False
            log.warning("background indexing unavailable (%s: %s)", type(exc).__name__, exc)

    def _commit_background(self) -> None:
        try:
            self._background.commit()
        except Exception as exc:  # noqa: BLE001
            self._background_failed(exc)

    def _background_failed(self, exc: Exception) -> None:
        self._background_broke = True
        background, self._background = self._background, None
        self._background_wanted = False  # the rest of this import is indexed here
        if background is not None:
            background.abort()
        self._index_update_failed(exc)
        try:
            self.dirty_marker.touch()
        except OSError:
            pass

    def _finish_background(self) -> None:
        background, self._background = self._background, None
        if background is None:
            return
        try:
            background.finish()
            self.index.refresh()
        except Exception as exc:  # noqa: BLE001
            self._background = background
            self._background_failed(exc)
            return
        self._index_current()

    def _repair_now(self) -> None:
        """After a failed background indexer: catch the index up from the database at once
        (what the next open would do), so the import's articles are searchable now."""
        try:
            self.index.refresh()
            self.repair_index()
        except Exception as exc:  # noqa: BLE001 - the marker stays; the next open repairs
            log.warning("index repair after a failed background indexer: %s", exc)
            return
        self.index_warning = ("the background indexing process failed; the search index "
                              "was repaired from the database")

    def _index_current(self) -> None:
        """The index holds everything the database does (as far as this Library knows)."""
        if self._index_stale or self._background is not None:
            return
        self.dirty_marker.unlink(missing_ok=True)

    def index_repaired(self) -> None:
        """Called by the repair/rebuild code once the index matches the database again."""
        self._index_stale = False
        self.dirty_marker.unlink(missing_ok=True)

    def sync_index(self, changes: Changes) -> None:
        """Bring the index up to date for ``changes``. Failures leave a drift marker, never raise."""
        if not (changes.articles or changes.passages or changes.deleted_articles or changes.deleted_passages):
            return
        from clipper.storage import docs

        try:
            self.dirty_marker.touch()
            created = changes.created_articles - changes.deleted_articles
            if len(created) >= BULK_THRESHOLD:
                self.index.add_bulk(docs.article_docs(self.db, sorted(created)), ())
            else:
                created = set()
            article_ids = sorted(changes.articles - changes.deleted_articles - created)
            passage_ids = sorted(changes.passages - changes.deleted_passages)
            self.index.update(
                articles=list(docs.article_docs(self.db, article_ids)),
                passages=list(docs.passage_docs(self.db, passage_ids)),
                delete_articles=sorted(changes.deleted_articles),
                delete_passages=sorted(changes.deleted_passages),
            )
        except Exception as exc:
            self._index_update_failed(exc)
            return
        self._index_current()

    def _index_update_failed(self, exc: Exception) -> None:
        """The database is committed but the index missed it: say so, keep the drift marker."""
        self._index_stale = True
        self.index_warning = (f"search index update failed ({type(exc).__name__}: {exc}); "
                              "it will be repaired on next start")
        log.warning(self.index_warning)

    # ---- searching -----------------------------------------------------------------------
    def search(self, query: str, **kwargs):
        """Search articles (or passages with passages=True); see clipper.index.query for the language."""
        return self.index.search(query, **kwargs)
