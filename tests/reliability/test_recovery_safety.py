"""Recovery never makes things worse, and a backup is trusted only as far as it is Clipper's.

- A full disk, a read-only folder and a lock held by another process are told apart from
  damage: every command says which, and ``recover`` changes nothing.
- ``recover`` stages the restore beside the database and verifies it before anything is
  moved; a failure at any step leaves the folder as it was.
- A backup holding a schema object Clipper does not create (a trigger, a view, a changed
  table) is refused, in bounded time even when ``articles`` is a recursive view; ``check``
  reports such objects in a live library.
- A rejected restore leaves nothing in the target folder.
- Library folders whose names hold ``%XX``, ``#`` or ``?`` work like any other.

The real full disk and read-only folder use a 3 MB tmpfs (root only: skipped elsewhere);
the same paths are also driven everywhere by fault injection (named in each test).
"""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from reliability_testkit import corpus, db_snapshot
from clipper import backup, recover, recovery
from clipper.cli import main as cli_main
from clipper.errors import DiskFull, LibraryLocked, LibraryReadOnly
from clipper.library import Library
from clipper.models import ArticleDraft
from clipper.storage import db as dbmod
from clipper.storage import health


def _cli(library: Path, *args: str, capsys) -> tuple[int, str, str]:
    code = cli_main(["--library", str(library), *args])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("clipper: error: ") and "Traceback" not in err, err
    return lines[0]


