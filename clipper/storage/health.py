"""Read-only probes of a library database file: the start-up check, the full check, and
whether a file is a Clipper library at all (a backup about to be restored).

They never write: connections are opened read-only. ``read_problem`` touches only a few
pages (the schema, the user_version and both ends of the articles table), so its cost does
not grow with the size of the library; ``full_check`` reads every page.

Only damage is reported as a problem. A full disk, a read-only folder or a lock held by
another process raise the matching LibraryError instead (see ``db.translate_error``): none
of them is a reason to set the database aside.

``schema_differences`` compares a database's schema (``sqlite_master``) with what a fresh
library at the same version creates, object by object and by definition: a trigger, view,
table or index Clipper did not make is foreign, and a file holding one is not restored.
Every probe of a file that is not yet trusted runs ``bounded``: a progress handler
interrupts it after a deadline, so even a recursive view cannot make it spin.
"""
from __future__ import annotations

import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterator

import sqlite_utils

from clipper.storage import db as dbmod

PROBE_TIMEOUT_S = 2  # the start-up probe waits this long for a lock (the open itself waits longer)
VERIFY_SECONDS = 30  # a backup's verification may take this long, plus a second per 20 MB
_ALLOWED_EXTRA = ("sqlite_stat1", "sqlite_stat4")  # written by ANALYZE; hold no code


class TooSlow(Exception):
    """A bounded probe ran past its deadline."""


