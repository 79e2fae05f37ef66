"""Faults inside one process: an exception mid-write, a full disk, a damaged index, a
damaged database, and two writers at once."""
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from reliability_testkit import (assert_searchable, check_articles, clipper_proc, corpus, db_snapshot, integrity)
from clipper import backup, recovery
from clipper.cli import main as cli_main
from clipper.errors import DiskFull, LibraryCorrupt
from clipper.library import Library
from clipper.models import ArticleDraft

STORY = ("The xylophonist company said on Friday that the night crossing would return in May. "
         "Harbour staff will be trained over the winter and the old pier repaired first.")


@pytest.fixture
def filled(tmp_path):
    """A library folder with 12 articles (some tagged, one with a passage) and its sources."""
    folder = tmp_path / "lib"
    expected = corpus(tmp_path / "src", 12)
    with Library.open(folder) as lib:
        for n, text in enumerate(expected):
            lib.articles.add(ArticleDraft(title=f"Story {n}", text=text, tags=["batch"]))
        lib.passages.add(1, quote=lib.articles.get(1).text[:40], tags=["quote"], note="why it matters")
    return folder, expected


def _cli(library: Path, *args: str, capsys) -> tuple[int, str, str]:
    code = cli_main(["--library", str(library), *args])
    out, err = capsys.readouterr()
    return code, out, err


# ------------------------------------------------------------------ exception mid-write

def test_exception_after_the_article_row_leaves_nothing(filled, monkeypatch):
    folder, _ = filled
    before = db_snapshot(folder / "library.db")
    from clipper.storage import tags as tag_store

    def explode(*a, **k):
        raise RuntimeError("injected fault after the article row")

    monkeypatch.setattr(tag_store, "add_article_tags", explode)
    with Library.open(folder) as lib:
        with pytest.raises(RuntimeError, match="injected"):
            lib.articles.add(ArticleDraft(title="Ferry", text=STORY, tags=["ferries"]))
        assert lib.search("xylophonist").total == 0
    assert db_snapshot(folder / "library.db") == before


def test_exception_after_the_passage_row_leaves_nothing(filled, monkeypatch):
    folder, _ = filled
    before = db_snapshot(folder / "library.db")
    from clipper.storage import notes as note_store

    def explode(*a, **k):
        raise RuntimeError("injected fault after the passage row")

    monkeypatch.setattr(note_store, "set_passage_note", explode)
    with Library.open(folder) as lib:
        text = lib.articles.get(2).text
        with pytest.raises(RuntimeError, match="injected"):
            lib.passages.add(2, quote=text[:30], tags=["new-tag"], note="a note")
        assert lib.passages.for_article(2) == []
        assert lib.search("new-tag", passages=True).total == 0
    assert db_snapshot(folder / "library.db") == before


# ------------------------------------------------------------------ disk full

def _cap_pages(db, extra: int = 1) -> None:
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {pages + extra}")


def test_disk_full_is_a_clear_error_and_stores_nothing(filled):
    folder, _ = filled
    with Library.open(folder) as lib:
        before = db_snapshot(folder / "library.db")
        _cap_pages(lib.db)
        big = " ".join(f"Paragraph {i} about the harbour wall and the winter storms." for i in range(3000))
        with pytest.raises(DiskFull, match="disk full"):
            lib.articles.add(ArticleDraft(title="Big", text=big, tags=["big"]))
        assert db_snapshot(folder / "library.db") == before
        # The library stays usable once space is back.
        lib.db.execute("PRAGMA max_page_count = 1073741823")
        assert lib.articles.add(ArticleDraft(title="Ferry", text=STORY)).status == "imported"
    assert integrity(folder / "library.db") == ["ok"]


def test_disk_full_in_the_cli_is_exit_3_with_one_line(filled, tmp_path, monkeypatch, capsys):
    folder, _ = filled
    from clipper.storage import db as dbmod

    real_connect = dbmod.connect

    def capped(path, **kw):
        db = real_connect(path, **kw)
        _cap_pages(db)
        return db

    monkeypatch.setattr(dbmod, "connect", capped)
    src = tmp_path / "big.txt"
    src.write_text("Harbour report\n\n" + "\n\n".join(
        f"Paragraph {i} says the harbour wall needs {i} more stones before the winter storms arrive." for i in range(800)))
    before = db_snapshot(folder / "library.db")
    code, out, err = _cli(folder, "import", str(src), capsys=capsys)
    assert code == 3
    assert err.strip().count("\n") == 0 and "disk full" in err
    assert "Traceback" not in err
    assert db_snapshot(folder / "library.db") == before


