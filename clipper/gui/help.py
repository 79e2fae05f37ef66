"""The Help menu's windows: keyboard shortcuts and the search query syntax.

The shortcut list is built from the window's own actions (so it never drifts from what the
keys do) plus the keys that work inside one pane (``PANE_KEYS``); tests press every one.
"""
from __future__ import annotations

from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHeaderView, QPlainTextEdit, QTableWidget,
                               QTableWidgetItem, QVBoxLayout, QWidget)

# (keys, where, what) — keys handled by one pane rather than a window action
PANE_KEYS = [
    ("Shift+←/→, Shift+↑/↓", "Reader", "Select text by letter or line"),
    ("Ctrl+Shift+←/→", "Reader", "Select by word (selections always snap to whole words)"),
    ("S", "Reader", "Select the sentence at the cursor"),
    ("T", "Reader", "Tag the selection, or the passage under the cursor (opens the tag palette)"),
    ("1–9", "Tag palette", "Choose the tag pinned to that number (also after typing)"),
    ("Enter", "Tag palette", "Take the highlighted tag"),
    ("Shift+Enter", "Tag palette", "Create a new tag named as typed"),
    ("Ctrl+1…9", "Tag palette", "Pin the highlighted tag to that number"),
    ("Enter", "Search bar", "Open the top hit and move to the reader"),
    ("↓ / Esc", "Search bar / results", "Into the results / back to the search bar"),
    ("Delete", "Article list, passages", "Move the article to the Trash / delete the passage"),
    ("Enter / F3, Shift+F3", "Find in article", "Next / previous match"),
]


def shortcut_rows(window) -> list[tuple[str, str, str]]:
    """(keys, menu, action) for every window action with a shortcut, then the pane keys."""
    rows = []
    for top in window.menuBar().actions():  # every menu, whoever added the action
        menu = top.menu()
        if menu is None:
            continue
        for action in menu.actions():
            keys = ", ".join(k.toString() for k in action.shortcuts() if not k.isEmpty())
            if keys:
                rows.append((keys, top.text().replace("&", ""), action.text().replace("&", "").rstrip("…")))
    rows += list(PANE_KEYS)
    return rows


class ShortcutsDialog(QDialog):
    def __init__(self, rows, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Keyboard shortcuts")
        layout = QVBoxLayout(self)
        self.table = QTableWidget(len(rows), 3, self)
        self.table.setHorizontalHeaderLabels(["Keys", "Where", "What"])
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QTableWidget.NoEditTriggers)
        self.table.setSelectionBehavior(QTableWidget.SelectRows)
        for r, row in enumerate(rows):
            for c, text in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(text))
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeToContents)
        header.setSectionResizeMode(1, QHeaderView.ResizeToContents)
        header.setStretchLastSection(True)
        layout.addWidget(self.table)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(720, 560)


def query_help_text() -> str:
    try:
        from clipper.index import query

        return (query.__doc__ or "").strip()
    except Exception:  # noqa: BLE001 - the help must never fail
        return "See 'clipper search --help'."


class QueryHelpDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle("Search syntax")
        layout = QVBoxLayout(self)
        self.text = QPlainTextEdit(self)
        self.text.setReadOnly(True)
        self.text.setPlainText(query_help_text())
        font = self.text.font()
        font.setFamily("monospace")
        font.setStyleHint(font.StyleHint.Monospace)
        self.text.setFont(font)
        layout.addWidget(self.text)
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(760, 560)
