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
