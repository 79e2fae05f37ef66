"""What the main window remembers between runs (in QSettings): geometry, splitter and
column layout, reader zoom and the last export folder. (Saved searches live in the library:
clipper.searches.)"""
from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from clipper.gui.models import ARTICLE_COLUMNS


class WindowState:
    """Reads and writes the window's saved state. The window passes itself to
    ``restore``/``save``; the widgets it reads are the window's ``splitter``,
    ``right_splitter``, ``table`` and ``reader``."""

    def __init__(self, settings: QSettings):
        self.settings = settings

    # ---------------------------------------------------------------- layout
    def restore(self, window) -> None:
        s = self.settings
        geo = s.value("window/geometry")
        if not (isinstance(geo, QByteArray) and not geo.isEmpty() and window.restoreGeometry(geo)):
            self.default_geometry(window)
        for key, splitter in (("window/splitter", window.splitter), ("window/rightSplitter", window.right_splitter)):
            state = s.value(key)
            if isinstance(state, QByteArray) and not state.isEmpty():
                splitter.restoreState(state)
        header = s.value("window/tableHeader")
        if isinstance(header, QByteArray) and not header.isEmpty():
            window.table.restore_header(header)
        try:
            raw = json.loads(str(s.value("window/columnWidths", "{}")))
            window.table.user_widths = {int(k): int(v) for k, v in raw.items()
                                        if 0 < int(k) < len(ARTICLE_COLUMNS) and 16 <= int(v) <= 2000}
        except (TypeError, ValueError, AttributeError):
            window.table.user_widths = {}
        try:
            zoom = int(s.value("reader/zoom", 0))
        except (TypeError, ValueError):
            zoom = 0
        if zoom:
            window.reader.zoom(zoom)
        try:
            chars = int(s.value("reader/lineChars", 0))
        except (TypeError, ValueError):
            chars = 0
        window.reader.set_line_width(chars if 20 <= chars <= 200 else 0)
        window.act_line_width.setChecked(bool(window.reader.line_chars))
        if str(s.value("window/passagesHidden", "false")).lower() == "true":
            window.passages.hide()
            window._passages_hidden = True

    @staticmethod
    def default_geometry(window) -> None:
        """First run (nothing saved): most of the screen, centred; the reader gets the most
        room, then the list, then the sidebar."""
        from PySide6.QtGui import QGuiApplication

        from clipper.gui.util import default_window_rect

        screen = window.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            window.resize(1280, 800)
        else:
            window.setGeometry(default_window_rect(screen.availableGeometry()))
        width, height = window.width(), window.height()
        side = max(190, min(250, int(width * 0.16)))
        centre = int((width - side) * 0.49)
        window.splitter.setSizes([side, centre, width - side - centre])
        window.right_splitter.setSizes([int(height * 0.68), height - int(height * 0.68)])

    def save_column_widths(self, widths: dict) -> None:
        self.settings.setValue("window/columnWidths", json.dumps({str(k): int(v) for k, v in widths.items()}))

    def save(self, window) -> None:
        s = self.settings
        s.setValue("window/geometry", window.saveGeometry())
        s.setValue("window/splitter", window.splitter.saveState())
        s.setValue("window/rightSplitter", window.right_splitter.saveState())
        s.setValue("window/tableHeader", window.table.horizontalHeader().saveState())
        self.save_column_widths(window.table.user_widths)
        s.setValue("reader/zoom", window.reader.zoom_steps)
        s.setValue("reader/lineChars", window.reader.line_chars)
        s.setValue("window/passagesHidden", bool(getattr(window, "_passages_hidden", False)))
        s.sync()

    # ---------------------------------------------------------------- export folder
    def export_dir(self) -> str:
        return str(self.settings.value("export/dir", str(Path.home())))

    def remember_export(self, path) -> None:
        self.settings.setValue("export/dir", str(Path(path).parent))
