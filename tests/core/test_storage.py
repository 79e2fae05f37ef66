"""The storage layer on its own: schema, transactions, error translation and the small
SQL functions (articles, tags, passages, notes, index documents)."""
from __future__ import annotations

import sqlite3

import pytest

from clipper.errors import (DiskFull, LibraryCorrupt, LibraryError, LibraryLocked, LibraryReadOnly, NotFound,
                            SchemaTooNew)
from clipper.models import Passage
from clipper.storage import articles, db as dbmod, docs, health, notes, passages, schema, tags


@pytest.fixture
def mdb():
    database = dbmod.memory()
    schema.migrate(database)
    yield database
    database.conn.close()


def _article(database, title="A headline", text="Body text of the clipping.", **kw) -> int:
    with dbmod.transaction(database):
        return articles.insert(database, title=title, text=text, content_hash=f"h-{title}-{text}",
                               word_count=len(text.split()), **kw)


def _passage(database, aid, start=0, end=4, quote="Body") -> int:
    with dbmod.transaction(database):
        return passages.insert(database, article_id=aid, start=start, end=end, quote=quote, prefix="",
                               suffix=" text", color="#ffd54f")


# --------------------------------------------------------------------------- schema / connection


def test_migrate_sets_version_and_is_idempotent(mdb):
    assert schema.current_version(mdb) == schema.SCHEMA_VERSION
    assert schema.pending(mdb) == 0
    assert schema.migrate(mdb) == []
    names = {r[0] for r in mdb.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert {"articles", "tags", "article_tags", "passages", "passage_tags", "notes", "meta"} <= names


def test_newer_schema_is_refused(mdb):
    mdb.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 3}")
    with pytest.raises(SchemaTooNew) as exc:
        schema.pending(mdb)
    assert "newer Clipper" in str(exc.value)
    with pytest.raises(SchemaTooNew):
        schema.migrate(mdb)


def test_failed_migration_leaves_version_unchanged(monkeypatch):
    database = dbmod.memory()

    def broken(db):
        db.execute("CREATE TABLE half_done (x)")
        raise RuntimeError("migration bug")

    monkeypatch.setattr(schema, "MIGRATIONS", [broken])
    monkeypatch.setattr(schema, "SCHEMA_VERSION", 1)
    with pytest.raises(RuntimeError):
        schema.migrate(database)
    assert schema.current_version(database) == 0
    assert database.execute("SELECT name FROM sqlite_master WHERE name = 'half_done'").fetchone() is None


def test_connect_sets_pragmas(tmp_path):
    database = dbmod.connect(tmp_path / "x.db", timeout_ms=1234)
    try:
        assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert database.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert database.execute("PRAGMA busy_timeout").fetchone()[0] == 1234
    finally:
        database.conn.close()


def test_connect_reads_busy_timeout_at_call_time(tmp_path, monkeypatch):
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 321)
    database = dbmod.connect(tmp_path / "y.db")
    try:
        assert database.execute("PRAGMA busy_timeout").fetchone()[0] == 321
    finally:
        database.conn.close()


def test_connect_to_garbage_is_library_corrupt(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"garbage " * 1000)
    with pytest.raises(LibraryCorrupt):
        database = dbmod.connect(bad)
        schema.migrate(database)


@pytest.mark.parametrize("message, kind", [
    ("database is locked", LibraryLocked),
    ("database or disk is full", DiskFull),
    ("database disk image is malformed", LibraryCorrupt),
    ("file is not a database", LibraryCorrupt),
    ("attempt to write a readonly database", LibraryReadOnly),
    ("disk I/O error", LibraryError),  # no folder to look at: not damage, not a guess
])
def test_translate_error(message, kind):
    translated = dbmod.translate_error(sqlite3.OperationalError(message))
    assert type(translated) is kind
    assert str(translated)


def test_translate_error_ignores_other_errors():
    assert dbmod.translate_error(sqlite3.IntegrityError("UNIQUE constraint failed: tags.name")) is None


# --------------------------------------------------------------------------- transactions


def test_transaction_commits(mdb):
    aid = _article(mdb)
    assert articles.exists(mdb, aid)
    assert not mdb.conn.in_transaction


def test_transaction_rolls_back_everything_on_error(mdb):
    with pytest.raises(ValueError):
        with dbmod.transaction(mdb):
            aid = articles.insert(mdb, title="t", text="x", content_hash="h", word_count=1)
            tags.add_article_tags(mdb, aid, ["one", "two"])
            raise ValueError("boom")
    assert articles.count(mdb) == 0
    assert tags.all_tags(mdb) == []
    assert not mdb.conn.in_transaction


