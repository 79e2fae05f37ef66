"""Normalisation and content hashing for exact duplicates."""
from __future__ import annotations

from hypothesis import given, strategies as st

from clipper.text.normalize import content_hash, normalize_text

STORY = "The mayor said: “We will rebuild the bridge — and quickly.”\n\nIt’s due in 2027."


def test_normalize_text_rules():
    assert normalize_text("“Quote” ‘single’") == "\"quote\" 'single'"
    assert normalize_text("a – b — c ‐ d − e") == "a - b - c - d - e"
    assert normalize_text("  many\t\tspaces\n\nand\u00a0lines ") == "many spaces and lines"
    assert normalize_text("zero\u200bwidth\u200d joiner\ufeff") == "zerowidth joiner"
    assert normalize_text("STRASSE Straße") == "strasse strasse"
    assert normalize_text("ﬁnance ①") == "finance 1"  # NFKC


def test_same_story_with_whitespace_quote_and_case_changes_hashes_equal():
    variant = ("THE MAYOR SAID: \"We will rebuild the bridge - and quickly.\"   It's due in 2027.  ")
    assert content_hash(STORY) == content_hash(variant)
    assert content_hash(STORY) == content_hash(STORY.replace("\n\n", "\r\n\r\n"))


def test_different_text_hashes_differ():
    assert content_hash(STORY) != content_hash(STORY.replace("2027", "2028"))
    assert len(content_hash(STORY)) == 64
    int(content_hash(STORY), 16)


@given(st.text())
def test_normalize_is_idempotent(s):
    once = normalize_text(s)
    assert normalize_text(once) == once
