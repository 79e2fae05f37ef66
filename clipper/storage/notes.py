"""SQL for notes (Markdown text on an article or on a passage)."""
from __future__ import annotations

import sqlite_utils

from clipper.errors import NotFound
from clipper.models import Note
from clipper.storage.db import utcnow

_COLUMNS = "id, article_id, passage_id, text, created_at, updated_at"


def add_article_note(db: sqlite_utils.Database, article_id: int, text: str) -> int:
    now = utcnow()
    return db.execute("INSERT INTO notes (article_id, text, created_at, updated_at) VALUES (?, ?, ?, ?)",
                      [article_id, text, now, now]).lastrowid


def set_passage_note(db: sqlite_utils.Database, passage_id: int, text: str) -> int | None:
    """Create, replace, or (empty or blank text) remove the note of a passage."""
    row = db.execute("SELECT id FROM notes WHERE passage_id = ?", [passage_id]).fetchone()
    now = utcnow()
    if not text or not text.strip():
        if row:
            db.execute("DELETE FROM notes WHERE id = ?", [row[0]])
        return None
    if row:
        db.execute("UPDATE notes SET text = ?, updated_at = ? WHERE id = ?", [text, now, row[0]])
        return row[0]
    return db.execute("INSERT INTO notes (passage_id, text, created_at, updated_at) VALUES (?, ?, ?, ?)",
                      [passage_id, text, now, now]).lastrowid


def get(db: sqlite_utils.Database, note_id: int) -> Note:
    row = db.execute(f"SELECT {_COLUMNS} FROM notes WHERE id = ?", [note_id]).fetchone()
    if row is None:
        raise NotFound(f"no note with id {note_id}")
    return Note(*row)


def update(db: sqlite_utils.Database, note_id: int, text: str) -> None:
    cur = db.execute("UPDATE notes SET text = ?, updated_at = ? WHERE id = ?", [text, utcnow(), note_id])
    if cur.rowcount == 0:
        raise NotFound(f"no note with id {note_id}")


def delete(db: sqlite_utils.Database, note_id: int) -> Note:
    note = get(db, note_id)
    db.execute("DELETE FROM notes WHERE id = ?", [note_id])
    return note


def for_article(db: sqlite_utils.Database, article_id: int) -> list[Note]:
    return [Note(*r) for r in db.execute(
        f"SELECT {_COLUMNS} FROM notes WHERE article_id = ? ORDER BY created_at, id", [article_id])]
