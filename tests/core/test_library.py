"""The Library folder: creation, pragmas, schema versions, damaged/locked libraries,
atomic writes and the index-drift safety net."""
from __future__ import annotations

import sqlite3
import threading
import time

import pytest

from clipper_testkit import BUDGET_ARTICLE, MISSILE_ARTICLE, one_error_line, row_counts
from clipper.errors import LibraryCorrupt, LibraryLocked, SchemaTooNew
from clipper.library import Library
from clipper.models import ArticleDraft
from clipper.storage import schema


def _draft(text: str, **kw) -> ArticleDraft:
    title, body = text.strip().split("\n\n", 1)
    return ArticleDraft(title=title, text=body, **kw)


# --------------------------------------------------------------------------- creation


def test_library_created_on_first_use_at_explicit_folder(run_cli, tmp_path):
    folder = tmp_path / "elsewhere" / "clips"
    code, out, err = run_cli("--library", folder, "list", "--json")
    assert code == 0, err
    assert (folder / "library.db").is_file()
    assert '"total": 0' in out


def test_library_created_at_env_folder(run_cli, lib_dir):
    assert not lib_dir.exists()
    code, _, err = run_cli("list")
    assert code == 0, err
    assert (lib_dir / "library.db").is_file()


def test_library_option_after_command_wins(run_cli, lib_dir, tmp_path, write):
    other = tmp_path / "other"
    code, _, err = run_cli("import", write("a.txt", MISSILE_ARTICLE), "--library", other)
    assert code == 0, err
    assert (other / "library.db").exists()
    assert not (lib_dir / "library.db").exists()


def test_pragmas_and_schema_version(lib):
    assert lib.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert lib.db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert lib.db.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION
    assert schema.SCHEMA_VERSION >= 1


def test_reopening_does_not_migrate_again(lib_dir):
    with Library.open(lib_dir) as first:
        first.articles.add(_draft(MISSILE_ARTICLE))
    with Library.open(lib_dir) as again:
        assert again.articles.count() == 1
        assert schema.migrate(again.db) == []


def test_open_without_create_refuses_missing_library(tmp_path):
    from clipper.errors import LibraryError

    with pytest.raises(LibraryError):
        Library.open(tmp_path / "nothing-here", create=False)


# --------------------------------------------------------------------------- unusable libraries


def test_newer_schema_is_refused_with_exit_3(run_cli, lib_dir):
    with Library.open(lib_dir):
        pass
    conn = sqlite3.connect(lib_dir / "library.db")
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(SchemaTooNew):
        Library.open(lib_dir)
    code, out, err = run_cli("list")
    assert code == 3
    line = one_error_line(err)
    assert "newer" in line
    # nothing was touched: the version is still the newer one
    conn = sqlite3.connect(lib_dir / "library.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == schema.SCHEMA_VERSION + 1
    conn.close()


def test_garbage_database_file_is_exit_3(run_cli, lib_dir):
    lib_dir.mkdir(parents=True)
    (lib_dir / "library.db").write_bytes(b"this is certainly not sqlite " * 200)
    with pytest.raises(LibraryCorrupt):
        Library.open(lib_dir)
    code, _, err = run_cli("list", "--json")
    assert code == 3
    assert "damaged" in one_error_line(err) or "not a" in one_error_line(err)


def test_library_path_that_is_a_file_is_exit_3(run_cli, tmp_path):
    f = tmp_path / "plainfile"
    f.write_text("hello")
    code, _, err = run_cli("--library", f, "list")
    assert code == 3
    one_error_line(err)


# --------------------------------------------------------------------------- locking


class _Holder:
    """Another connection holding the write lock (BEGIN IMMEDIATE) until released."""

    def __init__(self, db_path):
        self.conn = sqlite3.connect(db_path, isolation_level=None, check_same_thread=False)
        self.conn.execute("BEGIN IMMEDIATE")

    def release(self):
        self.conn.execute("ROLLBACK")
        self.conn.close()


@pytest.fixture
def short_timeout(monkeypatch):
    from clipper.storage import db as dbmod

    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 200)


