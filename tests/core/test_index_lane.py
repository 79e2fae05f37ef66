"""The write lane and the index lane (issue: instant writes at any size).

What must hold: a write's change-log rows commit with it (and roll back with it); a write
never waits for the index; a search sees the writes its Library made; the index can never
silently fall behind (a missed change is replayed on the next open, an index of unknown
state is compared with the database); two writers cannot leave an older version in the
index; merges converge (each document rewritten a bounded number of times); the URL
duplicate lookup uses an index.
"""
from __future__ import annotations

import math
import signal
import threading
import time
from contextlib import contextmanager

import pytest

from clipper_testkit import BUDGET_ARTICLE, FESTIVAL_ARTICLE, MISSILE_ARTICLE
from clipper import index_lane, maintenance
from clipper.importers.plaintext import parse_text
from clipper.index import SearchIndex, engine, merging
from clipper.index.documents import ArticleDoc
from clipper.index_lane import LaneLock
from clipper.jobs import run_job
from clipper.library import Library
from clipper.storage import changelog


def _add(lib, text=MISSILE_ARTICLE, source="m"):
    return lib.articles.add(parse_text(text, source=source)).id


def _search_equals_database(lib) -> None:
    assert maintenance.drift(lib).total == 0
    assert lib.index.applied_seq == changelog.max_seq(lib.db)


# ---------------------------------------------------------------- the log


def test_each_write_logs_what_it_touched_in_its_own_transaction(lib):
    aid = _add(lib)
    pid = lib.passages.add(aid, quote="two missiles", tags=["arms"]).id
    rows = lib.db.execute("SELECT kind, op, ref FROM changelog ORDER BY seq").fetchall()
    assert ("article", "create", aid) in rows
    assert ("passage", "update", pid) in rows
    before = changelog.max_seq(lib.db)
    with pytest.raises(RuntimeError):
        with lib.write() as changes:
            lib.articles.edit(aid, title="Changed then rolled back")
            changes.articles.add(aid)
            raise RuntimeError("rolled back")
    assert changelog.max_seq(lib.db) == before  # no log row without its change
    lib.articles.delete(aid)
    assert ("article", "delete", aid) in lib.db.execute(
        "SELECT kind, op, ref FROM changelog").fetchall()


def test_search_sees_every_write_of_its_library(lib):
    aid = _add(lib)
    for i in range(15):
        lib.passages.add(aid, quote="routine exercise", note=f"zorblatt{i} check")
        assert lib.search(f"zorblatt{i}").total == 1
    lib.articles.edit(aid, title="Quintessa drills resume")
    assert [h.id for h in lib.search("quintessa").hits] == [aid]
    lib.articles.delete(aid)
    assert lib.search("quintessa").total == 0  # a deleted thing never shows stale
    _search_equals_database(lib)


def test_a_write_while_another_holds_the_index_returns_at_once_and_is_indexed_later(lib):
    aid = _add(lib)
    assert lib.wait_for_index()
    other = LaneLock(lib.folder)  # as a bulk import in another process would
    assert other.acquire(timeout=5)
    try:
        started = time.perf_counter()
        lib.passages.add(aid, quote="two missiles", note="plumbrick")
        assert time.perf_counter() - started < 0.5
        assert not lib.wait_for_index(timeout=0.3)  # not yet: the index is someone else's
        assert lib.index.search("plumbrick").total == 0
    finally:
        other.release()
    assert lib.search("plumbrick").total == 1  # the lane got the lock and applied it


def test_a_failed_index_update_is_retried_and_replayed_on_next_open(lib_dir, monkeypatch):
    with Library.open(lib_dir) as lib:
        aid = _add(lib)
        assert lib.wait_for_index()
        monkeypatch.setattr(SearchIndex, "update", lambda self, **kw: (_ for _ in ()).throw(OSError("full")))
        lib.articles.edit(aid, title="Lumbertoft rename")
        assert lib.search("lumbertoft").total == 0 and "repaired on next start" in lib.index_warning
        monkeypatch.undo()
    with Library.open(lib_dir) as lib:
        assert [h.id for h in lib.search("lumbertoft").hits] == [aid]
        _search_equals_database(lib)


