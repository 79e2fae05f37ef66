"""End to end in Firefox: headless Firefox ESR (Debian's ``firefox-esr``) with the same
extension folder installed as a temporary add-on, driven over Marionette, Firefox's own
remote protocol (spoken directly here: length-prefixed JSON on a TCP port; geckodriver is
not needed). Same journey as the Chromium test: pair on the options page, the popup saves
the page, a selection is clipped with a tag through the background's ``clipSelection``
(the context menu's code path), the badge counts the passage.

The extension's moz-extension:// host is read from ``WebExtensionPolicy`` in Marionette's
chrome context (Firefox started with ``-remote-allow-system-access``) so its pages can be
opened in tabs. Skipped (with the reason) only when Firefox is not
installed.
"""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import time

import pytest

from clipper.connector.server import ConnectorServer
from clipper.connector.token import ensure_token
from clipper.library import Library
from clipper_testkit import ROOT, LocalServer, news_page
from e2e_testkit import SELECT, SEND, TAB_ID, wait_until

EXTENSION = ROOT / "resources" / "extension"
ADDON_ID = json.loads((EXTENSION / "manifest.json").read_text())["browser_specific_settings"]["gecko"]["id"]


class Marionette:
    """Just enough of the Marionette protocol: [0, id, command, params] → [1, id, error, result]."""

    def __init__(self, port: int, timeout: float = 60):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        self.next_id = 0
        self._read()  # the server's hello

    def _read(self):
        head = b""
        while not head.endswith(b":"):
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError("Marionette closed the connection")
            head += chunk
        size = int(head[:-1])
        data = b""
        while len(data) < size:
            data += self.sock.recv(size - len(data))
        return json.loads(data)

    def call(self, command: str, params: dict | None = None):
        self.next_id += 1
        message = json.dumps([0, self.next_id, command, params or {}]).encode()
        self.sock.sendall(str(len(message)).encode() + b":" + message)
        while True:
            reply = self._read()
            if reply[0] == 1 and reply[1] == self.next_id:
                if reply[2]:
                    raise AssertionError(f"{command}: {reply[2].get('message')}")
                return reply[3]

    def script(self, source: str, *args, asynchronous: bool = False):
        command = "WebDriver:ExecuteAsyncScript" if asynchronous else "WebDriver:ExecuteScript"
        return self.call(command, {"script": source, "args": list(args)})["value"]

    def wait(self, source: str, *, timeout: float = 30, what: str = ""):
        return wait_until(self.script, source, timeout=timeout, what=what)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def firefox(tmp_path):
    binary = shutil.which("firefox-esr") or shutil.which("firefox")
    if binary is None:
        pytest.skip("Firefox is not installed (apt-get install firefox-esr)")
    port = _free_port()
    profile = tmp_path / "firefox-profile"
    profile.mkdir()
    prefs = {
        "marionette.port": port,
        "browser.shell.checkDefaultBrowser": False,
        "datareporting.policy.dataSubmissionEnabled": False,
        "browser.startup.homepage_override.mstone": "ignore",
    }
    (profile / "user.js").write_text("".join(f"user_pref({json.dumps(k)}, {json.dumps(v)});\n"
                                             for k, v in prefs.items()))
    proc = subprocess.Popen([binary, "--headless", "--marionette", "-remote-allow-system-access", "--no-remote", "--profile", str(profile)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        m = Marionette(port)
        m.call("WebDriver:NewSession", {"capabilities": {}})
        m.call("WebDriver:SetTimeouts", {"script": 60_000})
        installed = m.call("Addon:Install", {"path": str(EXTENSION), "temporary": True})["value"]
        assert installed == ADDON_ID
        m.call("Marionette:SetContext", {"value": "chrome"})
        host = m.script("return WebExtensionPolicy.getByID(arguments[0]).mozExtensionHostname;", ADDON_ID)
        m.call("Marionette:SetContext", {"value": "content"})
        yield m, f"moz-extension://{host}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_firefox_pairs_saves_the_page_clips_a_selection_and_shows_the_badge(firefox, tmp_path):
    m, base = firefox
    folder = tmp_path / "library"
    with Library.open(folder) as lib:
        token = ensure_token(lib)
        lib.tags.ensure("coast")
    server = ConnectorServer(folder, port=0)
    server.start()
    try:
        with LocalServer() as web:
            web.body("/news/skerry-keepers.html", news_page().encode())
            page_url = web.url("/news/skerry-keepers.html")
            m.call("WebDriver:Navigate", {"url": page_url})
            article_tab = m.call("WebDriver:GetWindowHandle")["value"]

            # pairing on the options page (moz-extension:// origin, Firefox's own fetch)
            tab = m.call("WebDriver:NewWindow", {"type": "tab"})["handle"]
            m.call("WebDriver:SwitchToWindow", {"handle": tab})
            m.call("WebDriver:Navigate", {"url": f"{base}/options.html"})
            m.wait("return document.getElementById('result').textContent", what="options loaded")
            m.script("document.getElementById('token').value = arguments[0];"
                     "document.getElementById('port').value = arguments[1];", token, str(server.port))
            save = m.call("WebDriver:FindElement", {"using": "css selector", "value": "#save"})["value"]
            m.call("WebDriver:ElementClick", {"id": next(iter(save.values()))})
            paired = m.wait("const t = document.getElementById('result').textContent;"
                            "return t.startsWith('Saved. Paired') ? t : null", what="pairing")
            assert str(folder) in paired

            tab_id = m.script(TAB_ID, page_url, asynchronous=True)
            assert tab_id is not None
            m.call("WebDriver:Navigate", {"url": f"{base}/popup.html?tab={tab_id}"})
            status = m.wait("const t = document.getElementById('status').textContent;"
                            "return t.startsWith('Saving') ? null : t", what="popup")
            assert status == "✓ Saved to Clipper", status
            with Library.open(folder) as lib:
                (aid,) = lib.articles.ids()
                assert "restart it by hand during storms" in lib.articles.get(aid).text
            assert m.script(SEND, {"cmd": "badge", "tabId": tab_id}, asynchronous=True)["result"]["text"] == "✓"

            popup_tab = m.call("WebDriver:GetWindowHandle")["value"]
            m.call("WebDriver:SwitchToWindow", {"handle": article_tab})
            words = "restart it by hand during storms"
            assert m.script(SELECT, words) == words
            m.call("WebDriver:SwitchToWindow", {"handle": popup_tab})
            answer = m.script(SEND, {"cmd": "clipSelection", "tabId": tab_id, "tags": ["coast"]}, asynchronous=True)
            assert answer["ok"], answer
            assert answer["result"]["duplicate"] is True and answer["result"]["orphaned"] is False
            with Library.open(folder) as lib:
                (passage,) = lib.passages.for_article(aid)
                assert lib.articles.get(aid).text[passage.start:passage.end] == words
                assert passage.tags == ["coast"]
            badge = m.script(SEND, {"cmd": "badge", "tabId": tab_id}, asynchronous=True)["result"]
            assert badge["text"] == "1" and "1 passage" in badge["title"]
    finally:
        server.stop()
