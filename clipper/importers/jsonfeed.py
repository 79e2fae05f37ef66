"""JSON Feed (jsonfeed.org, versions 1.0 and 1.1) -> one ArticleDraft per item.

    clipper import feed.json [--fetch-full]

An item's body is ``content_html`` (as text) or ``content_text``; its ``summary`` is the
dek when the body does not already start with it; ``authors`` (1.1) or ``author`` (1.0),
``tags``, ``date_published``/``date_modified`` and ``language`` (1.1, item or feed) are
read. An item with no body is fetched with --fetch-full (its ``url``, else
``external_url``) or reported as failed.
"""
from __future__ import annotations

from typing import Callable

from clipper.errors import InputError
from clipper.importers.feed import clean_paragraphs
from clipper.importers.html import MIN_BODY_WORDS, clean_line, fragment_to_text, strip_agency_from_author
from clipper.importers.metadata import detect_agency, guess_language, iso_date, normalise_language, outlet_name
from clipper.importers.urls import canonical_url, is_fetchable
from clipper.models import ArticleDraft
from clipper.text.standfirst import settle_text


def looks_like_json_feed(doc) -> bool:
    return (isinstance(doc, dict) and str(doc.get("version") or "").startswith(("https://jsonfeed.org/version/",
                                                                                 "http://jsonfeed.org/version/"))
            and isinstance(doc.get("items"), list))


def _authors(node: dict) -> str:
    found = node.get("authors")
    if not isinstance(found, list):
        found = [node.get("author")] if isinstance(node.get("author"), dict) else []
    names = []
    for author in found:
        name = clean_line(str((author or {}).get("name") or "")) if isinstance(author, dict) else ""
        if name and name not in names:
            names.append(name)
    return "; ".join(names)


def parse_json_feed(doc: dict, source: str, *, fetch_full: bool = False,
                    fetch_page: Callable[[str], ArticleDraft] | None = None) -> list[ArticleDraft | InputError]:
    items_in = [x for x in doc.get("items") or [] if isinstance(x, dict)]
    if not items_in:
        raise InputError(f"{source}: the JSON Feed has no items")
    feed_title = clean_line(str(doc.get("title") or ""))
    feed_link = str(doc.get("home_page_url") or doc.get("feed_url") or "")
    feed_lang = normalise_language(str(doc.get("language") or ""))
    feed_author = _authors(doc)
    items: list[ArticleDraft | InputError] = []
    for number, item in enumerate(items_in, start=1):
        title = clean_line(str(item.get("title") or ""))
        label = f"{source}: item {number}" + (f" ({title[:60]})" if title else "")
        link = str(item.get("url") or item.get("external_url") or "").strip()
        url = canonical_url(link) if is_fetchable(link) else ""
        html = item.get("content_html")
        plain = item.get("content_text")
        text = fragment_to_text(html) if isinstance(html, str) and html.strip() else (
            clean_paragraphs(plain) if isinstance(plain, str) else "")
        summary = clean_line(str(item.get("summary") or ""))
        page: ArticleDraft | None = None
        if not text.strip():
            if fetch_full and url and fetch_page is not None:
                try:
                    page = fetch_page(url)
                except InputError as exc:
                    items.append(InputError(f"{label}: {exc}"))
                    continue
                text = page.text
            else:
                items.append(InputError(f"{label}: no article text in the feed item"
                                        + ("" if fetch_full else "; use --fetch-full")))
                continue
        dek, text = settle_text(summary or (page.dek if page else ""), text, min_words=MIN_BODY_WORDS)
        author = _authors(item) or feed_author or (page.author if page else "")
        tags = []
        for tag in item.get("tags") or []:
            name = clean_line(str(tag))
            if name and name not in tags:
                tags.append(name)
        extra = {"feed": feed_title} if feed_title else {}
        if item.get("id") is not None:
            extra["entry_id"] = str(item.get("id"))[:500]
        items.append(ArticleDraft(
            title=title or (page.title if page else "") or text[:80],
            text=text,
            dek=dek,
            outlet=(page.outlet if page else "") or outlet_name(feed_title, url or feed_link),
            agency=detect_agency(author=author, body=text) or (page.agency if page else ""),
            author=strip_agency_from_author(author),
            published=iso_date(item.get("date_published")) or iso_date(item.get("date_modified"))
            or (page.published if page else None),
            url=url,
            language=normalise_language(str(item.get("language") or "")) or feed_lang
            or (page.language if page else "") or guess_language(text),
            tags=tags[:30],
            source=f"{source}#{number}",
            extra=extra,
        ))
    return items