def test_a_passing_failure_of_the_index_is_retried_before_a_search_gives_up(lib, monkeypatch):
    """A race with another process's commit (a table of contents replaced under the lane)
    fails one round: the lane tries again at once, and the search still sees the write."""
    aid = _add(lib)
    assert lib.wait_for_index()
    real = SearchIndex.update
    failures = []

    def once(self, **kw):
        if not failures:
            failures.append(1)
            raise FileNotFoundError("_MAIN_7.toc")
        return real(self, **kw)

    monkeypatch.setattr(SearchIndex, "update", once)
    lib.articles.edit(aid, title="Quillfeather rename")
    assert [h.id for h in lib.search("quillfeather").hits] == [aid]
    assert failures and not lib.index_warning


# ---------------------------------------------------------------- never silently behind


def test_a_write_whose_process_dies_before_indexing_is_replayed_on_next_open(lib_dir, monkeypatch):
    with Library.open(lib_dir) as lib:
        aid = _add(lib)
        assert lib.wait_for_index()
    # The process "dies" right after COMMIT: its lane never runs.
    monkeypatch.setattr(Library, "_notify_lane", lambda self, seq=None: None)
    lib = Library.open(lib_dir)
    lib.articles.edit(aid, title="Vantablue summit")
    lib.articles.delete(_add(lib, BUDGET_ARTICLE, "b"))
    lib.db.conn.close()  # no close(): nothing else runs
    monkeypatch.undo()
    with Library.open(lib_dir) as lib:
        assert [h.id for h in lib.search("vantablue").hits] == [aid]
        assert lib.search("council").total == 0
        _search_equals_database(lib)


@pytest.mark.parametrize("state", ["missing", "damaged", "old-schema", "no-watermark"])
def test_check_without_repair_never_blesses_an_empty_index(lib_dir, run_cli, state):
    with Library.open(lib_dir) as lib:
        ids = [_add(lib, t, str(i)) for i, t in enumerate((MISSILE_ARTICLE, BUDGET_ARTICLE, FESTIVAL_ARTICLE))]
        assert lib.wait_for_index()
    index = lib_dir / "index"
    if state == "missing":
        import shutil

        shutil.rmtree(index)
    elif state == "damaged":
        (index / "clipper-index.json").write_text("{not json", "utf-8")
    elif state == "old-schema":
        (index / "clipper-index.json").write_text('{"schema_version": 1}', "utf-8")
    else:
        (index / "lane.json").unlink()
    code, out, err = run_cli("check")
    assert code == (0 if state == "no-watermark" else 1), out + err
    with Library.open(lib_dir) as lib:  # the next open catches up
        assert sorted(h.id for h in lib.search("*", limit=10).hits) == sorted(ids)
        _search_equals_database(lib)


def test_a_rebuild_stopped_half_way_is_finished_by_the_next_open(lib_dir):
    with Library.open(lib_dir) as lib:
        ids = [_add(lib, t, str(i)) for i, t in enumerate((MISSILE_ARTICLE, BUDGET_ARTICLE, FESTIVAL_ARTICLE))]
        lib.wait_for_index()
    import shutil

    shutil.rmtree(lib_dir / "index")  # as a restore leaves it before its reindex
    lib = Library.open(lib_dir, repair_index=False)
    job = maintenance.reindex(lib)
    next(job)
    next(job)  # ... stopped here: the rebuild's folder is never swapped in
    job.close()  # (a kill would also free the lane lock)
    lib.db.conn.close()
    with Library.open(lib_dir) as lib:
        assert sorted(h.id for h in lib.search("*", limit=10).hits) == sorted(ids)
        _search_equals_database(lib)


