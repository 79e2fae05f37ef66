"""Importing with a progress bar, Cancel, and a summary (imported / duplicates / failed).

The import job (clipper.importing.import_sources) runs on a JobThread with its own Library;
the dialog only draws its progress. The window stays responsive throughout.
"""
from __future__ import annotations

import io

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QDialog, QDialogButtonBox, QLabel, QPlainTextEdit, QProgressBar, QVBoxLayout,
                               QWidget)

from clipper.gui.workers import JobThread


def summarize(report) -> str:
    lines = []
    n_imp, n_dup, n_upd, n_fail = (len(report.imported), len(report.duplicates), len(report.updated),
                                   len(report.failed))
    if n_imp + n_upd == 1 and not n_dup and not n_fail:
        one = (report.imported + report.updated)[0]
        return (f"{'Imported' if n_imp else 'Updated'} “{one.get('title', '')}” — it is open in the reader."
                + (" (Cancelled after it.)" if report.cancelled else ""))
    if n_dup == 1 and not n_imp + n_upd + n_fail:
        d = report.duplicates[0]
        return f"Already in the library: “{d.get('title') or d.get('source')}” ({d.get('reason', '')}) — it is open."
    head = f"Imported {n_imp}"
    if n_upd:
        head += f", updated {n_upd}"
    head += f", duplicates {n_dup}, failed {n_fail}."
    if report.cancelled:
        head = "Cancelled. " + head
    lines.append(head)
    if report.duplicates:
        lines.append("")
        lines.append("Duplicates (already in the library):")
        lines += [f"  • {d.get('title') or d.get('source')} — {d.get('reason', '')}" for d in report.duplicates[:50]]
    if report.failed:
        lines.append("")
        lines.append("Failed:")
        lines += [f"  • {f.get('error')}" for f in report.failed[:100]]
    if getattr(report, "warnings", None):
        lines.append("")
        lines.append("Imported, but check them (text may be garbled):")
        lines += [f"  • {w.get('title') or w.get('source')} — {w.get('warning')}" for w in report.warnings[:100]]
    return "\n".join(lines)


class ImportDialog(QDialog):
    imported = Signal(object)  # list of new (or updated) article ids
    done = Signal(object)  # the ImportReport (or None after an error)

    def __init__(self, folder, sources: list[str], *, overrides=None, stdin_text: str | None = None,
                 parent: QWidget | None = None, start: bool = True):
        super().__init__(parent)
        self.setWindowTitle("Import")
        self.setMinimumWidth(480)
        self.report = None
        layout = QVBoxLayout(self)
        self.label = QLabel("Preparing…", self)
        self.label.setTextFormat(Qt.PlainText)
        self.label.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 0)
        self.summary = QPlainTextEdit(self)
        self.summary.setReadOnly(True)
        self.summary.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.Cancel, self)
        self.buttons.rejected.connect(self._cancel_or_close)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.summary, 1)
        layout.addWidget(self.buttons)

        def make_job(lib, token):
            from clipper.importing import import_sources

            stdin = io.BytesIO(stdin_text.encode("utf-8")) if stdin_text is not None else None
            return import_sources(lib, sources, overrides=overrides, stdin=stdin, cancel=token)

        self.thread = JobThread(folder, make_job, self)
        self.thread.progressed.connect(self._progress)
        self.thread.succeeded.connect(self._succeeded)
        self.thread.failed.connect(self._failed)
        self.thread.cancelled.connect(lambda: self._failed("Cancelled."))
        if start:
            self.start()

    def start(self) -> None:
        self.thread.start()

    @property
    def running(self) -> bool:
        return self.thread.isRunning()

    def cancel(self) -> None:
        self.thread.cancel()
        self.label.setText("Cancelling…")

    def _cancel_or_close(self) -> None:
        if self.thread.isRunning() and self.report is None:
            self.cancel()
        else:
            self.reject()

    def _progress(self, done: int, total: int, label: str) -> None:
        if total > 0:
            self.bar.setRange(0, total)
            self.bar.setValue(min(done, total))
        text = label if label != "done" else "Finishing…"
        self.label.setText(f"{done} of {total}: {text}" if total > 0 and text else text or "Importing…")

    def _finish_ui(self) -> None:
        self.buttons.clear()
        close = self.buttons.addButton(QDialogButtonBox.Close)
        close.setDefault(True)
        self.buttons.rejected.connect(self.reject)
        self.summary.show()
        # room for the summary: a few lines fit as they are, a long list gets a taller box
        lines = self.summary.toPlainText().count("\n") + 1
        fm = self.summary.fontMetrics()
        wanted = min(16, max(4, lines)) * fm.lineSpacing() + 16
        self.summary.setMinimumHeight(wanted)
        widest = max((fm.horizontalAdvance(line) for line in self.summary.toPlainText().splitlines()), default=0)
        self.resize(max(self.width(), min(760, widest + 60)), self.sizeHint().height())
        self.bar.setRange(0, 1)
        self.bar.setValue(1)

    def _succeeded(self, report) -> None:
        self.report = report
        self.label.setText("Import cancelled." if report.cancelled else "Import finished.")
        self.summary.setPlainText(summarize(report))
        self._finish_ui()
        ids = [e["id"] for e in report.imported + report.updated]
        if ids:
            self.imported.emit(ids)
        self.done.emit(report)

    def _failed(self, message: str) -> None:
        self.label.setText("Import failed." if message != "Cancelled." else "Import cancelled.")
        self.summary.setPlainText(message)
        self._finish_ui()
        self.done.emit(None)

    def closeEvent(self, event):  # noqa: N802
        if self.thread.isRunning():
            self.thread.cancel()
            self.thread.wait(10_000)
        super().closeEvent(event)

    def reject(self):
        if self.thread.isRunning():
            self.thread.cancel()
            self.thread.wait(10_000)
        super().reject()
