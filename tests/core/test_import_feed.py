"""RSS/Atom feeds: entries to drafts, XML safety, dates, --fetch-full."""
from __future__ import annotations

from pathlib import Path

import pytest
from clipper_testkit import LocalServer

from clipper.errors import InputError
from clipper.importers import ImportOptions, load_source, load_source_items

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"
FAST = ImportOptions(timeout=1.0, connect_timeout=1.0)


@pytest.fixture
def server():
    with LocalServer() as srv:
        yield srv


def test_atom_entries_become_drafts():
    items = load_source_items(str(FIXTURES / "harbour_atom.xml"))
    assert len(items) == 3
    first, second, third = items
    assert first.title == "Ferry strike ends after talks"
    assert first.text == "The ferry strike ended on Tuesday after eleven hours of talks.\n\nCrews return to work tomorrow morning."
    assert "steal" not in first.text and "frame" not in first.text
    assert first.url == "https://harbour.example/news/ferry-strike?ref=7"
    assert first.author == "Mary Sands"
    assert first.published == "2025-06-03"
    assert first.tags == ["transport", "Labour"]
    assert first.outlet == "Harbour Gazette"
    assert first.language == "en"


def test_invalid_dates_give_none_and_the_entry_is_still_imported():
    second = load_source_items(str(FIXTURES / "harbour_atom.xml"))[1]
    assert second.title == "Harbour wall repairs delayed"
    assert second.published is None
    assert second.text.startswith("Repairs to the harbour wall")
    assert second.agency == "AFP" and second.author == ""


def test_entry_without_text_is_a_named_failure():
    third = load_source_items(str(FIXTURES / "harbour_atom.xml"))[2]
    assert isinstance(third, InputError)
    assert "entry 3 (Empty entry)" in str(third) and "no article text" in str(third)


def test_load_source_skips_failed_entries():
    drafts = load_source(str(FIXTURES / "harbour_atom.xml"))
    assert [d.title for d in drafts] == ["Ferry strike ends after talks", "Harbour wall repairs delayed"]


def test_billion_laughs_is_refused():
    with pytest.raises(InputError, match="DTD or entities"):
        load_source(str(FIXTURES / "bomb_feed.xml"))


def test_external_entity_never_causes_a_request(server, tmp_path):
    server.body("/secret.dtd", b"<!ENTITY leak 'LEAKED'>", ctype="application/xml-dtd")
    server.body("/entity.txt", b"LEAKED", ctype="text/plain")
    feed = tmp_path / "xxe.rss"
    feed.write_text(
        "<?xml version='1.0'?>\n"
        f"<!DOCTYPE rss SYSTEM '{server.url('/secret.dtd')}' [\n"
        f"  <!ENTITY ext SYSTEM '{server.url('/entity.txt')}'>\n"
        f"  <!ENTITY % param SYSTEM '{server.url('/secret.dtd')}'> %param;\n"
        "]>\n<rss version='2.0'><channel><title>X</title>"
        "<item><title>T</title><link>https://x.example/1</link><description>&ext; &leak;</description></item>"
        "</channel></rss>"
    )
    with pytest.raises(InputError, match="DTD or entities"):
        load_source_items(str(feed))
    assert server.hits["/secret.dtd"] == 0
    assert server.hits["/entity.txt"] == 0


def test_external_entity_in_a_feed_served_over_http(server):
    server.body("/entity.txt", b"LEAKED", ctype="text/plain")
    xxe = (
        "<?xml version='1.0'?><!DOCTYPE feed [<!ENTITY ext SYSTEM '" + server.url("/entity.txt") + "'>]>"
        "<feed xmlns='http://www.w3.org/2005/Atom'><title>X</title><entry><title>T</title><summary>&ext;</summary></entry></feed>"
    )
    server.body("/feed.atom", xxe.encode(), ctype="application/atom+xml")
    with pytest.raises(InputError, match="DTD or entities"):
        load_source(server.url("/feed.atom"), FAST)
    assert server.hits["/feed.atom"] == 1 and server.hits["/entity.txt"] == 0


def test_utf16_feed_with_doctype_is_refused(tmp_path):
    feed = tmp_path / "wide.xml"
    feed.write_bytes(
        "<?xml version='1.0' encoding='utf-16'?><!DOCTYPE rss [<!ENTITY a 'x'>]><rss version='2.0'><channel>"
        "<item><title>T</title><description>&a;</description></item></channel></rss>".encode("utf-16")
    )
    with pytest.raises(InputError, match="DTD or entities"):
        load_source_items(str(feed))


def test_doctype_inside_cdata_content_is_fine(tmp_path):
    feed = tmp_path / "cdata.rss"
    feed.write_text(
        "<?xml version='1.0'?><rss version='2.0' xmlns:content='http://purl.org/rss/1.0/modules/content/'><channel><title>C</title>"
        "<item><title>Whole page</title><link>https://c.example/1</link>"
        "<content:encoded><![CDATA[<!DOCTYPE html><html><body><p>Embedded page text about the harbour.</p></body></html>]]></content:encoded>"
        "</item></channel></rss>"
    )
    [draft] = load_source(str(feed))
    assert draft.text == "Embedded page text about the harbour."


def test_xml_that_is_not_a_feed(tmp_path):
    other = tmp_path / "config.xml"
    other.write_text("<?xml version='1.0'?><settings><colour>blue</colour></settings>")
    with pytest.raises(InputError, match="not an RSS or Atom feed|no entries"):
        load_source(str(other))


def test_binary_disguised_as_feed(tmp_path):
    fake = tmp_path / "feed.rss"
    fake.write_bytes(b"\x00\x01\x02\x03" * 500)
    with pytest.raises(InputError, match="binary"):
        load_source(str(fake))


def _summary_feed(server) -> bytes:
    return (
        "<?xml version='1.0'?><rss version='2.0'><channel><title>Summaries</title>"
        f"<item><title>Full story</title><link>{server.url('/story?utm_medium=rss')}</link>"
        "<description>A one-line teaser.</description><pubDate>Mon, 02 Jun 2025 08:00:00 GMT</pubDate></item>"
        f"<item><title>Gone story</title><link>{server.url('/gone')}</link><description></description></item>"
        "</channel></rss>"
    ).encode()


STORY = (
    "<html lang='en'><head><title>Full story</title><meta property='og:site_name' content='Local Paper'></head><body>"
    "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article><h1>Full story</h1>"
    "<p>The full text of the story explains how the bridge was built over three long winters by a small crew.</p>"
    "<p>Engineers said the design would last a century if the paint is renewed every ten years.</p>"
    "</article></body></html>"
)


def test_summary_only_entries_fetch_the_page_with_fetch_full(server):
    server.body("/feed.xml", _summary_feed(server), ctype="application/rss+xml")
    server.body("/story", STORY.encode())
    items = load_source_items(server.url("/feed.xml"), ImportOptions(timeout=1.0, fetch_full=True))
    full, gone = items
    assert full.text.startswith("The full text of the story")
    assert full.dek == "A one-line teaser."
    assert full.published == "2025-06-02"
    assert full.url == server.url("/story")
    assert server.hits["/story"] == 1
    assert isinstance(gone, InputError) and "HTTP 404" in str(gone) and "Gone story" in str(gone)


def test_summary_only_entries_keep_the_summary_without_fetch_full(server):
    server.body("/feed.xml", _summary_feed(server), ctype="application/rss+xml")
    items = load_source_items(server.url("/feed.xml"), FAST)
    assert items[0].text == "A one-line teaser."
    assert isinstance(items[1], InputError) and "--fetch-full" in str(items[1])
    assert server.hits["/story"] == 0
