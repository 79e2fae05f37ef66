"""The browser connector's endpoint: pairing, every refusal (storing nothing), captures,
selections as passages (anchored or orphaned) and look-ups, over real HTTP on 127.0.0.1."""
from __future__ import annotations

import http.client
import json

import pytest

from clipper.connector.server import ConnectorServer
from clipper.connector.token import ensure_token, get_token, reset_token
from clipper.library import Library
from clipper_testkit import EMPTY_PAGE, news_page, row_counts

EXT = "chrome-extension://abcdefghijklmnopabcdefghijklmnop"
URL = "https://tidewater.example/coast/2026/skerry-keepers?utm_source=feed"


@pytest.fixture
def served(lib_dir):
    with Library.open(lib_dir) as lib:
        token = ensure_token(lib)
    server = ConnectorServer(lib_dir, port=0, max_body=256 * 1024)
    server.start()
    yield server, token
    server.stop()


def call(server, method, path, body=None, *, token=None, origin=None, host=None, ctype="application/json",
         headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
    conn.putheader("Host", host if host is not None else f"127.0.0.1:{server.port}")
    if token is not None:
        conn.putheader("Authorization", f"Bearer {token}")
    if origin is not None:
        conn.putheader("Origin", origin)
    data = b""
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        conn.putheader("Content-Type", ctype)
    for key, value in (headers or {}).items():
        conn.putheader(key, value)
    if body is not None and "Content-Length" not in (headers or {}):
        conn.putheader("Content-Length", str(len(data)))
    conn.endheaders()
    if data:
        conn.send(data)
    resp = conn.getresponse()
    payload = resp.read()
    conn.close()
    return resp.status, dict(resp.getheaders()), json.loads(payload) if payload else None


def page_body(**extra):
    return {"url": URL, "html": news_page(), "title": "Lighthouse keepers | Tidewater Gazette",
            "lang": "en", "time": "2026-12-07T09:00:00Z", **extra}


def articles(lib_dir):
    with Library.open(lib_dir) as lib:
        return [lib.articles.full(aid) for aid in lib.articles.ids()]


# ------------------------------------------------------------------------------ pairing

def test_token_is_made_once_per_library_and_can_be_reset(lib_dir, tmp_path):
    with Library.open(lib_dir) as lib:
        assert get_token(lib) is None
        first = ensure_token(lib)
        assert len(first) >= 40 and ensure_token(lib) == first
    with Library.open(lib_dir) as lib:
        assert get_token(lib) == first  # kept in the library
        second = reset_token(lib)
        assert second != first and get_token(lib) == second
    with Library.open(tmp_path / "other") as other:
        assert ensure_token(other) != second  # each library its own


def test_cli_token_prints_the_same_token(run_cli, cli_json):
    code, out, err = run_cli("connector", "token")
    assert code == 0, err
    token = out.strip()
    assert cli_json("connector", "token")["token"] == token
    assert cli_json("connector", "token", "--reset")["token"] != token


def test_paired_ping_and_reset_token_stops_working(served, lib_dir):
    server, token = served
    status, _, data = call(server, "GET", "/v1/ping", token=token, origin=EXT)
    assert status == 200 and data["app"] == "clipper" and data["articles"] == 0
    with Library.open(lib_dir) as lib:
        new = reset_token(lib)
    assert call(server, "GET", "/v1/ping", token=token, origin=EXT)[0] == 401
    assert call(server, "GET", "/v1/ping", token=new, origin=EXT)[0] == 200


# ------------------------------------------------------------------------------ refusals

def _refused(server, lib_dir, expected_status, message_part, **kwargs):
    before = row_counts(lib_dir / "library.db")
    status, headers, data = call(server, **kwargs)
    assert status == expected_status, data
    assert set(data) == {"error"} and "\n" not in data["error"] and message_part in data["error"]
    assert not any(k.lower().startswith("access-control-") for k in headers)
    assert row_counts(lib_dir / "library.db") == before
    return data["error"]


def test_missing_and_wrong_token_are_refused(served, lib_dir):
    server, token = served
    _refused(server, lib_dir, 401, "missing pairing token", method="POST", path="/v1/capture", body=page_body())
    _refused(server, lib_dir, 401, "wrong pairing token", method="POST", path="/v1/capture", body=page_body(),
             token=token[:-1] + ("A" if token[-1] != "A" else "B"))
    _refused(server, lib_dir, 401, "Bearer", method="POST", path="/v1/capture", body=page_body(),
             headers={"Authorization": f"Basic {token}"})
    _refused(server, lib_dir, 401, "missing pairing token", method="GET", path=f"/v1/lookup?url={URL}")
    _refused(server, lib_dir, 401, "", method="GET", path="/v1/tags", token="")
    assert articles(lib_dir) == []


@pytest.mark.parametrize("origin", ["https://evil.example", "http://127.0.0.1:8000", "null",
                                    "chrome-extension://", "http://localhost"])
def test_web_origins_are_refused_even_with_the_token(served, lib_dir, origin):
    server, token = served
    _refused(server, lib_dir, 403, "web pages", method="POST", path="/v1/capture", body=page_body(),
             token=token, origin=origin)
    _refused(server, lib_dir, 403, "web pages", method="OPTIONS", path="/v1/capture", origin=origin,
             headers={"Access-Control-Request-Method": "POST"})


@pytest.mark.parametrize("host", ["evil.example:{port}", "127.0.0.1:1", "localhost", "127.0.0.1.nip.io:{port}",
                                  "localhost.evil.example:{port}", ""])
def test_rebinding_host_is_refused(served, lib_dir, host):
    server, token = served
    _refused(server, lib_dir, 403, "Host", method="POST", path="/v1/capture", body=page_body(), token=token,
             origin=EXT, host=host.format(port=server.port))


def test_loopback_hosts_are_accepted(served):
    server, token = served
    for host in ("127.0.0.1:{p}", "localhost:{p}", "LOCALHOST:{p}", "[::1]:{p}"):
        assert call(server, "GET", "/v1/ping", token=token, host=host.format(p=server.port))[0] == 200


def test_method_path_and_content_type(served, lib_dir):
    server, token = served
    _refused(server, lib_dir, 405, "POST", method="GET", path="/v1/capture", token=token, origin=EXT)
    _refused(server, lib_dir, 405, "GET", method="POST", path="/v1/lookup", body={}, token=token, origin=EXT)
    _refused(server, lib_dir, 404, "no such endpoint", method="GET", path="/v1/delete", token=token)
    _refused(server, lib_dir, 415, "application/json", method="POST", path="/v1/capture",
             body=json.dumps(page_body()).encode(), ctype="text/plain", token=token, origin=EXT)
    _refused(server, lib_dir, 415, "application/json", method="POST", path="/v1/capture",
             body=b"url=x", ctype="application/x-www-form-urlencoded", token=token, origin=EXT)


def test_oversize_body_is_refused_before_reading(served, lib_dir):
    server, token = served
    big = page_body(html=news_page() + "<!--" + "x" * 300_000 + "-->")
    err = _refused(server, lib_dir, 413, "too large", method="POST", path="/v1/capture", body=big,
                   token=token, origin=EXT)
    assert "limit" in err
    # a client claiming a huge body is refused without it being read at all
    _refused(server, lib_dir, 413, "too large", method="POST", path="/v1/capture", body=b"{}",
             token=token, headers={"Content-Length": str(10 ** 10)})


@pytest.mark.parametrize("raw, part", [
    (b'{"url": "https://a.example/x", "html": ', "malformed JSON"),
    (b"\xff\xfe{}", "malformed JSON"),
    (b"[1, 2]", "JSON object"),
    (b'{"html": "<p>x</p>"}', '"url" is missing'),
    (b'{"url": "https://a.example/x"}', '"html" is missing'),
    (b'{"url": "javascript:alert(1)", "html": "<p>x</p>"}', "only http(s)"),
    (b'{"url": "https://a.example/x", "html": "<p>x</p>", "selection": {"exact": "  "}}', "selection.exact"),
    (b'{"url": "https://a.example/x", "html": "<p>x</p>", "tags": "politics"}', "list of strings"),
])
def test_malformed_requests_are_400(served, lib_dir, raw, part):
    server, token = served
    _refused(server, lib_dir, 400, part, method="POST", path="/v1/capture", body=raw, token=token, origin=EXT)


def test_page_without_article_text_stores_nothing(served, lib_dir):
    server, token = served
    failures = []
    server.on_failed = failures.append
    err = _refused(server, lib_dir, 400, "no article text", method="POST", path="/v1/capture",
                   body=page_body(url="https://tidewater.example/login", html=EMPTY_PAGE,
                                  selection={"exact": "Sign in"}, tags=["coast"]),
                   token=token, origin=EXT)
    assert err.startswith("https://tidewater.example/login")
    assert failures == [err]  # the app is told (its status bar), as for a failed import


# ------------------------------------------------------------------------------ captures

def test_capture_stores_the_page_as_an_import(served, lib_dir):
    server, token = served
    status, headers, data = call(server, "POST", "/v1/capture", page_body(tags=["coast"]), token=token, origin=EXT)
    assert status == 200, data
    assert data["duplicate"] is False and isinstance(data["article_id"], int) and "passage_id" not in data
    assert not any(k.lower().startswith("access-control-") for k in headers)
    (art,) = articles(lib_dir)
    assert art["id"] == data["article_id"]
    assert art["title"] == "Lighthouse keepers return to Skerry Point"
    assert art["url"] == "https://tidewater.example/coast/2026/skerry-keepers"  # canonical: tracking dropped
    assert art["outlet"] == "Tidewater Gazette" and art["language"] == "en"
    assert "restart it by hand during storms" in art["text"]
    assert "Copyright" not in art["text"] and "Weather" not in art["text"]
    assert art["tags"] == ["coast"]
    with Library.open(lib_dir) as lib:
        assert lib.articles.extra(art["id"])["captured"] == {"via": "browser", "at": "2026-12-07T09:00:00Z"}
        assert [h.id for h in lib.search("keepers").hits] == [art["id"]]


def test_the_page_sent_is_kept_as_the_original(served, lib_dir):
    from clipper import captures

    server, token = served
    html = news_page().replace("Tuesday", "Tuesday \ud800")  # a lone surrogate from a JS string
    status, _, data = call(server, "POST", "/v1/capture",
                           json.dumps(page_body(html=html)).encode(), token=token, origin=EXT)
    assert status == 200, data
    with Library.open(lib_dir) as lib:
        kept = captures.pick(lib, data["article_id"])
        assert kept.origin == "browser" and kept.kind == "html" and kept.source == URL
        original = captures.original_bytes(lib, kept).decode("utf-8")
    assert "restart it by hand during storms" in original and "Tuesday \ufffd" in original


def test_capture_with_selection_makes_an_anchored_passage(served, lib_dir):
    server, token = served
    sel = {"exact": "restart it by hand during storms",
           "prefix": "who could ", "suffix": ".\n\nThe trust will"}
    status, _, data = call(server, "POST", "/v1/capture", page_body(selection=sel, tags=["Maritime"]),
                           token=token, origin=EXT)
    assert status == 200, data
    assert data["duplicate"] is False and data["orphaned"] is False
    (art,) = articles(lib_dir)
    (p,) = art["passages"]
    assert p["id"] == data["passage_id"] and p["status"] == "anchored"
    assert art["text"][p["start"]:p["end"]] == "restart it by hand during storms"
    assert p["tags"] == ["Maritime"] and art["tags"] == []  # with a selection the tag goes on the passage


def test_selection_across_paragraphs_and_repeated_words_use_the_context(served, lib_dir):
    server, token = served
    call(server, "POST", "/v1/capture", page_body(), token=token, origin=EXT)
    # the browser joins paragraphs with one line break; the stored text has a blank line
    sel = {"exact": "the harbour trust said on Tuesday.\nThe automated lamp", "prefix": "next spring, "}
    status, _, data = call(server, "POST", "/v1/capture", page_body(selection=sel), token=token, origin=EXT)
    assert status == 200 and data["duplicate"] is True and data["orphaned"] is False
    # "the keepers" occurs twice: the suffix says which one
    status, _, second = call(server, "POST", "/v1/capture",
                             page_body(selection={"exact": "the keepers", "prefix": "remember ",
                                                  "suffix": " as neighbours"}), token=token, origin=EXT)
    (art,) = articles(lib_dir)
    spans = {p["id"]: art["text"][p["start"]:p["end"]] for p in art["passages"]}
    assert spans[data["passage_id"]] == "the harbour trust said on Tuesday.\n\nThe automated lamp"
    p = next(p for p in art["passages"] if p["id"] == second["passage_id"])
    assert art["text"][p["start"] - 9:p["end"] + 14] == "remember the keepers as neighbours"


def test_selection_outside_the_body_is_kept_orphaned(served, lib_dir):
    server, token = served
    sel = {"exact": "A keeper climbs the spiral stair at dawn.", "prefix": "", "suffix": "For the first"}
    status, _, data = call(server, "POST", "/v1/capture", page_body(selection=sel, tags=["photo"]),
                           token=token, origin=EXT)
    assert status == 200 and data["orphaned"] is True
    (art,) = articles(lib_dir)
    assert "spiral stair" not in art["text"]  # the caption is not part of the extracted body
    (p,) = art["passages"]
    assert p["status"] == "orphaned" and p["quote"] == sel["exact"] and p["tags"] == ["photo"]
    assert "not in the article text" in p["note"]
    # clipping it again does not make a second copy
    again = call(server, "POST", "/v1/capture", page_body(selection=sel), token=token, origin=EXT)[2]
    assert again["passage_id"] == p["id"] and len(articles(lib_dir)[0]["passages"]) == 1


def test_duplicate_by_canonical_url_is_found_not_stored_twice(served, lib_dir):
    server, token = served
    first = call(server, "POST", "/v1/capture", page_body(), token=token, origin=EXT)[2]
    # same article reached with other tracking parameters and a fragment, page text changed
    changed = news_page().replace("on Tuesday", "on Tuesday evening")
    status, _, second = call(server, "POST", "/v1/capture",
                             page_body(url="https://TIDEWATER.example/coast/2026/skerry-keepers?fbclid=1#top",
                                       html=changed, selection={"exact": "supply boat"}),
                             token=token, origin=EXT)
    assert status == 200 and second["duplicate"] is True and second["article_id"] == first["article_id"]
    (art,) = articles(lib_dir)
    assert "Tuesday evening" not in art["text"]  # a clip never rewrites the stored article
    assert [p["quote"] for p in art["passages"]] == ["supply boat"]
    # the same selection again: the same passage
    third = call(server, "POST", "/v1/capture", page_body(selection={"exact": "supply boat"}),
                 token=token, origin=EXT)[2]
    assert third["passage_id"] == second["passage_id"]


def test_page_naming_another_canonical_url_is_found_by_its_tab_url(served, lib_dir):
    server, token = served
    amp = "https://amp.tidewater.example/skerry-keepers"
    html = news_page(canonical="https://tidewater.example/coast/2026/skerry-keepers")
    first = call(server, "POST", "/v1/capture", page_body(url=amp, html=html), token=token, origin=EXT)[2]
    assert articles(lib_dir)[0]["url"] == "https://tidewater.example/coast/2026/skerry-keepers"
    for url in (amp, URL):
        status, _, found = call(server, "GET", f"/v1/lookup?url={url}", token=token, origin=EXT)
        assert status == 200 and found["in_library"] is True and found["article_id"] == first["article_id"]
    with Library.open(lib_dir) as lib:
        lib.articles.delete(first["article_id"])
    for url in (amp, URL):  # a deleted article is not "in the library" under either address
        assert call(server, "GET", f"/v1/lookup?url={url}", token=token, origin=EXT)[2] == {"in_library": False}


# ------------------------------------------------------------------------------ lookup and tags

def test_lookup_reports_membership_and_passage_count(served, lib_dir):
    from urllib.parse import quote

    server, token = served
    path = f"/v1/lookup?url={quote(URL, safe='')}"
    status, _, data = call(server, "GET", path, token=token, origin=EXT)
    assert status == 200 and data == {"in_library": False}
    stored = call(server, "POST", "/v1/capture", page_body(), token=token, origin=EXT)[2]
    assert call(server, "GET", path, token=token, origin=EXT)[2]["passages"] == 0
    for words in ("keepers' cottage", "supply boat"):
        call(server, "POST", "/v1/capture", page_body(selection={"exact": words}), token=token, origin=EXT)
    data = call(server, "GET", path, token=token, origin=EXT)[2]
    assert data["in_library"] is True and data["article_id"] == stored["article_id"] and data["passages"] == 2
    assert call(server, "GET", "/v1/lookup", token=token, origin=EXT)[0] == 400


def test_tags_in_palette_order_with_keys(served, lib_dir):
    server, token = served
    with Library.open(lib_dir) as lib:
        for name, n in (("coast", 3), ("Energy", 1), ("archive", 1)):
            for i in range(n):
                lib.tags.ensure(name)
        lib.tags.ensure("unused")
    call(server, "POST", "/v1/capture", page_body(tags=["coast"]), token=token, origin=EXT)
    status, _, data = call(server, "GET", "/v1/tags", token=token, origin=EXT)
    assert status == 200
    names = [t["name"] for t in data["tags"]]
    assert names[0] == "coast" and set(names) == {"coast", "Energy", "archive", "unused"}
    assert [t.get("key") for t in data["tags"]] == [1, 2, 3, 4]


def test_cli_serve_prints_the_port_and_answers(lib_dir, tmp_path):
    import subprocess
    import sys

    from clipper_testkit import ROOT

    proc = subprocess.Popen([sys.executable, "-m", "clipper", "--library", str(lib_dir), "serve", "--port", "0"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("listening on 127.0.0.1:"), line + proc.stderr.read()
        port = int(line.rsplit(":", 1)[1])
        with Library.open(lib_dir) as lib:
            token = get_token(lib)

        class Srv:
            pass

        srv = Srv()
        srv.port = port
        status, _, data = call(srv, "POST", "/v1/capture", page_body(selection={"exact": "supply boat"}),
                               token=token, origin=EXT)
        assert status == 200 and data["passage_id"]
        assert call(srv, "GET", "/v1/ping", token="nope")[0] == 401
    finally:
        proc.terminate()
        proc.wait(timeout=20)
    assert proc.returncode == 0
    assert "saved: article" in proc.stderr.read()


def test_concurrent_captures_are_all_stored_once(served, lib_dir):
    """Several tabs saved at once: requests are served in parallel, the library is written
    by one thread, every page is stored once and the same page twice is one article."""
    from concurrent.futures import ThreadPoolExecutor

    server, token = served
    titles = [f"Harbour report number {n}" for n in range(6)]

    def save(n):
        html = news_page(titles[n % 6]).replace("forty years", f"{40 + n % 6} years")
        url = f"https://tidewater.example/coast/report-{n % 6}"
        return call(server, "POST", "/v1/capture", page_body(url=url, html=html), token=token, origin=EXT)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(save, range(12)))
    assert all(status == 200 for status, _, _ in answers), answers
    stored = articles(lib_dir)
    assert sorted(a["title"] for a in stored) == sorted(titles)
    by_url = {}
    for status, _, data in answers:
        by_url.setdefault(data["article_id"], []).append(data["duplicate"])
    assert len(by_url) == 6 and all(sorted(d) == [False, True] for d in by_url.values())
