"""Importers: turn sources (files, folders, stdin, URLs) into ArticleDrafts.

Qt-free and storage-free. The library's import job calls ``expand_sources`` once and
``load_source_items`` (or ``load_source``) per item; storing, deduplicating, overrides
(--title, --tag ...) and indexing are the library's business.

What a source is decides the parser:
- by suffix, checked against the content: .txt/.text/.md plain text (even if it holds
  HTML), .html/.htm saved page (or a Pocket export, or a Netscape bookmarks file as every
  browser and Shaarli export them), .mhtml/.mht single-file page, .xml/.rss/.atom feed (or
  an OPML list: feed readers name theirs .xml), .csv Instapaper export, .json by its shape
  (JSON Feed, wallabag export, Chrome/Firefox/Pinboard bookmarks; anything else refused by
  name), .opml a feed reader's subscription list (expanded into its feeds by
  ``expand_sources``);
- otherwise (stdin, unknown suffix) by sniffing: binary refused, <?xml/<rss/<feed a feed,
  <opml a subscription list, <html/<!doctype html a page, a MIME multipart/related message
  MHTML, a JSON document by its shape, else plain text;
- URLs (http/https only) by the response's Content-Type, sniffing when it is vague.

URLs named inside a document (OPML outlines, feed entries, bookmarks, exports) are
``LinkedURL``s: fetching them never reaches a loopback, private or link-local address
(resolved addresses are checked) unless the user named that server themselves, nested
subscription lists are followed one level deep, and one list yields at most
``MAX_LINKED_SOURCES`` feeds.

Every draft's title, standfirst and body pass a mojibake check on the way out: text that
was mojibake in the source is repaired, text that still looks garbled is flagged
(``extra["encoding_warning"]``) so the import reports it instead of storing it silently.
"""
from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO, Callable

from clipper.errors import InputError
from clipper.importers.urls import url_origin
from clipper.models import ArticleDraft

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
MHTML_SUFFIXES = {".mhtml", ".mht"}
FEED_SUFFIXES = {".xml", ".rss", ".atom"}
CSV_SUFFIXES = {".csv"}
JSON_SUFFIXES = {".json"}
OPML_SUFFIXES = {".opml"}
IMPORTABLE_SUFFIXES = (TEXT_SUFFIXES | HTML_SUFFIXES | MHTML_SUFFIXES | FEED_SUFFIXES | CSV_SUFFIXES
                       | JSON_SUFFIXES | OPML_SUFFIXES)

_FEED_TYPES = {
    "application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/xml", "text/xml",
    "application/feed+xml", "application/x-rss+xml",
}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_TEXT_TYPES = {"text/plain", "text/markdown"}


@dataclass
class ImportOptions:
    max_bytes: int = DEFAULT_MAX_BYTES
    fetch_full: bool = False
    timeout: float = 20.0  # total seconds for one HTTP fetch, redirects included
    connect_timeout: float = 10.0
    max_redirects: int = 5
    max_decompressed: int | None = None  # None: same as max_bytes (gzip bombs)
    user_agent: str = "Clipper/0.1 (+news clipping manager)"
    # --fetch-full over many entries: a CancelToken checked before each page fetch (raises
    # Cancelled) and a callback told each URL about to be fetched (progress).
    cancel: object | None = None
    on_fetch: Callable[[str], None] | None = None
    # Pages fetched for feed/export entries (--fetch-full): URL → their capture, so an
    # entry whose text came from its page keeps the page as its original.
    page_captures: dict | None = None
    # Extra request headers for URL sources (a refresh's If-None-Match/If-Modified-Since);
    # a 304 answer raises clipper.importers.fetch.NotModified.
    request_headers: dict | None = None
    # Fetch loopback/private addresses named inside documents (tests, intranet lists).
    allow_private: bool = False
    # How many subscription lists deep this load is (an OPML inside an OPML is level 1).
    list_depth: int = 0


MAX_LINKED_SOURCES = 1000  # feeds taken from one subscription list
MAX_LIST_DEPTH = 1  # a subscription list inside a list is read; one inside that is not


