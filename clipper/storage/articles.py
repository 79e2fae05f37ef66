"""SQL for articles."""
from __future__ import annotations

import json
from typing import Iterable, Iterator

import sqlite_utils

from clipper.errors import NotFound
from clipper.models import Article
from clipper.storage.db import utcnow

_COLUMNS = (
    "id, title, text, dek, outlet, agency, author, published, url, language, imported_at, "
    "updated_at, content_hash, word_count, source, story_id"
)
EDITABLE = ("title", "dek", "text", "outlet", "agency", "author", "published", "url", "language")


def _row_to_article(row) -> Article:
    return Article(*row)


def insert(db: sqlite_utils.Database, *, title: str, text: str, content_hash: str, word_count: int,
           dek: str = "", outlet: str = "", agency: str = "", author: str = "", published: str | None = None,
           url: str = "", language: str = "", source: str = "", extra: dict | None = None,
           signature: bytes | None = None, story_id: int | None = None, imported_at: str | None = None) -> int:
    now = imported_at or utcnow()
    cur = db.execute(
        "INSERT INTO articles (title, dek, text, outlet, agency, author, published, url, language, imported_at, "
        "updated_at, content_hash, word_count, source, story_id, extra, signature) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [title, dek, text, outlet, agency, author, published, url, language, now, now, content_hash, word_count,
         source, story_id, json.dumps(extra or {}, ensure_ascii=False), signature],
    )
    return cur.lastrowid


def get(db: sqlite_utils.Database, article_id: int) -> Article:
    row = db.execute(f"SELECT {_COLUMNS} FROM articles WHERE id = ?", [article_id]).fetchone()
    if row is None:
        raise NotFound(f"no article with id {article_id}")
    article = _row_to_article(row)
    article.tags = article_tag_names(db, article_id)
    return article


def exists(db: sqlite_utils.Database, article_id: int) -> bool:
    return db.execute("SELECT 1 FROM articles WHERE id = ?", [article_id]).fetchone() is not None


def count_existing(db: sqlite_utils.Database, article_ids: Iterable[int]) -> int:
    """How many of ``article_ids`` are articles (the others were deleted)."""
    ids = sorted(set(article_ids))
    if not ids:
        return 0
    return db.execute("SELECT COUNT(*) FROM articles WHERE id IN (SELECT value FROM json_each(?))",
                      [json.dumps(ids)]).fetchone()[0]


def article_tag_names(db: sqlite_utils.Database, article_id: int) -> list[str]:
    return [r[0] for r in db.execute(
        "SELECT t.name FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE at.article_id = ? ORDER BY t.name COLLATE NOCASE",
        [article_id])]


def extra(db: sqlite_utils.Database, article_id: int) -> dict:
    row = db.execute("SELECT extra FROM articles WHERE id = ?", [article_id]).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


_SORTS = {
    "imported": "imported_at, id", "-imported": "imported_at DESC, id DESC",
    "published": "published IS NULL, published, id", "-published": "published IS NULL, published DESC, id DESC",
    "title": "title COLLATE NOCASE, id", "-title": "title COLLATE NOCASE DESC, id DESC",
    "id": "id", "-id": "id DESC",
}


def list_summaries(db: sqlite_utils.Database, *, sort: str = "-imported", limit: int | None = None,
                   offset: int = 0, ids: Iterable[int] | None = None) -> list[dict]:
    """Light rows for lists: no body text."""
    order = _SORTS.get(sort)
    if order is None:
        raise ValueError(f"unknown sort {sort!r}")
    where, params = "", []
    if ids is not None:
        ids = list(ids)
        if not ids:
            return []
        where = "WHERE a.id IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(ids))
    sql = (
        "SELECT a.id, a.title, a.outlet, a.agency, a.author, a.published, a.url, a.imported_at, a.word_count, "
        "(SELECT COUNT(*) FROM passages p WHERE p.article_id = a.id) AS passage_count, "
        "(SELECT COUNT(*) FROM passages p WHERE p.article_id = a.id AND p.status = 'orphaned') AS orphan_count, "
        # the list's change marks, kept when a version is stored (storage/versions.set_marks)
        "COALESCE(c.versions, 1), COALESCE(c.title_changed, 0), COALESCE(c.words_changed, 0), c.changed_at, "
        "w.article_id IS NOT NULL "  # watched: refreshed on a schedule (clipper.watch)
        "FROM articles a LEFT JOIN article_changes c ON c.article_id = a.id "
        f"LEFT JOIN watched w ON w.article_id = a.id {where} "
        f"ORDER BY {order.replace('imported_at', 'a.imported_at')}"
    )
    if limit is not None:
        sql += " LIMIT ? OFFSET ?"
        params += [limit, offset]
    cols = ("id", "title", "outlet", "agency", "author", "published", "url", "imported_at", "word_count",
            "passage_count", "orphan_count", "versions", "headline_changed", "words_changed", "changed_at", "watched")
    rows = [dict(zip(cols, row)) for row in db.execute(sql, params)]
    for r in rows:
        r["headline_changed"], r["watched"] = bool(r["headline_changed"]), bool(r["watched"])
    return rows


def ids(db: sqlite_utils.Database, *, sort: str = "-imported", within: Iterable[int] | None = None) -> list[int]:
    """Article ids in ``sort`` order: every article, or those of ``within`` that exist."""
    order = _SORTS.get(sort)
    if order is None:
        raise ValueError(f"unknown sort {sort!r}")
    if within is None:
        return [r[0] for r in db.execute(f"SELECT id FROM articles ORDER BY {order}")]
    return [r[0] for r in db.execute(
        f"SELECT id FROM articles WHERE id IN (SELECT value FROM json_each(?)) ORDER BY {order}",
        [json.dumps(list(within))])]


