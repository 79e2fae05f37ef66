"""The status bar's "search index catching up" indicator.

The library's index lane rebuilds or replays in its own thread (``Library.open(...,
index_in_background=True)``); this widget polls its progress twice a second and shows a
progress bar with Cancel while it runs. Search keeps answering from what is indexed.
"""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget


class IndexStatus(QWidget):
    def __init__(self, lib, parent=None):
        super().__init__(parent)
        self.lib = lib
        self.label = QLabel("Search index catching up…")
        self.bar = QProgressBar()
        self.bar.setFixedWidth(160)
        self.bar.setTextVisible(True)
        self.cancel = QPushButton("Cancel")
        self.cancel.setToolTip("Stop updating the search index now (it catches up at the next start)")
        self.cancel.clicked.connect(self._cancel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.label, self.bar, self.cancel):
            layout.addWidget(w)
        self.hide()
        self.timer = QTimer(self)
        self.timer.setInterval(500)
        self.timer.timeout.connect(self.poll)
        self.timer.start()

    def poll(self) -> None:
        progress = self.lib.index_catching_up
        if progress is None:
            self.hide()
            return
        total = progress.total or 0
        self.bar.setRange(0, total)
        self.bar.setValue(min(progress.done, total) if total else 0)
        self.label.setText(f"Search index catching up ({progress.label.lower() or 'working'})…")
        self.show()

    def _cancel(self) -> None:
        self.lib.cancel_index_catch_up()
        self.hide()