def test_locked_library_write_is_library_locked(lib_dir, short_timeout):
    with Library.open(lib_dir) as lib:
        lib.articles.add(_draft(MISSILE_ARTICLE))
    holder = _Holder(lib_dir / "library.db")
    try:
        with Library.open(lib_dir) as lib:
            t0 = time.monotonic()
            with pytest.raises(LibraryLocked) as exc:
                lib.articles.add(_draft(BUDGET_ARTICLE))
            assert time.monotonic() - t0 < 5, "the patched busy timeout was not used"
            assert "in use" in str(exc.value)
            # the failed write left the connection usable
            assert not lib.db.conn.in_transaction
    finally:
        holder.release()


def test_locked_library_cli_exit_3_and_readers_still_work(run_cli, cli_json, lib_dir, write, short_timeout):
    cli_json("import", write("a.txt", MISSILE_ARTICLE))
    before = row_counts(lib_dir / "library.db")
    holder = _Holder(lib_dir / "library.db")
    try:
        code, _, err = run_cli("import", write("b.txt", BUDGET_ARTICLE))
        assert code == 3
        assert "in use" in one_error_line(err)
        code, _, err = run_cli("tag", "add", "1", "navy")
        assert code == 3 and "in use" in err
        # readers are not blocked by the waiting/failed writer
        shown = cli_json("show", "1")
        assert shown["title"] == "Coastal battery fires test missiles"
        assert cli_json("list")["total"] == 1
        assert cli_json("search", "missile")["total"] == 1
    finally:
        holder.release()
    assert row_counts(lib_dir / "library.db") == before


def test_writer_waits_for_a_short_lock(lib_dir, monkeypatch):
    from clipper.storage import db as dbmod

    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 5000)
    with Library.open(lib_dir):
        pass
    holder = _Holder(lib_dir / "library.db")
    timer = threading.Timer(0.3, holder.release)
    timer.start()
    try:
        with Library.open(lib_dir) as lib:
            result = lib.articles.add(_draft(MISSILE_ARTICLE))
            assert result.status == "imported"
            assert lib.articles.count() == 1
    finally:
        timer.join()


# --------------------------------------------------------------------------- atomicity


def test_failure_after_article_insert_leaves_nothing(lib, monkeypatch):
    from clipper.storage import tags as tag_store

    lib.articles.add(_draft(BUDGET_ARTICLE))
    before = row_counts(lib.db_path)

    def boom(*a, **k):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(tag_store, "add_article_tags", boom)
    with pytest.raises(RuntimeError):
        lib.articles.add(_draft(MISSILE_ARTICLE, tags=["navy"]))
    assert row_counts(lib.db_path) == before
    assert not lib.db.conn.in_transaction
    monkeypatch.undo()
    # the same article can be stored afterwards (no leftover hash match)
    assert lib.articles.add(_draft(MISSILE_ARTICLE, tags=["navy"])).status == "imported"
    assert lib.search("tag:navy").total == 1


def test_changed_reimport_checks_and_updates_in_one_transaction(lib, monkeypatch):
    """The duplicate checks of a same-URL re-import run under the write lock, in the
    transaction that updates: another process cannot change the answer in between."""
    from clipper.storage import articles as article_store

    url = "https://example.org/battery"
    aid = lib.articles.add(_draft(MISSILE_ARTICLE, url=url)).id
    seen = []
    for name in ("find_by_hash", "find_by_url"):
        real = getattr(article_store, name)

        def spy(db, value, real=real, name=name):
            seen.append((name, db.conn.in_transaction))
            return real(db, value)

        monkeypatch.setattr(article_store, name, spy)
    changed = MISSILE_ARTICLE.replace("two missiles", "three missiles")
    result = lib.articles.add(_draft(changed, url=url))
    assert (result.status, result.id) == ("updated", aid)
    assert seen and all(inside for _, inside in seen), seen
    assert lib.search('"three missiles"').total == 1


