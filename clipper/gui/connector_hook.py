"""The desktop app's side of the browser extension.

- :class:`ConnectorService` runs the loopback endpoint (clipper.connector.server) while the
  window is open. The HTTP server and its library worker are Python threads with their own
  Library connection; the UI thread only receives signals (progress, a stored capture, a
  failure to listen), so a capture never blocks the window.
- :class:`PreferencesDialog` (Edit › Preferences…) shows the pairing token to paste into
  the extension, with Copy and New token, and where the server listens.
- :func:`install` adds both to a main window with one line there. The app starts the
  service (``window.connector.start()``); tests of the window do not open ports unless
  they start it.

When a capture arrives, the window refreshes its list and, if it is not the active window
(the user is in the browser), opens the new article and its passage — without raising or
activating the window, so focus stays where it is.
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QHBoxLayout, QLineEdit, QPushButton, QTabWidget,
                               QVBoxLayout, QWidget)

from clipper.errors import ClipperError
from clipper.gui.util import ask, elide, plain_label

log = logging.getLogger(__name__)


class ConnectorService(QObject):
    """The endpoint's lifetime and its events as signals (emitted from server threads,
    delivered queued to the UI thread)."""

    progressed = Signal(int, int, str)
    captured = Signal(dict)
    capture_failed = Signal(str)  # a capture refused (no article text, a bad request)
    failed = Signal(str)  # could not listen

    def __init__(self, folder, port: int | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.folder = folder
        self.requested_port = port
        self.server = None
        self.error = ""

    @property
    def port(self) -> int:
        return self.server.port if self.server is not None else 0

    def start(self) -> int:
        """Listen (default port, else the next free one); 0 and ``failed`` if none is free."""
        from clipper.connector.server import DEFAULT_PORT, ConnectorServer

        if self.server is not None:
            return self.port
        server = ConnectorServer(
            self.folder, DEFAULT_PORT if self.requested_port is None else self.requested_port,
            on_progress=lambda p: self.progressed.emit(int(p.done), int(p.total or 0), p.label or ""),
            on_captured=self.captured.emit, on_failed=self.capture_failed.emit)
        try:
            server.start()
        except ClipperError as exc:
            server.worker.close()
            self.error = f"Browser extension: {exc}"
            log.warning(self.error)
            self.failed.emit(self.error)
            return 0
        self.server = server
        return self.port

    def stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            server.stop()


class PreferencesDialog(QDialog):
    """Preferences; its "Browser extension" page shows the pairing token."""

    def __init__(self, lib, service: ConnectorService | None, parent: QWidget | None = None):
        super().__init__(parent)
        from clipper.connector.token import ensure_token

        self.lib = lib
        self.setWindowTitle("Preferences")
        self.tabs = QTabWidget(self)
        page = QWidget(self.tabs)
        v = QVBoxLayout(page)
        v.addWidget(plain_label(
            "The “Save to Clipper” browser extension saves pages and selections into this library. "
            "Paste this pairing token once in the extension's options (it belongs to this library).",
            page, word_wrap=True))
        row = QHBoxLayout()
        self.token_edit = QLineEdit(ensure_token(lib), page)
        self.token_edit.setReadOnly(True)
        self.token_edit.setObjectName("pairingToken")
        self.token_edit.setMinimumWidth(380)
        self.token_edit.setCursorPosition(0)
        self.copy_button = QPushButton("Copy", page)
        self.copy_button.clicked.connect(self.copy_token)
        self.reset_button = QPushButton("New token…", page)
        self.reset_button.clicked.connect(self.new_token)
        row.addWidget(self.token_edit, 1)
        row.addWidget(self.copy_button)
        row.addWidget(self.reset_button)
        v.addLayout(row)
        if service is not None and service.port:
            where = f"Listening on 127.0.0.1:{service.port} (only this computer; only the paired extension)."
        elif service is not None and service.error:
            where = service.error
        else:
            where = "Not listening (run `clipper serve` for a library without the app)."
        self.where = plain_label(where, page, word_wrap=True)
        v.addWidget(self.where)
        v.addWidget(plain_label(
            "The extension sends the page's address, its HTML as your browser shows it, its title and "
            "language, the time, the selected text with a few words around it and your tags — only to "
            "127.0.0.1, only when you save or clip.", page, word_wrap=True))
        v.addStretch(1)
        self.tabs.addTab(page, "Browser extension")
        buttons = QDialogButtonBox(QDialogButtonBox.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.tabs)
        layout.addWidget(buttons)

    def copy_token(self) -> None:
        QGuiApplication.clipboard().setText(self.token_edit.text())
        self.copy_button.setText("Copied")

    def new_token(self, checked: bool = False, *, confirm: bool = True) -> None:
        from clipper.connector.token import reset_token

        if confirm and not ask(self, "New pairing token",
                               "Make a new token? The extension stops working until you paste the new one."):
            return
        self.token_edit.setText(reset_token(self.lib))
        self.token_edit.setCursorPosition(0)
        self.copy_button.setText("Copy")


class _WindowHook(QObject):
    """Stops the service when the window closes (its ``closing`` signal: not an event
    filter, which ran Python for every event the window received)."""

    def __init__(self, window, service: ConnectorService):
        super().__init__(window)
        self.window = window
        self.service = service
        window.closing.connect(service.stop)
        service.captured.connect(self.article_arrived)
        service.progressed.connect(self.progress)
        service.failed.connect(lambda msg: window.statusBar().showMessage(msg, 10_000))
        service.capture_failed.connect(
            lambda msg: window.statusBar().showMessage(f"Not saved from the browser: {elide(msg, 100)}", 10_000))

    def progress(self, done: int, total: int, label: str) -> None:
        if label and label != "done":
            self.window.statusBar().showMessage(f"Clipping from the browser — {elide(label, 80)}", 5000)

    def article_arrived(self, result: dict) -> None:
        """Show what the browser stored: refresh, then open it unless the user is working
        in this window. The window is never raised or activated."""
        w = self.window
        aid, pid = result.get("article_id"), result.get("passage_id")
        what = "Already in the library" if result.get("duplicate") else "Saved from the browser"
        extra = ""
        if pid is not None:
            extra = " — selection kept as an orphaned passage" if result.get("orphaned") else " — passage added"
        w.statusBar().showMessage(f"{what}: {elide(result.get('title', ''), 60)}{extra}", 8000)
        if not result.get("duplicate"):
            w.articles_imported([aid])
        else:
            w._articles_changed([aid])
            w.refresh_sidebar()
        if w.isActiveWindow():
            if pid is not None and w.current_article is not None and w.current_article.id == aid:
                w._reload_passages()
            return
        row = w.model.row_of(aid) if w.stack.currentWidget() is w.table else -1
        if row >= 0:
            w.table.setCurrentIndex(w.model.index(row, 0))  # opens it through the list
        if w.current_article is None or w.current_article.id != aid:
            w.open_article(aid, pid)
        elif pid is not None:
            w._reload_passages()
            w.passages.select(pid)


def install(window) -> ConnectorService:
    """Give ``window`` an Edit › Preferences… action and a (not yet started) service."""
    service = ConnectorService(window.lib.folder, parent=window)
    window._connector_hook = _WindowHook(window, service)
    action = QAction("Preferences…", window)
    action.setMenuRole(QAction.PreferencesRole)
    action.setShortcut("Ctrl+,")
    action.triggered.connect(lambda _checked=False: open_preferences(window, service))
    edit_menu = next((a.menu() for a in window.menuBar().actions() if a.text() == "&Edit"), None)
    if edit_menu is not None:
        edit_menu.addSeparator()
        edit_menu.addAction(action)
    window.addAction(action)
    window.act_preferences = action
    return service


def open_preferences(window, service: ConnectorService) -> PreferencesDialog:
    dialog = PreferencesDialog(window.lib, service, window)
    dialog.setAttribute(Qt.WA_DeleteOnClose)
    dialog.open()
    window.preferences_dialog = dialog
    return dialog