def test_two_writers_cannot_leave_an_older_version_in_the_index(lib_dir, monkeypatch):
    """Writer A's lane read the article, then paused before applying; writer B changed it
    and waited for the lane lock. The newest version must win."""
    with Library.open(lib_dir) as setup:
        aid = _add(setup)
        setup.wait_for_index()
    paused, go = threading.Event(), threading.Event()
    real_update = SearchIndex.update

    def slow_update(self, **kw):
        if any("Quillfeather" in d.title for d in kw.get("articles", ())) and not go.is_set():
            paused.set()
            go.wait(10)
        return real_update(self, **kw)

    monkeypatch.setattr(SearchIndex, "update", slow_update)
    a, b = Library.open(lib_dir), Library.open(lib_dir)
    try:
        a.articles.edit(aid, title="Quillfeather first")
        assert paused.wait(10)  # A's lane holds the lock with the old version in hand
        b.articles.edit(aid, title="Marrowgate second")
        assert not b.wait_for_index(timeout=0.3)
        go.set()
        assert b.wait_for_index(timeout=10)
        assert a.wait_for_index(timeout=10)
        assert [h.id for h in b.search("marrowgate").hits] == [aid]
        assert a.search("quillfeather").total == 0
        _search_equals_database(b)
    finally:
        go.set()
        a.close()
        b.close()


def test_search_sees_writes_made_during_a_bulk_import_by_another_library(lib_dir, tmp_path, monkeypatch):
    from clipper import importing
    from clipper import library as library_mod
    from clipper.jobs import run_job

    monkeypatch.setattr(library_mod, "BACKGROUND_BATCH", 10)
    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(150):
        (folder / f"{i:03d}.txt").write_text(
            f"Ferry report {i}\n\nThe ferry crews counted {i} boats in the harbour on Monday.\n\n"
            f"Officials said the count of {i} would be repeated next week by volunteers.\n", "utf-8")
    with Library.open(lib_dir) as lib:
        aid = _add(lib)
        lib.wait_for_index()
        done = threading.Event()

        def run_import():  # a Library belongs to the thread that opened it
            try:
                with Library.open(lib_dir) as importer:
                    run_job(importing.import_sources(importer, [str(folder)]))
            finally:
                done.set()

        thread = threading.Thread(target=run_import)
        thread.start()
        seen = 0
        try:
            for i in range(20):
                lib.passages.add(aid, quote="two missiles", note=f"grindleworth{i}")
                # (a longer bound than a search's 5 s: a loaded CI machine runs the import beside)
                assert lib.wait_for_index(timeout=60)
                result = lib.search(f"grindleworth{i}")
                seen += result.total
                if done.is_set():
                    break
        finally:
            thread.join(600)
        assert not thread.is_alive()
        assert seen == i + 1  # every write was found by the search that followed it
        assert lib.search("ferry", limit=1).total == 150
        _search_equals_database(lib)


def _ferry_reports(folder, n: int) -> None:
    for i in range(n):
        (folder / f"{i:03d}.txt").write_text(
            f"Ferry report {i}\n\nThe ferry crews counted {i} boats in the harbour on Monday.\n", "utf-8")


def _three_edits_are_seen(lib, aid: int, word: str, *, within: float) -> None:
    """Three highlights with notes, each found by a search within ``within`` seconds."""
    for i in range(3):
        lib.passages.add(aid, quote="two missiles", note=f"{word}{i}")
        started = time.monotonic()
        assert lib.wait_for_index(timeout=10)
        assert lib.search(f"{word}{i}").total == 1
        assert time.monotonic() - started < within


class _ImportBeside:
    """Another Library importing ferry reports on a thread, beside ``lib`` (which holds one
    article, ``aid``), until ``go`` lets it finish."""

    def __init__(self, lib, aid: int, files: int, thread: threading.Thread, go: threading.Event):
        self.lib, self.aid, self.files, self.thread, self.go = lib, aid, files, thread, go
        self.ended = False

    def end(self) -> None:
        """Let the import finish; then it holds every report and search equals the database."""
        self.go.set()
        self.thread.join(600)
        assert not self.thread.is_alive()
        self.ended = True
        self.lib.wait_for_index()
        assert self.lib.search("ferry", limit=1).total == self.files
        _search_equals_database(self.lib)