def test_nested_transaction_joins_outer(mdb):
    with pytest.raises(KeyError):
        with dbmod.transaction(mdb):
            articles.insert(mdb, title="outer", text="x", content_hash="h1", word_count=1)
            with dbmod.transaction(mdb):
                articles.insert(mdb, title="inner", text="y", content_hash="h2", word_count=1)
            raise KeyError("after inner")
    assert articles.count(mdb) == 0


def test_transaction_translates_sqlite_errors(mdb, monkeypatch):
    with pytest.raises(DiskFull):
        with dbmod.transaction(mdb):
            raise sqlite3.OperationalError("database or disk is full")
    assert not mdb.conn.in_transaction


def test_begin_immediate_is_blocked_by_another_writer(tmp_path):
    path = tmp_path / "lock.db"
    first = dbmod.connect(path, timeout_ms=100)
    second = dbmod.connect(path, timeout_ms=100)
    try:
        schema.migrate(first)
        first.conn.execute("BEGIN IMMEDIATE")
        with pytest.raises(LibraryLocked):
            with dbmod.transaction(second):
                pass
        assert articles.count(second) == 0  # reading is still fine
        first.conn.execute("ROLLBACK")
        with dbmod.transaction(second):
            articles.insert(second, title="t", text="x", content_hash="h", word_count=1)
        assert articles.count(first) == 1
    finally:
        first.conn.close()
        second.conn.close()


# --------------------------------------------------------------------------- articles


def test_article_roundtrip_and_summaries(mdb):
    a = _article(mdb, title="Zebra crossing", text="one two three", outlet="Gazette", published="2024-01-02")
    b = _article(mdb, title="apple harvest", text="four five", published="2023-05-06")
    art = articles.get(mdb, a)
    assert (art.title, art.text, art.outlet, art.published, art.word_count) == (
        "Zebra crossing", "one two three", "Gazette", "2024-01-02", 3)
    assert art.imported_at.endswith("Z") and art.imported_at == art.updated_at
    assert [r["id"] for r in articles.list_summaries(mdb, sort="title")] == [b, a]  # case-insensitive
    assert [r["id"] for r in articles.list_summaries(mdb, sort="published")] == [b, a]
    assert [r["id"] for r in articles.list_summaries(mdb, sort="-id", limit=1)] == [b]
    assert articles.list_summaries(mdb, ids=[]) == []
    assert [r["id"] for r in articles.list_summaries(mdb, ids=[a], sort="id")] == [a]
    with pytest.raises(ValueError):
        articles.list_summaries(mdb, sort="bogus")
    with pytest.raises(NotFound):
        articles.get(mdb, 999)


def test_article_ids_in_order_within_a_subset(mdb):
    ids = [_article(mdb, title=t, text=f"text {t}", published=p)
           for t, p in (("b", "2024-01-01"), ("C", None), ("a", "2023-01-01"), ("d", "2025-01-01"))]
    assert articles.ids(mdb, sort="title") == [ids[2], ids[0], ids[1], ids[3]]
    assert articles.ids(mdb, sort="title", within=[ids[3], ids[1], ids[0], 999]) == [ids[0], ids[1], ids[3]]
    assert articles.ids(mdb, sort="-published", within=ids) == [ids[3], ids[0], ids[2], ids[1]]
    assert articles.ids(mdb, within=[]) == []


def test_article_update_bumps_rev_and_rejects_unknown_fields(mdb):
    aid = _article(mdb)
    before = articles.revs(mdb)[aid]
    with dbmod.transaction(mdb):
        articles.update(mdb, aid, {"title": "New title"})
    assert articles.get(mdb, aid).title == "New title"
    assert articles.revs(mdb)[aid] == before + 1
    with pytest.raises(ValueError):
        articles.update(mdb, aid, {"id": 5})
    with pytest.raises(ValueError):
        articles.update(mdb, aid, {"title = 'x'; --": "y"})


def test_find_by_hash_and_url(mdb):
    aid = _article(mdb, url="https://example.org/a")
    assert articles.find_by_url(mdb, "https://example.org/a") == aid
    assert articles.find_by_url(mdb, "") is None
    assert articles.find_by_hash(mdb, articles.get(mdb, aid).content_hash) == aid
    assert articles.find_by_hash(mdb, "nope") is None


