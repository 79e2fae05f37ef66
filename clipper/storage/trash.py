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

_OWN = {"articles", "passages", "notes", "article_tags", "passage_tags", "trash"}
_LIST_COLS = "id, article_id, title, outlet, published, passage_count, trashed_at"


def _q(cols) -> str:
    return ", ".join(f'"{c}"' for c in cols)


def _enc(v):
    return {"$b64": base64.b64encode(v).decode("ascii")} if isinstance(v, bytes) else v


def _dec(v):
    return base64.b64decode(v["$b64"]) if isinstance(v, dict) and "$b64" in v else v


def _rows(db, sql: str, params) -> list[dict]:
    cur = db.execute(sql, params)
    cols = [d[0] for d in cur.description]
    return [{c: _enc(v) for c, v in zip(cols, r)} for r in cur.fetchall()]


def _columns(db, table: str) -> list[str]:
    return [r[1] for r in db.execute(f'PRAGMA table_info("{table}")')]


def _dependents(db) -> list[tuple[str, str]]:
    """(table, column) of every other table whose rows belong to an article (a foreign key
    to articles.id): captures, versions… kept with the article in the Trash."""
    out = []
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"):
        if table in _OWN:
            continue
        for fk in db.execute(f'PRAGMA foreign_key_list("{table}")'):
            if fk[2] == "articles" and (fk[4] or "id") == "id":
                out.append((table, fk[3]))
    return out


def snapshot(db: sqlite_utils.Database, article_id: int) -> dict:
    """Everything stored about one article, as plain JSON-able data."""
    rows = _rows(db, "SELECT * FROM articles WHERE id = ?", [article_id])
    if not rows:
        raise NotFound(f"no article with id {article_id}")
    passages = _rows(db, "SELECT * FROM passages WHERE article_id = ? ORDER BY id", [article_id])
    pids = [p["id"] for p in passages]
    tags_of: dict[int, list] = {}
    for pid, name, color in db.execute(
            "SELECT pt.passage_id, t.name, t.color FROM passage_tags pt JOIN tags t ON t.id = pt.tag_id "
            "WHERE pt.passage_id IN (SELECT value FROM json_each(?))", [json.dumps(pids)]):
        tags_of.setdefault(pid, []).append([name, color])
    for p in passages:
        p["$tags"] = tags_of.get(p["id"], [])
    notes = _rows(db, "SELECT * FROM notes WHERE article_id = ? OR passage_id IN (SELECT value FROM json_each(?)) "
                      "ORDER BY id", [article_id, json.dumps(pids)])
    tags = [[n, c] for n, c in db.execute(
        "SELECT t.name, t.color FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = ?",
        [article_id])]
    related = {f"{table}.{col}": _rows(db, f'SELECT * FROM "{table}" WHERE "{col}" = ?', [article_id])
               for table, col in _dependents(db)}
    return {"article": rows[0], "passages": passages, "notes": notes, "tags": tags, "related": related}


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
    return [dict(zip(cols, r)) for r in
            db.execute(f"SELECT {_LIST_COLS} FROM trash {where} ORDER BY trashed_at DESC, id DESC", params)]


def count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COUNT(*) FROM trash").fetchone()[0]


def _entry(db, article_id: int) -> tuple[int, dict]:
    row = db.execute("SELECT id, payload FROM trash WHERE article_id = ? ORDER BY trashed_at DESC, id DESC LIMIT 1",
                     [article_id]).fetchone()
    if row is None:
        raise NotFound(f"no article with id {article_id} in the Trash")
    return row[0], json.loads(row[1])


def _free(db, table: str, row_id) -> bool:
    return row_id is not None and db.execute(f'SELECT 1 FROM "{table}" WHERE id = ?', [row_id]).fetchone() is None


def _insert(db, table: str, row: dict, keep_id: bool = True) -> int:
    """Insert the columns the table has today (a later migration may have added some)."""
    have = set(_columns(db, table))
    cols = [c for c in row if c in have and not c.startswith("$") and (keep_id or c != "id")]
    if "id" in cols and not _free(db, table, row["id"]):
        cols.remove("id")
    cur = db.execute(f'INSERT INTO "{table}" ({_q(cols)}) VALUES ({", ".join("?" * len(cols))})',
                     [_dec(row[c]) for c in cols])
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
    new_id = _insert(db, "articles", snap["article"])
    db.execute("UPDATE articles SET rev = rev + 1 WHERE id = ?", [new_id])
    pid_map = {}
    for p in snap["passages"]:
        pid_map[p["id"]] = _insert(db, "passages", {**p, "article_id": new_id})
        for name, color in p.get("$tags", p.get("tags", [])):
            db.execute("INSERT OR IGNORE INTO passage_tags (passage_id, tag_id) VALUES (?, ?)",
                       [pid_map[p["id"]], _tag_id(db, name, color)])
    for n in snap["notes"]:
        row = dict(n)
        if row.get("passage_id") is None:
            row["article_id"] = new_id
        else:
            row["passage_id"] = pid_map[row["passage_id"]]
        _insert(db, "notes", row)
    for name, color in snap["tags"]:
        db.execute("INSERT OR IGNORE INTO article_tags (article_id, tag_id) VALUES (?, ?)",
                   [new_id, _tag_id(db, name, color)])
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    for key, rows in snap.get("related", {}).items():
        table, col = key.split(".", 1)
        if table not in tables:
            continue
        for row in rows:
            row = dict(row)
            row[col] = new_id
            if "passage_id" in row and row["passage_id"] in pid_map:
                row["passage_id"] = pid_map[row["passage_id"]]
            _insert(db, table, row)
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
