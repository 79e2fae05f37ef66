"""A query too broad to answer (issue 14, item 9) is said in the search panel's status line,
instead of results, and the panel goes on searching as the user types."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from clipper.index import SearchIndex


def test_too_broad_query_is_reported_instead_of_results(qtbot, filled, make_window, monkeypatch):
    lib, ids = filled
    # The search thread opens its own Library: bound every index at the class.
    monkeypatch.setattr(SearchIndex, "max_expanded_words", 3)
    w = make_window(lib)
    w.search.edit.setFocus()
    with qtbot.waitSignal(w.search.results_shown, timeout=10_000):
        QTest.keyClicks(w.search.edit, "ferry")
    assert [h.id for h in w.search.model.hits] == [ids["ferry"]]

    w.search.edit.selectAll()
    QTest.keyClick(w.search.edit, Qt.Key_Backspace)
    with qtbot.waitSignal(w.search_service.failed, timeout=10_000):
        QTest.keyClicks(w.search.edit, "*e*")
    qtbot.waitUntil(lambda: w.search.status.isVisible(), timeout=5_000)
    text = w.search.status.text()
    assert text.startswith("The query is too broad: ") and "*e*" in text
    assert "Traceback" not in text
    assert w.search.model.rowCount() == 0  # the ferry hit is not left standing

    # typing on: a narrower query finds its article again
    for _ in range(3):
        QTest.keyClick(w.search.edit, Qt.Key_Backspace)
    with qtbot.waitSignal(w.search.results_shown, timeout=10_000):
        QTest.keyClicks(w.search.edit, "orch*")
    assert [h.id for h in w.search.model.hits] == [ids["orchard"]]
    assert not w.search.status.isVisible() or "too broad" not in w.search.status.text()
