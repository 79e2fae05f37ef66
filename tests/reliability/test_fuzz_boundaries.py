"""Property tests: untrusted input reaching the HTML importer, the query parser and passage
anchoring ends in a result or a ClipperError, never another exception. (The cleaner and the
plain-text importer have theirs in tests/core.)"""
from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from clipper import anchoring
from clipper.errors import ClipperError
from clipper.importers.html import parse_html_bytes
from clipper.library import Library
from clipper.models import ArticleDraft

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

TAGS = st.sampled_from(["p", "div", "article", "script", "style", "h1", "img", "a", "table", "td", "br",
                        "iframe", "svg", "math", "template", "noscript", "meta", "title"])
ATTRS = st.sampled_from(["", ' class="story"', ' src="file:///etc/passwd"', ' href="javascript:x"',
                         ' charset="shift_jis"', ' content="text/html; charset=utf-16"', ' http-equiv="refresh"'])
TEXTS = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@st.composite
def html_soup(draw) -> bytes:
    parts = []
    for _ in range(draw(st.integers(0, 30))):
        tag, attr = draw(TAGS), draw(ATTRS)
        parts.append(draw(st.sampled_from([f"<{tag}{attr}>", f"</{tag}>", f"<{tag}{attr}/>", "&amp;", "&#0;",
                                           "&#xD800;", "<!--", "-->", "<![CDATA[", "]]>", "<!DOCTYPE html>"])))
        parts.append(draw(TEXTS))
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "latin-1", "cp1252"]))
    return "".join(parts).encode(encoding, errors="replace")


@FAST
@given(html_soup())
def test_html_import_returns_a_draft_or_a_clipper_error(data):
    try:
        draft = parse_html_bytes(data, "fuzz.html")
    except ClipperError:
        return
    assert isinstance(draft.text, str) and draft.text.strip()


@FAST
@given(st.binary(max_size=600))
def test_html_import_of_random_bytes(data):
    try:
        parse_html_bytes(data, "fuzz.html")
    except ClipperError:
        pass


@pytest.fixture(scope="module")
def small_library(tmp_path_factory):
    lib = Library.open(tmp_path_factory.mktemp("fuzzlib"))
    lib.articles.add(ArticleDraft(title="Harbour vote", text="The council approved the sea wall plan on Tuesday.",
                                  outlet="Coast Daily", tags=["harbour", "vote"], published="2024-03-02"))
    lib.articles.add(ArticleDraft(title="Missile test", text="Two missiles were fired during the navy exercise.",
                                  outlet="Wire", tags=["defence"]))
    lib.passages.add(1, quote="sea wall", tags=["harbour"], note="key *point*")
    yield lib
    lib.close()


QUERY_PIECES = st.sampled_from(["harbour", "wall*", "AND", "OR", "NOT", "(", ")", '"', "tag:", "outlet:",
                                "date:", ">", "<", "2024-01-01..", "..2024", "~", "^2", "*", "?", ":", "-", "+",
                                "title:", "[", "]", "{", "}", "\\", "last:7d", "passage:", "note:", "\u05d0"])


@FAST
@given(st.one_of(TEXTS, st.lists(QUERY_PIECES, max_size=12).map(" ".join),
                 st.lists(QUERY_PIECES, max_size=12).map("".join)), st.booleans())
def test_query_parser_returns_results_or_a_clipper_error(small_library, query, passages):
    try:
        result = small_library.search(query, passages=passages, facets=True)
    except ClipperError:
        return
    assert result.total >= 0


ARTICLE_TEXT = st.text(alphabet=st.sampled_from(list("ab \n\u05d0\U0001F30A\u00e9\u201c\u201d'\"")), max_size=60)


@FAST
@given(ARTICLE_TEXT, st.text(max_size=12), st.one_of(st.none(), st.integers(-3, 5)))
def test_find_quote_returns_a_span_or_a_clipper_error(text, quote, occurrence):
    try:
        start, end = anchoring.find_quote(text, quote, occurrence)
    except ClipperError:
        return
    assert 0 <= start <= end <= len(text)


@FAST
@given(ARTICLE_TEXT, st.integers(-5, 80), st.integers(-5, 80), st.text(max_size=10), st.text(max_size=5),
       st.text(max_size=5), st.sampled_from([0.0, 0.5, 0.8, 1.0, 1.5, -1.0]))
def test_reanchor_returns_an_anchor_or_a_clipper_error(new_text, start, end, exact, prefix, suffix, threshold):
    sel = anchoring.Selector(start, end, exact, prefix, suffix)
    try:
        anchor = anchoring.reanchor(new_text, sel, threshold=threshold)
    except ClipperError:
        return
    if anchor.status != "orphaned":
        assert 0 <= anchor.start <= anchor.end <= len(new_text)
