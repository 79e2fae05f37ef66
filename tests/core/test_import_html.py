"""Saved pages (.html, "Save page as" folders, .mhtml) and source detection."""
from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import pytest

from clipper.errors import InputError
from clipper.importers import ImportOptions, expand_sources, load_source, load_source_items, sniff_kind
from clipper.importers.html import extract_article, fragment_to_text
from clipper.importers.metadata import detect_agency, guess_language, iso_date

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "import"

WIRE_BODY = [
    "ABERDEEN, Scotland (Reuters) - Lighthouse keepers at six stations",
    "The authority agreed to pay each keeper the overtime owed",
    '"We kept the lights burning through every storm',
    "A long road",
    "The dispute began when a new payroll system",
    "Nobody should have to choose between the light and the rent.",
    "The union said the settlement would cost",
]


@pytest.fixture(scope="module")
def wire():
    [draft] = load_source(str(FIXTURES / "wire_story.html"))
    return draft


def test_wire_story_body_keeps_paragraphs_in_order(wire):
    paragraphs = wire.text.split("\n\n")
    positions = []
    for start in WIRE_BODY:
        hits = [i for i, p in enumerate(paragraphs) if p.startswith(start)]
        assert hits, f"missing paragraph starting {start!r}"
        positions.append(hits[0])
    assert positions == sorted(positions)
    assert all(p.strip() == p and p for p in paragraphs)


@pytest.mark.parametrize(
    "junk",
    [
        "We use cookies", "Accept all", "Share on Facebook", "Related stories", "Ferry operators warn",
        "COMMENT-TEXT", "Sign up for our morning briefing", "All rights reserved", "Business",
        "TRACKING-SCRIPT-TEXT", "INLINE-SCRIPT-TEXT", "IFRAME-FALLBACK-TEXT", "STYLE-TEXT", "<", "alert(",
    ],
)
def test_wire_story_drops_boilerplate_scripts_and_iframes(wire, junk):
    assert junk not in wire.text
    assert junk not in wire.dek and junk not in wire.title


def test_wire_story_metadata(wire):
    assert wire.title == "Lighthouse keepers win pay dispute after two-year fight"
    assert wire.dek == "Keepers at six coastal stations will receive back pay, the maritime authority said on Thursday."
    assert not wire.text.startswith("Keepers at six coastal stations")  # dek not repeated as paragraph one
    assert wire.outlet == "The Northern Ledger"
    assert wire.agency == "Reuters"
    assert wire.published == "2024-03-14"
    assert wire.url == "https://www.northern-ledger.example/uk/lighthouse-keepers-pay"
    assert wire.language == "en"
    assert "Alice Marsh" in wire.author and "Reuters" not in wire.author


def test_save_page_as_folder_imports_the_page_not_its_files_folder():
    folder = FIXTURES / "saved_page"
    sources = expand_sources([str(folder)])
    assert sources == [str(folder / "Quiet harbour.html")]
    [draft] = load_source(sources[0])
    assert draft.text.startswith("The quiet harbour at Porthcove reopened")
    assert "café owner's dinghy" in draft.text  # windows-1252 declared by http-equiv
    assert "Events" not in draft.text and "FRAME FILE" not in draft.text
    assert draft.outlet == "Bay Weekly"


def test_mhtml_single_file_page():
    [draft] = load_source(str(FIXTURES / "bridge.mhtml"))
    assert draft.title == "Brücke über die Elbe wird früher fertig"
    assert draft.text.startswith("Die neue Brücke über die Elbe")
    assert len(draft.text.split("\n\n")) == 3
    assert draft.url == "https://nordkurier.example/region/elbe-bruecke"
    assert draft.language == "de"
    assert "Impressum" not in draft.text


def test_mhtml_is_sniffed_without_suffix(tmp_path):
    target = tmp_path / "page.bin"
    shutil.copy(FIXTURES / "bridge.mhtml", target)
    assert sniff_kind(target.read_bytes()) == "mhtml"


def test_mhtml_without_html_part(tmp_path):
    bad = tmp_path / "empty.mht"
    bad.write_bytes(b"MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary=X\r\n\r\n--X\r\nContent-Type: image/gif\r\n\r\nGIF89a\r\n--X--\r\n")
    with pytest.raises(InputError, match="no HTML part"):
        load_source(str(bad))


def test_binary_disguised_as_html(tmp_path):
    fake = tmp_path / "story.html"
    fake.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    with pytest.raises(InputError, match="looks like a binary file"):
        load_source(str(fake))


def test_page_without_article_text(tmp_path):
    page = tmp_path / "empty.html"
    page.write_text(
        "<html><head><title>Home</title></head><body><div class='cookie'>We use cookies. <button>OK</button></div>"
        "<nav><a href='/'>Home</a> <a href='/a'>About</a> <a href='/c'>Contact</a></nav>"
        "<footer>&copy; 2024 Example Ltd</footer></body></html>"
    )
    with pytest.raises(InputError, match="no article text found"):
        load_source(str(page))


