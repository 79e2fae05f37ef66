"""The Trash view: deleted articles waiting to be restored or deleted for good."""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QHBoxLayout, QPushButton, QTreeWidget, QTreeWidgetItem, QVBoxLayout, QWidget)

from clipper.gui.util import plain_label, tooltip_text

ID_ROLE = Qt.UserRole + 30


class TrashView(QWidget):
    restore_requested = Signal(object)  # article ids
    purge_requested = Signal(object)  # article ids
    empty_requested = Signal()

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("trashView")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        self.hint = plain_label("Deleted articles stay here, out of lists, search and exports, with their "
                                "passages, notes and tags, until you restore them or delete them for good.",
                                self, word_wrap=True)
        self.hint.setObjectName("trashHint")
        self.list = QTreeWidget(self)
        self.list.setObjectName("trashList")
        self.list.setRootIsDecorated(False)
        self.list.setHeaderLabels(["Title", "Outlet", "Deleted", "Passages"])
        self.list.setSelectionMode(QTreeWidget.ExtendedSelection)
        self.list.setUniformRowHeights(True)
        self.list.header().setStretchLastSection(False)
        self.list.header().setSectionResizeMode(0, self.list.header().ResizeMode.Stretch)
        row = QHBoxLayout()
        self.restore = QPushButton("Restore", self)
        self.restore.setToolTip("Put the selected articles back (Enter)")
        self.purge = QPushButton("Delete for good…", self)
        self.empty = QPushButton("Empty Trash…", self)
        row.addWidget(self.restore)
        row.addWidget(self.purge)
        row.addStretch(1)
        row.addWidget(self.empty)
        layout.addWidget(self.hint)
        layout.addWidget(self.list, 1)
        layout.addLayout(row)
        self.restore.clicked.connect(self._restore)
        self.purge.clicked.connect(self._purge)
        self.empty.clicked.connect(self.empty_requested.emit)
        self.list.itemActivated.connect(lambda *_: self._restore())
        self.list.itemSelectionChanged.connect(self._enable)
        self._enable()

    def set_entries(self, entries: list[dict]) -> None:
        self.list.clear()
        for e in entries:
            item = QTreeWidgetItem([" ".join((e["title"] or "").split()), e["outlet"] or "",
                                    (e["trashed_at"] or "")[:16].replace("T", " "), str(e["passage_count"])])
            item.setData(0, ID_ROLE, e["id"])
            item.setToolTip(0, tooltip_text(e["title"]))
            item.setTextAlignment(3, Qt.AlignRight | Qt.AlignVCenter)
            self.list.addTopLevelItem(item)
        for c in (1, 2, 3):
            self.list.resizeColumnToContents(c)
        self.empty.setEnabled(bool(entries))
        if entries:
            self.list.setCurrentItem(self.list.topLevelItem(0))
        self._enable()

    def selected_ids(self) -> list[int]:
        return [item.data(0, ID_ROLE) for item in self.list.selectedItems()]

    def _enable(self) -> None:
        has = bool(self.list.selectedItems())
        self.restore.setEnabled(has)
        self.purge.setEnabled(has)

    def _restore(self) -> None:
        if self.selected_ids():
            self.restore_requested.emit(self.selected_ids())

    def _purge(self) -> None:
        if self.selected_ids():
            self.purge_requested.emit(self.selected_ids())
