"""The search bar and its results: results as you type, off the UI thread.

Typing restarts a 200 ms timer; when it fires the query goes to the SearchService (its
own thread and Library). Only the answer to the newest query is shown. Query errors
(QueryError) appear inline under the bar. Snippets are drawn from the hit fragments
(text + match spans) as plain text with the matched words in bold — no HTML is parsed.
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QModelIndex, QRectF, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QPalette, QTextCharFormat, QTextCursor, QTextDocument, QTextOption
from PySide6.QtWidgets import (QComboBox, QHBoxLayout, QLineEdit, QListView, QStyle, QStyledItemDelegate,
                               QToolButton, QVBoxLayout, QWidget)

from clipper.gui.util import plain_label, tooltip_text
from clipper.query_check import query_problem

DEBOUNCE_MS = 200
RESULT_LIMIT = 50  # hits with snippets per query (snippets are the costly part)
HIT_ROLE = Qt.UserRole + 10


def snippet_document(fragments: list[dict], font: QFont, width: float, color=None) -> QTextDocument:
    """A QTextDocument of the fragments, matches in bold, built with a cursor (no HTML)."""
    doc = QTextDocument()
    doc.setDefaultFont(font)
    doc.setDocumentMargin(0)
    opt = QTextOption()
    opt.setWrapMode(QTextOption.WrapAtWordBoundaryOrAnywhere)
    doc.setDefaultTextOption(opt)
    cursor = QTextCursor(doc)
    plain, bold = QTextCharFormat(), QTextCharFormat()
    bold.setFontWeight(QFont.Bold)
    if color is not None:
        plain.setForeground(color)
        bold.setForeground(color)
    for n, frag in enumerate(fragments):
        if n:
            cursor.insertText(" … ", plain)
        text, pos = frag.get("text", ""), 0
        for s, e in frag.get("matches", []):
            cursor.insertText(text[pos:s], plain)
            cursor.insertText(text[s:e], bold)
            pos = e
        cursor.insertText(text[pos:], plain)
    doc.setTextWidth(width)
    return doc


class SearchResultsModel(QAbstractListModel):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.hits: list = []
        self.passages = False
        self.titles: dict[int, str] = {}

    def set_hits(self, hits: list, passages: bool, titles: dict[int, str] | None = None) -> None:
        self.beginResetModel()
        self.hits, self.passages = list(hits), passages
        self.titles = titles or {}
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self.hits)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self.hits):
            return None
        hit = self.hits[index.row()]
        if role == Qt.DisplayRole:
            return self.title_of(hit)
        if role == Qt.ToolTipRole:
            return tooltip_text(self.title_of(hit))
        if role == HIT_ROLE:
            return hit
        return None

    def title_of(self, hit) -> str:
        if self.passages:
            return self.titles.get(hit.article_id, f"Article {hit.article_id}")
        return " ".join((hit.title or "").split())


class SnippetDelegate(QStyledItemDelegate):
    PAD = 6

    def __init__(self, model: SearchResultsModel, parent=None):
        super().__init__(parent)
        self.model = model

    def _meta(self, hit) -> str:
        if self.model.passages:
            return ", ".join(hit.tags) or "passage"
        return "  ·  ".join(x for x in (hit.outlet, (hit.published or "")[:10]) if x)

    def _title(self, hit) -> str:
        return self.model.title_of(hit)

    def _fragments(self, hit) -> list[dict]:
        """Article hits: their snippet fragments. Passage hits: the whole quote from its
        start, with the words the search matched in bold."""
        if not self.model.passages:
            return hit.fragments or [{"text": "", "matches": []}]
        quote = " ".join((hit.quote or "").split())
        terms = {f.get("text", "")[s:e].casefold() for f in hit.fragments or [] for s, e in f.get("matches", [])}
        matches = []
        if terms:
            import re

            pattern = re.compile("|".join(r"\b" + re.escape(t) + r"\w*" for t in sorted(terms, key=len, reverse=True)
                                          if t), re.IGNORECASE)
            matches = [(m.start(), m.end()) for m in pattern.finditer(quote)]
        return [{"text": "“" + quote + "”", "matches": [(a + 1, b + 1) for a, b in matches]}]

    SNIPPET_LINES = 3

    def sizeHint(self, option, index):  # noqa: N802
        # One fixed height (title, meta, three snippet lines): the view can use uniform item
        # sizes and never lays out every snippet to scroll.
        fm = option.fontMetrics
        h = self.PAD + fm.height() + 2 + fm.height() + 4 + fm.lineSpacing() * self.SNIPPET_LINES + self.PAD
        return QSize(max(120, option.rect.width()), int(h))

    def paint(self, painter, option, index):
        hit = index.data(HIT_ROLE)
        if hit is None:
            return super().paint(painter, option, index)
        painter.save()
        style = option.widget.style() if option.widget else None
        if style is not None:
            style.drawPrimitive(QStyle.PE_PanelItemViewItem, option, painter, option.widget)
        selected = bool(option.state & QStyle.State_Selected)
        pal = option.palette
        text_color = pal.color(QPalette.HighlightedText if selected else QPalette.Text)
        r = option.rect.adjusted(self.PAD, self.PAD, -self.PAD, -self.PAD)
        fm = option.fontMetrics
        bold = QFont(option.font)
        bold.setBold(True)
        painter.setFont(bold)
        painter.setPen(text_color)
        title = self._title(hit)
        painter.drawText(r.left(), r.top(), r.width(), fm.height(), Qt.AlignLeft | Qt.AlignVCenter,
                         painter.fontMetrics().elidedText(title, Qt.ElideRight, r.width()))
        y = r.top() + fm.height() + 2
        painter.setFont(option.font)
        meta_color = pal.color(QPalette.HighlightedText if selected else QPalette.PlaceholderText)
        painter.setPen(meta_color)
        painter.drawText(r.left(), y, r.width(), fm.height(), Qt.AlignLeft | Qt.AlignVCenter,
                         fm.elidedText(self._meta(hit), Qt.ElideRight, r.width()))
        y += fm.height() + 4
        doc = snippet_document(self._fragments(hit), option.font, r.width(), text_color)
        painter.translate(r.left(), y)
        clip = QRectF(0, 0, r.width(), max(0, r.bottom() - y))
        doc.drawContents(painter, clip)
        painter.restore()


class ResultsView(QListView):
    """The results list: Enter opens the current hit in the reader, Esc goes back to the bar."""

    entered = Signal()
    escaped = Signal()

    def keyPressEvent(self, event):  # noqa: N802
        if event.key() in (Qt.Key_Return, Qt.Key_Enter) and self.currentIndex().isValid():
            self.entered.emit()
            return
        if event.key() == Qt.Key_Escape:
            self.escaped.emit()
            return
        super().keyPressEvent(event)


class SearchPanel(QWidget):
    """Search line + Articles/Passages switch + save button + inline error + results list.

    Keyboard: type, then Enter opens the top hit (or the current one) and asks for the
    reader's focus (``reader_focus_requested``); Down moves into the results, where Enter
    does the same and Esc returns to the bar.
    """

    article_chosen = Signal(int)
    passage_chosen = Signal(int, int)  # article id, passage id
    results_shown = Signal(int)  # number of hits (total)
    cleared = Signal()
    save_requested = Signal(str, bool)  # query, passages
    reader_focus_requested = Signal()

    def __init__(self, service, lib, parent: QWidget | None = None):
        super().__init__(parent)
        self.service = service
        self.lib = lib
        self.pending_id = 0
        self.last_result = None
        self._asked: tuple[str, bool] | None = None  # the query (and mode) last sent
        self._shown: tuple[str, bool] | None = None  # the query the results list shows
        self._open_when_done = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(3)
        row = QHBoxLayout()
        row.setSpacing(4)
        self.edit = QLineEdit(self)
        self.edit.setObjectName("searchEdit")
        self.edit.setPlaceholderText("Search (Ctrl+K)   e.g.  drones tag:energy")
        self.edit.setToolTip("Search the library. Examples: drones tag:energy  ·  outlet:\"Tech Harvest\"  ·  "
                             "published:>-30d  ·  \"exact phrase\"")
        self.edit.setClearButtonEnabled(True)
        self.mode = QComboBox(self)
        self.mode.addItem("Articles", False)
        self.mode.addItem("Passages", True)
        self.mode.setToolTip("Search articles or your passages")
        self.save = QToolButton(self)
        self.save.setText("Save")
        self.save.setToolTip("Save this search")
        self.save.setEnabled(False)
        row.addWidget(self.edit, 1)
        row.addWidget(self.mode)
        row.addWidget(self.save)
        layout.addLayout(row)
        self.status = plain_label("", self, word_wrap=True)
        self.status.setObjectName("searchStatus")
        self.status.hide()
        self.suggest = QToolButton(self)
        self.suggest.setObjectName("didYouMean")
        self.suggest.setAutoRaise(True)
        self.suggest.hide()
        self.suggest.clicked.connect(lambda: self.edit.setText(self.suggest.property("query") or self.query()))
        status_row = QHBoxLayout()
        status_row.setSpacing(4)
        status_row.addWidget(self.status, 1)
        status_row.addWidget(self.suggest)
        layout.addLayout(status_row)
        self.model = SearchResultsModel(self)
        self.results = ResultsView(self)
        self.results.setObjectName("searchResults")
        self.results.setModel(self.model)
        self.results.setItemDelegate(SnippetDelegate(self.model, self.results))
        self.results.setUniformItemSizes(True)
        self.results.setVerticalScrollMode(QListView.ScrollPerPixel)
        self.results.setResizeMode(QListView.Adjust)
        self.results.hide()
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(DEBOUNCE_MS)
        self.timer.timeout.connect(self.run_now)
        self.edit.textChanged.connect(self._typed)
        self.edit.returnPressed.connect(self._enter)
        self.mode.currentIndexChanged.connect(lambda _i: self._typed(self.edit.text()))
        self.save.clicked.connect(lambda: self.save_requested.emit(self.query(), self.passages_mode()))
        service.finished.connect(self._finished)
        service.failed.connect(self._failed)
        self.results.selectionModel().currentChanged.connect(self._activate)
        self.results.clicked.connect(self._activate)
        self.results.entered.connect(self.open_current)
        self.results.escaped.connect(self.focus)
        self.edit.installEventFilter(self)

    # ---- state --------------------------------------------------------------------------------
    def query(self) -> str:
        return self.edit.text().strip()

    def passages_mode(self) -> bool:
        return bool(self.mode.currentData())

    def active(self) -> bool:
        return bool(self.query())

    def set_query(self, query: str, passages: bool = False) -> None:
        self.mode.blockSignals(True)
        self.mode.setCurrentIndex(1 if passages else 0)
        self.mode.blockSignals(False)
        self.edit.setText(query)
        self.run_now()

    def focus(self) -> None:
        self.edit.setFocus(Qt.ShortcutFocusReason)
        self.edit.selectAll()

    # ---- searching -------------------------------------------------------------------------------
    def _typed(self, text: str) -> None:
        self.save.setEnabled(bool(text.strip()))
        self._open_when_done = False
        if not text.strip():
            self.timer.stop()
            self.pending_id = 0
            self.model.set_hits([], False)
            self.status.hide()
            self.suggest.hide()
            self.results.hide()
            self.last_result = None
            self.cleared.emit()
            return
        self.timer.start()

    def run_now(self) -> None:
        self.timer.stop()
        if not self.query():
            return
        problem = query_problem(self.query())
        if problem:  # say what is wrong instead of searching a misread query
            self.pending_id = 0
            self._open_when_done = False
            self.suggest.hide()
            self._show_status(f"Cannot search: {problem}.", error=True)
            return
        self._asked = (self.query(), self.passages_mode())
        self.pending_id = self.service.search(self.query(), passages=self.passages_mode(), limit=RESULT_LIMIT)

    def _enter(self) -> None:
        """Enter in the bar: open the hit shown for this query, or search and open the top hit."""
        if not self.query():
            return
        if (self.last_result is not None and not self.timer.isActive()
                and self._shown == (self.query(), self.passages_mode())):
            self.open_current()
        else:
            self._open_when_done = True
            self.run_now()

    def current_hit(self):
        return self.results.currentIndex().data(HIT_ROLE)

    def show_first(self) -> None:
        """Make the top hit current (the reader follows) without taking the focus."""
        if self.model.rowCount():
            self.results.setCurrentIndex(self.model.index(0))

    def matched_terms(self, article_id: int) -> list[str]:
        """The words the shown search matched in ``article_id`` (to mark them in the reader)."""
        if not self.active() or self.last_result is None:
            return []
        terms = []
        for hit in self.model.hits:
            if (hit.article_id if self.model.passages else hit.id) != article_id:
                continue
            for frag in hit.fragments or []:
                text = frag.get("text", "")
                terms += [text[s:e] for s, e in frag.get("matches", []) if e > s]
        return list(dict.fromkeys(terms))

    def open_current(self) -> bool:
        """Open the current hit (the first when none is current) and hand the focus on."""
        if not self.model.rowCount():
            return False
        index = self.results.currentIndex()
        if index.isValid():
            self._activate(index)
        else:
            self.results.setCurrentIndex(self.model.index(0))  # emits currentChanged -> _activate
        self.reader_focus_requested.emit()
        return True

    def _finished(self, rid: int, result) -> None:
        if rid != self.pending_id:
            return
        self.last_result = result
        self._shown = self._asked
        titles = {}
        if self.passages_mode() and result.hits:
            aids = sorted({h.article_id for h in result.hits})
            try:
                titles = {r["id"]: " ".join((r["title"] or "").split()) for r in self.lib.articles.summaries(ids=aids)}
            except Exception:  # noqa: BLE001 - a concurrent delete: show ids
                titles = {}
        self.model.set_hits(result.hits, self.passages_mode(), titles)
        shown = len(result.hits)
        what = "passage" if self.passages_mode() else "article"
        self.suggest.hide()
        if result.total == 0:
            self._show_status(f"No {what}s match.", error=False)
            if result.suggestion:
                self.suggest.setText(f"Did you mean: {result.suggestion}")
                self.suggest.setProperty("query", result.suggestion)
                self.suggest.show()
        elif shown < result.total:
            self._show_status(f"Showing the best {shown} of {result.total:,} {what}s.", error=False)
        else:
            self.status.hide()  # the count is in the view's header
        self.results.show()
        self.results_shown.emit(result.total)
        if self._open_when_done:
            self._open_when_done = False
            self.open_current()

    def _failed(self, rid: int, message: str) -> None:
        if rid != self.pending_id:
            return
        self._open_when_done = False
        # The message instead of results (a query too broad to answer, one that cannot be
        # read): the hits of an earlier query would look like this one's.
        self.last_result = None
        self.model.set_hits([], self.passages_mode())
        self.suggest.hide()
        self._show_status(message[:1].upper() + message[1:] + ("" if message.endswith(".") else "."),
                          error=True)

    def _show_status(self, text: str, error: bool) -> None:
        self.status.setText(text)
        self.status.setProperty("error", error)
        pal = self.status.palette()
        role = self.status.foregroundRole()
        if error:
            pal.setColor(role, self._error_color())
        else:
            pal.setColor(role, self.palette().color(QPalette.Active, QPalette.PlaceholderText))
        self.status.setPalette(pal)
        self.status.show()

    def _error_color(self):
        from PySide6.QtGui import QColor

        base = self.palette().color(QPalette.Base)
        return QColor("#ff8a80") if base.lightness() < 128 else QColor("#b3261e")

    # ---- choosing ----------------------------------------------------------------------------------
    def _activate(self, index, _prev=None) -> None:
        hit = index.data(HIT_ROLE)
        if hit is None:
            return
        if self.model.passages:
            self.passage_chosen.emit(hit.article_id, hit.passage_id)
        else:
            self.article_chosen.emit(hit.id)

    def eventFilter(self, obj, event):  # noqa: N802 - Down arrow from the bar into the results
        from PySide6.QtCore import QEvent

        if obj is self.edit and event.type() == QEvent.KeyPress and event.key() == Qt.Key_Down \
                and self.results.isVisible() and self.model.rowCount():
            self.results.setFocus()
            if not self.results.currentIndex().isValid():
                self.results.setCurrentIndex(self.model.index(0))
            return True
        if obj is self.edit and event.type() == QEvent.KeyPress and event.key() == Qt.Key_Escape:
            self.edit.clear()
            return True
        return super().eventFilter(obj, event)
