"""Notes: Markdown text on an article (several) or on a passage (one)."""
from __future__ import annotations

from clipper.errors import InputError
from clipper.models import Note
from clipper.storage import articles as article_store
from clipper.storage import notes as store
from clipper.storage import passages as passage_store
from clipper.text.controls import clean_field

MAX_NOTE_LENGTH = 1_000_000


def check_length(text: str | None) -> str | None:
    """The note as stored: controls and bidi overrides removed (clean_field, multi-line);
    InputError when it is too long."""
    if text and len(text) > MAX_NOTE_LENGTH:
        raise InputError("a note can have at most 1,000,000 characters")
    return clean_field(text, multiline=True) if text else text


def _check(text: str) -> str:
    text = check_length(text)
    if text is None or not text.strip():
        raise InputError("a note cannot be empty")
    return text


class Notes:
    def __init__(self, lib):
        self.lib = lib

    def for_article(self, article_id: int) -> list[Note]:
        return store.for_article(self.lib.db, article_id)

    def add(self, article_id: int, text: str) -> Note:
        text = _check(text)
        db = self.lib.db
        with self.lib.write() as changes:
            article_store.get(db, article_id)
            note_id = store.add_article_note(db, article_id, text)
            article_store.bump(db, [article_id])
            changes.articles.add(article_id)
        return store.get(db, note_id)

    def set_passage_note(self, passage_id: int, text: str) -> Note | None:
        """Set (or with empty text, clear) a passage's note."""
        text = check_length(text)
        db = self.lib.db
        with self.lib.write() as changes:
            passage = passage_store.get(db, passage_id)
            note_id = store.set_passage_note(db, passage_id, text or "")
            article_store.bump(db, [passage.article_id])
            passage_store.bump(db, [passage_id])
            changes.articles.add(passage.article_id)
            changes.passages.add(passage_id)
        return store.get(db, note_id) if note_id else None

    def update(self, note_id: int, text: str) -> Note:
        text = _check(text)
        return self._rewrite(note_id, text)

    def delete(self, note_id: int) -> None:
        self._rewrite(note_id, None)

    def _rewrite(self, note_id: int, text: str | None):
        db = self.lib.db
        with self.lib.write() as changes:
            note = store.get(db, note_id)
            if text is None:
                store.delete(db, note_id)
            else:
                store.update(db, note_id, text)
            if note.passage_id is not None:
                passage = passage_store.get(db, note.passage_id)
                passage_store.bump(db, [note.passage_id])
                changes.passages.add(note.passage_id)
                article_id = passage.article_id
            else:
                article_id = note.article_id
            article_store.bump(db, [article_id])
            changes.articles.add(article_id)
        return store.get(db, note_id) if text is not None else None
