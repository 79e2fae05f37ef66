"""Exact phrases answered in bulk (clipper.index.phrase): the same documents, counts and
ranking as a word-by-word reading, deleted documents left out, phrases per field."""
from __future__ import annotations

import pickle
import random
from datetime import datetime

import numpy as np
import pytest
from whoosh import fields, index
from whoosh import query as wq
from whoosh.analysis import RegexTokenizer
from whoosh.formats import Positions
from whoosh.system import pack_uint

from clipper.index import SearchIndex
from clipper.index import phrase as phrase_mod
from clipper.index.arraycache import ArrayCache
from clipper.index.codec import Values
from clipper.index.documents import ArticleDoc, PassageDoc
from clipper.index.phrase import decode_positions, phrase_counts
from clipper.index.query import ExactPhrase, _PhraseOr, parse
from clipper.index.schema import article_schema

NOW = datetime(2026, 2, 15, 12, 0)


# ------------------------------------------------------------- the bulk reading


def _encoded(positions: list[int], stop: bool = True) -> bytes:
    """A Positions value as Whoosh writes it (optionally without the pickle's STOP)."""
    value = Positions().encode(positions)
    return value if stop else value[:-1]


@pytest.mark.parametrize("positions", [
    [0], [7], [3, 4], [0, 1, 2, 250, 600],           # one-byte deltas
    [300], [300, 301, 302], [70000, 70001], [70000],   # a large first position
    [5, 300], [1, 70000, 70001], [300, 900],           # large later deltas
    list(range(0, 3000, 2)),                           # more than one pickle batch
    list(range(1000)), list(range(1001)),
])
@pytest.mark.parametrize("stop", [True, False])
def test_decode_positions_reads_every_encoding(positions, stop):
    values = [_encoded([9]), _encoded(positions, stop), _encoded([2, 40], stop)]
    doc, pos = decode_positions(values, Positions())
    got = {}
    for d, p in zip(doc.tolist(), pos.tolist()):
        got.setdefault(d, []).append(p)
    assert {d: sorted(ps) for d, ps in got.items()} == {0: [9], 1: positions, 2: [2, 40]}


def test_decode_positions_of_nothing():
    doc, pos = decode_positions([], Positions())
    assert doc.size == 0 and pos.size == 0


def test_decode_positions_falls_back_on_unexpected_bytes():
    # A value whose pickle is not the usual list of one-byte ints (a tuple here) is
    # decoded by the format itself.
    odd = pack_uint(2) + pickle.dumps((4, 1), 2)
    doc, pos = decode_positions([_encoded([1, 2]), odd], Positions())
    assert sorted(zip(doc.tolist(), pos.tolist())) == [(0, 1), (0, 2), (1, 4), (1, 5)]


def test_decode_keys_joins_document_numbers_and_positions_in_order():
    rng = random.Random(4)
    ids = np.array(sorted(rng.sample(range(1, 10**6), 60)), dtype=np.int64)
    lists = [sorted(rng.sample(range(0, rng.choice([50, 400, 80000])), rng.randint(1, 30)))
             for _ in ids]
    values = [_encoded(ps, stop=rng.random() < 0.8) for ps in lists]
    values[7] = pack_uint(2) + pickle.dumps((4, 1), 2)  # decoded by the slow path
    lists[7] = [4, 5]
    keys = phrase_mod.decode_keys(ids, Values.of(values), Positions())
    want = [(int(i) << 32) | p for i, ps in zip(ids, lists) for p in ps]
    assert keys.tolist() == want
    # A subset of the values, read in place from the same buffer.
    at = np.array([3, 7, 8, 59])
    sub = phrase_mod.decode_keys(ids[at], Values.of(values).take(at), Positions())
    assert sub.tolist() == [(int(ids[j]) << 32) | p for j in at.tolist() for p in lists[j]]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """A raw Whoosh index of word soups over a tiny vocabulary (so phrases repeat),
    some documents long enough for more than 1000 occurrences of a word, two segments
    and deleted documents."""
    rng = random.Random(5)
    schema = fields.Schema(id=fields.ID(stored=True, unique=True),
                           body=fields.TEXT(analyzer=RegexTokenizer(r"\w+")))
    ix = index.create_in(str(tmp_path_factory.mktemp("raw")), schema)
    vocab = ["ka", "lo", "mi", "nu", "pe"]
    docs = {}
    for part in range(2):
        with ix.writer() as w:
            for i in range(part * 600, part * 600 + 600):
                n = rng.choice([1, 2, 3, 9, 40, 2500]) if rng.random() < 0.2 \
                    else rng.randint(1, 25)
                words = [rng.choice(vocab[:rng.randint(1, 5)]) for _ in range(n)]
                docs[i] = words
                w.add_document(id=str(i), body=" ".join(words))
    deleted = set(rng.sample(sorted(docs), 80))
    with ix.writer() as w:
        w.merge = False
        for i in deleted:
            w.delete_by_term("id", str(i))
    for i in deleted:
        del docs[i]
    yield ix, docs
    ix.close()


