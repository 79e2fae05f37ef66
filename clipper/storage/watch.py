"""SQL for watched articles (the app refreshes them on a schedule while it is open;
``clipper refresh --watched`` does the same from cron)."""
from __future__ import annotations

import json
from typing import Iterable

import sqlite_utils

EVERY_KEY = "watch_every"  # meta key: seconds between two checks of a watched article


def set_watched(db: sqlite_utils.Database, article_ids: Iterable[int], on: bool, since: str) -> list[int]:
    """Watch (``on``) or stop watching the articles; returns those whose state changed."""
    ids = json.dumps(sorted(set(article_ids)))
    if on:
        changed = [r[0] for r in db.execute(
            "SELECT value FROM json_each(?) WHERE value NOT IN (SELECT article_id FROM watched) ORDER BY value", [ids])]
        db.execute("INSERT OR IGNORE INTO watched (article_id, since) SELECT value, ? FROM json_each(?)", [since, ids])
    else:
        changed = [r[0] for r in db.execute(
            "SELECT article_id FROM watched WHERE article_id IN (SELECT value FROM json_each(?)) ORDER BY article_id",
            [ids])]
        db.execute("DELETE FROM watched WHERE article_id IN (SELECT value FROM json_each(?))", [ids])
    return changed


def watched_of(db: sqlite_utils.Database, article_ids: Iterable[int]) -> set[int]:
    return {r[0] for r in db.execute("SELECT article_id FROM watched WHERE article_id IN "
                                     "(SELECT value FROM json_each(?))", [json.dumps(list(article_ids))])}


def listing(db: sqlite_utils.Database) -> list[dict]:
    """Every watched article with what the schedule needs: when it was last checked (a
    refresh, or the newest capture fetched from the web) and its versions."""
    cols = ("id", "title", "url", "since", "checked_at", "fetched_at", "versions")
    rows = db.execute(
        "SELECT w.article_id, a.title, a.url, w.since, r.checked_at, "
        "(SELECT MAX(c.captured_at) FROM captures c WHERE c.article_id = w.article_id AND c.origin = 'url'), "
        "COALESCE(ch.versions, 1) "
        "FROM watched w JOIN articles a ON a.id = w.article_id "
        "LEFT JOIN refresh_checks r ON r.article_id = w.article_id "
        "LEFT JOIN article_changes ch ON ch.article_id = w.article_id ORDER BY w.article_id")
    return [dict(zip(cols, r)) for r in rows]
