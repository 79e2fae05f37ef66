"""The desktop app and the browser extension: Preferences shows the pairing token, the app's
endpoint stores a capture from its own threads while the window stays responsive, and the
window shows the new article without being raised."""
from __future__ import annotations

import http.client
import json
import threading
import time

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

from clipper.connector.token import get_token
from clipper.library import Library
from clipper_testkit import news_page

EXT = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"


def post(port: int, token: str, body: dict) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("POST", "/v1/capture", json.dumps(body),
                 {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Origin": EXT})
    resp = conn.getresponse()
    data = json.loads(resp.read())
    conn.close()
    return resp.status, data


def test_preferences_show_copy_and_renew_the_token(make_window, lib, qtbot):
    w = make_window(lib)
    w.act_preferences.trigger()
    dialog = w.preferences_dialog
    qtbot.waitExposed(dialog)
    token = get_token(lib)
    assert token and dialog.token_edit.text() == token and dialog.token_edit.isReadOnly()
    dialog.copy_button.click()
    assert QGuiApplication.clipboard().text() == token
    assert "Not listening" in dialog.where.text()  # the window was not started by the app here
    dialog.new_token(confirm=False)
    assert dialog.token_edit.text() == get_token(lib) != token
    dialog.close()


def test_capture_arrives_in_the_open_window_without_raising_it(make_window, filled, qtbot, tmp_path):
    lib, ids = filled
    w = make_window(lib)
    w.connector.requested_port = 0
    port = w.connector.start()
    assert port
    w.act_preferences.trigger()
    assert f"127.0.0.1:{port}" in w.preferences_dialog.where.text()
    w.preferences_dialog.close()
    token = get_token(lib)
    # the user is elsewhere (here: another top-level window is the active one)
    other = QWidget()
    qtbot.addWidget(other)
    other.show()
    other.windowHandle().requestActivate()
    qtbot.waitUntil(other.isActiveWindow, timeout=20000)
    assert not w.isActiveWindow()

    result: dict = {}

    def capture():
        result["answer"] = post(port, token, {
            "url": "https://tidewater.example/coast/skerry-keepers", "html": news_page(),
            "selection": {"exact": "supply boat", "prefix": "run a ", "suffix": " twice"}, "tags": ["coast"]})

    thread = threading.Thread(target=capture)
    thread.start()
    # the UI thread is not blocked while the server extracts and stores
    turns = []  # how long each 5 ms turn of the event loop took meanwhile
    while thread.is_alive():
        started = time.perf_counter()
        qtbot.wait(5)
        turns.append(time.perf_counter() - started)
    thread.join()
    status, data = result["answer"]
    assert status == 200, data
    assert turns and max(turns) < 1.0  # the event loop kept turning (a fast capture: few turns)
    aid, pid = data["article_id"], data["passage_id"]
    qtbot.waitUntil(lambda: w.model.row_of(aid) >= 0, timeout=20000)
    assert w.lib.articles.count() == 4
    assert "Saved from the browser" in w.statusBar().currentMessage()
    # the new article is shown, with its passage; the window was not raised or activated
    qtbot.waitUntil(lambda: w.current_article is not None and w.current_article.id == aid, timeout=20000)
    assert pid in [p.id for p in w.reader.passages]
    assert other.isActiveWindow() and not w.isActiveWindow()

    # closing the window stops the endpoint
    w.close()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/v1/ping")
        refused = False
    except OSError:
        refused = True
    finally:
        conn.close()
    assert refused
    with Library.open(lib.folder) as again:
        (p,) = [p for p in again.passages.for_article(aid)]
        assert p.quote == "supply boat" and p.tags == ["coast"]


def test_closing_the_window_stops_listening(make_window, lib, qtbot):
    import socket

    w = make_window(lib)
    w.connector.requested_port = 0
    port = w.connector.start()
    assert port
    socket.create_connection(("127.0.0.1", port), timeout=5).close()  # listening
    w.close()  # as the window's close button or File ▸ Close does
    assert w.connector.port == 0
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except OSError:
        pass
    else:
        raise AssertionError("still listening after the window closed")
