"""Edit one passage: its tags, colour and Markdown note (with a preview that loads nothing)."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (QColorDialog, QCompleter, QDialog, QDialogButtonBox, QFormLayout, QHBoxLayout,
                               QLineEdit, QPlainTextEdit, QPushButton, QTabWidget, QVBoxLayout, QWidget)

from clipper.models import Passage
from clipper.gui.util import SafeTextBrowser, elide, plain_label, swatch_icon


def split_tags(text: str) -> list[str]:
    out: list[str] = []
    for part in text.split(","):
        name = " ".join(part.split())
        if name and name.casefold() not in {o.casefold() for o in out}:
            out.append(name)
    return out


class MarkdownEditor(QTabWidget):
    """A "Write" / "Preview" pair. The preview renders Markdown with every resource blocked."""

    def __init__(self, text: str = "", parent: QWidget | None = None):
        super().__init__(parent)
        self.edit = QPlainTextEdit(self)
        self.edit.setPlainText(text)
        self.edit.setPlaceholderText("Markdown: **bold**, *italic*, - lists, [links](https://…)")
        self.preview = SafeTextBrowser(self)
        self.addTab(self.edit, "Write")
        self.addTab(self.preview, "Preview")
        self.currentChanged.connect(self._update_preview)

    def _update_preview(self, index: int) -> None:
        if self.widget(index) is self.preview:
            self.preview.setMarkdown(self.edit.toPlainText())

    def text(self) -> str:
        return self.edit.toPlainText()


class PassageEditor(QDialog):
    """Returns (via ``result_values``) the new tags, colour and note; ``deleted`` if the
    user chose Delete."""

    def __init__(self, passage: Passage, tag_names: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Edit passage")
        self.passage = passage
        self.deleted = False
        self.color = passage.color
        layout = QVBoxLayout(self)
        quote = plain_label("“" + elide(passage.quote, 600) + "”", self, word_wrap=True)
        f = quote.font()
        f.setItalic(True)
        quote.setFont(f)
        layout.addWidget(quote)
        form = QFormLayout()
        self.tags = QLineEdit(", ".join(passage.tags), self)
        self.tags.setPlaceholderText("tags, separated by commas")
        completer = QCompleter(tag_names, self.tags)
        completer.setCaseSensitivity(Qt.CaseInsensitive)
        self.tags.setCompleter(completer)
        form.addRow("Tags", self.tags)
        row = QHBoxLayout()
        self.color_button = QPushButton(self)
        self.color_button.clicked.connect(self._pick_color)
        row.addWidget(self.color_button)
        row.addStretch(1)
        form.addRow("Colour", row)
        self._show_color()
        layout.addLayout(form)
        self.note = MarkdownEditor(passage.note, self)
        layout.addWidget(self.note, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Save | QDialogButtonBox.Cancel, self)
        delete = buttons.addButton("Delete passage", QDialogButtonBox.DestructiveRole)
        delete.clicked.connect(self._delete)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        save = QShortcut(QKeySequence("Ctrl+Return"), self)  # save from anywhere, the note included
        save.setContext(Qt.WidgetWithChildrenShortcut)
        save.activated.connect(self.accept)
        self.resize(520, 420)

    def _show_color(self) -> None:
        self.color_button.setIcon(swatch_icon(self.color, 16))
        self.color_button.setText(self.color)

    def _pick_color(self) -> None:
        c = QColorDialog.getColor(QColor(self.color), self, "Passage colour")
        if c.isValid():
            self.color = c.name()
            self._show_color()

    def _delete(self) -> None:
        self.deleted = True
        self.accept()

    def result_values(self) -> dict:
        return {"tags": split_tags(self.tags.text()), "color": self.color, "note": self.note.text()}
