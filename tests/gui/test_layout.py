"""First-run layout: window size and position, pane proportions, the article table's columns
(Title stretches, the others fit, user widths are kept), the empty state."""
from __future__ import annotations

import json

from PySide6.QtCore import QRect
from PySide6.QtWidgets import QApplication

from clipper.gui.util import default_window_rect, fit_widths


def test_default_window_rect_is_most_of_the_screen_and_centred():
    r = default_window_rect(QRect(0, 0, 1440, 900))
    assert (r.width(), r.height()) == (1224, 765)
    assert r.center() == QRect(0, 0, 1440, 900).center()
    big = default_window_rect(QRect(100, 30, 1920, 1050))
    assert (big.width(), big.height()) == (1632, 892) and big.center() == QRect(100, 30, 1920, 1050).center()
    # a small screen: at least 1100x700 would not fit, so the window takes the screen
    small = default_window_rect(QRect(0, 0, 1024, 600))
    assert (small.width(), small.height()) == (1024, 600) and small.topLeft().x() == 0
    # a medium screen: 85% would be under the minimum, the minimum fits
    mid = default_window_rect(QRect(0, 0, 1200, 800))
    assert (mid.width(), mid.height()) == (1100, 700)


def test_fit_widths_shrinks_in_proportion_to_the_room_above_the_minimum():
    preferred, minimum = {1: 160, 2: 60, 3: 90}, {1: 80, 2: 40, 3: 90}
    assert fit_widths(preferred, minimum, 400) == preferred
    out = fit_widths(preferred, minimum, 250)
    assert sum(out.values()) == 250
    assert out[3] == 90  # no room above its minimum: untouched
    assert 160 - out[1] > 60 - out[2] > 0  # the wider column gives more
    assert fit_widths(preferred, minimum, 100) == minimum  # cannot fit: everything at its minimum


def test_first_run_window_fits_the_screen_with_the_reader_widest(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    avail = w.screen().availableGeometry()
    g = w.geometry()
    assert avail.adjusted(-4, -4, 4, 4).contains(g)  # (the offscreen platform adds a 2 px frame)
    assert g.width() >= min(1100, avail.width()) and g.height() >= min(700, avail.height())
    assert abs(g.center().x() - avail.center().x()) <= 2
    side, centre, right = w.splitter.sizes()
    assert right > centre > side > 0
    # the first article is open, so the reader is not empty
    assert w.current_article is not None and w.current_article.id == w.model.article_id(0)
    assert w.reader.toPlainText()


def test_title_column_keeps_room_in_a_narrow_pane(qtbot, filled, make_window):
    lib, _ids = filled
    w = make_window(lib)
    table = w.table
    for width in (760, 420, 300):
        w.splitter.setSizes([0, width, 400])
        QApplication.processEvents()
        vw = table.viewport().width()
        assert table.columnWidth(0) >= min(vw, int(vw * 0.36)) - 2, width
        shown = sum(table.columnWidth(c) for c in range(table.model().columnCount()) if not table.isColumnHidden(c))
        assert shown <= vw + 2, width  # no horizontal scrolling
    assert table.isColumnHidden(2)  # very narrow: Agency gave way
    w.splitter.setSizes([0, 900, 400])
    QApplication.processEvents()
    assert not any(table.isColumnHidden(c) for c in range(table.model().columnCount()))


def test_a_column_the_user_resizes_keeps_its_width(qtbot, filled, make_window, settings):
    lib, _ids = filled
    w = make_window(lib)
    w.resize(1600, 700)
    w.splitter.setSizes([150, 1000, 450])
    QApplication.processEvents()
    w.table.horizontalHeader().resizeSection(1, 150)  # as a drag on the header does
    assert json.loads(settings.value("window/columnWidths")) == {"1": 150}
    w.close()
    again = make_window(lib)
    again.resize(1600, 700)
    again.splitter.setSizes([150, 1000, 450])
    QApplication.processEvents()
    assert again.table.user_widths == {1: 150}
    assert again.table.columnWidth(1) == 150
    # the window fitting its columns is not a user resize
    again.splitter.setSizes([150, 350, 400])
    QApplication.processEvents()
    assert json.loads(settings.value("window/columnWidths")) == {"1": 150}


def test_empty_library_shows_only_the_empty_state(qtbot, lib, make_window):
    w = make_window(lib)
    assert w.stack.currentWidget() is w.empty
    assert not w.right_splitter.isVisible()
    assert QApplication.focusWidget() is w.empty.import_button
    assert w.sidebar.tags.isHidden() and w.sidebar.saved.isHidden()
