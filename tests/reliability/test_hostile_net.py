"""Hostile feeds and URLs through the real `clipper import` command: no entity expansion, no
outbound request, non-http schemes refused before any I/O, slow/huge/bomb responses cut."""
from __future__ import annotations

import gzip
import time

import pytest

from clipper_testkit import LocalServer
from reliability_testkit import run_clipper


@pytest.fixture
def net():
    with LocalServer() as server:
        server.body("/secret.dtd", b'<!ENTITY x "pwned">', "application/xml-dtd")
        server.body("/secret.txt", b"pwned", "text/plain")
        server.body("/pixel.png", b"\x89PNG", "image/png")
        yield server


ITEM = "<item><title>Harbour vote</title><description>&{ref};</description></item>"


def _feed(prolog: str, ref: str = "lol9") -> bytes:
    return (f'<?xml version="1.0"?>\n{prolog}\n<rss version="2.0"><channel><title>T</title>'
            + ITEM.format(ref=ref) + "</channel></rss>").encode()


def _hostile_feeds(base: str) -> dict[str, bytes]:
    laughs = "".join(f'<!ENTITY lol{i} "{("&lol%d;" % (i - 1)) * 10}">' for i in range(1, 10))
    return {
        "billion-laughs": _feed(f'<!DOCTYPE rss [<!ENTITY lol0 "lol">{laughs}]>'),
        "quadratic": _feed(f'<!DOCTYPE rss [<!ENTITY big "{"A" * 100_000}">]>'.replace("lol9", "big"), ref="big")
        .replace(b"&big;", b"&big;" * 2000),
        "external-entity": _feed(f'<!DOCTYPE rss [<!ENTITY ext SYSTEM "{base}/secret.txt">]>', ref="ext"),
        "external-dtd": _feed(f'<!DOCTYPE rss SYSTEM "{base}/secret.dtd">', ref="x"),
        "parameter-entity": _feed(f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{base}/secret.dtd"> %p;]>', ref="x"),
        "file-entity": _feed('<!DOCTYPE rss [<!ENTITY f SYSTEM "file:///etc/hostname">]>', ref="f"),
    }


@pytest.mark.parametrize("kind", ["billion-laughs", "quadratic", "external-entity", "external-dtd",
                                  "parameter-entity", "file-entity"])
def test_hostile_feed_file_is_refused_without_expansion_or_requests(tmp_path, net, kind):
    path = tmp_path / f"{kind}.xml"
    path.write_bytes(_hostile_feeds(net.url(""))[kind])
    started = time.monotonic()
    result = run_clipper(["import", str(path)], tmp_path / "lib", timeout=60)
    assert time.monotonic() - started < 20
    assert result.returncode == 1
    assert "refused" in result.stderr and result.stderr.count("\n") == 1
    assert sum(net.hits.values()) == 0
    assert "pwned" not in result.stdout + result.stderr


@pytest.mark.parametrize("kind", ["billion-laughs", "external-entity", "external-dtd"])
def test_hostile_feed_served_over_http(tmp_path, net, kind):
    net.body("/feed.xml", _hostile_feeds(net.url(""))[kind], "application/rss+xml")
    result = run_clipper(["import", net.url("/feed.xml"), "--timeout", "5"], tmp_path / "lib", timeout=60)
    assert result.returncode == 1 and "refused" in result.stderr
    assert dict(net.hits) == {"/feed.xml": 1}


@pytest.mark.parametrize("url", ["file:///etc/passwd", "FILE:///etc/hostname", "ftp://127.0.0.1/pub/x.txt",
                                 "data:text/html,<p>The harbour council met on Tuesday.</p>",
                                 "javascript:alert(1)", "gopher://127.0.0.1:70/1"])
def test_non_http_urls_are_refused(tmp_path, url):
    result = run_clipper(["import", url], tmp_path / "lib", timeout=60)
    assert result.returncode == 1
    assert "refused" in result.stderr or "not supported" in result.stderr, result.stderr
    assert result.stderr.count("\n") == 1 and "root:" not in result.stdout


def test_redirect_to_file_is_refused_after_one_request(tmp_path, net):
    net.redirect("/go", "file:///etc/passwd")
    result = run_clipper(["import", net.url("/go"), "--timeout", "5"], tmp_path / "lib", timeout=60)
    assert result.returncode == 1 and "refused" in result.stderr
    assert dict(net.hits) == {"/go": 1}


def _stall(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    time.sleep(8)


def _drip(handler):
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html")
    handler.end_headers()
    for _ in range(80):
        handler.wfile.write(b"<p>a</p>")
        handler.wfile.flush()
        time.sleep(0.1)


@pytest.mark.parametrize("name, route", [("stall", _stall), ("drip", _drip)])
def test_slow_servers_are_cut_by_the_timeout(tmp_path, net, name, route):
    net.routes["/slow"] = route
    started = time.monotonic()
    result = run_clipper(["import", net.url("/slow"), "--timeout", "1.5"], tmp_path / "lib", timeout=60)
    assert time.monotonic() - started < 6.5  # python start-up included
    assert result.returncode == 1 and "timed out" in result.stderr


def test_oversized_and_gzip_bomb_responses_are_cut(tmp_path, net):
    net.body("/big", b"<p>" + b"x" * (3 * 1024 * 1024) + b"</p>", "text/html")
    bomb = gzip.compress(b"<p>" + b"A" * (200 * 1024 * 1024) + b"</p>", compresslevel=9)
    assert len(bomb) < 1024 * 1024
    net.body("/bomb", bomb, "text/html", headers={"Content-Encoding": "gzip"})
    for path in ("/big", "/bomb"):
        started = time.monotonic()
        result = run_clipper(["import", net.url(path), "--max-size", "1", "--timeout", "10"],
                             tmp_path / "lib", timeout=60)
        assert time.monotonic() - started < 15
        assert result.returncode == 1 and "MB" in result.stderr, result.stderr