def test_empty_html_file(tmp_path):
    page = tmp_path / "blank.html"
    page.write_text("   \n")
    with pytest.raises(InputError, match="no article text found"):
        load_source(str(page))


def test_truncated_malformed_html_still_yields_what_is_there(tmp_path):
    text = (FIXTURES / "wire_story.html").read_text(encoding="utf-8")
    cut = text[: text.index("<h2>A long road</h2>") + 40]  # stops mid-paragraph, tags left open
    page = tmp_path / "cut.html"
    page.write_text(cut + "<p <div <<>")
    [draft] = load_source(str(page))
    assert "Lighthouse keepers at six stations" in draft.text
    assert "The union said" not in draft.text


def test_only_scripts_and_iframes_is_no_article(tmp_path):
    page = tmp_path / "js.html"
    page.write_text("<html><body><script>" + "var a = 'long script text';" * 200 + "</script>"
                    "<iframe src='x'>" + "fallback words " * 100 + "</iframe></body></html>")
    with pytest.raises(InputError, match="no article text found"):
        load_source(str(page))


def test_txt_file_holding_html_stays_text(tmp_path):
    from clipper.importers import plaintext

    page = tmp_path / "note.txt"
    page.write_text("<p>Raw markup kept as text</p>\n\nThe council met on Monday to discuss the harbour budget for the year ahead.")
    [draft] = load_source(str(page))
    expected = plaintext.parse_bytes(page.read_bytes(), source=str(page))
    assert draft.text == expected.text


def test_stdin_html_is_sniffed():
    data = (FIXTURES / "wire_story.html").read_bytes()
    [draft] = load_source("-", stdin=io.BytesIO(data))
    assert draft.agency == "Reuters" and "Lighthouse keepers" in draft.text


def test_huge_file_is_refused_before_reading(tmp_path, monkeypatch):
    big = tmp_path / "big.html"
    with big.open("wb") as fh:
        fh.truncate(3 * 1024 * 1024)  # sparse: no need to write the bytes

    def no_open(*args, **kwargs):
        raise AssertionError("file was opened")

    monkeypatch.setattr(Path, "open", no_open)
    with pytest.raises(InputError, match="larger than the 1 MB import limit"):
        load_source(str(big), ImportOptions(max_bytes=1024 * 1024))


def test_expand_sources_mixed_types_hidden_and_files_folders(tmp_path):
    for name in ["a.txt", "b.md", "c.html", "d.htm", "e.mhtml", "f.mht", "g.xml", "h.rss", "i.atom", "j.csv", "k.json",
                 "skip.png", ".hidden.html", "sub/l.html", "sub/page_files/m.html", ".git/n.html"]:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    out = expand_sources([str(tmp_path), "-", "https://x.example/a"])
    found = [Path(p).relative_to(tmp_path).as_posix() for p in out[:-2]] + out[-2:]
    names = sorted(found[:-2])
    assert names == sorted(["a.txt", "b.md", "c.html", "d.htm", "e.mhtml", "f.mht", "g.xml", "h.rss", "i.atom",
                            "j.csv", "k.json", "sub/l.html"])
    assert found[-2:] == ["-", "https://x.example/a"]


@pytest.mark.parametrize(
    "head, kind",
    [
        (b"<?xml version='1.0'?><rss version='2.0'>", "feed"),
        (b"<feed xmlns='http://www.w3.org/2005/Atom'>", "feed"),
        (b"\xef\xbb\xbf<?xml version='1.0'?>\n<rdf:RDF>", "feed"),
        (b"<!DOCTYPE html><html><body>", "html"),
        (b"<?xml version='1.0'?><html xmlns='http://www.w3.org/1999/xhtml'>", "html"),
        (b"Just some pasted text.", "text"),
    ],
)
def test_sniff_kind(head, kind):
    assert sniff_kind(head) == kind


def test_unknown_suffix_is_sniffed(tmp_path):
    page = tmp_path / "story.download"
    shutil.copy(FIXTURES / "wire_story.html", page)
    [draft] = load_source(str(page))
    assert draft.agency == "Reuters"


def test_dek_that_is_a_truncated_first_paragraph_becomes_the_full_standfirst():
    first = "The river burst its banks at dawn, flooding two villages and closing the main road south for the day."
    rest = ["Rescue crews worked through the morning to move families to the school hall on the hill above the valley.",
            "The county said it would review the flood defences built after the last serious flood ten years ago."]
    html = (
        "<html><head><title>Floods close road</title>"
        f"<meta name='description' content='{first[:60]}...'></head><body><article><h1>Floods close road</h1>"
        + "".join(f"<p>{p}</p>" for p in [first] + rest) + "</article></body></html>"
    )
    draft = extract_article(html, source="t")
    assert draft.dek == first
    assert draft.text.split("\n\n") == rest


def test_fragment_to_text_keeps_paragraphs_and_drops_active_content():
    text = fragment_to_text("<p>One <b>bold</b></p><script>evil()</script><iframe>x</iframe><ul><li>a</li><li>b</li></ul>tail<br>line")
    assert text == "One bold\n\na\n\nb\n\ntail\nline"


