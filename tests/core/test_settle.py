"""The settler (clipper.index.settle): the big merges after a bulk job run in a detached
process, built beside the index and swapped in under the lane lock, so the job returns at
once and nobody's edit waits behind them.

What must hold: a bulk job merges nothing itself and hands the due merges to a settler;
the settler brings the segments down and search still equals the database; killed at any
point it leaves the index as it was; a build whose sources were merged elsewhere
meanwhile is dropped; one settler per library at a time.
"""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clipper import importing, maintenance
from clipper.index import SearchIndex, engine, merging, settle
from clipper.importers.plaintext import parse_text
from clipper.index_lane import LaneLock
from clipper.jobs import run_job
from clipper.library import Library

pytestmark = pytest.mark.skipif(not engine.FAST, reason="Whoosh's stock paths merge inside the bulk job")

ROOT = Path(__file__).resolve().parents[2]


def _text(i: int) -> str:
    return (f"Harbour report {i}\n\nThe ferry zqv{i}x left the kelp harbour at dawn, "
            f"carrying grain and {i} passengers.\n")


def _segments_without_merging(lib_dir: Path, n: int) -> None:
    """A library of ``n`` articles in ``n`` segments (merging switched off while made)."""
    real = merging.choose
    merging.choose = lambda segments, max_docs: []
    try:
        with Library.open(lib_dir) as lib:
            for i in range(n):  # one write each: no bulk job (which would start a settler)
                lib.articles.add(parse_text(_text(i), source=f"a{i}.txt"))
                lib.settle()
            assert len(lib.index.segment_sizes()[0]) == n
    finally:
        merging.choose = real


def _article_segments(lib_dir: Path) -> int:
    with Library.open(lib_dir) as lib:
        return len(lib.index.segment_sizes()[0])


def _search_equals_database(lib_dir: Path, n: int) -> None:
    with Library.open(lib_dir) as lib:
        assert maintenance.drift(lib).total == 0
        assert lib.search("kelp").total == n
        for i in (0, n - 1):
            assert lib.search(f"zqv{i}x").total == 1


def _spawn(lib_dir: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "clipper.index.settle", str(lib_dir)], env=env,
                            start_new_session=True)


def _scratch(lib_dir: Path) -> list[Path]:
    return list((lib_dir / "index").glob(".merge-*"))


def _built(lib_dir: Path) -> bool:
    """A settler's merge is written (its scratch index has a first commit)."""
    return any(any(p.glob("_*_1.toc")) for p in _scratch(lib_dir))


