"""The app used as a person uses it: every menu action triggered, every shortcut in Help
pressed, and whole journeys driven only by key presses and mouse clicks (QTest)."""
from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QDialog, QMessageBox

from clipper.gui.help import PANE_KEYS, shortcut_rows
from clipper.gui.sample import fill_sample
from clipper.gui.workers import JobThread
from gui_testkit import press, settle, type_text




class ModalCloser:
    """Closes (or hands to ``handler``) every modal dialog and popup menu that opens, as a
    person pressing Esc would; ``seen`` keeps their titles and texts."""

    def __init__(self, handler=None):
        self.handler = handler
        self.seen: list[tuple[str, str]] = []
        self.timer = QTimer()
        self.timer.setInterval(30)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self):
        w = QApplication.activeModalWidget() or QApplication.activePopupWidget()
        if w is None:
            return
        text = w.text() if isinstance(w, QMessageBox) else ""
        self.seen.append((w.windowTitle(), text))
        if self.handler is not None and self.handler(w):
            return
        if isinstance(w, QDialog):
            w.reject()
        else:
            w.close()

    def stop(self):
        self.timer.stop()


@pytest.fixture
def sample(lib):
    ids = fill_sample(lib)
    return lib, ids


def _wait_jobs(qtbot, w):
    qtbot.waitUntil(lambda: not any(t.isRunning() for t in w.findChildren(JobThread)), timeout=60_000)


# ---------------------------------------------------------------- every action, every shortcut

def test_every_action_triggers_without_an_error(qtbot, sample, make_window):
    lib, _ids = sample
    w = make_window(lib)
    errors = []
    w.ops.failed.connect(errors.append)
    closer = ModalCloser()
    try:
        actions = [a for a in w.findChildren(QAction) if a.text() and not a.isSeparator()]
        quit_ = [a for a in actions if a.text() == "Quit"]
        assert len(actions) > 30
        for action in [a for a in actions if a not in quit_]:
            if not action.isEnabled():
                continue
            action.trigger()
            QApplication.processEvents()
            for d in list(w.library_actions.dialogs):  # non-modal dialogs (export, tags, help…)
                if not getattr(d, "running", False):
                    d.close()  # (a dialog still running its job is cancelled when the window closes)
            w.tag_palette.hide()
        _wait_jobs(qtbot, w)
        assert errors == []
        quit_[0].trigger()
        assert not w.isVisible()
    finally:
        closer.stop()


ACTION_SHORTCUTS = [
    "Ctrl+I", "Ctrl+Shift+I", "Ctrl+Shift+V", "Ctrl+E", "Ctrl+Q", "Ctrl+Z", "Ctrl+Shift+Z", "Ctrl+Y", "Ctrl+K",
    "Ctrl+F", "Ctrl+T", "Ctrl+Return", "Ctrl+Shift+R", "Ctrl+Shift+E", "F2", "Ctrl+Shift+N", "Ctrl+Shift+A", "Ctrl+Del", "Ctrl+=", "Ctrl++",
    "Ctrl+-", "Ctrl+0", "Ctrl+1", "Ctrl+2", "Ctrl+3", "Ctrl+Shift+P", "Ctrl+Shift+Del", "Ctrl+Shift+T", "F1",
    "Ctrl+Shift+D", "Ctrl+Alt+Left", "Ctrl+Alt+Right",  # versions (clipper/gui/versions_view.py)
    "Ctrl+,",  # Preferences (the browser connector)
    "Ctrl+Shift+C",  # Copy citation (clipper/export/citations.py)
    "Ctrl+Shift+W",  # Watch for changes (clipper/gui/watch.py)
]
VERSION_KEYS = ("Ctrl+Shift+D", "Ctrl+Alt+Left", "Ctrl+Alt+Right")


def test_help_lists_exactly_the_shortcuts_tested(qtbot, filled, make_window):
    lib, _ids = filled
    w = make_window(lib)
    listed = set()
    for keys, _where, _what in shortcut_rows(w):
        if (keys, _where, _what) in PANE_KEYS:
            continue
        listed.update(k.strip() for k in keys.split(", "))
    assert listed == {QKeySequence(k).toString() for k in ACTION_SHORTCUTS}
    closer = ModalCloser()
    try:
        w.act_shortcuts.trigger()
        dialog = w.library_actions.dialogs[-1]
        assert dialog.table.rowCount() == len(shortcut_rows(w))
        dialog.close()
        w.act_query_help.trigger()
        assert "published:" in w.library_actions.dialogs[-1].text.toPlainText()
    finally:
        closer.stop()


