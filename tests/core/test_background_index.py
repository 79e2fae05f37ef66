"""Big imports are indexed by a second process while storing goes on.

What must hold: everything imported is searchable when the import returns; an article
created then edited during the import is indexed edited; a failed or killed indexing
process never loses an article for good (the drift marker stays, the next open repairs);
a child whose parent goes away commits nothing and frees the write lock.
"""
from __future__ import annotations

import pytest

from clipper import importing, index_lane, maintenance
from clipper import library as library_mod
from clipper.index import searchindex
from clipper.index.background import BackgroundIndexer, BackgroundIndexError
from clipper.jobs import run_job
from clipper.library import Library
from clipper.models import ArticleDraft
from clipper.storage import changelog

TOPICS = ["harbour", "lantern", "orchard", "glacier", "railway", "vineyard", "monsoon"]


def _write_articles(folder, n):
    folder.mkdir()
    for i in range(n):
        topic = TOPICS[i % len(TOPICS)]
        (folder / f"{i:03d}.txt").write_text(
            f"Story {i} about the {topic}\n\n"
            f"Reporters followed the {topic} question number {i} for a week.\n\n"
            f"Officials said item{i} would be discussed again at the next council meeting.\n",
            encoding="utf-8")


@pytest.fixture
def small_batches(monkeypatch):
    monkeypatch.setattr(library_mod, "BACKGROUND_BATCH", 5)


@pytest.fixture
def spy_background(monkeypatch):
    started = []
    original = searchindex.SearchIndex.background_indexer

    def spy(self):
        bg = original(self)
        started.append(bg)
        return bg

    monkeypatch.setattr(searchindex.SearchIndex, "background_indexer", spy)
    return started


def test_big_import_is_indexed_in_the_background_and_searchable_at_once(
        tmp_path, lib, small_batches, spy_background):
    _write_articles(tmp_path / "in", 23)
    report = run_job(importing.import_sources(lib, [str(tmp_path / "in")]))
    assert len(report.imported) == 23
    assert len(spy_background) == 1
    assert spy_background[0].committed == 23
    assert lib.search("lantern").total == 4  # items 1, 8, 15, 22
    assert lib.search("item17").total == 1
    assert not lib.dirty_marker.exists()
    assert maintenance.drift(lib).total == 0
    # A second Library (another process's view) sees the same index.
    other = Library.open(lib.folder)
    try:
        assert other.search("harbour").total == 4
    finally:
        other.close()


def test_small_import_stays_in_process(tmp_path, lib, spy_background):
    _write_articles(tmp_path / "in", 3)
    report = run_job(importing.import_sources(lib, [str(tmp_path / "in")]))
    assert len(report.imported) == 3
    assert spy_background == []
    assert lib.search("orchard").total == 1
    assert not lib.dirty_marker.exists()


def test_article_created_then_edited_in_one_deferred_block_is_indexed_edited(
        lib, small_batches, spy_background):
    with lib.deferred_index(background=True, expected=12):
        ids = [lib.articles.add(ArticleDraft(title=f"Note {i}", text=f"plain words number{i}")).id
               for i in range(12)]
        lib.maybe_flush_index()
        lib.articles.edit(ids[3], text="rewritten about a glacier")
        lib.articles.delete(ids[7])
    assert spy_background
    assert lib.search("glacier").total == 1
    assert lib.search("number3").total == 0
    assert lib.search("number7").total == 0
    assert lib.search("number8").total == 1
    assert maintenance.drift(lib).total == 0
    assert not lib.dirty_marker.exists()


def test_a_failing_indexer_is_replaced_by_indexing_here(tmp_path, lib_dir, small_batches, monkeypatch):
    def broken(self):
        # A child pointed at a folder that is not an index: it fails on its first batch.
        return BackgroundIndexer(tmp_path / "not-an-index", writer_timeout=1.0)

    monkeypatch.setattr(searchindex.SearchIndex, "background_indexer", broken)
    _write_articles(tmp_path / "in", 17)
    with Library.open(lib_dir) as lib:
        report = run_job(importing.import_sources(lib, [str(tmp_path / "in")]))
        assert len(report.imported) == 17
        assert "repaired" in lib.index_warning
        assert lib.search("railway").total == len([i for i in range(17) if i % 7 == 4])
        assert maintenance.drift(lib).total == 0


def test_when_indexing_fails_altogether_the_log_keeps_it_for_the_next_open(
        tmp_path, lib_dir, small_batches, monkeypatch):
    def broken(self):
        return BackgroundIndexer(tmp_path / "not-an-index", writer_timeout=1.0)

    def replay_fails(*args, **kwargs):
        raise OSError("disk busy")
        yield  # a job

    monkeypatch.setattr(searchindex.SearchIndex, "background_indexer", broken)
    monkeypatch.setattr(index_lane, "replay", replay_fails)
    _write_articles(tmp_path / "in", 17)
    with Library.open(lib_dir) as lib:
        report = run_job(importing.import_sources(lib, [str(tmp_path / "in")]))
        assert len(report.imported) == 17  # the database has everything
        assert lib.index_warning and "repaired on next start" in lib.index_warning
        assert lib.index.applied_seq < changelog.max_seq(lib.db)  # the watermark stayed behind
    monkeypatch.undo()
    with Library.open(lib_dir) as lib:  # replays the log
        assert lib.index.applied_seq == changelog.max_seq(lib.db)
        assert lib.search("railway").total == len([i for i in range(17) if i % 7 == 4])
        assert maintenance.drift(lib).total == 0


def test_a_killed_indexer_is_reported_not_hung(tmp_path, lib, small_batches, monkeypatch):
    original = searchindex.SearchIndex.background_indexer

    def killed_after_start(self):
        bg = original(self)
        bg._proc.kill()
        return bg

    monkeypatch.setattr(searchindex.SearchIndex, "background_indexer", killed_after_start)
    _write_articles(tmp_path / "in", 12)
    report = run_job(importing.import_sources(lib, [str(tmp_path / "in")]))
    assert len(report.imported) == 12
    # Repaired from the database before the import returned.
    assert "repaired" in lib.index_warning
    assert not lib.dirty_marker.exists()
    assert lib.search("vineyard").total == 1  # item 5
    assert maintenance.drift(lib).total == 0


def test_indexer_stopped_before_finish_commits_nothing_and_frees_the_lock(lib):
    from whoosh import index as windex

    bg = lib.index.background_indexer()
    bg.add([{"key": "999", "id": 999, "title": "orphan", "text": "never committed",
             "stamp": b"x"}])
    bg.wait_until_behind(0)  # the child has it in its writer
    bg.abort()
    with pytest.raises(BackgroundIndexError):
        bg.add([{"key": "1000", "id": 1000}])
    lib.index.refresh()
    assert lib.search("orphan").total == 0
    ix = windex.open_dir(str(lib.index_path / "articles"))
    w = ix.writer(timeout=2.0)  # the lock is free
    w.cancel()
