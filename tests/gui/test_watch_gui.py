"""Watch in the app: Ctrl+Shift+W marks the open article; the window's timer refreshes
watched articles that are due (the test moves the watch clock seven hours on instead of
waiting), a changed page becomes version 2 and the list shows its mark. The page is made
up and served from 127.0.0.1."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from clipper.gui.models import ARTICLE_COLUMNS
from clipper_testkit import LocalServer

CHANGED = [key for key, _h, _s in ARTICLE_COLUMNS].index("changes")

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{title}"></head><body><article><h1>{title}</h1>
<p>The rail operator said on Wednesday that the branch line to Kelby would reopen {when}, after engineers finished shoring up the embankment that slipped in the autumn storms.</p>
<p>Passengers have travelled by replacement bus since October, adding forty minutes to the journey into town.</p>
</article></body></html>"""


def test_watched_article_is_refreshed_on_schedule_and_marked(qtbot, lib, make_window, tmp_path):
    from clipper import watch
    from clipper.importing import import_sources
    from clipper.jobs import run_job

    state = {"page": {"title": "Kelby line to reopen in May", "when": "in May"}}
    with LocalServer() as server:
        server.routes["/kelby"] = lambda h: h.send_plain(200, PAGE.format(**state["page"]).encode(),
                                                         "text/html; charset=utf-8")
        aid = run_job(import_sources(lib, [server.url("/kelby")])).imported[0]["id"]
        w = make_window(lib)
        w.resize(1500, 760)
        w.splitter.setSizes([200, 760, 540])
        QApplication.processEvents()
        assert w.current_article.id == aid and not w.watch.act_watch.isChecked()
        row = w.model.row_of(aid)
        assert w.model.index(row, 0).data(Qt.DecorationRole) is None

        QTest.keyClick(w, Qt.Key_W, Qt.ControlModifier | Qt.ShiftModifier)
        assert watch.is_watched(lib, aid) and w.watch.act_watch.isChecked()
        assert "Watching" in w.statusBar().currentMessage() and "every 6h" in w.statusBar().currentMessage()
        assert w.model.index(row, 0).data(Qt.DecorationRole) is not None  # the watched mark on the title
        assert "Watched" in w.model.index(row, 0).data(Qt.ToolTipRole)

        # the timer ticks, but nothing is due yet: no request is made
        requests = len(server.headers_seen)
        checks = []
        w.watch.checked.connect(checks.append)
        w.watch.timer.setInterval(20)
        qtbot.wait(300)
        assert not w.watch.running and checks == [] and len(server.headers_seen) == requests

        # the page changes; seven hours later (the interval is 6 h) the next tick refreshes it
        state["page"] = {"title": "Kelby line reopening delayed to July", "when": "in July"}
        later = datetime.now(timezone.utc) + timedelta(hours=7)
        w.watch.clock = lambda: later
        w.watch.checked.connect(lambda _report: w.watch.timer.stop())  # one check (the clock stays ahead)
        with qtbot.waitSignal(w.watch.checked, timeout=20_000) as blocker:
            pass
        report = blocker.args[0]
        assert report.changed == [aid] and report.versions[aid] == 2
    assert "now version 2" in w.statusBar().currentMessage()
    mark = w.model.index(w.model.row_of(aid), CHANGED).data()
    assert mark == "headline · 1 word"  # "May" → "July" in the body
    assert w.current_article.title == "Kelby line reopening delayed to July"
    assert "in July" in w.reader.toPlainText()
    assert w.versions.bar.isVisible() and w.versions.bar.combo.count() == 2
    w.grab().save(str(tmp_path / "watch.png"))  # to look at

    # the list's context menu has the action; triggering it stops watching
    w.table.customContextMenuRequested.emit(w.table.visualRect(w.model.index(w.model.row_of(aid), 0)).center())
    menu = w._last_menu
    assert w.watch.act_watch in menu.actions() and w.watch.act_watch.isChecked()
    menu.close()
    w.watch.act_watch.trigger()
    assert not watch.is_watched(lib, aid) and not w.watch.act_watch.isChecked()
    assert w.model.index(w.model.row_of(aid), 0).data(Qt.DecorationRole) is None
