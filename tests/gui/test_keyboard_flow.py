"""From launch to a tagged passage with the keyboard alone: Ctrl+K, type, Enter (or Down),
Shift+arrows in the reader, T, 1. Every key goes to whichever widget has the focus."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from gui_testkit import press, type_text




def test_search_open_select_and_tag_with_keys_only(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    # launch: the first article is open and the list has the focus
    assert w.current_article is not None
    assert QApplication.focusWidget() is w.table
    press(qtbot, Qt.Key_K, Qt.ControlModifier)
    assert QApplication.focusWidget() is w.search.edit
    type_text(qtbot, "blossoms")
    with qtbot.waitSignal(w.article_opened, timeout=10_000) as opened:
        press(qtbot, Qt.Key_Return)  # Enter before the results arrive: opens the top hit
    assert opened.args == [ids["orchard"]]
    qtbot.waitUntil(lambda: QApplication.focusWidget() is w.reader, timeout=5000)
    # the matched word is selected; Shift+Right grows the selection by keyboard
    assert w.reader.textCursor().selectedText() == "blossoms"
    press(qtbot, Qt.Key_Right, Qt.ShiftModifier, times=4)
    assert w.reader.textCursor().selectedText() == "blossoms two"
    press(qtbot, Qt.Key_T)
    assert w.tag_palette.isVisible()
    assert QApplication.focusWidget() is w.tag_palette.edit
    first = w.tag_palette.shown_names()[0]
    press(qtbot, Qt.Key_1)
    assert not w.tag_palette.isVisible()
    (p,) = lib.passages.for_article(ids["orchard"])
    text = lib.articles.get(ids["orchard"]).text
    assert p.quote == "blossoms two" and text[p.start:p.end] == "blossoms two"
    assert p.tags == [first]
    assert QApplication.focusWidget() is w.reader  # back in the reader for the next one


def test_down_into_results_then_enter_opens_and_focuses_the_reader(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    press(qtbot, Qt.Key_F, Qt.ControlModifier)
    with qtbot.waitSignal(w.search.results_shown, timeout=10_000):
        type_text(qtbot, "ferry")
    press(qtbot, Qt.Key_Down)
    assert QApplication.focusWidget() is w.search.results
    assert w.current_article.id == ids["ferry"]
    press(qtbot, Qt.Key_Escape)  # back to the bar, query kept
    assert QApplication.focusWidget() is w.search.edit and w.search.query() == "ferry"
    press(qtbot, Qt.Key_Down)
    press(qtbot, Qt.Key_Return)
    assert QApplication.focusWidget() is w.reader
    # Ctrl+T is the menu shortcut for the palette; Esc closes it without tagging
    press(qtbot, Qt.Key_Right, Qt.ShiftModifier, times=3)
    press(qtbot, Qt.Key_T, Qt.ControlModifier)
    assert w.tag_palette.isVisible()
    press(qtbot, Qt.Key_Escape)
    assert not w.tag_palette.isVisible()
    assert [q.quote for q in lib.passages.for_article(ids["ferry"])] == ["night ferry would sail again"]


def test_enter_on_a_query_with_no_hits_keeps_the_focus_in_the_bar(qtbot, filled, make_window):
    lib, _ids = filled
    w = make_window(lib)
    before = w.current_article.id
    press(qtbot, Qt.Key_K, Qt.ControlModifier)
    type_text(qtbot, "zeppelin")
    with qtbot.waitSignal(w.search.results_shown, timeout=10_000):
        press(qtbot, Qt.Key_Return)
    assert w.search.model.rowCount() == 0
    assert QApplication.focusWidget() is w.search.edit
    # the reader never shows an article that is not among the results: with none, nothing
    assert before is not None and w.current_article is None
