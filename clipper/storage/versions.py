"""SQL for article versions.

A row with NULL title/dek/text is the article's current version (its text is the
articles row); a superseded version holds its own copy. An article without rows has one
implicit version 1 (libraries from before versions, or rows inserted by other paths).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

import sqlite_utils

from clipper.storage.db import utcnow

_COLUMNS = "article_id, version, created_at, origin, title, dek, text, text_hash, words, title_changed, words_changed"


@dataclass
class VersionRow:
    article_id: int
    version: int
    created_at: str
    origin: str
    title: str | None
    dek: str | None
    text: str | None  # None: the current version (see the articles row)
    text_hash: str
    words: int
    title_changed: bool
    words_changed: int

    def to_dict(self) -> dict:
        return asdict(self)


def _build(row) -> VersionRow:
    values = list(row)
    values[9] = bool(values[9])
    return VersionRow(*values)


def for_article(db: sqlite_utils.Database, article_id: int) -> list[VersionRow]:
    return [_build(r) for r in db.execute(
        f"SELECT {_COLUMNS} FROM article_versions WHERE article_id = ? ORDER BY version", [article_id])]


def get(db: sqlite_utils.Database, article_id: int, version: int) -> VersionRow | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM article_versions WHERE article_id = ? AND version = ?",
                     [article_id, version]).fetchone()
    return _build(row) if row else None


def current_number(db: sqlite_utils.Database, article_id: int) -> int:
    row = db.execute("SELECT MAX(version) FROM article_versions WHERE article_id = ?", [article_id]).fetchone()
    return row[0] or 1


def insert(db: sqlite_utils.Database, *, article_id: int, version: int, text_hash: str, words: int,
           origin: str = "import", created_at: str | None = None, title: str | None = None, dek: str | None = None,
           text: str | None = None, title_changed: bool = False, words_changed: int = 0) -> None:
    db.execute(
        f"INSERT INTO article_versions ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [article_id, version, created_at or utcnow(), origin, title, dek, text, text_hash, words,
         int(title_changed), words_changed])


def freeze(db: sqlite_utils.Database, article_id: int, version: int, *, title: str, dek: str, text: str) -> None:
    """Give a version that is about to be superseded its own copy of the text."""
    db.execute("UPDATE article_versions SET title = ?, dek = ?, text = ? WHERE article_id = ? AND version = ?",
               [title, dek, text, article_id, version])


def counts(db: sqlite_utils.Database, article_ids: list[int]) -> dict[int, tuple[int, str | None]]:
    """article id → (number of versions, when the newest arrived) for articles with 2+ versions."""
    if not article_ids:
        return {}
    out: dict[int, tuple[int, str | None]] = {}
    for start in range(0, len(article_ids), 500):
        chunk = article_ids[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        for aid, n, last in db.execute(
                f"SELECT article_id, COUNT(*), MAX(created_at) FROM article_versions WHERE article_id IN ({marks}) "
                "GROUP BY article_id HAVING COUNT(*) > 1", chunk):
            out[aid] = (n, last)
    return out


def changes_summary(db: sqlite_utils.Database, article_ids: list[int]) -> dict[int, dict]:
    """article id → {"versions", "title_changed", "words_changed"} of its newest version, for articles
    with more than one version (the list's "headline changed" / "N words changed" marks)."""
    if not article_ids:
        return {}
    out: dict[int, dict] = {}
    for start in range(0, len(article_ids), 500):
        chunk = article_ids[start:start + 500]
        marks = ", ".join("?" * len(chunk))
        for aid, version, title_changed, words_changed, created in db.execute(
                f"SELECT article_id, version, title_changed, words_changed, created_at FROM article_versions v "
                f"WHERE article_id IN ({marks}) AND version > 1 AND version = "
                "(SELECT MAX(version) FROM article_versions w WHERE w.article_id = v.article_id)", chunk):
            out[aid] = {"versions": version, "title_changed": bool(title_changed), "words_changed": words_changed,
                        "changed_at": created}
    return out


# ---- the list's marks (article_changes: one row per article with 2+ versions) ------------

MARK_COLUMNS = "versions, title_changed, words_changed, changed_at"


def set_marks(db: sqlite_utils.Database, article_id: int, *, versions: int, title_changed: bool, words_changed: int,
              changed_at: str) -> None:
    db.execute("INSERT INTO article_changes (article_id, versions, title_changed, words_changed, changed_at) "
               "VALUES (?, ?, ?, ?, ?) ON CONFLICT(article_id) DO UPDATE SET versions = excluded.versions, "
               "title_changed = excluded.title_changed, words_changed = excluded.words_changed, "
               "changed_at = excluded.changed_at",
               [article_id, versions, int(title_changed), words_changed, changed_at])


def marks(db: sqlite_utils.Database, article_id: int) -> dict | None:
    row = db.execute(f"SELECT {MARK_COLUMNS} FROM article_changes WHERE article_id = ?", [article_id]).fetchone()
    if row is None:
        return None
    return {"versions": row[0], "title_changed": bool(row[1]), "words_changed": row[2], "changed_at": row[3]}


def ids_by_changes(db: sqlite_utils.Database, *, descending: bool, within=None) -> list[int]:
    """Article ids ordered by their marks (words changed since version 1, a headline change
    before an equal count), the articles without changes last in both directions; ``within``:
    only those ids."""
    import json

    way = "DESC" if descending else "ASC"
    where, params = "", []
    if within is not None:
        where, params = "WHERE a.id IN (SELECT value FROM json_each(?))", [json.dumps(list(within))]
    return [r[0] for r in db.execute(
        f"SELECT a.id FROM articles a LEFT JOIN article_changes c ON c.article_id = a.id {where} "
        f"ORDER BY c.article_id IS NULL, c.words_changed {way}, c.title_changed {way}, "
        f"CASE WHEN c.article_id IS NULL THEN a.id END, a.id {way}", params)]


def backfill_marks(db: sqlite_utils.Database) -> int:
    """Give every article with 2+ versions its marks (the schema migration that added them
    runs this once). Returns how many articles got a row."""
    from clipper.text.worddiff import compute_marks

    done = 0
    ids = [r[0] for r in db.execute("SELECT article_id FROM article_versions GROUP BY article_id HAVING COUNT(*) > 1")]
    for aid in ids:
        current = db.execute("SELECT title, text FROM articles WHERE id = ?", [aid]).fetchone()
        rows = for_article(db, aid)
        if current is None or not rows or rows[0].text is None:
            continue
        title_changed, words = compute_marks(rows[0].title or "", rows[0].text, current[0], current[1])
        set_marks(db, aid, versions=len(rows), title_changed=title_changed, words_changed=words,
                  changed_at=rows[-1].created_at)
        done += 1
    return done


def passage_versions(db: sqlite_utils.Database, article_id: int) -> dict[int, int | None]:
    return dict(db.execute("SELECT id, version FROM passages WHERE article_id = ?", [article_id]))


def article_ids(db: sqlite_utils.Database) -> list[int]:
    return [r[0] for r in db.execute("SELECT DISTINCT article_id FROM article_versions ORDER BY article_id")]
