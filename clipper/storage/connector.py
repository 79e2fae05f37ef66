"""Storage for the browser connector: the pairing token (in ``meta``) and URL look-ups."""
from __future__ import annotations

import sqlite_utils


def get_meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])


def find_by_page_url(db: sqlite_utils.Database, url: str) -> int | None:
    """The article stored under canonical ``url``, or captured from a browser tab at
    ``url`` (its ``extra.captured.page_url``, when the page named another canonical URL)."""
    if not url:
        return None
    row = db.execute("SELECT id FROM articles WHERE url = ? ORDER BY id LIMIT 1", [url]).fetchone()
    if row:
        return row[0]
    row = db.execute("SELECT id FROM articles WHERE extra LIKE '%\"page_url\"%' "
                     "AND json_extract(extra, '$.captured.page_url') = ? ORDER BY id LIMIT 1", [url]).fetchone()
    return row[0] if row else None


def passage_count(db: sqlite_utils.Database, article_id: int) -> int:
    return db.execute("SELECT COUNT(*) FROM passages WHERE article_id = ?", [article_id]).fetchone()[0]
