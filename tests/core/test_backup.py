"""Backup and restore: a verified snapshot restores every article, passage, tag, note and
timestamp; restoring over a library with articles is refused."""
from __future__ import annotations

import json
import sqlite3

import pytest

from clipper_testkit import BUDGET_ARTICLE, FESTIVAL_ARTICLE, MISSILE_ARTICLE, REPEAT_ARTICLE, one_error_line
from clipper import backup
from clipper.errors import ClipperError, InputError, LibraryError


@pytest.fixture
def filled(cli_json, write):
    for name, text, extra in (("m.txt", MISSILE_ARTICLE, ["--tag", "defence", "--date", "2024-03-01"]),
                              ("b.txt", BUDGET_ARTICLE, ["--outlet", "Town Post"]),
                              ("f.txt", FESTIVAL_ARTICLE, []),
                              ("r.txt", REPEAT_ARTICLE, ["--url", "https://news.example.org/ferry"])):
        cli_json("import", write(name, text), *extra)
    p = cli_json("highlight", 1, "--quote", "two missiles", "--tag", "arms", "--tag", "Navy", "--note", "count")
    cli_json("highlight", 1, "--quote", "missiles were launched", "--color", "#123456")
    cli_json("highlight", 4, "--quote", "Night crossings", "--tag", "arms")
    cli_json("note", 2, "Follow up with the **council**")
    cli_json("note", 2, "Second thought")
    cli_json("tag", "color", "Navy", "#0000ff")
    cli_json("edit", 3, "--title", "Lanterns are back")
    return p


def _everything(cli_json) -> dict:
    ids = [a["id"] for a in cli_json("list")["articles"]]
    return {"articles": {i: cli_json("show", i) for i in ids}, "tags": cli_json("tag", "list")}


def test_round_trip_is_identical(cli_json, run_cli, filled, tmp_path, monkeypatch):
    before = _everything(cli_json)
    snap = tmp_path / "snap.clipper"
    code, out, err = run_cli("backup", snap)
    assert code == 0, err
    assert snap.is_file()
    target = tmp_path / "restored"
    code, out, err = run_cli("--library", target, "restore", snap, "--json")
    assert code == 0, err
    assert json.loads(out)["articles"] == 4
    monkeypatch.setenv("CLIPPER_LIBRARY", str(target))
    after = _everything(cli_json)
    assert after == before
    # timestamps really are carried over (not re-stamped on restore)
    a1 = after["articles"][1]
    assert a1["imported_at"] == before["articles"][1]["imported_at"]
    assert a1["passages"][0]["created_at"] == before["articles"][1]["passages"][0]["created_at"]
    # and the restored library is searchable at once
    assert [h["id"] for h in cli_json("search", "note:council")["hits"]] == [2]
    assert cli_json("search", "--passages", "tag:arms")["total"] == 2
    assert cli_json("check")["ok"] is True


def test_restore_into_non_empty_library_is_refused(cli_json, run_cli, filled, tmp_path, write):
    snap = tmp_path / "snap.db"
    run_cli("backup", snap)
    other = tmp_path / "busy"
    code, _, err = run_cli("--library", other, "import", write("x.txt", BUDGET_ARTICLE))
    assert code == 0, err
    code, _, err = run_cli("--library", other, "restore", snap)
    assert code == 3
    assert "empty" in one_error_line(err)
    # the existing library is untouched
    code, out, _ = run_cli("--library", other, "list", "--json")
    assert json.loads(out)["total"] == 1


def test_restore_into_the_same_library_is_refused(run_cli, filled, tmp_path):
    snap = tmp_path / "snap.db"
    run_cli("backup", snap)
    code, _, err = run_cli("restore", snap)
    assert code != 0
    one_error_line(err)


