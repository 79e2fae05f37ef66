"""SIGKILL at random moments: during an import, during the index commit, during a migration.

After every kill the database passes integrity_check, holds only complete articles (text
exactly one of the sources, tag present), no duplicates, and after ``check --repair`` every
article is found by search.
"""
from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from reliability_testkit import (ROOT, assert_searchable, check_articles, child_env, clipper_proc, corpus, integrity,
                      run_clipper)

pytestmark = pytest.mark.slow

N_FILES = 200
TAG = "batch"


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.communicate(timeout=30)


def _article_count(db_path: Path) -> int:
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            return conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return -1


@pytest.fixture(scope="module")
def sources(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sources")
    return folder, corpus(folder, N_FILES)


def test_sigkill_during_import_at_20_random_moments(tmp_path, sources):
    folder, expected = sources
    rng = random.Random(20240611)
    outcomes = []
    for run in range(20):
        library = tmp_path / f"lib{run}"
        delay = rng.uniform(0.0, 1.5)
        proc = clipper_proc(["import", str(folder), "--json", "--tag", TAG], library, start_new_session=True)
        # Start the clock once the import has really begun (interpreter start-up varies a lot
        # on a loaded machine), then kill at a random moment inside it.
        deadline = time.monotonic() + 60
        while proc.poll() is None and _article_count(library / "library.db") <= 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(delay)
        finished = proc.poll() is not None
        _kill_group(proc)
        db_path = library / "library.db"
        if not db_path.exists():
            outcomes.append(0)
            continue
        ids = check_articles(db_path, expected, TAG)
        outcomes.append(len(ids))
        assert_searchable(library, expected, rng.sample(ids, min(len(ids), 15)))
        if finished:
            assert len(ids) == N_FILES
    # The moments must really fall inside the import, not all before or after it.
    assert any(0 < n < N_FILES for n in outcomes), outcomes


def test_reimport_after_a_kill_completes_without_duplicates(tmp_path, sources):
    folder, expected = sources
    library = tmp_path / "lib"
    proc = clipper_proc(["import", str(folder), "--json", "--tag", TAG], library, start_new_session=True)
    deadline = time.monotonic() + 60
    while _article_count(library / "library.db") < 40 and time.monotonic() < deadline:
        time.sleep(0.02)
    _kill_group(proc)
    result = run_clipper(["import", str(folder), "--json", "--tag", TAG], library)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    ids = check_articles(library / "library.db", expected, TAG)
    assert len(ids) == N_FILES
    assert len(report["imported"]) + len(report["duplicates"]) == N_FILES
    assert_searchable(library, expected, ids)


def test_sigkill_while_the_index_commits(tmp_path, sources):
    """Kill near the end of the import: the background indexing process is adding the last
    documents or committing its segment then (the index's watermark stays behind the change
    log until the indexer committed), and the kill takes it down with the import."""
    folder, expected = sources
    rng = random.Random(99)
    damaged_or_dirty = 0
    for run in range(8):
        library = tmp_path / f"lib{run}"
        proc = clipper_proc(["import", str(folder), "--json", "--tag", TAG], library, start_new_session=True)
        deadline = time.monotonic() + 60
        while _article_count(library / "library.db") < N_FILES - 30 and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(rng.uniform(0.0, 0.3))
        _kill_group(proc)
        if _index_behind(library):
            damaged_or_dirty += 1
        ids = check_articles(library / "library.db", expected, TAG)
        assert len(ids) >= N_FILES - 30  # every stored row stays, whole
        # Opening the library (as any command does) repairs the index on its own.
        result = run_clipper(["search", "--json", expected[next(iter(expected))]], library)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["total"] == 1
        assert_searchable(library, expected, rng.sample(ids, 20))
    assert damaged_or_dirty > 0, "no kill fell inside the index update"


def _index_behind(library: Path) -> bool:
    """The index's watermark is behind the change log (or unreadable)."""
    try:
        applied = json.loads((library / "index" / "lane.json").read_text())["applied_seq"]
    except (OSError, ValueError, KeyError):
        return True
    conn = sqlite3.connect(str(library / "library.db"))
    try:
        return applied < (conn.execute("SELECT MAX(seq) FROM changelog").fetchone()[0] or 0)
    finally:
        conn.close()


MIGRATING_CHILD = textwrap.dedent('''
    import sys, time
    from clipper.storage import schema

    def _v2_slow(db):
        db.execute("ALTER TABLE articles ADD COLUMN reading_minutes INTEGER")
        print("MIGRATING", flush=True)
        for (aid,) in db.execute("SELECT id FROM articles").fetchall():
            db.execute("UPDATE articles SET reading_minutes = 1 + word_count / 200 WHERE id = ?", [aid])
            time.sleep(0.01)

    schema.MIGRATIONS.append(_v2_slow)
    schema.SCHEMA_VERSION = len(schema.MIGRATIONS)
    from clipper.library import Library
    Library.open(sys.argv[1], repair_index=False).close()
    print("DONE", flush=True)
''')


def _schema_state(db_path: Path) -> tuple[int, bool, int]:
    conn = sqlite3.connect(str(db_path))
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        cols = [r[1] for r in conn.execute("PRAGMA table_info(articles)")]
        filled = conn.execute("SELECT COUNT(*) FROM articles WHERE reading_minutes IS NOT NULL").fetchone()[0] \
            if "reading_minutes" in cols else 0
        return version, "reading_minutes" in cols, filled
    finally:
        conn.close()


def test_sigkill_during_a_schema_migration(tmp_path, sources):
    folder, expected = sources
    base = tmp_path / "base"
    few = tmp_path / "few"
    few.mkdir()
    for p in sorted(folder.iterdir())[:30]:
        (few / p.name).write_bytes(p.read_bytes())
    assert run_clipper(["import", str(few), "--tag", TAG], base).returncode == 0
    before = _schema_state(base / "library.db")
    from clipper.storage.schema import SCHEMA_VERSION as base_version  # the slow migration comes after it

    assert before == (base_version, False, 0)
    rng = random.Random(5)
    seen = set()
    for run in range(6):
        library = tmp_path / f"m{run}"
        subprocess.run(["cp", "-r", str(base), str(library)], check=True)
        for old in (library / "backups").glob("*"):
            old.unlink()
        proc = subprocess.Popen([sys.executable, "-c", MIGRATING_CHILD, str(library)], cwd=str(ROOT),
                                env=child_env(library), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True, start_new_session=True)
        if run < 4:
            assert proc.stdout.readline().strip() == "MIGRATING"
            time.sleep(rng.uniform(0.0, 0.25))  # the migration takes about 0.3 s
            _kill_group(proc)
        else:
            out, err = proc.communicate(timeout=60)
            assert "DONE" in out, err
        db_path = library / "library.db"
        assert integrity(db_path) == ["ok"]
        state = _schema_state(db_path)
        assert state in {(base_version, False, 0), (base_version + 1, True, 30)}, f"mixed schema state {state}"
        seen.add(state[0])
        check_articles(db_path, expected, TAG)
        backups = list((library / "backups").glob("library-*-pre-migration.db"))
        assert len(backups) == 1
        conn = sqlite3.connect(str(backups[0]))
        try:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == base_version
            assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 30
        finally:
            conn.close()
    assert seen == {base_version, base_version + 1}
