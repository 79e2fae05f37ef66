"""Consistent snapshots of the library database, and restoring them.

A snapshot uses SQLite's online backup API (safe while the app is writing), is verified
(``PRAGMA integrity_check`` on the copy), then moved into place with an atomic rename.
Automatic snapshots live in ``<library>/backups/`` and are rotated (newest N kept); one is
always taken before a schema migration.
"""
from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from clipper import paths
from clipper.errors import ClipperError, InputError, LibraryError
from clipper.storage import db as dbmod

KEEP = 5
AUTO_INTERVAL_HOURS = 12


def snapshot(db: sqlite_utils.Database, target: Path, *, folder_blobs: Path | None = None) -> Path:
    """Write a verified snapshot of ``db`` to ``target`` (atomically replacing it).

    ``folder_blobs``: the library folder whose kept originals (clipper.captures) go into
    the snapshot too, so the one file carries them (``clipper backup``)."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ClipperError(f"cannot write backup: folder {folder} does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".clipper-backup-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ClipperError(f"cannot write backup to {folder}: {exc.strerror}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        problems = dbmod.copy_into(db.conn, tmp)
        if problems:
            raise LibraryError(f"backup verification failed: {problems[0]}")
        if folder_blobs is not None:
            from clipper import captures

            captures.pack_into_backup(tmp, folder_blobs)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        tmp.unlink(missing_ok=True)
        raise ClipperError(f"cannot write backup {target}: {exc}") from None
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ClipperError(f"cannot write backup {target}: {exc.strerror or exc}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def verify(path: Path) -> bool:
    """True when ``path`` is a readable SQLite database passing integrity_check."""
    return dbmod.verify_file(path)


def backup_dir(folder: Path) -> Path:
    return Path(folder) / paths.BACKUP_DIR


def automatic(db: sqlite_utils.Database, folder: Path, reason: str = "auto", keep: int = KEEP) -> Path:
    """Take a rotating automatic snapshot into ``<folder>/backups``."""
    bdir = backup_dir(folder)
    bdir.mkdir(parents=True, exist_ok=True)
    # Left by a snapshot cut short (the app quit while a background backup ran).
    for stray in bdir.glob(".clipper-backup-*.tmp"):
        try:
            if time.time() - stray.stat().st_mtime > 3600:
                stray.unlink()
        except OSError:
            pass
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
    path = snapshot(db, bdir / f"library-{stamp}-{reason}.db")
    for old in list_backups(folder)[keep:]:
        old.unlink(missing_ok=True)
    return path


def list_backups(folder: Path) -> list[Path]:
    """Automatic snapshots, newest first."""
    bdir = backup_dir(folder)
    if not bdir.is_dir():
        return []
    return sorted(bdir.glob("library-*.db"), key=lambda p: p.name, reverse=True)


def newest_verified(folder: Path) -> Path | None:
    for path in list_backups(folder):
        if verify(path):
            return path
    return None


def due(folder: Path, hours: float = AUTO_INTERVAL_HOURS) -> bool:
    backups = list_backups(folder)
    if not backups:
        return True
    age = datetime.now(timezone.utc).timestamp() - backups[0].stat().st_mtime
    return age > hours * 3600


def before_migration(db: sqlite_utils.Database, folder: Path) -> Path:
    return automatic(db, folder, reason="pre-migration")


def restore_into(source: Path, folder: Path) -> None:
    """Copy a snapshot into an EMPTY library folder (no database yet)."""
    source = Path(source)
    if not source.is_file():
        raise InputError(f"{source}: no such backup file")
    if not verify(source):
        raise InputError(f"{source}: not a valid Clipper backup (damaged or not a Clipper library)")
    db_path = Path(folder) / paths.DB_NAME
    if db_path.exists():
        try:
            has_rows = dbmod.file_content_count(db_path)
        except sqlite3.Error as exc:
            raise LibraryError(f"{folder} holds a library database that cannot be read ({exc}); "
                               "restore into an empty folder") from None
        if has_rows:
            raise LibraryError(f"{folder} already holds a library with articles or tags; restore into an empty folder")
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
    Path(folder).mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=".clipper-restore-", suffix=".tmp", dir=folder)
    os.close(fd)
    try:
        dbmod.copy_file(source, tmp_name)
        os.replace(tmp_name, db_path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    from clipper import captures

    captures.unpack_from_backup(db_path, Path(folder))  # the kept originals a backup carries
