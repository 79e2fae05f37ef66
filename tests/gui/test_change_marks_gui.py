"""The article list's change marks: a "Changed" column ("headline · N words" since version
1) with the date of the last change in its tool tip, sortable by a header click."""
from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from clipper.gui.models import ARTICLE_COLUMNS

CHANGED = [key for key, _h, _s in ARTICLE_COLUMNS].index("changes")


def _two_changed(lib, ids):
    """The orchard article gets a new headline and a rewritten sentence; the emoji one a
    small body change."""
    orchard = lib.articles.get(ids["orchard"])
    from clipper.models import ArticleDraft

    text = orchard.text.replace("two degrees warmer", "nearly three degrees warmer on the coldest nights")
    lib.articles.apply_version(ids["orchard"], ArticleDraft(title="Fans save the orchard blossom", text=text), "refresh")
    emoji = lib.articles.get(ids["emoji"])
    lib.articles.edit(ids["emoji"], text=emoji.text + "\n\nThe club meets again next month.")


def _header_click(table, column):
    header = table.horizontalHeader()
    x = header.sectionViewportPosition(column) + header.sectionSize(column) // 2
    QTest.mouseClick(header.viewport(), Qt.LeftButton, Qt.NoModifier, QPoint(x, header.height() // 2))


def test_changed_column_marks_headline_and_words_and_sorts(qtbot, filled, make_window, tmp_path):
    lib, ids = filled
    _two_changed(lib, ids)
    w = make_window(lib)
    w.resize(1500, 760)
    w.splitter.setSizes([200, 760, 540])
    QApplication.processEvents()
    model = w.model
    marks = {model.article_id(r): model.index(r, CHANGED).data() for r in range(model.rowCount())}
    orchard_words = lib.articles.summaries(ids=[ids["orchard"]])[0]["words_changed"]
    assert marks[ids["orchard"]] == f"headline · {orchard_words} words" and orchard_words >= 5
    assert marks[ids["emoji"]] == "6 words"
    assert marks[ids["ferry"]] == ""
    row = model.row_of(ids["orchard"])
    tip = model.index(row, CHANGED).data(Qt.ToolTipRole)
    changed_at = lib.articles.summaries(ids=[ids["orchard"]])[0]["changed_at"]
    assert "2 versions" in tip and "headline changed" in tip and changed_at[:16].replace("T", " ") in tip
    assert "headline changed" in model.index(row, 0).data(Qt.ToolTipRole)
    assert not w.table.isColumnHidden(CHANGED) and w.table.columnWidth(CHANGED) > 0
    # a header click sorts by the marks (in the background); unchanged articles stay last
    with qtbot.waitSignal(model.sort_finished, timeout=10_000):
        _header_click(w.table, CHANGED)
    first = model.ids()
    assert first[-1] == ids["ferry"]
    with qtbot.waitSignal(model.sort_finished, timeout=10_000):
        _header_click(w.table, CHANGED)
    second = model.ids()
    assert second[-1] == ids["ferry"] and second[:2] == first[:2][::-1]
    assert second[0] == ids["orchard"] if w.table.horizontalHeader().sortIndicatorOrder() == Qt.DescendingOrder \
        else second[0] == ids["emoji"]
    w.grab().save(str(tmp_path / "change-marks.png"))  # to look at
