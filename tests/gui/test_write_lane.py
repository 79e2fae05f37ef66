"""The window never waits for a write: highlights, undo and redo run in the window's write
lane (one thread with its own Library), in the order they were asked for, while the UI
thread keeps turning. The writes here are made slow on purpose (the core's own methods,
wrapped to sleep first, on the lane's thread)."""
from __future__ import annotations

import time

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from gui_testkit import settle

SLOW = 0.6  # seconds each slowed write takes: far above any UI-thread turn allowed below
MAX_TURN = 0.1  # the longest the UI thread may go without turning


class TurnProbe:
    """A 10 ms timer: the longest gap between its ticks is the longest the UI thread went
    without turning its event loop."""

    def __init__(self):
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(self._tick)
        self.last = time.perf_counter()
        self.longest = 0.0
        self.ticks = 0
        self.timer.start()

    def _tick(self):
        now = time.perf_counter()
        self.longest = max(self.longest, now - self.last)
        self.last = now
        self.ticks += 1

    def stop(self) -> float:
        self.timer.stop()
        return self.longest


@pytest.fixture
def slow_writes(monkeypatch):
    """Adding and deleting a passage take SLOW seconds more, wherever they run."""
    from clipper.passages import Passages

    threads = []
    add, delete = Passages.add, Passages.delete

    def slow(fn):
        def run(self, *args, **kwargs):
            threads.append(QApplication.instance().thread().isCurrentThread())
            time.sleep(SLOW)
            return fn(self, *args, **kwargs)
        return run

    monkeypatch.setattr(Passages, "add", slow(add))
    monkeypatch.setattr(Passages, "delete", slow(delete))
    return threads  # per slowed call: was it made on the UI thread?


def edit_menu_action(w, prefix: str):
    menu = next(a.menu() for a in w.menuBar().actions() if a.text().replace("&", "") == "Edit")
    return next(a for a in menu.actions() if a.text().startswith(prefix))


def highlight_with_keys(qtbot, w, start: int, words: int) -> None:
    """Put the cursor at ``start``, Shift+Ctrl+Right over ``words`` words, T, then 1 (the
    first tag the palette shows)."""
    w.reader.setFocus()
    w.reader.select_span(start, start)
    for _ in range(words):
        qtbot.keyClick(w.reader, Qt.Key_Right, Qt.ControlModifier | Qt.ShiftModifier)
    qtbot.keyClick(w.reader, Qt.Key_T)
    assert w.tag_palette.isVisible() and QApplication.focusWidget() is w.tag_palette.edit
    qtbot.keyClick(w.tag_palette.edit, Qt.Key_1)
    assert not w.tag_palette.isVisible()


def test_a_slow_highlight_keeps_the_window_turning_and_undo_waits_for_it(qtbot, filled, make_window, slow_writes):
    lib, ids = filled
    w = make_window(lib)
    w.open_article(ids["orchard"])
    text = w.current_article.text
    probe = TurnProbe()

    t = time.perf_counter()
    highlight_with_keys(qtbot, w, text.index("tall fans"), 2)
    assert time.perf_counter() - t < SLOW  # the key did not wait for the write
    assert w.ops.busy() and w.passages.model.rowCount() == 0  # still being written
    # a second highlight while the first is being written queues behind it
    highlight_with_keys(qtbot, w, text.index("warmer air"), 2)
    # Ctrl+Z now, while both are in flight: it waits for them, then undoes the newest
    qtbot.keyClick(w.reader, Qt.Key_Z, Qt.ControlModifier)
    assert w.ops.busy() and w.ops.undo_stack.count() == 0

    qtbot.waitUntil(lambda: w.passages.model.rowCount() >= 1, timeout=10_000)  # the first shows once written
    settle(w)
    longest = probe.stop()
    assert probe.ticks > 3 * SLOW / 0.01 * 0.5  # the loop really turned all along (3 slow writes)
    assert longest < MAX_TURN, f"the UI thread stalled {longest * 1000:.0f} ms"
    assert slow_writes and not any(slow_writes)  # every write ran off the UI thread

    (kept,) = lib.passages.for_article(ids["orchard"])
    assert kept.quote == "tall fans"
    assert [p.id for p in w.reader.passages] == [kept.id] and w.passages.model.rowCount() == 1
    assert w.ops.undo_stack.count() == 2 and w.ops.undo_stack.index() == 1  # the second add, undone

    # Undo from the Edit menu names what it undoes and takes the first highlight away too
    undo = edit_menu_action(w, "Undo")
    assert undo.text() == "Undo Add passage" and undo.isEnabled()
    probe = TurnProbe()
    undo.trigger()
    assert lib.passages.for_article(ids["orchard"]) != [] and w.ops.busy()  # not done yet: the window goes on
    settle(w)
    assert probe.stop() < MAX_TURN
    assert lib.passages.for_article(ids["orchard"]) == [] and w.passages.model.rowCount() == 0
    assert w.reader.passages == []
    # …and Redo brings both back, in their order
    redo = edit_menu_action(w, "Redo")
    redo.trigger()
    redo.trigger()
    settle(w)
    assert [p.quote for p in lib.passages.for_article(ids["orchard"])] == ["tall fans", "warmer air"]
    assert w.passages.model.rowCount() == 2


def test_a_failed_write_is_reported_and_pushes_no_undo_step(qtbot, filled, make_window):
    lib, _ids = filled
    w = make_window(lib)
    errors = []
    w.ops.failed.connect(errors.append)
    before = w.ops.undo_stack.count()
    w.ops.delete_passage(999_999)  # no such passage
    settle(w)
    assert errors == ["no passage with id 999999"]
    assert w.ops.undo_stack.count() == before
    assert w.statusBar().currentMessage() == errors[0]
    assert w.last_error_box.text() == errors[0]  # the message box, as before the write lane


def test_closing_the_window_finishes_the_writes_asked_for(qtbot, filled, make_window, slow_writes):
    lib, ids = filled
    w = make_window(lib)
    w.open_article(ids["orchard"])
    text = w.current_article.text
    highlight_with_keys(qtbot, w, text.index("tall fans"), 2)
    assert w.ops.busy()
    w.close()  # at once, while the write is running
    assert [p.quote for p in lib.passages.for_article(ids["orchard"])] == ["tall fans"]


def test_worker_libraries_take_no_backup_when_they_open(tmp_path):
    """A search or sort worker opens its own Library: it must not start with a copy of
    the whole database (the window's Library takes the automatic backups)."""
    from clipper.gui.workers import open_worker_library
    from clipper.library import Library

    from clipper_testkit import MISSILE_ARTICLE
    from clipper.importers.plaintext import parse_text

    folder = tmp_path / "lib"
    with Library.open(folder, auto_backup=False) as lib:  # an empty library is never backed up
        lib.articles.add(parse_text(MISSILE_ARTICLE, source="m"))
    backups = lambda: sorted((folder / "backups").glob("library-*.db"))  # noqa: E731
    assert backups() == []
    open_worker_library(folder).close()
    assert backups() == []
    Library.open(folder).close()  # the window's way: a backup is due, and taken
    assert len(backups()) == 1
