"""Versions in the reader: a version bar (v1 … vN with dates, "headline changed" / "N words
changed"), an older version or a track-changes view (insertions green, deletions struck
through in red) shown in place of the reader, and "Open original".

Old versions and diffs are shown in their own read-only view, never in the ReaderView: a
passage is always made on the current text. Text goes in with ``insertText`` only (no
HTML), as in the reader.
"""
from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QObject, Qt, QUrl, Signal
from PySide6.QtGui import QAction, QColor, QDesktopServices, QKeySequence, QTextCharFormat, QTextCursor
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QSizePolicy, QTextEdit, QToolButton, QWidget

from clipper.anchoring import codepoint_to_utf16
from clipper.errors import ClipperError

INSERT_BG = QColor(46, 160, 67, 70)
INSERT_FG = QColor(20, 110, 40)
DELETE_FG = QColor(190, 40, 40)


class ElidedLabel(QLabel):
    """A one-line label that gives way in a narrow reader, ending in "…" (its full text is
    its tool tip)."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(text, parent)
        self.setSizePolicy(QSizePolicy.Ignored, QSizePolicy.Preferred)

    def paintEvent(self, _event):  # noqa: N802
        from PySide6.QtGui import QPainter

        painter = QPainter(self)
        rect = self.contentsRect()
        painter.drawText(rect, Qt.AlignLeft | Qt.AlignVCenter,
                         self.fontMetrics().elidedText(self.text(), Qt.ElideRight, rect.width()))


class VersionBar(QWidget):
    """v1 … vN with dates, a track-changes toggle and "Open original"."""

    version_chosen = Signal(int)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("versionBar")
        row = QHBoxLayout(self)
        row.setContentsMargins(18, 2, 18, 2)
        self.label = QLabel("Version", self)
        self.combo = QComboBox(self)
        self.combo.setObjectName("versionCombo")
        self.marks = ElidedLabel("", self)
        self.marks.setObjectName("versionMarks")
        self.track = QToolButton(self)
        self.track.setObjectName("trackChanges")
        self.original = QToolButton(self)
        self.original.setObjectName("openOriginal")
        row.addWidget(self.label)
        row.addWidget(self.combo)
        row.addWidget(self.marks, 1)
        row.addWidget(self.track)
        row.addWidget(self.original)
        self.combo.activated.connect(lambda i: self.version_chosen.emit(self.combo.itemData(i)))

    def set_versions(self, versions: list[dict], shown: int) -> None:
        self.combo.blockSignals(True)
        self.combo.clear()
        for v in versions:
            when = (v["captured_at"] or "")[:16].replace("T", " ")
            self.combo.addItem(f"v{v['version']}  {when}" + ("  (current)" if v["current"] else ""), v["version"])
        self.combo.setCurrentIndex(max(0, [v["version"] for v in versions].index(shown)) if versions else -1)
        self.combo.blockSignals(False)
        many = len(versions) > 1
        for w in (self.label, self.combo, self.track):
            w.setVisible(many)
        latest = versions[-1] if versions else None
        marks = []
        if many and latest is not None:
            if latest["title_changed"]:
                marks.append("headline changed")
            marks.append(f"{latest['words_changed']} words changed in v{latest['version']}")
        self.marks.setText("  ·  ".join(marks))
        self.marks.setToolTip("  ·  ".join(marks))


class VersionView(QTextEdit):
    """A read-only text view for an older version or a track-changes diff."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("versionView")
        self.setReadOnly(True)
        self.setAcceptRichText(False)
        self.setUndoRedoEnabled(False)
        self.document().setDocumentMargin(18)
        self.runs: list[dict] = []

    def loadResource(self, type_, name):  # noqa: N802 - Qt override: nothing is ever loaded
        return None

    def show_text(self, title: str, text: str, highlight: tuple[int, int] | None = None) -> None:
        self.runs = []
        doc = self.document()
        doc.clear()
        cursor = QTextCursor(doc)
        bold = QTextCharFormat()
        bold.setFontWeight(700)
        cursor.insertText(title + "\n\n", bold)
        offset = len(title) + 2
        cursor.insertText(text, QTextCharFormat())
        if highlight is not None:
            full = title + "\n\n" + text
            a = codepoint_to_utf16(full, offset + highlight[0])
            b = codepoint_to_utf16(full, offset + highlight[1])
            sel = QTextEdit.ExtraSelection()
            c = QTextCursor(doc)
            c.setPosition(a)
            c.setPosition(b, QTextCursor.KeepAnchor)
            sel.cursor = c
            fmt = QTextCharFormat()
            fmt.setBackground(QColor(255, 213, 79, 140))
            sel.format = fmt
            self.setExtraSelections([sel])
            cur = QTextCursor(doc)
            cur.setPosition(a)
            self.setTextCursor(cur)
            self.ensureCursorVisible()
        else:
            self.setExtraSelections([])
            self.moveCursor(QTextCursor.Start)

    def show_diff(self, diff: dict) -> None:
        """Track changes: insertions on green, deletions struck through in red."""
        doc = self.document()
        doc.clear()
        self.setExtraSelections([])
        cursor = QTextCursor(doc)
        head = QTextCharFormat()
        head.setFontWeight(700)
        self.runs = []
        for label, runs in (("title", diff["title"]), ("dek", diff["dek"]), ("body", diff["body"])):
            if label == "dek" and not any(r["text"].strip() for r in runs):
                continue
            for r in runs:
                fmt = QTextCharFormat(head) if label == "title" else QTextCharFormat()
                if r["op"] == "insert":
                    fmt.setBackground(INSERT_BG)
                    fmt.setForeground(INSERT_FG)
                elif r["op"] == "delete":
                    fmt.setFontStrikeOut(True)
                    fmt.setForeground(DELETE_FG)
                cursor.insertText(r["text"], fmt)
                self.runs.append({**r, "part": label})
            cursor.insertText("\n\n", QTextCharFormat())
        self.moveCursor(QTextCursor.Start)


