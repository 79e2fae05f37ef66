"""Someone's edit goes before a bulk job's next transaction (clipper.storage.priority).

SQLite's write lock has no queue: a bulk import that takes it again right after each
commit starved a waiting highlight (its busy handler kept waking while the lock was taken).
"""
from __future__ import annotations

import threading
import time

import pytest

from clipper.importers.plaintext import parse_text
from clipper.library import Library
from clipper.storage import changelog
from clipper.storage import priority as priority_mod
from clipper.storage.priority import WritePriority


def test_a_bulk_transaction_waits_while_an_interactive_write_holds_its_turn(tmp_path):
    a, b = WritePriority(tmp_path), WritePriority(tmp_path)
    started = time.monotonic()
    b.yield_to_interactive()  # nobody interactive: at once
    assert time.monotonic() - started < 0.5
    released = threading.Event()

    def hold():
        with a.interactive():
            released.wait(10)

    t = threading.Thread(target=hold)
    t.start()
    time.sleep(0.1)
    threading.Timer(0.4, released.set).start()
    started = time.monotonic()
    b.yield_to_interactive()
    waited = time.monotonic() - started
    t.join()
    assert 0.25 < waited < 5
    a.close()
    b.close()


def test_a_stuck_interactive_writer_slows_a_bulk_job_but_never_stops_it(tmp_path, monkeypatch):
    monkeypatch.setattr(priority_mod, "YIELD_AT_MOST", 0.2)
    a, b = WritePriority(tmp_path), WritePriority(tmp_path)
    with a.interactive():
        started = time.monotonic()
        b.yield_to_interactive()
        assert 0.15 < time.monotonic() - started < 3
    a.close()
    b.close()


def test_edits_are_not_starved_by_a_bulk_job_taking_the_lock_back_to_back(lib_dir, monkeypatch):
    """A bulk job holds the database's write lock 30 ms per transaction, back to back;
    another Library's edits still get their turn after at most about one transaction."""
    real_append = changelog.append
    bulk_thread: list[threading.Thread] = []

    def slow_in_bulk(db, changes):
        if bulk_thread and threading.current_thread() is bulk_thread[0]:
            time.sleep(0.03)  # inside the transaction: the write lock is held
        return real_append(db, changes)

    monkeypatch.setattr(changelog, "append", slow_in_bulk)
    with Library.open(lib_dir) as lib:
        aid = lib.articles.add(parse_text("Harbour note\n\nThe kelp harbour opened at dawn.\n", source="h")).id
        stop = threading.Event()
        ready = threading.Event()

        def bulk():
            with Library.open(lib_dir) as importer, importer.deferred_index():
                i = 0
                while not stop.is_set():
                    importer.articles.add(parse_text(f"Ferry {i}\n\nThe ferry zq{i}x sailed at noon.\n",
                                                     source=f"f{i}"))
                    i += 1
                    ready.set()

        t = threading.Thread(target=bulk)
        bulk_thread.append(t)
        t.start()
        try:
            assert ready.wait(30)
            took = []
            for i in range(15):
                started = time.monotonic()
                lib.notes.add(aid, f"Follow up {i}")
                took.append(time.monotonic() - started)
                time.sleep(0.01)
        finally:
            stop.set()
            t.join(60)
        took.sort()
        assert took[len(took) // 2] < 0.15, took
        assert took[-1] < 1.0, took


@pytest.mark.parametrize("bulk", [False, True])
def test_writes_leave_no_priority_hold_behind(lib_dir, bulk):
    with Library.open(lib_dir) as lib:
        if bulk:
            with lib.deferred_index():
                lib.articles.add(parse_text("Harbour\n\nThe kelp harbour.\n", source="h"))
        else:
            lib.articles.add(parse_text("Harbour\n\nThe kelp harbour.\n", source="h"))
        other = WritePriority(lib_dir)
        started = time.monotonic()
        other.yield_to_interactive()  # nobody holds a turn now
        assert time.monotonic() - started < 0.5
        other.close()
