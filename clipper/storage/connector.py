"""Storage for the browser connector: the pairing token (in ``meta``) and URL look-ups."""
from __future__ import annotations

import sqlite_utils


def get_meta(db: sqlite_utils.Database, key: str) -> str | None:
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    return row[0] if row else None


def set_meta(db: sqlite_utils.Database, key: str, value: str) -> None:
    db.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
               "ON CONFLICT(key) DO UPDATE SET value = excluded.value", [key, value])


PAGE_URL_KEY = "page_url:"  # meta key prefix: a browser tab's address → the article captured from it


def remember_page_url(db: sqlite_utils.Database, url: str, article_id: int) -> None:
    """Remember that the tab at ``url`` holds article ``article_id`` (when the page named
    another canonical URL, so the article's own ``url`` does not say so)."""
    set_meta(db, PAGE_URL_KEY + url, str(article_id))


def find_by_page_url(db: sqlite_utils.Database, url: str) -> int | None:
    """The article stored under canonical ``url``, or captured from a browser tab at ``url``.
    Both are index look-ups (a scan of ``extra`` reads every article's text: 1.5 s at 50k)."""
    if not url:
        return None
    # "url != ''" lets SQLite use the partial index articles_url (without it: a full scan)
    row = db.execute("SELECT id FROM articles WHERE url = ? AND url != '' ORDER BY id LIMIT 1", [url]).fetchone()
    if row:
        return row[0]
    value = get_meta(db, PAGE_URL_KEY + url)
    if value is None or not value.isdigit():
        return None
    # the article may have been deleted (and its id reused): it must still say it came from there
    row = db.execute("SELECT id FROM articles WHERE id = ? AND json_extract(extra, '$.captured.page_url') = ?",
                     [int(value), url]).fetchone()
    return row[0] if row else None


def passage_count(db: sqlite_utils.Database, article_id: int) -> int:
    return db.execute("SELECT COUNT(*) FROM passages WHERE article_id = ?", [article_id]).fetchone()[0]