def test_delete_cascades(mdb):
    aid = _article(mdb)
    pid = _passage(mdb, aid)
    with dbmod.transaction(mdb):
        tags.set_passage_tags(mdb, pid, ["x"])
        tags.add_article_tags(mdb, aid, ["y"])
        notes.set_passage_note(mdb, pid, "passage note")
        notes.add_article_note(mdb, aid, "article note")
    with dbmod.transaction(mdb):
        assert articles.delete(mdb, aid) == [pid]
    for table in ("passages", "passage_tags", "article_tags", "notes"):
        assert mdb.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0, table
    assert {t.name for t in tags.all_tags(mdb)} == {"x", "y"}  # tags themselves stay
    with pytest.raises(NotFound):
        articles.delete(mdb, aid)
    assert health.integrity_check(mdb) == []


# --------------------------------------------------------------------------- tags


def test_tags_are_case_insensitive_and_counted(mdb):
    aid = _article(mdb)
    pid = _passage(mdb, aid)
    with dbmod.transaction(mdb):
        first = tags.ensure(mdb, "Politics")
        assert tags.ensure(mdb, "POLITICS") == first
        tags.set_passage_tags(mdb, pid, ["politics", "Economy"])
        tags.add_article_tags(mdb, aid, ["politics"])
    assert [t.name for t in tags.all_tags(mdb)] == ["Economy", "Politics"]
    assert tags.get(mdb, "politics").count == 2
    assert tags.passage_tag_map(mdb, [pid]) == {pid: ["Economy", "Politics"]}
    with pytest.raises(NotFound):
        tags.get(mdb, "sport")


def test_merge_keeps_one_link_per_passage(mdb):
    aid = _article(mdb)
    pid = _passage(mdb, aid)
    with dbmod.transaction(mdb):
        tags.set_passage_tags(mdb, pid, ["a", "b"])
        tags.add_article_tags(mdb, aid, ["a", "b"])
        tags.merge(mdb, tags.get(mdb, "a").id, tags.get(mdb, "b").id)
    assert tags.passage_tag_map(mdb, [pid]) == {pid: ["b"]}
    assert articles.article_tag_names(mdb, aid) == ["b"]
    assert [t.name for t in tags.all_tags(mdb)] == ["b"]


def test_touched_by(mdb):
    a1, a2 = _article(mdb, title="one"), _article(mdb, title="two")
    p1 = _passage(mdb, a1)
    with dbmod.transaction(mdb):
        tags.set_passage_tags(mdb, p1, ["t"])
        tags.add_article_tags(mdb, a2, ["t"])
    aids, pids = tags.touched_by(mdb, tags.get(mdb, "t").id)
    assert sorted(aids) == [a1, a2] and pids == [p1]


# --------------------------------------------------------------------------- passages and notes


def test_passage_roundtrip_update_and_restore(mdb):
    aid = _article(mdb)
    pid = _passage(mdb, aid)
    with dbmod.transaction(mdb):
        notes.set_passage_note(mdb, pid, "first")
        tags.set_passage_tags(mdb, pid, ["k"])
    p = passages.get(mdb, pid)
    assert (p.start, p.end, p.quote, p.note, p.tags, p.status) == (0, 4, "Body", "first", ["k"], "anchored")
    with dbmod.transaction(mdb):
        passages.update_fields(mdb, pid, {"status": "orphaned"})
    assert passages.get(mdb, pid).status == "orphaned"
    assert [x.id for x in passages.orphaned(mdb)] == [pid]
    with pytest.raises(ValueError):
        passages.update_fields(mdb, pid, {"article_id": 3})
    with pytest.raises(NotFound):
        passages.update_fields(mdb, 999, {"color": "#000000"})
    with pytest.raises(sqlite3.IntegrityError):
        with dbmod.transaction(mdb):
            passages.update_fields(mdb, pid, {"status": "lost"})
    snapshot = passages.get(mdb, pid)
    with dbmod.transaction(mdb):
        passages.delete(mdb, pid)
        passages.insert_with_id(mdb, snapshot)
    again = passages.get(mdb, pid)
    assert (again.created_at, again.start, again.quote) == (snapshot.created_at, snapshot.start, snapshot.quote)


def test_passage_requires_existing_article(mdb):
    with pytest.raises(sqlite3.IntegrityError):
        with dbmod.transaction(mdb):
            passages.insert(mdb, article_id=42, start=0, end=1, quote="x", prefix="", suffix="", color="#ffd54f")


