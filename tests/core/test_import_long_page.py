"""A very long HTML page (issue 14, item 8): 200,000 short paragraphs (17.6 MB) took
~114 s and ~950 MB to read and extract, nearly all of it in trafilatura's XPath over every
paragraph's text (quadratic in libxml2). Such pages are read without that extractor."""
from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from clipper.importers import html as html_import

ROOT = Path(__file__).resolve().parents[2]
WORDS = ["harbour", "council", "ferry", "winter", "repairs", "island", "service", "route",
         "said", "the", "would", "again", "from", "after", "night", "boat", "fuel", "cost"]


def long_page(paragraphs: int, seed: int = 8) -> str:
    """A page: navigation, a header, an article of numbered paragraphs with a list, a
    quote, a table and line breaks, an aside, a footer and scripts."""
    rng = random.Random(seed)
    body = []
    for i in range(paragraphs):
        words = " ".join(rng.choice(WORDS) for _ in range(12))
        if i % 997 == 5:
            body.append(f"<ul><li>first {words}</li><li>second <b>point</b> {i}</li></ul>")
        elif i % 991 == 7:
            body.append(f"<blockquote><p>{words} quoted {i}.</p></blockquote>")
        elif i % 983 == 9:
            body.append(f"<table><tr><th>Pier</th><th>Boats</th></tr><tr><td>North {i}</td>"
                        f"<td>{i % 13}</td></tr></table>")
        elif i % 977 == 11:
            body.append(f"<p>{words}<br>a second line {i}.</p>")
        else:
            body.append(f"<p>{words.capitalize()} {i}.</p>")
    return ("<!doctype html><html lang=\"en\"><head><title>The harbour log | Island Post"
            "</title><meta name=\"author\" content=\"Ada Quayle\">"
            "<script>var tracking = 'harbour';</script></head><body>"
            "<nav><a href=\"/\">Home</a> <a href=\"/news\">News</a></nav>"
            "<header><p>Island Post, the island's newspaper since 1911</p></header>"
            "<article><h1>The harbour log</h1>" + "\n".join(body) + "</article>"
            "<aside><p>Most read: tide tables for the week ahead</p></aside>"
            "<footer><p>Copyright Island Post. All rights reserved.</p></footer>"
            "<script>console.log('done')</script></body></html>")


def test_a_long_page_reads_like_a_short_one(monkeypatch):
    """The paragraphs read without trafilatura are the ones trafilatura gives on the same
    page (lowered limit: a page it reads in a moment)."""
    page = long_page(1200)
    by_extractor = html_import.extract_article(page, source="log.html")
    monkeypatch.setattr(html_import, "MAX_EXTRACTOR_PARAGRAPHS", 100)
    direct = html_import.extract_article(page, source="log.html")
    assert direct.text == by_extractor.text
    assert (direct.title, direct.author, direct.language) == (
        by_extractor.title, by_extractor.author, by_extractor.language)
    assert "Home" not in direct.text and "Copyright" not in direct.text
    assert "tracking" not in direct.text and "Most read" not in direct.text
    assert "\n- second point 5\n\n" in direct.text  # a list: an item a line
    assert "Pier | Boats\nNorth 9 | 9" in direct.text


def test_nothing_but_boilerplate_is_no_article(monkeypatch):
    monkeypatch.setattr(html_import, "MAX_EXTRACTOR_PARAGRAPHS", 3)
    page = ("<html><body><nav>" + "".join(f"<p>menu {i}</p>" for i in range(10))
            + "</nav><footer><p>Copyright</p></footer></body></html>")
    with pytest.raises(html_import.InputError, match="no article text found"):
        html_import.extract_article(page, source="menu.html")


_MEASURE = """
import json, resource, sys, time
from pathlib import Path
from clipper.importers import ImportOptions, load_source_items
t = time.perf_counter()
items = load_source_items(sys.argv[1], ImportOptions(max_bytes=100_000_000))
seconds = time.perf_counter() - t
draft = items[0]
print(json.dumps({"seconds": seconds,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "title": draft.title, "author": draft.author,
                  "paragraphs": draft.text.count("\\n\\n") + 1,
                  "first": draft.text.split("\\n\\n", 1)[0],
                  "last": draft.text.rsplit("\\n\\n", 1)[-1]}))
"""


def test_200000_paragraphs_in_bounded_time_and_memory(tmp_path):
    path = tmp_path / "log.html"
    path.write_text(long_page(200_000), encoding="utf-8")
    assert 16_000_000 < path.stat().st_size < 20_000_000
    out = subprocess.run([sys.executable, "-c", _MEASURE, str(path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    m = json.loads(out.stdout)
    assert m["title"] == "The harbour log" and m["author"] == "Ada Quayle"
    assert m["paragraphs"] == 200_000
    assert m["first"].endswith(" 0.") and m["last"].endswith(" 199999.")
    # Before: ~114 s and ~950 MB; now ~20 s and ~430 MB on a loaded 2-core machine.
    assert m["seconds"] < 60, m
    assert m["peak_mb"] < 650, m
