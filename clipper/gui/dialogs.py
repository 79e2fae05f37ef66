"""Small dialogs: article metadata, article note, paste as new clipping, import URL."""
from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QFormLayout, QLineEdit, QPlainTextEdit, QVBoxLayout,
                               QWidget)

from clipper.models import Article
from clipper.gui.passage_editor import MarkdownEditor
from clipper.gui.util import plain_label

META_FIELDS = [("title", "Title"), ("outlet", "Outlet"), ("agency", "Agency"), ("author", "Author"),
               ("published", "Date (YYYY-MM-DD)"), ("url", "URL")]


class MetadataDialog(QDialog):
    def __init__(self, article: Article, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Article details")
        self.article = article
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.fields: dict[str, QLineEdit] = {}
        for key, label in META_FIELDS:
            edit = QLineEdit(str(getattr(article, key) or ""), self)
            self.fields[key] = edit
            form.addRow(label, edit)
        layout.addLayout(form)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 0)

    def changed_fields(self) -> dict:
        out = {}
        for key, edit in self.fields.items():
            value = edit.text().strip()
            if value != str(getattr(self.article, key) or ""):
                out[key] = value
        return out


class NoteDialog(QDialog):
    def __init__(self, title: str, text: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Article note")
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label(title, self, word_wrap=True))
        self.editor = MarkdownEditor(text, self)
        layout.addWidget(self.editor, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(520, 380)

    def text(self) -> str:
        return self.editor.text()


class PasteDialog(QDialog):
    """Paste an article's text (from the clipboard) as a new clipping, with what a quote is
    cited by: title, outlet, URL, date and author (guessed from the text, editable).
    The date and URL are checked by the core's rule before the dialog closes."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Paste as new clipping")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.title = QLineEdit(self)
        self.title.setPlaceholderText("(first line of the text)")
        self.outlet = QLineEdit(self)
        self.url = QLineEdit(self)
        self.url.setPlaceholderText("https://…")
        self.published = QLineEdit(self)
        self.published.setPlaceholderText("YYYY-MM-DD")
        self.author = QLineEdit(self)
        form.addRow("Title", self.title)
        form.addRow("Outlet", self.outlet)
        form.addRow("URL", self.url)
        form.addRow("Date", self.published)
        form.addRow("Author", self.author)
        layout.addLayout(form)
        self.text = QPlainTextEdit(self)
        layout.addWidget(self.text, 1)
        self.error = plain_label("", self, word_wrap=True)
        self.error.setObjectName("dialogError")
        self.error.hide()
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.button(QDialogButtonBox.Ok).setText("Add clipping")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 520)
        self.text.setPlainText(text if isinstance(text, str) else "")
        self.guess()

    def guess(self) -> None:
        """Fill the empty fields with what the pasted text suggests."""
        from clipper.importers.guess import guess_metadata

        g = guess_metadata(self.text.toPlainText())
        for edit, key in ((self.outlet, "outlet"), (self.url, "url"), (self.published, "published"),
                          (self.author, "author")):
            if not edit.text() and g.get(key):
                edit.setText(g[key])

    def values(self) -> dict:
        """The checked values (InputError when the date or URL breaks the core's rule)."""
        from clipper.validation import check_published, check_url

        return {"title": self.title.text().strip() or None, "outlet": self.outlet.text().strip() or None,
                "url": check_url(self.url.text()) or None, "published": check_published(self.published.text()),
                "author": self.author.text().strip() or None}

    def accept(self) -> None:
        from clipper.errors import InputError

        try:
            self.values()
        except InputError as exc:
            self.error.setText(str(exc))
            self.error.show()
            return
        super().accept()
