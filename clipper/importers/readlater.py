"""Read-it-later exports -> ArticleDrafts: Pocket (HTML), Instapaper (CSV), wallabag (JSON).

URLs, titles, tags and dates come from the export. The body comes from the export where
it has one (wallabag); otherwise only ``fetch_full`` fetches the page. An entry with no
body and no fetch is reported as failed ("no article text in export; use --fetch-full"),
never stored as a placeholder.
"""
from __future__ import annotations

import csv
import io
import json
import re
from typing import Callable

import lxml.html
from lxml import etree

from clipper.errors import InputError
from clipper.importers.html import MIN_BODY_WORDS, clean_line, fragment_to_text, strip_agency_from_author
from clipper.importers.metadata import detect_agency, guess_language, iso_date, normalise_language, outlet_name
from clipper.importers.urls import canonical_url, is_fetchable
from clipper.models import ArticleDraft
from clipper.text.standfirst import settle_text

NO_TEXT = "no article text in export; use --fetch-full"
FetchPage = Callable[[str], ArticleDraft]

# Instapaper has shipped URL,Title,Selection,Folder then added Timestamp (and Tags): only
# the URL column is needed, every other one is read when it is there.
INSTAPAPER_REQUIRED = ["url"]
INSTAPAPER_COLUMNS = ["url", "title", "selection", "folder", "timestamp", "tags"]
_POCKET_RX = re.compile(r"<a\s[^>]*\btime_added\s*=", re.I)


def looks_like_pocket(text: str) -> bool:
    head = text[:4000].lower()
    return "<title>pocket export</title>" in head or bool(_POCKET_RX.search(text[:200_000]))


def split_tags(value) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.strip()
        if value.startswith("["):
            try:
                value = json.loads(value)
            except ValueError:
                value = value.strip("[]").split(",")
        else:
            value = re.split(r"[,|]", value)
    out: list[str] = []
    for item in value if isinstance(value, list) else []:
        if isinstance(item, dict):
            item = item.get("label") or item.get("slug") or item.get("name") or ""
        name = clean_line(str(item)).strip("\"'")
        if name and name not in out:
            out.append(name)
    return out[:30]


def finish_entry(
    label: str,
    *,
    url: str,
    title: str,
    tags: list[str],
    published: str | None,
    body_html: str = "",
    body_text: str = "",
    author: str = "",
    language: str = "",
    dek: str = "",
    extra: dict,
    source: str,
    fetch_full: bool,
    fetch_page: FetchPage | None,
    note: str = "",
    link_only: bool = False,
) -> ArticleDraft | InputError:
    """One export entry -> a draft: its body, the fetched page (--fetch-full), a
    link-only entry (``link_only``: the note and the address as its text), or a failure."""
    text = body_text or (fragment_to_text(body_html) if body_html else "")
    page: ArticleDraft | None = None
    if not text.strip() and link_only and not fetch_full and url:
        text = "\n\n".join(x for x in (note, url) if x)
        extra = {**extra, "link_only": True}
    if not text.strip():
        if not fetch_full or fetch_page is None:
            return InputError(f"{label}: {NO_TEXT}")
        if not url:
            return InputError(f"{label}: no article text in export and no http(s) URL to fetch")
        try:
            page = fetch_page(url)
        except InputError as exc:
            return InputError(f"{label}: {exc}")
        text = page.text
        dek = dek or page.dek
        if note:
            extra = {**extra, "note": note}
    dek, text = settle_text(dek, text, min_words=MIN_BODY_WORDS)
    author = author or (page.author if page else "")
    return ArticleDraft(
        title=title or (page.title if page else "") or url or text[:80],
        text=text,
        dek=dek,
        outlet=(page.outlet if page else "") or outlet_name("", url),
        agency=detect_agency(author=author, body=text) or (page.agency if page else ""),
        author=strip_agency_from_author(author),
        published=published or (page.published if page else None),
        url=url,
        language=normalise_language(language) or (page.language if page else "") or guess_language(text),
        tags=tags,
        source=source,
        extra=extra,
    )


def _url(value) -> str:
    value = str(value or "").strip()
    return canonical_url(value) if is_fetchable(value) else ""


# --------------------------------------------------------------------------- Pocket

def parse_pocket(text: str, source: str, *, fetch_full: bool = False, fetch_page: FetchPage | None = None) -> list[ArticleDraft | InputError]:
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        raise InputError(f"{source}: cannot read the Pocket export") from None
    items: list[ArticleDraft | InputError] = []
    anchors = [a for a in root.iter("a") if a.get("href")]
    if not anchors:
        raise InputError(f"{source}: the Pocket export lists no articles")
    for number, a in enumerate(anchors, start=1):
        # The section heading before the list: "Unread" / "Read Archive".
        section = ""
        ul = a.getparent().getparent() if a.getparent() is not None else None
        prev = ul.getprevious() if ul is not None else None
        if prev is not None and prev.tag in ("h1", "h2"):
            section = clean_line(prev.text_content())
        href = a.get("href", "")
        title = clean_line(a.text_content())
        label = f"{source}: item {number}" + (f" ({title[:60]})" if title else f" ({href[:60]})")
        extra = {"pocket_time_added": a.get("time_added") or ""}
        if section:
            extra["pocket_section"] = section
        items.append(
            finish_entry(
                label,
                url=_url(href),
                title=title if title != href else "",
                tags=split_tags(a.get("tags") or ""),
                published=None,
                extra=extra,
                source=f"{source}#{number}",
                fetch_full=fetch_full,
                fetch_page=fetch_page,
            )
        )
    return items