@contextmanager
def _import_beside(lib_dir, tmp_path, files: int, go: threading.Event):
    """``_ImportBeside`` for the block; ended (and checked) at its end if the block did not."""
    from clipper import importing

    folder = tmp_path / "in"
    folder.mkdir()
    _ferry_reports(folder, files)
    with Library.open(lib_dir) as lib:
        aid = _add(lib)
        lib.wait_for_index()
        thread = threading.Thread(target=lambda: _import(lib_dir, folder, importing, run_job))
        thread.start()
        imp = _ImportBeside(lib, aid, files, thread, go)
        try:
            yield imp
        finally:
            go.set()
            thread.join(600)
        if not imp.ended:
            imp.end()


def test_edits_during_a_bulk_import_are_written_beside_its_background_indexer(
        lib_dir, tmp_path, monkeypatch):
    """Someone's edit during an import is written at once by the importing process, beside
    the batch its background indexer builds (no commit of everything it was sent), and
    their search sees it while the import goes on."""
    from clipper import library as library_mod
    from clipper.index.background import BackgroundIndexer

    full_commits = []
    real_commit = BackgroundIndexer.commit
    monkeypatch.setattr(BackgroundIndexer, "commit",
                        lambda self: (full_commits.append(1), real_commit(self))[1])

    monkeypatch.setattr(library_mod, "BACKGROUND_BATCH", 10)
    real_flush = Library.maybe_flush_index
    stalled, go = threading.Event(), threading.Event()

    def stalling_flush(self):  # the import stalls after 40 articles, still noticing edits
        real_flush(self)
        child = self._bulk["child"]
        if child is not None and child.sent >= 40 and not go.is_set():
            stalled.set()
            while not go.wait(0.02):
                real_flush(self)

    monkeypatch.setattr(Library, "maybe_flush_index", stalling_flush)
    with _import_beside(lib_dir, tmp_path, 80, go) as imp:
        assert stalled.wait(60)
        _three_edits_are_seen(imp.lib, imp.aid, "grindleworth", within=5)
        assert full_commits == []  # no edit waited for the indexer's batch
        assert imp.thread.is_alive()  # the import is still at work
        imp.end()
        assert imp.lib.search("grindleworth2").total == 1


def _lagging_indexer(monkeypatch):
    """The import's background indexer does not catch up until the second returned event
    is set (the import waits, applying others' edits); the first is set once it waits."""
    from clipper import library as library_mod
    from clipper.index.background import BackgroundIndexer

    monkeypatch.setattr(library_mod, "BACKGROUND_BATCH", 10)
    monkeypatch.setattr(library_mod, "BACKGROUND_LAG", 5)
    waiting, go = threading.Event(), threading.Event()
    real_wait = BackgroundIndexer.wait_until_behind

    def lagging(self, at_most, timeout=None):
        waiting.set()
        if timeout is None:
            go.wait()
        elif not go.wait(timeout):
            return False
        return real_wait(self, at_most, timeout)

    monkeypatch.setattr(BackgroundIndexer, "wait_until_behind", lagging)
    return waiting, go


def test_an_import_reads_the_duplicate_signatures_before_it_becomes_the_index_lane(lib_dir, tmp_path, monkeypatch):
    """Reading every article's near-duplicate signature takes seconds in a big library (~5 s
    at 90,000 articles); an import does it before it holds the index lane, so an edit made
    meanwhile is searchable without waiting for it (it waited for all of it: the first write during an
    import into 70,000 articles was seen after 3.5-3.9 s)."""
    from clipper.articles import Articles

    loading, go = threading.Event(), threading.Event()
    real = Articles._near_index

    def slow(self):  # the importing thread's first read of the signatures is held
        if self._near is None and threading.current_thread() is not threading.main_thread():
            loading.set()
            go.wait(60)
        return real(self)

    monkeypatch.setattr(Articles, "_near_index", slow)
    with _import_beside(lib_dir, tmp_path, 5, go) as imp:
        assert loading.wait(60)
        imp.lib.passages.add(imp.aid, quote="two missiles", note="fenwhistle")
        assert imp.lib.wait_for_index(timeout=15)  # (held for up to 60 s before)
        assert imp.lib.search("fenwhistle").total == 1


