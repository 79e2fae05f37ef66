"""Edit > "Check watched articles now" checks every watched article at once (due or not);
Edit > "Watch interval…" sets the library's interval through its dialog."""
from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QInputDialog

from clipper_testkit import LocalServer

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Weir gates renewed</title></head>
<body><article><h1>Weir gates renewed</h1><p>New steel gates were lowered into the weir at Fosbrook on Tuesday, replacing oak gates that had stood since the war.</p>
<p>The river authority said the work would cut the risk of flooding in the lower town.</p></article></body></html>"""


def test_check_now_and_the_interval_dialog(qtbot, lib, make_window):
    from clipper import watch
    from clipper.importing import import_sources
    from clipper.jobs import run_job

    with LocalServer() as server:
        server.body("/weir", PAGE.encode())
        aid = run_job(import_sources(lib, [server.url("/weir")])).imported[0]["id"]
        w = make_window(lib)
        w.watch.act_check.trigger()  # nothing watched yet: says so
        assert not w.watch.running and "No watched articles" in w.statusBar().currentMessage()
        watch.set_watched(lib, [aid])
        assert watch.due(lib) == []  # just fetched: not due, but "now" checks it anyway
        requests = len(server.headers_seen)
        with qtbot.waitSignal(w.watch.checked, timeout=20_000) as blocker:
            w.watch.act_check.trigger()
        assert blocker.args[0].unchanged == [aid] and len(server.headers_seen) == requests + 1
        assert "0 changed, 1 unchanged" in w.statusBar().currentMessage()

    def answer():
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, QInputDialog)
        dialog.setTextValue("2h")
        dialog.accept()

    QTimer.singleShot(50, answer)
    w.watch.act_every.trigger()
    assert watch.get_every(lib) == 2 * 3600
    assert "every 2h" in w.statusBar().currentMessage()