class VersionsController(QObject):
    """Puts the bar under the reader header and the version view beside the reader, and
    follows the window's article. ``window`` is the MainWindow (its lib, reader,
    current_article); ``layout`` the reader column's layout. ``displayed`` tells others (the
    watch actions) which article the reader shows."""

    displayed = Signal(object)  # the article now in the reader (None: none)

    def __init__(self, window, layout, header_index: int = 0):
        super().__init__(window)
        self.window = window
        self.lib = window.lib
        self.bar = VersionBar()
        self.view = VersionView()
        layout.insertWidget(header_index + 1, self.bar)
        layout.addWidget(self.view, 1)
        self.view.hide()
        self.bar.hide()
        self.versions: list[dict] = []
        self.shown: int | None = None  # None: the reader shows the current version
        self._tmp = None
        self.act_track = QAction("Track changes", window)
        self.act_track.setCheckable(True)
        self.act_track.setShortcut(QKeySequence("Ctrl+Shift+D"))
        self.act_track.toggled.connect(self._track_toggled)
        self.act_original = QAction("Open original", window)
        self.act_original.triggered.connect(self.open_original)
        self.act_prev = QAction("Previous version", window)
        self.act_prev.setShortcut(QKeySequence("Ctrl+Alt+Left"))
        self.act_prev.triggered.connect(lambda: self._step(-1))
        self.act_next = QAction("Next version", window)
        self.act_next.setShortcut(QKeySequence("Ctrl+Alt+Right"))
        self.act_next.triggered.connect(lambda: self._step(1))
        self.act_refresh = QAction("Refresh from the web", window)
        self.act_refresh.setShortcut(QKeySequence("Ctrl+Shift+R"))
        self.act_refresh.triggered.connect(self.refresh_current)
        self._job = None
        for a in (self.act_track, self.act_original, self.act_prev, self.act_next, self.act_refresh):
            window.addAction(a)
        self.bar.track.setDefaultAction(self.act_track)
        self.bar.original.setDefaultAction(self.act_original)
        self.bar.version_chosen.connect(self.show_version)
        menu = next((a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "View"), None)
        if menu is not None:
            menu.addSeparator()
            for a in (self.act_prev, self.act_next, self.act_track, self.act_original, self.act_refresh):
                menu.addAction(a)

    # ---- following the window ----------------------------------------------------------
    def article_shown(self, article) -> None:
        """The window shows ``article`` (None: nothing) in the reader: back to its current version."""
        from clipper import versions
        from clipper.storage import captures as capture_store

        self.shown = None
        self.view.hide()
        self.act_track.blockSignals(True)
        self.act_track.setChecked(False)
        self.act_track.blockSignals(False)
        self.act_refresh.setEnabled(article is not None and (article.url or "").lower().startswith(("http://", "https://")))
        self.displayed.emit(article)
        if article is None:
            self.versions = []
            self.bar.hide()
            self._enable(False, False)
            return
        try:
            self.versions = versions.list_versions(self.lib, article.id)
            has_original = capture_store.latest_capture(self.lib.db, article.id) is not None
        except ClipperError:
            self.versions, has_original = [], False
        self.bar.set_versions(self.versions, self.versions[-1]["version"] if self.versions else 1)
        self.bar.setVisible(len(self.versions) > 1 or has_original)
        self._enable(len(self.versions) > 1, has_original)

    def _enable(self, many: bool, original: bool) -> None:
        for a in (self.act_track, self.act_prev, self.act_next):
            a.setEnabled(many)
        self.act_original.setEnabled(original)

    @property
    def current_number(self) -> int:
        return self.versions[-1]["version"] if self.versions else 1

    # ---- showing versions ---------------------------------------------------------------
    def show_version(self, number: int, highlight: tuple[int, int] | None = None) -> None:
        """Show version ``number`` (the current one: back to the reader)."""
        from clipper import versions

        article = self.window.current_article
        if article is None:
            return
        if self.act_track.isChecked():
            self.act_track.blockSignals(True)
            self.act_track.setChecked(False)
            self.act_track.blockSignals(False)
        if number == self.current_number and highlight is None:
            self._back_to_reader()
            return
        v = versions.get_version(self.lib, article.id, number)
        self.shown = number
        self.view.show_text(v["title"], v["text"], highlight)
        self._show_view()
        self.bar.set_versions(self.versions, number)

    def _step(self, delta: int) -> None:
        numbers = [v["version"] for v in self.versions]
        if len(numbers) < 2:
            return
        at = numbers.index(self.shown if self.shown is not None else numbers[-1])
        target = numbers[max(0, min(len(numbers) - 1, at + delta))]
        self.show_version(target)

    def _track_toggled(self, on: bool) -> None:
        from clipper import versions

        article = self.window.current_article
        if article is None or len(self.versions) < 2:
            return
        if not on:
            self._back_to_reader()
            return
        to = self.shown if self.shown is not None and self.shown > self.versions[0]["version"] else self.current_number
        numbers = [v["version"] for v in self.versions]
        frm = numbers[numbers.index(to) - 1]
        self.view.show_diff(versions.diff(self.lib, article.id, frm, to))
        self.shown = to
        self._show_view()
        self.bar.set_versions(self.versions, to)

    def _show_view(self) -> None:
        self.window.reader.hide()
        self.view.show()

    def _back_to_reader(self) -> None:
        self.shown = None
        self.view.hide()
        if self.window.current_article is not None:
            self.window.reader.show()
        self.bar.set_versions(self.versions, self.current_number)

    def open_passage(self, passage) -> bool:
        """An orphaned passage: open the version that holds its quote, the quote marked."""
        from clipper import versions

        if self.window.current_article is None or passage.status != "orphaned":
            return False
        where = versions.locate_passage(self.lib, passage)
        if where["version"] is None:
            return False
        self.show_version(where["version"], (where["start"], where["end"]))
        removed = f"; removed in v{where['removed_in']}" if where.get("removed_in") else ""
        self.window.statusBar().showMessage(f"Passage #{passage.id} is on v{where['version']}{removed}", 8000)
        return True

    # ---- the original -------------------------------------------------------------------
    def open_original(self) -> Path | None:
        """Write the kept original to a temporary file and open it with the system's
        viewer (a page in the browser, a text in the editor)."""
        from clipper import captures

        article = self.window.current_article
        if article is None:
            return None
        try:
            c = captures.pick(self.lib, article.id)
            data = captures.original_bytes(self.lib, c)
        except (ClipperError, OSError, ValueError) as exc:
            self.window.statusBar().showMessage(f"Cannot open the original: {exc}", 8000)
            return None
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="clipper-original-")
        suffix = ".html" if c.kind in ("html", "pocket") or c.content_type.startswith("text/html") else \
            Path(captures.default_name(replace(c, origin="file"))).suffix
        path = Path(self._tmp.name) / f"article-{article.id}-capture-{c.id}{suffix}"
        path.write_bytes(data)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))
        return path

    # ---- refresh ------------------------------------------------------------------------
    def refresh_current(self) -> None:
        """Re-fetch the shown article (conditional request, on a worker thread); a changed
        page becomes a new version, shown when it arrives."""
        from clipper.gui.workers import JobThread
        from clipper.refresh import refresh

        article = self.window.current_article
        if article is None or self._job is not None:
            return
        aid = article.id
        status = self.window.statusBar()
        job = JobThread(self.lib.folder, lambda lib, token: refresh(lib, [aid], delay=0.0, limit=1, cancel=token), self)
        job.succeeded.connect(lambda report: self._refreshed(aid, report))
        job.failed.connect(lambda message: status.showMessage(f"Refresh failed: {message}", 8000))
        job.finished.connect(self._job_finished)
        self._job = job
        status.showMessage(f"Refreshing {article.url} …")
        job.start()

    def _job_finished(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            job.deleteLater()

    def _refreshed(self, article_id: int, report) -> None:
        from clipper.gui.workers import refresh_index

        status = self.window.statusBar()
        if report.failed:
            status.showMessage(f"Refresh failed: {report.failed[0]['error']}", 8000)
            return
        if not report.changed:
            status.showMessage("Unchanged since the last capture.", 5000)
            return
        refresh_index(self.lib)
        self.window.model.refresh_articles([article_id])  # the list's change mark
        self.window.table.measure()
        status.showMessage(f"Changed: now version {report.versions[article_id]}.", 8000)
        current = self.window.current_article
        if current is not None and current.id == article_id:
            self.window.open_article(article_id)