def _wait_for(predicate, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_the_settler_merges_what_was_left_and_search_equals_the_database(lib_dir):
    n = 2 * merging.FACTOR + 1
    _segments_without_merging(lib_dir, n)
    assert settle.run(lib_dir) >= 2
    assert _article_segments(lib_dir) <= merging.FACTOR
    assert not _scratch(lib_dir)
    _search_equals_database(lib_dir, n)


def test_a_bulk_job_hands_its_merges_to_a_detached_settler(lib_dir, monkeypatch):
    n = merging.FACTOR + 1
    _segments_without_merging(lib_dir, n)

    def no_merging_here(self, *args, **kwargs):
        raise AssertionError("the bulk job merged in its own process")

    monkeypatch.setattr(SearchIndex, "merge_step", no_merging_here)
    folder = lib_dir.parent / "more"
    folder.mkdir()
    for i in range(n, n + 3):
        (folder / f"b{i}.txt").write_text(_text(i), encoding="utf-8")
    with Library.open(lib_dir) as lib:
        run_job(importing.import_sources(lib, [str(folder)]))
        assert lib.search(f"zqv{n + 2}x").total == 1  # the job's articles are searchable now
    assert settle.wait(lib_dir, 60)
    assert _article_segments(lib_dir) < merging.FACTOR
    _search_equals_database(lib_dir, n + 3)


def test_a_killed_settler_leaves_the_index_as_it_was(lib_dir):
    n = merging.FACTOR + 1
    _segments_without_merging(lib_dir, n)
    lane = LaneLock(lib_dir)
    assert lane.acquire(1)  # the settler builds, then waits here to swap its build in
    proc = _spawn(lib_dir)
    try:
        _wait_for(lambda: _built(lib_dir))  # built, waiting for the lane lock
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        lane.release()
    assert _scratch(lib_dir)  # the dead settler's build is still there...
    assert _article_segments(lib_dir) == n  # ...and the index is as it was
    assert not _scratch(lib_dir)  # removed by that open (its process is gone)
    _search_equals_database(lib_dir, n)
    assert settle.run(lib_dir) >= 1  # a new settler does the merge
    _search_equals_database(lib_dir, n)


def test_a_build_merged_elsewhere_meanwhile_is_dropped(lib_dir):
    n = merging.FACTOR + 1
    _segments_without_merging(lib_dir, n)
    lane = LaneLock(lib_dir)
    assert lane.acquire(1)
    proc = _spawn(lib_dir)
    try:
        _wait_for(lambda: _built(lib_dir))  # built, waiting for the lane lock
        index = SearchIndex(lib_dir / "index")  # someone else merges the same segments
        try:
            while index.merge_step(merging.INLINE_DOCS):
                pass
            merged = len(index.segment_sizes()[0])
        finally:
            index.close()
        assert merged < n
    finally:
        lane.release()
    assert proc.wait(60) == 0
    assert _article_segments(lib_dir) == merged  # the settler's build was dropped
    assert not _scratch(lib_dir)
    _search_equals_database(lib_dir, n)


def test_one_settler_at_a_time(lib_dir):
    n = merging.FACTOR + 1
    _segments_without_merging(lib_dir, n)
    lane = LaneLock(lib_dir)
    assert lane.acquire(1)  # keeps the first settler at work
    try:
        assert settle.start(lib_dir)
        assert settle.running(lib_dir)  # from the moment start() returns
        assert settle.start(lib_dir)  # a second start finds it at work and starts none
        out = subprocess.run(["pgrep", "-f", f"clipper.index.settle {lib_dir}"], capture_output=True, text=True)
        assert len(out.stdout.split()) == 1
        assert settle.run(lib_dir) == 0  # nor does a settler run in-process
    finally:
        lane.release()
    assert settle.wait(lib_dir, 60)
    assert _article_segments(lib_dir) < n
    _search_equals_database(lib_dir, n)


def test_the_settler_gives_way_while_a_bulk_job_runs(lib_dir):
    n = merging.FACTOR + 1
    _segments_without_merging(lib_dir, n)
    with Library.open(lib_dir) as lib:
        assert not settle.bulk_job_running(lib_dir)
        with lib.deferred_index():  # a bulk job (an import's) of this library
            assert settle.bulk_job_running(lib_dir)
            proc = _spawn(lib_dir)
            _wait_for(lambda: settle.running(lib_dir))
            time.sleep(1.5)  # a settler alone plans and starts a build in well under a second
            assert proc.poll() is None and settle.running(lib_dir)
            assert not _scratch(lib_dir)  # it plans nothing meanwhile
            assert _article_segments(lib_dir) == n
        assert not settle.bulk_job_running(lib_dir)
    assert proc.wait(60) == 0  # the job ended: the settler did its merges
    assert _article_segments(lib_dir) < n
    _search_equals_database(lib_dir, n)


def _process_state(pid: int) -> str:
    """The state letter of ``/proc/PID/stat`` ("T": stopped)."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_a_build_is_stopped_while_a_bulk_job_runs_and_goes_on_after(lib_dir):
    import threading

    from clipper.index import side_merge

    n = merging.FACTOR + 1
    _segments_without_merging(lib_dir, n)
    ix = engine.open_dir(str(lib_dir / "index" / "articles"))
    try:
        p = side_merge.plan("articles", ix, ix.schema, lib_dir / "index", merging.MAX_MERGED)
        assert p is not None
        bulk = threading.Event()
        bulk.set()  # a bulk job is at work from the start
        p.paused = bulk.is_set
        builder = threading.Thread(target=side_merge.build, args=(p, ix), daemon=True)
        builder.start()

        def child() -> int | None:
            out = subprocess.run(["pgrep", "-f", f"clipper.index.side_merge {p.scratch}"],
                                 capture_output=True, text=True)
            return int(out.stdout.split()[0]) if out.stdout.strip() else None

        _wait_for(lambda: child() is not None)
        pid = child()
        _wait_for(lambda: _process_state(pid) == "T", timeout=5)  # stopped...
        time.sleep(1.0)
        assert _process_state(pid) == "T" and not p.done.is_set()  # ...and stays so
        bulk.clear()  # the job ended
        builder.join(60)
        assert p.done.is_set() and p.error is None and p.merged is not None
        assert p.merged.doc_count() == sum(s.doc_count() for s in p.sources) > 1  # as if never stopped
    finally:
        bulk.clear()
        p.cancel.set()
        builder.join(30)
        side_merge.discard(p)
        ix.close()


def _gone(pid: int) -> bool:
    try:
        return _process_state(pid) == "Z"  # ended (not yet reaped by its new parent)
    except FileNotFoundError:
        return True


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
def test_a_stopped_build_ends_when_its_settler_is_killed(lib_dir):
    n = merging.FACTOR + 1
    _segments_without_merging(lib_dir, n)
    code = ("import sys; from pathlib import Path; from clipper.index import engine, merging, side_merge\n"
            "folder = Path(sys.argv[1]) / 'index'\n"
            "ix = engine.open_dir(str(folder / 'articles'))\n"
            "p = side_merge.plan('articles', ix, ix.schema, folder, merging.MAX_MERGED)\n"
            "p.paused = lambda: True  # a bulk job runs all along\n"
            "side_merge.build(p, ix)\n")
    settler = subprocess.Popen([sys.executable, "-c", code, str(lib_dir)], env=dict(os.environ, PYTHONPATH=str(ROOT)))
    try:
        def child() -> int | None:
            out = subprocess.run(["pgrep", "-f", f"clipper.index.side_merge {lib_dir}"], capture_output=True, text=True)
            return int(out.stdout.split()[0]) if out.stdout.strip() else None

        _wait_for(lambda: child() is not None)
        pid = child()
        _wait_for(lambda: _process_state(pid) == "T", timeout=5)
    finally:
        settler.kill()  # SIGKILL: no cleanup of its own runs
        settler.wait()
    _wait_for(lambda: _gone(pid), timeout=10)  # not left stopped for good
    assert _article_segments(lib_dir) == n  # the index as it was; the scratch goes at the next open
    assert not _scratch(lib_dir)
    _search_equals_database(lib_dir, n)


def test_a_bulk_job_that_leaves_nothing_to_merge_starts_no_settler(lib_dir, tmp_path):
    folder = tmp_path / "few"
    folder.mkdir()
    for i in range(3):
        (folder / f"c{i}.txt").write_text(_text(i), encoding="utf-8")
    with Library.open(lib_dir) as lib:
        run_job(importing.import_sources(lib, [str(folder)]))
        assert not settle.running(lib_dir)  # three articles: no merge due, no process started
        assert not lib.index.merges_due()
        run_job(importing.import_sources(lib, [str(folder)]))  # all duplicates: nothing new
        assert not settle.running(lib_dir)
    _search_equals_database(lib_dir, 3)


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="Linux scheduling policy")
def test_the_settlers_builds_run_only_on_an_idle_cpu(lib_dir, monkeypatch):
    from clipper.index import side_merge

    code = ("import os; from clipper.index.side_merge import run_when_idle; run_when_idle(); "
            "print(os.sched_getscheduler(0))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert int(out.stdout) == os.SCHED_IDLE

    n = merging.FACTOR + 1
    _segments_without_merging(lib_dir, n)
    seen = []
    real_build = side_merge.build

    def build(p, ix):
        seen.append((p.idle_priority, p.paused()))
        real_build(p, ix)

    monkeypatch.setattr(side_merge, "build", build)
    assert settle.run(lib_dir) >= 1
    assert seen and all(idle and not paused for idle, paused in seen)
    _search_equals_database(lib_dir, n)


def test_a_library_that_wrote_leaves_due_merges_to_a_settler_when_it_closes(lib_dir):
    """A settler killed before it finished (or many short commands) left merges due until the
    next bulk job; closing a Library that wrote starts one."""
    n = 2 * merging.FACTOR + 1
    _segments_without_merging(lib_dir, n)
    with Library.open(lib_dir) as lib:  # opened and read only: nothing starts
        assert lib.search("kelp").total == n
    assert not settle.running(lib_dir)
    assert _article_segments(lib_dir) == n
    with Library.open(lib_dir) as lib:
        lib.articles.add(parse_text(_text(n), source="late.txt"))
    assert settle.wait(lib_dir, 60)
    assert _article_segments(lib_dir) <= merging.FACTOR
    _search_equals_database(lib_dir, n + 1)


def test_a_settler_that_ended_is_reaped(lib_dir, monkeypatch):
    """The process that started a settler collects its exit (no zombie is left for each
    import of an app that runs all day)."""
    started = []
    real_popen = subprocess.Popen

    def recording(args, *rest, **kwargs):
        proc = real_popen(args, *rest, **kwargs)
        if "clipper.index.settle" in args:
            started.append(proc)
        return proc

    monkeypatch.setattr(settle.subprocess, "Popen", recording)
    with Library.open(lib_dir):
        pass
    assert settle.start(lib_dir)  # nothing is due: it ends at once
    assert len(started) == 1
    _wait_for(lambda: started[0].returncode is not None, timeout=30)
    assert started[0].returncode == 0
