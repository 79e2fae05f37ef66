"""The query language, end to end against a small real index."""
from __future__ import annotations

from datetime import datetime

import pytest

from clipper.errors import QueryError
from clipper.index import SearchIndex
from clipper.index.documents import ArticleDoc, PassageDoc
from clipper.index.query import MAX_QUERY_LENGTH, parse_period

NOW = datetime(2026, 2, 15, 12, 0)

DOCS = [
    ArticleDoc(id=1, title="Téhéran answers the drone strikes",
               text="Officials in Téhéran said several missiles were intercepted. "
                    "Senator Rubio called for new sanctions. The mayor of the city spoke.",
               outlet="Gulf Wire", agency="Reuters", author="Dana Levi",
               url="https://www.reuters.com/world/x", language="en",
               published="2026-02-11", imported_at="2026-02-15T09:00:00",
               tags=["proxy groups", "missiles"], notes=["check the casualty figures"],
               quotes=["several missiles were intercepted"],
               passage_count=1, note_count=1, stamp="1"),
    ArticleDoc(id=2, title="Harbour mayor city plan",
               text="The mayor city plan covers the marina. Nous verrons.",
               outlet="Harbour News", agency="AP", author="Sam Ortiz",
               url="https://harbour.example.org/plan", language="fr",
               published="2026-01-20", imported_at="2026-02-14T10:00:00",
               orphan_count=1, stamp="2"),
    ArticleDoc(id=3, title="Missile museum opens",
               text="A missile from 1962 is the centrepiece. Iran lent nothing; "
                    "the Iranian embassy declined to comment on missiles.",
               outlet="Culture Desk", published="2025-06-01T10:00:00Z",
               imported_at="2026-01-10T10:00:00", tags=["museums"], stamp="3"),
    ArticleDoc(id=4, title="שָׁלוֹם עֲלֵיכֶם and مُحَمَّد",
               text="Pointed Hebrew and vowelled Arabic in one line.",
               outlet="Gulf Wire", published="2024-12-31", imported_at="2025-01-01",
               stamp="4"),
]
PASSAGES = [
    PassageDoc(id=7, article_id=1, quote="several missiles were intercepted",
               tags=["missiles"], note="source: ministry", article_title=DOCS[0].title,
               outlet="Gulf Wire", published="2026-02-11", stamp="7"),
    PassageDoc(id=8, article_id=2, quote="covers the marina", status="orphaned",
               article_title=DOCS[1].title, outlet="Harbour News",
               published="2026-01-20", stamp="8"),
]


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    index = SearchIndex(tmp_path_factory.mktemp("q") / "index")
    index.update(articles=DOCS, passages=PASSAGES)
    yield index
    index.close()


def found(ix, q, **kw):
    return sorted(h.id for h in ix.search(q, now=NOW, limit=100, **kw).hits)


@pytest.mark.parametrize("q, expected", [
    ("missile", [1, 3]),                       # stemming both ways
    ("missiles", [1, 3]),
    ("MISSILES", [1, 3]),
    ("teheran", [1]),                          # accents folded
    ("TÉHÉRAN", [1]),
    ("שלום", [4]),                             # Hebrew points ignored
    ("محمد", [4]),                             # Arabic harakat ignored
    ('"mayor city"', [2]),                     # no stop words dropped in phrases
    ('"mayor of the city"', [1]),
    ("mayor city", [1, 2]),                    # default AND
    ("marina OR museum", [2, 3]),
    ("mayor AND marina", [2]),
    ("mayor NOT marina", [1]),
    ("mayor -marina", [1]),
    ("(marina OR museum) AND missile", [3]),
    ("museum OR (mayor -marina)", [1, 3]),     # -word inside parentheses
    ("(mayor -marina) OR museum", [1, 3]),
    ("museum OR (-marina mayor)", [1, 3]),
    ("miss*", [1, 3]),
    ("nous*", [2]),                            # prefix text not stemmed
    ("missiles*", [1, 3]),
    ("rubo~", [1]),
    ("rbuio~2", [1]),
    ('"drone strikes"', [1]),
    ('"rubio sanctions"~5', [1]),
    ('"rubio sanctions"', []),
    ("title:missile", [3]),
    ("title:(museum OR harbour)", [2, 3]),
    ("text:marina", [2]),
    ("body:marina", [2]),
    ("outlet:gulf", [1, 4]),
    ('outlet:"harbour news"', [2]),
    ("agency:reuters", [1]),
    ("author:ortiz", [2]),
    ("url:reuters", [1]),
    ("site:reuters.com", [1]),
    ("site:www.reuters.com", [1]),
    ("site:example.org", [2]),
    ("lang:fr", [2]),
    ("tag:missiles", [1]),
    ('tag:"proxy groups"', [1]),
    ("tag:proxy", []),
    ("note:casualty", [1]),
    ("casualty", [1]),                         # notes reached by plain words
    ("quote:intercepted", [1]),
    ("has:notes", [1]),
    ("has:tags", [1, 3]),
    ("has:passages", [1]),
    ("is:orphaned", [2]),
    # Exclusions only, and a minus that belongs to a date range or a phrase.
    ("-imported:[-7d TO -1d]", [1, 3, 4]),
    ("NOT imported:[-7d TO -1d]", [1, 3, 4]),
    ('-"mayor city"', [1, 3, 4]),
    ("title:-missile", [1, 2, 4]),                # a field's word excluded
    ("mayor title:-harbour", [1]),
])
def test_words_fields_and_operators(ix, q, expected):
    assert found(ix, q) == expected


