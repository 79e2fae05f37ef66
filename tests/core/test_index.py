"""SearchIndex: opening, damage and version recovery, updates, rebuild, results."""
from __future__ import annotations

import json
import threading
from datetime import datetime
from pathlib import Path

import pytest
from whoosh import index as windex

from clipper.errors import Cancelled, LibraryLocked, QueryError
from clipper.index import Hit, PassageHit, SearchIndex
from clipper.index.documents import ArticleDoc, PassageDoc
from clipper.index.schema import INDEX_SCHEMA_VERSION
from clipper.jobs import CancelToken, Progress, run_job

NOW = datetime(2026, 2, 15, 12, 0)

HARBOUR = ArticleDoc(
    id=1,
    title="Harbour council approves new sea wall",
    dek="Fishermen worry about the cost",
    text=("The mayor of the city said the sea wall would be finished before winter. "
          "Engineers from Rotterdam inspected the breakwaters on Tuesday."),
    outlet="Coastal Times", agency="Reuters", author="Ana Ferreira",
    url="https://www.coastal-times.example.com/harbour", language="en",
    published="2026-02-11T08:30:00+00:00", imported_at="2026-02-14T20:00:00Z",
    tags=["sea defences", "council"], quotes=["finished before winter"],
    notes=["follow up with the port authority"], passage_count=1, note_count=1,
    stamp="h1",
)
ORCHARD = ArticleDoc(
    id=2,
    title="Orchard growers count frost damage",
    text="Growers near Grenoble lost most blossoms. The mayor city grant arrives in spring.",
    outlet="Alpine Post", agency="AFP", url="https://alpine.example.org/frost",
    language="fr", published="2026-01-03", imported_at="2026-01-04T09:00:00",
    tags=["agriculture"], orphan_count=1, stamp="o1",
)
PASSAGE = PassageDoc(
    id=10, article_id=1, quote="finished before winter", tags=["sea defences"],
    note="follow up with the port authority", article_title=HARBOUR.title,
    outlet="Coastal Times", published=HARBOUR.published, stamp="p10",
)
ORPHAN = PassageDoc(
    id=11, article_id=2, quote="lost most blossoms", status="orphaned",
    article_title=ORCHARD.title, outlet="Alpine Post", published=ORCHARD.published,
    stamp="p11",
)


@pytest.fixture
def ix(tmp_path):
    index = SearchIndex(tmp_path / "index", writer_timeout=0.5)
    index.update(articles=[HARBOUR, ORCHARD], passages=[PASSAGE, ORPHAN])
    yield index
    index.close()


def ids(result):
    return [h.id for h in result.hits]


def test_new_folder_is_created_empty_and_asks_for_rebuild(tmp_path):
    index = SearchIndex(tmp_path / "fresh")
    assert index.needs_rebuild
    assert index.search("anything").total == 0
    index.close()
    again = SearchIndex(tmp_path / "fresh")
    assert not again.needs_rebuild
    again.close()


def test_schema_version_change_recreates_empty(tmp_path, ix):
    ix.close()
    meta = tmp_path / "index" / "clipper-index.json"
    meta.write_text(json.dumps({"schema_version": INDEX_SCHEMA_VERSION + 1}))
    reopened = SearchIndex(tmp_path / "index")
    assert reopened.needs_rebuild
    assert reopened.search("*").total == 0
    reopened.close()


def test_damaged_index_is_recreated(tmp_path, ix):
    ix.close()
    for f in (tmp_path / "index" / "articles").iterdir():
        if f.suffix in (".seg", ".toc") or f.name.endswith(".toc"):
            f.write_bytes(b"\0garbage")
    reopened = SearchIndex(tmp_path / "index")
    assert reopened.needs_rebuild
    assert reopened.search("mayor").total == 0
    reopened.close()


def test_stale_lock_file_does_not_block(tmp_path, ix):
    # A WRITELOCK file left by a killed process holds no fcntl lock.
    (tmp_path / "index" / "articles" / "WRITELOCK").write_text("")
    ix.update(articles=[ArticleDoc(id=3, title="Lighthouse keeper retires", text="x")])
    assert ids(ix.search("lighthouse")) == [3]


