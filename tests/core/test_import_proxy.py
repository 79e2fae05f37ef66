"""Fetching through the proxy the environment names (http_proxy/https_proxy/no_proxy).

The "proxy" is a server on 127.0.0.1 that answers for any site; the sites named here do
not exist and are never looked up (the proxy gets the request instead)."""
from __future__ import annotations

import base64
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from clipper.errors import InputError
from clipper.importers import ImportOptions, load_source
from clipper.importers.fetch import fetch, proxy_for

PAGE = (b"<html><head><title>Ferry timetable changes</title></head><body><article>"
        b"<h1>Ferry timetable changes</h1><p>The island ferry will leave an hour earlier "
        b"from Monday, the operator said, because of the new tide tables.</p><p>Passengers "
        b"with booked tickets will be moved to the new sailing automatically.</p></article>"
        b"</body></html>")


class _Proxy(BaseHTTPRequestHandler):
    seen: list = []

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.seen.append(("GET", self.path, self.headers.get("Proxy-Authorization")))
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def do_CONNECT(self):
        self.seen.append(("CONNECT", self.path, self.headers.get("Proxy-Authorization")))
        self.send_response(403)
        self.send_header("Content-Length", "0")
        self.end_headers()


@pytest.fixture
def proxy(monkeypatch):
    _Proxy.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                 "NO_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)
    try:
        yield server.server_address[1], _Proxy.seen
    finally:
        server.shutdown()
        server.server_close()


def test_http_url_goes_through_the_proxy_in_absolute_form(proxy, monkeypatch):
    port, seen = proxy
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{port}")
    result = fetch("http://news.invalid/ferry?id=7#top")
    assert result.body == PAGE
    assert seen == [("GET", "http://news.invalid/ferry?id=7", None)]


def test_proxy_credentials_are_sent_as_basic_authorisation(proxy, monkeypatch):
    port, seen = proxy
    monkeypatch.setenv("HTTP_PROXY", f"http://analyst:s%40fe@127.0.0.1:{port}")
    fetch("http://news.invalid/a")
    expected = "Basic " + base64.b64encode(b"analyst:s@fe").decode()
    assert seen[0][2] == expected


def test_https_url_is_tunnelled_and_a_refused_tunnel_is_a_clear_error(proxy, monkeypatch):
    port, seen = proxy
    monkeypatch.setenv("https_proxy", f"127.0.0.1:{port}")
    with pytest.raises(InputError) as err:
        fetch("https://news.invalid/b", timeout=5)
    assert seen[0][:2] == ("CONNECT", "news.invalid:443")
    assert f"through proxy 127.0.0.1:{port}" in str(err.value)
    assert "403" in str(err.value)


def test_url_import_uses_the_proxy(proxy, monkeypatch):
    port, _seen = proxy
    monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{port}")
    (draft,) = load_source("http://news.invalid/ferry", ImportOptions())
    assert draft.title == "Ferry timetable changes"
    assert "tide tables" in draft.text


def test_no_proxy_and_loopback_bypass_the_proxy(monkeypatch):
    monkeypatch.setenv("http_proxy", "http://proxy.invalid:3128")
    monkeypatch.setenv("no_proxy", "intranet.invalid,.corp.invalid")
    assert proxy_for("http://news.invalid/") is not None
    assert proxy_for("http://intranet.invalid/x") is None
    assert proxy_for("http://wiki.corp.invalid/x") is None
    assert proxy_for("http://127.0.0.1:8080/x") is None
    assert proxy_for("http://localhost/x") is None
    assert proxy_for("https://news.invalid/") is None  # no https_proxy set


def test_unsupported_proxy_scheme_is_a_clear_error(monkeypatch):
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.setenv("http_proxy", "socks5://127.0.0.1:1080")
    with pytest.raises(InputError, match="only http:// proxies"):
        fetch("http://news.invalid/")
