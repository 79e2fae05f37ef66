"""SQL for captures (the original bytes an import read) and refresh checks."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import sqlite_utils

from clipper.storage.db import utcnow

_COLUMNS = ("id, article_id, version, sha256, size, stored, stored_size, origin, kind, source, final_url, entry, "
            "status, etag, last_modified, content_type, headers, captured_at, clipper_version, extractor, text_hash")


@dataclass
class CaptureRecord:
    id: int
    article_id: int
    version: int
    sha256: str
    size: int
    stored: str  # "zst" | "gz": how the blob file is compressed
    stored_size: int
    origin: str  # "file" | "stdin" | "url"
    kind: str  # the parser used: text, html, mhtml, feed, instapaper, wallabag, pocket
    source: str  # the path or the requested URL
    final_url: str
    entry: int | None  # entry/row number inside a feed or an export (1-based)
    status: int | None
    etag: str
    last_modified: str
    content_type: str
    headers: dict = field(default_factory=dict)
    captured_at: str = ""
    clipper_version: str = ""
    extractor: str = ""
    text_hash: str = ""

    def to_dict(self) -> dict:
        return asdict(self)


def _build(row) -> CaptureRecord:
    values = list(row)
    values[16] = json.loads(values[16] or "{}")
    return CaptureRecord(*values)


def insert(db: sqlite_utils.Database, *, article_id: int, version: int, sha256: str, size: int, stored: str,
           stored_size: int, origin: str, kind: str, source: str, final_url: str = "", entry: int | None = None,
           status: int | None = None, etag: str = "", last_modified: str = "", content_type: str = "",
           headers: dict | None = None, captured_at: str | None = None, clipper_version: str = "",
           extractor: str = "", text_hash: str = "") -> int:
    cur = db.execute(
        "INSERT INTO captures (article_id, version, sha256, size, stored, stored_size, origin, kind, source, "
        "final_url, entry, status, etag, last_modified, content_type, headers, captured_at, clipper_version, "
        "extractor, text_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [article_id, version, sha256, size, stored, stored_size, origin, kind, source, final_url, entry, status,
         etag, last_modified, content_type, json.dumps(headers or {}, ensure_ascii=False),
         captured_at or utcnow(), clipper_version, extractor, text_hash])
    return cur.lastrowid


def for_article(db: sqlite_utils.Database, article_id: int) -> list[CaptureRecord]:
    return [_build(r) for r in db.execute(
        f"SELECT {_COLUMNS} FROM captures WHERE article_id = ? ORDER BY id", [article_id])]


def get(db: sqlite_utils.Database, capture_id: int) -> CaptureRecord | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM captures WHERE id = ?", [capture_id]).fetchone()
    return _build(row) if row else None


def all_captures(db: sqlite_utils.Database, article_ids: list[int] | None = None):
    """Every capture (of ``article_ids`` when given), in id order, as an iterator."""
    if article_ids is None:
        yield from (_build(r) for r in db.execute(f"SELECT {_COLUMNS} FROM captures ORDER BY id"))
        return
    for aid in article_ids:
        yield from for_article(db, aid)


def blob_hashes(db: sqlite_utils.Database) -> list[tuple[str, str]]:
    """(sha256, stored) of every distinct blob the captures name."""
    return [tuple(r) for r in db.execute("SELECT DISTINCT sha256, stored FROM captures ORDER BY sha256")]


# the captures of trashed articles live in their Trash row's payload (storage/trash.py)
_TRASHED_SHAS = ("SELECT DISTINCT json_extract(c.value, '$.sha256') FROM trash t, "
                 "json_each(t.payload, '$.related.\"captures.article_id\"') c")


def referenced_hashes(db: sqlite_utils.Database) -> set[str]:
    """Every blob hash a capture names: the live captures' and those of trashed articles."""
    out = {r[0] for r in db.execute("SELECT DISTINCT sha256 FROM captures")}
    out.update(r[0] for r in db.execute(_TRASHED_SHAS) if r[0])
    return out


