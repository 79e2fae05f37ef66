"""Read-only probes of a library database file, for recovery's start-up check.

They never write: the connection is opened read-only, and only a few pages are touched
(the schema, the user_version and both ends of the articles table), so the cost does not
grow with the size of the library. ``full_check`` reads every page.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path


def read_problem(db_path: Path) -> str | None:
    """The sqlite error message met while reading the schema and articles, or None.
    A busy or locked database (another process writing) is not a problem."""
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        conn.execute("PRAGMA user_version").fetchone()
        if "articles" in names:
            conn.execute("SELECT max(id), min(id) FROM articles").fetchone()
            conn.execute("SELECT id, length(text) FROM articles ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.Error as exc:
        msg = str(exc).lower()
        if "locked" in msg or "busy" in msg:
            return None
        return str(exc)
    finally:
        conn.close()
    return None


def full_check(db_path: Path) -> list[str]:
    """PRAGMA integrity_check on the file (read-only); [] when fine."""
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
        try:
            return [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return [str(exc)]
