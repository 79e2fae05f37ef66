"""The desktop app's short index catch-ups run in a process of their own
(clipper.index.lane_process), so the app's UI thread never waits for their Whoosh work to
let go of the GIL. What must hold: writes are still seen by the search that follows; the
work really happens in the child; a dead child is replaced and nothing is lost; closing the
Library stops it."""
from __future__ import annotations

import os
import signal
import time

import pytest

from clipper import index_lane, maintenance
from clipper.importers.plaintext import parse_text
from clipper.library import Library


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (not reaped yet) is gone for our purpose
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except OSError:
        return True


@pytest.fixture
def app_lib(lib_dir):
    lib = Library.open(lib_dir)
    lib.index_lane_process = True
    aid = lib.articles.add(parse_text("Harbour note\n\nThe kelp harbour opened at dawn.\n", source="h")).id
    assert lib.search("kelp").total == 1
    try:
        yield lib, aid
    finally:
        lib.close()


def test_catch_ups_run_in_the_child_and_writes_are_seen(app_lib, monkeypatch):
    lib, aid = app_lib
    lib.passages.add(aid, quote="kelp harbour", note="first zqa1x")
    assert lib.search("zqa1x").total == 1
    assert lib._lane.process.pid is not None

    def not_here(*args, **kwargs):
        raise AssertionError("caught up on the lane thread")

    monkeypatch.setattr(index_lane, "catch_up", not_here)  # this process can no longer do it
    for i in range(5):
        lib.passages.add(aid, quote="kelp harbour", note=f"seen zqb{i}x")
        assert lib.search(f"zqb{i}x").total == 1
    lib.articles.edit(aid, title="Harbour closed zqc1x")
    assert lib.search("zqc1x").total == 1
    assert maintenance.drift(lib).total == 0


def test_a_dead_child_is_replaced_and_nothing_is_lost(app_lib):
    lib, aid = app_lib
    lib.passages.add(aid, quote="kelp harbour", note="before zqd1x")
    assert lib.search("zqd1x").total == 1
    pid = lib._lane.process.pid
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    for i in range(3):
        lib.passages.add(aid, quote="kelp harbour", note=f"after zqe{i}x")
        assert lib.search(f"zqe{i}x").total == 1
    assert lib._lane.process.pid not in (None, pid)  # started again
    assert maintenance.drift(lib).total == 0


def test_closing_stops_the_child(lib_dir):
    lib = Library.open(lib_dir)
    lib.index_lane_process = True
    aid = lib.articles.add(parse_text("Harbour note\n\nThe kelp harbour opened at dawn.\n", source="h")).id
    lib.passages.add(aid, quote="kelp harbour", note="zqf1x")
    assert lib.search("zqf1x").total == 1
    pid = lib._lane.process.pid
    assert pid is not None and _alive(pid)
    lib.close()
    assert not _alive(pid)
    with Library.open(lib_dir) as again:  # and everything it did is there
        assert again.search("zqf1x").total == 1
        assert maintenance.drift(again).total == 0


def test_the_child_takes_the_lane_lock_itself(app_lib):
    """While another process holds the lane (here: this test), the child does nothing; the
    write is applied once the lane is free, by whoever gets it."""
    from clipper.index_lane import LaneLock

    lib, aid = app_lib
    lib.passages.add(aid, quote="kelp harbour", note="first zqg1x")
    assert lib.search("zqg1x").total == 1
    lock = LaneLock(lib.folder)
    assert lock.acquire(5)
    try:
        assert lib._lane.process.catch_up() is None  # "busy"
        lib.passages.add(aid, quote="kelp harbour", note="held zqg2x")
        assert not lib.wait_for_index(timeout=0.5)
    finally:
        lock.release()
    assert lib.wait_for_index(timeout=10)
    assert lib.search("zqg2x").total == 1
    assert maintenance.drift(lib).total == 0
