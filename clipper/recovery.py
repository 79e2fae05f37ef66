"""Noticing a damaged library database at start, and getting back to a working one.

``diagnose(folder)`` is cheap enough to run on every open (it never reads the whole file):
it checks the SQLite header (magic, page size, the page count against the file size), the
``-wal`` header, and that the schema and the articles table can be read. The full
``PRAGMA integrity_check`` is left to ``clipper check`` (it reads every page).

A damaged database is never repaired in place, overwritten or deleted: ``set_aside`` renames
it (with its ``-wal``/``-shm``) to ``library.db.damaged-<timestamp>``; ``restore_newest`` puts
the newest automatic backup that passes verification in its place and rebuilds the index.

``auto_backup_if_due`` takes the rotating automatic snapshot at most every 12 hours.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import struct
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from clipper import backup, paths
from clipper.errors import ClipperError, LibraryCorrupt, LibraryError

log = logging.getLogger(__name__)

SQLITE_MAGIC = b"SQLite format 3\x00"
WAL_MAGICS = (0x377F0682, 0x377F0683)
WAL_HEADER_SIZE = 32
SIDE_SUFFIXES = ("-wal", "-shm")


@dataclass
class Diagnosis:
    folder: Path
    ok: bool
    problem: str = ""  # "", "not-a-database", "truncated", "junk-wal", "unreadable", "integrity"
    detail: str = ""
    backup: Path | None = None  # the newest verified automatic backup (only looked up when damaged)

    @property
    def message(self) -> str:
        """One line for the user."""
        if self.ok:
            return f"the library database in {self.folder} looks fine"
        base = f"the library database is damaged ({self.detail})"
        if self.backup is not None:
            return (f"{base}; run 'clipper recover' to keep it aside and restore the automatic backup "
                    f"{self.backup.name} from {_stamp_of(self.backup)}")
        return f"{base}; no verified automatic backup exists in {backup.backup_dir(self.folder)}"

    def to_dict(self) -> dict:
        return {"ok": self.ok, "problem": self.problem, "detail": self.detail,
                "backup": str(self.backup) if self.backup else None, "message": self.message}


def _stamp_of(path: Path) -> str:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    except OSError:
        return "an unknown date"


# ---------------------------------------------------------------------------- diagnosing

def _header_problem(db_path: Path, has_backups: bool) -> tuple[str, str] | None:
    size = db_path.stat().st_size
    wal = Path(str(db_path) + "-wal")
    wal_size = wal.stat().st_size if wal.exists() else 0
    if wal_size:
        with wal.open("rb") as fh:
            head = fh.read(WAL_HEADER_SIZE)
        if len(head) < WAL_HEADER_SIZE or struct.unpack(">I", head[:4])[0] not in WAL_MAGICS:
            # SQLite would silently ignore such a log and lose what it held: refuse instead.
            return "junk-wal", f"{wal.name} is not a SQLite write-ahead log"
    if size == 0:
        if has_backups and wal_size <= WAL_HEADER_SIZE:
            return "truncated", f"{db_path.name} is empty"
        return None  # a library that was never written to
    with db_path.open("rb") as fh:
        head = fh.read(100)
    if len(head) < 100 or head[:16] != SQLITE_MAGIC:
        return "not-a-database", f"{db_path.name} is not a SQLite database"
    page_size = struct.unpack(">H", head[16:18])[0]
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return "not-a-database", f"{db_path.name} has an invalid header"
    change_counter, pages, valid_for = struct.unpack(">I", head[24:28])[0], struct.unpack(
        ">I", head[28:32])[0], struct.unpack(">I", head[92:96])[0]
    # With log frames present SQLite may legitimately be mid-checkpoint (file still short).
    if pages and valid_for == change_counter and size < pages * page_size and wal_size <= WAL_HEADER_SIZE:
        return "truncated", f"{db_path.name} is truncated ({size} of {pages * page_size} bytes)"
    return None


def _read_problem(db_path: Path) -> tuple[str, str] | None:
    """Open read-only and touch the schema and the articles table (a few pages only)."""
    from clipper.storage import health

    error = health.read_problem(db_path)
    return ("unreadable", error) if error else None


def diagnose(folder, *, full: bool = False) -> Diagnosis:
    """Is the library database in ``folder`` usable? ``full`` adds PRAGMA integrity_check."""
    folder = Path(folder)
    db_path = folder / paths.DB_NAME
    if not db_path.exists():
        return Diagnosis(folder, ok=True)
    try:
        problem = _header_problem(db_path, bool(backup.list_backups(folder)))
        if problem is None:
            problem = _read_problem(db_path)
        if problem is None and full:
            bad = _integrity_problems(db_path)
            if bad:
                problem = ("integrity", bad[0])
    except OSError as exc:
        raise LibraryError(f"cannot read the library database {db_path}: {exc.strerror or exc}") from None
    if problem is None:
        return Diagnosis(folder, ok=True)
    return Diagnosis(folder, ok=False, problem=problem[0], detail=problem[1], backup=backup.newest_verified(folder))


def _integrity_problems(db_path: Path) -> list[str]:
    from clipper.storage import health

    return health.full_check(db_path)


def check_on_open(folder) -> None:
    """Raise LibraryCorrupt (naming the backup ``clipper recover`` would restore) if damaged."""
    diagnosis = diagnose(folder)
    if not diagnosis.ok:
        raise LibraryCorrupt(diagnosis.message)


# ---------------------------------------------------------------------------- recovering

def set_aside(folder) -> Path:
    """Rename the database (and its -wal/-shm) to ``library.db.damaged-<timestamp>``.

    Nothing is deleted or overwritten; returns the new path of the database file.
    """
    folder = Path(folder)
    db_path = folder / paths.DB_NAME
    if not db_path.exists():
        raise LibraryError(f"no library database in {folder} to set aside")
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{paths.DB_NAME}.damaged-{stamp}"
    n = 1
    while any(Path(str(target) + s).exists() for s in ("", *SIDE_SUFFIXES)):
        target = folder / f"{paths.DB_NAME}.damaged-{stamp}-{n}"
        n += 1
    try:
        # Side files first: a crash in between leaves the database where it was.
        for suffix in SIDE_SUFFIXES:
            side = Path(str(db_path) + suffix)
            if side.exists():
                os.rename(side, str(target) + suffix)
        os.rename(db_path, target)
    except OSError as exc:
        raise LibraryError(f"cannot set the damaged database aside: {exc.strerror or exc}") from None
    return target


def restore_newest(folder) -> Path | None:
    """Restore the newest verified automatic backup into ``folder`` (which must hold no
    database: set it aside first) and rebuild the search index. Returns the backup used,
    or None when there is no verified backup."""
    from clipper.jobs import run_job
    from clipper.library import Library
    from clipper.maintenance import reindex

    folder = Path(folder)
    if (folder / paths.DB_NAME).exists():
        raise LibraryError(f"{folder} still holds a database; set it aside before restoring")
    source = backup.newest_verified(folder)
    if source is None:
        return None
    backup.restore_into(source, folder)
    lib = Library.open(folder, create=False, repair_index=False)
    try:
        run_job(reindex(lib))
    finally:
        lib.close()
    return source


def recover(folder) -> dict:
    """Diagnose; if damaged and a verified backup exists, set the database aside and restore
    the backup. Returns a report dict. Raises LibraryError when there is nothing to restore."""
    folder = Path(folder)
    diagnosis = diagnose(folder, full=True)
    report = {"library": str(folder), "damaged": not diagnosis.ok, "problem": diagnosis.problem,
              "detail": diagnosis.detail, "damaged_copy": None, "restored_from": None}
    if diagnosis.ok:
        return report
    if diagnosis.backup is None:
        raise LibraryError(f"{diagnosis.message}; nothing was changed")
    report["damaged_copy"] = str(set_aside(folder))
    restored = restore_newest(folder)
    report["restored_from"] = str(restored) if restored else None
    if restored is None:  # the backup failed verification in between
        raise LibraryError(f"the damaged database was kept as {report['damaged_copy']}, "
                           f"but no verified backup could be restored")
    from clipper.storage import db as dbmod
    from clipper.storage import articles as article_store

    db = dbmod.connect(folder / paths.DB_NAME)
    try:
        report["articles"] = article_store.count(db)
    finally:
        db.conn.close()
    return report


# ---------------------------------------------------------------------------- automatic backups

def auto_backup_if_due(db, folder, *, hours: float = backup.AUTO_INTERVAL_HOURS) -> Path | None:
    """Take a rotating automatic snapshot when the newest is older than ``hours``.

    An empty library is not backed up. A failed backup is logged, never raised: it must not
    stop the user from working.
    """
    try:
        if not backup.due(folder, hours):
            return None
        from clipper.storage import articles as article_store

        if not article_store.count(db):
            return None
        return backup.automatic(db, Path(folder))
    except (ClipperError, OSError, sqlite3.Error) as exc:
        log.warning("automatic backup failed: %s", exc)
        return None


def auto_backup_in_background(db_path: Path, folder: Path, *,
                              hours: float = backup.AUTO_INTERVAL_HOURS) -> threading.Thread | None:
    """``auto_backup_if_due`` on a daemon thread with its own connection (the desktop app:
    a big library's snapshot must not hold up the window). None when no backup is due.

    The snapshot goes to a temporary file renamed once verified, so a process that exits
    mid-way leaves no partial backup (the temporary file is removed by the next one)."""
    try:
        if not backup.due(folder, hours):
            return None
    except OSError:
        return None

    def run() -> None:
        from clipper.storage import db as dbmod

        try:
            db = dbmod.connect(db_path)
        except Exception as exc:  # noqa: BLE001 - a backup never stops the user
            log.warning("automatic backup failed: %s", exc)
            return
        try:
            auto_backup_if_due(db, folder, hours=hours)
        finally:
            db.conn.close()

    thread = threading.Thread(target=run, name="clipper-auto-backup", daemon=True)
    thread.start()
    return thread
