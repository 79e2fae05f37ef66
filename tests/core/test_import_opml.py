"""OPML subscription lists: expanded into their feeds, each imported as its own source."""
from __future__ import annotations

import pytest
from clipper_testkit import LocalServer

from clipper import importing
from clipper.errors import InputError
from clipper.importers import ImportOptions, expand_sources, load_source_items, sniff_kind
from clipper.importers.opml import feed_urls
from clipper.jobs import run_job


def _rss(title: str, items: list[tuple[str, str]]) -> bytes:
    entries = "".join(
        f"<item><title>{t}</title><link>https://papers.invalid/{title.split()[0].lower()}/{i}</link>"
        f"<description><![CDATA[<p>{body}</p>]]></description></item>"
        for i, (t, body) in enumerate(items))
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{title}</title>{entries}</channel></rss>").encode()


HARBOUR = _rss("Harbour Gazette", [
    ("Dredging starts in the outer basin",
     "Crews began dredging the outer basin on Tuesday so larger fishing boats can dock at "
     "low tide, the harbour master said."),
])
VALLEY = _rss("Valley Courier", [
    ("Orchard growers expect a late harvest",
     "A cold spring delayed blossom across the valley, and growers now expect apples to be "
     "picked two weeks later than usual."),
    ("Bridge repairs close the river road",
     "The river road will be closed for three weekends while engineers replace the worn "
     "bearings of the old stone bridge."),
])


def _opml(*urls: str, extra: str = "") -> bytes:
    outlines = "".join(f'<outline text="f{i}" type="rss" xmlUrl="{u}"/>' for i, u in enumerate(urls))
    return (f'<?xml version="1.0" encoding="UTF-8"?><opml version="2.0"><head><title>Mine'
            f'</title></head><body><outline text="News">{outlines}</outline>{extra}</body></opml>'
            ).encode()


@pytest.fixture
def server():
    with LocalServer() as srv:
        srv.body("/harbour.xml", HARBOUR, "application/rss+xml")
        srv.body("/valley.xml", VALLEY, "application/rss+xml")
        yield srv


def test_opml_file_expands_into_its_feeds_each_once(tmp_path, server):
    path = tmp_path / "subs.opml"
    a, b = server.url("/harbour.xml"), server.url("/valley.xml")
    path.write_bytes(_opml(a, b, a, extra='<outline text="mail" xmlUrl="mailto:x@y.invalid"/>'))
    assert expand_sources([str(path)]) == [a, b]


def test_importing_an_opml_file_imports_every_feed_and_reports_a_broken_one(tmp_path, server, lib):
    path = tmp_path / "subs.opml"
    missing = server.url("/gone.xml")
    path.write_bytes(_opml(server.url("/harbour.xml"), missing, server.url("/valley.xml")))
    # the feeds are on this machine (a test server): named in a file, they are only
    # fetched when the user allows private addresses
    report = run_job(importing.import_sources(lib, [str(path)], options=ImportOptions(allow_private=True)))
    assert sorted(e["title"] for e in report.imported) == [
        "Bridge repairs close the river road", "Dredging starts in the outer basin",
        "Orchard growers expect a late harvest"]
    assert [f["source"] for f in report.failed] == [missing]
    assert "404" in report.failed[0]["error"]
    assert lib.search("bearings").total == 1


def test_opml_served_at_a_url_imports_its_feeds(server):
    server.body("/subs", _opml(server.url("/valley.xml")), "text/x-opml")
    items = load_source_items(server.url("/subs"), ImportOptions())
    assert sorted(i.title for i in items) == ["Bridge repairs close the river road",
                                              "Orchard growers expect a late harvest"]


def test_opml_is_sniffed_before_feeds():
    assert sniff_kind(_opml("https://a.invalid/feed")) == "opml"
    assert sniff_kind(HARBOUR) == "feed"


