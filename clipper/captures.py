"""Captures: the original bytes every import read, with where and how they were read.

Provenance model (README "Captures and versions"):
- an importer attaches an ``Original`` to each draft it makes: the bytes it parsed (the
  .txt, the saved page, the fetched response body, the whole feed or export file; a feed
  entry or export row is named by its 1-based ``entry`` number), how it got them (file,
  stdin, url: requested and final URL, HTTP status and the headers that matter) and which
  parser read them;
- storing the article writes the bytes once, compressed, as a content-addressed blob
  ``<library>/captures/ab/cdef….zst`` named by the SHA-256 of the original bytes
  (identical bytes are stored once whatever imports them), and a capture record
  (clipper.storage.captures) naming the blob, the article version it produced and the
  SHA-256 of the text stored for that version;
- ``verify`` recomputes every hash: each blob against its name and each version's text
  against the hash recorded when it was stored.
"""
from __future__ import annotations

import gzip
import hashlib
import os
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from clipper.text.normalize import text_hash

CAPTURE_DIR = "captures"
# The response headers worth keeping (the rest of a response is noise for provenance).
KEPT_HEADERS = ("content-type", "etag", "last-modified", "date", "content-language", "cache-control", "expires",
                "location", "server")


@dataclass
class Original:
    """What an importer read, attached to the drafts it made (ArticleDraft.capture)."""

    data: bytes
    origin: str  # "file" | "stdin" | "url"
    kind: str  # the parser: text, html, mhtml, feed, instapaper, wallabag, jsonfeed, bookmarks, pocket, opml
    source: str  # path, "stdin" or the requested URL
    final_url: str = ""
    status: int | None = None
    headers: dict = field(default_factory=dict)  # lower-case names, KEPT_HEADERS only
    charset: str | None = None
    entry: int | None = None  # 1-based entry/row number inside a feed or an export
    captured_at: str = ""
    digest: str = ""  # sha256 of ``data``, reckoned once: every entry of a feed shares it

    @property
    def sha256(self) -> str:
        # (Reckoned per entry, it hashed a 114 MB feed 100,000 times: 15 entries/s.)
        if not self.digest:
            self.digest = hashlib.sha256(self.data).hexdigest()
        return self.digest


def original_from(data: bytes, *, origin: str, kind: str | None, source: str, final_url: str = "",
                  status: int | None = None, headers: dict | None = None, charset: str | None = None) -> Original:
    from clipper.storage.db import utcnow

    kept = {k: v for k, v in (headers or {}).items() if k.lower() in KEPT_HEADERS}
    return Original(data=data, origin=origin, kind=kind or "", source=source, final_url=final_url, status=status,
                    headers=kept, charset=charset, captured_at=utcnow(), digest=hashlib.sha256(data).hexdigest())


def attach(items: list, original: Original) -> list:
    """Give each draft in ``items`` (drafts and InputErrors) its capture, unless it already
    has one (a page fetched for a feed entry keeps the page). Entries of a multi-entry
    source get their entry number (from the draft's ``source#N``)."""
    from dataclasses import replace

    from clipper.models import ArticleDraft

    many = original.kind in ("feed", "instapaper", "wallabag", "jsonfeed", "bookmarks", "opml") or sum(
        isinstance(i, ArticleDraft) for i in items) > 1
    for item in items:
        if not isinstance(item, ArticleDraft) or getattr(item, "capture", None) is not None:
            continue
        entry = None
        if many and "#" in (item.source or ""):
            tail = item.source.rsplit("#", 1)[1]
            entry = int(tail) if tail.isdigit() else None
        kind = "pocket" if original.kind == "html" and many else original.kind
        item.capture = replace(original, entry=entry, kind=kind)
    return items


@lru_cache(maxsize=None)
def extractor_for(kind: str) -> str:
    """The name and version of what turns ``kind`` into text."""
    from importlib.metadata import PackageNotFoundError, version

    package = {"html": "trafilatura", "mhtml": "trafilatura", "feed": "feedparser", "pocket": "lxml"}.get(kind)
    if package is None:
        return f"clipper-{kind or 'text'}"
    try:
        return f"{package} {version(package)}"
    except PackageNotFoundError:  # pragma: no cover
        return package


def clipper_version() -> str:
    from clipper import __version__

    return __version__


# ---------------------------------------------------------------------------- blob store

def _zstd():
    try:
        import zstandard
    except ImportError:  # pragma: no cover - zstandard is a dependency; gzip keeps working without it
        return None
    return zstandard


def blob_path(folder: Path, sha256: str, stored: str) -> Path:
    return Path(folder) / CAPTURE_DIR / sha256[:2] / f"{sha256[2:]}.{stored}"


_local = threading.local()


