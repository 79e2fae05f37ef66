"""Turning ``ArticleDoc``/``PassageDoc`` into the field dicts Whoosh indexes."""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from urllib.parse import urlsplit

from whoosh.fields import DATETIME

from clipper.index.dates import to_utc_naive
from clipper.index.documents import ArticleDoc, PassageDoc
from clipper.index.tagnames import token

_DATETIME = DATETIME(sortable=True)  # the articles' column encoding, for passages
_MISSING_DATE = 2**64 - 1  # what the articles' DATETIME column holds for "no date"


def _parse_dt(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return to_utc_naive(datetime.fromisoformat(value.strip()))
    except (ValueError, TypeError):
        return None


def _hosts(url: str) -> str:
    try:
        host = (urlsplit(url.strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    if not host:
        return ""
    labels = host.split(".")
    out = [host]
    for i in range(1, len(labels) - 1):
        out.append(".".join(labels[i:]))
    return " ".join(out)


def _clean_tags(tags: Iterable[str]) -> list[str]:
    return [" ".join(t.replace(",", " ").split()) for t in tags if t and t.strip()]


def _tag_field(names: list[str], ids: list[int] | None) -> str:
    """Tags by id (``t17``: a rename changes nothing indexed) when the ids are known."""
    if ids is not None:
        return ",".join(token(i) for i in ids)
    return ",".join(_clean_tags(names))


def _common(published: str | None, imported: str, tags: str, outlet: str,
            agency: str, author: str, url: str, language: str, stamp: str) -> dict:
    d = {
        "tag": tags,
        "outlet": outlet or "",
        "agency": agency or "",
        "author": author or "",
        "url": url or "",
        "site": _hosts(url or ""),
        "lang": (language or "").strip().lower(),
        "outlet_f": (outlet or "").encode("utf-8"),
        "agency_f": (agency or "").encode("utf-8"),
        "stamp": (stamp or "").encode("utf-8"),
    }
    pub = _parse_dt(published)
    if pub is not None:
        d["published"] = pub
        d["month"] = pub.strftime("%Y-%m").encode()
    imp = _parse_dt(imported)
    if imp is not None:
        d["imported"] = imp
    return d


def article_fields(doc: ArticleDoc, store_text: bool = True) -> dict:
    text = doc.text or ""
    if doc.dek:
        text = f"{doc.dek}\n\n{text}"
    has = []
    if doc.passage_count or doc.quotes:
        has.append("passages")
    if doc.note_count or doc.notes:
        has.append("notes")
    if doc.tags or doc.tag_ids:
        has.append("tags")
    if doc.versions > 1:
        has.append("versions")
    d = _common(doc.published, doc.imported_at, _tag_field(doc.tags, doc.tag_ids), doc.outlet, doc.agency,
                doc.author, doc.url, doc.language, doc.stamp)
    d.update(
        key=str(doc.id),
        id=int(doc.id),
        title=doc.title or "",
        text=text,
        quote="\n\n".join(q for q in doc.quotes if q),
        note="\n\n".join(n for n in doc.notes if n),
        title_sort=(doc.title or "").casefold().encode("utf-8"),
        has=" ".join(has),
    )
    d["is"] = "orphaned" if doc.orphan_count else ""
    changed = _parse_dt(doc.changed_at) if doc.versions > 1 else None
    if changed is not None:
        d["changed"] = changed  # changed:>-7d (its newest version arrived then)
    if store_text:
        d["stored_text"] = text
    return d


def passage_fields(doc: PassageDoc) -> dict:
    has = ["passages"]
    if doc.note:
        has.append("notes")
    if doc.tags or doc.tag_ids:
        has.append("tags")
    d = {
        "key": str(doc.id),
        "id": int(doc.id),
        "article_id": int(doc.article_id),
        "article_key": str(doc.article_id),
        "quote": doc.quote or "",
        "note": doc.note or "",
        "tag": _tag_field(doc.tags, doc.tag_ids),
        "has": " ".join(has),
        "is": "orphaned" if doc.status == "orphaned" else "",
        "title_sort": (doc.article_title or "").casefold().encode("utf-8"),
        "stamp": (doc.stamp or "").encode("utf-8"),
    }
    for name, value in (("published", doc.published), ("imported", doc.imported_at)):
        # Always written: a segment without the column could not be sorted on it.
        t = _parse_dt(value)
        d[name] = _DATETIME.to_column_value(t) if t is not None else _MISSING_DATE
    return d