@pytest.mark.parametrize("q, expected", [
    ("published:2026", [1, 2]),
    ("published:2026-02", [1]),
    ("published:2026-02-11", [1]),
    ("published:2026-2-11", [1]),
    ("published:[2026-01-01 TO 2026-01-31]", [2]),
    ("published:[2026-01-20 TO 2026-02-11]", [1, 2]),   # both ends included
    ("published:[2026-01-21 TO]", [1]),
    ("published:[TO 2025-06-01]", [3, 4]),
    ("published:[2026-01-21 to 2026-02-28]", [1]),
    ("published:>2026-01-20", [1]),
    ("published:>=2026-01-20", [1, 2]),
    ("published:<2025-06-01", [4]),
    ("published:<=2025-06-01", [3, 4]),
    ("published:>-7d", [1]),
    ("published:<-1m", [3, 4]),
    ("published:>-1y", [1, 2, 3]),
    ("imported:today", [1]),
    ("imported:yesterday", [2]),
    ("imported:>-24h", [1]),
    ("imported:>-2d", [1, 2]),
    ("imported:[-7d TO -1d]", [2]),
    ("missile published:2025", [3]),
    ("published:2026 AND NOT mayor", []),
])
def test_dates(ix, q, expected):
    assert found(ix, q) == expected


def test_relative_dates_follow_now(ix):
    later = datetime(2026, 3, 20)
    assert sorted(h.id for h in ix.search("published:>-7d", now=later).hits) == []


def test_everything(ix):
    assert ix.search("", now=NOW).total == 4
    assert ix.search("*", now=NOW).total == 4
    assert [h.id for h in ix.search("  ").hits] == [1, 2, 3, 4]  # newest first


def test_passage_queries(ix):
    def pf(q):
        return sorted(h.passage_id for h in ix.search(q, passages=True, now=NOW).hits)

    assert pf("missile") == [7]
    assert pf("ministry") == [7]
    assert pf("tag:missiles") == [7]
    assert pf("is:orphaned") == [8]
    assert pf("has:notes") == [7]
    assert pf("outlet:harbour") == [8]
    assert pf("published:2026-01") == [8]
    assert pf("text:marina") == [8]


@pytest.mark.parametrize("q, message", [
    ("published:[2026-02-01 TO", "unclosed date range"),
    ("published:[garbage TO", "unclosed date range"),
    ("published:[garbage TO 2026]", "not a date"),
    ("published:[2026 2027]", "must look like"),
    ("published:2026-13", "not a valid date"),
    ("imported:soon", "not a date"),
    ("published:>", "needs a date"),
    ("published:", "needs a date"),
    ("has:money", "unknown has:money"),
    ("is:happy", "unknown is:happy"),
    ("x" * (MAX_QUERY_LENGTH + 1), "too long"),
])
def test_errors_are_query_errors_with_clear_messages(ix, q, message):
    with pytest.raises(QueryError, match=message):
        ix.search(q, now=NOW)


@pytest.mark.parametrize("q", [
    '"unbalanced quote', "(missile", "missile)", "title:", "AND OR NOT", "NOT",
    "::::", "[]", "{}", "*:*", "~", "missile~99", "^2", "a^^b",
    "title:(", '"', "-", "+", "tag:", "site:", "foo:bar", "\u0000", "\U0001F600",
    "title:missile^x", "[2026 TO", "()", "((()))",
])
def test_malformed_queries_do_not_crash(ix, q):
    result = ix.search(q, now=NOW)
    assert result.total >= 0


def test_unknown_field_reads_as_words(ix):
    assert found(ix, "museum:missile") == [3]