def test_held_lock_times_out_with_library_locked(tmp_path, ix):
    other = windex.open_dir(str(tmp_path / "index" / "articles"))
    w = other.writer()
    try:
        with pytest.raises(LibraryLocked, match="written by someone else"):
            ix.update(articles=[ArticleDoc(id=4, title="blocked", text="")])
    finally:
        w.cancel()
        other.close()
    ix.update(articles=[ArticleDoc(id=4, title="unblocked now", text="")])
    assert ids(ix.search("unblocked")) == [4]


def test_failed_update_leaves_no_lock(ix):
    bad = ArticleDoc(id=5, title="ok", text="", published=None)
    bad.id = "not a number"
    with pytest.raises(Exception):
        ix.update(articles=[bad])
    ix.update(articles=[ArticleDoc(id=5, title="recovered fine", text="")])
    assert ids(ix.search("recovered")) == [5]


def test_two_objects_on_one_folder(tmp_path, ix):
    second = SearchIndex(tmp_path / "index", writer_timeout=5)
    errors = []

    def write(index, base):
        try:
            for i in range(5):
                index.update(articles=[ArticleDoc(id=base + i, title=f"gull {base}", text="")])
        except Exception as exc:  # pragma: no cover - reported below  # noqa: BLE001 - the test records any failure
            errors.append(exc)

    t = threading.Thread(target=write, args=(second, 100))
    t.start()
    write(ix, 200)
    t.join()
    assert not errors
    ix.update(articles=[ArticleDoc(id=300, title="tern", text="")])  # refreshes
    assert ix.search("gull", limit=50).total == 10
    second.close()


def test_update_replaces_and_deletes(ix):
    changed = ArticleDoc(id=2, title="Orchard growers plant again", text="New trees.",
                         stamp="o2")
    ix.update(articles=[changed])
    assert ids(ix.search("frost")) == []
    assert ids(ix.search("plant")) == [2]
    assert ix.stamps()[0][2] == "o2"
    ix.update(delete_articles=[1])
    assert ix.search("harbour").total == 0
    # The article's passages go too.
    assert 10 not in ix.stamps()[1]
    assert 11 in ix.stamps()[1]
    ix.update(delete_passages=[11])
    assert ix.stamps()[1] == {}


def test_stamps(ix):
    assert ix.stamps() == ({1: "h1", 2: "o1"}, {10: "p10", 11: "p11"})


def test_hit_fields_and_snippet(ix):
    r = ix.search("breakwaters", now=NOW)
    assert r.total == 1
    hit = r.hits[0]
    assert isinstance(hit, Hit)
    assert (hit.id, hit.title, hit.outlet) == (1, HARBOUR.title, "Coastal Times")
    assert hit.published.startswith("2026-02-11T08:30")
    assert "<b>breakwaters</b>" in hit.snippet
    frag = hit.fragments[0]
    s, e = frag["matches"][0]
    assert frag["text"][s:e] == "breakwaters"
    assert hit.to_dict()["id"] == 1


def test_snippet_escapes_html(tmp_path):
    index = SearchIndex(tmp_path / "i")
    index.update(articles=[ArticleDoc(id=1, title="t", text="a <script>x</script> & kelp")])
    hit = index.search("kelp").hits[0]
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "&amp;" in hit.snippet
    assert hit.snippet.endswith("<b>kelp</b>")
    index.close()


def test_snippet_reaches_far_into_long_articles(tmp_path):
    index = SearchIndex(tmp_path / "i")
    text = "filler words here. " * 4000 + "the walrus appeared."
    assert len(text) > 70_000
    index.update(articles=[ArticleDoc(id=1, title="t", text=text)])
    hit = index.search("walrus").hits[0]
    assert "<b>walrus</b>" in hit.snippet
    index.close()


def test_snippets_off(ix):
    hit = ix.search("breakwaters", snippets=False).hits[0]
    assert hit.snippet == "" and hit.fragments == []