_VIEWS = {
    # kind -> (SQL selecting the ids, newest import first; whether it takes a value)
    "recent": "SELECT id FROM articles WHERE imported_at >= ? ORDER BY imported_at DESC, id DESC",
    "orphaned": "SELECT id FROM articles WHERE id IN (SELECT article_id FROM passages WHERE status = 'orphaned') "
                "ORDER BY imported_at DESC, id DESC",
    "tag": "SELECT id FROM articles WHERE id IN ("
           "SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.name = ? COLLATE NOCASE "
           "UNION SELECT p.article_id FROM passage_tags pt JOIN tags t ON t.id = pt.tag_id "
           "JOIN passages p ON p.id = pt.passage_id WHERE t.name = ?1 COLLATE NOCASE) "
           "ORDER BY imported_at DESC, id DESC",
    "outlet": "SELECT id FROM articles WHERE outlet = ? ORDER BY imported_at DESC, id DESC",
}


def view_ids(db: sqlite_utils.Database, kind: str, value) -> list[int]:
    """The ids of a library view (recent: imported since ``value``; orphaned; tag; outlet),
    newest import first, every one of them."""
    sql = _VIEWS.get(kind)
    if sql is None:
        raise ValueError(f"unknown view {kind!r}")
    return [r[0] for r in db.execute(sql, [] if kind == "orphaned" else [value])]


def outlet_counts(db: sqlite_utils.Database) -> dict[str, int]:
    return dict(db.execute("SELECT outlet, COUNT(*) FROM articles WHERE outlet != '' GROUP BY outlet"))


def count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]


def find_by_url(db: sqlite_utils.Database, url: str) -> int | None:
    if not url:
        return None
    # "url != ''" lets SQLite use the partial index articles_url (without it, a miss scans
    # every article: 0.65 s at 50,000)
    row = db.execute("SELECT id FROM articles WHERE url = ? AND url != '' ORDER BY id LIMIT 1", [url]).fetchone()
    return row[0] if row else None


def find_by_hash(db: sqlite_utils.Database, content_hash: str) -> int | None:
    row = db.execute("SELECT id FROM articles WHERE content_hash = ? ORDER BY id LIMIT 1", [content_hash]).fetchone()
    return row[0] if row else None


def signatures(db: sqlite_utils.Database) -> Iterator[tuple[int, bytes]]:
    yield from db.execute("SELECT id, signature FROM articles WHERE signature IS NOT NULL")


def signatures_of(db: sqlite_utils.Database, article_ids: Iterable[int]) -> list[tuple[int, bytes]]:
    return list(db.execute("SELECT id, signature FROM articles WHERE signature IS NOT NULL "
                           "AND id IN (SELECT value FROM json_each(?))", [json.dumps(list(article_ids))]))


def story_members(db: sqlite_utils.Database, article_id: int) -> list[int]:
    row = db.execute("SELECT story_id FROM articles WHERE id = ?", [article_id]).fetchone()
    if not row or row[0] is None:
        return []
    return [r[0] for r in db.execute(
        "SELECT id FROM articles WHERE story_id = ? AND id != ? ORDER BY id", [row[0], article_id])]


def set_story(db: sqlite_utils.Database, article_ids: Iterable[int], story_id: int) -> None:
    db.execute("UPDATE articles SET story_id = ? WHERE id IN (SELECT value FROM json_each(?))",
               [story_id, json.dumps(list(article_ids))])


def story_of(db: sqlite_utils.Database, article_id: int) -> int | None:
    row = db.execute("SELECT story_id FROM articles WHERE id = ?", [article_id]).fetchone()
    return row[0] if row else None


def update(db: sqlite_utils.Database, article_id: int, fields: dict) -> None:
    bad = set(fields) - set(EDITABLE) - {"content_hash", "word_count", "signature", "extra"}
    if bad:
        raise ValueError(f"cannot edit {sorted(bad)}")
    if not fields:
        return
    values = dict(fields)
    if "extra" in values:
        values["extra"] = json.dumps(values["extra"], ensure_ascii=False)
    sets = ", ".join(f"{k} = ?" for k in values)
    db.execute(f"UPDATE articles SET {sets}, updated_at = ?, rev = rev + 1 WHERE id = ?",
               [*values.values(), utcnow(), article_id])


def bump(db: sqlite_utils.Database, article_ids: Iterable[int]) -> None:
    """Mark articles as changed for the index (their passages, tags or notes changed)."""
    db.execute("UPDATE articles SET rev = rev + 1 WHERE id IN (SELECT value FROM json_each(?))",
               [json.dumps(list(article_ids))])


def delete(db: sqlite_utils.Database, article_id: int) -> list[int]:
    """Delete an article (cascades to its passages, notes, links). Returns its passage ids."""
    pids = [r[0] for r in db.execute("SELECT id FROM passages WHERE article_id = ?", [article_id])]
    cur = db.execute("DELETE FROM articles WHERE id = ?", [article_id])
    if cur.rowcount == 0:
        raise NotFound(f"no article with id {article_id}")
    return pids


def revs(db: sqlite_utils.Database) -> dict[int, int]:
    return dict(db.execute("SELECT id, rev FROM articles"))


def ids_with_tag(db: sqlite_utils.Database, name: str) -> list[int]:
    return [r[0] for r in db.execute(
        "SELECT at.article_id FROM article_tags at JOIN tags t ON t.id = at.tag_id WHERE t.name = ? COLLATE NOCASE "
        "ORDER BY at.article_id", [name])]
