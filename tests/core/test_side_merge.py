"""Merges built beside the index (clipper.index.side_merge): the index lane builds a merge
on a helper thread while it goes on applying writes, then swaps it in with a short commit.

What must hold: documents changed or deleted between the snapshot and the swap stay
changed or deleted (never found twice, never resurrected); a merge whose sources were
merged or replaced meanwhile is dropped and changes nothing; a write made while a merge is
being built is searchable without waiting for it; a killed merge leaves nothing behind.
"""
from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from clipper import maintenance
from clipper.index import SearchIndex, engine, merging, side_merge
from clipper.index.documents import ArticleDoc

pytestmark = pytest.mark.skipif(not engine.FAST, reason="Whoosh's stock paths merge inside commits")


def _doc(i: int, title: str | None = None, stamp: str = "1") -> ArticleDoc:
    return ArticleDoc(id=i, title=title or f"note {i}", text="kelp forest", stamp=stamp)


def _single_doc_segments(tmp_path: Path, n: int, per_segment: int = 1) -> SearchIndex:
    index = SearchIndex(tmp_path / "i")
    index.defer_merges = True  # as in the lane: commits never merge
    for i in range(1, n + 1, per_segment):
        index.update(articles=[_doc(j) for j in range(i, min(n, i + per_segment - 1) + 1)])
    return index


def _found(index: SearchIndex, query: str = "kelp") -> list[int]:
    return sorted(index.article_ids(query))


def test_changes_between_snapshot_and_swap_survive_the_merge(tmp_path):
    index = _single_doc_segments(tmp_path, 20, per_segment=2)  # 10 segments of 2 documents
    index.update(articles=[_doc(2, "revised two", stamp="2")])  # before the snapshot
    plan = index.plan_merge(merging.INLINE_DOCS)
    assert plan is not None and plan.part == "articles" and len(plan.sources) == merging.FACTOR
    index.update(articles=[_doc(5, "revised five", stamp="2")], delete_articles=[3])  # after it
    index.build_merge(plan)
    assert plan.error is None and plan.merged is not None
    index.update(articles=[_doc(7, "revised seven", stamp="2")], delete_articles=[8])  # after the build
    before = len(index.segment_sizes()[0])
    assert index.swap_merge(plan)
    assert len(index.segment_sizes()[0]) == before - merging.FACTOR + 1
    assert _found(index) == [i for i in range(1, 21) if i not in (3, 8)]  # each once, none back
    for i, word in ((2, "two"), (5, "five"), (7, "seven")):
        assert _found(index, f"title:revised title:{word}") == [i]
        assert _found(index, f"title:note title:{i}") == []
    stamps, _ = index.stamps()
    assert stamps[5] == "2" and stamps[7] == "2" and 8 not in stamps
    assert not plan.scratch.exists()
    index.close()
    # and after reopening (the table of contents on disk says the same)
    again = SearchIndex(tmp_path / "i")
    assert _found(again) == [i for i in range(1, 21) if i not in (3, 8)]
    again.close()


def test_a_merge_whose_sources_are_gone_is_dropped(tmp_path):
    index = _single_doc_segments(tmp_path, 9)
    plan = index.plan_merge(merging.INLINE_DOCS)
    index.build_merge(plan)
    while index.merge_step(merging.INLINE_DOCS):  # someone else merged the same segments
        pass
    sizes = index.segment_sizes()
    assert not index.swap_merge(plan)
    assert index.segment_sizes() == sizes
    assert _found(index) == list(range(1, 10))
    assert not plan.scratch.exists()
    index.close()


def test_sources_with_nothing_left_are_dropped_without_a_build(tmp_path):
    index = _single_doc_segments(tmp_path, 10)
    for i in range(1, 9):
        index.update(articles=[_doc(i, stamp="2")])  # the old one-document segments: all deleted
    plan = index.plan_merge(merging.INLINE_DOCS)
    assert plan is not None
    index.build_merge(plan)
    assert plan.empty and not plan.scratch.exists()
    assert index.swap_merge(plan)
    assert _found(index) == list(range(1, 11))
    index.close()


def test_a_write_made_while_a_merge_is_built_is_searchable_at_once(lib, monkeypatch):
    from clipper_testkit import MISSILE_ARTICLE
    from clipper.importers.plaintext import parse_text

    release = threading.Event()
    started = threading.Event()
    real_build = side_merge.build

    def held_build(plan, ix):
        started.set()
        release.wait(30)
        real_build(plan, ix)

    monkeypatch.setattr(side_merge, "build", held_build)
    try:
        ids = []
        for i in range(merging.FACTOR + 1):  # one segment per write: a merge comes due
            art = parse_text(MISSILE_ARTICLE.replace("missiles", f"missiles zqv{i}x"), source=f"m{i}")
            ids.append(lib.articles.add(art).id)
            assert lib.search(f"zqv{i}x").total == 1
        assert started.wait(10), "no merge was started"
        for i in range(5):  # the merge is held: writes are still seen at once
            t = time.monotonic()
            lib.articles.edit(ids[i], title=f"Held merge {i} kwzz{i}y")
            assert lib.search(f"kwzz{i}y").total == 1
            assert time.monotonic() - t < 5
    finally:
        release.set()
    deadline = time.monotonic() + 30
    while len(lib.index.segment_sizes()[0]) >= merging.FACTOR and time.monotonic() < deadline:
        time.sleep(0.1)
    assert len(lib.index.segment_sizes()[0]) < merging.FACTOR  # the held merge went in
    lib.settle()
    assert maintenance.drift(lib).total == 0
    assert lib.search("missiles").total == len(ids)