# ----------------------------------------------------------------------- Instapaper

def parse_instapaper(text: str, source: str, *, fetch_full: bool = False, fetch_page: FetchPage | None = None) -> list[ArticleDraft | InputError]:
    text = text.lstrip("\ufeff")
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        header = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise InputError(f"{source}: not a readable CSV file ({exc})") from None
    missing = [col for col in INSTAPAPER_REQUIRED if col not in header]
    if missing:
        got = ",".join(h for h in header[:8] if h) or "nothing"
        raise InputError(
            f"{source}: not an Instapaper CSV export (expected a URL column, as in URL,Title,Selection,Folder"
            f"[,Timestamp]; found {got})"
        )
    items: list[ArticleDraft | InputError] = []
    try:
        for number, row in enumerate(reader, start=1):
            row = {(k or "").strip().lower(): (v or "") for k, v in row.items() if isinstance(v, str) or v is None}
            url = _url(row.get("url"))
            title = clean_line(row.get("title", ""))
            label = f"{source}: row {number + 1}" + (f" ({title[:60]})" if title else "")
            if not url and not row.get("url", "").strip():
                items.append(InputError(f"{label}: no URL"))
                continue
            selection = clean_line(row.get("selection", ""))
            saved = iso_date(row.get("timestamp") or row.get("time_added"))  # Pocket's CSV says time_added
            folder = clean_line(row.get("folder", ""))
            extra = {"instapaper_folder": folder} if folder else {}
            if selection:  # the reader's highlight: the dek only when not already in the text
                extra["selection"] = selection[:1000]
            items.append(
                finish_entry(
                    label,
                    url=url,
                    title=title,
                    tags=split_tags(row.get("tags", "")),
                    published=None,
                    dek=selection[:1000],
                    extra=extra | ({"saved_at": saved} if saved else {}),
                    source=f"{source}#{number}",
                    fetch_full=fetch_full,
                    fetch_page=fetch_page,
                )
            )
    except csv.Error as exc:
        raise InputError(f"{source}: damaged CSV ({exc})") from None
    if not items:
        raise InputError(f"{source}: the Instapaper export has no rows")
    return items


# ------------------------------------------------------------------------- wallabag

def looks_like_wallabag(doc) -> bool:
    """A wallabag export or API dump: a list (or wrapped list) of entries with a url."""
    if isinstance(doc, dict):
        doc = (doc.get("_embedded") or {}).get("items") or doc.get("items") or doc.get("entries")
    return isinstance(doc, list) and any(isinstance(x, dict) and "url" in x for x in doc)


def parse_wallabag(text: str, source: str, *, fetch_full: bool = False, fetch_page: FetchPage | None = None) -> list[ArticleDraft | InputError]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise InputError(f"{source}: not valid JSON ({str(exc).splitlines()[0][:80]})") from None
    return parse_wallabag_doc(data, source, fetch_full=fetch_full, fetch_page=fetch_page)


def parse_wallabag_doc(data, source: str, *, fetch_full: bool = False, fetch_page: FetchPage | None = None) -> list[ArticleDraft | InputError]:
    if isinstance(data, dict):
        # API dumps wrap entries: {"_embedded": {"items": [...]}} or {"items": [...]}
        data = (data.get("_embedded") or {}).get("items") or data.get("items") or data.get("entries")
    if not isinstance(data, list) or not all(isinstance(x, dict) for x in data):
        raise InputError(f"{source}: not a wallabag JSON export (expected a list of entries)")
    if not data or not any("url" in x for x in data):
        raise InputError(f"{source}: not a wallabag JSON export (no entries with a url)")
    items: list[ArticleDraft | InputError] = []
    for number, entry in enumerate(data, start=1):
        title = clean_line(str(entry.get("title") or ""))
        label = f"{source}: entry {number}" + (f" ({title[:60]})" if title else "")
        raw_url = str(entry.get("url") or "")
        authors = entry.get("published_by") or []
        if isinstance(authors, str):
            authors = [authors]
        author = "; ".join(clean_line(str(a)) for a in authors if a) if isinstance(authors, list) else ""
        extra = {k: entry[k] for k in ("id", "is_archived", "is_starred", "created_at") if k in entry and entry[k] is not None}
        content = entry.get("content")
        items.append(
            finish_entry(
                label,
                url=_url(raw_url),
                title=title,
                tags=split_tags(entry.get("tags")),
                published=iso_date(entry.get("published_at")) if entry.get("published_at") else None,
                body_html=content if isinstance(content, str) else "",
                author=author,
                language=str(entry.get("language") or ""),
                extra=extra,
                source=f"{source}#{number}",
                fetch_full=fetch_full,
                fetch_page=fetch_page,
            )
        )
    return items
