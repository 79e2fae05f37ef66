"""Library operations from the GUI, with undo/redo and change signals, off the UI thread.

Each user action goes through :class:`LibraryOps`: its write runs in the window's write
lane (:class:`~clipper.gui.workers.WriteLane`: one thread with its own Library, ops run one
after another in the order they were asked for), and the UI thread never waits for it —
Anki's CollectionOp. The op's body records what it changed (an :class:`OpContext`); when
it is over, the UI thread pushes its QUndoCommand and emits the signals naming exactly what
changed, so each view refreshes only that (Anki's OpChanges, in miniature). Undo and redo
run through the same lane; an undo asked for while ops are still running waits for them,
so it undoes the newest action, never an older one.

Each method returns the :class:`~clipper.gui.workers.PendingOp` (its ``result`` is set
once ``finished``), and takes ``done``: called on the UI thread with the result when the
op succeeded. A failure is emitted as ``failed(message)`` (the window shows it).

Undoable: adding, deleting and editing passages (tags, colour, note; a tag the passage
made is undone with it), adding, editing and deleting article notes, an article's tags,
renaming and recolouring tags, and deleting articles (they go to the Trash; undo restores
them). Merging and deleting tags ask for confirmation instead (they clear the undo history,
as the ids they touched are gone).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QUndoCommand, QUndoStack

from clipper.errors import ClipperError
from clipper.gui.util import elide
from clipper.gui.workers import INDEX_LANE_DELAY, PendingOp, WriteLane
from clipper.models import Passage

log = logging.getLogger(__name__)


@dataclass
class PassageState:
    tags: list[str]
    color: str
    note: str


class OpContext:
    """What an op's body gets on the write thread: the lane's Library, and a record of what
    it changed — signals to emit, an undo command to push — applied on the UI thread."""

    def __init__(self, lib):
        self.lib = lib
        self.signals: list[tuple[str, tuple]] = []
        self.command: QUndoCommand | None = None
        self.clear_undo = False

    def changed(self, signal: str, *args) -> None:
        self.signals.append((signal, args))

    def push(self, command: QUndoCommand) -> None:
        self.command = command

    def passages_touched(self, article_id: int, tags: bool) -> None:
        self.changed("passages_changed", article_id)
        self.changed("articles_changed", {article_id})
        if tags:
            self.changed("tags_changed")

    def tags_touched(self) -> None:
        self.changed("tags_changed")
        self.changed("articles_changed", None)  # passages of any article may show the tag

    def new_tags(self, names) -> list[str]:
        return [n for n in names if self.lib.tags.find(n) is None]


class _Command(QUndoCommand):
    """A command whose first redo is skipped: the action already ran when it was pushed.
    ``do(ctx)`` and ``undo_it(ctx)`` run in the write lane (the command's own state is
    only touched there, in order)."""

    def __init__(self, ops: "LibraryOps", text: str):
        super().__init__(text)
        self.ops = ops
        self._first = True

    def redo(self):
        if self._first:
            self._first = False
            return
        self.ops._submit(self.do)

    def undo(self):
        self.ops._submit(self.undo_it)

    def do(self, ctx: OpContext):  # pragma: no cover - overridden
        raise NotImplementedError

    def undo_it(self, ctx: OpContext):  # pragma: no cover - overridden
        raise NotImplementedError


class AddPassageCommand(_Command):
    def __init__(self, ops, passage: Passage, new_tags=()):
        super().__init__(ops, "Add passage")
        self.passage = passage
        self.new_tags = list(new_tags)  # tags this passage created: undone with it

    def undo_it(self, ctx):
        lib = ctx.lib
        with lib.write():  # one transaction: the passage and the tags it made
            self.passage = lib.passages.delete(self.passage.id)
            lib.tags.drop_unused(self.new_tags)
        ctx.passages_touched(self.passage.article_id, bool(self.passage.tags))

    def do(self, ctx):
        self.passage = ctx.lib.passages.restore(self.passage)
        ctx.passages_touched(self.passage.article_id, bool(self.passage.tags))


class DeletePassageCommand(AddPassageCommand):
    def __init__(self, ops, passage: Passage):
        super().__init__(ops, passage)
        self.setText("Delete passage")

    def undo_it(self, ctx):
        AddPassageCommand.do(self, ctx)

    def do(self, ctx):
        AddPassageCommand.undo_it(self, ctx)


class UpdatePassageCommand(_Command):
    def __init__(self, ops, passage_id: int, article_id: int, before: PassageState, after: PassageState, text: str,
                 new_tags=()):
        super().__init__(ops, text)
        self.passage_id, self.article_id = passage_id, article_id
        self.before, self.after = before, after
        self.new_tags = list(new_tags)

    def _apply(self, ctx, state: PassageState, drop=()):
        lib = ctx.lib
        with lib.write():
            lib.passages.update(self.passage_id, tags=state.tags, color=state.color, note=state.note)
            lib.tags.drop_unused(drop)
        ctx.passages_touched(self.article_id, True)

    def do(self, ctx):
        self._apply(ctx, self.after)

    def undo_it(self, ctx):
        self._apply(ctx, self.before, self.new_tags)


class MovePassageCommand(_Command):
    def __init__(self, ops, passage_id: int, article_id: int, before: tuple[int, int], after: tuple[int, int]):
        super().__init__(ops, "Change passage span")
        self.passage_id, self.article_id, self.before, self.after = passage_id, article_id, before, after

    def do(self, ctx):
        ctx.lib.passages.move(self.passage_id, *self.after)
        ctx.passages_touched(self.article_id, False)

    def undo_it(self, ctx):
        ctx.lib.passages.move(self.passage_id, *self.before)
        ctx.passages_touched(self.article_id, False)


class ArticleTagsCommand(_Command):
    def __init__(self, ops, article_id: int, before: list[str], after: list[str], new_tags=()):
        super().__init__(ops, "Change article tags")
        self.article_id, self.before, self.after = article_id, list(before), list(after)
        self.new_tags = list(new_tags)

    def _apply(self, ctx, names, drop=()):
        lib = ctx.lib
        with lib.write():
            lib.articles.edit(self.article_id, tags=names)
            lib.tags.drop_unused(drop)
        ctx.changed("articles_changed", {self.article_id})
        ctx.changed("tags_changed")

    def do(self, ctx):
        self._apply(ctx, self.after)

    def undo_it(self, ctx):
        self._apply(ctx, self.before, self.new_tags)


class TrashArticleCommand(_Command):
    """An article moved to the Trash; undo brings it back (same id, passages, notes, tags)."""

    def __init__(self, ops, article_id: int, title: str):
        super().__init__(ops, f"Delete “{elide(title, 40)}”")
        self.article_id = article_id

    def do(self, ctx):
        ctx.lib.articles.trash(self.article_id)
        ctx.changed("articles_deleted", [self.article_id])
        ctx.changed("tags_changed")

    def undo_it(self, ctx):
        self.article_id = ctx.lib.articles.restore_trashed(self.article_id)
        ctx.changed("articles_added", [self.article_id])
        ctx.changed("tags_changed")


class RenameTagCommand(_Command):
    def __init__(self, ops, old: str, new: str):
        super().__init__(ops, f"Rename tag {old} → {new}")
        self.old, self.new = old, new

    def do(self, ctx):
        ctx.lib.tags.rename(self.old, self.new)
        ctx.tags_touched()

    def undo_it(self, ctx):
        ctx.lib.tags.rename(self.new, self.old)
        ctx.tags_touched()


class RecolorTagCommand(_Command):
    def __init__(self, ops, name: str, old: str, new: str):
        super().__init__(ops, f"Recolour tag {name}")
        self.name, self.old, self.new = name, old, new

    def do(self, ctx):
        ctx.lib.tags.recolor(self.name, self.new)
        ctx.tags_touched()

    def undo_it(self, ctx):
        ctx.lib.tags.recolor(self.name, self.old)
        ctx.tags_touched()


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

    def _set(self, ctx, text: str | None) -> None:
        notes = ctx.lib.notes
        current = notes.for_article(self.article_id)
        if text is None:
            if current:
                notes.delete(current[0].id)
        elif current:
            notes.update(current[0].id, text)
        else:
            notes.add(self.article_id, text)
        ctx.changed("articles_changed", {self.article_id})

    def do(self, ctx):
        self._set(ctx, self.after)

    def undo_it(self, ctx):
        self._set(ctx, self.before)


Done = Callable[[Any], None] | None


class LibraryOps(QObject):
    passages_changed = Signal(int)  # article id whose passages changed
    articles_changed = Signal(object)  # set of article ids whose row/metadata/notes changed
    articles_added = Signal(object)  # list of new article ids
    articles_deleted = Signal(object)  # list of deleted article ids
    tags_changed = Signal()
    failed = Signal(str)  # a user-facing error message
    op_finished = Signal(object)  # the PendingOp, after its command was pushed and its signals emitted

    def __init__(self, lib, parent: QObject | None = None):
        super().__init__(parent)
        self.lib = lib  # the window's Library: reads on the UI thread
        lib.index_lane_delay = INDEX_LANE_DELAY  # its index lane (if any) lets the window redraw first too
        self.undo_stack = QUndoStack(self)
        self.lane = WriteLane(lib.folder, self)
        self._deferred: list[str] = []  # "undo"/"redo" asked for while ops were running
        self._actions: list[tuple[QAction, str]] = []
        for changed in (self.undo_stack.indexChanged, self.undo_stack.canUndoChanged, self.undo_stack.canRedoChanged,
                        self.undo_stack.undoTextChanged, self.undo_stack.redoTextChanged):
            changed.connect(self._update_actions)
        self.lane.busy_changed.connect(self._update_actions)

    # ---- plumbing ----------------------------------------------------------------------------
    def _guard(self, fn, *args, **kwargs):
        """Run ``fn`` here (on the UI thread), turning an error into ``failed``."""
        try:
            return fn(*args, **kwargs)
        except ClipperError as exc:
            self.failed.emit(str(exc))
        except Exception as exc:  # never let a core bug take the window down
            log.exception("operation failed")
            self.failed.emit(f"unexpected error: {exc}")
        return None

    def _submit(self, body: Callable[[OpContext], Any], done: Done = None) -> PendingOp:
        """Run ``body(ctx)`` in the write lane; on the UI thread afterwards push its command,
        emit the signals it recorded, then call ``done(result)`` (only on success, and only
        when the result is not None)."""
        def run(lib):
            ctx = OpContext(lib)
            ctx.result = body(ctx)
            return ctx

        return self.lane.submit(run, lambda op: self._finish(op, done))

    def _finish(self, op: PendingOp, done: Done) -> None:
        ctx: OpContext | None = op.result
        op.result = None if ctx is None else ctx.result
        if op.error is not None:
            self.failed.emit(op.error)
        else:
            if ctx.command is not None:
                self.undo_stack.push(ctx.command)
            if ctx.clear_undo:
                self.undo_stack.clear()
            for name, args in ctx.signals:
                getattr(self, name).emit(*args)
            if done is not None and op.result is not None:
                try:
                    done(op.result)
                except Exception:  # noqa: BLE001 - a view's follow-up must not stop the lane's bookkeeping
                    log.exception("after an operation")
        self.op_finished.emit(op)
        self._run_deferred()

    @property
    def last_seq(self) -> int:
        """The change-log sequence of the lane's last write (searches wait for it)."""
        return self.lane.last_seq

    def busy(self) -> bool:
        return not self.lane.idle()

    def wait(self, timeout: float = 30.0) -> bool:
        """Run the event loop until every op asked for (and any undo/redo waiting for them)
        has finished."""
        import time

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.lane.wait_idle(max(0.0, deadline - time.monotonic())):
                return False
            if not self._deferred:
                return True
            self._run_deferred()
        return False

    def shutdown(self) -> None:
        """Closing the window: the writes asked for are completed (and the lane's index
        work drained, bounded), then the lane stops."""
        self.lane.stop()

    # ---- undo / redo through the lane ---------------------------------------------------------
    def undo(self) -> None:
        self._undo_redo("undo")

    def redo(self) -> None:
        self._undo_redo("redo")

    def _undo_redo(self, which: str) -> None:
        if self.lane.stopped:
            return
        if self.busy() or self._deferred:
            self._deferred.append(which)  # after the running ops have pushed their commands
            return
        (self.undo_stack.undo if which == "undo" else self.undo_stack.redo)()

    def _run_deferred(self) -> None:
        while self._deferred and not self.busy():
            which = self._deferred.pop(0)
            (self.undo_stack.undo if which == "undo" else self.undo_stack.redo)()

    def make_action(self, which: str, parent: QObject) -> QAction:
        """An Undo or Redo action (text "Undo Add passage"…) that goes through the lane and
        stays enabled while ops run (it then acts once they are over)."""
        action = QAction("Undo" if which == "undo" else "Redo", parent)
        action.triggered.connect(self.undo if which == "undo" else self.redo)
        self._actions.append((action, which))
        self._update_actions()
        return action

    def _update_actions(self, *_args) -> None:
        stack = self.undo_stack
        for action, which in self._actions:
            if which == "undo":
                text, can = stack.undoText(), stack.canUndo()
            else:
                text, can = stack.redoText(), stack.canRedo()
            prefix = "Undo" if which == "undo" else "Redo"
            action.setText(f"{prefix} {text}" if text else prefix)
            action.setEnabled(can or self.busy())

    # ---- passages ----------------------------------------------------------------------------
    def add_passage(self, article_id: int, start: int, end: int, tags: list[str] = (), note: str = "",
                    done: Done = None) -> PendingOp:
        names = list(tags)
        return self._submit(lambda ctx: self._add_passage(ctx, article_id, start, end, names, note), done)

    def _add_passage(self, ctx, article_id, start, end, names, note) -> Passage:
        new = ctx.new_tags(names)
        p = ctx.lib.passages.add(article_id, start=start, end=end, tags=names, note=note)  # makes new tags
        ctx.push(AddPassageCommand(self, p, new))
        ctx.passages_touched(article_id, bool(names))
        return p

    def highlight(self, article_id: int, start: int, end: int, name: str, done: Done = None) -> PendingOp:
        """The tag palette on a selection: tag the passage with exactly that span when there
        is one (also one made by an op still running), else make a new passage."""
        def body(ctx):
            same = next((p for p in ctx.lib.passages.for_article(article_id)
                         if p.start == start and p.end == end and p.status == "anchored"), None)
            if same is not None:
                return self._tag_passage(ctx, same.id, name, toggle=False)
            return self._add_passage(ctx, article_id, start, end, [name], "")
        return self._submit(body, done)

    def delete_passage(self, passage_id: int, done: Done = None) -> PendingOp:
        def body(ctx):
            p = ctx.lib.passages.delete(passage_id)
            ctx.push(DeletePassageCommand(self, p))
            ctx.passages_touched(p.article_id, bool(p.tags))
            return True
        return self._submit(body, done)

    def update_passage(self, passage_id: int, *, tags: list[str] | None = None, color: str | None = None,
                       note: str | None = None, done: Done = None) -> PendingOp:
        tags = None if tags is None else list(tags)
        return self._submit(lambda ctx: self._update_passage(ctx, passage_id, tags, color, note), done)

    def _update_passage(self, ctx, passage_id, tags, color, note) -> Passage:
        lib = ctx.lib
        p = lib.passages.get(passage_id)
        before = PassageState(list(p.tags), p.color, p.note)
        after = PassageState(list(p.tags) if tags is None else list(tags), color or p.color,
                             p.note if note is None else note)
        if after == before:
            return p
        made = ctx.new_tags(after.tags)
        new = lib.passages.update(passage_id, tags=after.tags, color=after.color, note=after.note)
        what = ("Edit note" if after.note != before.note and after.tags == before.tags and after.color == before.color
                else "Change tags" if after.tags != before.tags and after.color == before.color
                else "Edit passage")
        ctx.push(UpdatePassageCommand(self, passage_id, p.article_id, before, after, what, made))
        ctx.passages_touched(p.article_id, after.tags != before.tags)
        return new

    def move_passage(self, passage_id: int, start: int, end: int, done: Done = None) -> PendingOp:
        """Widen or narrow a passage (its quote is re-read). Undoable."""
        def body(ctx):
            p = ctx.lib.passages.get(passage_id)
            new = ctx.lib.passages.move(passage_id, start, end)
            ctx.push(MovePassageCommand(self, passage_id, p.article_id, (p.start, p.end), (new.start, new.end)))
            ctx.passages_touched(p.article_id, False)
            return new
        return self._submit(body, done)

    def tag_passage(self, passage_id: int, name: str, *, toggle: bool = False, done: Done = None) -> PendingOp:
        """Add the tag ``name`` to a passage (``toggle``: remove it when the passage has it)."""
        return self._submit(lambda ctx: self._tag_passage(ctx, passage_id, name, toggle), done)

    def _tag_passage(self, ctx, passage_id, name, toggle) -> Passage:
        p = ctx.lib.passages.get(passage_id)
        if any(t.casefold() == name.casefold() for t in p.tags):
            if not toggle:
                return p
            return self._update_passage(ctx, passage_id, [t for t in p.tags if t.casefold() != name.casefold()],
                                        None, None)
        return self._update_passage(ctx, passage_id, [*p.tags, name], None, None)

    def toggle_article_tag(self, article_id: int, name: str, done: Done = None) -> PendingOp:
        """Add the tag to the article, or remove it when the article has it. Undoable.
        ``done`` gets the article's tags after the change."""
        def body(ctx):
            lib = ctx.lib
            before = list(lib.articles.get(article_id).tags)
            has = any(t.casefold() == name.casefold() for t in before)
            after = [t for t in before if t.casefold() != name.casefold()] if has else [*before, name]
            made = ctx.new_tags(after)
            lib.articles.edit(article_id, tags=after)
            ctx.push(ArticleTagsCommand(self, article_id, before, after, made))
            ctx.changed("articles_changed", {article_id})
            ctx.changed("tags_changed")
            return list(lib.articles.get(article_id).tags)
        return self._submit(body, done)

    def pin_tag(self, name: str, slot: int | None, done: Done = None) -> PendingOp:
        def body(ctx):
            ctx.lib.tags.pin(name, slot)
            ctx.changed("tags_changed")
            return True
        return self._submit(body, done)

    # ---- tags ----------------------------------------------------------------------------------
    def create_tag(self, name: str, color: str | None = None, done: Done = None) -> PendingOp:
        def body(ctx):
            tag = ctx.lib.tags.create(name, color)
            ctx.changed("tags_changed")
            return tag
        return self._submit(body, done)

    def rename_tag(self, old: str, new: str, done: Done = None) -> PendingOp:
        """``done`` gets the tag's new name (as stored)."""
        def body(ctx):
            tag = ctx.lib.tags.rename(old, new)
            ctx.push(RenameTagCommand(self, old, tag.name))
            ctx.tags_touched()
            return tag.name
        return self._submit(body, done)

    def recolor_tag(self, name: str, color: str, done: Done = None) -> PendingOp:
        def body(ctx):
            old = ctx.lib.tags.get(name).color
            ctx.lib.tags.recolor(name, color)
            ctx.push(RecolorTagCommand(self, name, old, color))
            ctx.tags_touched()
            return True
        return self._submit(body, done)

    def merge_tags(self, src: str, dst: str, done: Done = None) -> PendingOp:
        def body(ctx):
            ctx.lib.tags.merge(src, dst)
            ctx.clear_undo = True
            ctx.tags_touched()
            return True
        return self._submit(body, done)

    def delete_tag(self, name: str, done: Done = None) -> PendingOp:
        def body(ctx):
            ctx.lib.tags.delete(name)
            ctx.clear_undo = True
            ctx.tags_touched()
            return True
        return self._submit(body, done)

    # ---- articles -------------------------------------------------------------------------------
    def edit_article(self, article_id: int, done: Done = None, **fields) -> PendingOp:
        def body(ctx):
            ctx.lib.articles.edit(article_id, **fields)
            ctx.changed("articles_changed", {article_id})
            ctx.changed("passages_changed", article_id)
            return True
        return self._submit(body, done)

    def set_article_note(self, article_id: int, text: str, done: Done = None) -> PendingOp:
        """The article's (first) note: created, replaced, or deleted when ``text`` is blank.
        Undoable (Ctrl+Z)."""
        def body(ctx):
            lib = ctx.lib
            notes = lib.notes.for_article(article_id)
            note = notes[0] if notes else None
            before = note.text if note is not None else None
            if text.strip():
                after = text
                if after == before:
                    return True
                if note is None:
                    lib.notes.add(article_id, text)
                else:
                    lib.notes.update(note.id, text)
            else:
                after = None
                if note is None:
                    return True
                lib.notes.delete(note.id)
            ctx.push(ArticleNoteCommand(self, article_id, before, after))
            ctx.changed("articles_changed", {article_id})
            return True
        return self._submit(body, done)

    def delete_article(self, article_id: int, done: Done = None) -> PendingOp:
        """Move an article to the Trash (undo restores it)."""
        def body(ctx):
            entry = ctx.lib.articles.trash(article_id)
            ctx.push(TrashArticleCommand(self, article_id, entry["title"]))
            ctx.changed("articles_deleted", [article_id])
            ctx.changed("tags_changed")
            return True
        return self._submit(body, done)

    def restore_article(self, article_id: int, done: Done = None) -> PendingOp:
        """Bring an article back from the Trash; ``done`` gets its id."""
        def body(ctx):
            new_id = ctx.lib.articles.restore_trashed(article_id)
            ctx.changed("articles_added", [new_id])
            ctx.changed("tags_changed")
            return new_id
        return self._submit(body, done)

    def empty_trash(self, article_id: int | None = None, done: Done = None) -> PendingOp:
        """Delete for good (one article of the Trash, or all); ``done`` gets the count."""
        def body(ctx):
            n = ctx.lib.articles.empty_trash(article_id=article_id)
            ctx.changed("articles_deleted", [])
            return n
        return self._submit(body, done)
