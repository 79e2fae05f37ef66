"""Random query strings never raise anything but QueryError."""
from __future__ import annotations

from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clipper.errors import QueryError
from clipper.index import SearchIndex
from clipper.index.documents import ArticleDoc, PassageDoc

NOW = datetime(2026, 2, 15)

PIECES = [
    "AND", "OR", "NOT", "TO", "-", "+", "(", ")", "[", "]", "{", "}", '"', "'", ":", "*",
    "?", "~", "~2", "^", "^3", " ", "  ", "title:", "published:", "imported:", "tag:",
    "has:", "is:", "site:", "date:", "2026", "2026-02", "2026-02-11", "-7d", ">", "<",
    ">=", "today", "missile", "mayor", "téhéran", "שָׁלוֹם", "مُحَمَّد", "\u0000", "\\",
    "/", "😀", "x" * 40, "outlet:", "lang:", "note:", "quote:", "foo:", "[TO]", "<=",
]

query_strings = st.one_of(
    st.text(max_size=60),
    st.lists(st.sampled_from(PIECES), max_size=25).map("".join),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=15)
    .map(" ".join),
)


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    index = SearchIndex(tmp_path_factory.mktemp("fuzz") / "index")
    index.update(
        articles=[ArticleDoc(id=1, title="Missile mayor", text="Téhéran שָׁלוֹם مُحَمَّد city",
                             tags=["proxy groups"], published="2026-02-11",
                             imported_at="2026-02-12", url="https://www.a.example/x")],
        passages=[PassageDoc(id=1, article_id=1, quote="mayor city", note="n")],
    )
    yield index
    index.close()


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=query_strings, passages=st.booleans(), facets=st.booleans())
def test_random_queries_only_raise_query_error(ix, q, passages, facets):
    try:
        result = ix.search(q, now=NOW, passages=passages, facets=facets)
    except QueryError as exc:
        assert str(exc) and "\n" not in str(exc)
        return
    assert result.total >= 0
    for hit in result.hits:
        assert isinstance(hit.snippet, str)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=query_strings)
def test_random_queries_article_ids_and_suggest(ix, q):
    try:
        ix.article_ids(q, now=NOW)
    except QueryError:
        pass
    suggestion = ix.suggest(q)
    assert suggestion is None or isinstance(suggestion, str)