@pytest.mark.parametrize(
    "author, body, credits, expected",
    [
        ("Reuters", "", [], "Reuters"),
        ("Jane Roe, Associated Press", "", [], "AP"),
        ("", "PARIS (AFP) - Talks resumed.", [], "AFP"),
        ("", "BERLIN (dpa) – Die Gespräche.", [], "dpa"),
        ("", "Text.\n\n(Reporting by A; Editing by B)", [], "Reuters"),
        ("", "", ["Photo: John Doe / AP"], "AP"),
        ("", "The AP style guide was updated.", [], ""),
        ("Jane Roe", "Nothing about agencies here.", ["Staff photo"], ""),
    ],
)
def test_detect_agency(author, body, credits, expected):  # noqa: A002 - named after the keyword it tests
    assert detect_agency(author=author, body=body, credits=credits) == expected


def test_language_guess_and_dates():
    assert guess_language("Le conseil municipal a voté le budget pour la rénovation du port et des quais " * 3) == "fr"
    assert guess_language("Der Stadtrat hat den Haushalt für die Sanierung des Hafens und der Kais beschlossen " * 3) == "de"
    assert guess_language("short") == ""
    assert iso_date("2024-03-14T09:30:00Z") == "2024-03-14"
    assert iso_date("yesterday") is None and iso_date("0001-01-01") is None


def test_load_source_items_for_a_page_is_one_draft():
    items = load_source_items(str(FIXTURES / "wire_story.html"))
    assert len(items) == 1 and items[0].title.startswith("Lighthouse")


def _words(text):
    import re
    from collections import Counter

    return Counter(re.findall(r"\w+", text.casefold()))


@pytest.mark.parametrize("name", ["wire_story.html", "saved_page/Quiet harbour.html"])
def test_no_word_trafilatura_found_is_lost(name):
    """Everything the extractor found ends up in title + dek + text."""
    import trafilatura

    from clipper.importers.html import ExtractionSettings, decode_html

    settings = ExtractionSettings()
    html = decode_html((FIXTURES / name).read_bytes())
    doc = trafilatura.bare_extraction(html, include_comments=settings.include_comments, with_metadata=True)
    [draft] = load_source(str(FIXTURES / name))
    stored = _words(" ".join([draft.title, draft.dek, draft.text]))
    found = _words(doc.text)
    assert sum(found.values()) > 50
    missing = found - stored
    assert not missing


def test_https_to_a_plain_http_server_is_a_clear_error():
    from clipper_testkit import LocalServer

    with LocalServer() as server:
        url = server.url("/x").replace("http://", "https://")
        with pytest.raises(InputError, match="TLS error|network error"):
            load_source(url, ImportOptions(timeout=1.0))


def test_benchmark_pipeline_is_not_worse_than_trafilatura_alone(monkeypatch):
    """A small slice of benchmarks/extraction_bench.py as a regression guard."""
    import importlib.util

    path = Path(__file__).resolve().parents[2] / "benchmarks" / "extraction_bench.py"
    spec = importlib.util.spec_from_file_location("extraction_bench", path)
    bench = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, "extraction_bench", bench)  # dataclasses need it registered
    spec.loader.exec_module(bench)
    pages = bench.generate_pages(16)
    assert len({p.template for p in pages}) == len(bench.TEMPLATES)
    a = bench.summary(bench.evaluate(pages, bench.run_trafilatura))
    b = bench.summary(bench.evaluate(pages, bench.run_clipper))
    assert b[1] >= a[1] - 0.005  # recall: no paragraph trafilatura found is lost
    assert b[2] >= a[2]  # F1


_DEK_PAGE = """<html><head><title>Tram depot to close</title><meta name="description" content="{desc}"></head>
<body><article><h1>Tram depot to close</h1>{shown}
<p>The city's oldest tram depot will close next spring, transport officials confirmed on Tuesday after a long review.</p>
<p>Workers will move to the new northern depot, which opened last year and has room for forty trams and a workshop.</p>
<p>Residents near the old site asked for the land to become a park, and the council said it would consult them first.</p>
</article></body></html>"""


def test_meta_description_never_shown_is_not_stored_as_dek():
    from clipper.importers.html import extract_article

    desc = "Read the latest on trams, buses and everything that moves in our city today"
    draft = extract_article(_DEK_PAGE.format(desc=desc, shown=""), "depot.html")
    assert draft.dek == ""
    assert draft.extra["description"] == desc
    assert "latest on trams" not in draft.text


def test_standfirst_shown_on_the_page_is_the_dek():
    from clipper.importers.html import extract_article

    desc = "Staff move north as the old building is sold after ninety years of service"
    draft = extract_article(_DEK_PAGE.format(desc=desc, shown=f'<p class="standfirst">{desc}</p>'), "depot.html")
    assert draft.dek == desc
    assert desc not in draft.text
