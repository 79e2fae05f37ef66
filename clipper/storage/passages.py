"""SQL for passages (highlights)."""
from __future__ import annotations

import json
from typing import Iterable

import sqlite_utils

from clipper.errors import DuplicateError, NotFound
from clipper.models import Passage
from clipper.storage import tags as tag_store
from clipper.storage.db import utcnow

_COLUMNS = (
    'p.id, p.article_id, p.start, p."end", p.quote, p.prefix, p.suffix, p.color, '
    "COALESCE(n.text, ''), p.status, p.created_at, p.updated_at"
)
_FROM = "FROM passages p LEFT JOIN notes n ON n.passage_id = p.id"


def _build(db, rows) -> list[Passage]:
    passages = [Passage(id=r[0], article_id=r[1], start=r[2], end=r[3], quote=r[4], prefix=r[5], suffix=r[6],
                        color=r[7], note=r[8], status=r[9], created_at=r[10], updated_at=r[11]) for r in rows]
    tag_map = tag_store.passage_tag_map(db, [p.id for p in passages])
    for p in passages:
        p.tags = tag_map.get(p.id, [])
    return passages


def insert(db: sqlite_utils.Database, *, article_id: int, start: int, end: int, quote: str, prefix: str,
           suffix: str, color: str, created_at: str | None = None) -> int:
    now = created_at or utcnow()
    cur = db.execute(
        'INSERT INTO passages (article_id, start, "end", quote, prefix, suffix, color, status, created_at, updated_at, '
        "version) VALUES (?, ?, ?, ?, ?, ?, ?, 'anchored', ?, ?, "
        "(SELECT COALESCE(MAX(version), 1) FROM article_versions WHERE article_id = ?))",  # made on the current version
        [article_id, start, end, quote, prefix, suffix, color, now, now, article_id])
    return cur.lastrowid


def get(db: sqlite_utils.Database, passage_id: int) -> Passage:
    rows = db.execute(f"SELECT {_COLUMNS} {_FROM} WHERE p.id = ?", [passage_id]).fetchall()
    if not rows:
        raise NotFound(f"no passage with id {passage_id}")
    return _build(db, rows)[0]


def for_article(db: sqlite_utils.Database, article_id: int) -> list[Passage]:
    rows = db.execute(f"SELECT {_COLUMNS} {_FROM} WHERE p.article_id = ? "
                      "ORDER BY p.status = 'orphaned', p.start, p.\"end\", p.id", [article_id]).fetchall()
    return _build(db, rows)


def many(db: sqlite_utils.Database, passage_ids: Iterable[int]) -> list[Passage]:
    rows = db.execute(f"SELECT {_COLUMNS} {_FROM} WHERE p.id IN (SELECT value FROM json_each(?)) ORDER BY p.id",
                      [json.dumps(list(passage_ids))]).fetchall()
    return _build(db, rows)


def ids_with_tag(db: sqlite_utils.Database, tag_id: int) -> list[int]:
    return [r[0] for r in db.execute("SELECT passage_id FROM passage_tags WHERE tag_id = ? ORDER BY passage_id", [tag_id])]


def orphaned(db: sqlite_utils.Database) -> list[Passage]:
    rows = db.execute(f"SELECT {_COLUMNS} {_FROM} WHERE p.status = 'orphaned' ORDER BY p.article_id, p.id").fetchall()
    return _build(db, rows)


def update_fields(db: sqlite_utils.Database, passage_id: int, fields: dict) -> None:
    allowed = {"start", "end", "quote", "prefix", "suffix", "color", "status"}
    bad = set(fields) - allowed
    if bad:
        raise ValueError(f"cannot edit passage fields {sorted(bad)}")
    sets = ", ".join(f'"{k}" = ?' for k in fields)
    cur = db.execute(f"UPDATE passages SET {sets}{', ' if sets else ''}updated_at = ?, rev = rev + 1 WHERE id = ?",
                     [*fields.values(), utcnow(), passage_id])
    if cur.rowcount == 0:
        raise NotFound(f"no passage with id {passage_id}")


def bump(db: sqlite_utils.Database, passage_ids: Iterable[int]) -> None:
    db.execute("UPDATE passages SET rev = rev + 1 WHERE id IN (SELECT value FROM json_each(?))",
               [json.dumps(list(passage_ids))])


def delete(db: sqlite_utils.Database, passage_id: int) -> int:
    """Delete a passage; returns its article id."""
    row = db.execute("SELECT article_id FROM passages WHERE id = ?", [passage_id]).fetchone()
    if row is None:
        raise NotFound(f"no passage with id {passage_id}")
    db.execute("DELETE FROM passages WHERE id = ?", [passage_id])
    return row[0]


def revs(db: sqlite_utils.Database) -> dict[int, int]:
    return dict(db.execute("SELECT id, rev FROM passages"))


def count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COUNT(*) FROM passages").fetchone()[0]


def insert_with_id(db: sqlite_utils.Database, p: Passage) -> int:
    """Re-insert a passage exactly as it was (undo of a delete). NotFound when its article
    is gone, DuplicateError when its id is taken."""
    if not db.execute("SELECT 1 FROM articles WHERE id = ?", [p.article_id]).fetchone():
        raise NotFound(f"cannot restore passage {p.id}: no article with id {p.article_id}")
    if db.execute("SELECT 1 FROM passages WHERE id = ?", [p.id]).fetchone():
        raise DuplicateError(f"cannot restore passage {p.id}: a passage with that id exists")
    db.execute(
        'INSERT INTO passages (id, article_id, start, "end", quote, prefix, suffix, color, status, created_at, updated_at) '
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [p.id, p.article_id, p.start, p.end, p.quote, p.prefix, p.suffix, p.color, p.status, p.created_at,
         p.updated_at])
    return p.id
