"""The article list (a lazy table of the current view) and the empty-library state shown
in its place."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QAbstractItemView, QHBoxLayout, QHeaderView, QPushButton, QTableView, QVBoxLayout,
                               QWidget)

from clipper.gui.util import plain_label


class EmptyState(QWidget):
    import_requested = Signal()
    sample_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        title = plain_label("Your library is empty", self)
        f = title.font()
        f.setPointSizeF(f.pointSizeF() * 1.6)
        title.setFont(f)
        title.setAlignment(Qt.AlignCenter)
        text = plain_label("Import saved web pages, text files, feeds or read-it-later exports,\n"
                           "paste an article with Ctrl+Shift+V, or drop files and links here.", self, word_wrap=True)
        text.setAlignment(Qt.AlignCenter)
        row = QHBoxLayout()
        row.addStretch(1)
        self.import_button = QPushButton("Import…", self)
        self.import_button.setDefault(True)
        self.import_button.setMinimumWidth(self.import_button.sizeHint().width() + 24)
        self.sample_button = QPushButton("Open sample library", self)
        self.import_button.clicked.connect(self.import_requested)
        self.sample_button.clicked.connect(self.sample_requested)
        row.addWidget(self.import_button)
        row.addWidget(self.sample_button)
        row.addStretch(1)
        layout.addWidget(title)
        layout.addWidget(text)
        layout.addLayout(row)
        layout.addStretch(3)


class ArticleTable(QTableView):
    """The article list. Title stretches; the other columns are sized to their contents
    (within limits) and, in a narrow pane, give up room so the title stays readable. A
    column the user resizes keeps that width (``widths_changed`` reports it to be saved)."""

    delete_requested = Signal()
    widths_changed = Signal(object)  # {column: width} of the columns the user resized

    TITLE = 0
    HIDE_ORDER = (2, 5, 4)  # when even the minimum widths do not fit: agency first, then changes, then passages
    MEASURE_ROWS = 200

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._fitting = False
        self.user_widths: dict[int, int] = {}
        self.content_widths: dict[int, int] = {}
        self.auto_hidden: set[int] = set()

    def configure(self, model) -> None:
        """Show ``model``: whole-row extended selection, sortable, movable columns, no grid."""
        self.setObjectName("articleTable")
        self.setModel(model)
        self.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.setSortingEnabled(True)
        self.sortByColumn(-1, Qt.AscendingOrder)
        self.horizontalHeader().setSortIndicatorShown(True)
        self.horizontalHeader().setSectionsMovable(True)
        self.horizontalHeader().setHighlightSections(False)
        self.verticalHeader().hide()
        self.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 10)
        self.setShowGrid(False)
        self.setAlternatingRowColors(True)
        self.setWordWrap(False)
        self.setTextElideMode(Qt.ElideRight)
        self.setup_columns()

    def setup_columns(self) -> None:
        header = self.horizontalHeader()
        header.setStretchLastSection(False)
        header.setMinimumSectionSize(max(32, self.fontMetrics().averageCharWidth() * 4))
        header.setSectionResizeMode(self.TITLE, QHeaderView.Stretch)
        for col in range(1, self.model().columnCount()):
            header.setSectionResizeMode(col, QHeaderView.Interactive)
        header.sectionResized.connect(self._section_resized)

    def restore_header(self, state) -> None:
        self._fitting = True
        try:
            self.horizontalHeader().restoreState(state)
        finally:
            self._fitting = False
        self.horizontalHeader().sectionResized.disconnect(self._section_resized)
        self.setup_columns()  # an old saved state may hold other resize modes

    def limits(self) -> dict[int, tuple[int, int]]:
        """{column: (minimum, maximum)} widths of the non-title columns."""
        fm = self.fontMetrics()
        ch = fm.averageCharWidth()
        header = self.horizontalHeader()
        date = fm.horizontalAdvance("0000-00-00") + 3 * ch
        count = max(header.sectionSizeHint(4), 6 * ch)
        agency = max(header.sectionSizeHint(2), 6 * ch)
        changes = max(header.sectionSizeHint(5), 7 * ch)
        return {1: (12 * ch, 26 * ch), 2: (agency, max(agency, 14 * ch)), 3: (date, date + 4 * ch),
                4: (count, max(count, 18 * ch)), 5: (changes, max(changes, 22 * ch))}

    def title_minimum(self, width: int) -> int:
        return max(18 * self.fontMetrics().averageCharWidth(), int(width * 0.36))

    def measure(self) -> None:
        """Size the non-title columns to the header and the first rows' text."""
        model = self.model()
        rows = min(model.rowCount(), self.MEASURE_ROWS)
        if not rows:
            return
        fm = self.fontMetrics()
        header = self.horizontalHeader()
        pad = 2 * fm.averageCharWidth() + 8
        for col, (lo, hi) in self.limits().items():
            texts = (model.index(r, col).data() or "" for r in range(rows))
            widest = max((fm.horizontalAdvance(str(t)) for t in texts), default=0) + pad
            self.content_widths[col] = max(lo, min(hi, max(widest, header.sectionSizeHint(col))))
        self.fit()

    def preferred_widths(self) -> dict[int, int]:
        return {col: self.user_widths.get(col) or self.content_widths.get(col) or self.columnWidth(col)
                for col in self.limits()}

    def fit(self) -> None:
        """Fit the columns to the pane: Title keeps at least ~36%; the others shrink in
        proportion; in a very narrow pane Agency, then Passages, are hidden until it widens."""
        if not self.content_widths and not self.user_widths:
            return
        from clipper.gui.util import fit_widths

        width = self.viewport().width()
        budget = width - self.title_minimum(width)
        limits = self.limits()
        minimum = {col: lo for col, (lo, _hi) in limits.items()}
        hidden: set[int] = set()
        for col in self.HIDE_ORDER:
            if sum(v for c, v in minimum.items() if c not in hidden) <= budget:
                break
            hidden.add(col)
        preferred = {c: w for c, w in self.preferred_widths().items() if c not in hidden}
        widths = fit_widths(preferred, {c: minimum[c] for c in preferred}, budget)
        self._fitting = True
        try:
            for col in limits:
                if self.isColumnHidden(col) != (col in hidden):
                    self.setColumnHidden(col, col in hidden)
            for col, w in widths.items():
                if self.columnWidth(col) != w:
                    self.setColumnWidth(col, w)
        finally:
            self._fitting = False
        self.auto_hidden = hidden

    def _section_resized(self, col: int, _old: int, new: int) -> None:
        if self._fitting or col == self.TITLE or col not in self.limits() or new <= 0:
            return
        self.user_widths[col] = new
        self.widths_changed.emit(dict(self.user_widths))

    def resizeEvent(self, event):  # noqa: N802
        super().resizeEvent(event)
        self.fit()

    def keyPressEvent(self, event):  # noqa: N802
        if event.key() == Qt.Key_Delete:
            self.delete_requested.emit()
            return
        super().keyPressEvent(event)