@contextmanager
def bounded(conn: sqlite3.Connection, seconds: float | None) -> Iterator[None]:
    """Interrupt any statement on ``conn`` still running ``seconds`` from now (TooSlow).

    A progress handler stops a statement between virtual-machine steps (a recursive view,
    a long copy); a timer calling ``conn.interrupt()`` also stops the steps that run long
    on their own (``PRAGMA integrity_check`` is one)."""
    if seconds is None:
        yield
        return
    deadline = time.monotonic() + seconds
    conn.set_progress_handler(lambda: time.monotonic() > deadline, 1000)
    timer = threading.Timer(max(0.0, seconds), conn.interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield
    except sqlite3.OperationalError as exc:
        if time.monotonic() > deadline and "interrupt" in str(exc).lower():
            raise TooSlow(f"took longer than {seconds:.0f} s") from None
        raise
    finally:
        timer.cancel()
        conn.set_progress_handler(None, 0)


def verify_seconds(path: Path) -> float:
    try:
        size = Path(path).stat().st_size
    except OSError:
        size = 0
    return VERIFY_SECONDS + size / (20 * 1024 * 1024)


# ---------------------------------------------------------------------------- the start-up probe

def _environment_or_damage(exc: sqlite3.Error, db_path: Path) -> str | None:
    """The damage message for ``exc``; raises the LibraryError of a disk/lock/folder problem."""
    if dbmod.is_damage(exc):
        return str(exc)
    msg = str(exc).lower()
    if "locked" in msg or "busy" in msg:
        return None  # another process is writing: not a problem for the probe
    translated = dbmod.translate_error(exc, db_path)
    if translated is not None:
        raise translated from None
    return str(exc)  # "no such table" and the like: the file is not a usable library


def read_problem(db_path: Path) -> str | None:
    """The sqlite error message met while reading the schema and articles, or None.
    A busy or locked database (another process writing) is not a problem; a full disk or a
    read-only folder raise DiskFull / LibraryReadOnly."""
    try:
        conn = dbmod.open_readonly(db_path, timeout=PROBE_TIMEOUT_S)
    except sqlite3.Error as exc:
        return _environment_or_damage(exc, db_path)
    try:
        names = table_names(conn)
        conn.execute("PRAGMA user_version").fetchone()
        if "articles" in names:
            conn.execute("SELECT max(id), min(id) FROM articles").fetchone()
            conn.execute("SELECT id, length(text) FROM articles ORDER BY id DESC LIMIT 1").fetchone()
    except sqlite3.Error as exc:
        return _environment_or_damage(exc, db_path)
    finally:
        conn.close()
    return None


def full_check(db_path: Path) -> list[str]:
    """PRAGMA integrity_check on the file (read-only); [] when fine. A full disk, a
    read-only folder or a lock raise the matching LibraryError (they are not damage)."""
    try:
        conn = dbmod.open_readonly(db_path, timeout=dbmod.BUSY_TIMEOUT_MS / 1000)
        try:
            return [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
        finally:
            conn.close()
    except sqlite3.Error as exc:
        if dbmod.is_damage(exc):
            return [str(exc)]
        translated = dbmod.translate_error(exc, db_path)
        if translated is not None:
            raise translated from None
        return [str(exc)]


# ---------------------------------------------------------------------------- Clipper's schema

@dataclass(frozen=True)
class SchemaObject:
    type: str
    name: str
    tbl_name: str
    sql: str | None

    @property
    def definition(self) -> str:
        return " ".join((self.sql or "").split())

    def describe(self) -> str:
        on = f" on {self.tbl_name}" if self.type in ("index", "trigger") else ""
        return f"{self.type} {self.name!r}{on}"


def _objects(conn: sqlite3.Connection, schema: str = "main") -> list[SchemaObject]:
    rows = conn.execute(f"SELECT type, name, tbl_name, sql FROM {schema}.sqlite_master ORDER BY rowid")
    return [SchemaObject(*row) for row in rows]


def table_names(conn: sqlite3.Connection) -> set[str]:
    return {o.name for o in _objects(conn) if o.type == "table"}


def expected_schema(version: int) -> list[SchemaObject]:
    """The objects a fresh library at schema ``version`` holds (built in memory, cached)."""
    from clipper.storage import schema

    return list(_expected(tuple(schema.MIGRATIONS[:version])))


@lru_cache(maxsize=8)
def _expected(migrations: tuple) -> tuple[SchemaObject, ...]:
    db = dbmod.memory()
    try:
        for n, migration in enumerate(migrations, start=1):
            with dbmod.transaction(db):
                migration(db)
                db.execute(f"PRAGMA user_version = {n}")
        return tuple(_objects(db.conn))
    finally:
        db.conn.close()


@lru_cache(maxsize=1)
def backup_extras() -> tuple[SchemaObject, ...]:
    """Objects a backup file may carry beyond the library's schema: the table of kept
    originals ``clipper backup`` packs in (clipper.captures), exactly as Clipper creates it.
    A restore copies its rows and then unpacks and drops it."""
    from clipper.storage import captures

    db = dbmod.memory()
    try:
        captures.create_blob_table(db)
        return tuple(_objects(db.conn))
    finally:
        db.conn.close()


def integrity_check(db: sqlite_utils.Database) -> list[str]:
    """PRAGMA integrity_check, foreign keys, and schema objects Clipper did not create
    (or that differ from Clipper's definition); returns [] when the database is fine."""
    rows = [r[0] for r in db.execute("PRAGMA integrity_check").fetchall()]
    problems = [r for r in rows if r != "ok"]
    fk = db.execute("PRAGMA foreign_key_check").fetchall()
    problems += [f"foreign key violation in {r[0]} row {r[1]}" for r in fk]
    problems += schema_differences(db.conn)
    return problems


def schema_differences(conn: sqlite3.Connection, version: int | None = None,
                       extras: tuple[SchemaObject, ...] = ()) -> list[str]:
    """What in the database's schema is not what Clipper creates at ``version`` (default:
    the database's own user_version): foreign objects, changed definitions, missing ones.
    ``extras`` may be present too, if exactly as defined there."""
    if version is None:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    expected = {(o.type, o.name.lower()): o for o in expected_schema(version)}
    optional = {(o.type, o.name.lower()): o for o in extras}
    found = {(o.type, o.name.lower()): o for o in _objects(conn)}
    out = []
    for key, obj in found.items():
        want = expected.get(key)
        if want is None and key in optional:
            want = optional[key]
        if want is None:
            if obj.name.lower() not in _ALLOWED_EXTRA:
                out.append(f"foreign schema object: {obj.describe()} (Clipper does not create it)")
        elif want.definition != obj.definition or want.tbl_name.lower() != obj.tbl_name.lower():
            out.append(f"foreign schema object: {obj.describe()} differs from Clipper's definition")
    for key, want in expected.items():
        if key not in found:
            out.append(f"missing schema object: {want.describe()}")
    return out


def backup_problem(path: Path, *, seconds: float | None = None) -> str | None:
    """Why the file ``path`` cannot be restored as a Clipper library (None: it can).

    Checked in this order, all read-only and within ``seconds`` (default: by file size):
    a SQLite file, a Clipper schema version this Clipper knows, exactly Clipper's schema
    objects at that version, then integrity and foreign keys."""
    from clipper.storage import schema

    seconds = verify_seconds(path) if seconds is None else seconds
    try:
        conn = dbmod.open_readonly(path)
    except sqlite3.Error as exc:
        return str(exc)
    try:
        with bounded(conn, seconds):
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version == 0:
                return "not a Clipper library"
            if version > schema.SCHEMA_VERSION:
                return (f"written by a newer Clipper (schema {version}, this Clipper knows "
                        f"{schema.SCHEMA_VERSION}); upgrade Clipper to restore it")
            differences = schema_differences(conn, version, backup_extras())
            if differences:
                return differences[0]
            bad = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
            if bad:
                return f"damaged: {bad[0]}"
            fk = conn.execute("PRAGMA foreign_key_check").fetchone()
            if fk is not None:
                return f"damaged: foreign key violation in {fk[0]} row {fk[1]}"
    except TooSlow as exc:
        return f"verification {exc}"
    except sqlite3.Error as exc:
        return str(exc)
    finally:
        conn.close()
    return None


def file_content_count(path: Path | str, *, seconds: float = 30) -> int:
    """Articles plus tags stored in the Clipper library file ``path`` (0 for an empty one).

    Raises sqlite3.Error for a damaged file, and ValueError naming the first difference
    when the file is not a Clipper library (it is then none of Clipper's to remove)."""
    conn = dbmod.open_readonly(path)
    try:
        with bounded(conn, seconds):
            if table_names(conn):
                differences = schema_differences(conn)
                if differences:
                    raise ValueError(differences[0])
            total = 0
            for table in ("articles", "tags"):
                if table in table_names(conn):
                    total += conn.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
            return total
    finally:
        conn.close()


def copy_library(source: Path | str, target: Path | str, *, seconds: float) -> int:
    """Copy the data of the verified library file ``source`` into a new file ``target``
    whose schema is created afresh (Clipper's own definitions at the source's version),
    so nothing of the source's schema is adopted. Returns the number of articles.

    Raises sqlite3.Error (interrupted past ``seconds``) or ValueError (the copy does not
    verify)."""
    dest = sqlite3.connect(dbmod.uri(target, mode="rwc"), uri=True, isolation_level=None)
    try:
        with bounded(dest, seconds):
            dest.execute("PRAGMA journal_mode = DELETE")
            dest.execute("ATTACH DATABASE ? AS src", [dbmod.uri(source, mode="ro")])
            version = dest.execute("PRAGMA src.user_version").fetchone()[0]
            objects = expected_schema(version)
            present = {r[0] for r in dest.execute("SELECT name FROM src.sqlite_master WHERE type = 'table'")}
            carried = [o for o in backup_extras() if o.type == "table" and o.name in present]
            dest.execute("BEGIN IMMEDIATE")
            tables = [o for o in objects if o.type == "table" and not o.name.startswith("sqlite_")] + carried
            for o in tables:
                dest.execute(o.sql)
            for o in tables:
                cols = ", ".join(f'"{r[1]}"' for r in dest.execute(f'PRAGMA main.table_info("{o.name}")'))
                dest.execute(f'INSERT INTO main."{o.name}" ({cols}) SELECT {cols} FROM src."{o.name}"')
            if any(o.name == "sqlite_sequence" for o in objects):  # AUTOINCREMENT counters
                dest.execute("DELETE FROM main.sqlite_sequence")
                dest.execute("INSERT INTO main.sqlite_sequence SELECT * FROM src.sqlite_sequence")
            for o in objects:
                if o.type != "table" and o.sql:
                    dest.execute(o.sql)
            dest.execute(f"PRAGMA user_version = {int(version)}")
            dest.execute("COMMIT")
            dest.execute("DETACH DATABASE src")
            problems = [r[0] for r in dest.execute("PRAGMA integrity_check") if r[0] != "ok"]
            problems += [f"foreign key violation in {r[0]} row {r[1]}"
                         for r in dest.execute("PRAGMA foreign_key_check")]
            problems += schema_differences(dest, extras=backup_extras())
            if problems:
                raise ValueError(problems[0])
            return dest.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    finally:
        dest.close()
