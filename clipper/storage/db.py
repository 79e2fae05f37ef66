"""Opening the library database and running transactions safely.

- WAL journal, foreign keys on, a busy timeout so a second writer waits instead of failing.
- ``transaction(db)`` starts with ``BEGIN IMMEDIATE``: the write lock is taken up front, so a
  read-then-write transaction never fails half-way with "database is locked".
- sqlite3 errors that mean "the library is unusable" become LibraryError subclasses with a
  clear message. Only SQLite's own verdict (SQLITE_CORRUPT, SQLITE_NOTADB) is called damage;
  an I/O error is told apart by looking at the folder: a full disk (DiskFull), a read-only
  folder or disk (LibraryReadOnly), another process holding the lock (LibraryLocked).
- ``uri(path)`` builds every SQLite URI: the path is quoted, so a folder named ``50%20off``,
  ``a#b`` or ``why?`` is the folder meant (an f-string would cut the path at ``#``/``?``).
"""
from __future__ import annotations

import os
import sqlite3
import urllib.parse
import urllib.request
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import sqlite_utils

from clipper.errors import (
    DiskFull,
    LibraryCorrupt,
    LibraryError,
    LibraryLocked,
    LibraryReadOnly,
)

BUSY_TIMEOUT_MS = 10_000
LOW_SPACE_BYTES = 1024 * 1024  # an I/O error with less free space than this is a full disk


def utcnow() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def uri(path: Path | str, **params: str) -> str:
    """The SQLite URI of the file ``path`` with query ``params`` (e.g. ``mode="ro"``).

    The path is made absolute and percent-quoted (``pathname2url``), so ``%``, ``#``, ``?``
    and spaces in it stay part of the file name."""
    absolute = os.path.abspath(os.fspath(path))
    if os.name == "nt":
        quoted = urllib.request.pathname2url(absolute)
    else:  # pathname2url's quoting, done on the bytes so undecodable names survive too
        quoted = urllib.parse.quote(os.fsencode(absolute), safe="/")
    query = urllib.parse.urlencode(params)
    return f"file:{quoted}" + (f"?{query}" if query else "")


def _code(exc: sqlite3.Error) -> str:
    return getattr(exc, "sqlite_errorname", "") or ""


def is_damage(exc: sqlite3.Error) -> bool:
    """SQLite says the file itself is damaged or not a database (never a disk or lock problem)."""
    code, msg = _code(exc), str(exc).lower()
    return (code.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB"))
            or "malformed" in msg or "not a database" in msg or "file is encrypted" in msg)


def storage_problem(path: Path | str | None) -> str | None:
    """"read-only" or "disk-full" when the folder holding ``path`` cannot take a write, else None."""
    if path is None:
        return None
    folder = Path(path)
    folder = folder if folder.is_dir() else folder.parent
    try:
        st = os.statvfs(folder)
    except (OSError, AttributeError):  # no statvfs (Windows): only the access check
        st = None
    if (st is not None and st.f_flag & getattr(os, "ST_RDONLY", 1)) or not os.access(folder, os.W_OK):
        return "read-only"
    if st is not None and st.f_bavail * st.f_frsize < LOW_SPACE_BYTES:
        return "disk-full"
    return None