def compress(data: bytes) -> tuple[bytes, str]:
    z = _zstd()
    if z is not None:
        compressor = getattr(_local, "zstd", None)
        if compressor is None:  # one per thread: a compressor is not thread-safe, and costly to make
            compressor = _local.zstd = z.ZstdCompressor(level=3)
        return compressor.compress(data), "zst"
    return gzip.compress(data, compresslevel=6), "gz"


def decompress(blob: bytes, stored: str) -> bytes:
    if stored == "zst":
        z = _zstd()
        if z is None:  # pragma: no cover
            raise ValueError("zstandard is not installed")
        return z.ZstdDecompressor().decompress(blob)
    if stored == "gz":
        return gzip.decompress(blob)
    raise ValueError(f"unknown blob format {stored!r}")


def put_blob(folder: Path, data: bytes, sha256: str | None = None) -> tuple[str, str, int]:
    """Store ``data`` once (content-addressed); returns (sha256, stored, stored_size)."""
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    for stored in ("zst", "gz"):
        try:
            return sha256, stored, os.stat(blob_path(folder, sha256, stored)).st_size
        except FileNotFoundError:
            continue
    packed, stored = compress(data)
    write_blob_file(folder, sha256, stored, packed)
    return sha256, stored, len(packed)


def write_blob_file(folder: Path, sha256: str, stored: str, packed: bytes) -> Path:
    """Write a blob under a temporary name and rename it into place (a reader never sees
    half a blob; two writers of the same blob write the same bytes)."""
    path = blob_path(folder, sha256, stored)
    tmp = path.parent / f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        fh = open(tmp, "wb")
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(tmp, "wb")
    try:
        with fh:
            fh.write(packed)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def read_blob(folder: Path, sha256: str, stored: str) -> bytes:
    """The original bytes (raises FileNotFoundError or ValueError on a damaged blob)."""
    packed = blob_path(folder, sha256, stored).read_bytes()
    try:
        return decompress(packed, stored)
    except Exception as exc:  # zstd/gzip errors of many kinds  # noqa: BLE001 - a kept original is a convenience; never fails the import
        raise ValueError(f"cannot decompress ({exc.__class__.__name__})") from None


