"""W3C Web Annotation export: one AnnotationCollection (JSON-LD) holding every passage.

Each passage becomes an ``Annotation`` whose target is the article (its URL, or
``urn:clipper:article:<id>`` for pasted text) narrowed by a ``TextQuoteSelector`` and a
``TextPositionSelector`` (code-point offsets into the article text). The note is a
``TextualBody`` (purpose ``commenting``, ``text/markdown``); each tag a ``TextualBody``
with purpose ``tagging``. See https://www.w3.org/TR/annotation-model/.
"""
from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone
from typing import BinaryIO
from urllib.parse import urlsplit

from clipper.export.model import ExportArticle, ExportDocument, ExportPassage

CONTEXT = "http://www.w3.org/ns/anno.jsonld"
GENERATOR = {"id": "urn:clipper:software", "type": "Software", "name": "Clipper"}


def _timestamp(value: str) -> str | None:
    """An xsd:dateTime in UTC (``...Z``), or None when ``value`` is not a timestamp."""
    try:
        moment = datetime.fromisoformat((value or "").strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)  # stored timestamps are UTC
    return moment.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def article_iri(article: ExportArticle) -> str:
    url = (article.url or "").strip()
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc and not any(c.isspace() for c in url):
        return url
    return f"urn:clipper:article:{article.id}"


def annotation(article: ExportArticle, passage: ExportPassage) -> dict:
    selector_quote: dict = {"type": "TextQuoteSelector", "exact": passage.quote}
    if passage.prefix:
        selector_quote["prefix"] = passage.prefix
    if passage.suffix:
        selector_quote["suffix"] = passage.suffix
    target: dict = {
        "type": "SpecificResource",
        "source": article_iri(article),
        "selector": [
            selector_quote,
            {"type": "TextPositionSelector", "start": passage.start, "end": passage.end},
        ],
    }
    body: list[dict] = []
    if passage.note.strip():
        body.append({
            "type": "TextualBody",
            "value": passage.note,
            "purpose": "commenting",
            "format": "text/markdown",
        })
    seen = set()
    for tag in passage.tags:
        if tag.name.casefold() in seen:
            continue
        seen.add(tag.name.casefold())
        body.append({"type": "TextualBody", "value": tag.name, "purpose": "tagging"})
    anno: dict = {
        "id": f"urn:clipper:passage:{passage.id}",
        "type": "Annotation",
        "motivation": "commenting" if passage.note.strip() else "highlighting",
    }
    for key, value in (("created", passage.created_at), ("modified", passage.updated_at)):
        stamp = _timestamp(value)
        if stamp:
            anno[key] = stamp
    anno["generator"] = GENERATOR
    if body:
        anno["body"] = body
    anno["target"] = target
    return anno


def collection(doc: ExportDocument) -> dict:
    items = [annotation(a, p) for a in doc.articles for p in a.passages]
    digest = hashlib.sha1(
        json.dumps([doc.title, doc.created, doc.scope], ensure_ascii=False).encode("utf-8")
    ).hexdigest()[:16]
    coll_id = f"urn:clipper:export:{digest}"
    return {
        "@context": CONTEXT,
        "id": coll_id,
        "type": "AnnotationCollection",
        "label": doc.title or "Clipper export",
        "total": len(items),
        "first": {
            "id": f"{coll_id}:page:1",
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": items,
        },
    }


def write(doc: ExportDocument, fh: BinaryIO) -> None:
    fh.write(json.dumps(collection(doc), ensure_ascii=False, indent=2).encode("utf-8"))
    fh.write(b"\n")