def test_edits_are_applied_while_the_import_waits_for_its_lagging_indexer(lib_dir, tmp_path, monkeypatch):
    """Storing waits while the background indexer is far behind (a big batch's commit takes
    seconds); someone's edit made meanwhile is applied by the waiting import, not held back
    until the indexer catches up."""
    waiting, go = _lagging_indexer(monkeypatch)  # the indexer does not catch up until go
    with _import_beside(lib_dir, tmp_path, 60, go) as imp:
        assert waiting.wait(60)
        _three_edits_are_seen(imp.lib, imp.aid, "quillmarsh", within=3)
        assert imp.thread.is_alive()  # the import still waits for its indexer


@pytest.mark.skipif(not engine.FAST, reason="Whoosh's stock paths merge at the end of the job")
def test_the_small_segments_of_edits_during_an_import_are_merged_as_it_goes(lib_dir, tmp_path, monkeypatch):
    """The importing process applies each edit made meanwhile in a commit of its own (one
    small segment in each part of the index); it merges them beside the index as it goes
    (``clipper.index.small_merges``), so the edits made during a long import do not leave
    a segment each for every later commit and search to read."""
    from clipper.index import small_merges

    monkeypatch.setattr(small_merges, "TEND_ABOVE", 8)
    waiting, go = _lagging_indexer(monkeypatch)
    bound = small_merges.TEND_ABOVE + 3  # the lowest tier below the threshold, and the rest
    with _import_beside(lib_dir, tmp_path, 60, go) as imp:
        lib = imp.lib
        assert waiting.wait(60)
        for i in range(40):
            lib.passages.add(imp.aid, quote="two missiles", note=f"marrowind{i}")
            assert lib.wait_for_index(timeout=10)
            assert lib.search(f"marrowind{i}").total == 1
        deadline = time.monotonic() + 60  # the waiting import swaps merges in as they are built
        while True:
            counts = [len(sizes) for sizes in lib.index.segment_sizes()]
            if max(counts) <= bound or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert max(counts) <= bound, counts  # (40 edits: 40 segments in each part without)
        assert imp.thread.is_alive()  # all while the import still waits for its indexer
        assert all(lib.search(f"marrowind{i}").total == 1 for i in range(40))


@pytest.mark.skipif(not engine.FAST, reason="Whoosh's stock paths merge at the end of the job")
@pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="the build is held stopped (POSIX)")
def test_an_import_that_ends_while_a_small_merge_is_built_drops_it(lib_dir, tmp_path, monkeypatch):
    """A merge of the small segments still being built when the import ends is cancelled
    (the settler merges after the job): its process ends, its scratch folder goes, and
    the index holds every change."""
    from clipper.index import side_merge, small_merges

    monkeypatch.setattr(small_merges, "TEND_ABOVE", 4)
    waiting, go = _lagging_indexer(monkeypatch)
    builds = []
    real_build = side_merge.build

    def never_finishing(p, ix):  # the import's build: its child is stopped until cancelled
        if threading.current_thread().name == "clipper-small-merge":
            p.paused = lambda: True
            builds.append(p)
        real_build(p, ix)

    monkeypatch.setattr(side_merge, "build", never_finishing)
    with _import_beside(lib_dir, tmp_path, 30, go) as imp:
        assert waiting.wait(60)
        for i in range(6):
            imp.lib.passages.add(imp.aid, quote="two missiles", note=f"tolvane{i}")
            assert imp.lib.wait_for_index(timeout=10)
        deadline = time.monotonic() + 30
        while not (builds and builds[0].scratch.exists()):
            assert time.monotonic() < deadline, "no merge was started"
            time.sleep(0.05)
        imp.end()  # the import ends while the merge is built
        assert builds[0].done.is_set() and builds[0].error == "cancelled"
        assert not any(p.name.startswith(side_merge.SCRATCH_PREFIX) for p in (lib_dir / "index").iterdir())
        assert all(imp.lib.search(f"tolvane{i}").total == 1 for i in range(6))


