"""Export…: choose what (this article, the selected articles, a tag, the current search),
the format (PDF, Markdown, CSV, JSON, W3C annotations, DOCX/HTML briefings, CSL-JSON,
BibTeX, RIS), a briefing (cover, contents, sections, bibliography), grouping, citation
style and page size.

The document is built and written on a worker thread with its own Library.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (QButtonGroup, QCheckBox, QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QGroupBox, QHBoxLayout, QLabel, QLineEdit, QProgressBar, QPushButton,
                               QRadioButton, QVBoxLayout, QWidget)

from clipper.gui.util import elide
from clipper.gui.workers import JobThread

FORMATS = [("pdf", "PDF document", ".pdf"), ("md", "Markdown", ".md"), ("csv", "CSV spreadsheet", ".csv"),
           ("json", "JSON", ".json"), ("w3c", "W3C Web Annotations (JSON-LD)", ".jsonld"),
           ("docx", "Word briefing (DOCX)", ".docx"), ("html", "E-mail briefing (HTML)", ".html"),
           ("csl-json", "CSL-JSON references", ".json"), ("bibtex", "BibTeX references", ".bib"),
           ("ris", "RIS references", ".ris")]
STYLES = [("chicago-note", "Chicago (notes)"), ("chicago-bib", "Chicago (bibliography)"), ("apa", "APA"),
          ("mla", "MLA"), ("harvard", "Harvard")]


class ExportDialog(QDialog):
    exported = Signal(str)  # the path written
    failed = Signal(str)

    def __init__(self, folder, *, article_id: int | None = None, article_title: str = "",
                 selected_ids: list[int] = (), tags: list[str] = (), current_tag: str | None = None,
                 query: str = "", query_passages: bool = False, default_dir: str | None = None,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Export")
        self.folder = folder
        self.article_id = article_id
        self.selected_ids = list(selected_ids)
        self.query, self.query_passages = query, query_passages
        self.thread: JobThread | None = None
        self.written: str | None = None
        layout = QVBoxLayout(self)

        scope_box = QGroupBox("What to export", self)
        sv = QVBoxLayout(scope_box)
        self.scope_group = QButtonGroup(self)
        self.r_article = QRadioButton(f"This article: {elide(article_title, 60)}" if article_id else "This article",
                                      scope_box)
        self.r_article.setEnabled(article_id is not None)
        self.r_selected = QRadioButton(f"Selected articles ({len(self.selected_ids)})", scope_box)
        self.r_selected.setEnabled(len(self.selected_ids) > 0)
        tag_row = QHBoxLayout()
        self.r_tag = QRadioButton("Tag", scope_box)
        self.tag_combo = QComboBox(scope_box)
        self.tag_combo.addItems(list(tags))
        if current_tag and current_tag in tags:
            self.tag_combo.setCurrentText(current_tag)
        self.r_tag.setEnabled(bool(tags))
        self.tag_combo.setEnabled(bool(tags))
        tag_row.addWidget(self.r_tag)
        tag_row.addWidget(self.tag_combo, 1)
        what = "passages" if query_passages else "articles"
        self.r_search = QRadioButton(f"Current search ({what}): {elide(query, 50)}" if query else "Current search",
                                     scope_box)
        self.r_search.setEnabled(bool(query.strip()))
        self.r_all = QRadioButton("Whole library", scope_box)
        for n, r in enumerate((self.r_article, self.r_selected, self.r_tag, self.r_search, self.r_all)):
            self.scope_group.addButton(r, n)
        sv.addWidget(self.r_article)
        sv.addWidget(self.r_selected)
        sv.addLayout(tag_row)
        sv.addWidget(self.r_search)
        sv.addWidget(self.r_all)
        for r in (self.r_search if query else None, self.r_tag if current_tag else None,
                  self.r_selected if len(self.selected_ids) > 1 else None, self.r_article, self.r_all):
            if r is not None and r.isEnabled():
                r.setChecked(True)
                break
        layout.addWidget(scope_box)

        form = QFormLayout()
        self.format = QComboBox(self)
        for key, label, _ext in FORMATS:
            self.format.addItem(label, key)
        self.group_by = QComboBox(self)
        self.group_by.addItem("Article", "article")
        self.group_by.addItem("Tag", "tag")
        self.page_size = QComboBox(self)
        self.page_size.addItems(["A4", "Letter"])
        path_row = QHBoxLayout()
        self.path = QLineEdit(self)
        base = Path(default_dir or Path.home())
        self.path.setText(str(base / "clipper-export.pdf"))
        browse = QPushButton("Browse…", self)
        browse.clicked.connect(self._browse)
        path_row.addWidget(self.path, 1)
        path_row.addWidget(browse)
        self.briefing = QCheckBox("Briefing: cover, contents, sections, bibliography", self)
        self.group_by.addItem("Story", "story")
        self.group_by.addItem("Date", "date")
        self.style = QComboBox(self)
        for key, label in STYLES:
            self.style.addItem(label, key)
        self.briefing.toggled.connect(lambda _checked: self._format_changed())
        form.addRow("Format", self.format)
        form.addRow("", self.briefing)
        form.addRow("Group by", self.group_by)
        form.addRow("Citation style", self.style)
        form.addRow("Page size", self.page_size)
        form.addRow("Save to", path_row)
        layout.addLayout(form)
        self.open_after = QCheckBox("Open the file when done", self)
        layout.addWidget(self.open_after)
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)  # busy: building the document, then writing the file
        self.progress.hide()
        layout.addWidget(self.progress)
        self.status = QLabel("", self)
        self.status.setTextFormat(Qt.PlainText)
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.buttons = QDialogButtonBox(self)
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.AcceptRole)
        self.open_button = self.buttons.addButton("Open file", QDialogButtonBox.ActionRole)
        self.cancel_button = self.buttons.addButton("Cancel export", QDialogButtonBox.ActionRole)
        self.cancel_button.hide()
        self.open_button.setEnabled(False)
        self.buttons.addButton(QDialogButtonBox.Close)
        self.export_button.clicked.connect(self.start_export)
        self.open_button.clicked.connect(self.open_result)
        self.cancel_button.clicked.connect(self.cancel_export)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)
        self.format.currentIndexChanged.connect(self._format_changed)
        self._format_changed()
        self.resize(560, 0)

    # ---- choices -------------------------------------------------------------------------------
    def fmt(self) -> str:
        return self.format.currentData()

    def set_format(self, key: str) -> None:
        self.format.setCurrentIndex(self.format.findData(key))

    def _format_changed(self) -> None:
        ext = next(e for k, _l, e in FORMATS if k == self.fmt())
        p = Path(self.path.text() or "clipper-export")
        self.path.setText(str(p.with_suffix(ext)))
        self.page_size.setEnabled(self.fmt() == "pdf")
        # DOCX and HTML are always briefings; PDF is one when asked.
        self.briefing.setEnabled(self.fmt() == "pdf")
        if self.fmt() in ("docx", "html"):
            self.briefing.setChecked(True)
        briefing = self.briefing.isChecked() and self.fmt() in ("pdf", "docx", "html")
        model = self.group_by.model()
        for row, key in enumerate(("article", "tag", "story", "date")):
            model.item(row).setEnabled(key in (("tag", "story", "date") if briefing else ("article", "tag")))
        if not model.item(self.group_by.currentIndex()).isEnabled():
            self.group_by.setCurrentIndex(1)  # tag: both kinds of export have it

    def _browse(self) -> None:
        ext = next(e for k, _l, e in FORMATS if k == self.fmt())
        name, _ = QFileDialog.getSaveFileName(self, "Export to", self.path.text(), f"*{ext}")
        if name:
            self.path.setText(name)

    def scope(self):
        from clipper.export_scope import Scope

        checked = self.scope_group.checkedButton()
        if checked is self.r_article and self.article_id is not None:
            return Scope(articles=[self.article_id])
        if checked is self.r_selected:
            return Scope(articles=list(self.selected_ids))
        if checked is self.r_tag:
            return Scope(tags=[self.tag_combo.currentText()])
        if checked is self.r_search and self.query.strip():
            return Scope(query=self.query, passages=self.query_passages)
        return Scope()

    # ---- running -------------------------------------------------------------------------------
    def start_export(self) -> None:
        if self.thread is not None and self.thread.isRunning():
            return
        path = self.path.text().strip()
        if not path:
            self.status.setText("Choose where to save the file.")
            return
        scope, fmt, group_by, size = self.scope(), self.fmt(), self.group_by.currentData(), self.page_size.currentText()
        style = self.style.currentData()
        briefing = self.briefing.isChecked() and fmt in ("pdf", "docx", "html")

        def make_job(lib, token):
            from clipper.export import export
            from clipper.export.briefing import BriefingOptions
            from clipper.export.citations import Citer
            from clipper.export_scope import build_document

            doc = build_document(lib, scope, group_by="tag" if group_by == "tag" else "article")
            options = BriefingOptions(group_by=group_by, style=style) if briefing else None
            if not briefing and fmt in ("pdf", "md", "csv", "json"):
                for article, text in zip(doc.articles, Citer(style).cite_many(doc.articles)):
                    article.citation = text
            token.raise_if_cancelled()  # before anything is written
            return str(export(doc, fmt, path, page_size=size, briefing=options))

        self.status.setText("Exporting…")
        self.export_button.setEnabled(False)
        self.progress.show()
        self.cancel_button.show()
        self.thread = JobThread(self.folder, make_job, self)
        self.thread.succeeded.connect(self._done)
        self.thread.failed.connect(self._failed)
        self.thread.cancelled.connect(lambda: self._failed("cancelled", cancelled=True))
        self.thread.start()

    def cancel_export(self) -> None:
        if self.thread is not None and self.thread.isRunning():
            self.thread.cancel()
            self.status.setText("Cancelling…")

    def _idle(self) -> None:
        self.progress.hide()
        self.cancel_button.hide()
        self.export_button.setEnabled(True)

    def _done(self, path: str) -> None:
        self.written = path
        self._idle()
        self.open_button.setEnabled(True)
        self.status.setText(f"Saved {path}")
        self.exported.emit(path)
        if self.open_after.isChecked():
            self.open_result()

    def _failed(self, message: str, cancelled: bool = False) -> None:
        self._idle()
        if cancelled:
            self.status.setText("Export cancelled; no file was written.")
            return
        self.status.setText(f"Export failed: {message}")
        self.failed.emit(message)

    def open_result(self) -> None:
        if self.written:
            QDesktopServices.openUrl(QUrl.fromLocalFile(self.written))

    def done(self, r):  # noqa: D401 - wait for a running export before closing
        if self.thread is not None and self.thread.isRunning():
            self.thread.wait(30_000)
        super().done(r)
