"""SearchIndex after the speed work: segment handling, reader reuse, snippets from a text
loader, loose vowels, did-you-mean from the lexicon, passage queries on article fields."""
from __future__ import annotations

from datetime import datetime

import pytest

from clipper.index import SearchIndex
from clipper.index.documents import ArticleDoc, PassageDoc
from clipper.index.merging import FACTOR as MAX_SEGMENTS
from clipper.storage import articles
from clipper.storage import db as dbmod
from clipper.storage import schema as dbschema
from clipper.storage.texts import texts

NOW = datetime(2026, 2, 15, 12, 0)


def kelp(i: int, word: str = "kelp") -> ArticleDoc:
    return ArticleDoc(id=i, title=f"{word} bulletin {i}", text=f"The {word} forest grew again.",
                      stamp=f"s{i}")


def segment_count(index: SearchIndex) -> int:
    return len(index._articles.ix._segments())


def test_many_small_commits_never_duplicate_hits(tmp_path):
    index = SearchIndex(tmp_path / "i")
    for i in range(1, 3 * MAX_SEGMENTS + 2):
        index.update(articles=[kelp(i)])
        assert index.search("kelp", limit=100).total == i
    # Small segments were merged along the way (tiered: at most FACTOR per tier).
    assert segment_count(index) <= 2 * MAX_SEGMENTS
    # Replacing documents (a deletion in an older, reused segment) is seen at once.
    index.update(articles=[kelp(1, "urchin"), kelp(2, "urchin")])
    assert index.search("kelp", limit=100).total == 3 * MAX_SEGMENTS - 1
    assert sorted(h.id for h in index.search("urchin").hits) == [1, 2]
    index.update(delete_articles=[3])
    assert 3 not in {h.id for h in index.search("kelp", limit=100).hits}
    assert len(index.stamps()[0]) == 3 * MAX_SEGMENTS + 1 - 1
    index.close()


def test_a_second_object_sees_merges_without_duplicates(tmp_path):
    first = SearchIndex(tmp_path / "i")
    second = SearchIndex(tmp_path / "i")
    first.update(articles=[kelp(1)])
    second.update(articles=[kelp(2)])  # second refreshes onto first's commit
    for i in range(3, 2 * MAX_SEGMENTS + 3):
        first.update(articles=[kelp(i)])
    second.update(articles=[kelp(100)])
    assert second.search("kelp", limit=200).total == 2 * MAX_SEGMENTS + 3
    first.update(articles=[kelp(101)])
    assert first.search("kelp", limit=200).total == 2 * MAX_SEGMENTS + 4
    first.close()
    second.close()


def test_text_loader_feeds_snippets_and_text_is_not_stored(tmp_path):
    bodies = {1: "Divers counted the kelp in the bay on Monday."}
    asked = []

    def loader(ids):
        asked.append(sorted(ids))
        return {i: bodies[i] for i in ids if i in bodies}

    index = SearchIndex(tmp_path / "i", text_loader=loader)
    index.update(articles=[ArticleDoc(id=1, title="Bay survey", text=bodies[1])])
    hit = index.search("kelp").hits[0]
    assert "<b>kelp</b>" in hit.snippet and asked == [[1]]
    assert "stored_text" not in index._articles.searcher.stored_fields(0)
    assert index.search("kelp", snippets=False).hits[0].snippet == ""
    assert asked == [[1]]  # no texts read when no snippets are asked for
    index.close()


def test_failing_text_loader_still_returns_hits(tmp_path):
    def loader(ids):
        raise OSError("database gone")

    index = SearchIndex(tmp_path / "i", text_loader=loader)
    index.update(articles=[ArticleDoc(id=1, title="Bay survey", text="kelp")])
    r = index.search("kelp")
    assert [h.id for h in r.hits] == [1] and r.hits[0].snippet == ""
    index.close()


