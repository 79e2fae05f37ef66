"""Read-it-later exports: Pocket HTML, Instapaper CSV, wallabag JSON."""
from __future__ import annotations

from pathlib import Path

import pytest
from clipper_testkit import LocalServer

from clipper.errors import InputError
from clipper.importers import ImportOptions, load_source, load_source_items
from clipper.importers.readlater import NO_TEXT

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"

PAGE = (
    "<html lang='en'><head><title>{title}</title><meta property='og:site_name' content='Tide Times'></head><body>"
    "<nav><a href='/'>Home</a> <a href='/news'>News</a></nav><article><h1>{title}</h1>"
    "<p>Forecasters expect the highest tides of the year on Sunday, with surges along the eastern coast.</p>"
    "<p>Residents near the estuary were told to move their cars away from low-lying streets before dusk.</p>"
    "</article></body></html>"
)


@pytest.fixture
def server():
    with LocalServer() as srv:
        yield srv


def test_pocket_without_fetch_full_reports_every_entry():
    items = load_source_items(str(FIXTURES / "pocket_export.html"))
    assert len(items) == 3
    assert all(isinstance(i, InputError) for i in items)
    assert "item 1 (Spring tides to peak this weekend)" in str(items[0])
    assert all(NO_TEXT in str(i) for i in items)
    with pytest.raises(InputError, match="use --fetch-full"):
        load_source(str(FIXTURES / "pocket_export.html"))


def _serve_pocket(server, tmp_path) -> Path:
    text = (FIXTURES / "pocket_export.html").read_text().replace("https://tides.example", server.url(""))
    server.body("/2024/spring-tides", PAGE.format(title="Spring tides to peak this weekend").encode())
    server.body("/2024/sea-wall", PAGE.format(title="Sea wall explained").encode())
    export = tmp_path / "ril_export.html"
    export.write_text(text)
    return export


def test_pocket_with_fetch_full(server, tmp_path):
    export = _serve_pocket(server, tmp_path)
    items = load_source_items(str(export), ImportOptions(timeout=1.0, fetch_full=True, allow_private=True))
    first, second, third = items
    assert first.title == "Spring tides to peak this weekend"
    assert first.url == server.url("/2024/spring-tides")
    assert first.tags == ["coast", "weather"]
    assert first.text.startswith("Forecasters expect")
    assert first.extra["pocket_section"] == "Unread" and first.extra["pocket_time_added"] == "1710403200"
    assert second.title == "Sea wall explained"  # the export only had the URL as title
    assert isinstance(third, InputError) and "HTTP 404" in str(third) and "old pier" in str(third)


def test_instapaper_csv_without_fetch_full():
    items = load_source_items(str(FIXTURES / "instapaper_export.csv"))
    assert len(items) == 3
    assert all(isinstance(i, InputError) for i in items)
    assert NO_TEXT in str(items[0]) and "Spring tides" in str(items[0])
    assert "no URL" in str(items[2])


def test_instapaper_csv_with_fetch_full(server, tmp_path):
    text = (FIXTURES / "instapaper_export.csv").read_text().replace("https://tides.example", server.url(""))
    server.body("/2024/spring-tides", PAGE.format(title="Spring tides").encode())
    server.body("/2024/sea-wall", PAGE.format(title="Sea wall").encode())
    export = tmp_path / "instapaper.csv"
    export.write_text(text)
    first, second, third = load_source_items(str(export), ImportOptions(timeout=1.0, fetch_full=True, allow_private=True))
    assert first.title == "Spring tides to peak this weekend"
    # the highlight starts the page's first paragraph: kept aside, never stored twice
    assert first.dek == ""
    assert first.extra["selection"] == "Forecasters expect the highest tides of the year on Sunday."
    assert first.text.startswith("Forecasters expect the highest tides of the year on Sunday, with surges")
    assert first.tags == ["coast", "weather"]
    assert first.url == server.url("/2024/spring-tides")
    assert first.extra["instapaper_folder"] == "Unread"
    assert second.title == "Sea wall, explained" and second.tags == []
    assert isinstance(third, InputError)


def test_csv_with_wrong_columns(tmp_path):
    bad = tmp_path / "contacts.csv"
    bad.write_text("Name,Email,Phone\nAnn,ann@example.org,123\n")
    with pytest.raises(InputError, match="not an Instapaper CSV export .*found name,email,phone"):
        load_source_items(str(bad))


def test_wallabag_json_bodies_come_from_the_export():
    first, second = load_source_items(str(FIXTURES / "wallabag_export.json"))
    assert first.title == "Spring tides to peak this weekend"
    assert first.text == (
        "Forecasters expect the highest tides of the year on Sunday, with surges along the eastern coast.\n\n"
        "Residents near the estuary were told to move cars from low-lying streets."
    )
    assert first.url == "https://tides.example/2024/spring-tides"
    assert first.author == "Ian Gale"
    assert first.published == "2024-03-13"
    assert first.language == "en"
    assert first.tags == ["coast", "weather"]
    assert first.extra["id"] == 41 and first.extra["is_starred"] == 1
    assert isinstance(second, InputError) and NO_TEXT in str(second) and "Sea wall" in str(second)


@pytest.mark.parametrize(
    "content, message",
    [
        ("{not json", "not valid JSON"),
        ('{"name": "settings"}', "not a known JSON export"),
        ("[1, 2, 3]", "not a known JSON export"),
        ('[{"title": "no url"}]', "not a known JSON export"),
    ],
)
def test_bad_wallabag_json(tmp_path, content, message):
    bad = tmp_path / "export.json"
    bad.write_text(content)
    with pytest.raises(InputError, match=message):
        load_source_items(str(bad))


def test_plain_html_page_is_not_mistaken_for_pocket():
    from clipper.importers.readlater import looks_like_pocket

    page = (FIXTURES / "wire_story.html").read_text()
    assert not looks_like_pocket(page)
    assert looks_like_pocket((FIXTURES / "pocket_export.html").read_text())
