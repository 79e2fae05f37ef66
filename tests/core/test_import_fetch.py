"""URL imports: scheme checks, limits, redirects, timeouts, errors, charsets.

Every page comes from a local ThreadingHTTPServer on 127.0.0.1 — never the internet.
"""
from __future__ import annotations

import gzip
import socket
import time

import pytest
from clipper_testkit import LocalServer

from clipper.errors import InputError
from clipper.importers import ImportOptions, load_source, load_source_items
from clipper.importers.fetch import USER_AGENT, fetch

PARAS = [
    "The regional council approved the new harbour budget on Monday after a debate that lasted well into the evening.",
    "Councillors argued over the cost of dredging the old channel, which has silted up since the storms of last winter.",
    "The mayor said the vote would secure jobs at the port for a decade and promised a public report every quarter.",
    "Opponents said the plan ignored the fishing families who have worked the harbour for generations.",
]


def article_html(title="Council approves harbour budget", paras=PARAS, head_extra="", charset_meta="utf-8") -> str:
    meta = f'<meta charset="{charset_meta}">' if charset_meta else ""
    body = "".join(f"<p>{p}</p>" for p in paras)
    return (
        f"<!DOCTYPE html><html lang='en'><head>{meta}<title>{title} | Coast Herald</title>{head_extra}"
        "<meta property='og:site_name' content='Coast Herald'></head><body>"
        "<nav><a href='/'>Home</a> <a href='/world'>World</a> <a href='/sport'>Sport</a></nav>"
        f"<article><h1>{title}</h1>{body}</article>"
        "<footer>&copy; Coast Herald. All rights reserved.</footer></body></html>"
    )


@pytest.fixture
def server():
    with LocalServer() as srv:
        yield srv


FAST = ImportOptions(timeout=1.0, connect_timeout=1.0)


