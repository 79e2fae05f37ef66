"""SQL for the Trash: a trashed article's rows (the article, its passages, notes and tag
links) are moved whole into one ``trash`` row, so every other query (lists, search,
exports, counts, the index's drift checks) simply does not see them; restoring puts the
same rows back, with their ids when those are still free."""
from __future__ import annotations

import base64
import json

import sqlite_utils

from clipper.errors import NotFound
from clipper.storage.db import utcnow

_ARTICLE_COLS = ("id", "title", "dek", "text", "outlet", "agency", "author", "published", "url", "language",
                 "imported_at", "updated_at", "content_hash", "word_count", "source", "story_id", "extra",
                 "signature")
_PASSAGE_COLS = ("id", "start", "end", "quote", "prefix", "suffix", "color", "status", "created_at", "updated_at")
_NOTE_COLS = ("id", "passage_id", "text", "created_at", "updated_at")
_LIST_COLS = "id, article_id, title, outlet, published, passage_count, trashed_at"


def _q(cols) -> str:
    return ", ".join(f'"{c}"' for c in cols)


def _rows(db, sql: str, params, cols) -> list[dict]:
    return [dict(zip(cols, r)) for r in db.execute(sql, params)]


def snapshot(db: sqlite_utils.Database, article_id: int) -> dict:
    """Everything stored about one article, as plain JSON-able data."""
    rows = _rows(db, f"SELECT {_q(_ARTICLE_COLS)} FROM articles WHERE id = ?", [article_id], _ARTICLE_COLS)
    if not rows:
        raise NotFound(f"no article with id {article_id}")
    article = rows[0]
    if article["signature"] is not None:
        article["signature"] = base64.b64encode(article["signature"]).decode("ascii")
    passages = _rows(db, f"SELECT {_q(_PASSAGE_COLS)} FROM passages WHERE article_id = ? ORDER BY id",
                     [article_id], _PASSAGE_COLS)
    pids = [p["id"] for p in passages]
    tags_of = {}
    for pid, name, color in db.execute(
            "SELECT pt.passage_id, t.name, t.color FROM passage_tags pt JOIN tags t ON t.id = pt.tag_id "
            "WHERE pt.passage_id IN (SELECT value FROM json_each(?))", [json.dumps(pids)]):
        tags_of.setdefault(pid, []).append([name, color])
    for p in passages:
        p["tags"] = tags_of.get(p["id"], [])
    notes = _rows(db, f"SELECT {_q(_NOTE_COLS)} FROM notes WHERE article_id = ? "
                      "OR passage_id IN (SELECT value FROM json_each(?)) ORDER BY id",
                  [article_id, json.dumps(pids)], _NOTE_COLS)
    tags = [[n, c] for n, c in db.execute(
        "SELECT t.name, t.color FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = ?",
        [article_id])]
    return {"article": article, "passages": passages, "notes": notes, "tags": tags}


def move_to_trash(db: sqlite_utils.Database, article_id: int) -> tuple[int, list[int]]:
    """Move an article into the Trash. Returns (trash row id, the article's passage ids)."""
    snap = snapshot(db, article_id)
    a = snap["article"]
    cur = db.execute(
        "INSERT INTO trash (article_id, title, outlet, published, passage_count, trashed_at, payload) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        [article_id, a["title"], a["outlet"], a["published"], len(snap["passages"]), utcnow(),
         json.dumps(snap, ensure_ascii=False)])
    db.execute("DELETE FROM articles WHERE id = ?", [article_id])  # cascades to passages, notes, links
    return cur.lastrowid, [p["id"] for p in snap["passages"]]


def listing(db: sqlite_utils.Database, *, older_than: str | None = None) -> list[dict]:
    """Trashed articles, most recently trashed first (``older_than``: trashed before that time)."""
    where, params = "", []
    if older_than is not None:
        where, params = "WHERE trashed_at < ?", [older_than]
    cols = ("trash_id", "id", "title", "outlet", "published", "passage_count", "trashed_at")
    return _rows(db, f"SELECT {_LIST_COLS} FROM trash {where} ORDER BY trashed_at DESC, id DESC", params, cols)