class LinkedURL(str):
    """A URL named inside a document (an OPML outline, a feed entry, a bookmark), not
    typed by the user. ``origin`` is the scheme://host:port of the document that named
    it when that document was itself fetched from a URL ("" for files and stdin): a
    private server that served the list may be asked for the feeds it names."""

    origin: str = ""

    def __new__(cls, url: str, origin: str = ""):
        obj = super().__new__(cls, url)
        obj.origin = origin
        return obj


def is_url(source: str) -> bool:
    return bool(re.match(r"^[A-Za-z][A-Za-z0-9+.\-]*://", source or "")) or bool(
        re.match(r"^(?:data|file|javascript|mailto|about):", source or "", re.I)
    )


def expand_sources(sources: list[str], options: ImportOptions | None = None) -> list[str]:
    """Folders become the importable files below them (sorted, recursive); an OPML file
    becomes the feed URLs it lists (one source each: progress and failures per feed).

    Hidden files/folders and "Save page as" ``*_files`` folders are skipped; files named
    directly are kept whatever their suffix (their content decides). An OPML file that
    cannot be read stays as it is, so importing it reports why.
    """
    options = options or ImportOptions()
    out: list[str] = []
    seen: set[str] = set()

    def add_file(path: Path) -> None:
        suffix = path.suffix.lower()
        if suffix in OPML_SUFFIXES or suffix in FEED_SUFFIXES:
            from clipper.importers.opml import feed_urls

            try:
                data = read_file(path, options.max_bytes)
                if suffix in OPML_SUFFIXES or sniff_kind(data) == "opml":
                    for url in feed_urls(data, display_name(path), limit=MAX_LINKED_SOURCES):
                        key = _url_key(url)
                        if key not in seen:
                            seen.add(key)
                            out.append(LinkedURL(url))
                    return
            except InputError:
                pass
        out.append(str(path))

    for src in sources:
        if src == "-" or is_url(src):
            out.append(src)
            continue
        path = Path(src)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not d.endswith("_files"))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    if Path(name).suffix.lower() in IMPORTABLE_SUFFIXES:
                        add_file(Path(root) / name)
        else:
            add_file(path)
    return out


def _url_key(url: str) -> str:
    from clipper.importers.urls import canonical_url

    return canonical_url(url)


def read_limited(stream: BinaryIO, max_bytes: int, source: str) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"{source}: larger than the {max_bytes // (1024 * 1024)} MB import limit")
    return data


def display_name(name: str | os.PathLike) -> str:
    """A file name as it can be printed, stored and put in JSON: bytes that are not UTF-8
    (kept by Python as lone surrogates, "surrogateescape") become visible ``\\xNN`` escapes."""
    text = os.fspath(name)
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


_NOT_REGULAR = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"),
                (stat.S_ISBLK, "a device"), (stat.S_ISDIR, "a folder"))