def remove_blob_file(path: Path) -> bool:
    """Remove one blob file (False: it was not there)."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


def blob_files(folder: Path):
    """(sha256, stored, path) of every blob file in ``<folder>/captures`` (temporary files
    of a write in progress are not blobs)."""
    root = Path(folder) / CAPTURE_DIR
    if not root.is_dir():
        return
    for sub in sorted(root.iterdir()):
        if not (sub.is_dir() and len(sub.name) == 2):
            continue
        for path in sorted(sub.iterdir()):
            stem, dot, stored = path.name.partition(".")
            sha = sub.name + stem
            if dot and stored in ("zst", "gz") and len(sha) == 64 and all(ch in "0123456789abcdef" for ch in sha):
                yield sha, stored, path


def sweep(lib, candidates) -> list[str]:
    """Remove the blob files of ``candidates`` (SHA-256 hashes) that no capture — live or in
    the Trash — names any more. Call it after the transaction that dropped their last
    reference has committed: a kill in between leaves at worst an orphan blob (``verify``
    reports it, ``verify --prune`` removes it), never a capture without its blob. The check
    and the removal run under the write lock, so an import cannot start using one of these
    blobs between them (an import stores its blob inside its own write). Inside an open
    write (a nested call) nothing is removed: the caller's commit is not done yet.
    Returns the hashes removed."""
    from clipper.storage import captures as store
    from clipper.storage import db as dbmod

    candidates = set(candidates)
    if not candidates or lib.db.conn.in_transaction:
        return []
    removed = []
    with dbmod.transaction(lib.db):  # the write lock; nothing is written (no change record)
        for sha in sorted(candidates - store.referenced_among(lib.db, candidates)):
            gone = [remove_blob_file(blob_path(lib.folder, sha, stored)) for stored in ("zst", "gz")]
            if any(gone):
                removed.append(sha)
    return removed


def orphans(lib) -> list[dict]:
    """Blob files no capture (live or in the Trash) names: {"sha256", "blob", "size"}."""
    from clipper.storage import captures as store

    referenced = store.referenced_hashes(lib.db)
    return [{"sha256": sha, "blob": str(path.relative_to(lib.folder)), "size": path.stat().st_size}
            for sha, _stored, path in blob_files(lib.folder) if sha not in referenced]


def prune(lib) -> list[dict]:
    """Remove the orphan blobs (checked again under the write lock). Returns those removed."""
    found = orphans(lib)
    removed = set(sweep(lib, {o["sha256"] for o in found}))
    return [o for o in found if o["sha256"] in removed]


# ------------------------------------------------------------------------------ backups

def pack_into_backup(snapshot_path: Path, folder: Path) -> int:
    """Copy the blobs the snapshot's captures name into the snapshot file (a table that
    ``unpack_from_backup`` empties on restore). Returns how many were packed."""
    from clipper.storage import captures as store
    from clipper.storage import db as dbmod

    import sqlite3

    import sqlite_utils

    db = sqlite_utils.Database(sqlite3.connect(str(snapshot_path), isolation_level=None))  # keeps its journal mode
    try:
        if not _has_captures(db):
            return 0
        packed = 0
        with dbmod.transaction(db):
            store.create_blob_table(db)
            for sha, stored in store.blob_hashes(db):
                try:
                    data = blob_path(folder, sha, stored).read_bytes()
                except OSError:
                    continue  # missing: `clipper verify` reports it in the restored library
                store.put_blob_row(db, sha, stored, data)
                packed += 1
        return packed
    finally:
        db.conn.close()


def unpack_from_backup(db_path: Path, folder: Path) -> int:
    """Write the blobs a restored snapshot carries into ``<folder>/captures`` and drop
    their table from the restored database. Returns how many were written."""
    from clipper.storage import captures as store
    from clipper.storage import db as dbmod

    db = dbmod.connect(db_path)
    try:
        if not store.has_blob_table(db):
            return 0
        written = 0
        for sha, stored, data in store.blob_rows(db):
            if not blob_path(folder, sha, stored).exists():
                write_blob_file(folder, sha, stored, bytes(data))
                written += 1
        with dbmod.transaction(db):
            store.drop_blob_table(db)
        db.execute("VACUUM")
        return written
    finally:
        db.conn.close()


def _has_captures(db) -> bool:
    return "captures" in db.table_names()


# ------------------------------------------------------------------------------ library

def record(lib, article_id: int, version: int, original: Original, stored_text: str) -> int:
    """Store the blob and its capture record (inside the caller's write transaction)."""
    from clipper.storage import captures as store

    sha, stored, stored_size = put_blob(lib.folder, original.data, original.sha256)
    headers = original.headers or {}
    return store.insert(
        lib.db, article_id=article_id, version=version, sha256=sha, size=len(original.data), stored=stored,
        stored_size=stored_size, origin=original.origin, kind=original.kind, source=original.source,
        final_url=original.final_url, entry=original.entry, status=original.status,
        etag=headers.get("etag", ""), last_modified=headers.get("last-modified", ""),
        content_type=headers.get("content-type", ""), headers=headers, captured_at=original.captured_at or None,
        clipper_version=clipper_version(), extractor=extractor_for(original.kind), text_hash=text_hash(stored_text))


def list_for(lib, article_id: int) -> list[dict]:
    from clipper.storage import captures as store

    lib.articles.get(article_id)  # NotFound
    out = []
    for c in store.for_article(lib.db, article_id):
        data = c.to_dict()
        data["blob"] = str(blob_path(lib.folder, c.sha256, c.stored).relative_to(lib.folder))
        out.append(data)
    return out


def verify(lib, article_id: int | None = None) -> dict:
    """Recompute every hash: blobs against their SHA-256 names and sizes, each version's
    stored text against the hash recorded when it was stored, each capture's text hash
    against its version's. ``{"checked": N, "mismatches": [...], "missing": [{"sha256",
    "captures"}]}`` (blob files gone: also among the mismatches) and, for the whole library,
    ``"orphans"``: blob files no capture names (harmless; ``prune`` removes them)."""
    from clipper import versions
    from clipper.storage import captures as store

    ids = [article_id] if article_id is not None else None
    if article_id is not None:
        lib.articles.get(article_id)  # NotFound
    mismatches: list[dict] = []
    checked = 0
    blob_ok: dict[str, str | None] = {}  # sha256 → problem (None: fine)
    version_hashes: dict[tuple[int, int], str] = {}
    missing: dict[str, list[int]] = {}  # sha256 → the captures naming a blob file that is gone
    for c in store.all_captures(lib.db, ids):
        checked += 1
        if c.sha256 not in blob_ok:
            blob_ok[c.sha256] = _check_blob(lib.folder, c)
        problem = blob_ok[c.sha256]
        if problem:
            mismatches.append({"capture": c.id, "article_id": c.article_id, "version": c.version,
                               "what": "original", "problem": problem})
            if problem == _MISSING:
                missing.setdefault(c.sha256, []).append(c.id)
        key = (c.article_id, c.version)
        if key not in version_hashes:
            version_hashes[key] = versions.recorded_hash(lib, c.article_id, c.version)
        if c.text_hash and version_hashes[key] and c.text_hash != version_hashes[key]:
            mismatches.append({"capture": c.id, "article_id": c.article_id, "version": c.version, "what": "text",
                               "problem": "the capture's text hash differs from its version's"})
    for aid in (ids if ids is not None else versions.articles_with_versions(lib)):
        for number, recorded, actual in versions.text_hashes(lib, aid):
            checked += 1
            if recorded and recorded != actual:
                mismatches.append({"capture": None, "article_id": aid, "version": number, "what": "text",
                                   "problem": "the stored text differs from the text recorded for this version"})
    result = {"checked": checked, "mismatches": mismatches,
              "missing": [{"sha256": sha, "captures": caps} for sha, caps in sorted(missing.items())]}
    if article_id is None:  # blobs nothing names (only a whole-library check can tell)
        result["orphans"] = orphans(lib)
    return result


_MISSING = "the original's blob file is missing"



def _check_blob(folder: Path, c) -> str | None:
    try:
        data = read_blob(folder, c.sha256, c.stored)
    except FileNotFoundError:
        return _MISSING
    except (OSError, ValueError) as exc:
        return f"the original's blob is damaged ({exc})"
    if len(data) != c.size or hashlib.sha256(data).hexdigest() != c.sha256:
        return "the original's bytes differ from their SHA-256"
    return None


def original_bytes(lib, capture) -> bytes:
    return read_blob(lib.folder, capture.sha256, capture.stored)


def pick(lib, article_id: int, capture_id: int | None = None):
    """The capture ``capture_id`` of the article, or its newest (InputError/NotFound)."""
    from clipper.errors import InputError, NotFound
    from clipper.storage import captures as store

    lib.articles.get(article_id)
    if capture_id is not None:
        c = store.get(lib.db, capture_id)
        if c is None or c.article_id != article_id:
            raise NotFound(f"article {article_id} has no capture {capture_id}")
        return c
    c = store.latest_capture(lib.db, article_id)
    if c is None:
        raise InputError(f"article {article_id} has no kept original (imported before captures were kept)")
    return c


_SUFFIX = {"text": ".txt", "html": ".html", "mhtml": ".mhtml", "feed": ".xml", "instapaper": ".csv",
           "wallabag": ".json", "jsonfeed": ".json", "bookmarks": ".json", "pocket": ".html", "opml": ".opml"}


def export_original(lib, article_id: int, target: Path, capture_id: int | None = None) -> dict:
    """Write the original: a WARC file (request + response records) for a URL capture,
    else the original file's bytes. Returns {"path", "format", "capture"}."""
    c = pick(lib, article_id, capture_id)
    data = original_bytes(lib, c)
    target = Path(target)
    if c.origin == "url":
        write_warc(target, c, data)
        fmt = "warc"
    else:
        target.write_bytes(data)
        fmt = "original"
    return {"path": str(target), "format": fmt, "capture": c.id}


def default_name(c) -> str:
    if c.origin == "url":
        return f"capture-{c.id}.warc.gz"
    return f"capture-{c.id}{_SUFFIX.get(c.kind, '.bin')}"


def write_warc(target: Path, c, body: bytes) -> None:
    """A WARC/1.0 file holding the request and the response as Clipper saw them (the body
    decompressed, so Content-Encoding is dropped and Content-Length is the body's)."""
    import io
    from http.client import responses

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    url = c.final_url or c.source
    gz = str(target).endswith(".gz")
    with open(target, "wb") as fh:
        writer = WARCWriter(fh, gzip=gz)
        status = c.status or 200
        headers = [(k.title(), v) for k, v in (c.headers or {}).items() if k not in ("content-length", "content-encoding")]
        headers.append(("Content-Length", str(len(body))))
        http_headers = StatusAndHeaders(f"{status} {responses.get(status, 'OK')}", headers, protocol="HTTP/1.1")
        date = _warc_date(c.captured_at)
        warc_headers = {"WARC-Date": date, "WARC-Clipper-Original-SHA256": c.sha256}
        response = writer.create_warc_record(url, "response", payload=io.BytesIO(body), http_headers=http_headers,
                                             warc_headers_dict=warc_headers)
        writer.write_record(response)
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        req_headers = StatusAndHeaders(f"GET {path} HTTP/1.1", [("Host", parts.netloc)], is_http_request=True)
        request = writer.create_warc_record(url, "request", payload=io.BytesIO(b""), http_headers=req_headers,
                                            warc_headers_dict={"WARC-Date": date})
        writer.write_record(request)


def _warc_date(captured_at: str) -> str:
    # "2026-12-07T09:26:24.123456Z" → "2026-12-07T09:26:24Z" (WARC/1.0 second precision)
    return (captured_at or "")[:19] + "Z" if captured_at else ""
