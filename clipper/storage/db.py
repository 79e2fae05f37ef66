"""Opening the library database and running transactions safely.

- WAL journal, foreign keys on, a busy timeout so a second writer waits instead of failing.
- ``transaction(db)`` starts with ``BEGIN IMMEDIATE``: the write lock is taken up front, so a
  read-then-write transaction never fails half-way with "database is locked".
- sqlite3 errors that mean "the library is unusable" become LibraryError subclasses with a
  clear message (locked, disk full, damaged).
"""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import sqlite_utils

from clipper.errors import DiskFull, LibraryCorrupt, LibraryLocked, LibraryError

BUSY_TIMEOUT_MS = 10_000


def utcnow() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def translate_error(exc: sqlite3.Error) -> LibraryError | None:
    """Map a sqlite3 error to the library error a user should see (None: not one of those)."""
    msg = str(exc).lower()
    if "database is locked" in msg or "database table is locked" in msg or "busy" in msg:
        return LibraryLocked("the library is in use by another Clipper process (timed out waiting for it)")
    if "database or disk is full" in msg or "disk is full" in msg:
        return DiskFull("disk full: the change was not saved (free some space and try again)")
    if "malformed" in msg or "not a database" in msg or "file is encrypted" in msg:
        return LibraryCorrupt(f"the library database is damaged ({exc})")
    if "disk i/o error" in msg or "unable to open database" in msg or "readonly" in msg:
        return LibraryError(f"cannot use the library database ({exc})")
    return None


def connect(path: Path | str, *, timeout_ms: int | None = None) -> sqlite_utils.Database:
    """Open (creating if needed) the SQLite database at ``path``.

    ``timeout_ms`` defaults to the module's ``BUSY_TIMEOUT_MS`` read at call time.
    """
    if timeout_ms is None:
        timeout_ms = BUSY_TIMEOUT_MS
    try:
        conn = sqlite3.connect(str(path), timeout=timeout_ms / 1000, isolation_level=None)
        conn.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
        conn.execute("PRAGMA foreign_keys = ON")
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
        if mode != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.Error as exc:
        raise (translate_error(exc) or LibraryCorrupt(f"cannot open the library database ({exc})")) from None
    return sqlite_utils.Database(conn)


def memory() -> sqlite_utils.Database:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.execute("PRAGMA foreign_keys = ON")
    return sqlite_utils.Database(conn)


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
        raise (translate_error(exc) or LibraryError(str(exc))) from None
    try:
        yield db
    except BaseException as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        if isinstance(exc, sqlite3.Error):
            translated = translate_error(exc)
            if translated is not None:
                raise translated from exc
        raise
    else:
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise (translate_error(exc) or LibraryError(str(exc))) from exc


def integrity_check(db: sqlite_utils.Database) -> list[str]:
    """PRAGMA integrity_check; returns [] when the database is fine."""
    rows = [r[0] for r in db.execute("PRAGMA integrity_check").fetchall()]
    problems = [r for r in rows if r != "ok"]
    fk = db.execute("PRAGMA foreign_key_check").fetchall()
    problems += [f"foreign key violation in {r[0]} row {r[1]}" for r in fk]
    return problems


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


def copy_file(source: Path | str, target: Path | str) -> list[str]:
    """``copy_into`` from a database file opened read-only."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    try:
        return copy_into(src, target)
    finally:
        src.close()


def verify_file(path: Path | str) -> bool:
    """True when ``path`` is a readable SQLite database passing integrity_check that has
    an ``articles`` table."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
            conn.execute("SELECT COUNT(*) FROM articles").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return rows == [("ok",)]


def file_content_count(path: Path | str) -> int:
    """Articles plus tags stored in the database file ``path`` (0 for an empty library or
    a database without those tables)."""
    conn = sqlite3.connect(str(path))
    try:
        total = 0
        for table in ("articles", "tags"):
            if conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                            [table]).fetchone()[0]:
                total += conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        return total
    finally:
        conn.close()
