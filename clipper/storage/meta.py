"""SQL for the library's ``meta`` key/value table (JSON values)."""
from __future__ import annotations

import json

import sqlite_utils


def get_json(db: sqlite_utils.Database, key: str, default=None):
    row = db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
    if row is None or row[0] is None:
        return default
    try:
        return json.loads(row[0])
    except ValueError:
        return default


def set_json(db: sqlite_utils.Database, key: str, value) -> None:
    db.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
               [key, json.dumps(value, ensure_ascii=False)])