def test_parse_period_units():
    assert parse_period("-1m", datetime(2026, 3, 31)).start == datetime(2026, 2, 28)
    assert parse_period("-1y", datetime(2024, 2, 29)).start == datetime(2023, 2, 28)
    assert parse_period("-2w", NOW).start == datetime(2026, 2, 1, 12)
    assert parse_period("2026-02-11T10:00:00+02:00", NOW).start == datetime(2026, 2, 11, 8)


def test_phrases_are_exact_and_ranked_by_occurrences(tmp_path):
    index = SearchIndex(tmp_path / "phrases")
    docs = [
        # Both halves of "red river crossing" occur in 1, but never the three words.
        ArticleDoc(id=1, title="one", text="The red river ran dry. A river crossing opened.",
                   stamp="1"),
        ArticleDoc(id=2, title="two", text="They reached the red river crossing at dawn; "
                   "the red river crossing was closed.", stamp="2"),
        ArticleDoc(id=3, title="three", text="Talks in Téhéran resumed on Monday.",
                   stamp="3"),
        ArticleDoc(id=4, title="four", text="The mayor of the city spoke.", stamp="4"),
    ]
    try:
        index.update(articles=docs)
        assert found(index, '"red river"') == [1, 2]
        assert found(index, '"red river crossing"') == [2]
        assert found(index, '"river red"') == []
        assert found(index, '"in tehran"') == [3]         # loose-vowel variants
        assert found(index, '"teheran resumed"') == [3]
        assert found(index, '"mayor city"') == []
        assert found(index, '"mayor of the city"') == [4]
        result = index.search('"red river"', now=NOW)
        assert result.hits[0].id == 2                        # two occurrences rank first
        assert "<b>red river</b>" in result.hits[0].snippet
        assert "<b>in Téhéran</b>" in index.search('"in tehran"', now=NOW).hits[0].snippet
        index.update(delete_articles=[2])
        assert found(index, '"red river crossing"') == []
        assert found(index, '"red river"') == [1]
    finally:
        index.close()



HYPHEN_DOCS = [
    ArticleDoc(id=1, title="Pro-Russian militia holds the bridge",
               text="The pro-Russian militia of the eastern town kept the bridge.", stamp="1"),
    ArticleDoc(id=2, title="Town council",
               text="A pro bono lawyer spoke; Russian traders listened.", stamp="2"),
    ArticleDoc(id=3, title="Cleric al-Sadr returns",
               text="Followers of al-Sadr gathered near the shrine.", stamp="3"),
    ArticleDoc(id=4, title="Harbour fees", text="Nothing about militias here.", stamp="4"),
]


@pytest.fixture(scope="module")
def hix(tmp_path_factory):
    index = SearchIndex(tmp_path_factory.mktemp("h") / "index")
    index.update(articles=HYPHEN_DOCS)
    yield index
    index.close()


@pytest.mark.parametrize("q, expected", [
    ("pro-russian", [1]),              # the parts as a phrase, not "pro" without "russian"
    ("Pro-Russian militia", [1]),
    ("title:pro-russian", [1]),
    ('"pro russian"', [1]),
    ("pro russian", [1, 2]),           # two words: both, anywhere
    ("al-sadr", [3]),
    ("-al-sadr", [1, 2, 4]),           # a leading minus still excludes the whole word
    ("bridge -pro-russian", []),
    ("militia -town", [4]),            # "militias" stems to militia; 1 has "town"
    ("-militia", [2, 3]),              # only exclusions: everything but
    ("NOT militia", [2, 3]),
    ("-militia -shrine", [2]),
    ("NOT militia NOT lawyer", [3]),
    ("NOT (militia OR lawyer)", [3]),
    ("(-militia)", [2, 3]),
    ("shrine OR (-militia)", [2, 3]),  # a group of exclusions inside: everything but
    ("lawyer OR (-militia -shrine)", [2]),
    ("bridge (-town)", []),
    ("title:(-militia)", [2, 3, 4]),
])
def test_hyphenated_words_and_exclusion_only_queries(hix, q, expected):
    assert found(hix, q) == expected


def test_exclusions_only_are_listed_like_everything(tmp_path):
    index = SearchIndex(tmp_path / "order")
    # Stored oldest first, so that document order and date order differ.
    index.update(articles=[
        ArticleDoc(id=i, title=f"Story {i}", text=word, published=f"202{i}-01-01", stamp=str(i))
        for i, word in ((1, "ferry"), (2, "marina"), (3, "ferry"), (4, "quay"))])

    def order(q):
        return [h.id for h in index.search(q, now=NOW, limit=100).hits]

    everything = order("*")
    assert everything == [4, 3, 2, 1]  # newest published first
    assert order("-marina") == [4, 3, 1]
    assert order("-zzzz") == everything
    index.close()
