"""RSS / Atom feeds (file or URL) -> one ArticleDraft per entry, via feedparser.

XML safety first: before feedparser sees a byte, the document is checked for a DTD or
ENTITY declarations (billion laughs, quadratic blowup, external entities) with defusedxml,
and refused as a whole if it has one (a comment that merely mentions "<!DOCTYPE" is not
a declaration). feedparser is only ever handed bytes, never a string it could take for a
URL or a file name, so a feed cannot make us fetch anything.

Decoding is ours, not feedparser's: the bytes are decoded by clipper.text.encoding (the
declared charset with only stray bytes replaced, else detection: a Shift_JIS or KOI8-R
feed that declares nothing is read right) and handed to feedparser as UTF-8.

Titles of type html/xhtml (Atom) are stored as their text, never their markup. With
--fetch-full, the entry's summary becomes the dek only when it is not already the start
of the page's text (clipper.text.standfirst).
"""
from __future__ import annotations

import io
import re
from typing import Callable

from clipper.errors import InputError
from clipper.importers.html import MIN_BODY_WORDS, clean_line, fragment_to_text, strip_agency_from_author
from clipper.importers.metadata import detect_agency, guess_language, iso_date, normalise_language, outlet_name
from clipper.importers.urls import canonical_url, is_fetchable
from clipper.models import ArticleDraft
from clipper.text.standfirst import settle_text