def translate_error(exc: sqlite3.Error, path: Path | str | None = None) -> LibraryError | None:
    """Map a sqlite3 error to the library error a user should see (None: not one of those).

    ``path`` (the database file) lets an I/O error be told apart: a full disk, a read-only
    folder, or something else, none of which is damage."""
    msg, code = str(exc).lower(), _code(exc)
    if (code.startswith(("SQLITE_BUSY", "SQLITE_LOCKED")) or "database is locked" in msg
            or "database table is locked" in msg):
        return LibraryLocked("the library is in use by another process (timed out waiting for it)")
    if code.startswith("SQLITE_FULL") or "database or disk is full" in msg or "disk is full" in msg:
        return DiskFull("disk full: the change was not saved (free some space and try again)")
    if is_damage(exc):
        return LibraryCorrupt(f"the library database is damaged ({exc})")
    io = (code.startswith(("SQLITE_IOERR", "SQLITE_CANTOPEN", "SQLITE_READONLY"))
          or "disk i/o error" in msg or "unable to open database" in msg or "readonly" in msg)
    if not io:
        return None
    where = Path(path).parent if path is not None else None
    problem = storage_problem(path)
    if problem == "disk-full":
        return DiskFull(f"disk full: no space left in {where} for the library (free some space and try again)")
    if problem == "read-only" or code.startswith("SQLITE_READONLY") or "readonly" in msg:
        place = f"the library folder {where}" if where is not None else "the library"
        return LibraryReadOnly(f"{place} is read-only: Clipper cannot write there ({exc})")
    return LibraryError(f"cannot use the library database ({exc})")


def connect(path: Path | str, *, timeout_ms: int | None = None) -> sqlite_utils.Database:
    """Open (creating if needed) the SQLite database at ``path``.

    ``timeout_ms`` defaults to the module's ``BUSY_TIMEOUT_MS`` read at call time.
    """
    if timeout_ms is None:
        timeout_ms = BUSY_TIMEOUT_MS
    conn = None
    try:
        conn = sqlite3.connect(str(path), timeout=timeout_ms / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error as exc:
        if conn is not None:
            conn.close()
        raise (translate_error(exc, path) or LibraryCorrupt(f"cannot open the library database ({exc})")) from None
    return sqlite_utils.Database(conn)


def memory() -> sqlite_utils.Database:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    return sqlite_utils.Database(conn)


def file_of(conn: sqlite3.Connection) -> str | None:
    """The file behind the connection's main database (None: in memory, or unknown)."""
    try:
        for _seq, name, file in conn.execute("PRAGMA database_list"):
            if name == "main":
                return file or None
    except sqlite3.Error:
        pass
    return None


def _translated(exc: sqlite3.Error, conn: sqlite3.Connection) -> LibraryError | None:
    return translate_error(exc, file_of(conn))


@contextmanager
def transaction(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """One write transaction: BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception.

    Nested use joins the outer transaction (SAVEPOINTs would also work; nothing here needs
    partial rollback).
    """
    conn = db.conn
    if conn.in_transaction:
        yield db
        return
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.Error as exc:
        raise (_translated(exc, conn) or LibraryError(str(exc))) from None
    try:
        yield db
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            translated = _translated(exc, conn)
            if translated is not None:
                raise translated from exc
        raise
    else:
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise (_translated(exc, conn) or LibraryError(str(exc))) from exc


def checkpoint(db: sqlite_utils.Database) -> None:
    """Fold the WAL into the database file without waiting for readers (PASSIVE)."""
    db.execute("PRAGMA wal_checkpoint(PASSIVE)")


def checkpoint_only_past(db: sqlite_utils.Database, pages: int) -> None:
    """This connection's commits checkpoint only once the WAL holds ``pages`` pages."""
    db.execute(f"PRAGMA wal_autocheckpoint = {int(pages)}")


# ---- whole-file operations (backups) -----------------------------------------------------


def copy_into(source: sqlite3.Connection, target: Path | str) -> list[str]:
    """Copy the database behind ``source`` into the file ``target`` with SQLite's online
    backup API (consistent while others write). The copy is made a self-contained
    rollback-journal file; returns its integrity problems ([] when fine)."""
    dest = sqlite3.connect(str(target))
    try:
        source.backup(dest)
        dest.execute("PRAGMA journal_mode = DELETE")
        return [r[0] for r in dest.execute("PRAGMA integrity_check") if r[0] != "ok"]
    finally:
        dest.close()


def open_readonly(path: Path | str, *, timeout: float = 10) -> sqlite3.Connection:
    return sqlite3.connect(uri(path, mode="ro"), uri=True, timeout=timeout)
