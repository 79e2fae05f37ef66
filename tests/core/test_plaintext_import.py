"""Plain-text importer: bytes/text -> cleaned ArticleDraft, or InputError."""
from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from clipper.errors import InputError
from clipper.importers.plaintext import parse_bytes, parse_text
from clipper.models import ArticleDraft

PASTE = """Port strike closes container terminal

Sign up now: Get the Gazette's newsletters delivered to your inbox

By Ana Silva and Ben Ortiz

Dock workers shut the main terminal in a row over night-shift pay.

Dock workers shut the main terminal in a row over night-shift pay.

Photo: AFP/Getty Images

LISBON (Reuters) - Dozens of ships waited offshore on Wednesday as the strike entered its third day.

Talks with the port operator are due to resume on Friday, the union said.

Share this article
"""


def test_parse_text_builds_a_draft():
    d = parse_text(PASTE, source="clip.txt")
    assert isinstance(d, ArticleDraft)
    assert d.title == "Port strike closes container terminal"
    assert d.dek == "Dock workers shut the main terminal in a row over night-shift pay."
    assert d.author == "Ana Silva; Ben Ortiz"
    assert d.agency == "Reuters"
    assert d.extra == {"dateline": "LISBON"}
    assert d.source == "clip.txt"
    assert d.text == (
        "Dozens of ships waited offshore on Wednesday as the strike entered its third day.\n\n"
        "Talks with the port operator are due to resume on Friday, the union said."
    )


def test_parse_bytes_decodes_utf8_and_legacy_encodings():
    d = parse_bytes(PASTE.encode("utf-8"), source="a.txt")
    assert d.title == "Port strike closes container terminal"
    latin = "Café owners protest\n\nThe café owners of the old town marched on Friday.".encode("cp1252")
    d2 = parse_bytes(latin, source="b.txt")
    assert d2.title == "Café owners protest"
    assert "café owners" in d2.text
    d3 = parse_bytes(PASTE.encode("utf-16"), source="c.txt")
    assert d3.author == "Ana Silva; Ben Ortiz"


@pytest.mark.parametrize("text", ["", "   ", "\n\n\t\n", "Only a headline", "Advertisement\n\nShare this article"])
def test_no_article_text_is_an_input_error(text):
    with pytest.raises(InputError) as exc:
        parse_text(text, source="empty.txt")
    assert str(exc.value) == "empty.txt: no article text found"


def test_message_without_source():
    with pytest.raises(InputError, match="^text: no article text found$"):
        parse_text("")


def test_binary_bytes_are_refused():
    with pytest.raises(InputError, match="bin.dat"):
        parse_bytes(b"\x00\x01\x02PNG\x00\x00" * 20, source="bin.dat")


def test_empty_bytes_are_refused():
    with pytest.raises(InputError, match="^e.txt: no article text found$"):
        parse_bytes(b"", source="e.txt")


def test_published_is_iso():
    d = parse_text("Title\n\nPublished: 11 February 2026\n\nBody text.", source="x")
    assert d.published == "2026-02-11"


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_parse_text_raises_only_input_error(text):
    try:
        d = parse_text(text, source="fuzz")
    except InputError:
        return
    assert d.text.strip()


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=400))
def test_parse_bytes_raises_only_input_error(data):
    try:
        parse_bytes(data, source="fuzz")
    except InputError:
        pass
