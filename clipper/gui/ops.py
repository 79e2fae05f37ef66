"""Library operations from the GUI thread, with undo/redo and change signals.

Each user action goes through :class:`LibraryOps`: it performs the write through the core
API, pushes a QUndoCommand that can reverse it, and emits a signal naming exactly what
changed so each view refreshes only that (Anki's OpChanges, in miniature).

Undoable: adding, deleting and editing passages (tags, colour, note; a tag the passage
made is undone with it), adding, editing and deleting article notes, an article's tags,
renaming and recolouring tags, and deleting articles (they go to the Trash; undo restores
them). Merging and deleting tags ask for confirmation instead (they clear the undo history,
as the ids they touched are gone).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack

from clipper.errors import ClipperError
from clipper.gui.util import elide
from clipper.models import Passage

log = logging.getLogger(__name__)


@dataclass
class PassageState:
    tags: list[str]
    color: str
    note: str


class _Command(QUndoCommand):
    """A command whose first redo is skipped: the action already ran when it was pushed."""

    def __init__(self, ops: "LibraryOps", text: str):
        super().__init__(text)
        self.ops = ops
        self._first = True

    def redo(self):
        if self._first:
            self._first = False
            return
        self.ops._guard(self.do)

    def undo(self):
        self.ops._guard(self.undo_it)

    def do(self):  # pragma: no cover - overridden
        raise NotImplementedError

    def undo_it(self):  # pragma: no cover - overridden
        raise NotImplementedError


class AddPassageCommand(_Command):
    def __init__(self, ops, passage: Passage, new_tags=()):
        super().__init__(ops, "Add passage")
        self.passage = passage
        self.new_tags = list(new_tags)  # tags this passage created: undone with it

    def undo_it(self):
        lib = self.ops.lib
        with lib.write():  # one transaction: the passage and the tags it made
            self.passage = lib.passages.delete(self.passage.id)
            lib.tags.drop_unused(self.new_tags)
        self.ops._passages_touched(self.passage.article_id, bool(self.passage.tags))

    def do(self):
        self.passage = self.ops.lib.passages.restore(self.passage)
        self.ops._passages_touched(self.passage.article_id, bool(self.passage.tags))


class DeletePassageCommand(AddPassageCommand):
    def __init__(self, ops, passage: Passage):
        super().__init__(ops, passage)
        self.setText("Delete passage")

    def undo_it(self):
        AddPassageCommand.do(self)

    def do(self):
        AddPassageCommand.undo_it(self)


class UpdatePassageCommand(_Command):
    def __init__(self, ops, passage_id: int, article_id: int, before: PassageState, after: PassageState, text: str,
                 new_tags=()):
        super().__init__(ops, text)
        self.passage_id, self.article_id = passage_id, article_id
        self.before, self.after = before, after
        self.new_tags = list(new_tags)

    def _apply(self, state: PassageState, drop=()):
        lib = self.ops.lib
        with lib.write():
            lib.passages.update(self.passage_id, tags=state.tags, color=state.color, note=state.note)
            lib.tags.drop_unused(drop)
        self.ops._passages_touched(self.article_id, True)

    def do(self):
        self._apply(self.after)

    def undo_it(self):
        self._apply(self.before, self.new_tags)


class MovePassageCommand(_Command):
    def __init__(self, ops, passage_id: int, article_id: int, before: tuple[int, int], after: tuple[int, int]):
        super().__init__(ops, "Change passage span")
        self.passage_id, self.article_id, self.before, self.after = passage_id, article_id, before, after

    def do(self):
        self.ops.lib.passages.move(self.passage_id, *self.after)
        self.ops._passages_touched(self.article_id, False)

    def undo_it(self):
        self.ops.lib.passages.move(self.passage_id, *self.before)
        self.ops._passages_touched(self.article_id, False)


class ArticleTagsCommand(_Command):
    def __init__(self, ops, article_id: int, before: list[str], after: list[str], new_tags=()):
        super().__init__(ops, "Change article tags")
        self.article_id, self.before, self.after = article_id, list(before), list(after)
        self.new_tags = list(new_tags)

    def _apply(self, names, drop=()):
        lib = self.ops.lib
        with lib.write():
            lib.articles.edit(self.article_id, tags=names)
            lib.tags.drop_unused(drop)
        self.ops.articles_changed.emit({self.article_id})
        self.ops.tags_changed.emit()

    def do(self):
        self._apply(self.after)

    def undo_it(self):
        self._apply(self.before, self.new_tags)


class TrashArticleCommand(_Command):
    """An article moved to the Trash; undo brings it back (same id, passages, notes, tags)."""

    def __init__(self, ops, article_id: int, title: str):
        super().__init__(ops, f"Delete “{elide(title, 40)}”")
        self.article_id = article_id

    def do(self):
        self.ops.lib.articles.trash(self.article_id)
        self.ops.articles_deleted.emit([self.article_id])
        self.ops.tags_changed.emit()

    def undo_it(self):
        self.article_id = self.ops.lib.articles.restore_trashed(self.article_id)
        self.ops.articles_added.emit([self.article_id])
        self.ops.tags_changed.emit()


class RenameTagCommand(_Command):
    def __init__(self, ops, old: str, new: str):
        super().__init__(ops, f"Rename tag {old} → {new}")
        self.old, self.new = old, new

    def do(self):
        self.ops.lib.tags.rename(self.old, self.new)
        self.ops._tags_touched()

    def undo_it(self):
        self.ops.lib.tags.rename(self.new, self.old)
        self.ops._tags_touched()


class RecolorTagCommand(_Command):
    def __init__(self, ops, name: str, old: str, new: str):
        super().__init__(ops, f"Recolour tag {name}")
        self.name, self.old, self.new = name, old, new

    def do(self):
        self.ops.lib.tags.recolor(self.name, self.new)
        self.ops._tags_touched()

    def undo_it(self):
        self.ops.lib.tags.recolor(self.name, self.old)
        self.ops._tags_touched()


class ArticleNoteCommand(_Command):
    """An article's note added (``before`` None), edited, or deleted (``after`` None).
    Undoing an addition deletes the note; redoing it (or undoing a deletion) adds it anew
    with a new id, so the note is looked up (the article's first note, as
    :meth:`LibraryOps.set_article_note` edits) each time rather than kept by id."""

    def __init__(self, ops, article_id: int, before: str | None, after: str | None):
        text = "Add note" if before is None else "Delete note" if after is None else "Edit note"
        super().__init__(ops, text)
        self.article_id = article_id
        self.before, self.after = before, after

    def _set(self, text: str | None) -> None:
        notes = self.ops.lib.notes
        current = notes.for_article(self.article_id)
        if text is None:
            if current:
                notes.delete(current[0].id)
        elif current:
            notes.update(current[0].id, text)
        else:
            notes.add(self.article_id, text)
        self.ops.articles_changed.emit({self.article_id})

    def do(self):
        self._set(self.after)

    def undo_it(self):
        self._set(self.before)


class LibraryOps(QObject):
    passages_changed = Signal(int)  # article id whose passages changed
    articles_changed = Signal(object)  # set of article ids whose row/metadata/notes changed
    articles_added = Signal(object)  # list of new article ids
    articles_deleted = Signal(object)  # list of deleted article ids
    tags_changed = Signal()
    failed = Signal(str)  # a user-facing error message

    def __init__(self, lib, parent: QObject | None = None):
        super().__init__(parent)
        self.lib = lib
        self.undo_stack = QUndoStack(self)

    # ---- plumbing ----------------------------------------------------------------------------
    def _guard(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ClipperError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # never let a core bug take the window down
            log.exception("operation failed")
            self.failed.emit(f"unexpected error: {exc}")
        return None

    def _passages_touched(self, article_id: int, tags: bool) -> None:
        self.passages_changed.emit(article_id)
        self.articles_changed.emit({article_id})
        if tags:
            self.tags_changed.emit()

    def _new_tags(self, names) -> list[str]:
        return [n for n in names if self.lib.tags.find(n) is None]

    def _tags_touched(self) -> None:
        self.tags_changed.emit()
        self.articles_changed.emit(None)  # passages of any article may show the tag

    # ---- passages ----------------------------------------------------------------------------
    def add_passage(self, article_id: int, start: int, end: int, tags: list[str] = (), note: str = "") -> Passage | None:
        def run():
            names = list(tags)
            new = self._new_tags(names)
            p = self.lib.passages.add(article_id, start=start, end=end, tags=names, note=note)  # makes new tags
            self.undo_stack.push(AddPassageCommand(self, p, new))
            self._passages_touched(article_id, bool(names))
            return p
        return self._guard(run)

    def delete_passage(self, passage_id: int) -> bool:
        def run():
            p = self.lib.passages.delete(passage_id)
            self.undo_stack.push(DeletePassageCommand(self, p))
            self._passages_touched(p.article_id, bool(p.tags))
            return True
        return bool(self._guard(run))

    def update_passage(self, passage_id: int, *, tags: list[str] | None = None, color: str | None = None,
                       note: str | None = None) -> Passage | None:
        def run():
            p = self.lib.passages.get(passage_id)
            before = PassageState(list(p.tags), p.color, p.note)
            after = PassageState(list(p.tags) if tags is None else list(tags), color or p.color,
                                 p.note if note is None else note)
            if after == before:
                return p
            made = self._new_tags(after.tags)
            new = self.lib.passages.update(passage_id, tags=after.tags, color=after.color, note=after.note)
            what = ("Edit note" if after.note != before.note and after.tags == before.tags and after.color == before.color
                    else "Change tags" if after.tags != before.tags and after.color == before.color
                    else "Edit passage")
            self.undo_stack.push(UpdatePassageCommand(self, passage_id, p.article_id, before, after, what, made))
            self._passages_touched(p.article_id, after.tags != before.tags)
            return new
        return self._guard(run)

    def move_passage(self, passage_id: int, start: int, end: int) -> Passage | None:
        """Widen or narrow a passage (its quote is re-read). Undoable."""
        def run():
            p = self.lib.passages.get(passage_id)
            new = self.lib.passages.move(passage_id, start, end)
            self.undo_stack.push(MovePassageCommand(self, passage_id, p.article_id, (p.start, p.end),
                                                    (new.start, new.end)))
            self._passages_touched(p.article_id, False)
            return new
        return self._guard(run)

    def tag_passage(self, passage_id: int, name: str, *, toggle: bool = False) -> Passage | None:
        """Add the tag ``name`` to a passage (``toggle``: remove it when the passage has it)."""
        p = self._guard(self.lib.passages.get, passage_id)
        if p is None:
            return None
        if any(t.casefold() == name.casefold() for t in p.tags):
            if not toggle:
                return p
            return self.update_passage(passage_id, tags=[t for t in p.tags if t.casefold() != name.casefold()])
        return self.update_passage(passage_id, tags=[*p.tags, name])

    def toggle_article_tag(self, article_id: int, name: str) -> bool:
        """Add the tag to the article, or remove it when the article has it. Undoable."""
        def run():
            before = list(self.lib.articles.get(article_id).tags)
            has = any(t.casefold() == name.casefold() for t in before)
            after = [t for t in before if t.casefold() != name.casefold()] if has else [*before, name]
            made = self._new_tags(after)
            self.lib.articles.edit(article_id, tags=after)
            self.undo_stack.push(ArticleTagsCommand(self, article_id, before, after, made))
            self.articles_changed.emit({article_id})
            self.tags_changed.emit()
            return True
        return bool(self._guard(run))

    def pin_tag(self, name: str, slot: int | None) -> bool:
        def run():
            self.lib.tags.pin(name, slot)
            self.tags_changed.emit()
            return True
        return bool(self._guard(run))

    # ---- tags ----------------------------------------------------------------------------------
    def create_tag(self, name: str, color: str | None = None):
        tag = self._guard(self.lib.tags.create, name, color)
        if tag is not None:
            self.tags_changed.emit()
        return tag

    def rename_tag(self, old: str, new: str) -> bool:
        def run():
            tag = self.lib.tags.rename(old, new)
            self.undo_stack.push(RenameTagCommand(self, old, tag.name))
            self._tags_touched()
            return True
        return bool(self._guard(run))

    def recolor_tag(self, name: str, color: str) -> bool:
        def run():
            old = self.lib.tags.get(name).color
            self.lib.tags.recolor(name, color)
            self.undo_stack.push(RecolorTagCommand(self, name, old, color))
            self._tags_touched()
            return True
        return bool(self._guard(run))

    def merge_tags(self, src: str, dst: str) -> bool:
        def run():
            self.lib.tags.merge(src, dst)
            self.undo_stack.clear()
            self._tags_touched()
            return True
        return bool(self._guard(run))

    def delete_tag(self, name: str) -> bool:
        def run():
            self.lib.tags.delete(name)
            self.undo_stack.clear()
            self._tags_touched()
            return True
        return bool(self._guard(run))

    # ---- articles -------------------------------------------------------------------------------
    def edit_article(self, article_id: int, **fields) -> bool:
        def run():
            self.lib.articles.edit(article_id, **fields)
            self.articles_changed.emit({article_id})
            self.passages_changed.emit(article_id)
            return True
        return bool(self._guard(run))

    def set_article_note(self, article_id: int, text: str) -> bool:
        """The article's (first) note: created, replaced, or deleted when ``text`` is blank.
        Undoable (Ctrl+Z)."""
        def run():
            notes = self.lib.notes.for_article(article_id)
            note = notes[0] if notes else None
            before = note.text if note is not None else None
            if text.strip():
                after = text
                if after == before:
                    return True
                if note is None:
                    self.lib.notes.add(article_id, text)
                else:
                    self.lib.notes.update(note.id, text)
            else:
                after = None
                if note is None:
                    return True
                self.lib.notes.delete(note.id)
            self.undo_stack.push(ArticleNoteCommand(self, article_id, before, after))
            self.articles_changed.emit({article_id})
            return True
        return bool(self._guard(run))

    def delete_article(self, article_id: int) -> bool:
        """Move an article to the Trash (undo restores it)."""
        def run():
            entry = self.lib.articles.trash(article_id)
            self.undo_stack.push(TrashArticleCommand(self, article_id, entry["title"]))
            self.articles_deleted.emit([article_id])
            self.tags_changed.emit()
            return True
        return bool(self._guard(run))

    def restore_article(self, article_id: int) -> int | None:
        """Bring an article back from the Trash; returns its id."""
        def run():
            new_id = self.lib.articles.restore_trashed(article_id)
            self.articles_added.emit([new_id])
            self.tags_changed.emit()
            return new_id
        return self._guard(run)

    def empty_trash(self, article_id: int | None = None) -> int:
        def run():
            n = self.lib.articles.empty_trash(article_id=article_id)
            self.articles_deleted.emit([])
            return n
        return self._guard(run) or 0
