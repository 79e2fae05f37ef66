"""Passages (highlights): a span of an article's text with tags, a colour and a note.

Anchored like a W3C Web Annotation: code-point offsets plus the exact quote with prefix and
suffix context (clipper.anchoring), so they survive edits and re-imports.
"""
from __future__ import annotations

from clipper import anchoring
from clipper.errors import InputError
from clipper.models import Passage
from clipper.storage import articles as article_store
from clipper.notes import check_length
from clipper.storage import notes as note_store
from clipper.storage import passages as store
from clipper.storage import tags as tag_store
from clipper.tags import check_color, check_name

DEFAULT_COLOR = "#ffd54f"


class Passages:
    def __init__(self, lib):
        self.lib = lib

    def get(self, passage_id: int) -> Passage:
        return store.get(self.lib.db, passage_id)

    def for_article(self, article_id: int) -> list[Passage]:
        return store.for_article(self.lib.db, article_id)

    def many(self, passage_ids) -> list[Passage]:
        return store.many(self.lib.db, passage_ids)

    def orphaned(self) -> list[Passage]:
        return store.orphaned(self.lib.db)

    def with_tag(self, name: str) -> list[Passage]:
        tag = tag_store.get(self.lib.db, name)
        return store.many(self.lib.db, store.ids_with_tag(self.lib.db, tag.id))

    def add(self, article_id: int, *, start: int | None = None, end: int | None = None, quote: str | None = None,
            occurrence: int | None = None, tags: list[str] = (), color: str | None = None,
            note: str = "") -> Passage:
        """Highlight a span given by offsets or by an exact quote (1-based ``occurrence``)."""
        note = check_length(note)
        names = [check_name(t) for t in tags]
        color = check_color(color) if color else None
        db = self.lib.db
        with self.lib.write() as changes:
            article = article_store.get(db, article_id)
            if quote is not None:
                if start is not None or end is not None:
                    raise InputError("give either a quote or start/end offsets, not both")
                try:
                    start, end = anchoring.find_quote(article.text, quote, occurrence)
                except anchoring.QuoteNotFound as exc:
                    raise InputError(_outside_the_body(article, quote) or str(exc)) from None
            elif start is None or end is None:
                raise InputError("give a quote, or both start and end offsets")
            sel = anchoring.make_selector(article.text, start, end)
            pid = self._insert(changes, article_id, sel.start, sel.end, sel.exact, sel.prefix, sel.suffix,
                               names, color, note)
        return self.get(pid)

    def add_orphaned(self, article_id: int, *, quote: str, prefix: str = "", suffix: str = "",
                     tags: list[str] = (), note: str = "") -> Passage:
        """Keep a quote that is not in the article's text (a browser selection outside the
        extracted body) as an orphaned passage: its words, context, tags and note stay."""
        check_length(note)
        if not isinstance(quote, str) or not quote.strip():
            raise InputError("quote is empty: give the words of the passage")
        names = [check_name(t) for t in tags]
        db = self.lib.db
        with self.lib.write() as changes:
            article_store.get(db, article_id)
            pid = self._insert(changes, article_id, 0, 0, quote, prefix, suffix, names, None, note)
            store.update_fields(db, pid, {"status": "orphaned"})
        return self.get(pid)

    def _insert(self, changes, article_id: int, start: int, end: int, quote: str, prefix: str, suffix: str,
                names: list[str], color: str | None, note: str) -> int:
        """Inside a write: the passage row with its tags (created as needed), colour (its
        first tag's unless given) and note; returns its id."""
        db = self.lib.db
        for name in names:  # new tags get their palette colour before the passage takes one
            tag_store.ensure(db, name)
        if color is None:
            colors = {k.casefold(): v for k, v in tag_store.colors(db).items()}  # names are case-insensitive
            color = next((colors[n.casefold()] for n in names if n.casefold() in colors), DEFAULT_COLOR)
        pid = store.insert(db, article_id=article_id, start=start, end=end, quote=quote,
                           prefix=prefix, suffix=suffix, color=color)
        if names:
            tag_store.set_passage_tags(db, pid, names)
            changes.tags = True
        if note:
            note_store.set_passage_note(db, pid, note)
        article_store.bump(db, [article_id])
        changes.articles.add(article_id)
        changes.passages.add(pid)
        return pid

    def update(self, passage_id: int, *, tags: list[str] | None = None, add_tags: list[str] = (),
               remove_tags: list[str] = (), color: str | None = None, note: str | None = None) -> Passage:
        note = check_length(note)
        db = self.lib.db
        with self.lib.write() as changes:
            passage = store.get(db, passage_id)
            fields = {}
            if color is not None:
                fields["color"] = check_color(color)
            if tags is not None or add_tags or remove_tags:
                current = list(passage.tags) if tags is None else [check_name(t) for t in tags]
                for t in add_tags:
                    t = check_name(t)
                    if t.casefold() not in {c.casefold() for c in current}:
                        current.append(t)
                drop = {check_name(t).casefold() for t in remove_tags}
                current = [t for t in current if t.casefold() not in drop]
                tag_store.set_passage_tags(db, passage_id, current)
                changes.tags = True
            if note is not None:
                note_store.set_passage_note(db, passage_id, note)
            store.update_fields(db, passage_id, fields)
            article_store.bump(db, [passage.article_id])
            changes.articles.add(passage.article_id)
            changes.passages.add(passage_id)
        return self.get(passage_id)

    def move(self, passage_id: int, start: int, end: int) -> Passage:
        """Widen or narrow a passage to ``start``..``end`` of its article's text; its quote,
        prefix and suffix are re-read there (an orphaned passage is anchored again)."""
        db = self.lib.db
        with self.lib.write() as changes:
            passage = store.get(db, passage_id)
            article = article_store.get(db, passage.article_id)
            sel = anchoring.make_selector(article.text, start, end)
            store.update_fields(db, passage_id, {"start": sel.start, "end": sel.end, "quote": sel.exact,
                                                 "prefix": sel.prefix, "suffix": sel.suffix, "status": "anchored"})
            article_store.bump(db, [passage.article_id])
            changes.articles.add(passage.article_id)
            changes.passages.add(passage_id)
        return self.get(passage_id)

    def delete(self, passage_id: int) -> Passage:
        db = self.lib.db
        with self.lib.write() as changes:
            passage = store.get(db, passage_id)
            store.delete(db, passage_id)
            article_store.bump(db, [passage.article_id])
            changes.articles.add(passage.article_id)
            changes.deleted_passages.add(passage_id)
            changes.tags = bool(passage.tags)
        return passage

    def restore(self, passage: Passage) -> Passage:
        """Re-create a deleted passage with its id, tags and note (used by undo)."""
        db = self.lib.db
        with self.lib.write() as changes:
            pid = store.insert_with_id(db, passage)
            if passage.tags:
                tag_store.set_passage_tags(db, pid, passage.tags)
                changes.tags = True
            if passage.note:
                note_store.set_passage_note(db, pid, passage.note)
            article_store.bump(db, [passage.article_id])
            changes.articles.add(passage.article_id)
            changes.passages.add(pid)
        return self.get(pid)


def _outside_the_body(article, quote: str) -> str | None:
    """Why a quote not found in the body text cannot be highlighted, if it is the headline's
    or the standfirst's words (shown above the body, never part of it)."""
    for where, text in (("headline", article.title), ("standfirst", article.dek)):
        if text and anchoring.occurs(text, quote):
            return (f"quote is in the article's {where}, not its body text; only the body can be "
                    f'highlighted: "{anchoring.preview(quote)}"')
    return None