def test_an_article_an_import_just_stored_and_someone_tagged_is_found_by_their_search(lib_dir, monkeypatch):
    """Created by the import and tagged by the user before the import's next flush: the
    article is written by the importing process (not left to the background indexer's next
    commit), so the user's search that follows finds it by its tag."""
    from clipper import library as library_mod

    monkeypatch.setattr(library_mod, "BACKGROUND_BATCH", 2)
    with Library.open(lib_dir) as user:
        _add(user)
        user.wait_for_index()
        importer = Library.open(lib_dir)
        try:
            with importer.deferred_index(background=True, expected=100):
                first = importer.articles.add(parse_text(
                    "Ferry report one\n\nThe ferry crews counted boats at dawn.\n", source="f1")).id
                importer.flush_index()  # the child holds it now, uncommitted
                fresh = importer.articles.add(parse_text(
                    "Ferry report two\n\nThe ferry crews counted gulls at noon.\n", source="f2")).id
                user.articles.add_tags(fresh, ["quayside"])  # before the importer's next flush
                importer.flush_index()
                assert user.wait_for_index(timeout=10)
                assert [h.id for h in user.search("tag:quayside").hits] == [fresh]
                assert user.search("gulls").total == 1
                assert user.search("boats").total == 0  # still with the child: not claimed
        finally:
            importer.close()
        user.wait_for_index(timeout=10)
        assert user.search("boats").total == 1 and first
        _search_equals_database(user)


def test_the_index_state_says_what_is_held_ahead_of_the_watermark(lib_dir, tmp_path):
    from clipper.index import state

    assert state.ranges([9, 5, 6, 7, 12, 13]) == [(5, 7), (9, 9), (12, 13)]
    ahead = (20, [(12, 14)])
    assert state.holds(10, ahead, 10) and state.holds(10, ahead, 15) and state.holds(10, ahead, 20)
    assert not state.holds(10, ahead, 13) and not state.holds(10, ahead, 21)
    assert not state.holds(None, None, 1) and not state.holds(10, None, 11)
    index = SearchIndex(tmp_path / "i")
    index.set_applied(10, ahead=20, holes=[(12, 14)])
    other = SearchIndex(tmp_path / "i")  # another process reads it
    assert other.applied_seq == 10 and other.holds(15) and not other.holds(13)
    index.set_applied(20)  # the watermark caught up: nothing is ahead any more
    other.reload_state()
    assert other.applied_ahead is None and other.holds(20) and not other.holds(21)
    index.close()
    other.close()

    # A Library whose lane cannot write the index (an import holds the lane) follows it.
    with Library.open(lib_dir) as lib:
        aid = _add(lib)
        lib.wait_for_index()
        lock = LaneLock(lib_dir)
        assert lock.acquire(1)
        try:
            lib.passages.add(aid, quote="two missiles", note="brackenfold")
            assert not lib.wait_for_index(timeout=0.3)
            importer = SearchIndex(lib_dir / "index")  # the import applies it, ahead
            run_job(index_lane.replay(lib.db, importer, changelog.touched(lib.db, importer.applied_seq)))
            importer.set_applied(importer.applied_seq, ahead=lib.last_seq, holes=[(1, 2)])
            importer.close()
            assert lib.wait_for_index(timeout=5)
            assert lib.search("brackenfold").total == 1
        finally:
            lock.release()
        deadline = time.monotonic() + 10  # the lane moves the watermark itself once it can
        while lib.index.applied_seq != changelog.max_seq(lib.db) and time.monotonic() < deadline:
            time.sleep(0.05)
            lib.index.reload_state()
        _search_equals_database(lib)


def _import(lib_dir, folder, importing, run_job) -> None:
    with Library.open(lib_dir) as importer:  # a Library belongs to the thread that opened it
        run_job(importing.import_sources(importer, [str(folder)]))


# ---------------------------------------------------------------- merging


class _Segment:
    def __init__(self, live: int, deleted: int = 0):
        self.live, self.deleted = live, deleted

    def doc_count(self):
        return self.live

    def doc_count_all(self):
        return self.live + self.deleted


