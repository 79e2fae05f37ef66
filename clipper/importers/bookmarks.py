"""Bookmark files -> link-only entries (or fetched pages with --fetch-full).

    clipper import bookmarks.html            # Netscape format: every browser, Shaarli, Pinboard
    clipper import Bookmarks                 # Chrome's bookmarks file (JSON)
    clipper import bookmarks-2025-01-01.json # Firefox backup, Chrome file, Pinboard export
    clipper import bookmarks.html --fetch-full

Each bookmark becomes one entry with its title, tags (the bookmark's own tags; the folder
it sat in is kept in ``extra["bookmark_folder"]``) and the date it was saved
(``extra["saved_at"]``). Without --fetch-full the entry is link-only: its text is the
bookmark's note (if any) and its address, marked ``extra["link_only"]``. Only http(s)
bookmarks are taken; javascript:, place: and file: entries are skipped.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

import lxml.html
from lxml import etree

from clipper.errors import InputError
from clipper.importers.html import clean_line
from clipper.importers.readlater import FetchPage, finish_entry, split_tags
from clipper.importers.urls import canonical_url, is_fetchable
from clipper.models import ArticleDraft

_NETSCAPE = re.compile(r"<!DOCTYPE\s+NETSCAPE-Bookmark-file", re.I)
_DT_LINK = re.compile(r"<dt>\s*<a\s[^>]*\bhref\s*=", re.I)
_CHROME_EPOCH = 11644473600  # seconds from 1601-01-01 (WebKit time) to 1970-01-01


def looks_like_netscape_bookmarks(text: str) -> bool:
    head = text[:4000]
    if _NETSCAPE.search(head):
        return True
    return bool(re.search(r"<dl[\s>]", head, re.I) and _DT_LINK.search(text[:100_000])
                and re.search(r"\badd_date\s*=", text[:100_000], re.I))


def _epoch(value) -> str:
    """An ISO timestamp from seconds, milliseconds or microseconds since 1970."""
    try:
        number = float(str(value).strip())
    except (TypeError, ValueError):
        return ""
    while number > 1e11:  # milliseconds or microseconds
        number /= 1000
    if number <= 0:
        return ""
    try:
        return datetime.fromtimestamp(number, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return ""


def _webkit(value) -> str:
    """Chrome's microseconds since 1601 -> ISO timestamp."""
    try:
        number = int(str(value).strip()) / 1_000_000 - _CHROME_EPOCH
    except (TypeError, ValueError):
        return ""
    return _epoch(number) if number > 0 else ""


def _iso(value) -> str:
    value = str(value or "").strip()
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return ""


def _entry(number: int, source: str, *, url: str, title: str, note: str = "", tags: list[str],
           saved_at: str = "", folder: str = "", fetch_full: bool, fetch_page: FetchPage | None) -> ArticleDraft | InputError:
    label = f"{source}: bookmark {number}" + (f" ({title[:60]})" if title else f" ({url[:60]})")
    extra: dict = {}
    if saved_at:
        extra["saved_at"] = saved_at
    if folder:
        extra["bookmark_folder"] = folder
    return finish_entry(label, url=canonical_url(url), title=title, tags=tags, published=None, note=note,
                        extra=extra, source=f"{source}#{number}", fetch_full=fetch_full, fetch_page=fetch_page,
                        link_only=True)


def _finish(items: list, skipped: int, source: str) -> list[ArticleDraft | InputError]:
    if not items:
        why = f" ({skipped} non-http bookmarks skipped)" if skipped else ""
        raise InputError(f"{source}: the bookmarks file lists no http(s) bookmark{why}")
    return items


# ---------------------------------------------------------------- Netscape HTML

def parse_netscape_bookmarks(text: str, source: str, *, fetch_full: bool = False,
                             fetch_page: FetchPage | None = None) -> list[ArticleDraft | InputError]:
    """A Netscape bookmarks file (<DL><DT><A HREF ADD_DATE TAGS>…</A><DD>note)."""
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        raise InputError(f"{source}: cannot read the bookmarks file") from None
    items: list[ArticleDraft | InputError] = []
    skipped = 0
    seen: set[str] = set()
    for a in root.iter("a"):
        href = (a.get("href") or "").strip()
        if not is_fetchable(href):
            skipped += 1
            continue
        key = canonical_url(href)
        if key in seen:
            continue
        seen.add(key)
        title = clean_line(a.text_content())
        items.append(_entry(
            len(items) + 1, source, url=href, title=title if title != href else "", note=_netscape_note(a),
            tags=split_tags(a.get("tags") or ""), saved_at=_epoch(a.get("add_date")), folder=_netscape_folder(a),
            fetch_full=fetch_full, fetch_page=fetch_page))
    return _finish(items, skipped, source)