@pytest.mark.parametrize(
    "url",
    ["file:///etc/passwd", "ftp://example.org/a.html", "data:text/html,<p>hi</p>", "javascript:alert(1)", "gopher://x/"],
)
def test_non_http_schemes_are_refused_before_any_io(url, monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("a socket was opened")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    with pytest.raises(InputError, match="only http and https"):
        load_source(url, FAST)


def test_page_is_fetched_with_clipper_user_agent_and_extracted(server):
    server.body("/story", article_html(head_extra="<link rel='canonical' href='/story?utm_source=x&id=7'>").encode())
    [draft] = load_source(server.url("/story"), FAST)
    assert server.headers_seen[0]["user-agent"] == USER_AGENT
    assert draft.title == "Council approves harbour budget"
    assert draft.text.split("\n\n") == PARAS
    assert draft.outlet == "Coast Herald"
    assert draft.url == server.url("/story?id=7")


@pytest.mark.parametrize("status", [404, 500, 403])
def test_http_errors_are_clear(server, status):
    server.body("/err", b"oops", status=status)
    with pytest.raises(InputError, match=f"HTTP {status}"):
        load_source(server.url("/err"), FAST)


def test_redirects_are_followed_and_final_url_kept(server):
    server.redirect("/old", "/new", 301)
    server.body("/new", article_html().encode())
    [draft] = load_source(server.url("/old"), FAST)
    assert draft.url == server.url("/new")
    assert server.hits["/new"] == 1


def test_redirect_loop_is_refused(server):
    server.redirect("/a", "/b")
    server.redirect("/b", "/a")
    with pytest.raises(InputError, match="redirect loop"):
        load_source(server.url("/a"), FAST)
    assert server.hits["/a"] == 1 and server.hits["/b"] == 1


def test_too_many_redirects(server):
    for i in range(10):
        server.redirect(f"/r{i}", f"/r{i + 1}")
    with pytest.raises(InputError, match="more than 3 redirects"):
        load_source(server.url("/r0"), ImportOptions(timeout=1.0, max_redirects=3))
    assert server.hits["/r4"] == 0


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x", "data:text/plain,hello"])
def test_redirect_to_non_http_is_refused(server, target):
    server.redirect("/go", target)
    with pytest.raises(InputError, match="redirect to a .* URL refused"):
        load_source(server.url("/go"), FAST)


def test_slow_server_is_cut_by_the_timeout(server):
    def slow(h):
        time.sleep(3)
        h.send_plain(200, b"too late")

    server.routes["/slow"] = slow
    start = time.monotonic()
    with pytest.raises(InputError, match="timed out"):
        load_source(server.url("/slow"), ImportOptions(timeout=0.8))
    assert time.monotonic() - start < 2.0


def test_dripping_server_is_cut_by_the_total_deadline(server):
    def drip(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/html")
        h.send_header("Content-Length", "100000")
        h.end_headers()
        for _ in range(60):  # one byte every 0.05 s never trips a per-read timeout
            h.wfile.write(b"x")
            h.wfile.flush()
            time.sleep(0.05)

    server.routes["/drip"] = drip
    start = time.monotonic()
    with pytest.raises(InputError, match="timed out"):
        load_source(server.url("/drip"), ImportOptions(timeout=0.8))
    assert time.monotonic() - start < 2.0


def test_dripping_headers_are_cut_too(server):
    def drip_headers(h):
        h.wfile.write(b"HTTP/1.1 200 OK\r\n")
        for i in range(60):
            h.wfile.write(f"X-Slow-{i}: y\r\n".encode())
            h.wfile.flush()
            time.sleep(0.05)

    server.routes["/driph"] = drip_headers
    start = time.monotonic()
    with pytest.raises(InputError, match="timed out"):
        fetch(server.url("/driph"), timeout=0.8)
    assert time.monotonic() - start < 2.0


def test_connection_refused_is_clear():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    with pytest.raises(InputError, match="refused|network error"):
        load_source(f"http://127.0.0.1:{port}/x", FAST)


def test_unknown_host_is_clear():
    with pytest.raises(InputError, match="cannot resolve host"):
        load_source("http://no-such-host.invalid/story", FAST)


def test_size_cap_from_content_length(server):
    server.body("/big", b"a" * 5000, ctype="text/plain")
    with pytest.raises(InputError, match="larger than"):
        load_source(server.url("/big"), ImportOptions(timeout=1.0, max_bytes=1000))


def test_size_cap_without_content_length(server):
    def stream(h):
        h.send_response(200)
        h.send_header("Content-Type", "text/plain")
        h.send_header("Connection", "close")
        h.end_headers()
        for _ in range(50):
            h.wfile.write(b"word " * 200)

    server.routes["/stream"] = stream
    with pytest.raises(InputError, match="larger than"):
        load_source(server.url("/stream"), ImportOptions(timeout=1.0, max_bytes=10_000))


def test_gzip_bomb_is_cut_at_the_decompressed_cap(server):
    bomb = gzip.compress(b"<p>" + b"A" * (30 * 1024 * 1024) + b"</p>", compresslevel=9)
    assert len(bomb) < 100_000
    server.body("/bomb", bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(InputError, match="decompressed page larger"):
        load_source(server.url("/bomb"), ImportOptions(timeout=2.0, max_bytes=1024 * 1024))


def test_gzip_page_is_decompressed(server):
    server.body("/gz", gzip.compress(article_html().encode()), headers={"Content-Encoding": "gzip"})
    [draft] = load_source(server.url("/gz"), FAST)
    assert PARAS[0] in draft.text


def test_charset_from_content_type_header_cp1252(server):
    paras = [p.replace("budget", "budget – café") for p in PARAS]
    page = article_html(paras=paras, charset_meta="").encode("cp1252")
    server.body("/cp", page, ctype="text/html; charset=windows-1252")
    [draft] = load_source(server.url("/cp"), FAST)
    assert "budget – café" in draft.text


def test_charset_from_the_page_shift_jis(server):
    paras = [
        "港湾局は月曜日、新しい予算案を承認した。議論は夜遅くまで続いた。" * 2,
        "市長は、この投票によって港の雇用が十年間守られると述べた。" * 2,
        "反対派は、漁業を営む家族が計画から無視されていると主張した。" * 2,
    ]
    html = article_html(title="港湾予算を承認", paras=paras, charset_meta="shift_jis").replace("lang='en'", "lang='ja'")
    server.body("/sj", html.encode("shift_jis"), ctype="text/html")
    [draft] = load_source(server.url("/sj"), FAST)
    assert "港湾局は月曜日" in draft.text
    assert draft.language == "ja"


def test_charset_detected_without_any_declaration_windows_1251(server):
    paras = [
        "Городской совет в понедельник утвердил новый бюджет порта после долгих споров, которые продолжались до позднего вечера.",
        "Депутаты спорили о стоимости углубления старого канала, который заилился после зимних штормов прошлого года.",
        "Мэр заявил, что голосование сохранит рабочие места в порту на десять лет вперёд и обещал ежеквартальный отчёт.",
    ]
    html = article_html(title="Совет утвердил бюджет порта", paras=paras, charset_meta="").replace("lang='en'", "")
    server.body("/ru", html.encode("windows-1251"), ctype="text/html")
    [draft] = load_source(server.url("/ru"), FAST)
    assert "Городской совет" in draft.text
    assert draft.language == "ru"


def test_content_type_text_plain_goes_to_the_text_importer(server):
    text = "Harbour budget approved\n\n" + "\n\n".join(PARAS)
    server.body("/t.txt", text.encode(), ctype="text/plain; charset=utf-8")
    [draft] = load_source(server.url("/t.txt"), FAST)
    assert PARAS[1] in draft.text
    assert draft.url == server.url("/t.txt")


def test_content_type_feed_goes_to_the_feed_parser(server):
    rss = (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Coast</title>"
        "<item><title>One</title><link>https://coast.example/1</link><description>First story text.</description></item>"
        "<item><title>Two</title><link>https://coast.example/2</link><description>Second story text.</description></item>"
        "</channel></rss>"
    )
    server.body("/feed", rss.encode(), ctype="application/rss+xml")
    items = load_source_items(server.url("/feed"), FAST)
    assert [d.title for d in items] == ["One", "Two"]


def test_binary_content_type_is_refused(server):
    server.body("/img", b"\x89PNG\r\n\x1a\n" + bytes(range(256)), ctype="image/png")
    with pytest.raises(InputError, match="unsupported content type image/png"):
        load_source(server.url("/img"), FAST)