def _not_regular(mode: int) -> str | None:
    """What a non-regular file is ("a named pipe", "a socket", ...), None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    return next((what for test, what in _NOT_REGULAR if test(mode)), "not a regular file")


def read_file(path: Path, max_bytes: int) -> bytes:
    """Read a regular file, checking its kind and the size cap before reading a single byte.

    A named pipe, socket or device is refused without being opened (opening a FIFO waits
    for a writer forever); the file is opened non-blocking and checked again, so one
    swapped in after the check cannot hang the import either.
    """
    label = display_name(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise InputError(f"{label}: no such file") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read ({exc.strerror})") from None
    what = _not_regular(info.st_mode)
    if what == "a folder":
        raise InputError(f"{label}: is a folder")
    if what:
        raise InputError(f"{label}: is {what}, not a regular file; skipped")
    if info.st_size > max_bytes:
        raise InputError(f"{label}: larger than the {max_bytes // (1024 * 1024)} MB import limit")
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except PermissionError:
        raise InputError(f"{label}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "rb") as fh:
            what = _not_regular(os.fstat(fh.fileno()).st_mode)
            if what:
                raise InputError(f"{label}: is {what}, not a regular file; skipped")
            return read_limited(fh, max_bytes, label)
    except OSError as exc:
        raise InputError(f"{label}: cannot read ({exc.strerror})") from None


def load_source(source: str, options: ImportOptions | None = None, stdin: BinaryIO | None = None) -> list[ArticleDraft]:
    """Load one source into drafts. Raises InputError with a clear message.

    Entries that failed inside a multi-entry source (feed, export) are left out; when
    every entry failed, the first failure is raised. Use ``load_source_items`` to see
    each failure.
    """
    items = load_source_items(source, options, stdin)
    drafts = [item for item in items if isinstance(item, ArticleDraft)]
    if not drafts:
        errors = [item for item in items if isinstance(item, InputError)]
        if len(errors) == 1:
            raise errors[0]
        raise InputError(f"{errors[0]} (and {len(errors) - 1} more entries failed)" if errors else f"{source}: nothing to import")
    return drafts


def load_source_items(
    source: str, options: ImportOptions | None = None, stdin: BinaryIO | None = None
) -> list[ArticleDraft | InputError]:
    """Load one source into drafts and per-entry failures (InputError objects naming the
    entry). Whole-source failures raise InputError."""
    options = options or ImportOptions()
    if options.fetch_full and options.page_captures is None:
        options = replace(options, page_captures={})
    try:
        if source == "-":
            stream = stdin if stdin is not None else sys.stdin.buffer
            data = read_limited(stream, options.max_bytes, "stdin")
            return _checked_items(_keep(_parse_bytes(data, "stdin", kind=None, options=options), data, "stdin", None,
                                        "stdin", options))
        if is_url(source):
            if isinstance(source, LinkedURL):  # a feed named in a subscription list
                options = replace(options, list_depth=max(options.list_depth, 1))
                return _checked_items(_load_url(source, options, origin=source.origin))
            return _checked_items(_load_url(source, options))
        path = Path(source)
        data = read_file(path, options.max_bytes)
        kind = _kind_from_suffix(path)
        name = display_name(path)
        return _checked_items(_keep(_parse_bytes(data, name, kind=kind, options=options), data, "file",
                                    _capture_kind(kind, data), name, options))
    except InputError:
        raise
    except (ValueError, TypeError, LookupError, AttributeError, RecursionError, MemoryError) as exc:
        # A parser tripped over damaged input in a way we did not foresee: still one
        # clear line for the user, never a traceback.
        label = "stdin" if source == "-" else display_name(source)
        raise InputError(f"{label}: cannot read this source ({exc.__class__.__name__}: {str(exc)[:80]})") from None


# ------------------------------------------------------------------------ internals

ENCODING_WARNING = "the text still looks garbled (mojibake) after decoding; check its encoding"


def _checked_items(items: list) -> list:
    """What every draft passes on its way out: the mojibake check (repaired when ftfy
    can, flagged when not) and the standfirst rule (the dek never again in the body)."""
    from clipper.text.encoding import repair_mojibake
    from clipper.text.standfirst import settle_text

    for item in items:
        if not isinstance(item, ArticleDraft):
            continue
        item.dek, item.text = settle_text(item.dek, item.text, min_words=1)
        garbled = False
        for name in ("title", "dek", "text", "author", "outlet"):
            value = getattr(item, name) or ""
            fixed, _repaired, bad = repair_mojibake(value)
            setattr(item, name, fixed)
            garbled = garbled or (bad and name in ("title", "dek", "text"))
        if garbled:
            item.extra = {**(item.extra or {}), "encoding_warning": ENCODING_WARNING}
    return items


def _kind_from_suffix(path: Path) -> str | None:
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return "text"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix in MHTML_SUFFIXES:
        return "mhtml"
    if suffix in FEED_SUFFIXES:
        return "feed"
    if suffix in CSV_SUFFIXES:
        return "instapaper"
    if suffix in JSON_SUFFIXES:
        return "json"
    if suffix in OPML_SUFFIXES:
        return "opml"
    return None


_MHTML_HEAD = re.compile(rb"^(?:[\w-]+:[^\n]*\r?\n(?:[ \t][^\n]*\r?\n)*)*?content-type:\s*multipart/related", re.I)


def sniff_kind(data: bytes) -> str:
    """Guess what bytes are: "feed", "html", "mhtml" or "text" (binary raises later)."""
    from clipper.importers.feed import looks_like_feed

    from clipper.importers.bookmarks import looks_like_netscape_bookmarks
    from clipper.importers.opml import looks_like_opml
    from clipper.text.encoding import wide_encoding

    head = data[:4096]
    if _MHTML_HEAD.match(head.lstrip()) or (head[:300].lower().find(b"mime-version:") != -1 and b"multipart/related" in head.lower()):
        return "mhtml"
    wide = wide_encoding(data)
    text = head.decode(wide, errors="replace") if wide else None
    for enc in ("utf-8", "utf-16", "latin-1"):
        if text is not None:
            break
        try:
            text = head.decode(enc)
        except UnicodeDecodeError:
            continue
    text = (text or "").lstrip("\ufeff \t\r\n")
    low = _skip_comments(text[:3000]).lower()
    if looks_like_opml(text):
        return "opml"
    if looks_like_netscape_bookmarks(text):
        return "html"
    if looks_like_feed(text) and not low.startswith(("<!doctype html", "<html")):
        return "feed"
    if low.startswith(("<!doctype html", "<html", "<head", "<body")) or re.search(r"<html[\s>]", low[:600]):
        return "html"
    if low.startswith(("{", "[")) and _json_document(data) is not None:
        return "json"
    return "text"


def _capture_kind(kind: str | None, data: bytes) -> str | None:
    """The parser a kept original names: JSON files by their shape (wallabag, jsonfeed,
    bookmarks), as ``reparse`` reads them back."""
    if kind != "json":
        return kind
    from clipper.importers.bookmarks import json_bookmarks_kind
    from clipper.importers.jsonfeed import looks_like_json_feed

    doc = _json_document(data)
    if looks_like_json_feed(doc):
        return "jsonfeed"
    if json_bookmarks_kind(doc):
        return "bookmarks"
    return "wallabag"


def _structured_text(data: bytes) -> bool:
    """A .txt file that is really a bookmarks file or a JSON export Clipper reads."""
    from clipper.importers.bookmarks import json_bookmarks_kind, looks_like_netscape_bookmarks
    from clipper.importers.jsonfeed import looks_like_json_feed

    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head[:1] in (b"{", b"["):
        doc = _json_document(data)
        return doc is not None and (looks_like_json_feed(doc) or bool(json_bookmarks_kind(doc)))
    return looks_like_netscape_bookmarks(head.decode("utf-8", errors="replace"))


def _skip_comments(text: str) -> str:
    """``text`` without the XML/HTML comments and processing instructions it starts with."""
    return re.sub(r"^(?:\s*(?:<!--.*?-->|<\?.*?\?>))*\s*", "", text, flags=re.S)


def _json_document(data: bytes):
    """The parsed JSON document, or None when ``data`` is not JSON."""
    import json

    from clipper.text.encoding import decode_bytes

    try:
        return json.loads(decode_bytes(data))
    except (ValueError, RecursionError, InputError):
        return None


def _fetch_page(url: str, options: ImportOptions, origin: str | None = None) -> ArticleDraft:
    """Fetch ``url`` and extract one article (for --fetch-full). Raises InputError."""
    items = _load_url(url, options, want_article=True, origin=origin)
    for item in items:
        if isinstance(item, ArticleDraft):
            if options.page_captures is not None:
                options.page_captures[url] = item.capture
            return item
    raise items[0] if items and isinstance(items[0], InputError) else InputError(f"{url}: no article text found")


def _load_url(url: str, options: ImportOptions, want_article: bool = False,
              origin: str | None = None) -> list[ArticleDraft | InputError]:
    """Fetch and parse ``url``. ``origin`` None: the user named it; otherwise it was
    named inside a document (fetched from ``origin``, or "" for a file or stdin) and may
    not reach a private address unless it is on that same origin."""
    from clipper.importers.fetch import fetch
    from clipper.importers.urls import canonical_url

    trusted = None if origin is None else (origin or "")
    result = fetch(
        url,
        timeout=options.timeout,
        connect_timeout=options.connect_timeout,
        max_bytes=options.max_bytes,
        max_decompressed=options.max_decompressed,
        max_redirects=options.max_redirects,
        user_agent=options.user_agent,
        headers=options.request_headers,
        private_ok=options.allow_private or origin is None,
        trusted_origin=trusted or "",
    )
    if result.status == 304:
        from clipper.importers.fetch import NotModified

        raise NotModified(f"{url}: not modified")
    ctype = result.content_type
    if ctype in _HTML_TYPES:
        kind = "html"
    elif ctype in _FEED_TYPES:
        kind = "feed"
    elif ctype in _TEXT_TYPES:
        kind = "text"
    elif ctype in _JSON_TYPES:
        kind = "json"
    elif ctype in ("application/octet-stream", "binary/octet-stream", "") or ctype.startswith("text/"):
        kind = sniff_kind(result.body)
    else:
        raise InputError(f"{url}: unsupported content type {ctype} (expected a web page, a feed or plain text)")
    if kind == "feed" and sniff_kind(result.body) == "opml":
        kind = "opml"
    if want_article and kind in ("feed", "opml", "json"):
        raise InputError(f"{url}: is a feed, not an article page")
    # A document fetched from a URL the user named (or from a trusted origin) may name
    # other addresses on its own server.
    doc_origin = url_origin(result.url) if (origin is None or url_origin(result.url) == origin) else ""
    items = _parse_bytes(result.body, url, kind=kind, options=options, base_url=result.url, charset=result.charset,
                         origin=doc_origin)
    _keep(items, result.body, "url", kind, url, options, result)
    for item in items:
        if isinstance(item, ArticleDraft) and not item.url:
            item.url = canonical_url(result.url)
    return items


def _keep(items: list, data: bytes, origin: str, kind: str | None, source: str, options: ImportOptions,
          result=None) -> list:
    """Attach the original bytes and how they were read to each draft (clipper.captures)."""
    from clipper.captures import attach, original_from

    pages = options.page_captures
    if pages:
        for item in items:
            if isinstance(item, ArticleDraft) and item.capture is None and item.url in pages:
                item.capture = pages.pop(item.url)
    if result is None:
        original = original_from(data, origin=origin, kind=kind or sniff_kind(data), source=source)
    else:
        original = original_from(data, origin=origin, kind=kind, source=source, final_url=result.url,
                                 status=result.status, headers=result.headers, charset=result.charset)
    return attach(items, original)


_JSON_TYPES = {"application/json", "application/feed+json", "text/json"}


def _parse_bytes(
    data: bytes,
    source: str,
    kind: str | None,
    options: ImportOptions,
    base_url: str = "",
    charset: str | None = None,
    origin: str = "",
) -> list[ArticleDraft | InputError]:
    from clipper.text.encoding import is_binary

    if not data.strip():
        raise InputError(f"{source}: empty, no article text found")
    if kind is None:
        if is_binary(data):
            raise InputError(f"{source}: looks like a binary file, not text")
        kind = sniff_kind(data)
    elif kind in ("feed", "html") and not base_url:
        sniffed = sniff_kind(data)  # a file's content decides when it disagrees with its name
        if sniffed in ("opml", "feed", "html", "json") and sniffed != kind:
            kind = sniffed
    elif kind == "feed" and sniff_kind(data) == "opml":
        kind = "opml"
    elif kind == "text" and not base_url and _structured_text(data):
        kind = sniff_kind(data)  # a bookmarks file or a JSON export saved as .txt

    def fetch_page(url: str) -> ArticleDraft:
        if options.cancel is not None:
            options.cancel.raise_if_cancelled()
        if options.on_fetch is not None:
            options.on_fetch(url)
        return _fetch_page(url, options, origin=origin)

    if kind == "text":
        from clipper.importers import plaintext
        from clipper.text.encoding import decode_bytes

        if charset:
            return [plaintext.parse_text(decode_bytes(data, declared=charset, source=source), source=source)]
        return [plaintext.parse_bytes(data, source=source)]
    if kind == "mhtml":
        from clipper.importers.html import parse_mhtml_bytes

        return [parse_mhtml_bytes(data, source)]
    if kind == "feed":
        from clipper.importers.feed import parse_feed_bytes

        if is_binary(data):
            raise InputError(f"{source}: looks like a binary file, not a feed")
        return parse_feed_bytes(data, source, fetch_full=options.fetch_full, fetch_page=fetch_page, feed_url=base_url, charset=charset)
    if kind == "html":
        from clipper.importers.bookmarks import looks_like_netscape_bookmarks, parse_netscape_bookmarks
        from clipper.importers.html import decode_html, extract_article
        from clipper.importers.readlater import looks_like_pocket, parse_pocket

        text = decode_html(data, header_charset=charset, source=source)
        if looks_like_netscape_bookmarks(text):
            return parse_netscape_bookmarks(text, source, fetch_full=options.fetch_full, fetch_page=fetch_page)
        if not base_url and looks_like_pocket(text):
            return parse_pocket(text, source, fetch_full=options.fetch_full, fetch_page=fetch_page)
        return [extract_article(text, source=source, url=base_url)]
    if kind == "opml":
        # A subscription list met as stdin, a URL or inside another list: its feeds one
        # after the other here (a file named on the command line is expanded by
        # expand_sources instead). Lists inside lists are followed one level deep.
        from clipper.importers.opml import feed_urls

        if options.list_depth >= MAX_LIST_DEPTH + 1:
            raise InputError(f"{source}: a subscription list inside a subscription list inside another: "
                             "not followed (one level of nested lists is read)")
        inner = replace(options, list_depth=options.list_depth + 1)
        items: list[ArticleDraft | InputError] = []
        seen: set[str] = set()
        for url in feed_urls(data, source, limit=MAX_LINKED_SOURCES):
            key = _url_key(url)
            if key in seen or key == _url_key(base_url):
                continue
            seen.add(key)
            try:
                items.extend(_load_url(url, inner, origin=origin))
            except InputError as exc:
                items.append(exc)
        return items
    if kind == "json":
        return _parse_json(data, source, options, fetch_page, charset)
    if kind == "instapaper":
        from clipper.importers import readlater
        from clipper.text.encoding import decode_bytes

        text = decode_bytes(data, declared=charset, source=source)
        return readlater.parse_instapaper(text, source, fetch_full=options.fetch_full, fetch_page=fetch_page)
    raise InputError(f"{source}: unsupported kind of source")


def reparse(data: bytes, source: str, kind: str | None, *, base_url: str = "", charset: str | None = None,
            options: ImportOptions | None = None) -> list[ArticleDraft | InputError]:
    """Run today's parser for ``kind`` on kept original bytes (``clipper reextract``); no
    page is fetched."""
    kind = {"pocket": "html", "wallabag": "json", "jsonfeed": "json", "bookmarks": "json", "": None}.get(kind or "", kind)
    return _checked_items(_parse_bytes(data, source, kind=kind, options=options or ImportOptions(), base_url=base_url,
                                       charset=charset))


def _parse_json(data: bytes, source: str, options: ImportOptions, fetch_page, charset: str | None):
    """A JSON document by its shape: JSON Feed, bookmarks (Chrome, Firefox, Pinboard) or
    a wallabag export; anything else is refused by name."""
    import json

    from clipper.importers import bookmarks, jsonfeed, readlater
    from clipper.text.encoding import decode_bytes

    text = decode_bytes(data, declared=charset, source=source)
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{source}: not valid JSON ({str(exc).splitlines()[0][:80]})") from None
    common = {"fetch_full": options.fetch_full, "fetch_page": fetch_page}
    if jsonfeed.looks_like_json_feed(doc):
        return jsonfeed.parse_json_feed(doc, source, **common)
    shape = bookmarks.json_bookmarks_kind(doc)
    if shape:
        return bookmarks.parse_json_bookmarks(doc, shape, source, **common)
    if readlater.looks_like_wallabag(doc):
        return readlater.parse_wallabag_doc(doc, source, **common)
    raise InputError(f"{source}: not a known JSON export (expected a JSON Feed, a wallabag export, "
                     "or Chrome, Firefox or Pinboard bookmarks)")