def test_failed_changed_reimport_leaves_article_and_passages_as_they_were(lib, monkeypatch):
    from clipper.storage import articles as article_store

    url = "https://example.org/battery"
    aid = lib.articles.add(_draft(MISSILE_ARTICLE, url=url)).id
    lib.passages.add(aid, quote="routine exercise")
    before = row_counts(lib.db_path), lib.articles.full(aid)

    def boom(*a, **k):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(article_store, "update", boom)
    with pytest.raises(RuntimeError):
        lib.articles.add(_draft("Battery\n\nA routine exercise, the navy said, with no missiles.", url=url))
    assert (row_counts(lib.db_path), lib.articles.full(aid)) == before


def test_edited_text_gets_a_new_stored_signature(lib_dir):
    """The near-duplicate signature kept in the database follows the text, so a later
    process groups stories by the current text, not the imported one."""
    from clipper.dedup import signature

    with Library.open(lib_dir) as lib:
        aid = lib.articles.add(_draft(MISSILE_ARTICLE)).id
        new_text = BUDGET_ARTICLE.split("\n\n", 1)[1]
        lib.articles.edit(aid, text=new_text)
        stored = lib.db.execute("SELECT signature FROM articles WHERE id = ?", [aid]).fetchone()[0]
        assert stored == signature(new_text.strip())
    with Library.open(lib_dir) as again:  # a fresh near-duplicate index, built from the database
        title, body = BUDGET_ARTICLE.strip().split("\n\n", 1)
        result = again.articles.add(ArticleDraft(title=title, text=body + "\n\nOne more line."))
        assert result.related == [aid]


def test_nested_write_is_indexed_only_when_the_outer_one_commits(lib):
    aid = lib.articles.add(_draft(MISSILE_ARTICLE)).id
    with pytest.raises(RuntimeError):
        with lib.write():
            lib.articles.add_tags(aid, ["inner"])  # a write of its own, nested
            assert lib.search("tag:inner").total == 0  # not indexed before the outer commit
            raise RuntimeError("outer fails")
    assert lib.articles.get(aid).tags == []
    assert lib.search("tag:inner").total == 0
    with lib.write():
        lib.articles.add_tags(aid, ["inner"])
    assert lib.search("tag:inner").total == 1


def test_failure_in_passage_note_leaves_no_passage(lib, monkeypatch):
    from clipper.storage import notes as note_store

    aid = lib.articles.add(_draft(MISSILE_ARTICLE)).id
    before = row_counts(lib.db_path)

    def boom(*a, **k):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(note_store, "set_passage_note", boom)
    with pytest.raises(RuntimeError):
        lib.passages.add(aid, quote="two missiles", tags=["weapons", "navy"], note="check the count")
    assert row_counts(lib.db_path) == before
    assert lib.passages.for_article(aid) == []
    assert lib.tags.all() == []


def test_cli_import_failure_mid_write_is_one_line_and_atomic(run_cli, lib_dir, write, monkeypatch):
    from clipper.storage import tags as tag_store

    run_cli("list")
    before = row_counts(lib_dir / "library.db")

    def boom(*a, **k):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(tag_store, "add_article_tags", boom)
    code, out, err = run_cli("import", write("a.txt", MISSILE_ARTICLE), "--tag", "navy")
    assert code != 0
    one_error_line(err)
    assert row_counts(lib_dir / "library.db") == before


# --------------------------------------------------------------------------- index drift


@pytest.fixture
def failing_index():
    """SearchIndex.update raises until ``.undo()`` (its own MonkeyPatch: undoing it
    must not undo the fixtures' environment)."""
    from clipper.index import SearchIndex

    def boom(self, **kwargs):
        raise OSError("simulated index write failure")

    mp = pytest.MonkeyPatch()
    mp.setattr(SearchIndex, "update", boom)
    yield mp
    mp.undo()


