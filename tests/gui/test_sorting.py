"""Sorting the article list happens off the UI thread: the call returns at once, the new
order arrives by signal, and a newer sort supersedes an older one."""
from __future__ import annotations

from PySide6.QtCore import Qt

OUTLET = 1


def outlets(model):
    return [model.index(r, OUTLET).data() for r in range(model.rowCount())]


def test_sort_by_outlet_returns_at_once_and_the_order_arrives_by_signal(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    before = w.model.ids()
    assert before == [ids["orchard"], ids["emoji"], ids["ferry"]]  # newest import first
    finished = []
    w.model.sort_finished.connect(lambda: finished.append(w.model.ids()))

    w.table.sortByColumn(OUTLET, Qt.AscendingOrder)  # what a header click does

    # the call has returned, the result has not been applied: the UI thread was not held
    assert w.model.sorting
    assert finished == [] and w.model.ids() == before
    assert w.statusBar().currentMessage() == "Sorting…"
    with qtbot.waitSignal(w.model.sort_finished, timeout=10_000):
        pass
    assert not w.model.sorting
    assert outlets(w.model) == ["Island Post", "Valley Times", "Valley Times"]
    assert w.model.ids()[0] == ids["ferry"]
    assert w.statusBar().currentMessage() == ""


def test_a_newer_sort_supersedes_a_pending_one(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    finished = []
    w.model.sort_finished.connect(lambda: finished.append(w.model.ids()))
    w.model.sort(OUTLET, Qt.AscendingOrder)
    w.model.sort(OUTLET, Qt.DescendingOrder)
    with qtbot.waitSignal(w.model.sort_finished, timeout=10_000):
        pass
    qtbot.wait(300)  # an answer to the first request, if one were let through, would land here
    assert len(finished) == 1
    assert outlets(w.model) == ["Valley Times", "Valley Times", "Island Post"]


def test_a_pending_sort_keeps_the_selected_article_selected(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    w.open_article(ids["emoji"])
    row = w.model.row_of(ids["emoji"])
    w.table.selectRow(row)
    with qtbot.waitSignal(w.model.sort_finished, timeout=10_000):
        w.model.sort(OUTLET, Qt.DescendingOrder)
    current = w.table.currentIndex()
    assert w.model.article_id(current.row()) == ids["emoji"]
    assert w.current_article.id == ids["emoji"]


def test_reloading_a_view_sorted_by_outlet_sorts_again_in_the_background(qtbot, filled, make_window):
    from gui_testkit import add

    lib, ids = filled
    w = make_window(lib)
    with qtbot.waitSignal(w.model.sort_finished, timeout=10_000):
        w.model.sort(OUTLET, Qt.AscendingOrder)
    add(lib, "Alpine pass reopens\n\nThe pass reopened after snow was cleared.", outlet="Alpine Courier")
    w.model.reload()
    assert w.model.sorting and w.model.rowCount() == 4
    with qtbot.waitSignal(w.model.sort_finished, timeout=10_000):
        pass
    assert outlets(w.model) == ["Alpine Courier", "Island Post", "Valley Times", "Valley Times"]