def _brute(docs, phrase):
    k = len(phrase)
    out = {}
    for i, words in docs.items():
        c = sum(words[j:j + k] == phrase for j in range(len(words) - k + 1))
        if c:
            out[i] = c
    return out


@pytest.mark.parametrize("cached", [False, True])
@pytest.mark.parametrize("phrase", [
    ["ka", "lo"], ["lo", "ka"], ["ka", "ka"], ["ka", "ka", "ka"], ["mi", "nu", "pe"],
    ["ka", "lo", "mi", "nu"], ["pe", "pe", "ka", "lo"],
])
def test_phrase_counts_match_a_word_by_word_reading(corpus, phrase, cached, monkeypatch):
    # Frequent words' keys are cached on the reader: both ways give the same answer
    # (the second search reads the cache).
    monkeypatch.setattr(phrase_mod, "CACHE_MIN_POSITIONS", 0 if cached else 10**12)
    ix, docs = corpus
    for _ in range(2):
        assert _bulk(ix, phrase) == _brute(docs, phrase)
    assert _brute(docs, phrase)  # the phrase occurs: the check is not vacuous


def test_the_key_cache_keeps_to_its_budget():
    cache = ArrayCache(budget=1000)
    for i in range(10):
        cache.put(i, np.zeros(40, dtype=np.int64))  # 320 bytes each
    assert cache.used <= 1000 and list(cache.items) == [7, 8, 9]
    assert cache.get(7) is not None and list(cache.items) == [8, 9, 7]
    cache.put("big", np.zeros(100, dtype=np.int64))  # over half the budget: not kept
    assert cache.get("big") is None


def _bulk(ix, phrase):
    got = {}
    with ix.searcher() as s:
        assert len(s.leaf_searchers()) == 2 and s.reader().has_deletions()
        for sub, offset in s.leaf_searchers():
            found, counts = phrase_counts(sub.reader(), "body", [w.encode() for w in phrase])
            assert list(found) == sorted(found)
            for d, c in zip(found.tolist(), counts.tolist()):
                got[int(sub.stored_fields(d)["id"])] = c
    return got


def test_exact_phrase_finds_what_whoosh_phrase_finds(corpus):
    ix, _ = corpus
    with ix.searcher() as s:
        for words in (["ka", "lo"], ["lo", "mi", "ka"], ["nu", "nu"]):
            ours = s.search(ExactPhrase("body", words), limit=None)
            theirs = s.search(wq.Phrase("body", words), limit=None)
            assert {h.docnum for h in ours} == {h.docnum for h in theirs}
            assert len(ours) == len(theirs) > 0


# ------------------------------------------------------------- through the index


DOCS = [
    ArticleDoc(id=1, title="Harbour news", text="The mayor of the city spoke twice.",
               stamp="1"),
    ArticleDoc(id=2, title="Mayor city plan", text="Nothing to add here.", stamp="2"),
    ArticleDoc(id=3, title="Plans", text="The mayor city plan, the mayor city budget "
               "and the mayor city staff.", stamp="3"),
    ArticleDoc(id=4, title="Quotes only", text="Unrelated body words.",
               quotes=["the mayor city office"], stamp="4"),
    ArticleDoc(id=5, title="Notes only", text="More unrelated words.",
               notes=["ask the mayor city office"], stamp="5"),
    ArticleDoc(id=6, title="Accents", text="Les élections municipales à Montréal ont "
               "commencé; the elected mayors cities.", stamp="6"),
    ArticleDoc(id=7, title="Red river", text="A red river crossing, a red river dam.",
               tags=["red river"], stamp="7"),
]


@pytest.fixture(scope="module")
def ix(tmp_path_factory):
    idx = SearchIndex(tmp_path_factory.mktemp("p") / "index")
    idx.update(articles=DOCS, passages=[
        PassageDoc(id=40, article_id=4, quote="the mayor city office", stamp="40"),
        PassageDoc(id=50, article_id=5, quote="no phrase in this one",
                   note="ask the mayor city office", stamp="50"),
    ])
    yield idx
    idx.close()


def ids(idx, q, **kw):
    return [h.id for h in idx.search(q, now=NOW, limit=100, **kw).hits]


def test_nothing_is_skipped_inside_a_phrase(ix):
    assert 1 not in ids(ix, '"mayor city"')
    assert ids(ix, '"mayor of the city"') == [1]
    assert ids(ix, '"mayor the city"') == []


def test_phrase_in_every_default_field_and_ranked(ix):
    r = ix.search('"mayor city"', now=NOW)
    assert r.total == 5                                # 6: "mayors cities", stemmed
    # Three occurrences in the text beat one in the title (boost 2) beat one elsewhere.
    assert [h.id for h in r.hits][:2] == [3, 2]
    assert sorted(h.id for h in r.hits[2:]) == [4, 5, 6]
    assert [h.score for h in r.hits] == [3.0, 2.0, 1.0, 1.0, 1.0]


