"""Manage tags: rename, merge, recolour, delete — with the number of uses of each."""
from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import (QColorDialog, QDialog, QDialogButtonBox, QHBoxLayout, QListView,
                               QPushButton, QVBoxLayout, QWidget)

from clipper.gui.models import TAG_ROLE, TagListModel
from clipper.gui.util import ask, ask_text, plain_label


class TagManagerDialog(QDialog):
    def __init__(self, ops, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Manage tags")
        self.ops = ops
        layout = QVBoxLayout(self)
        layout.addWidget(plain_label("Renaming or merging updates every passage and article carrying the tag.", self,
                                     word_wrap=True))
        row = QHBoxLayout()
        self.model = TagListModel(ops.lib, self)
        self.view = QListView(self)
        self.view.setModel(self.model)
        self.view.setEditTriggers(QListView.NoEditTriggers)
        row.addWidget(self.view, 1)
        col = QVBoxLayout()
        self.b_rename = QPushButton("Rename…", self)
        self.b_merge = QPushButton("Merge into…", self)
        self.b_color = QPushButton("Colour…", self)
        self.b_delete = QPushButton("Delete…", self)
        for b in (self.b_rename, self.b_merge, self.b_color, self.b_delete):
            col.addWidget(b)
        col.addStretch(1)
        row.addLayout(col)
        layout.addLayout(row, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.b_rename.clicked.connect(lambda: self.rename_selected())
        self.b_merge.clicked.connect(lambda: self.merge_selected())
        self.b_color.clicked.connect(lambda: self.recolor_selected())
        self.b_delete.clicked.connect(lambda: self.delete_selected())
        self.view.selectionModel().currentChanged.connect(lambda *_: self._update_buttons())
        ops.tags_changed.connect(self._reload)
        self._update_buttons()
        self.resize(460, 380)

    def _reload(self) -> None:
        name = self.selected_name()
        self.model.reload()
        if name:
            self.select(name)
        self._update_buttons()

    def _update_buttons(self) -> None:
        has = self.selected_name() is not None
        for b in (self.b_rename, self.b_merge, self.b_color, self.b_delete):
            b.setEnabled(has)
        self.b_merge.setEnabled(has and self.model.rowCount() > 1)

    def selected_name(self) -> str | None:
        tag = self.view.currentIndex().data(TAG_ROLE)
        return tag.name if tag is not None else None

    def select(self, name: str) -> bool:
        for row, tag in enumerate(self.model.tags()):
            if tag.name.casefold() == name.casefold():
                self.view.setCurrentIndex(self.model.index(row))
                return True
        return False

    def rename_selected(self, new_name: str | None = None) -> bool:
        old = self.selected_name()
        if old is None:
            return False
        if new_name is None:
            new_name, ok = ask_text(self, "Rename tag", f"New name for “{old}”:", old)
            if not ok:
                return False
        return bool(self.ops.rename_tag(old, new_name, done=self.select))  # selected once renamed

    def merge_selected(self, into: str | None = None) -> bool:
        src = self.selected_name()
        if src is None:
            return False
        if into is None:
            others = [t.name for t in self.model.tags() if t.name != src]
            into, ok = ask_text(self, "Merge tag", f"Merge “{src}” into:", items=others)
            if not ok:
                return False
            if not ask(self, "Merge tag", f"Merge “{src}” into “{into}”? This cannot be undone."):
                return False
        return self.ops.merge_tags(src, into)

    def recolor_selected(self, color: str | None = None) -> bool:
        tag = self.view.currentIndex().data(TAG_ROLE)
        if tag is None:
            return False
        if color is None:
            c = QColorDialog.getColor(QColor(tag.color), self, f"Colour for {tag.name}")
            if not c.isValid():
                return False
            color = c.name()
        return self.ops.recolor_tag(tag.name, color)

    def delete_selected(self, confirm: bool = True) -> bool:
        tag = self.view.currentIndex().data(TAG_ROLE)
        if tag is None:
            return False
        if confirm and not ask(
                self, "Delete tag",
                f"Delete the tag “{tag.name}”? It is removed from {tag.count} passages and articles; "
                "the passages themselves stay. This cannot be undone."):
            return False
        return self.ops.delete_tag(tag.name)
