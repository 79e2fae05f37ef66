"""Write the README screenshots (offscreen Qt) from the sample library:

    .venv/bin/python tools/screenshots.py

resources/screenshots/main-window.png, tag-palette.png, export-dialog.png
"""
from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def settle(app, n: int = 30) -> None:
    for _ in range(n):
        app.processEvents()


def main() -> int:
    from PySide6.QtCore import QPoint, QSettings
    from PySide6.QtGui import QPainter

    from clipper.gui.app import make_app
    from clipper.gui.main_window import MainWindow
    from clipper.gui.sample import create_sample_library
    from clipper.library import Library

    out = ROOT / "resources" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="clipper-shots-"))
    app = make_app()
    folder = create_sample_library(tmp)
    lib = Library.open(folder)
    settings = QSettings(str(tmp / "settings.ini"), QSettings.IniFormat)
    w = MainWindow(lib, settings=settings)
    w.resize(1440, 880)
    w.show()
    settle(app)
    w.splitter.setSizes([220, 500, 720])
    # the heat-wave story: overlapping passages and an Arabic quote
    row = next(r for r in range(w.model.rowCount()) if "Amman" in w.model.index(r, 0).data())
    w.table.selectRow(row)
    settle(app)
    p = next(p for p in w.reader.passages if "ridge" in p.quote)
    w.passages.select(p.id, emit=True)
    settle(app, 60)
    w.grab().save(str(out / "main-window.png"))

    text = w.current_article.text
    start = text.index("twenty cooling centres")
    w.reader.select_span(start, start + len("twenty cooling centres"))
    w.show_tag_palette()
    settle(app, 40)
    shot = w.grab()
    painter = QPainter(shot)
    rect = w.reader.selection_rect()
    pos = w.reader.viewport().mapTo(w, QPoint(rect.left(), rect.bottom() + 6))
    w.tag_palette.adjustSize()
    painter.drawPixmap(pos, w.tag_palette.grab())
    painter.end()
    # crop around the reader and the palette
    reader_tl = w.reader.mapTo(w, QPoint(0, 0))
    crop = shot.copy(reader_tl.x(), reader_tl.y(), 740, 400)
    crop.save(str(out / "tag-palette.png"))
    w.tag_palette.hide()

    dialog = w.export_dialog()
    dialog.path.setText(str(Path.home() / "Documents" / "amman-heatwave.pdf"))
    settle(app, 40)
    dialog.grab().save(str(out / "export-dialog.png"))
    dialog.close()
    w.close()
    lib.close()
    shutil.rmtree(tmp, ignore_errors=True)
    for name in ("main-window.png", "tag-palette.png", "export-dialog.png"):
        print(out / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