def test_the_lowest_tier_is_chosen_all_at_once_past_a_threshold():
    """During a bulk job the one-document segments of edits are merged many at a time, never
    with the import's batches (``merging.choose_lowest_tier``)."""
    batch = _Segment(2000)
    ones = [_Segment(1) for _ in range(5)]
    assert merging.choose_lowest_tier([batch, *ones], 6, 256) == []  # below the threshold
    more = [*ones, _Segment(3, deleted=2), _Segment(1)]
    chosen = merging.choose_lowest_tier([batch, *more], 6, 256)
    assert batch not in chosen and len(chosen) == 7
    assert [s.doc_count_all() for s in chosen] == sorted(s.doc_count_all() for s in more)
    capped = merging.choose_lowest_tier([_Segment(60) for _ in range(8)], 6, 256)
    assert len(capped) == 4  # at most 256 documents (deleted ones count: they are read)


@pytest.mark.skipif(not engine.FAST, reason="Whoosh's stock paths use its own merge rule")
def test_tiered_merges_converge_over_a_thousand_single_document_commits(tmp_path, monkeypatch):
    rewritten = []
    real_merge = merging._merge

    def counting(writer, segments, max_docs):
        left = real_merge(writer, segments, max_docs)
        rewritten.extend(s.doc_count_all() for s in segments if s not in left)
        return left

    monkeypatch.setattr(merging, "_merge", counting)
    index = SearchIndex(tmp_path / "i")
    n = 1000
    most = 0
    for i in range(1, n + 1):
        index.update(articles=[ArticleDoc(id=i, title=f"note {i}", text="kelp forest", stamp="1")])
        most = max(most, len(index.segment_sizes()[0]))
    while index.merge_step():  # what the lane does when idle
        pass
    levels = math.ceil(math.log(n, merging.FACTOR)) + 1
    assert most <= merging.FACTOR * levels  # never more than FACTOR segments per tier
    assert len(index.segment_sizes()[0]) <= merging.FACTOR * levels
    assert sum(rewritten) <= n * levels  # each document rewritten at most once per tier
    assert index.search("kelp", limit=1).total == n
    index.close()


def test_commits_of_writes_never_merge_big_segments():
    class Seg:
        def __init__(self, n):
            self.n = n

        def doc_count(self):
            return self.n

        def doc_count_all(self):
            return self.n

    big = [Seg(2000) for _ in range(merging.FACTOR + 3)]
    assert merging.choose(big, merging.INLINE_DOCS) == []  # left to the idle lane
    assert len(merging.choose(big, merging.MAX_MERGED)) == merging.FACTOR
    small = [Seg(1) for _ in range(merging.FACTOR)]
    assert merging.choose(big + small, merging.INLINE_DOCS) == small


# ---------------------------------------------------------------- storage


def test_url_duplicate_lookup_uses_an_index(lib):
    plan = " ".join(str(r[-1]) for r in lib.db.execute(
        "EXPLAIN QUERY PLAN SELECT id FROM articles WHERE url = ? AND url != '' ORDER BY id LIMIT 1",
        ["https://x.test/a"]))  # the query of storage.articles.find_by_url
    assert "USING" in plan and "INDEX articles_url" in plan, plan


def test_catch_up_replays_an_old_index_without_a_watermark_by_comparing_stamps(lib):
    aid = _add(lib)
    assert lib.wait_for_index()
    lib.index.forget_applied()
    result = index_lane.catch_up(lib.db, lib.index)
    from clipper.jobs import run_job

    assert run_job(result).replayed == 0
    assert lib.index.applied_seq == changelog.max_seq(lib.db)
    assert lib.search("missiles").hits[0].id == aid


# ---------------------------------------------------------------- tags by id