def test_paging_and_sorting(tmp_path):
    index = SearchIndex(tmp_path / "i")
    docs = [ArticleDoc(id=i, title=f"{t} report", text="kelp", published=p)
            for i, t, p in [(1, "beta", "2026-01-05"), (2, "alpha", "2026-03-01"),
                            (3, "gamma", "2025-12-31"), (4, "Delta", "2026-03-01")]]
    index.update(articles=docs)
    assert ids(index.search("kelp", sort="published")) == [3, 1, 2, 4]
    assert ids(index.search("kelp", sort="-published")) == [4, 2, 1, 3]
    assert ids(index.search("kelp", sort="title")) == [2, 1, 4, 3]
    assert ids(index.search("kelp", sort="-title")) == [3, 4, 1, 2]
    page = index.search("kelp", sort="published", limit=2, offset=1)
    assert ids(page) == [1, 2] and page.total == 4
    assert ids(index.search("")) == [4, 2, 1, 3]
    assert ids(index.search("*", sort="title")) == [2, 1, 4, 3]
    with pytest.raises(QueryError, match="unknown sort"):
        index.search("kelp", sort="size")
    index.close()


def test_facets_count_whole_result_set(tmp_path):
    index = SearchIndex(tmp_path / "i")
    docs = [ArticleDoc(id=i, title="kelp", text="", outlet=f"O{i % 2}",
                       agency="AP" if i < 3 else "", tags=["Sea Life"] if i % 3 else [],
                       published=f"2026-0{1 + i % 2}-10") for i in range(1, 8)]
    index.update(articles=docs)
    r = index.search("kelp", limit=2, facets=True)
    assert len(r.hits) == 2 and r.total == 7
    assert r.facets["outlet"] == {"O1": 4, "O0": 3}
    assert r.facets["agency"] == {"AP": 2}
    assert r.facets["tag"] == {"sea life": 5}
    assert r.facets["month"] == {"2026-02": 4, "2026-01": 3}
    assert index.search("kelp").facets is None
    index.close()


def test_passage_search(ix):
    r = ix.search("winter", passages=True)
    assert r.total == 1
    hit = r.hits[0]
    assert isinstance(hit, PassageHit)
    assert (hit.passage_id, hit.article_id) == (10, 1)
    assert hit.tags == ["sea defences"] and hit.note.startswith("follow up")
    assert "<b>winter</b>" in hit.snippet
    assert [h.passage_id for h in ix.search("is:orphaned", passages=True).hits] == [11]
    assert [h.passage_id for h in ix.search("title:orchard", passages=True).hits] == [11]
    assert ix.search("authority", passages=True).hits[0].passage_id == 10


def test_article_search_reaches_notes_and_quotes(ix):
    assert ids(ix.search("authority")) == [1]
    assert ids(ix.search("note:port")) == [1]
    assert ids(ix.search("quote:winter")) == [1]


def test_article_ids(ix):
    assert ix.article_ids("mayor") == [1, 2]
    assert ix.article_ids("published:2026-01", now=NOW) == [2]


def test_suggestion(ix):
    r = ix.search("breakwatters")
    assert r.total == 0
    assert r.suggestion == "breakwaters"
    assert ix.suggest("title:harbor AND enginers") == "title:harbour AND engineers"
    assert ix.suggest("mayor") is None
    assert ix.search("mayor").suggestion is None


def test_suggestion_reads_every_segment(tmp_path):
    """Did-you-mean reads each segment's lexicon (the small segments edits leave during an
    import): a word only one segment of many holds is suggested, one only a deleted
    document held is not."""
    index = SearchIndex(tmp_path / "index", writer_timeout=0.5)
    try:
        index.defer_merges = True  # one segment per commit
        for i in range(12):
            index.update(articles=[HARBOUR if i == 7 else ArticleDoc(
                id=100 + i, title=f"Orchard growers count frost damage {i}", text="The mayor met growers.",
                stamp=f"g{i}")])
        index.update(articles=[ArticleDoc(id=300, title="Lighthouse keepers", text="Keepers painted it.",
                                          stamp="k")])
        index.update(delete_articles=[300])
        assert len(index.segment_sizes()[0]) >= 12
        assert index.search("breakwatters").suggestion == "breakwaters"
        assert index.suggest("title:harbor AND enginers") == "title:harbour AND engineers"
        assert index.suggest("lighthouse") is None  # (only in a deleted document)
        assert index.suggest("lighthuose") is None
        assert index.suggest("growrs") == "growers"
    finally:
        index.close()


