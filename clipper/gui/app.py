"""Starting the desktop app: ``run(library=None, sample=False) -> exit code``."""
from __future__ import annotations

import logging
import shutil
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def resources_dir() -> Path:
    from clipper.gui.util import resources_dir as where

    return where()


def _app_icon():
    from PySide6.QtGui import QIcon

    icon = resources_dir() / "icons" / "clipper.svg"
    return QIcon(str(icon)) if icon.exists() else QIcon()


UI_SWITCH_INTERVAL = 0.001  # seconds (see make_app)


def make_app(argv: list[str] | None = None):
    """The QApplication (created once), named so QSettings find their place."""
    from PySide6.QtWidgets import QApplication

    from clipper.gui.util import APPLICATION, ORGANIZATION

    app = QApplication.instance()
    if app is None:
        app = QApplication(argv if argv is not None else [sys.argv[0]])
        # The window's worker threads (the index lane's Whoosh commits, searches) hold the
        # GIL for up to the switch interval each time the UI thread asks for it, and every
        # paint or key handler written in Python asks: 5 ms (Python's default) per callback
        # added up to UI stalls of 50 ms while the index caught up after a highlight.
        sys.setswitchinterval(UI_SWITCH_INTERVAL)
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName("Clipper")
    app.setWindowIcon(_app_icon())
    qss = resources_dir() / "style.qss"
    if qss.exists() and not app.property("clipperStyled"):
        app.setStyleSheet(app.styleSheet() + qss.read_text(encoding="utf-8"))
        app.setProperty("clipperStyled", True)
    return app


def freeze_startup_objects() -> None:
    """Take what the start built (modules, Qt wrappers, the first page of the library) out of
    the garbage collector's view. A full collection walks every tracked object while holding
    the GIL; at 50,000 articles the window's ~64,000 objects took 36 ms of it, paid on the UI
    thread at an unforeseen moment. Frozen objects are still freed when nothing refers to them;
    only cycles among them are kept."""
    import gc

    gc.collect()
    gc.freeze()


class AppController:
    """Owns the open windows and the throwaway sample folders (deleted on exit)."""

    def __init__(self, settings=None):
        self.windows = []
        self.temp_folders: list[Path] = []
        self.settings = settings

    def open(self, lib):
        from clipper.gui.main_window import MainWindow

        window = MainWindow(lib, settings=self.settings)
        window.sample_requested.connect(self.open_sample)
        window.destroyed.connect(lambda *_: None)
        self.windows.append(window)
        window.show()
        window.connector.start()  # the browser extension's endpoint, while the window is open
        return window

    def open_sample(self):
        from clipper.gui.sample import create_sample_library
        from clipper.library import Library

        folder = create_sample_library()
        self.temp_folders.append(folder.parent)
        return self.open(Library.open(folder, backup_in_background=True, index_in_background=True))

    def cleanup(self) -> None:
        for w in self.windows:
            try:
                w.lib.close()
            except Exception:  # noqa: BLE001 - closing on exit must not stop the others
                pass
        for folder in self.temp_folders:
            shutil.rmtree(folder, ignore_errors=True)


def no_display_reason(env=None, platform: str | None = None) -> str | None:
    """Why Qt could not open a window here, checked before Qt tries (it would abort with a
    misleading message about xcb libraries): on Linux and the BSDs, neither DISPLAY nor
    WAYLAND_DISPLAY is set and no platform (QT_QPA_PLATFORM=offscreen…) was chosen."""
    import os

    env = os.environ if env is None else env
    platform = sys.platform if platform is None else platform
    if not (platform.startswith("linux") or "bsd" in platform):
        return None
    if env.get("QT_QPA_PLATFORM", "").strip() or env.get("DISPLAY") or env.get("WAYLAND_DISPLAY"):
        return None
    return ("no display was found (neither DISPLAY nor WAYLAND_DISPLAY is set); start Clipper from a desktop "
            "session, or use the command line ('clipper --help')")


def run(library=None, sample: bool = False) -> int:
    """Open the main window on ``library`` (a folder; default: the usual library) or, with
    ``sample``, on a throwaway library filled with sample clippings. Returns an exit code."""
    reason = no_display_reason()
    if reason:
        print(f"clipper: error: {reason}", file=sys.stderr)
        return 3
    from clipper.errors import ClipperError
    from clipper.library import Library

    app = make_app()
    controller = AppController()
    try:
        if sample:
            controller.open_sample()
        else:
            controller.open(Library.open(library, backup_in_background=True, index_in_background=True))
    except ClipperError as exc:
        from clipper.gui.util import tell

        tell(None, "Clipper", f"Cannot open the library: {exc}")
        print(f"clipper: error: {exc}", file=sys.stderr)
        return 3
    freeze_startup_objects()
    try:
        return app.exec()
    finally:
        controller.cleanup()