_DTD_RX = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY|ELEMENT|ATTLIST)", re.I)
_PROLOG_SKIP = re.compile(rb"\s+|<\?.*?\?>|<!--.*?-->", re.S)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,200}?encoding\s*=\s*["']([A-Za-z0-9_.:\-]{1,40})["']""", re.I)


def _prolog(raw: bytes) -> bytes:
    """The part of a document before its root element, comments and processing
    instructions skipped (only what is left can declare a DTD)."""
    pos, n = 0, len(raw)
    while pos < n:
        m = _PROLOG_SKIP.match(raw, pos)
        if not m or m.end() == pos:
            break
        pos = m.end()
    if raw.startswith(b"<!", pos) and not raw.startswith(b"<!--", pos):
        return raw[pos:pos + 200]  # a declaration where the root should start
    return b""


def xml_declared_encoding(data: bytes) -> str | None:
    m = _XML_ENCODING.match(data[:400].replace(b"\x00", b"") if b"\x00" in data[:64] else data[:400])
    return m.group(1).decode("ascii") if m else None


def as_utf8_xml(text: str) -> bytes:
    """Decoded XML text as UTF-8 bytes whose prolog says so."""
    text = text.lstrip("\ufeff")
    decl = _XML_DECL.match(text)
    if decl:
        text = text[decl.end():]
    return ('<?xml version="1.0" encoding="utf-8"?>' + text).encode("utf-8", errors="replace")


def decode_xml(data: bytes, source: str, charset: str | None = None) -> bytes:
    """Bytes of an XML document -> the same document as UTF-8 (see the module docstring)."""
    from clipper.text.encoding import decode

    return as_utf8_xml(decode(data, declared=charset or xml_declared_encoding(data), source=source).text)
_HTML_TYPES = ("text/html", "application/xhtml+xml", "html", "xhtml")


def check_xml_safety(data: bytes, source: str) -> None:
    """Refuse documents with a DTD or entity declarations. Raises InputError."""
    import defusedxml
    import defusedxml.ElementTree as DET

    # A DTD can only stand in the prolog, before the root element. A look at the raw
    # prolog catches declarations in any ASCII-compatible encoding (NULs dropped for
    # UTF-16), even in a document too broken for the XML parser to reach them, without
    # tripping on "<!DOCTYPE html>" inside an entry's CDATA.
    raw = data.replace(b"\x00", b"") if b"\x00" in data[:64] else data
    raw = raw.lstrip(b"\xef\xbb\xbf\xff\xfe")
    if _DTD_RX.match(_prolog(raw)):
        raise InputError(f"{source}: feed refused: it declares a DTD or entities (unsafe XML)")
    try:
        DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except (defusedxml.DTDForbidden, defusedxml.EntitiesForbidden, defusedxml.ExternalReferenceForbidden):
        raise InputError(f"{source}: feed refused: it declares a DTD or entities (unsafe XML)") from None
    except DET.ParseError:
        # Not well-formed: feedparser's lenient parser may still read it (bozo feeds);
        # the raw check above already ruled out declarations.
        pass
    except (ValueError, LookupError):
        pass


def looks_like_feed(text_head: str) -> bool:
    head = text_head.lstrip("\ufeff \t\r\n")[:3000].lower()
    root = re.sub(r"^(?:\s*(?:<\?.*?\?>|<!--.*?-->))*\s*", "", head, flags=re.S)
    if root.startswith(("<rss", "<feed", "<rdf:rdf")):
        return True
    if head.startswith("<?xml"):
        return bool(re.search(r"<(rss|feed|rdf:rdf)[\s>]", head)) or "<html" not in head
    return False


def _entry_body(entry) -> tuple[str, bool]:
    """(text, is_full_content). Full content beats the summary."""
    best = ""
    for content in entry.get("content") or []:
        value = content.get("value") or ""
        ctype = (content.get("type") or "").lower()
        text = fragment_to_text(value) if (ctype in _HTML_TYPES or "<" in value) else clean_paragraphs(value)
        if len(text) > len(best):
            best = text
    if best:
        return best, True
    summary = entry.get("summary") or ""
    detail = entry.get("summary_detail") or {}
    ctype = (detail.get("type") or "").lower()
    text = fragment_to_text(summary) if (ctype in _HTML_TYPES or "<" in summary) else clean_paragraphs(summary)
    return text, False


def text_title(node) -> str:
    """A title as text: Atom titles of type html/xhtml lose their markup."""
    title = node.get("title") or ""
    ctype = ((node.get("title_detail") or {}).get("type") or "").lower()
    if ctype in _HTML_TYPES or re.search(r"</?[A-Za-z][^>]*>", title):
        title = fragment_to_text(title).replace("\n", " ")
    return clean_line(title)


def clean_paragraphs(text: str) -> str:
    return "\n\n".join(p for p in (clean_line(x) for x in re.split(r"\n\s*\n", text or "")) if p)


def _entry_date(entry) -> str | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if value:
            found = iso_date(value)
            if found:
                return found
    return None


_EMAIL_NAME = re.compile(r"^\s*[^\s@()<>]+@[^\s()<>]+\s*\((?P<name>[^()]+)\)\s*$")
_NAME_EMAIL = re.compile(r"^\s*(?P<name>[^<>]+?)\s*<[^<>@\s]+@[^<>\s]+>\s*$")
_BARE_EMAIL = re.compile(r"^\s*[^\s@]+@[^\s@]+\s*$")


def _entry_author(entry) -> str:
    raw = str(entry.get("author") or "")
    # feedparser mangles RSS's "email (Name)" form; read it ourselves.
    m = _EMAIL_NAME.match(raw) or _NAME_EMAIL.match(raw)
    if m:
        return clean_line(m.group("name"))
    if _BARE_EMAIL.match(raw):
        return ""
    names = []
    for author in entry.get("authors") or []:
        name = clean_line((author or {}).get("name") or "")
        if name and name not in names:
            names.append(name)
    if not names and entry.get("author"):
        names.append(clean_line(entry.get("author")))
    return "; ".join(names)


def parse_feed_bytes(
    data: bytes,
    source: str,
    *,
    fetch_full: bool = False,
    fetch_page: Callable[[str], ArticleDraft] | None = None,
    feed_url: str = "",
    charset: str | None = None,
) -> list[ArticleDraft | InputError]:
    """Parse a feed. Whole-feed problems raise InputError; per-entry ones are returned."""
    import feedparser

    check_xml_safety(data, source)
    utf8 = decode_xml(data, source, charset)
    check_xml_safety(utf8, source)
    try:
        # A stream, never bytes/str: feedparser would take those for a path or a URL.
        # Its HTML sanitizer is off because nothing it returns is kept as HTML:
        # fragment_to_text drops script/style/iframe elements with their contents.
        parsed = feedparser.parse(
            io.BytesIO(utf8), resolve_relative_uris=False, sanitize_html=False,
            response_headers={"content-type": "application/xml; charset=utf-8"},
        )
    except Exception as exc:  # noqa: BLE001 - feedparser can raise nearly anything on junk
        raise InputError(f"{source}: cannot read the feed ({exc.__class__.__name__})") from None
    version = parsed.get("version") or ""
    entries = parsed.get("entries") or []
    if not version and not entries:
        raise InputError(f"{source}: not an RSS or Atom feed")
    if not entries:
        raise InputError(f"{source}: the feed has no entries")
    feed_meta = parsed.get("feed") or {}
    feed_title = text_title(feed_meta)
    feed_lang = normalise_language(feed_meta.get("language") or "")
    feed_link = feed_meta.get("link") or feed_url

    items: list[ArticleDraft | InputError] = []
    for number, entry in enumerate(entries, start=1):
        title = text_title(entry)
        label = f"{source}: entry {number}" + (f" ({title[:60]})" if title else "")
        link = (entry.get("link") or "").strip()
        url = canonical_url(link) if is_fetchable(link) else ""
        text, full = _entry_body(entry)
        dek = ""
        draft_from_page: ArticleDraft | None = None
        if not full and fetch_full and url and fetch_page is not None:
            try:
                draft_from_page = fetch_page(url)
            except InputError as exc:
                if not text:
                    items.append(InputError(f"{label}: {exc}"))
                    continue
        if draft_from_page is not None:
            dek = draft_from_page.dek or (text if text and len(text) < 600 else "")
            text = draft_from_page.text
        dek, text = settle_text(dek, text, min_words=MIN_BODY_WORDS)
        if not text.strip():
            items.append(InputError(f"{label}: no article text in the feed entry"
                                    + ("" if fetch_full else "; use --fetch-full")))
            continue
        author = _entry_author(entry) or (draft_from_page.author if draft_from_page else "")
        tags = []
        for tag in entry.get("tags") or []:
            term = clean_line((tag or {}).get("label") or (tag or {}).get("term") or "")
            if term and term not in tags:
                tags.append(term)
        agency = detect_agency(author=author, body=text) or (draft_from_page.agency if draft_from_page else "")
        outlet = (draft_from_page.outlet if draft_from_page else "") or outlet_name(feed_title, url or feed_link)
        language = (
            normalise_language((entry.get("content") or [{}])[0].get("language") or "")
            or feed_lang
            or (draft_from_page.language if draft_from_page else "")
            or guess_language(text)
        )
        extra = {"feed": feed_title} if feed_title else {}
        if entry.get("id"):
            extra["entry_id"] = str(entry.get("id"))[:500]
        items.append(
            ArticleDraft(
                title=title or (draft_from_page.title if draft_from_page else "") or text[:80],
                text=text,
                dek=dek,
                outlet=outlet,
                agency=agency,
                author=strip_agency_from_author(author),
                published=_entry_date(entry) or (draft_from_page.published if draft_from_page else None),
                url=url,
                language=language,
                tags=tags[:30],
                source=f"{source}#{number}",
                extra=extra,
            )
        )
    return items