def referenced_among(db: sqlite_utils.Database, hashes) -> set[str]:
    """The hashes of ``hashes`` that a live or trashed capture still names."""
    hashes = list(hashes)
    if not hashes:
        return set()
    live = {r[0] for r in db.execute("SELECT DISTINCT sha256 FROM captures WHERE sha256 IN "
                                     "(SELECT value FROM json_each(?))", [json.dumps(hashes)])}
    rest = set(hashes) - live
    if rest:
        live.update(sha for (sha,) in db.execute(_TRASHED_SHAS) if sha in rest)
    return live


def hashes_of_article(db: sqlite_utils.Database, article_id: int) -> set[str]:
    return {r[0] for r in db.execute("SELECT DISTINCT sha256 FROM captures WHERE article_id = ?", [article_id])}


def hashes_in_trash(db: sqlite_utils.Database, *, older_than: str | None = None,
                    article_id: int | None = None) -> set[str]:
    """The blob hashes named by the Trash rows a purge with these arguments deletes (see
    storage.trash.purge: one article's newest entry, those trashed before ``older_than``,
    or all)."""
    sql, params = _TRASHED_SHAS, []
    if article_id is not None:
        sql += (" WHERE t.id = (SELECT id FROM trash WHERE article_id = ? "
                "ORDER BY trashed_at DESC, id DESC LIMIT 1)")
        params = [article_id]
    elif older_than is not None:
        sql += " WHERE t.trashed_at < ?"
        params = [older_than]
    return {r[0] for r in db.execute(sql, params) if r[0]}


def count(db: sqlite_utils.Database) -> int:
    return db.execute("SELECT COUNT(*) FROM captures").fetchone()[0]


def latest_url_capture(db: sqlite_utils.Database, article_id: int) -> CaptureRecord | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM captures WHERE article_id = ? AND origin = 'url' "
                     "ORDER BY id DESC LIMIT 1", [article_id]).fetchone()
    return _build(row) if row else None


def latest_capture(db: sqlite_utils.Database, article_id: int) -> CaptureRecord | None:
    row = db.execute(f"SELECT {_COLUMNS} FROM captures WHERE article_id = ? ORDER BY version DESC, id DESC LIMIT 1",
                     [article_id]).fetchone()
    return _build(row) if row else None


def articles_with_captures(db: sqlite_utils.Database) -> list[int]:
    return [r[0] for r in db.execute("SELECT DISTINCT article_id FROM captures ORDER BY article_id")]


# ---- refresh checks --------------------------------------------------------------------

def get_check(db: sqlite_utils.Database, article_id: int) -> dict | None:
    row = db.execute("SELECT checked_at, status, etag, last_modified FROM refresh_checks WHERE article_id = ?",
                     [article_id]).fetchone()
    if row is None:
        return None
    return {"checked_at": row[0], "status": row[1], "etag": row[2], "last_modified": row[3]}


def set_check(db: sqlite_utils.Database, article_id: int, *, status: int | None, etag: str, last_modified: str) -> None:
    db.execute("INSERT INTO refresh_checks (article_id, checked_at, status, etag, last_modified) VALUES (?, ?, ?, ?, ?) "
               "ON CONFLICT(article_id) DO UPDATE SET checked_at = excluded.checked_at, status = excluded.status, "
               "etag = excluded.etag, last_modified = excluded.last_modified",
               [article_id, utcnow(), status, etag or "", last_modified or ""])


# ---- backups: blobs carried inside a snapshot file -------------------------------------

BLOB_TABLE = "capture_blobs"


def create_blob_table(db: sqlite_utils.Database) -> None:
    db.execute(f"CREATE TABLE IF NOT EXISTS {BLOB_TABLE} (sha256 TEXT PRIMARY KEY, stored TEXT NOT NULL, data BLOB NOT NULL)")


def put_blob_row(db: sqlite_utils.Database, sha256: str, stored: str, data: bytes) -> None:
    db.execute(f"INSERT OR REPLACE INTO {BLOB_TABLE} (sha256, stored, data) VALUES (?, ?, ?)", [sha256, stored, data])


def has_blob_table(db: sqlite_utils.Database) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [BLOB_TABLE]).fetchone() is not None


def blob_rows(db: sqlite_utils.Database):
    yield from db.execute(f"SELECT sha256, stored, data FROM {BLOB_TABLE}")


def drop_blob_table(db: sqlite_utils.Database) -> None:
    db.execute(f"DROP TABLE IF EXISTS {BLOB_TABLE}")