def test_suggestion_skips_deleted_words(ix):
    ix.update(delete_articles=[1])
    assert ix.suggest("breakwatters") is None


def test_rebuild_swaps_in_new_index(tmp_path, ix):
    seen = []
    job = ix.rebuild([ORCHARD, ArticleDoc(id=9, title="Ferry timetable", text="")],
                     [ORPHAN], total=2)
    run_job(job, seen.append)
    assert seen and all(isinstance(p, Progress) for p in seen)
    assert seen[-1].done == 2
    assert ix.search("harbour").total == 0
    assert ids(ix.search("ferry")) == [9]
    assert ix.stamps()[1] == {11: "p11"}
    assert not ix.needs_rebuild
    assert [p.name for p in tmp_path.iterdir()] == ["index"]


def test_cancelled_rebuild_keeps_old_index(tmp_path, ix):
    token = CancelToken()

    def docs():
        yield ArticleDoc(id=50, title="Ferry", text="")
        token.cancel()
        for i in range(51, 200):
            yield ArticleDoc(id=i, title="Ferry", text="")

    with pytest.raises(Cancelled):
        run_job(ix.rebuild(docs(), [], cancel=token))
    assert ids(ix.search("breakwaters")) == [1]
    assert ix.search("ferry").total == 0
    assert [p.name for p in tmp_path.iterdir()] == ["index"]


def test_failed_rebuild_keeps_old_index(tmp_path, ix):
    def docs():
        yield ArticleDoc(id=50, title="Ferry", text="")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        run_job(ix.rebuild(docs(), []))
    assert ids(ix.search("breakwaters")) == [1]
    assert [p.name for p in tmp_path.iterdir()] == ["index"]


def test_rebuild_with_two_processes(tmp_path):
    index = SearchIndex(tmp_path / "i", procs=2)
    docs = [ArticleDoc(id=i, title=f"buoy {i}", text="tide " * 50) for i in range(1, 301)]
    run_job(index.rebuild(iter(docs), []))
    assert index.search("buoy").total == 300
    assert len(index.stamps()[0]) == 300
    index.close()


def test_add_bulk_replaces_existing(tmp_path):
    index = SearchIndex(tmp_path / "i", procs=2)
    index.update(articles=[ArticleDoc(id=1, title="old title", text="")])
    docs = [ArticleDoc(id=i, title=f"anchor {i}", text="chain " * 20) for i in range(1, 1201)]
    index.add_bulk(docs, [PassageDoc(id=1, article_id=1, quote="chain chain")])
    assert index.search("anchor").total == 1200
    assert index.search("old").total == 0
    assert index.search("chain", passages=True).total == 1
    index.close()


def test_closed_index_raises_clipper_error(tmp_path):
    index = SearchIndex(tmp_path / "i")
    index.close()
    from clipper.errors import ClipperError
    with pytest.raises(ClipperError):
        index.search("x")


def test_index_path_survives(tmp_path, ix):
    ix.close()
    reopened = SearchIndex(tmp_path / "index")
    assert not reopened.needs_rebuild
    assert ids(reopened.search("breakwaters")) == [1]
    reopened.close()
    assert isinstance(tmp_path, Path)


def test_refresh_picks_up_another_objects_commits(tmp_path, ix):
    other = SearchIndex(tmp_path / "index", writer_timeout=0.5)
    try:
        other.update(articles=[ArticleDoc(id=7, title="Lighthouse keeper retires",
                                          text="", stamp="l7")],
                     delete_passages=[10])
        assert ix.search("lighthouse").total == 0  # not seen before a refresh
        ix.refresh()
        assert ids(ix.search("lighthouse")) == [7]
        assert ix.stamps()[0][7] == "l7"
        assert 10 not in ix.stamps()[1]
        ix.refresh()  # nothing new: still the same answers
        assert ids(ix.search("lighthouse")) == [7]
    finally:
        other.close()