def test_segments_are_read_again_when_a_commit_removed_the_table_of_contents(tmp_path, monkeypatch):
    """Between listing the latest table of contents and reading it, a commit elsewhere (the
    lane swapping a merge in) can remove it: the segments are read from the newer one (a
    test reading segment sizes while the lane swapped failed with FileNotFoundError)."""
    from clipper.index import whoosh_internals

    index = _single_doc_segments(tmp_path, 3)
    expected = index.segment_sizes()
    real = whoosh_internals.index_segments
    calls = []

    def raced(ix):
        calls.append(1)
        if len(calls) == 1:
            raise FileNotFoundError("_MAIN_15.toc")
        return real(ix)

    monkeypatch.setattr(whoosh_internals, "index_segments", raced)
    assert index.segment_sizes()[0] == expected[0] == [1, 1, 1]
    index.close()


def test_a_dead_processes_merge_folder_is_removed_at_open(lib_dir):
    from clipper.library import Library

    with Library.open(lib_dir):
        pass
    dead = lib_dir / "index" / ".merge-999999-0-articles"
    live = lib_dir / "index" / f".merge-{os.getpid()}-0-articles"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "MAIN_abc.seg").write_bytes(b"x" * 10)
    with Library.open(lib_dir):
        pass
    assert not dead.exists()
    assert live.exists()  # a merge of this very process may be at work in it


def test_libraries_that_live_for_one_write_still_merge(lib_dir):
    """A command-line process opens the library, writes once and exits: closing waits
    (bounded) for the merge it started, so segments do not pile up."""
    from clipper_testkit import MISSILE_ARTICLE
    from clipper.importers.plaintext import parse_text
    from clipper.library import Library

    most = 0
    for i in range(3 * merging.FACTOR):
        with Library.open(lib_dir) as lib:
            art = parse_text(MISSILE_ARTICLE.replace("missiles", f"missiles zqv{i}x"), source=f"m{i}")
            lib.articles.add(art)
            lib.settle()
        with Library.open(lib_dir) as lib:
            most = max(most, len(lib.index.segment_sizes()[0]))
    assert most <= merging.FACTOR + 1
    with Library.open(lib_dir) as lib:
        assert lib.search("missiles").total == 3 * merging.FACTOR
        assert not list((lib_dir / "index").glob(".merge-*"))


def test_a_cancelled_build_stops_its_process_and_leaves_nothing(tmp_path):
    index = _single_doc_segments(tmp_path, 9)
    plan = index.plan_merge(merging.INLINE_DOCS)
    plan.cancel.set()
    index.build_merge(plan)
    assert plan.error == "cancelled" and plan.merged is None
    assert not plan.scratch.exists()
    assert not index.swap_merge(plan)
    assert _found(index) == list(range(1, 10))
    index.close()


def test_a_failed_build_process_is_reported_and_changes_nothing(tmp_path):
    index = _single_doc_segments(tmp_path, 9)
    plan = index.plan_merge(merging.INLINE_DOCS)
    gone = tmp_path / "i" / "articles" / f"{plan.sources[0].segment_id()}.seg"
    gone.unlink()  # as if another process had merged it away and Whoosh had cleaned it
    index.build_merge(plan)
    assert plan.error and "merge process ended with 1" in plan.error
    assert not plan.scratch.exists()
    toc = sorted(p.name for p in (tmp_path / "i" / "articles").glob("_MAIN_*.toc"))
    assert not index.swap_merge(plan)
    assert sorted(p.name for p in (tmp_path / "i" / "articles").glob("_MAIN_*.toc")) == toc  # no commit


def test_a_merge_that_cannot_be_planned_never_fails_a_write(lib, monkeypatch):
    from clipper_testkit import MISSILE_ARTICLE
    from clipper.importers.plaintext import parse_text

    def broken(self, max_docs):
        raise RuntimeError("the table of contents vanished")

    monkeypatch.setattr(SearchIndex, "plan_merge", broken)
    for i in range(merging.FACTOR + 2):
        art = parse_text(MISSILE_ARTICLE.replace("missiles", f"missiles zqw{i}x"), source=f"m{i}")
        lib.articles.add(art)
        assert lib.search(f"zqw{i}x").total == 1
    assert not lib.index_warning and lib._lane.error is None


def test_a_build_no_longer_wanted_under_the_write_lock_changes_nothing(tmp_path):
    """The background indexer's batches are swapped in only while its parent (the holder
    of the lane lock) lives: the check runs under the write lock, and a "no" drops it."""
    index = _single_doc_segments(tmp_path, 9)
    plan = index.plan_merge(merging.INLINE_DOCS)
    index.build_merge(plan)
    sizes = index.segment_sizes()
    assert not side_merge.swap(plan, index._part_named(plan.part).ix, timeout=1.0, still_wanted=lambda: False)
    assert index.segment_sizes() == sizes
    assert _found(index) == list(range(1, 10))
    assert not plan.scratch.exists()
    index.close()