@pytest.mark.parametrize("keys", ACTION_SHORTCUTS)
def test_each_listed_shortcut_fires_its_action(qtbot, filled, make_window, keys):
    lib, ids = filled
    w = make_window(lib)
    # a passage current, a selection in the reader, an undo step: every action has something to act on
    w.ops.update_passage(lib.passages.for_article(ids["ferry"])[0].id, note="a note")
    w.open_article(ids["ferry"])
    w.passages.select(lib.passages.for_article(ids["ferry"])[0].id)
    if keys in ("Ctrl+Shift+Z", "Ctrl+Y"):
        w.act_undo.trigger()  # something to redo
    if keys in VERSION_KEYS:  # a second version of the article, so the version actions apply
        text = lib.articles.get(ids["ferry"]).text
        lib.articles.edit(ids["ferry"], text=text.replace("two years", "three years"))
        w.open_article(ids["ferry"])
        if keys == "Ctrl+Alt+Right":
            w.versions.act_prev.trigger()  # an older version shown: "next" applies
    w.reader.setFocus()
    seq = QKeySequence(keys)
    targets = [a for a in w.findChildren(QAction) if any(k == seq for k in a.shortcuts())]
    assert len(targets) == 1, keys
    fired = []
    targets[0].triggered.connect(lambda *_: fired.append(keys))
    closer = ModalCloser()
    try:
        QTest.keySequence(w, seq)
        qtbot.waitUntil(lambda: fired == [keys], timeout=5000)
        for d in list(w.library_actions.dialogs):
            d.close()
        w.tag_palette.hide()
        _wait_jobs(qtbot, w)
    finally:
        closer.stop()


# ---------------------------------------------------------------- pane keys

def test_palette_enter_takes_the_highlighted_match_and_shift_enter_creates(qtbot, filled, make_window):
    lib, ids = filled
    lib.tags.create("quotes")
    w = make_window(lib)
    w.open_article(ids["orchard"])
    text = w.current_article.text
    w.reader.setFocus()
    w.reader.select_span(text.index("tall fans"), text.index("tall fans") + 9)
    press(qtbot, Qt.Key_T)
    type_text(qtbot, "Quot")
    assert w.tag_palette.current_name() == "quotes"
    press(qtbot, Qt.Key_Return)
    assert [p.tags for p in lib.passages.for_article(ids["orchard"])] == [["quotes"]]
    assert lib.tags.find("Quot") is None
    w.reader.select_span(text.index("cold nights"), text.index("cold nights") + 11)
    press(qtbot, Qt.Key_T)
    type_text(qtbot, "Quot")
    press(qtbot, Qt.Key_Return, Qt.ShiftModifier)
    assert lib.tags.find("Quot") is not None and lib.tags.get("Quot").name == "Quot"
    assert sorted(p.tags[0] for p in lib.passages.for_article(ids["orchard"])) == ["Quot", "quotes"]


def test_digits_choose_pinned_slots_even_after_typing_and_ctrl_digit_pins(qtbot, filled, make_window):
    lib, ids = filled
    lib.tags.pin("food", 7)
    lib.tags.pin("transport", 2)
    w = make_window(lib)
    w.open_article(ids["orchard"])
    text = w.current_article.text
    w.reader.setFocus()
    w.reader.select_span(text.index("Growers"), text.index("Growers") + 7)
    press(qtbot, Qt.Key_T)
    type_text(qtbot, "tra")  # typing filters…
    press(qtbot, Qt.Key_7)  # …and 7 still means the tag pinned to 7
    (p,) = lib.passages.for_article(ids["orchard"])
    assert p.tags == ["food"]
    # the same numbers everywhere: the palette lists 2 transport, 7 food whatever their use
    w.reader.select_span(text.index("valley"), text.index("valley") + 6)
    press(qtbot, Qt.Key_T)
    assert w.tag_palette.slots() == {2: "transport", 7: "food"}
    type_text(qtbot, "food")
    press(qtbot, Qt.Key_3, Qt.ControlModifier)  # pin the highlighted tag to 3
    assert lib.tags.get("food").slot == 3
    press(qtbot, Qt.Key_Escape)