def test_index_failure_keeps_database_and_check_repairs(run_cli, cli_json, lib_dir, write, failing_index):
    code, out, err = run_cli("import", write("a.txt", MISSILE_ARTICLE), "--json")
    assert code == 0, err
    assert "warning" in err  # the user is told search is behind
    failing_index.undo()
    # check (which, unlike other commands, does not heal on open) reports the drift
    code, out, err = run_cli("check", "--json")
    import json

    report = json.loads(out)
    assert code == 1
    assert report["articles"] == 1  # the database has the article
    assert report["database"]["ok"] is True
    assert report["index"]["ok"] is False
    assert report["index"]["missing_articles"] == [1]
    assert report["index"]["log_behind"] == 1  # the watermark stayed before the article
    code, out, _ = run_cli("check", "--repair", "--json")
    report = json.loads(out)
    assert code == 0
    assert report["index"]["ok_after_repair"] is True
    assert cli_json("check")["index"]["ok"] is True
    assert cli_json("search", "missile")["total"] == 1
    assert cli_json("check")["index"]["log_behind"] == 0


def test_reopening_heals_a_dirty_index(lib_dir, failing_index):
    with Library.open(lib_dir) as lib:
        aid = lib.articles.add(_draft(MISSILE_ARTICLE)).id
        assert lib.search("missiles").total == 0
        assert lib.index_warning
    failing_index.undo()
    with Library.open(lib_dir) as lib:
        assert not lib.index_needs_repair()
        assert [h.id for h in lib.search("missiles").hits] == [aid]
        from clipper import maintenance

        assert maintenance.drift(lib).total == 0


def test_index_failure_on_edit_is_healed_on_open(lib_dir, monkeypatch):
    from clipper.index import SearchIndex

    with Library.open(lib_dir) as lib:
        aid = lib.articles.add(_draft(MISSILE_ARTICLE)).id
    with Library.open(lib_dir) as lib:
        real = SearchIndex.update
        monkeypatch.setattr(SearchIndex, "update", lambda self, **k: (_ for _ in ()).throw(OSError("disk gone")))
        lib.articles.edit(aid, title="Harbour guns tested")
        monkeypatch.setattr(SearchIndex, "update", real)
        assert lib.articles.get(aid).title == "Harbour guns tested"
    with Library.open(lib_dir) as lib:
        assert [h.id for h in lib.search("title:harbour").hits] == [aid]
        assert lib.search("title:coastal").total == 0


def test_deleted_index_folder_is_rebuilt_on_open(lib_dir):
    import shutil

    with Library.open(lib_dir) as lib:
        lib.articles.add(_draft(MISSILE_ARTICLE))
        lib.articles.add(_draft(BUDGET_ARTICLE))
    shutil.rmtree(lib_dir / "index")
    with Library.open(lib_dir) as lib:
        assert lib.search("mayor").total == 2


def test_readers_are_served_while_a_writer_waits(cli_json, write, lib_dir, monkeypatch):
    from clipper.storage import db as dbmod

    cli_json("import", write("a.txt", MISSILE_ARTICLE))
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 10_000)
    holder = _Holder(lib_dir / "library.db")
    outcome = {}

    def writer():
        with Library.open(lib_dir) as lib:
            started = time.monotonic()
            outcome["status"] = lib.articles.add(_draft(BUDGET_ARTICLE)).status
            outcome["waited"] = time.monotonic() - started

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.3)  # the writer is now blocked on the lock
        assert thread.is_alive()
        t0 = time.monotonic()
        assert cli_json("show", "1")["id"] == 1
        assert cli_json("search", "missiles")["total"] == 1
        assert time.monotonic() - t0 < 5  # readers did not wait for the writer
    finally:
        holder.release()
        thread.join(15)
    assert outcome["status"] == "imported"
    assert outcome["waited"] >= 0.25
    assert cli_json("list")["total"] == 2
