"""Write the README screenshots from the sample library.

    .venv/bin/python tools/screenshots.py            # offscreen Qt: widgets grabbed one by one
    .venv/bin/python tools/screenshots.py --xvfb     # the real window under Xvfb, as a user sees it

``--xvfb`` starts itself again under ``xvfb-run`` (a 1440×900 screen) with an empty HOME
and XDG_CONFIG_HOME, so no saved settings interfere: the window opens at its first-run
size. Popups (the tag palette) and dialogs are captured from the screen itself.

Options: ``--out DIR`` (default resources/screenshots), ``--all`` to also capture the
empty library, passage editor, tag manager and import summary, ``--dark`` to use a dark
palette (file names get a ``-dark`` suffix).

Writes main-window.png, tag-palette.png (its pinned number keys), search-view.png, trash.png,
help-shortcuts.png, export-dialog.png (and, with --all, empty-library.png,
passage-editor.png, tag-manager.png, import-summary.png).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
INNER = "CLIPPER_SHOTS_UNDER_XVFB"
SCREEN = "1440x900x24"


def settle(app, n: int = 30, ms: int = 0) -> None:
    for _ in range(n):
        app.processEvents()
    if ms:
        end = time.monotonic() + ms / 1000
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)


def wait_until(app, predicate, timeout: float = 20.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if predicate():
            return True
        time.sleep(0.01)
    return False


def dark_palette():
    from PySide6.QtGui import QColor, QPalette

    pal = QPalette()
    for role, color in ((QPalette.Window, "#2b2b2b"), (QPalette.WindowText, "#e6e6e6"), (QPalette.Base, "#1e1e1e"),
                        (QPalette.AlternateBase, "#262626"), (QPalette.Text, "#e6e6e6"), (QPalette.Button, "#353535"),
                        (QPalette.ButtonText, "#e6e6e6"), (QPalette.Highlight, "#3d6fb4"),
                        (QPalette.HighlightedText, "#ffffff"), (QPalette.ToolTipBase, "#3a3a3a"),
                        (QPalette.ToolTipText, "#e6e6e6"), (QPalette.PlaceholderText, "#9a9a9a"),
                        (QPalette.Link, "#8ab4f8"), (QPalette.Mid, "#555555"), (QPalette.Light, "#505050"),
                        (QPalette.Dark, "#1a1a1a"), (QPalette.Midlight, "#404040"), (QPalette.Shadow, "#000000")):
        pal.setColor(role, QColor(color))
    pal.setColor(QPalette.Disabled, QPalette.WindowText, QColor("#8a8a8a"))
    pal.setColor(QPalette.Disabled, QPalette.Text, QColor("#8a8a8a"))
    pal.setColor(QPalette.Disabled, QPalette.ButtonText, QColor("#8a8a8a"))
    return pal


class Shooter:
    """Grabs widgets: from the screen (a real window: popups and frames included) or, offscreen,
    from the widget itself."""

    def __init__(self, app, out: Path, real: bool, suffix: str):
        self.app, self.out, self.real, self.suffix = app, out, real, suffix
        self.written: list[Path] = []

    def path(self, name: str) -> Path:
        return self.out / f"{name}{self.suffix}.png"

    def widget(self, w, name: str) -> None:
        settle(self.app, 40, 150 if self.real else 0)
        if self.real:
            g = w.frameGeometry()
            pix = w.screen().grabWindow(0, g.x(), g.y(), g.width(), g.height())
        else:
            pix = w.grab()
        self.save(pix, name)

    def area(self, rect, name: str, window=None) -> None:
        """A global screen rectangle (real) — offscreen, the caller passes a pixmap instead."""
        settle(self.app, 40, 150)
        screen = (window.screen() if window is not None else self.app.primaryScreen())
        self.save(screen.grabWindow(0, rect.x(), rect.y(), rect.width(), rect.height()), name)

    def save(self, pix, name: str) -> None:
        path = self.path(name)
        pix.save(str(path))
        self.written.append(path)


def capture(out: Path, *, real: bool, everything: bool, dark: bool) -> list[Path]:
    from PySide6.QtCore import QPoint, QRect, QSettings
    from PySide6.QtGui import QPainter

    from clipper.gui.app import make_app
    from clipper.gui.main_window import MainWindow
    from clipper.gui.sample import create_sample_library, sample_dir
    from clipper.library import Library

    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="clipper-shots-"))
    app = make_app()
    if dark:
        app.setStyle("Fusion")
        app.setPalette(dark_palette())
    shots = Shooter(app, out, real, "-dark" if dark else "")
    settings = QSettings(str(tmp / "settings.ini"), QSettings.IniFormat)
    try:
        if everything:
            empty = Library.open(tmp / "empty")
            w = MainWindow(empty, settings=QSettings(str(tmp / "empty.ini"), QSettings.IniFormat))
            w.show()
            settle(app, 40, 300 if real else 0)
            shots.widget(w, "empty-library")
            w.close()
            empty.close()

        folder = create_sample_library(tmp)
        lib = Library.open(folder)
        w = MainWindow(lib, settings=settings)
        if not real:
            w.resize(1440, 880)
        w.show()
        settle(app, 40, 400 if real else 0)
        # the heat-wave story: overlapping passages and an Arabic quote
        row = next(r for r in range(w.model.rowCount()) if "Amman" in w.model.index(r, 0).data())
        w.table.selectRow(row)
        settle(app)
        p = next(p for p in w.reader.passages if "ridge" in p.quote)
        w.passages.select(p.id, emit=True)
        shots.widget(w, "main-window")

        text = w.current_article.text
        start = text.index("twenty cooling centres")
        w.reader.setFocus()
        w.reader.select_span(start, start + len("twenty cooling centres"))
        w.show_tag_palette()
        settle(app, 40, 300 if real else 0)
        reader_tl = w.reader.mapToGlobal(QPoint(0, 0))
        if real:
            palette_box = w.tag_palette.frameGeometry()
            box = QRect(reader_tl.x(), reader_tl.y(), 740, 400).united(palette_box.adjusted(-12, -12, 12, 12))
            shots.area(box.intersected(w.frameGeometry()), "tag-palette", w)
        else:
            shot = w.grab()
            painter = QPainter(shot)
            rect = w.reader.selection_rect()
            pos = w.reader.viewport().mapTo(w, QPoint(rect.left(), rect.bottom() + 6))
            w.tag_palette.adjustSize()
            painter.drawPixmap(pos, w.tag_palette.grab())
            painter.end()
            local = w.reader.mapTo(w, QPoint(0, 0))
            shots.save(shot.copy(local.x(), local.y(), 740, 400), "tag-palette")
        w.tag_palette.hide()

        # a search: the header names it and counts, the reader shows the top hit, words marked
        w.search.set_query("desalination OR kilowatt*")
        wait_until(app, lambda: w.search.last_result is not None)
        settle(app, 40, 300 if real else 0)
        shots.widget(w, "search-view")
        w.search.edit.clear()
        settle(app)

        # the Trash, with one deleted story
        night = next(r for r in range(w.model.rowCount()) if "night" in w.model.index(r, 0).data().lower())
        w.ops.delete_article(w.model.article_id(night))
        w.ops.wait()  # the write runs in the window's write lane
        w.show_view("trash", None)
        settle(app, 40, 300 if real else 0)
        shots.widget(w, "trash")
        w.show_view("all", None)

        help_dialog = w.show_shortcuts()
        help_dialog.resize(760, 620)
        shots.widget(help_dialog, "help-shortcuts")
        help_dialog.close()

        amman = next(r for r in range(w.model.rowCount()) if "Amman" in w.model.index(r, 0).data())
        w.open_article(w.model.article_id(amman))
        settle(app)
        dialog = w.export_dialog()
        dialog.path.setText("/home/sam/Documents/amman-heatwave.pdf")  # not the throwaway HOME
        shots.widget(dialog, "export-dialog")
        dialog.close()

        if everything:
            from clipper.gui.passage_editor import PassageEditor

            editor = PassageEditor(lib.passages.get(p.id), [t.name for t in lib.tags.all()], w)
            editor.show()
            shots.widget(editor, "passage-editor")
            editor.close()

            manager = w.manage_tags()
            manager.select("climate")
            shots.widget(manager, "tag-manager")
            manager.close()

            sources = [str(x) for x in sorted(sample_dir().glob("*.txt"))[:3]]
            sources.append(str(tmp / "missing-file.html"))
            dialog = w.start_import(sources)
            wait_until(app, lambda: dialog.report is not None or dialog.summary.isVisible())
            shots.widget(dialog, "import-summary")
            dialog.close()

        w.close()
        lib.close()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return shots.written


def run_under_xvfb(argv: list[str]) -> int:
    """Start this script again inside xvfb-run, with a fresh HOME (no saved settings)."""
    if shutil.which("xvfb-run") is None:
        print("screenshots: --xvfb needs xvfb-run (apt-get install xvfb)", file=sys.stderr)
        return 2
    home = Path(tempfile.mkdtemp(prefix="clipper-shots-home-"))
    env = dict(os.environ, HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), QT_QPA_PLATFORM="xcb")
    env[INNER] = "1"
    env.pop("QT_QPA_PLATFORMTHEME", None)
    try:
        return subprocess.call(["xvfb-run", "-a", "-s", f"-screen 0 {SCREEN}", sys.executable, __file__, *argv],
                               env=env)
    finally:
        shutil.rmtree(home, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--xvfb", action="store_true", help="capture the real window under Xvfb")
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "screenshots")
    parser.add_argument("--all", action="store_true", help="also the empty library, editors and import summary")
    parser.add_argument("--dark", action="store_true", help="use a dark palette")
    args = parser.parse_args(argv)
    if args.xvfb and not os.environ.get(INNER):
        return run_under_xvfb(argv)
    if not args.xvfb:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    for path in capture(args.out.resolve(), real=args.xvfb, everything=args.all, dark=args.dark):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
