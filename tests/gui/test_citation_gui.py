"""Copy citation (article, or passage with its quote) and the Export dialog's briefing."""
from __future__ import annotations

import shutil
import subprocess

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication


def test_copy_citation_of_the_article_and_of_a_passage(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    w.open_article(ids["ferry"])
    QApplication.clipboard().clear()
    w.act_copy_citation.trigger()
    data = QApplication.clipboard().mimeData()
    assert data.text() == ("“Night Ferry Returns to the Island Route,” Island Post, February 2, 2026, "
                           "https://island-post.example/ferry.")
    assert "<i>Island Post</i>" in data.html()
    # From the passages list: the quote, then the citation.
    w.passages.view.setFocus()
    qtbot.waitUntil(w.passages.view.hasFocus, timeout=3000)
    w.passages.view.setCurrentIndex(w.passages.view.model().index(0, 0))
    qtbot.keyClick(w.passages.view, Qt.Key_C, Qt.ControlModifier | Qt.ShiftModifier)
    text = QApplication.clipboard().text()
    assert text.startswith("“night ferry would sail again”\n“Night Ferry Returns")
    assert "copied" in w.statusBar().currentMessage()


@pytest.mark.skipif(not shutil.which("pdftotext"), reason="pdftotext not installed")
def test_export_dialog_writes_a_briefing(qtbot, filled, make_window, tmp_path):
    lib, ids = filled
    w = make_window(lib)
    dialog = w.export_dialog()
    dialog.r_all.setChecked(True)
    dialog.set_format("pdf")
    assert dialog.briefing.isEnabled() and not dialog.briefing.isChecked()
    dialog.briefing.setChecked(True)
    dialog.group_by.setCurrentIndex(dialog.group_by.findData("date"))
    dialog.style.setCurrentIndex(dialog.style.findData("apa"))
    target = tmp_path / "briefing.pdf"
    dialog.path.setText(str(target))
    with qtbot.waitSignal(dialog.exported, timeout=30_000):
        dialog.export_button.click()
    text = subprocess.run(["pdftotext", str(target), "-"], capture_output=True, text=True).stdout
    assert "Contents" in text and "Bibliography" in text
    assert "Night ferry returns to the island route. (2026, February 2). Island Post." in " ".join(text.split())
    dialog.set_format("docx")
    assert dialog.briefing.isChecked() and not dialog.briefing.isEnabled()
    assert dialog.path.text().endswith(".docx")
    dialog.close()
