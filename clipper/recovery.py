"""Noticing a damaged library database at start, and getting back to a working one.

``diagnose(folder)`` is cheap enough to run on every open (it never reads the whole file):
it checks the SQLite header (magic, page size, the page count against the file size), the
``-wal`` header, and that the schema and the articles table can be read. The full
``PRAGMA integrity_check`` is left to ``clipper check`` (it reads every page).

Only damage is called damage: a full disk, a read-only folder or a lock held by another
process raise their own LibraryError (DiskFull, LibraryReadOnly, LibraryLocked), which no
``clipper recover`` can fix and which it refuses like any healthy database.

A damaged database is never repaired in place, overwritten or deleted. ``recover`` (in
``clipper.recover``, which opens a Library to rebuild the index afterwards) first
stages the newest verified automatic backup in a temporary file beside it (the backup's
data copied into a fresh schema, then verified); only once that has fully succeeded is the
damaged file kept aside as ``library.db.damaged-<timestamp>`` (a hard link where the file
system allows, so ``library.db`` never goes missing) and the staged copy renamed over it.
A failure at any step before that rename leaves the library folder as it was.

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

def _aside_name(folder: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    target = folder / f"{paths.DB_NAME}.damaged-{stamp}"
    n = 1
    while any(Path(str(target) + s).exists() for s in ("", *SIDE_SUFFIXES)):
        target = folder / f"{paths.DB_NAME}.damaged-{stamp}-{n}"
        n += 1
    return target


def set_aside(folder) -> Path:
    """Rename the database (and its -wal/-shm) to ``library.db.damaged-<timestamp>``.

    Nothing is deleted or overwritten; returns the new path of the database file."""
    folder = Path(folder)
    db_path = folder / paths.DB_NAME
    if not db_path.exists():
        raise LibraryError(f"no library database in {folder} to set aside")
    target = _aside_name(folder)
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


def swap_in(folder: Path, staged: Path) -> Path:
    """Keep the damaged database (and its -wal/-shm) aside and rename ``staged`` over it.

    The damaged file is first hard-linked to its aside name, so ``library.db`` exists at
    every moment (a crash leaves either the damaged file or the restored one in place).
    On any failure what was moved is moved back. Returns the aside path."""
    db_path = folder / paths.DB_NAME
    target = _aside_name(folder)
    moved: list[tuple[Path, Path]] = []
    linked = False
    try:
        try:
            os.link(db_path, target)
            linked = True
        except OSError:
            pass  # no hard links here: renamed below, after the side files
        for suffix in SIDE_SUFFIXES:
            side = Path(str(db_path) + suffix)
            if side.exists():
                os.rename(side, str(target) + suffix)
                moved.append((Path(str(target) + suffix), side))
        if not linked:
            os.rename(db_path, target)
            moved.append((target, db_path))
        os.replace(staged, db_path)
    except OSError as exc:
        for src, dst in reversed(moved):
            try:
                os.rename(src, dst)
            except OSError:
                pass
        if linked:
            try:
                target.unlink()
            except OSError:
                pass
        raise LibraryError(f"cannot swap the restored database in ({exc.strerror or exc}); "
                           "the library was left as it was") from None
    return target


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
