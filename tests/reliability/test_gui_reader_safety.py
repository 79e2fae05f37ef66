"""The GUI reader renders untrusted article text without loading anything it names."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
pytest.importorskip("pytestqt")

from clipper.library import Library  # noqa: E402
from clipper.models import ArticleDraft  # noqa: E402
from test_hostile_net import Loopback  # noqa: E402


def test_reader_loads_nothing_named_in_the_text(qtbot, tmp_path):
    from clipper.gui.reader import ReaderView

    server = Loopback()
    try:
        img = f'<img src="{server.url}/pixel.png">'
        text = (f"The harbour council met on Tuesday. {img} and <img src=\"file:///etc/passwd\">\n\n"
                f"See file:///etc/passwd and {server.url}/pixel.png and <b>bold</b> &amp; "
                f"<style>p{{background:url({server.url}/bg.png)}}</style>")
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
    finally:
        server.close()