def _files(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (the index too) by relative path."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _fill(folder: Path, n: int = 6) -> Path:
    with Library.open(folder) as lib:
        for i in range(n):
            lib.articles.add(ArticleDraft(title=f"Harbour story {i}", tags=["port"],
                                          text=f"The harbour wall {i} was rebuilt by crews over the winter, "
                                               f"the council said on day {i}."))
        lib.passages.add(1, quote="harbour wall", note="check the cost")
    return folder


def _backed_up(folder: Path) -> tuple[Path, Path]:
    _fill(folder)
    with Library.open(folder) as lib:
        return folder, backup.automatic(lib.db, folder)


def _truncate(folder: Path) -> None:
    db_path = folder / "library.db"
    os.truncate(db_path, db_path.stat().st_size // 2)


# ------------------------------------------------------------------ a real small disk (root)

class SmallDisk:
    """A 3 MB tmpfs: fill it, free it, make it read-only and writable again."""

    def __init__(self, mount: Path):
        self.mount = mount
        self.filler = mount / "filler"

    def fill(self, leave: int = 20 * 1024) -> None:
        free = shutil.disk_usage(self.mount).free
        with open(self.filler, "ab") as fh:
            fh.write(b"\0" * max(0, free - leave))
        assert shutil.disk_usage(self.mount).free <= leave + 8192

    def free(self) -> None:
        self.filler.unlink(missing_ok=True)

    def remount(self, mode: str) -> None:
        subprocess.run(["mount", "-o", f"remount,{mode}", str(self.mount)], check=True)


@pytest.fixture
def small_disk(tmp_path):
    if os.name != "posix" or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("a real full or read-only disk needs root to mount a tmpfs")
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield SmallDisk(mount)
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_full_disk_is_disk_full_not_damage_and_recover_changes_nothing(small_disk, capsys):
    """≤ 20 KB free: SQLite cannot create the -shm. Every command says "disk full" (exit 3),
    `recover` moves nothing aside, and once space is freed every article is still there."""
    folder, _ = _backed_up(small_disk.mount / "lib")
    before = (folder / "library.db").read_bytes()
    small_disk.fill()
    for command in (["list"], ["search", "harbour"], ["check"], ["recover"]):
        code, out, err = _cli(folder, *command, capsys=capsys)
        line = _one_line(err)
        assert code == 3 and "disk full" in line and "damaged" not in line, (command, err)
    assert (folder / "library.db").read_bytes() == before
    assert not list(folder.glob("library.db.damaged-*")) and not list(folder.glob(".clipper-restore-*"))
    small_disk.free()
    code, out, err = _cli(folder, "list", "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["total"] == 6, err
    code, out, _ = _cli(folder, "search", "harbour", "--json", capsys=capsys)
    assert json.loads(out)["total"] == 6


def test_recover_on_a_full_disk_keeps_the_damaged_database_in_place(small_disk, capsys):
    """The restore cannot be staged (no space): the damaged database stays where it was,
    nothing is set aside, no empty library appears; with space back, recover succeeds."""
    folder, good = _backed_up(small_disk.mount / "lib")
    _truncate(folder)
    damaged = _files(folder)
    small_disk.fill(leave=8 * 1024)
    code, out, err = _cli(folder, "recover", capsys=capsys)
    assert code == 3 and "disk full" in _one_line(err)
    assert _files(folder) == damaged
    small_disk.free()
    code, out, err = _cli(folder, "recover", "--json", capsys=capsys)
    assert code == 0, err
    report = json.loads(out)
    assert report["restored_from"] == str(good) and report["articles"] == 6
    assert Path(report["damaged_copy"]).read_bytes() == damaged["library.db"]
    code, out, _ = _cli(folder, "search", "harbour", "--json", capsys=capsys)
    assert json.loads(out)["total"] == 6


def test_read_only_folder_is_read_only_not_damage(small_disk, capsys):
    folder, _ = _backed_up(small_disk.mount / "lib")
    before = _files(folder)
    small_disk.remount("ro")
    try:
        for command in (["list"], ["recover"]):
            code, out, err = _cli(folder, *command, capsys=capsys)
            line = _one_line(err)
            assert code == 3 and "read-only" in line and "damaged" not in line, (command, err)
    finally:
        small_disk.remount("rw")
    assert _files(folder) == before
    code, out, _ = _cli(folder, "list", "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["total"] == 6


def test_backup_and_reindex_on_a_full_disk_are_exit_3_with_one_line(small_disk, capsys):
    folder = _fill(small_disk.mount / "lib", n=30)
    code, out, err = _cli(folder, "list", capsys=capsys)  # leave the -shm in place: the library opens
    assert code == 0
    shm = (folder / "library.db-shm")
    held = Library.open(folder)  # keeps -wal/-shm present, as the GUI would
    try:
        small_disk.fill(leave=4 * 1024)
        assert shm.exists()
        code, out, err = _cli(folder, "backup", str(small_disk.mount / "snap.db"), capsys=capsys)
        assert code == 3 and "disk full" in _one_line(err)
        assert not (small_disk.mount / "snap.db").exists()
        assert not list(small_disk.mount.glob(".clipper-backup-*"))
        code, out, err = _cli(folder, "reindex", capsys=capsys)
        assert code == 3 and "disk full" in _one_line(err), err
    finally:
        held.close()
        small_disk.free()
    code, out, err = _cli(folder, "search", "harbour", "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["total"] == 30


# ------------------------------------------------------------------ the same, by fault injection

class _FailingConnection:
    """A read-only connection whose every statement fails as SQLite does when it cannot
    create the -shm (SQLITE_IOERR_SHMSIZE)."""

    def __init__(self, conn):
        self._conn = conn

    def execute(self, *a, **k):
        exc = sqlite3.OperationalError("disk I/O error")
        exc.sqlite_errorname, exc.sqlite_errorcode = "SQLITE_IOERR_SHMSIZE", 4874
        raise exc

    def close(self):
        self._conn.close()


class _Vfs:
    def __init__(self, real, *, free: int, flag: int = 0):
        self.real, self.free, self.flag = real, free, flag

    def __call__(self, path):
        st = self.real(path)
        fields = list(st)
        fields[4] = fields[5] = self.free // st.f_frsize  # f_bfree, f_bavail
        fields[8] = st.f_flag | self.flag

        class St(tuple):
            f_bsize, f_frsize, f_blocks, f_bfree, f_bavail, f_files, f_ffree, f_favail, f_flag, f_namemax = (
                property(lambda s, i=i: s[i]) for i in range(10))

        return St(fields)


@pytest.mark.parametrize("condition, error, words", [
    ("disk-full", DiskFull, "disk full"),
    ("read-only", LibraryReadOnly, "read-only"),
])
def test_io_errors_are_told_apart_from_damage_by_fault_injection(tmp_path, monkeypatch, capsys,
                                                                 condition, error, words):
    """Fault injection (runs anywhere, any user): the probe's statements fail with SQLite's
    -shm error and os.statvfs reports ≤ 20 KB free or a read-only mount."""
    folder, _ = _backed_up(tmp_path / "lib")
    before = _files(folder)
    real_open = dbmod.open_readonly
    monkeypatch.setattr(dbmod, "open_readonly", lambda *a, **k: _FailingConnection(real_open(*a, **k)))
    vfs = _Vfs(os.statvfs, free=20 * 1024) if condition == "disk-full" else \
        _Vfs(os.statvfs, free=10 ** 9, flag=os.ST_RDONLY)
    monkeypatch.setattr(os, "statvfs", vfs)
    with pytest.raises(error):
        recovery.diagnose(folder)
    for command in ("list", "recover"):
        code, out, err = _cli(folder, command, capsys=capsys)
        line = _one_line(err)
        assert code == 3 and words in line and "damaged" not in line
    assert _files(folder) == before


def test_a_locked_library_is_in_use_not_damaged(tmp_path, monkeypatch, capsys):
    """Another connection holds the database in exclusive locking mode mid-write."""
    folder, _ = _backed_up(tmp_path / "lib")
    monkeypatch.setattr(dbmod, "BUSY_TIMEOUT_MS", 300)
    monkeypatch.setattr(health, "PROBE_TIMEOUT_S", 0.3)
    holder = sqlite3.connect(folder / "library.db", isolation_level=None)
    try:
        holder.execute("PRAGMA locking_mode = EXCLUSIVE")
        holder.execute("BEGIN EXCLUSIVE")
        holder.execute("INSERT INTO meta(key, value) VALUES ('held', 'yes')")
        before = (folder / "library.db").read_bytes()
        with pytest.raises(LibraryLocked):
            recover.recover(folder)
        for command in ("list", "recover"):
            code, out, err = _cli(folder, command, capsys=capsys)
            line = _one_line(err)
            assert code == 3 and "in use" in line and "damaged" not in line, err
        assert (folder / "library.db").read_bytes() == before
        assert not list(folder.glob("library.db.damaged-*"))
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_recover_failing_while_staging_changes_nothing(tmp_path, monkeypatch, capsys):
    """Fault injection: the copy of the backup fails half-way with SQLite's "database or
    disk is full". The damaged database (and its -wal) stay in place, nothing is set aside,
    the half-written staging file is removed."""
    folder, good = _backed_up(tmp_path / "lib")
    (folder / "library.db-wal").write_bytes(os.urandom(4096))  # junk log: damaged
    damaged = _files(folder)
    real_copy = health.copy_library

    def full_half_way(source, target, **kw):
        Path(target).write_bytes(b"half a copy")
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(health, "copy_library", full_half_way)
    code, out, err = _cli(folder, "recover", capsys=capsys)
    assert code == 3 and "disk full" in _one_line(err) and "nothing was changed" in err
    assert _files(folder) == damaged
    monkeypatch.setattr(health, "copy_library", real_copy)
    code, out, err = _cli(folder, "recover", "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["restored_from"] == str(good)


def test_recover_failing_at_the_swap_puts_everything_back(tmp_path, monkeypatch, capsys):
    """Fault injection: the final rename of the staged copy fails. The damaged database and
    its -wal are back under their names; no aside copy, no staging file remains."""
    folder, _ = _backed_up(tmp_path / "lib")
    (folder / "library.db-wal").write_bytes(os.urandom(4096))
    damaged = _files(folder)
    real_replace = os.replace

    def refuse_the_swap(src, dst, *a, **k):
        if Path(dst).name == "library.db":
            raise OSError(5, "Input/output error")
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", refuse_the_swap)
    code, out, err = _cli(folder, "recover", capsys=capsys)
    assert code == 3 and "left as it was" in _one_line(err)
    assert _files(folder) == damaged


def test_library_db_is_never_missing_during_recover(tmp_path, monkeypatch):
    """The damaged file is hard-linked aside before the staged copy replaces it: at the
    moment of the swap both exist (a crash then loses nothing and leaves a database)."""
    folder, _ = _backed_up(tmp_path / "lib")
    _truncate(folder)
    seen = []
    real_replace = os.replace

    def watch(src, dst, *a, **k):
        if Path(dst).name == "library.db":
            seen.append((Path(dst).exists(), sorted(p.name for p in folder.glob("library.db.damaged-*"))))
        return real_replace(src, dst, *a, **k)

    monkeypatch.setattr(os, "replace", watch)
    report = recover.recover(folder)
    assert seen and seen[0][0] is True and seen[0][1] == [Path(report["damaged_copy"]).name]


# ------------------------------------------------------------------ foreign schema objects

def _plant(db_path: Path, *statements: str) -> None:
    conn = sqlite3.connect(db_path)
    try:
        for sql in statements:
            conn.execute(sql)
        conn.commit()
    finally:
        conn.close()


TRIGGER = ("CREATE TRIGGER evil AFTER INSERT ON passages BEGIN "
           "UPDATE articles SET url = 'javascript:alert(1)'; DELETE FROM notes; END")


def test_a_backup_with_a_planted_trigger_is_refused(tmp_path, capsys):
    folder, good = _backed_up(tmp_path / "lib")
    planted = tmp_path / "planted.db"
    shutil.copy(good, planted)
    _plant(planted, TRIGGER)
    target = tmp_path / "new"
    code, out, err = _cli(target, "restore", str(planted), capsys=capsys)
    line = _one_line(err)
    assert code == 1 and "foreign schema object" in line and "evil" in line
    assert not target.exists()  # a rejected restore creates nothing


def test_a_restored_library_has_only_clipper_schema_and_the_trigger_never_fires(tmp_path, capsys):
    """Even a backup that slipped a foreign object past nothing: the restore copies data
    into a freshly created schema, so the restored file's schema equals a fresh library's."""
    folder, good = _backed_up(tmp_path / "lib")
    target = tmp_path / "restored"
    code, out, err = _cli(target, "restore", str(good), capsys=capsys)
    assert code == 0, err
    fresh = tmp_path / "fresh"
    Library.open(fresh).close()

    def schema_of(path):
        conn = sqlite3.connect(path)
        try:
            return sorted(conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_master"))
        finally:
            conn.close()

    assert schema_of(target / "library.db") == schema_of(fresh / "library.db")
    assert db_snapshot(target / "library.db")["articles"] == db_snapshot(folder / "library.db")["articles"]


@pytest.mark.parametrize("statement", [
    TRIGGER,
    "CREATE VIEW teaser AS SELECT title FROM articles",
    "CREATE TABLE loot (x)",
    "CREATE INDEX articles_extra ON articles(extra)",
    "DROP INDEX articles_url",
])
def test_check_reports_foreign_or_missing_schema_objects(tmp_path, capsys, statement):
    folder = _fill(tmp_path / "lib")
    _plant(folder / "library.db", statement)
    code, out, err = _cli(folder, "check", "--json", capsys=capsys)
    report = json.loads(out)
    assert code == 1 and report["database"]["ok"] is False
    assert any("schema object" in p for p in report["database"]["problems"]), report
    code, out, _ = _cli(folder, "check", capsys=capsys)
    assert code == 1 and "DAMAGED" in out and "schema object" in out


def test_a_changed_table_definition_is_refused(tmp_path, capsys):
    """Same names, different definition: a CHECK dropped from passages by rebuilding it."""
    folder, good = _backed_up(tmp_path / "lib")
    changed = tmp_path / "changed.db"
    shutil.copy(good, changed)
    conn = sqlite3.connect(changed)
    sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = 'passages'").fetchone()[0]
    conn.execute("PRAGMA writable_schema = ON")
    conn.execute("UPDATE sqlite_master SET sql = ? WHERE name = 'passages'",
                 [sql.replace("CHECK (status IN ('anchored', 'orphaned'))", "")])
    conn.commit()
    conn.close()
    code, out, err = _cli(tmp_path / "new", "restore", str(changed), capsys=capsys)
    assert code == 1 and "differs from Clipper's definition" in _one_line(err)
    assert not (tmp_path / "new").exists()


def _recursive_view_file(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE VIEW articles AS WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) "
                 "SELECT x AS id, '' AS text FROM r")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    assert path.stat().st_size <= 8192
    return path


def test_a_recursive_view_backup_is_refused_at_once(tmp_path, capsys):
    bomb = _recursive_view_file(tmp_path / "bomb.db")
    started = time.monotonic()
    code, out, err = _cli(tmp_path / "new", "restore", str(bomb), capsys=capsys)
    assert time.monotonic() - started < 5
    assert code == 1 and "view 'articles'" in _one_line(err)
    assert not (tmp_path / "new").exists()


def test_a_recursive_view_in_backups_never_makes_a_damaged_library_spin(tmp_path, capsys):
    folder, good = _backed_up(tmp_path / "lib")
    _recursive_view_file(backup.backup_dir(folder) / "library-29990101T000000000000Z-auto.db")
    _truncate(folder)
    started = time.monotonic()
    code, out, err = _cli(folder, "list", capsys=capsys)
    assert code == 3 and good.name in _one_line(err)  # names the good backup, not the bomb
    code, out, err = _cli(folder, "recover", "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["restored_from"] == str(good)
    assert time.monotonic() - started < 20


def test_a_planted_backup_in_backups_is_skipped_by_recover(tmp_path, capsys):
    folder, good = _backed_up(tmp_path / "lib")
    newer = good.with_name("library-29990101T000000000000Z-auto.db")
    shutil.copy(good, newer)
    _plant(newer, TRIGGER)
    _truncate(folder)
    code, out, err = _cli(folder, "recover", "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["restored_from"] == str(good)
    with Library.open(folder) as lib:
        before_notes = lib.notes.for_article(1)
        lib.passages.add(2, quote="harbour wall")  # the insert the trigger waited for
        assert lib.articles.get(1).url == ""
        assert lib.notes.for_article(1) == before_notes


def test_verification_is_bounded_in_time(tmp_path):
    """The progress handler interrupts a statement past its deadline (the backstop behind
    the schema comparison, which refuses the recursive view before it is ever read)."""
    conn = sqlite3.connect(":memory:")
    started = time.monotonic()
    with pytest.raises(health.TooSlow):
        with health.bounded(conn, 0.3):
            conn.execute("WITH RECURSIVE r(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM r) "
                         "SELECT count(*) FROM r").fetchone()
    assert time.monotonic() - started < 3
    conn.close()


def test_a_backup_too_slow_to_verify_is_refused(tmp_path, monkeypatch, capsys):
    """No time at all for the check: it stops at its first long statement (the foreign-key
    check of 3,000 tag links) and the backup is refused."""
    folder, good = _backed_up(tmp_path / "lib")
    conn = sqlite3.connect(good)
    conn.execute("INSERT INTO tags (name, created_at) SELECT 'bulk' || value, '2024-01-01' "
                 "FROM json_each('[' || (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n "
                 "WHERE i < 500) SELECT group_concat(i) FROM n) || ']')")
    conn.execute("INSERT OR IGNORE INTO article_tags SELECT a.id, t.id FROM articles a, tags t")
    conn.commit()
    assert conn.execute("SELECT COUNT(*) FROM article_tags").fetchone()[0] >= 3000
    conn.close()
    assert backup.verify(good)
    monkeypatch.setattr(health, "verify_seconds", lambda path: 0.0)
    code, out, err = _cli(tmp_path / "new", "restore", str(good), capsys=capsys)
    assert code == 1 and "took longer than" in _one_line(err)
    assert not (tmp_path / "new").exists()


# ------------------------------------------------------------------ rejected restores leave nothing

def _other_app_file(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE articles (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO articles (body) VALUES ('not ours')")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    return path


def _newer_backup(good: Path, path: Path) -> Path:
    from clipper.storage import schema

    shutil.copy(good, path)
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION + 1}")
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize("kind", ["other-app", "newer-schema"])
@pytest.mark.parametrize("target_state", ["missing", "empty-folder"])
def test_a_rejected_restore_leaves_nothing_and_a_good_one_then_works(tmp_path, capsys, kind, target_state):
    folder, good = _backed_up(tmp_path / "lib")
    bad = _other_app_file(tmp_path / "other.db") if kind == "other-app" else \
        _newer_backup(good, tmp_path / "newer.db")
    target = tmp_path / "target" / "lib"
    if target_state == "empty-folder":
        target.mkdir(parents=True)
    code, out, err = _cli(target, "restore", str(bad), capsys=capsys)
    line = _one_line(err)
    assert code == 1 and "not a valid Clipper backup" in line
    if kind == "newer-schema":
        assert "newer Clipper" in line
    if target_state == "missing":
        assert not (tmp_path / "target").exists()
    else:
        assert list(target.iterdir()) == []
    code, out, err = _cli(target, "restore", str(good), "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["articles"] == 6, err


def test_restore_over_a_folder_holding_another_apps_database_is_refused(tmp_path, capsys):
    folder, good = _backed_up(tmp_path / "lib")
    target = tmp_path / "target"
    target.mkdir()
    _other_app_file(target / "library.db")
    before = _files(target)
    code, out, err = _cli(target, "restore", str(good), capsys=capsys)
    assert code == 3 and "not an empty Clipper library" in _one_line(err)
    assert _files(target) == before


# ------------------------------------------------------------------ %XX, # and ? in folder names

@pytest.mark.parametrize("name", ["50%20off", "a#b", "why?", "mix %41#1?x=y"])
def test_library_folders_with_uri_characters_work(tmp_path, capsys, name):
    parent = tmp_path / name
    folder = parent / "lib"
    expected = corpus(tmp_path / "src", 3)
    code, out, err = _cli(folder, "import", str(tmp_path / "src"), capsys=capsys)
    assert code == 0, err
    assert recovery.diagnose(folder).ok
    for command in (["list"], ["check"], ["search", "harbour OR council OR river"]):
        code, out, err = _cli(folder, *command, capsys=capsys)
        assert code in (0,) and "damaged" not in err, (command, err)
    code, out, err = _cli(folder, "backup", str(parent / "snap.db"), capsys=capsys)
    assert code == 0, err
    assert backup.verify(parent / "snap.db")
    code, out, err = _cli(parent / "restored", "restore", str(parent / "snap.db"), "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["articles"] == len(expected), err
    with Library.open(folder) as lib:
        backup.automatic(lib.db, folder)
    _truncate(folder)
    code, out, err = _cli(folder, "recover", "--json", capsys=capsys)
    assert code == 0 and json.loads(out)["articles"] == len(expected), err
    # No stray database beside the library (what "a#b" used to make of "file:.../a#b/...").
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, "src"])
    assert sorted(p.name for p in parent.iterdir()) == ["lib", "restored", "snap.db"]


def test_uri_quotes_the_path():
    uri = dbmod.uri("/tmp/50%20off/a#b/why?/library.db", mode="ro")
    assert uri == "file:/tmp/50%2520off/a%23b/why%3F/library.db?mode=ro"


# ------------------------------------------------------------------ disk full part-way through an import

def _sources(folder: Path, sizes: list[int]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for n, paragraphs in enumerate(sizes):
        body = "\n\n".join(f"Paragraph {i} of story {n}: the harbour crews {n}x{i} repaired the wall "
                           f"before the winter storms, the council said." for i in range(paragraphs))
        path = folder / f"story-{n}.txt"
        path.write_text(f"Harbour story number {n}\n\n{body}\n")
        out.append(path)
    return out


def test_disk_full_part_way_reports_what_was_saved(tmp_path, monkeypatch, capsys):
    """Fault injection: SQLite's page limit (PRAGMA max_page_count) leaves room for the three
    small articles but not the fourth, big one. The import says which were saved (also with
    --json), names where it stopped, exits 3, and the database holds exactly those."""
    folder = tmp_path / "lib"
    Library.open(folder).close()
    files = _sources(tmp_path / "src", [3, 3, 3, 900, 3])
    real_connect = dbmod.connect

    def capped(path, **kw):
        db = real_connect(path, **kw)
        pages = db.execute("PRAGMA page_count").fetchone()[0]
        db.execute(f"PRAGMA max_page_count = {pages + 12}")
        return db

    monkeypatch.setattr(dbmod, "connect", capped)
    code, out, err = _cli(folder, "import", *map(str, files), "--json", capsys=capsys)
    assert code == 3
    report = json.loads(out)
    assert [e["source"] for e in report["imported"]] == [str(f) for f in files[:3]]
    assert report["stopped"]["source"] == str(files[3]) and "disk full" in report["stopped"]["error"]
    line = _one_line(err)
    assert "disk full" in line and "3 saved before it are kept" in line and str(files[3]) in line
    monkeypatch.setattr(dbmod, "connect", real_connect)
    with Library.open(folder) as lib:
        assert sorted(lib.articles.ids()) == sorted(e["id"] for e in report["imported"])
    code, out, err = _cli(folder, "import", *map(str, files[:3]), capsys=capsys)
    assert code == 0 and out.count("duplicate of") == 3  # really saved


def test_disk_full_part_way_on_a_real_small_disk(small_disk, capsys):
    """A 3 MB tmpfs and 40 articles of ~120 KB: the import stops when the disk is full;
    every article it reports as imported is in the database, and nothing else is."""
    folder = small_disk.mount / "lib"
    Library.open(folder).close()
    files = _sources(Path(str(small_disk.mount) + "-src"), [600] * 40)
    code, out, err = _cli(folder, "import", *map(str, files), "--json", capsys=capsys)
    assert code == 3, err
    report = json.loads(out)
    assert report["stopped"] and "disk full" in report["stopped"]["error"]
    assert "Traceback" not in err
    small_disk.free()
    shutil.rmtree(str(small_disk.mount) + "-src", ignore_errors=True)
    with Library.open(folder) as lib:
        assert sorted(lib.articles.ids()) == sorted(e["id"] for e in report["imported"])
        assert len(report["imported"]) < 40