# ------------------------------------------------------------------ damaged index

def _truncate_segments(index: Path) -> int:
    n = 0
    for seg in index.rglob("*.seg"):
        os.truncate(seg, seg.stat().st_size // 3)
        n += 1
    return n


@pytest.mark.parametrize("damage", ["deleted", "truncated-segments", "leaked-writelock", "garbage-toc"])
def test_damaged_index_is_rebuilt_from_the_database(filled, damage):
    folder, expected = filled
    index = folder / "index"
    before = db_snapshot(folder / "library.db")
    if damage == "deleted":
        shutil.rmtree(index)
    elif damage == "truncated-segments":
        assert _truncate_segments(index) > 0
    elif damage == "leaked-writelock":
        parts = [part for part in index.iterdir() if part.is_dir()]  # articles, passages, ...
        assert {"articles", "passages"} <= {part.name for part in parts}
        for part in parts:
            (part / "WRITELOCK").write_text("")
    else:
        for toc in index.rglob("*.toc"):
            toc.write_bytes(os.urandom(64))
    started = time.monotonic()
    with Library.open(folder) as lib:
        ids = lib.articles.ids()
        assert lib.index_warning is None
        # A write must not hang on a leaked lock either.
        lib.articles.add_tags(ids[0], ["after-damage"])
    assert time.monotonic() - started < 30
    assert_searchable(folder, expected, ids)
    after = db_snapshot(folder / "library.db")
    # Only the tag added afterwards differs (and the change log that records it).
    grew = ("tags", "article_tags", "articles", "changelog", "sqlite_sequence")
    assert {k: v for k, v in after.items() if k not in grew} == {k: v for k, v in before.items() if k not in grew}
    assert [r[:3] for r in after["articles"]] == [r[:3] for r in before["articles"]]


def test_check_repair_reports_and_fixes_index_drift_without_touching_the_database(filled, capsys):
    folder, expected = filled
    with Library.open(folder) as lib:
        lib.index.update(delete_articles=[3, 4])
    before = db_snapshot(folder / "library.db")
    code, out, _ = _cli(folder, "check", "--json", capsys=capsys)
    assert code == 1 and json.loads(out)["index"]["missing_articles"] == [3, 4]
    code, out, _ = _cli(folder, "check", "--repair", "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["index"]["ok_after_repair"]
    assert db_snapshot(folder / "library.db") == before
    with Library.open(folder) as lib:
        assert_searchable(folder, expected, lib.articles.ids())


# ------------------------------------------------------------------ damaged database

def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def _damage(folder: Path, kind: str) -> None:
    db_path = folder / "library.db"
    if kind == "truncated":
        os.truncate(db_path, db_path.stat().st_size // 2)
    elif kind == "junk-wal":
        (folder / "library.db-wal").write_bytes(os.urandom(8192))
    elif kind == "not-a-database":
        db_path.write_bytes(b"<html>this is not a database</html>" * 200)
    elif kind == "zeroed":
        db_path.write_bytes(b"")
    elif kind == "bad-page":
        data = bytearray(db_path.read_bytes())
        page = 4096
        data[page * 2: page * 3] = os.urandom(page)
        db_path.write_bytes(bytes(data))


@pytest.fixture
def backed_up(filled):
    folder, expected = filled
    with Library.open(folder) as lib:
        path = backup.automatic(lib.db, folder)
        n = lib.articles.count()
    assert backup.verify(path)
    return folder, expected, path, n


@pytest.mark.parametrize("kind", ["truncated", "junk-wal", "not-a-database", "zeroed"])
def test_damaged_database_is_detected_at_start_and_never_touched(backed_up, kind, capsys):
    folder, _, path, _ = backed_up
    _damage(folder, kind)
    damaged = _files(folder)
    diagnosis = recovery.diagnose(folder)
    assert not diagnosis.ok and diagnosis.backup == path
    with pytest.raises(LibraryCorrupt) as info:
        Library.open(folder)
    assert path.name in str(info.value) and "clipper recover" in str(info.value)
    code, out, err = _cli(folder, "list", capsys=capsys)
    assert code == 3
    assert err.count("\n") == 1 and path.name in err and "Traceback" not in err
    assert _files(folder) == damaged  # nothing overwritten, repaired in place or deleted


@pytest.mark.parametrize("kind", ["truncated", "junk-wal", "not-a-database"])
def test_recover_keeps_the_damaged_file_aside_and_restores_the_newest_backup(backed_up, kind, capsys):
    folder, expected, path, n = backed_up
    _damage(folder, kind)
    damaged = _files(folder)
    code, out, err = _cli(folder, "recover", "--json", capsys=capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["restored_from"] == str(path) and report["articles"] == n
    aside = Path(report["damaged_copy"])
    assert aside.name.startswith("library.db.damaged-")
    assert aside.read_bytes() == damaged["library.db"]
    if kind == "junk-wal":
        assert Path(str(aside) + "-wal").read_bytes() == damaged["library.db-wal"]
    assert recovery.diagnose(folder).ok
    with Library.open(folder) as lib:
        assert_searchable(folder, expected, lib.articles.ids())
    # A second damage and recovery never overwrites the first damaged copy.
    _damage(folder, "not-a-database")
    code, out, _ = _cli(folder, "recover", "--json", capsys=capsys)
    assert code == 0
    assert Path(json.loads(out)["damaged_copy"]) != aside
    assert aside.read_bytes() == damaged["library.db"]


def test_recover_with_a_damaged_page_found_by_the_full_check(backed_up, capsys):
    folder, _, path, n = backed_up
    with Library.open(folder) as lib:  # make it large enough to have a third page worth breaking
        assert lib.db.execute("PRAGMA page_count").fetchone()[0] > 3
    _damage(folder, "bad-page")
    assert not recovery.diagnose(folder, full=True).ok
    code, out, _ = _cli(folder, "recover", "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["articles"] == n


def test_recover_without_a_backup_changes_nothing(filled, capsys):
    folder, _ = filled
    shutil.rmtree(folder / "backups", ignore_errors=True)
    _damage(folder, "truncated")
    damaged = _files(folder)
    code, out, err = _cli(folder, "recover", capsys=capsys)
    assert code == 3 and "no verified automatic backup" in err
    assert _files(folder) == damaged


def test_recover_skips_a_damaged_newest_backup(backed_up, capsys):
    folder, _, good, _ = backed_up
    newer = good.with_name("library-29990101T000000000000Z-auto.db")
    newer.write_bytes(b"junk" * 1000)
    _damage(folder, "truncated")
    assert recovery.diagnose(folder).backup == good
    code, out, _ = _cli(folder, "recover", "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["restored_from"] == str(good)


def test_healthy_library_is_not_recovered(filled, capsys):
    folder, _ = filled
    before = (folder / "library.db").read_bytes()
    code, out, _ = _cli(folder, "recover", "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["damaged"] is False
    assert (folder / "library.db").read_bytes() == before
    assert not list(folder.glob("*damaged*"))


def test_diagnose_is_quick(filled):
    folder, _ = filled
    started = time.perf_counter()
    for _ in range(20):
        assert recovery.diagnose(folder).ok
    assert (time.perf_counter() - started) / 20 < 0.05


# ------------------------------------------------------------------ automatic backups

def test_automatic_backup_on_open_at_most_every_12_hours(filled):
    folder, _ = filled
    shutil.rmtree(folder / "backups", ignore_errors=True)
    Library.open(folder).close()
    first = backup.list_backups(folder)
    assert len(first) == 1 and backup.verify(first[0])
    Library.open(folder).close()
    assert backup.list_backups(folder) == first  # not due again yet
    old = time.time() - 13 * 3600
    os.utime(first[0], (old, old))
    Library.open(folder).close()
    assert len(backup.list_backups(folder)) == 2


def test_automatic_backup_while_in_use_and_rotation(filled):
    folder, _ = filled
    shutil.rmtree(folder / "backups", ignore_errors=True)
    with Library.open(folder) as lib:
        for n in range(7):
            for p in backup.list_backups(folder):
                os.utime(p, (time.time() - 13 * 3600,) * 2)
            lib._backup_checked -= 3600  # as if the app had been open for an hour
            lib.articles.add_tags(1, [f"t{n}"])
    kept = backup.list_backups(folder)
    assert len(kept) == backup.KEEP
    assert all(backup.verify(p) for p in kept)


def test_empty_library_takes_no_automatic_backup(tmp_path):
    Library.open(tmp_path / "lib").close()
    Library.open(tmp_path / "lib").close()
    assert backup.list_backups(tmp_path / "lib") == []


# ------------------------------------------------------------------ two writers

def test_cli_import_while_a_library_is_held_open(filled, tmp_path):
    folder, expected = filled
    more = corpus(tmp_path / "more", 60, seed=11, start=1000)
    with Library.open(folder) as held:  # as the GUI would hold it
        count = held.articles.count()
        proc = clipper_proc(["import", str(tmp_path / "more"), "--json", "--tag", "cli"], folder)
        n = 0
        while proc.poll() is None:  # keep writing from this process too
            held.articles.add_tags(1 + n % count, [f"gui{n % 3}"])
            n += 1
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert len(json.loads(out)["imported"]) == 60
        assert n > 0
        assert held.articles.count() == count + 60
        new = [i for i in held.articles.ids() if i > count]
        held.articles.add_tags(new[0], ["seen-by-gui"])
    ids = check_articles(folder / "library.db", {**expected, **more}, None)
    assert_searchable(folder, {**expected, **more}, ids)


def _damage_a_postings_block(folder: Path, offset: int) -> None:
    """Flip one byte of the postings of "story" (every article's title: "Story n")."""
    from whoosh import index as windex

    from clipper.index.codec import raw_matcher

    part = folder / "index" / "articles"
    ix = windex.open_dir(str(part))
    with ix.reader() as reader:
        leaves = [r for r, _ in reader.leaf_readers() if ("title", b"stori") in r]
        r = max(leaves, key=lambda r: r.doc_frequency("title", b"stori"))
        m = raw_matcher(r, "title", b"stori")
        block = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
    ix.close()
    segments = [p for p in part.iterdir() if p.suffix == ".seg" and block in p.read_bytes()]
    assert len(segments) == 1
    data = bytearray(segments[0].read_bytes())
    data[data.find(block) + (offset % len(block))] ^= 0xFF
    segments[0].write_bytes(data)


@pytest.mark.parametrize("offset", [0, 7, -3])
def test_a_damaged_postings_block_found_by_a_search_is_rebuilt_on_next_open(filled, capsys, offset):
    """Damage the index cannot see when it opens (one byte of a word's postings): the search
    that reads it fails with a one-line message (exit 3, no traceback, no wrong hits), and
    the next open rebuilds the index from the database, which is untouched."""
    folder, expected = filled
    _damage_a_postings_block(folder, offset)
    before = db_snapshot(folder / "library.db")

    code, out, err = _cli(folder, "search", "title:story", "--json", capsys=capsys)
    assert code == 3 and out == ""
    assert "search index is damaged" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1

    code, out, err = _cli(folder, "search", "title:story", "--json", capsys=capsys)
    assert code == 0, err
    assert json.loads(out)["total"] == len(expected)
    assert db_snapshot(folder / "library.db") == before
    with Library.open(folder) as lib:
        ids = lib.articles.ids()
    assert_searchable(folder, expected, ids)


def test_check_deep_finds_damage_the_quick_check_cannot_see(filled, capsys):
    folder, expected = filled
    _damage_a_postings_block(folder, 5)
    before = db_snapshot(folder / "library.db")
    code, out, _ = _cli(folder, "check", "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["index"]["ok"]  # the stamps all agree
    code, out, _ = _cli(folder, "check", "--deep", "--json", capsys=capsys)
    report = json.loads(out)["index"]
    assert code == 1 and not report["ok"] and "damaged postings block" in report["damaged"]
    code, out, _ = _cli(folder, "check", "--deep", "--repair", "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["index"]["ok_after_repair"]
    code, out, _ = _cli(folder, "check", "--deep", "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["index"]["damaged"] is None
    assert db_snapshot(folder / "library.db") == before
    with Library.open(folder) as lib:
        ids = lib.articles.ids()
    assert_searchable(folder, expected, ids)