def test_texts_reads_dek_and_body_from_the_database(tmp_path):
    db = dbmod.connect(tmp_path / "lib.db")
    dbschema.migrate(db)
    with db.conn:
        a = articles.insert(db, title="t", dek="Lead line", text="Body text", content_hash="h",
                            word_count=2)
        b = articles.insert(db, title="t", text="Only body", content_hash="h2", word_count=2)
    assert texts(db, [a, b, 99]) == {a: "Lead line\n\nBody text", b: "Only body"}
    assert texts(db, []) == {}
    db.conn.close()


@pytest.fixture
def world(tmp_path):
    index = SearchIndex(tmp_path / "i")
    index.update(articles=[
        ArticleDoc(id=1, title="Talks in Téhéran", text="Envoys met in Téhéran on Monday.",
                   outlet="Gulf Wire", published="2026-02-11", stamp="1"),
        ArticleDoc(id=2, title="Tehran reacts", text="Officials in Tehran said little. "
                   "A missile test and talks with Netanyahu were reported.",
                   outlet="Harbour News", published="2026-01-20", stamp="2"),
        ArticleDoc(id=3, title="Teheran archive", text="An old Teheran map.", stamp="3"),
    ], passages=[
        PassageDoc(id=7, article_id=1, quote="Envoys met", tags=["diplomacy"],
                   article_title="Talks in Téhéran", outlet="Gulf Wire",
                   published="2026-02-11", stamp="7"),
        PassageDoc(id=8, article_id=2, quote="Officials in Tehran said little",
                   article_title="Tehran reacts", outlet="Harbour News",
                   published="2026-01-20", stamp="8"),
    ])
    yield index
    index.close()


def found(index, q, **kw):
    return sorted(h.id for h in index.search(q, now=NOW, **kw).hits)


def test_an_accented_vowel_may_be_dropped_both_ways(world):
    assert found(world, "tehran") == [1, 2]          # Téhéran found by the English spelling
    assert found(world, "Téhéran") == [1, 2, 3]      # ...and the other way round
    assert found(world, "teheran") == [1, 3]         # plain folding: no vowel dropped
    assert found(world, '"in tehran"') == [1, 2]     # the variant sits at the word's position


def test_phrase_snippet_marks_the_phrase(world):
    hit = world.search('"officials in tehran"').hits[0]
    assert hit.id == 2
    frag = hit.fragments[0]
    assert [frag["text"][s:e] for s, e in frag["matches"]] == ["Officials in Tehran"]


def test_repeated_word_phrase(tmp_path):
    index = SearchIndex(tmp_path / "i")
    index.update(articles=[ArticleDoc(id=1, title="a", text="the drum drum roll"),
                           ArticleDoc(id=2, title="b", text="drum and drum")])
    assert found(index, '"drum drum"') == [1]
    assert found(index, '"drum drum roll"') == [1]
    assert found(index, '"drum roll drum"') == []
    index.close()


def test_did_you_mean_from_the_lexicon(world):
    assert world.suggest("misile") == "missile"
    assert world.suggest("Netanyahoo") == "Netanyahu"
    assert world.suggest("missile") is None
    assert world.suggest("missiles") is None           # another form of an indexed word
    assert world.search("misile test").suggestion == "missile test"


def test_passage_queries_on_article_fields(world):
    def pf(q):
        return sorted(h.passage_id for h in world.search(q, passages=True, now=NOW).hits)

    assert pf("outlet:gulf") == [7]
    assert pf("title:reacts") == [8]
    assert pf("published:2026-01") == [8]
    assert pf("envoys OR outlet:harbour") == [7, 8]
    assert pf("officials -outlet:harbour") == []
    assert pf("tag:diplomacy published:2026-02") == [7]
    assert pf("reacts") == [8]                          # default fields include the title
    r = world.search("*", passages=True, facets=True)
    assert r.facets["outlet"] == {"Gulf Wire": 1, "Harbour News": 1}
    assert r.facets["tag"] == {"diplomacy": 1}
    assert [h.passage_id for h in world.search("*", passages=True, sort="published").hits] == [8, 7]