def test_renaming_a_tag_reindexes_nothing_and_is_searchable_at_once(lib):
    ids = [_add(lib, t, str(i)) for i, t in enumerate((MISSILE_ARTICLE, BUDGET_ARTICLE, FESTIVAL_ARTICLE))]
    for aid in ids:
        lib.passages.add(aid, quote=lib.articles.get(aid).text.split(".")[0][:30], tags=["Arms Race"])
    assert lib.search("tag:arms*").total == 3
    before = changelog.max_seq(lib.db)
    lib.tags.rename("Arms Race", "Weapons")
    assert changelog.max_seq(lib.db) == before  # no document changed
    assert lib.search('tag:weapons').total == 3
    assert lib.search('tag:"arms race"').total == 0
    assert lib.search("weapons").total == 3  # a plain word matches tag names too
    hit = lib.search("tag:weapons", passages=True).hits[0]
    assert hit.tags == ["Weapons"]
    assert lib.search("*", facets=True).facets["tag"] == {"Weapons": 3}
    lib.tags.create("Arms Race")  # a new tag with the old name has none of them
    assert lib.search('tag:"arms race"').total == 0
    lib.tags.delete("Weapons")
    assert lib.search("tag:weapons").total == 0
    _search_equals_database(lib)


def test_an_older_copy_of_the_database_put_back_is_not_trusted_to_match_the_index(lib_dir):
    import shutil

    with Library.open(lib_dir) as lib:
        _add(lib)
        lib.wait_for_index()
    shutil.copy(lib_dir / "library.db", lib_dir.parent / "old.db")
    with Library.open(lib_dir) as lib:
        lib.articles.edit(1, title="Zephyrine headline")
        _add(lib, BUDGET_ARTICLE, "b")
        lib.wait_for_index()
    for suffix in ("", "-wal", "-shm"):
        (lib_dir / f"library.db{suffix}").unlink(missing_ok=True)
    shutil.copy(lib_dir.parent / "old.db", lib_dir / "library.db")  # the index is now ahead
    with Library.open(lib_dir) as lib:
        assert lib.search("zephyrine").total == 0
        assert lib.search("council").total == 0
        _search_equals_database(lib)


def test_a_command_during_an_import_does_not_wait_for_the_index(lib_dir, run_cli):
    """A command opened during an import finds the index behind the database (the import's
    newest articles) and the lane lock held by the import to its end: it answers at once
    from what is indexed and says so (it waited ``OPEN_REPAIR_WAIT`` first, 2 s, so every
    `clipper highlight` or `search` typed during an import took ~2.6 s)."""
    from clipper import library as library_mod
    from clipper.index import settle

    with Library.open(lib_dir) as lib:
        _add(lib)
        lib.wait_for_index()
    with pytest.MonkeyPatch.context() as mp:  # (not the fixtures' monkeypatch: run_cli's environment stays)
        mp.setattr(Library, "_notify_lane", lambda self, seq=None: None)
        with Library.open(lib_dir) as lib:
            lib.articles.edit(1, title="Brambleton headline")  # the index is now behind
    importing = LaneLock(lib_dir)  # as an import in another process holds them
    assert importing.acquire(timeout=5)
    try:
        with settle.bulk_job(lib_dir), pytest.MonkeyPatch.context() as mp:
            mp.setattr(library_mod, "OPEN_REPAIR_WAIT", 30.0)
            started = time.perf_counter()
            code, out, err = run_cli("search", "missiles")
            assert code == 0 and "Coastal battery" in out
            assert "another Clipper process" in err
            assert time.perf_counter() - started < 10
    finally:
        importing.release()


def test_a_search_while_another_process_rebuilds_answers_from_what_is_indexed(lib_dir, run_cli):
    with Library.open(lib_dir) as lib:
        _add(lib)
        lib.wait_for_index()
    with pytest.MonkeyPatch.context() as mp:  # (not the fixtures' monkeypatch: run_cli's environment stays)
        mp.setattr(Library, "_notify_lane", lambda self, seq=None: None)
        with Library.open(lib_dir) as lib:
            lib.articles.edit(1, title="Brambleton headline")  # the index is now behind
    rebuilding = LaneLock(lib_dir)  # another process holds the index (a rebuild)
    assert rebuilding.acquire(timeout=5)
    try:
        started = time.perf_counter()
        code, out, err = run_cli("search", "missiles")
        assert code == 0 and "Coastal battery" in out
        assert "another Clipper process" in err  # it says the index is catching up
        assert time.perf_counter() - started < 10
    finally:
        rebuilding.release()
    code, out, err = run_cli("search", "brambleton")
    assert code == 0 and "Brambleton" in out