@pytest.mark.parametrize("data, message", [
    (b'<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x "boom">]><opml><body>'
     b'<outline xmlUrl="https://a.invalid/&x;"/></body></opml>', "DTD or entities"),
    (b"<opml><body><outline text='no feeds here'/></body></opml>", "names no feed"),
    (b"<opml><body><outline xmlUrl='file:///etc/passwd'/></body></opml>", "non-http"),
    (b"<opml><body><outline xmlUrl='https://a.invalid/x'>", "not a readable OPML"),
])
def test_bad_opml_is_refused_clearly(tmp_path, data, message, lib):
    with pytest.raises(InputError, match=message):
        feed_urls(data, "subs.opml")
    # Importing it leaves the library as it was and says why.
    path = tmp_path / "bad.opml"
    path.write_bytes(data)
    report = run_job(importing.import_sources(lib, [str(path)]))
    assert report.imported == [] and len(report.failed) == 1
    assert message.split()[0] in report.failed[0]["error"] or "refused" in report.failed[0]["error"]
    assert lib.search("*").total == 0


# ------------------------------------------------- limits: depth, count, repeats, addresses

def test_a_list_that_names_itself_is_read_once(server):
    server.body("/subs", _opml(server.url("/subs"), server.url("/valley.xml")), "text/x-opml")
    items = load_source_items(server.url("/subs"), ImportOptions())
    assert sorted(i.title for i in items) == ["Bridge repairs close the river road",
                                              "Orchard growers expect a late harvest"]
    assert server.hits["/subs"] == 1


def test_lists_naming_each_other_stop_after_one_nested_level(server):
    server.body("/a", _opml(server.url("/b")), "text/x-opml")
    server.body("/b", _opml(server.url("/a"), server.url("/valley.xml")), "text/x-opml")
    items = load_source_items(server.url("/a"), ImportOptions())
    titles = sorted(i.title for i in items if not isinstance(i, InputError))
    assert titles == ["Bridge repairs close the river road", "Orchard growers expect a late harvest"]
    errors = [str(i) for i in items if isinstance(i, InputError)]
    assert len(errors) == 1 and "not followed" in errors[0]
    assert server.hits["/a"] <= 2 and server.hits["/b"] == 1


def test_a_file_list_naming_a_list_follows_one_level(tmp_path, server, lib):
    server.body("/inner", _opml(server.url("/harbour.xml"), server.url("/inner")), "text/x-opml")
    path = tmp_path / "subs.opml"
    path.write_bytes(_opml(server.url("/inner")))
    report = run_job(importing.import_sources(lib, [str(path)], options=ImportOptions(allow_private=True)))
    assert [e["title"] for e in report.imported] == ["Dredging starts in the outer basin"]
    assert server.hits["/inner"] == 1


def test_private_addresses_named_in_a_file_are_never_fetched(tmp_path, server, lib):
    path = tmp_path / "subs.opml"
    path.write_bytes(_opml(server.url("/harbour.xml"), "http://localhost:1/feed", "http://10.11.12.13/feed",
                           "http://[::1]:1/feed"))
    report = run_job(importing.import_sources(lib, [str(path)]))
    assert report.imported == [] and len(report.failed) == 4
    assert all("loopback or private address" in f["error"] for f in report.failed)
    assert server.hits["/harbour.xml"] == 0
    # the same feed named by the user is fetched
    report = run_job(importing.import_sources(lib, [server.url("/harbour.xml")]))
    assert [e["title"] for e in report.imported] == ["Dredging starts in the outer basin"]


def test_a_name_that_resolves_to_a_private_address_is_refused(monkeypatch):
    import socket

    from clipper.importers.fetch import check_public

    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host == "intranet.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("192.168.1.20", 0))]
        if host == "public.example":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 0))]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    with pytest.raises(InputError, match="loopback or private"):
        check_public("http://intranet.example/feed")
    check_public("http://public.example/feed")  # no error
    for url in ("http://169.254.169.254/latest/meta-data", "http://[::ffff:127.0.0.1]/", "http://0.0.0.0/",
                "http://printer.local/"):
        with pytest.raises(InputError, match="loopback or private"):
            check_public(url)
    # the server that served the list may be asked for its own feeds
    check_public("http://192.168.1.20:8080/feed", trusted_origin="http://192.168.1.20:8080")


def test_a_huge_list_is_capped_and_repeats_dropped(tmp_path):
    from clipper.importers import MAX_LINKED_SOURCES

    urls = [f"https://feeds.invalid/{i}" for i in range(MAX_LINKED_SOURCES + 200)]
    path = tmp_path / "big.opml"
    path.write_bytes(_opml(*(urls + urls[:50] + ["https://feeds.invalid/0?utm_source=x"])))
    out = expand_sources([str(path)])
    assert out == urls[:MAX_LINKED_SOURCES]