def test_stamps_of_empty_parts(tmp_path):
    index = SearchIndex(tmp_path / "e")
    try:
        assert index.stamps() == ({}, {})
        index.update(passages=[PASSAGE])
        assert index.stamps() == ({}, {10: "p10"})
        index.update(articles=[HARBOUR], delete_passages=[10])
        assert index.stamps() == ({1: "h1"}, {})
        index.update(delete_articles=[1])
        assert index.stamps() == ({}, {})
    finally:
        index.close()


def _word_corpus():
    """Articles whose words come from a small made-up vocabulary, so the expected
    matches of a prefix can be worked out from the words alone."""
    import random
    rng = random.Random(5)
    heads = ["ka", "zu", "mo"]
    vocab = [h + a + b + "o" for h in heads for a in "bdfgkmp" for b in "rtn"]
    docs, words_of = [], {}
    for i in range(1, 121):
        title = [rng.choice(vocab) for _ in range(rng.randint(0, 3))]
        text = [rng.choice(vocab) for _ in range(rng.randint(0, 30))]
        docs.append(ArticleDoc(id=i, title=" ".join(title) or "plain",
                               text=" ".join(text)))
        words_of[i] = set(title) | set(text)
    return docs, words_of


@pytest.mark.parametrize("limit", [1, 3, 20])
@pytest.mark.parametrize("snippets", [True, False])
def test_totals_exact_for_broad_prefixes(tmp_path, limit, snippets):
    # Once the top N is full, Whoosh's collector used to turn unions into intersections
    # and the total then missed the documents matching only one side.
    docs, words_of = _word_corpus()
    index = SearchIndex(tmp_path / "i")
    index.update(articles=docs)

    def has(i, head):
        return any(w.startswith(head) for w in words_of[i])

    everyone = set(words_of)
    expected = {
        "ka*": {i for i in everyone if has(i, "ka")},
        "ka* OR zu*": {i for i in everyone if has(i, "ka") or has(i, "zu")},
        "ka* zu*": {i for i in everyone if has(i, "ka") and has(i, "zu")},
        "ka* NOT zu*": {i for i in everyone if has(i, "ka") and not has(i, "zu")},
        "(ka* OR mo*) -zu*": {i for i in everyone
                              if (has(i, "ka") or has(i, "mo")) and not has(i, "zu")},
        "kab* OR zum* OR mop*": {i for i in everyone
                                 if has(i, "kab") or has(i, "zum") or has(i, "mop")},
    }
    for q, want in expected.items():
        assert 0 < len(want) < len(everyone), q
        r = index.search(q, limit=limit, snippets=snippets)
        assert r.total == len(want), q
        full = index.search(q, limit=len(everyone), snippets=snippets)
        assert set(ids(full)) == want, q
        assert set(ids(r)) <= want and len(r.hits) == min(limit, len(want)), q
    index.close()


def _marked(hit) -> list[str]:
    return [f["text"][s:e].lower() for f in hit.fragments for s, e in f["matches"]]


def test_snippets_mark_expanded_prefix_and_fuzzy_words_only_positive_ones(tmp_path):
    index = SearchIndex(tmp_path / "i")
    index.update(articles=[
        ArticleDoc(id=1, title="Shore", text="The walrus and the walruses rested on the shore "
                                              "while gulls circled the reef."),
        ArticleDoc(id=2, title="Cliffs", text="Gulls nested on the cliffs; no walrus was seen."),
    ])
    hit = index.search("walr*").hits[0]
    assert set(_marked(hit)) == {"walrus", "walruses"}
    # A NOT word never marks, even in a document that matched through another word.
    r = index.search("gulls -reef")
    assert [h.id for h in r.hits] == [2]
    assert _marked(r.hits[0]) == ["gulls"]
    r = index.search("(gulls OR shore) -cliffs")
    assert set(_marked(r.hits[0])) == {"gulls", "shore"}
    # Fuzzy: the expanded word that is in the text is marked.
    assert "walrus" in _marked(index.search("walrys~").hits[0])
    # A field-only match marks nothing in the body: the lead is shown.
    hit = index.search("title:cliffs").hits[0]
    assert hit.fragments and _marked(hit) == []
    index.close()
