"""The GUI reader renders untrusted article text without loading anything it names."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt")

from clipper.library import Library  # noqa: E402
from clipper.models import ArticleDraft  # noqa: E402
from clipper_testkit import LocalServer  # noqa: E402


def test_reader_loads_nothing_named_in_the_text(qtbot, tmp_path):
    from clipper.gui.reader import ReaderView

    with LocalServer() as server:
        base = server.url("")
        img = f'<img src="{base}/pixel.png">'
        text = (f"The harbour council met on Tuesday. {img} and <img src=\"file:///etc/passwd\">\n\n"
                f"See file:///etc/passwd and {base}/pixel.png and <b>bold</b> &amp; "
                f"<style>p{{background:url({base}/bg.png)}}</style>")
        with Library.open(tmp_path / "lib") as lib:
            aid = lib.articles.add(ArticleDraft(title=f"Title {img}", text=text)).id
            lib.passages.add(aid, quote="harbour council")
            article = lib.articles.get(aid)
            passages = lib.passages.for_article(aid)
        view = ReaderView()
        qtbot.addWidget(view)
        view.set_article(article, passages)
        view.show()
        qtbot.wait(300)
        assert sum(server.hits.values()) == 0
        shown = view.toPlainText()
        assert img in shown and "<b>bold</b>" in shown and "root:" not in shown