def test_phrase_with_field_prefixes(ix):
    assert ids(ix, 'title:"mayor city"') == [2]
    assert ids(ix, 'quote:"mayor city"') == [4]
    assert ids(ix, 'note:"mayor city"') == [5]
    assert sorted(ids(ix, 'text:"mayor city"')) == [3, 6]
    assert ids(ix, 'title:"city mayor"') == []


def test_longer_phrases_and_stemming(ix):
    assert sorted(ids(ix, '"mayor city plan"')) == [2, 3]
    assert ids(ix, '"the mayor city budget"') == [3]
    assert sorted(ids(ix, '"mayors cities"')) == [2, 3, 4, 5, 6]
    assert ids(ix, '"elected mayor"') == [6]           # stemmed on both sides
    assert ids(ix, '"elections municipales"') == [6]   # accents folded
    assert ids(ix, '"élections municipales a montreal"') == [6]


def test_phrase_inside_or_and_not(ix):
    assert sorted(ids(ix, '"mayor city" OR "red river"')) == [2, 3, 4, 5, 6, 7]
    assert sorted(ids(ix, '"mayor city" NOT plan')) == [4, 5, 6]
    assert sorted(ids(ix, '"mayor city" -"mayor city plan"')) == [4, 5, 6]
    assert ids(ix, 'body AND "mayor city"') == [4]
    assert sorted(ids(ix, '(title:"red river" OR quote:"mayor city") AND NOT notes')) == [4, 7]


def test_snippets_mark_the_words_of_the_matching_field(ix):
    hit = ix.search('"mayor city"', now=NOW, limit=1).hits[0]
    assert hit.id == 3 and "<b>mayor city</b>" in hit.snippet
    quote_hit = next(h for h in ix.search('"mayor city"', now=NOW).hits if h.id == 4)
    # Only the quote holds the phrase: its fragment comes from the quote.
    assert "<b>mayor city</b> office" in quote_hit.snippet


def test_snippets_mark_phrase_occurrences_not_their_words_apart(tmp_path):
    idx = SearchIndex(tmp_path / "i")
    text = ("In the spring the council met. " + "Nothing here. " * 30
            + "Ships were moored in the harbour, and the fees rose in the port.")
    idx.update(articles=[ArticleDoc(id=1, title="Fees", text=text, stamp="1")])
    [hit] = idx.search('"in the"', now=NOW).hits
    frag = hit.fragments[0]
    marked = [frag["text"][s:e] for s, e in frag["matches"]]
    assert marked and set(marked) == {"In the"}  # the first phrase, alone: not "the" after it
    html = idx.search('"in the harbour" ships', now=NOW).hits[0].snippet
    assert "<b>Ships</b> were moored <b>in the harbour</b>, and the fees rose in the port" in html
    # Overlapping occurrences ("fees fees" in "fees fees fees") are marked once each, apart.
    idx.update(articles=[ArticleDoc(id=2, title="x", text="Fees fees fees end.", stamp="2")])
    frag = idx.search('"fees fees"', now=NOW).hits[0].fragments[0]
    assert frag["matches"] == [[0, 9]]
    idx.close()


def test_passage_phrases(ix):
    def pids(q):
        return sorted(h.passage_id for h in ix.search(q, passages=True, now=NOW).hits)

    assert pids('"mayor city office"') == [40, 50]
    assert pids('quote:"mayor city"') == [40]
    assert pids('note:"mayor city"') == [50]
    assert pids('"city mayor"') == []


def test_default_field_phrases_are_grouped():
    q = parse('"mayor city" OR x', article_schema(), passages=False, now=NOW)
    assert isinstance(q, _PhraseOr)
    assert sum(isinstance(s, ExactPhrase) for s in q.subqueries) == 4


def test_deleted_and_replaced_documents_leave_the_phrase(tmp_path):
    idx = SearchIndex(tmp_path / "i")
    try:
        idx.update(articles=[ArticleDoc(id=i, title=f"t{i}", text="the red river flows",
                                        stamp=str(i)) for i in range(1, 6)])
        idx.update(articles=[ArticleDoc(id=6, title="t6", text="a red river", stamp="6")])
        assert idx.search('"red river"', now=NOW).total == 6
        idx.update(delete_articles=[2, 6])
        idx.update(articles=[ArticleDoc(id=3, title="t3", text="a blue river", stamp="x")])
        r = idx.search('"red river"', now=NOW, limit=100)
        assert r.total == 3 and sorted(h.id for h in r.hits) == [1, 4, 5]
        assert idx.search('"blue river"', now=NOW).total == 1
    finally:
        idx.close()


def test_a_phrase_on_a_field_without_positions_needs_every_word(tmp_path):
    # Tags keep no positions; '"a,b"' names two tags there (it used to raise).
    idx = SearchIndex(tmp_path / "i")
    try:
        idx.update(articles=[
            ArticleDoc(id=1, title="one", text="words", tags=["0", "x"], stamp="1"),
            ArticleDoc(id=2, title="two", text="words", tags=["0"], stamp="2"),
        ])
        assert ids(idx, '"0,x"') == [1]
        assert sorted(ids(idx, 'tag:"0,0"')) == [1, 2]
        assert ids(idx, '"0,y"') == []
    finally:
        idx.close()
