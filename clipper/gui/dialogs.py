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
    """Paste an article's text (from the clipboard) as a new clipping."""

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
        form.addRow("Title", self.title)
        form.addRow("Outlet", self.outlet)
        form.addRow("URL", self.url)
        layout.addLayout(form)
        self.text = QPlainTextEdit(self)
        self.text.setPlainText(text)
        layout.addWidget(self.text, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Ok | QDialogButtonBox.Cancel, self)
        buttons.button(QDialogButtonBox.Ok).setText("Add clipping")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(600, 460)