def _netscape_note(a) -> str:
    """The <DD> note after a bookmark's <DT> (parsers put it beside or inside the DT)."""
    dt = a.getparent()
    for node in (a.getnext(), dt.getnext() if dt is not None else None):
        if node is not None and node.tag == "dd":
            return clean_line(node.text or "") or clean_line(node.text_content().split("\n")[0])
    return ""


def _netscape_folder(a) -> str:
    """The folder path ("Bookmarks bar/News") from the <H3> heading each <DL> level."""
    names: list[str] = []
    for dl in a.iterancestors("dl"):
        prev = dl.getprevious()
        while prev is not None and prev.tag not in ("h3", "h1", "dt", "dl"):
            prev = prev.getprevious()
        if prev is not None and prev.tag == "dt":
            prev = prev.find("h3")
        if prev is not None and prev.tag == "h3":
            name = clean_line(prev.text_content())
            if name:
                names.append(name)
    return "/".join(reversed(names))


# ------------------------------------------------------------------------- JSON

def json_bookmarks_kind(doc) -> str:
    """"chrome", "firefox", "pinboard" or "" for a parsed JSON document."""
    if isinstance(doc, dict):
        roots = doc.get("roots")
        if isinstance(roots, dict) and any(isinstance(v, dict) and "children" in v for v in roots.values()):
            return "chrome"
        if doc.get("type") == "text/x-moz-place-container" or (doc.get("root") and isinstance(doc.get("children"), list)
                                                                and "guid" in doc):
            return "firefox"
    if isinstance(doc, list) and doc and all(isinstance(x, dict) for x in doc[:50]):
        if sum(1 for x in doc[:50] if "href" in x and ("time" in x or "hash" in x or "extended" in x)) >= min(len(doc[:50]), 1) \
                and all("href" in x for x in doc[:50]):
            return "pinboard"
    return ""


def parse_json_bookmarks(doc, shape: str, source: str, *, fetch_full: bool = False,
                         fetch_page: FetchPage | None = None) -> list[ArticleDraft | InputError]:
    rows: list[dict] = []  # url, title, note, tags, saved_at, folder
    if shape == "chrome":
        for name, node in (doc.get("roots") or {}).items():
            if isinstance(node, dict):
                _walk_chrome(node, [], rows)
    elif shape == "firefox":
        _walk_firefox(doc, [], rows)
    elif shape == "pinboard":
        for entry in doc:
            rows.append({
                "url": str(entry.get("href") or ""), "title": clean_line(str(entry.get("description") or "")),
                "note": clean_line(str(entry.get("extended") or "")),
                "tags": split_tags(" ".join(str(entry.get("tags") or "").split()).replace(" ", ",")),
                "saved_at": _iso(entry.get("time")),
            })
    items: list[ArticleDraft | InputError] = []
    skipped = 0
    seen: set[str] = set()
    for row in rows:
        url = row["url"].strip()
        if not is_fetchable(url):
            skipped += 1
            continue
        if canonical_url(url) in seen:
            continue
        seen.add(canonical_url(url))
        items.append(_entry(len(items) + 1, source, url=url, title=row.get("title", ""), note=row.get("note", ""),
                            tags=row.get("tags", []), saved_at=row.get("saved_at", ""), folder=row.get("folder", ""),
                            fetch_full=fetch_full, fetch_page=fetch_page))
    return _finish(items, skipped, source)


def _walk_chrome(node: dict, path: list[str], rows: list[dict], depth: int = 0) -> None:
    if depth > 100:
        return
    if node.get("type") == "url":
        rows.append({"url": str(node.get("url") or ""), "title": clean_line(str(node.get("name") or "")),
                     "tags": [], "saved_at": _webkit(node.get("date_added")), "folder": "/".join(path)})
        return
    name = clean_line(str(node.get("name") or ""))
    for child in node.get("children") or []:
        if isinstance(child, dict):
            _walk_chrome(child, path + [name] if name else path, rows, depth + 1)


def _walk_firefox(node: dict, path: list[str], rows: list[dict], depth: int = 0) -> None:
    if depth > 100:
        return
    if node.get("uri") and (node.get("type") == "text/x-moz-place" or node.get("typeCode") == 1):
        rows.append({"url": str(node.get("uri") or ""), "title": clean_line(str(node.get("title") or "")),
                     "tags": split_tags(str(node.get("tags") or "")), "saved_at": _epoch(node.get("dateAdded")),
                     "folder": "/".join(path)})
        return
    title = clean_line(str(node.get("title") or ""))
    for child in node.get("children") or []:
        if isinstance(child, dict):
            _walk_firefox(child, path + [title] if title else path, rows, depth + 1)
