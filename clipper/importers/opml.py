"""OPML subscription lists (what feed readers export): the feeds they name.

    clipper import subscriptions.opml [--fetch-full]

An OPML file is read with the same XML safety as a feed (no DTD, no entities, defusedxml)
and expanded into the http/https URLs of its ``<outline xmlUrl=…>`` entries, nested folders
included, each once (at most ``limit`` of them). The import job then imports each feed as a
source of its own: progress and cancel per feed, and a feed that fails does not stop the
others. The feeds are URLs named inside a document: they are never fetched from a loopback
or private address, and a list that names another list (or itself) is followed one level
deep only (see clipper.importers).
"""
from __future__ import annotations

import re

from clipper.errors import InputError
from clipper.importers.urls import FETCHABLE_SCHEMES, url_scheme

_OPML_ROOT = re.compile(r"^(?:<\?xml[^>]*>\s*)?(?:(?:<!--.*?-->|<\?.*?\?>)\s*)*<opml[\s>]", re.I | re.S)


def looks_like_opml(text_head: str) -> bool:
    return bool(_OPML_ROOT.match(text_head.lstrip("\ufeff \t\r\n")[:2000]))


def feed_urls(data: bytes, source: str, limit: int | None = None) -> list[str]:
    """The feed URLs of an OPML document, in document order, without repeats, the first
    ``limit`` of them.

    Raises InputError for unsafe or unreadable XML, or a list naming no feed."""
    import defusedxml.ElementTree as DET

    from clipper.importers.feed import check_xml_safety

    check_xml_safety(data, source)
    try:
        root = DET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DET.ParseError as exc:
        raise InputError(f"{source}: not a readable OPML file ({exc})") from None
    if _local(root.tag) != "opml":
        raise InputError(f"{source}: not an OPML file (root element <{_local(root.tag)}>)")
    urls: list[str] = []
    refused = 0
    for node in root.iter():
        if _local(node.tag) != "outline":
            continue
        attrs = {k.lower(): v for k, v in node.attrib.items()}
        url = (attrs.get("xmlurl") or "").strip()
        if not url:
            continue
        if url_scheme(url) not in FETCHABLE_SCHEMES:
            refused += 1
            continue
        if url not in urls:
            urls.append(url)
            if limit is not None and len(urls) >= limit:
                break
    if not urls:
        why = f" ({refused} with a non-http address refused)" if refused else ""
        raise InputError(f"{source}: the OPML file names no feed to import{why}")
    return urls


def _local(tag) -> str:
    tag = tag if isinstance(tag, str) else ""
    return tag.rsplit("}", 1)[-1].lower()
