"""Export formats read right: bookmark files, JSON Feed, Atom html/xhtml titles, every
Instapaper CSV layout, content sniffed rather than trusted to the file name."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clipper import importing
from clipper.errors import InputError
from clipper.importers import expand_sources, load_source_items, sniff_kind
from clipper.jobs import run_job

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"
BOOKMARKS = FIXTURES / "bookmarks"


def _drafts(items):
    return [i for i in items if not isinstance(i, InputError)]


# --------------------------------------------------------------------- bookmarks

def test_netscape_bookmarks_become_link_only_entries_with_titles_tags_dates():
    items = load_source_items(str(BOOKMARKS / "firefox_export.html"))
    assert [d.title for d in items] == ["Ferry strike ends after talks", "Spring tides to peak this weekend",
                                        "Orchard growers expect a late harvest"]  # place:/javascript: skipped, repeat once
    ferry = items[0]
    assert ferry.url == "https://harbour.example/news/ferry-strike"
    assert ferry.tags == ["ferries", "strikes"]
    assert ferry.extra["saved_at"] == "2023-11-14T22:15:00Z"
    assert ferry.extra["bookmark_folder"] == "Coast news" and ferry.extra["link_only"] is True
    assert ferry.text == "Crews went back to work the morning after the deal.\n\nhttps://harbour.example/news/ferry-strike"
    assert items[2].tags == ["farming"] and "bookmark_folder" not in items[2].extra


def test_shaarli_export_is_bookmarks_not_an_article():
    items = load_source_items(str(BOOKMARKS / "shaarli_export.html"))
    assert [d.title for d in items] == ["Night trains return to the northern line", "Glacier retreat measured by volunteers"]
    assert all("Shaarli export" not in d.title for d in items)
    assert items[0].tags == ["trains", "travel"] and items[1].tags == ["climate"]
    assert items[0].extra["saved_at"] == "2024-12-02T09:00:00Z"


def test_chrome_bookmarks_file_without_suffix(tmp_path):
    items = load_source_items(str(BOOKMARKS / "Bookmarks"))
    assert [d.title for d in items] == ["Night trains return to the northern line", "Glacier retreat measured by volunteers"]
    assert items[1].extra["bookmark_folder"] == "Bookmarks bar/Climate"
    assert items[1].extra["saved_at"] == "2024-01-17T21:20:00Z"  # WebKit microseconds since 1601
    # the same file named .json reads the same way
    named = tmp_path / "chrome.json"
    shutil.copy(BOOKMARKS / "Bookmarks", named)
    assert [d.url for d in load_source_items(str(named))] == [d.url for d in items]


def test_firefox_backup_json():
    items = load_source_items(str(BOOKMARKS / "firefox_backup.json"))
    assert [(d.title, d.tags) for d in items] == [("Orchard growers expect a late harvest", ["farming", "valley"]),
                                                  ("Ferry strike ends after talks", [])]
    assert items[0].extra["saved_at"] == "2024-05-06T12:53:20Z"


def test_pinboard_json():
    items = load_source_items(str(BOOKMARKS / "pinboard_export.json"))
    assert [(d.title, d.tags) for d in items] == [("Night trains return to the northern line", ["trains", "travel"]),
                                                  ("Spring tides to peak this weekend", [])]
    assert items[0].text.startswith("Sleeper services are back after twelve years.")
    assert items[1].extra["saved_at"] == "2024-03-14T08:00:00Z"


@pytest.mark.parametrize("name", ["firefox_export.html", "shaarli_export.html", "Bookmarks",
                                  "firefox_backup.json", "pinboard_export.json"])
def test_no_bookmark_file_becomes_a_junk_article(name, lib):
    report = run_job(importing.import_sources(lib, [str(BOOKMARKS / name)]))
    assert report.failed == [] and len(report.imported) >= 2
    titles = [e["title"] for e in report.imported]
    assert not any(t.strip() in ("{", "[") or t.startswith(("Shaarli export", "Bookmarks")) for t in titles)
    for entry in report.imported:
        article = lib.articles.get(entry["id"])
        assert article.url.startswith("https://") and article.url in article.text


def test_bookmarks_with_fetch_full_fetch_each_page(tmp_path):
    from clipper_testkit import LocalServer

    from clipper.importers import ImportOptions

    page = ("<html><head><title>Night trains</title></head><body><article><h1>Night trains</h1>"
            "<p>Sleeper services return to the northern line in May after a twelve-year break, the operator said.</p>"
            "<p>Tickets go on sale next week, with cabins for two and four people.</p></article></body></html>")
    with LocalServer() as server:
        server.body("/night-trains", page.encode())
        path = tmp_path / "bookmarks.html"
        path.write_text((BOOKMARKS / "shaarli_export.html").read_text().replace(
            "https://rail.example/night-trains", server.url("/night-trains")).replace(
            "https://glacier.example/melt-2024", server.url("/missing")))
        items = load_source_items(str(path), ImportOptions(fetch_full=True, allow_private=True, timeout=2.0))
    first, second = items
    assert first.title == "Night trains return to the northern line" and "cabins for two" in first.text
    assert first.tags == ["trains", "travel"] and "link_only" not in first.extra
    assert isinstance(second, InputError) and "404" in str(second)


def test_unknown_json_is_refused_by_name(tmp_path):
    path = tmp_path / "settings"
    path.write_text('{"theme": "dark", "fontSize": 14}')
    with pytest.raises(InputError, match="not a known JSON export"):
        load_source_items(str(path))


# --------------------------------------------------------------------- JSON Feed

def test_json_feed_1_1():
    first, second, third = load_source_items(str(FIXTURES / "jsonfeed_1_1.json"))
    assert first.title == "Dredging starts in the outer basin"
    assert first.url == "https://harbour.example/news/dredging"
    assert first.text == ("Crews began dredging the outer basin on Tuesday so larger fishing boats can dock at low tide, "
                          "the harbour master said.\n\nThe work should take six weeks.")
    assert first.dek == "Larger fishing boats will be able to dock at low tide."
    assert first.author == "Mary Sands" and first.published == "2025-06-03"
    assert first.tags == ["harbour", "fishing"] and first.language == "en" and first.outlet == "Harbour Gazette"
    # the summary is the first paragraph of the text: stored once, as the dek
    assert second.dek == "Keepers at the north light won back pay after a two-year dispute."
    assert second.text == "The council agreed to pay them for night shifts worked since the storm season began."
    assert second.author == "Harbour Gazette newsroom" and second.published == "2025-06-04"
    assert isinstance(third, InputError) and "use --fetch-full" in str(third)


def test_json_feed_1_0_is_not_taken_for_wallabag():
    [draft] = load_source_items(str(FIXTURES / "jsonfeed_1_0.json"))
    assert draft.title == "Orchard growers expect a late harvest"
    assert draft.author == "Tom Reed" and draft.published == "2025-04-20"


def test_json_feed_from_stdin_is_sniffed(tmp_path):
    import io

    items = load_source_items("-", stdin=io.BytesIO((FIXTURES / "jsonfeed_1_0.json").read_bytes()))
    assert [d.title for d in items] == ["Orchard growers expect a late harvest"]


# ------------------------------------------------------------------------- Atom

def test_atom_html_and_xhtml_titles_are_text():
    first, second = load_source_items(str(FIXTURES / "atom_html_titles.xml"))
    assert first.title == "Ferry strike ends after talks"
    assert second.title == "Tides < forecast again"
    assert first.outlet == "Harbour Gazette" and first.extra["feed"] == "Harbour Gazette"


def test_a_doctype_inside_a_comment_is_not_a_dtd(tmp_path):
    feed = tmp_path / "feed.xml"
    feed.write_text("<?xml version='1.0'?>\n<!-- old template: <!DOCTYPE rss PUBLIC '-//x//y'> -->\n"
                    "<rss version='2.0'><channel><title>T</title><item><title>Keepers win</title>"
                    "<link>https://x.example/1</link><description>The keepers won their dispute over night pay "
                    "after two years.</description></item></channel></rss>")
    [draft] = load_source_items(str(feed))
    assert draft.title == "Keepers win"
    # a real declaration after such a comment is still refused
    feed.write_text("<?xml version='1.0'?>\n<!-- note -->\n<!DOCTYPE rss [<!ENTITY a 'b'>]>\n"
                    "<rss version='2.0'><channel><title>T</title></channel></rss>")
    with pytest.raises(InputError, match="DTD or entities"):
        load_source_items(str(feed))


# -------------------------------------------------------------------- Instapaper

@pytest.mark.parametrize("header, row", [
    ("URL,Title,Selection,Folder", "{url},Spring tides,,Unread"),
    ("URL,Title,Selection,Folder,Timestamp", "{url},Spring tides,,Unread,1710403200"),
    ("URL,Title,Selection,Folder,Timestamp,Tags", '{url},Spring tides,,Unread,1710403200,"[""coast""]"'),
    ("URL,Title", "{url},Spring tides"),
    ("url,title,time_added,tags,status", "{url},Spring tides,1710403200,coast|weather,unread"),
])
def test_every_instapaper_layout_is_read(tmp_path, header, row):
    path = tmp_path / "export.csv"
    path.write_text(header + "\n" + row.format(url="https://tides.example/2024/spring-tides") + "\n")
    [item] = load_source_items(str(path))
    # no body in the export and no --fetch-full: a per-row message, not a refused file
    assert isinstance(item, InputError) and "row 2 (Spring tides)" in str(item) and "--fetch-full" in str(item)


def test_four_column_instapaper_export_with_fetch_full(tmp_path):
    from clipper_testkit import LocalServer

    from clipper.importers import ImportOptions

    page = ("<html><head><title>Orchards</title></head><body><article><h1>Orchards</h1>"
            "<p>A cold spring delayed blossom across the valley this year, and growers now expect a late harvest.</p>"
            "<p>Pickers have been told to arrive two weeks later than usual.</p></article></body></html>")
    with LocalServer() as server:
        server.body("/orchards", page.encode())
        server.body("/2024/spring-tides", page.replace("Orchards", "Tides").encode())
        text = (FIXTURES / "instapaper_four_columns.csv").read_text()
        text = text.replace("https://valley.example", server.url("")).replace("https://tides.example", server.url(""))
        path = tmp_path / "export.csv"
        path.write_text(text)
        first, second = load_source_items(str(path), ImportOptions(fetch_full=True, allow_private=True, timeout=2.0))
    assert first.title == "Spring tides to peak this weekend"
    assert second.title == "Orchards, late" and second.extra["instapaper_folder"] == "Archive"
    assert second.extra["selection"] == "A cold spring delayed blossom."


# ---------------------------------------------------------------------- sniffing

def test_opml_named_xml_is_a_subscription_list():
    path = FIXTURES / "subscriptions.xml"
    assert sniff_kind(path.read_bytes()) == "opml"
    assert expand_sources([str(path)]) == ["https://harbour.invalid/feed.xml", "https://valley.invalid/rss"]


def test_feed_named_html_or_txt_is_still_what_it_is(tmp_path):
    feed = tmp_path / "feed.html"
    feed.write_bytes((FIXTURES / "harbour_atom.xml").read_bytes())
    items = load_source_items(str(feed))
    assert sniff_kind(feed.read_bytes()) == "feed"
    assert len(items) == 3


def test_bookmarks_saved_as_txt_are_still_bookmarks(tmp_path):
    for name in ("shaarli_export.html", "pinboard_export.json"):
        path = tmp_path / (name + ".txt")
        shutil.copy(BOOKMARKS / name, path)
        items = load_source_items(str(path))
        assert len(items) == 2 and all(d.extra.get("link_only") for d in items)
    # ordinary text that mentions JSON stays text
    note = tmp_path / "note.txt"
    note.write_text("[draft] Harbour notes\n\nThe harbour board met on Thursday and voted to lease the old market.")
    [draft] = load_source_items(str(note))
    assert draft.title == "[draft] Harbour notes"