def test_restore_rejects_garbage_and_missing_files(run_cli, tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a backup at all" * 100)
    code, _, err = run_cli("--library", tmp_path / "new1", "restore", junk)
    assert code == 1 and "not a valid Clipper backup" in one_error_line(err)
    code, _, err = run_cli("--library", tmp_path / "new2", "restore", tmp_path / "nope.db")
    assert code == 1 and "no such backup" in one_error_line(err)
    # a valid SQLite file that is not a Clipper library
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    code, _, err = run_cli("--library", tmp_path / "new3", "restore", other)
    assert code == 1
    one_error_line(err)
    assert not (tmp_path / "new3" / "library.db").exists()


def test_backup_to_missing_folder_is_an_error(run_cli, filled, tmp_path):
    code, _, err = run_cli("backup", tmp_path / "no" / "such" / "dir" / "snap.db")
    assert code == 1
    assert "does not exist" in one_error_line(err)


def test_snapshot_is_consistent_and_verified(lib, tmp_path):
    from clipper.importers.plaintext import parse_text

    lib.articles.add(parse_text(MISSILE_ARTICLE, source="m"))
    path = backup.snapshot(lib.db, tmp_path / "s.db")
    assert backup.verify(path)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one self-contained file
    assert conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0] == 1
    conn.close()
    assert not list(tmp_path.glob(".clipper-backup-*"))  # no temp file left behind


def test_automatic_backups_rotate(lib):
    paths = [backup.automatic(lib.db, lib.folder, keep=2) for _ in range(4)]
    kept = backup.list_backups(lib.folder)
    assert kept == sorted(paths, key=lambda p: p.name, reverse=True)[:2]
    assert backup.newest_verified(lib.folder) == kept[0]
    assert not backup.due(lib.folder, hours=1)


def test_restore_into_api_errors(tmp_path):
    with pytest.raises(InputError):
        backup.restore_into(tmp_path / "missing.db", tmp_path / "lib")
    assert issubclass(LibraryError, ClipperError)


def test_restore_over_a_library_holding_only_tags_is_refused(cli_json, run_cli, filled, tmp_path, monkeypatch):
    snap = tmp_path / "snap.db"
    run_cli("backup", snap)
    other = tmp_path / "tags-only"
    monkeypatch.setenv("CLIPPER_LIBRARY", str(other))
    from clipper.library import Library

    with Library.open(other) as lib:
        lib.tags.create("keep-me")
    code, _, err = run_cli("restore", snap)
    assert code == 3 and "empty" in one_error_line(err)
    assert [t["name"] for t in cli_json("tag", "list")["tags"]] == ["keep-me"]


def test_restore_into_a_fresh_empty_library_is_allowed(cli_json, run_cli, filled, tmp_path, monkeypatch):
    snap = tmp_path / "snap.db"
    run_cli("backup", snap)
    fresh = tmp_path / "fresh"
    monkeypatch.setenv("CLIPPER_LIBRARY", str(fresh))
    assert cli_json("list")["total"] == 0  # creates an empty library first
    code, _, err = run_cli("restore", snap)
    assert code == 0, err
    assert cli_json("list")["total"] == 4


def test_background_automatic_backup_does_not_hold_up_the_open(tmp_path, monkeypatch):
    import os
    import threading
    import time as time_mod

    from clipper import recovery
    from clipper.library import Library
    from clipper.models import ArticleDraft

    folder = tmp_path / "lib"
    with Library.open(folder) as lib:
        lib.articles.add(ArticleDraft(title="Quay works", text="The quay will be rebuilt in spring."))
    for old in backup.list_backups(folder):
        old.unlink()
    backup.backup_dir(folder).mkdir(parents=True, exist_ok=True)
    stray = backup.backup_dir(folder) / ".clipper-backup-old.tmp"
    stray.write_bytes(b"half a backup")
    os.utime(stray, (time_mod.time() - 7200, time_mod.time() - 7200))

    started = threading.Event()
    release = threading.Event()
    original = backup.automatic

    def slow_automatic(db, folder_, *args, **kwargs):
        started.set()
        release.wait(10)
        return original(db, folder_, *args, **kwargs)

    monkeypatch.setattr(backup, "automatic", slow_automatic)
    threads = []
    real = recovery.auto_backup_in_background
    monkeypatch.setattr(recovery, "auto_backup_in_background",
                        lambda *a, **k: threads.append(real(*a, **k)) or threads[-1])
    lib = Library.open(folder, backup_in_background=True)
    try:
        assert started.wait(5)  # the backup is running...
        assert lib.search("quay").total == 1  # ...and the library is already usable
        assert backup.list_backups(folder) == []
        release.set()
        threads[0].join(10)
        (snap,) = backup.list_backups(folder)
        assert backup.verify(snap)
        assert not stray.exists()
    finally:
        release.set()
        lib.close()
