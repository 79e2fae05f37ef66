"""Library-wide actions of the main window that run as jobs in their own dialogs or
threads: import (files, folder, URL, paste, drop), export and rebuilding the index.

``LibraryActions`` is a controller the window owns; it also keeps the window's running
non-modal dialogs alive and cancels their jobs when the window closes.
"""
from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog

from clipper.gui.dialogs import PasteDialog
from clipper.gui.export_dialog import ExportDialog
from clipper.gui.import_dialog import ImportDialog
from clipper.gui.util import ask_text, is_web_url, tell
from clipper.gui.workers import refresh_index

IMPORT_FILTER = ("Articles (*.html *.htm *.txt *.md *.xml *.rss *.atom *.json *.csv);;"
                 "All files (*)")


def drop_sources(md) -> list[str]:
    """Importable sources in dropped mime data: local files and web links (or, failing
    those, web addresses one per line of dropped text)."""
    out = []
    for url in md.urls() if md.hasUrls() else []:
        if url.isLocalFile():
            out.append(url.toLocalFile())
        elif is_web_url(url.toString()):
            out.append(url.toString())
    if not out and md.hasText():
        for line in md.text().splitlines():
            if is_web_url(line.strip()):
                out.append(line.strip())
    return out


class LibraryActions:
    """Import / export / rebuild for ``window`` (a MainWindow: its library, state, current
    article and selection, search panel and status bar)."""

    def __init__(self, window):
        self.window = window
        self.lib = window.lib
        self.dialogs: list = []  # running import/export dialogs (kept alive)

    def keep(self, dialog) -> None:
        """Keep a non-modal dialog alive until it finishes."""
        self.dialogs.append(dialog)
        dialog.finished.connect(lambda _r: self.dialogs.remove(dialog) if dialog in self.dialogs else None)

    def cancel_running(self) -> None:
        """Cancel the jobs of running dialogs and wait (up to 15 s each) for them to stop."""
        from PySide6.QtCore import QThread

        for d in list(self.dialogs):
            thread = getattr(d, "thread", None)  # a job dialog's JobThread (QObject.thread() is a method)
            if isinstance(thread, QThread) and thread.isRunning():
                thread.cancel()
                thread.wait(15_000)

    # ---------------------------------------------------------------- import
    def start_import(self, sources: list[str], *, overrides=None, stdin_text: str | None = None) -> ImportDialog:
        w = self.window
        dialog = ImportDialog(self.lib.folder, sources, overrides=overrides, stdin_text=stdin_text, parent=w,
                              start=False)
        dialog.imported.connect(w.articles_imported)
        dialog.done.connect(lambda report, d=dialog: self._open_single(report, d))
        self.keep(dialog)
        dialog.show()
        dialog.start()
        return dialog

    def import_files_dialog(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(self.window, "Import files", str(Path.home()), IMPORT_FILTER)
        if names:
            self.start_import(names)

    def import_folder_dialog(self) -> None:
        folder = QFileDialog.getExistingDirectory(self.window, "Import folder", str(Path.home()))
        if folder:
            self.start_import([folder])

    def import_url_dialog(self) -> None:
        url, ok = ask_text(self.window, "Import URL or feed", "Address of an article or an RSS/Atom feed:")
        if ok and url.strip():
            if not is_web_url(url.strip()):
                tell(self.window, "Import", "Give an http:// or https:// address.")
                return
            self.start_import([url.strip()])

    def _open_single(self, report, dialog=None) -> None:
        """An import of one article (a paste, one file) opens it in the reader — also when
        it was already in the library — and, when all went well, the progress dialog steps
        aside: the status bar names the article."""
        if report is None:
            return
        entries = report.imported + report.updated
        if len(entries) + len(report.duplicates) != 1 or report.failed:
            return
        entry = (entries or report.duplicates)[0]
        w = self.window
        if w.search.active():
            w.search.edit.clear()
        if w.current_view[0] not in ("all", "recent"):
            w.show_view("all", None)
        if not w.open_article(entry["id"]):
            return
        from clipper.gui.import_dialog import summarize

        w.statusBar().showMessage(summarize(report), 10_000)
        if dialog is not None and entries and not report.cancelled:
            dialog.accept()
        w.activateWindow()
        w.reader.setFocus(Qt.OtherFocusReason)

    def paste_clipping(self, text: str | None = None) -> None:
        if not isinstance(text, str):  # a menu action's "checked" flag is not text
            text = QApplication.clipboard().text()
        dialog = PasteDialog(text, self.window)
        if dialog.exec() != PasteDialog.Accepted:
            return
        body = dialog.text.toPlainText()
        if not body.strip():
            return
        from clipper.importing import Overrides

        overrides = Overrides(**dialog.values())
        return self.start_import(["-"], overrides=overrides, stdin_text=body)

    # ---------------------------------------------------------------- export
    def export_dialog(self) -> ExportDialog:
        w = self.window
        article = w.current_article
        view_tag = w.current_view[1] if w.current_view[0] == "tag" else None
        dialog = ExportDialog(
            self.lib.folder,
            article_id=article.id if article else None,
            article_title=article.title if article else "",
            selected_ids=w.selected_article_ids(),
            tags=[t.name for t in sorted(self.lib.tags.all(), key=lambda t: t.name.casefold())],
            current_tag=view_tag,
            query=w.search.query(), query_passages=w.search.passages_mode(),
            default_dir=w.state.export_dir(),
            parent=w,
        )
        dialog.exported.connect(w.state.remember_export)
        dialog.exported.connect(lambda path: w.statusBar().showMessage(f"Exported {path}", 8000))
        self.keep(dialog)
        dialog.show()
        return dialog

    # ---------------------------------------------------------------- maintenance
    def rebuild_index(self):
        from clipper.gui.workers import JobThread
        from clipper.maintenance import reindex

        from PySide6.QtWidgets import QProgressDialog

        w = self.window
        thread = JobThread(self.lib.folder, lambda lib, token: reindex(lib, cancel=token), w)
        progress = QProgressDialog("Rebuilding the search index…", "Cancel", 0, 0, w)
        progress.setWindowTitle("Rebuild search index")
        progress.setMinimumWidth(420)
        progress.setMinimumDuration(300)
        progress.setAutoClose(False)
        progress.setAutoReset(False)
        progress.canceled.connect(thread.cancel)

        def step(done: int, total: int, label: str) -> None:
            if total > 0:
                progress.setRange(0, total)
                progress.setValue(min(done, total))
            progress.setLabelText(f"Rebuilding the search index… {label}".rstrip())
            w.statusBar().showMessage(f"{label} {done}/{total}")

        def finished(message: str) -> None:
            progress.close()
            progress.deleteLater()
            w.statusBar().showMessage(message, 6000)

        thread.progressed.connect(step)
        thread.succeeded.connect(lambda _r: (refresh_index(self.lib), finished("Search index rebuilt.")))
        thread.failed.connect(finished)
        thread.cancelled.connect(lambda: finished("Rebuild cancelled."))
        thread.finished.connect(thread.deleteLater)
        self.rebuild_progress = progress
        thread.start()
        return thread