def count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COUNT(*) FROM trash").fetchone()[0]


def _entry(db, article_id: int) -> tuple[int, dict]:
    row = db.execute("SELECT id, payload FROM trash WHERE article_id = ? ORDER BY trashed_at DESC, id DESC LIMIT 1",
                     [article_id]).fetchone()
    if row is None:
        raise NotFound(f"no article with id {article_id} in the Trash")
    return row[0], json.loads(row[1])


def _free(db, table: str, row_id) -> bool:
    return row_id is not None and db.execute(f"SELECT 1 FROM {table} WHERE id = ?", [row_id]).fetchone() is None


def _insert(db, table: str, row: dict, keep_id: bool) -> int:
    cols = [c for c in row if keep_id or c != "id"]
    cur = db.execute(f"INSERT INTO {table} ({_q(cols)}) VALUES ({', '.join('?' * len(cols))})",
                     [row[c] for c in cols])
    return cur.lastrowid


def _tag_id(db, name: str, color: str) -> int:
    row = db.execute("SELECT id FROM tags WHERE name = ? COLLATE NOCASE", [name]).fetchone()
    if row:
        return row[0]
    return db.execute("INSERT INTO tags (name, color, created_at) VALUES (?, ?, ?)", [name, color, utcnow()]).lastrowid


def restore(db: sqlite_utils.Database, article_id: int) -> tuple[int, list[int], bool]:
    """Put the newest trashed copy of ``article_id`` back. Returns (its id — the old one
    unless another article took it meanwhile —, its passage ids, whether tags were made)."""
    trash_id, snap = _entry(db, article_id)
    tags_before = db.execute("SELECT COUNT(*) FROM tags").fetchone()[0]
    a = dict(snap["article"])
    if a["signature"] is not None:
        a["signature"] = base64.b64decode(a["signature"])
    new_id = _insert(db, "articles", a, _free(db, "articles", a["id"]))
    db.execute("UPDATE articles SET rev = rev + 1 WHERE id = ?", [new_id])
    pid_map = {}
    for p in snap["passages"]:
        row = {k: v for k, v in p.items() if k != "tags"}
        row["article_id"] = new_id
        pid_map[p["id"]] = _insert(db, "passages", row, _free(db, "passages", p["id"]))
        for name, color in p["tags"]:
            db.execute("INSERT OR IGNORE INTO passage_tags (passage_id, tag_id) VALUES (?, ?)",
                       [pid_map[p["id"]], _tag_id(db, name, color)])
    for n in snap["notes"]:
        row = dict(n)
        if row["passage_id"] is None:
            row["article_id"] = new_id
        else:
            row["passage_id"] = pid_map[row["passage_id"]]
        _insert(db, "notes", row, _free(db, "notes", n["id"]))
    for name, color in snap["tags"]:
        db.execute("INSERT OR IGNORE INTO article_tags (article_id, tag_id) VALUES (?, ?)",
                   [new_id, _tag_id(db, name, color)])
    db.execute("DELETE FROM trash WHERE id = ?", [trash_id])
    made_tags = db.execute("SELECT COUNT(*) FROM tags").fetchone()[0] != tags_before
    return new_id, list(pid_map.values()), made_tags


def purge(db: sqlite_utils.Database, *, older_than: str | None = None, article_id: int | None = None) -> int:
    """Delete trashed articles for good: all, those trashed before ``older_than``, or one."""
    if article_id is not None:
        trash_id, _snap = _entry(db, article_id)
        return db.execute("DELETE FROM trash WHERE id = ?", [trash_id]).rowcount
    if older_than is not None:
        return db.execute("DELETE FROM trash WHERE trashed_at < ?", [older_than]).rowcount
    return db.execute("DELETE FROM trash").rowcount