def test_t_on_a_passage_card_toggles_its_tags_and_undo_drops_a_new_tag(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    w.open_article(ids["ferry"])
    (p,) = lib.passages.for_article(ids["ferry"])
    w.passages.view.setFocus()
    w.passages.select(p.id)
    press(qtbot, Qt.Key_T)
    assert w.tag_palette.isVisible() and "Passage" in w.tag_palette.title.text()
    type_text(qtbot, "harbours")
    press(qtbot, Qt.Key_Return)  # nothing matches: the highlighted row is "+ Create"
    assert lib.passages.get(p.id).tags == ["harbours", "transport"]
    w.passages.view.setFocus()
    press(qtbot, Qt.Key_T)
    type_text(qtbot, "transport")
    press(qtbot, Qt.Key_Return)  # ticked: removes it
    assert lib.passages.get(p.id).tags == ["harbours"]
    w.act_undo.trigger()
    w.act_undo.trigger()
    settle(w)
    assert lib.passages.get(p.id).tags == ["transport"]
    assert lib.tags.find("harbours") is None  # the tag the passage made is undone with it


def test_article_tags_from_the_gui(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    w.open_article(ids["orchard"])
    w.reader.setFocus()
    press(qtbot, Qt.Key_A, Qt.ControlModifier | Qt.ShiftModifier)
    assert w.tag_palette.isVisible()
    type_text(qtbot, "farming")
    press(qtbot, Qt.Key_Return)
    assert lib.articles.get(ids["orchard"]).tags == ["farming"]
    w.act_undo.trigger()
    settle(w)
    assert lib.articles.get(ids["orchard"]).tags == []


def test_s_selects_the_sentence_and_selections_snap_to_words(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    w.open_article(ids["ferry"])
    text = w.current_article.text
    w.reader.setFocus()
    c = w.reader.textCursor()
    c.setPosition(text.index("hospital"))
    w.reader.setTextCursor(c)
    press(qtbot, Qt.Key_S)
    assert w.reader.textCursor().selectedText() == (
        "Islanders had asked for the service for two years, saying the last boat at six was too early for "
        "hospital visits.")
    c.setPosition(text.index("repairs") + 2)  # mid-word…
    c.setPosition(text.index("harbour") + 3, c.MoveMode.KeepAnchor)  # …to mid-word
    w.reader.setTextCursor(c)
    assert text[slice(*w.reader.selection_span())] == "repairs to the harbour"


def test_ctrl_f_in_the_reader_finds_in_the_article(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    w.open_article(ids["ferry"])
    w.reader.setFocus()
    press(qtbot, Qt.Key_F, Qt.ControlModifier)
    assert QApplication.focusWidget() is w.find_bar.edit
    type_text(qtbot, "the")
    n = w.current_article.text.lower().count("the")
    assert n >= 2 and w.find_bar.count.text() == f"{n} found"
    assert w.reader.textCursor().selectedText().lower() == "the"
    first = w.reader.textCursor().selectionStart()
    press(qtbot, Qt.Key_Return)
    assert w.reader.textCursor().selectionStart() != first
    press(qtbot, Qt.Key_Escape)
    assert not w.find_bar.isVisible() and QApplication.focusWidget() is w.reader


# ---------------------------------------------------------------- journeys

STORY = """Ferry operator orders two electric boats
By Mara Quill
3 March 2026
https://www.island-post.example/2026/03/electric-ferries?utm_source=share

The island ferry company said on Tuesday it had ordered two battery-powered boats for the short crossing to the mainland.

Engineers will carry out inspections of the charging quay before the first boat arrives next spring.
"""


def test_paste_select_tag_search_export_journey(qtbot, lib, make_window, tmp_path):
    lib.tags.create("infrastructure")  # takes number key 1
    w = make_window(lib)
    QApplication.clipboard().setText(STORY)
    seen = {}

    def fill_paste(dialog):
        if dialog.windowTitle() != "Paste as new clipping" or "done" in seen:
            return False
        seen.update(outlet=dialog.outlet.text(), published=dialog.published.text(), author=dialog.author.text(),
                    url=dialog.url.text())
        seen["done"] = True
        dialog.title.setFocus()
        QTest.keyClick(dialog.title, Qt.Key_Return)  # Enter: "Add clipping"
        return True

    closer = ModalCloser(fill_paste)
    try:
        press(qtbot, Qt.Key_V, Qt.ControlModifier | Qt.ShiftModifier)
        qtbot.waitUntil(lambda: w.current_article is not None and "electric boats" in w.current_article.title,
                        timeout=20_000)
    finally:
        closer.stop()
    assert seen["outlet"] == "island-post.example" and seen["published"] == "2026-03-03"
    assert seen["author"] == "Mara Quill"
    article = lib.articles.get(w.current_article.id)
    assert (article.published, article.author, article.url) == (
        "2026-03-03", "Mara Quill", "https://www.island-post.example/2026/03/electric-ferries")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.reader, timeout=5000)
    # select by keyboard: find "carry" (Ctrl+F), then grow by word, ending mid-word
    text = article.text
    press(qtbot, Qt.Key_F, Qt.ControlModifier)
    type_text(qtbot, "carry")
    press(qtbot, Qt.Key_Escape)
    assert QApplication.focusWidget() is w.reader and w.reader.textCursor().selectedText() == "carry"
    press(qtbot, Qt.Key_Right, Qt.ControlModifier | Qt.ShiftModifier, times=3)  # "carry out inspections "
    press(qtbot, Qt.Key_Left, Qt.ShiftModifier, times=8)  # "…carry out insp"
    assert w.reader.textCursor().selectedText().startswith("carry out insp")
    press(qtbot, Qt.Key_T)
    assert w.tag_palette.slots()[1] == "infrastructure"
    press(qtbot, Qt.Key_1)
    (p,) = lib.passages.for_article(article.id)
    assert p.quote == "carry out inspections" == text[p.start:p.end]  # snapped to whole words
    assert p.tags == ["infrastructure"]
    # search finds it
    press(qtbot, Qt.Key_K, Qt.ControlModifier)
    type_text(qtbot, "inspections")
    with qtbot.waitSignal(w.search.results_shown, timeout=10_000):
        press(qtbot, Qt.Key_Return)
    assert [h.id for h in w.search.model.hits] == [article.id]
    assert "1 article" in w.view_title.text() and "inspections" in w.view_title.text()
    assert "inspections" in [t.lower() for t in w.reader.search_terms]
    press(qtbot, Qt.Key_Escape)
    # export by tag: the tag's view in the sidebar (mouse), Ctrl+E, path typed, Export clicked
    item = next(w.sidebar.tags.child(i) for i in range(w.sidebar.tags.childCount())
                if w.sidebar.tags.child(i).text(0).startswith("infrastructure"))
    rect = w.sidebar.visualItemRect(item)
    QTest.mouseClick(w.sidebar.viewport(), Qt.LeftButton, Qt.NoModifier, rect.center())
    assert w.current_view == ("tag", "infrastructure")
    w.table.setFocus()
    press(qtbot, Qt.Key_E, Qt.ControlModifier)
    dialog = w.library_actions.dialogs[-1]
    assert dialog.r_tag.isChecked() and dialog.tag_combo.currentText() == "infrastructure"
    out = tmp_path / "infrastructure.pdf"
    QTest.mouseClick(dialog.path, Qt.LeftButton)
    QTest.keyClick(dialog.path, Qt.Key_A, Qt.ControlModifier)
    QTest.keyClicks(dialog.path, str(out))
    with qtbot.waitSignal(dialog.exported, timeout=60_000):
        QTest.mouseClick(dialog.export_button, Qt.LeftButton)
        assert dialog.progress.isVisible() and dialog.cancel_button.isVisible()  # busy bar and Cancel
    assert not dialog.progress.isVisible()
    if shutil.which("pdftotext"):
        pdf_text = subprocess.run(["pdftotext", str(out), "-"], capture_output=True, text=True, check=True).stdout
        assert "carry out inspections" in " ".join(pdf_text.split())
        assert not re.search(r"carry out insp(?!ections)", pdf_text)
    else:  # pragma: no cover - poppler-utils is in CI
        assert out.read_bytes().startswith(b"%PDF")
    dialog.close()


def test_delete_then_undo_brings_the_same_article_back(qtbot, sample, make_window):
    lib, ids = sample
    w = make_window(lib)
    aid = next(a for a in ids.values() if len(lib.passages.for_article(a)) >= 2)
    before = lib.articles.full(aid)
    row = w.model.row_of(aid)
    QTest.mouseClick(w.table.viewport(), Qt.LeftButton, Qt.NoModifier,
                     w.table.visualRect(w.model.index(row, 0)).center())
    assert w.current_article.id == aid

    def confirm(box):
        if isinstance(box, QMessageBox):
            QTest.keyClick(box, Qt.Key_Return)  # the default: Move to Trash
            return True
        return False

    closer = ModalCloser(confirm)
    try:
        press(qtbot, Qt.Key_Delete)
        qtbot.waitUntil(lambda: not lib.articles.exists(aid), timeout=5000)
    finally:
        closer.stop()
    settle(w)
    assert any(before["title"][:40] in text for _t, text in closer.seen)  # the question names it
    assert w.model.row_of(aid) < 0 and [e["id"] for e in lib.articles.trashed()] == [aid]
    assert w.current_article is not None and w.current_article.id != aid  # the next article is open
    assert w.model.row_of(w.current_article.id) == w.table.currentIndex().row()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None, timeout=5000)  # back from the question
    press(qtbot, Qt.Key_Z, Qt.ControlModifier)
    assert lib.articles.exists(aid)
    assert lib.articles.full(aid) == {**before, "passages": before["passages"]}
    assert w.model.row_of(aid) >= 0 and w.current_article.id == aid
    assert lib.articles.trashed() == []


def test_list_and_reader_never_disagree_and_delete_names_the_article(qtbot, sample, make_window):
    lib, ids = sample
    w = make_window(lib)
    first = w.current_article.id
    press(qtbot, Qt.Key_K, Qt.ControlModifier)
    w.search.mode.setCurrentIndex(1)  # Passages
    type_text(qtbot, "tag:water")
    with qtbot.waitSignal(w.search.results_shown, timeout=10_000):
        press(qtbot, Qt.Key_Return)
    hit_article = w.search.model.hits[0].article_id
    assert hit_article != first
    qtbot.waitUntil(lambda: w.current_article is not None and w.current_article.id == hit_article, timeout=5000)
    press(qtbot, Qt.Key_K, Qt.ControlModifier)
    press(qtbot, Qt.Key_Escape)  # clears the search: the list is back
    assert w.stack.currentWidget() is w.table
    assert w.model.article_id(w.table.currentIndex().row()) == hit_article
    assert w.selected_article_ids() == [hit_article]
    title = lib.articles.get(hit_article).title
    closer = ModalCloser()  # answers No
    try:
        w.act_delete_article.trigger()
    finally:
        closer.stop()
    assert any(title[:40] in text for _t, text in closer.seen)
    assert lib.articles.exists(hit_article)


def test_trash_view_restores_and_empties(qtbot, sample, make_window):
    lib, ids = sample
    w = make_window(lib)
    a, b = list(ids.values())[:2]
    lib.articles.trash(a)
    lib.articles.trash(b)
    w.refresh_sidebar()
    w.act_show_trash.trigger()
    assert w.stack.currentWidget() is w.trash and w.trash.list.topLevelItemCount() == 2
    assert "Trash" in w.sidebar.item_trash.text(0) and "(2)" in w.sidebar.item_trash.text(0)
    first = w.trash.list.topLevelItem(0)  # picked with the mouse, as a user does
    QTest.mouseClick(w.trash.list.viewport(), Qt.LeftButton, Qt.NoModifier,
                     w.trash.list.visualItemRect(first).center())
    restored = w.trash.selected_ids()[0]
    QTest.mouseClick(w.trash.restore, Qt.LeftButton)
    settle(w)
    assert lib.articles.exists(restored) and w.current_article.id == restored
    w.act_show_trash.trigger()
    assert w.trash.list.topLevelItemCount() == 1

    def yes(box):
        if isinstance(box, QMessageBox):
            box.button(QMessageBox.Yes).click()
            return True
        return False

    closer = ModalCloser(yes)
    try:
        QTest.mouseClick(w.trash.empty, Qt.LeftButton)
    finally:
        closer.stop()
    settle(w)
    assert lib.articles.trashed() == [] and w.trash.list.topLevelItemCount() == 0


def test_search_view_header_count_and_query_problems(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    press(qtbot, Qt.Key_K, Qt.ControlModifier)
    type_text(qtbot, "blossoms")
    with qtbot.waitSignal(w.search.results_shown, timeout=10_000):
        press(qtbot, Qt.Key_Return)
    assert w.view_title.isVisible() and w.view_title.text().endswith("1 article")
    assert w.current_article.id == ids["orchard"]
    w.search.edit.setFocus()
    press(qtbot, Qt.Key_A, Qt.ControlModifier)
    type_text(qtbot, "title:(")
    w.search.run_now()
    assert w.search.status.isVisible() and "never closed" in w.search.status.text()


def test_main_without_a_display_says_so_in_one_line(tmp_path):
    import os
    import sys

    from gui_testkit import ROOT

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, str(ROOT / "main.py"), "--library", str(tmp_path / "lib")], env=env,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 3
    assert proc.stderr.strip().splitlines() == [proc.stderr.strip()]
    assert proc.stderr.startswith("clipper: error: no display was found")
    assert not (tmp_path / "lib").exists()


def test_context_menus_exist(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    w.open_article(ids["ferry"])
    (p,) = lib.passages.for_article(ids["ferry"])
    closer = ModalCloser()
    try:
        rect = w.table.visualRect(w.model.index(w.model.row_of(ids["ferry"]), 0))
        w.table.customContextMenuRequested.emit(rect.center())
        assert [a.text() for a in w._last_menu.actions() if a.text()][:3] == [
            "Article details…", "Article note…", "Tag article…"]
        w._last_menu.close()
    finally:
        closer.stop()
    assert p.id


def test_reading_settings_are_remembered(qtbot, filled, make_window, settings):
    lib, ids = filled
    w = make_window(lib)
    w.act_line_width.trigger()
    press(qtbot, Qt.Key_Equal, Qt.ControlModifier)
    press(qtbot, Qt.Key_P, Qt.ControlModifier | Qt.ShiftModifier)
    assert not w.passages.isVisible() and w.reader.line_chars == 75
    w.close()
    again = make_window(lib)
    assert again.reader.line_chars == 75 and again.act_line_width.isChecked()
    assert again.reader.zoom_steps == 1 and not again.passages.isVisible()
    again.resize(2200, 900)
    again.splitter.setSizes([100, 100, 2000])  # a wide reader: the lines stay short, centred
    qtbot.waitUntil(lambda: again.reader.width() > 1200, timeout=5000)
    qtbot.waitUntil(lambda: again.reader.viewportMargins().left() > 100, timeout=5000)
    margins = again.reader.viewportMargins()
    assert abs(margins.left() - margins.right()) <= 1


def test_a_passage_is_widened_to_a_new_selection_and_undone(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    w.open_article(ids["ferry"])
    (p,) = lib.passages.for_article(ids["ferry"])
    text = w.current_article.text
    w.passages.view.setFocus()
    w.passages.select(p.id, emit=True)  # the card: the reader scrolls to it
    w.reader.setFocus()
    start = text.index("The operator")
    w.reader.select_span(start, text.index("ramp") + 2)  # ends mid-word
    press(qtbot, Qt.Key_E, Qt.ControlModifier | Qt.ShiftModifier)
    moved = lib.passages.get(p.id)
    assert moved.quote == text[start:text.index("ramp") + 4] and moved.quote.endswith("harbour ramp")
    assert moved.tags == ["transport"] and text[moved.start:moved.end] == moved.quote
    w.act_undo.trigger()
    settle(w)
    assert lib.passages.get(p.id).quote == "night ferry would sail again"


def test_rebuild_shows_progress_and_can_be_cancelled(qtbot, sample, make_window):
    lib, _ids = sample
    w = make_window(lib)
    action = next(a for m in w.menuBar().actions() if m.menu() for a in m.menu().actions()
                  if a.text().replace("&", "") == "Rebuild search index")
    action.trigger()
    assert w.library_actions.rebuild_progress.labelText().startswith("Rebuilding")
    # Wait for the outcome itself, not for the thread's finished signal: a small rebuild
    # can be over before a wait on that signal is connected.
    ends = ("Search index rebuilt.", "Rebuild cancelled.")
    qtbot.waitUntil(lambda: w.statusBar().currentMessage() in ends, timeout=60_000)
    assert lib.search("desalination").total >= 1


def test_empty_orphaned_view_explains_itself(qtbot, filled, make_window):
    lib, _ids = filled
    w = make_window(lib)
    w.show_view("orphaned", None)
    assert "quote can no longer be found" in w.view_title.text()