def test_notes(mdb):
    aid = _article(mdb)
    pid = _passage(mdb, aid)
    with dbmod.transaction(mdb):
        n1 = notes.add_article_note(mdb, aid, "one")
        n2 = notes.add_article_note(mdb, aid, "two")
        pn = notes.set_passage_note(mdb, pid, "on passage")
        assert notes.set_passage_note(mdb, pid, "replaced") == pn  # one note per passage
    assert [n.id for n in notes.for_article(mdb, aid)] == [n1, n2]  # passage notes not listed here
    assert notes.get(mdb, pn).text == "replaced"
    with dbmod.transaction(mdb):
        assert notes.set_passage_note(mdb, pid, "") is None
        notes.update(mdb, n1, "uno")
        notes.delete(mdb, n2)
    assert [n.text for n in notes.for_article(mdb, aid)] == ["uno"]
    with pytest.raises(NotFound):
        notes.get(mdb, pn)
    with pytest.raises(NotFound):
        notes.update(mdb, 999, "x")


# --------------------------------------------------------------------------- index documents


def test_index_documents_carry_tags_quotes_notes_and_stamps(mdb):
    aid = _article(mdb, title="T", text="Body text of the clipping.", outlet="O")
    pid = _passage(mdb, aid)
    with dbmod.transaction(mdb):
        tags.add_article_tags(mdb, aid, ["art-tag"])
        tags.set_passage_tags(mdb, pid, ["pass-tag"])
        notes.set_passage_note(mdb, pid, "pnote")
        notes.add_article_note(mdb, aid, "anote")
        articles.bump(mdb, [aid])
    [adoc] = list(docs.article_docs(mdb))
    assert adoc.tags == ["art-tag", "pass-tag"]
    assert adoc.quotes == ["Body"]
    assert sorted(adoc.notes) == ["anote", "pnote"]
    assert (adoc.passage_count, adoc.note_count, adoc.orphan_count) == (1, 2, 0)
    assert adoc.stamp == str(articles.revs(mdb)[aid])
    [pdoc] = list(docs.passage_docs(mdb, [pid]))
    assert (pdoc.article_id, pdoc.quote, pdoc.note, pdoc.tags, pdoc.article_title) == (aid, "Body", "pnote",
                                                                                      ["pass-tag"], "T")
    assert pdoc.stamp == str(passages.revs(mdb)[pid])
    assert list(docs.article_docs(mdb, [])) == []


def test_article_docs_stream_in_batches(mdb):
    ids = [_article(mdb, title=f"n{i}", text=f"text {i}") for i in range(7)]
    assert [d.id for d in docs.article_docs(mdb, batch=3)] == ids


def test_models_roundtrip():
    p = Passage(id=1, article_id=2, start=3, end=4, quote="q")
    assert p.to_dict()["quote"] == "q"


def _io_error(name: str = "SQLITE_IOERR_SHMSIZE") -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError("disk I/O error")
    exc.sqlite_errorname = name
    return exc


def test_translate_error_tells_io_errors_apart_by_the_folder(tmp_path, monkeypatch):
    """An I/O error is damage only if SQLite says so: with little space left it is a full
    disk, on a read-only folder it is read-only, else a plain error naming the cause."""
    import os

    from clipper.errors import LibraryReadOnly

    db_path = tmp_path / "library.db"
    assert type(dbmod.translate_error(_io_error(), db_path)) is LibraryError
    real = os.statvfs

    class St:
        def __init__(self, st, free, flag):
            self.f_frsize, self.f_bavail, self.f_flag = st.f_frsize, free // st.f_frsize, st.f_flag | flag

    monkeypatch.setattr(os, "statvfs", lambda p: St(real(p), 16 * 1024, 0))
    assert type(dbmod.translate_error(_io_error(), db_path)) is DiskFull
    monkeypatch.setattr(os, "statvfs", lambda p: St(real(p), 10 ** 9, os.ST_RDONLY))
    assert type(dbmod.translate_error(_io_error("SQLITE_CANTOPEN"), db_path)) is LibraryReadOnly
    corrupt = sqlite3.DatabaseError("database disk image is malformed")
    corrupt.sqlite_errorname = "SQLITE_CORRUPT"
    assert type(dbmod.translate_error(corrupt, db_path)) is LibraryCorrupt
