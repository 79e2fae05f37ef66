"""Consistent snapshots of the library database, and restoring them.

A snapshot uses SQLite's online backup API (safe while the app is writing), is verified
(``PRAGMA integrity_check`` on the copy), then moved into place with an atomic rename.
Automatic snapshots live in ``<library>/backups/`` and are rotated (newest N kept); one is
always taken before a schema migration. A snapshot never replaces a symbolic link, a device
or anything else that is not a regular file (clipper.output).

Restoring trusts nothing in the file: it must be a Clipper library of a schema version this
Clipper knows, holding exactly the tables, indexes and triggers Clipper creates (compared by
definition), and pass the integrity check, all within a time bound (a recursive view cannot
make it spin). Its *data* is then copied into a freshly created schema in a temporary file
beside the library, which is verified again and only then renamed into place: a rejected or
failed restore leaves nothing behind.
"""
from __future__ import annotations

import errno
import os
import sqlite3
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from clipper import leftovers, paths
from clipper.errors import ClipperError, DiskFull, InputError, LibraryError
from clipper.output import is_stdout, target_problem
from clipper.storage import db as dbmod
from clipper.storage import health

KEEP = 5
AUTO_INTERVAL_HOURS = 12


def snapshot(db: sqlite_utils.Database, target: Path, *, folder_blobs: Path | None = None) -> Path:
    """Write a verified snapshot of ``db`` to ``target`` (atomically replacing a regular file).

    ``folder_blobs``: the library folder whose kept originals (clipper.captures) go into
    the snapshot too, so the one file carries them (``clipper backup``). A full disk is
    DiskFull (exit 3); a target that is not a regular file is refused."""
    target = Path(target)
    if is_stdout(target):
        raise ClipperError(f"cannot write backup to {target}: a backup is a database file; name a file")
    problem = target_problem(target)
    if problem:
        raise ClipperError(f"cannot write backup {target}: {problem}")
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ClipperError(f"cannot write backup: folder {folder} does not exist")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=".clipper-backup-", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _write_error(exc, f"backup to {folder}") from None
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
        problem = target_problem(target)  # made a link or a device while we wrote?
        if problem:
            raise ClipperError(f"cannot write backup {target}: {problem}")
        os.replace(tmp, target)
    except sqlite3.Error as exc:
        tmp.unlink(missing_ok=True)
        translated = dbmod.translate_error(exc, tmp)
        if isinstance(translated, DiskFull):
            raise DiskFull(f"disk full: backup {target} was not written (free some space and try again)") from None
        raise ClipperError(f"cannot write backup {target}: {exc}") from None
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise _write_error(exc, f"backup {target}") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _write_error(exc: OSError, what: str, other: type[ClipperError] = ClipperError) -> ClipperError:
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(f"disk full: {what} was not written (free some space and try again)")
    return other(f"cannot write {what}: {exc.strerror or exc}")


def problem(path: Path) -> str | None:
    """Why ``path`` cannot be restored as a Clipper library (None: it can); see health."""
    return health.backup_problem(Path(path))


def verify(path: Path) -> bool:
    """True when ``path`` is a Clipper library (Clipper's own schema, nothing more) that
    passes integrity_check, checked within a time bound."""
    return problem(path) is None


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


STAGE_PREFIX = ".clipper-restore-"


def stage(source: Path, folder: Path, *, verified: bool = False) -> tuple[Path, int]:
    """Copy the backup ``source`` into a new verified database file in ``folder`` (beside
    ``library.db``, so it can be renamed over it). Returns (the staged file, its articles).

    The source is verified first (InputError when it is not a Clipper backup); its data
    is copied into a freshly created schema. Nothing is left behind on any failure."""
    source = Path(source)
    if not verified:
        _check_source(source)
    leftovers.clean_library(folder)  # a staged restore a killed process left, among others
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=STAGE_PREFIX, suffix=".tmp", dir=folder)
    except OSError as exc:
        raise _library_write_error(exc, folder) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        articles = health.copy_library(source, tmp, seconds=health.verify_seconds(source) * 2)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    except health.TooSlow as exc:
        discard(tmp)
        raise InputError(f"{source}: not restored (copying it {exc})") from None
    except ValueError as exc:
        discard(tmp)
        raise LibraryError(f"{source}: the restored copy did not verify ({exc}); nothing was changed") from None
    except sqlite3.Error as exc:
        discard(tmp)
        translated = dbmod.translate_error(exc, tmp)
        if isinstance(translated, DiskFull):
            raise _library_write_error(None, folder) from None
        raise LibraryError(f"cannot restore {source}: {exc}; nothing was changed") from None
    except OSError as exc:
        discard(tmp)
        raise _library_write_error(exc, folder) from None
    except BaseException:
        discard(tmp)
        raise
    return tmp, articles


def _check_source(source: Path) -> None:
    if not source.is_file():
        raise InputError(f"{source}: no such backup file")
    why = problem(source)
    if why is not None:
        raise InputError(f"{source}: not a valid Clipper backup ({why})")


def _library_write_error(exc: OSError | None, folder: Path) -> LibraryError:
    """A write into the library folder failed (None: SQLite said the disk is full)."""
    if exc is None or exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return DiskFull(f"disk full: the backup could not be restored into {folder}; nothing was changed "
                        "(free some space and try again)")
    return LibraryError(f"cannot restore into {folder}: {exc.strerror or exc}; nothing was changed")


def discard(path: Path) -> None:
    for suffix in ("", "-journal", "-wal", "-shm"):
        try:
            Path(str(path) + suffix).unlink()
        except OSError:
            pass


def _made_folders(folder: Path) -> list[Path]:
    """The folders ``mkdir(parents=True)`` would create for ``folder``, innermost first."""
    made = []
    for p in (folder, *folder.parents):
        if p.exists():
            break
        made.append(p)
    return made


def restore_into(source: Path, folder: Path) -> None:
    """Restore a backup into a library folder holding no library yet (or an empty one).

    A rejected or failed restore leaves the folder as it was: nothing is created in it
    (not even the folder itself) unless the restore succeeds."""
    source, folder = Path(source), Path(folder)
    _check_source(source)  # before anything is created
    db_path = folder / paths.DB_NAME
    if db_path.exists():
        try:
            has_rows = health.file_content_count(db_path)
        except (sqlite3.Error, ValueError, health.TooSlow) as exc:
            raise LibraryError(f"{folder} holds a database that is not an empty Clipper library ({exc}); "
                               "restore into an empty folder") from None
        if has_rows:
            raise LibraryError(f"{folder} already holds a library with articles or tags; restore into an empty folder")
    made = _made_folders(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _library_write_error(exc, folder) from None
    try:
        staged, _ = stage(source, folder, verified=True)
        try:
            for suffix in ("-wal", "-shm", ""):  # the empty library's, once the copy is ready
                Path(str(db_path) + suffix).unlink(missing_ok=True)
            os.replace(staged, db_path)
        except BaseException:
            discard(staged)
            raise
    except BaseException:
        for p in made:  # innermost first; only the folders this call created, if still empty
            try:
                p.rmdir()
            except OSError:
                break
        raise
    from clipper import captures

    captures.unpack_from_backup(db_path, Path(folder))  # the kept originals a backup carries
