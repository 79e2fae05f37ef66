"""Refresh and re-extract: read an article again and keep what changed as a new version.

``refresh`` re-fetches URL articles with conditional requests (If-None-Match from the last
ETag, If-Modified-Since from the last Last-Modified), politely: one request at a time, a
delay between two requests to the same host, a cap on the articles checked per run (the
least recently checked first, so successive runs go round the library), Progress per
article and a CancelToken checked between articles and during the waits. A 304 or a page
whose cleaned title, dek and text are the same makes no version.

``reextract`` runs today's extractor on the kept original of each article (no network).
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from clipper.errors import ClipperError, InputError, NotFound
from clipper.jobs import CancelToken, Job, Progress

DEFAULT_DELAY = 1.0  # seconds between two requests to the same host
DEFAULT_LIMIT = 200  # articles checked per run


@dataclass
class VersionReport:
    """What a refresh or a re-extraction did, per article."""

    changed: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    versions: dict[int, int] = field(default_factory=dict)  # changed id → its new version
    cancelled: bool = False

    def note(self, article_id: int, result: dict | None) -> None:
        """Record ``Articles.apply_version``'s answer for one article."""
        if result is None:
            self.unchanged.append(article_id)
        else:
            self.changed.append(article_id)
            self.versions[article_id] = result["version"]

    def to_dict(self) -> dict:
        return {"changed": self.changed, "unchanged": self.unchanged, "failed": self.failed,
                "versions": {str(k): v for k, v in self.versions.items()}, "cancelled": self.cancelled}


@dataclass
class RefreshReport(VersionReport):
    skipped: list[int] = field(default_factory=list)  # beyond the per-run cap
    not_modified: list[int] = field(default_factory=list)  # unchanged by a 304 answer

    def to_dict(self) -> dict:
        return {**super().to_dict(), "skipped": self.skipped, "not_modified": self.not_modified}


def _is_web(url: str) -> bool:
    return url.lower().startswith(("http://", "https://"))


def refreshable(lib, article_ids: list[int]) -> list[int]:
    """The articles of ``article_ids`` that have an http(s) URL."""
    wanted = set(article_ids)
    rows = lib.articles.summaries(ids=list(wanted)) if wanted else []
    return sorted(r["id"] for r in rows if _is_web(r.get("url") or ""))


def _refresh_url(lib, article) -> str:
    """The URL the article was last fetched from (its page may name another canonical
    URL), else its URL."""
    from clipper.storage import captures as store

    c = store.latest_url_capture(lib.db, article.id)
    return c.source if c is not None and _is_web(c.source) else article.url


def _validators(lib, article_id: int) -> dict[str, str]:
    from clipper.storage import captures as store

    check = store.get_check(lib.db, article_id)
    if check is None:
        c = store.latest_url_capture(lib.db, article_id)
        check = {"etag": c.etag, "last_modified": c.last_modified} if c else {}
    headers = {}
    if check.get("etag"):
        headers["If-None-Match"] = check["etag"]
    if check.get("last_modified"):
        headers["If-Modified-Since"] = check["last_modified"]
    return headers


def _order(lib, article_ids: list[int]) -> list[int]:
    """Never-checked articles first, then the least recently checked."""
    from clipper.storage import captures as store

    def key(aid: int):
        check = store.get_check(lib.db, aid)
        return (check is not None, check["checked_at"] if check else "", aid)

    return sorted(dict.fromkeys(article_ids), key=key)


def refresh(lib, article_ids: list[int], *, delay: float = DEFAULT_DELAY, limit: int | None = DEFAULT_LIMIT,
            cancel: CancelToken | None = None, options=None, sleep=time.sleep) -> Job[RefreshReport]:
    from dataclasses import replace

    from clipper.importers import ImportOptions, load_source_items
    from clipper.importers.fetch import NotModified
    from clipper.models import ArticleDraft
    from clipper.storage import captures as store

    options = options or ImportOptions()
    report = RefreshReport()
    ordered = _order(lib, article_ids)
    if limit is not None and len(ordered) > limit:
        report.skipped = sorted(ordered[limit:])
        ordered = ordered[:limit]
    total = len(ordered)
    last_request: dict[str, float] = {}
    yield Progress(0, total, "")
    for n, aid in enumerate(ordered):
        if cancel is not None and cancel.cancelled:
            report.cancelled = True
            break
        try:
            article = lib.articles.get(aid)
        except NotFound as exc:
            report.failed.append({"id": aid, "error": str(exc)})
            continue
        url = _refresh_url(lib, article)
        if not _is_web(url):
            report.failed.append({"id": aid, "error": f"article {aid} has no http(s) URL to refresh"})
            continue
        yield Progress(n, total, url)
        host = (urlsplit(url).hostname or "").lower()
        if host in last_request:
            wait = last_request[host] + delay - time.monotonic()
            while wait > 0:
                if cancel is not None and cancel.cancelled:
                    break
                sleep(min(wait, 0.1))
                wait = last_request[host] + delay - time.monotonic()
            if cancel is not None and cancel.cancelled:
                report.cancelled = True
                break
        last_request[host] = time.monotonic()
        opts = replace(options, request_headers=_validators(lib, aid) or None, fetch_full=False)
        try:
            try:
                items = load_source_items(url, opts)
            except NotModified:
                with lib.write():
                    old = store.get_check(lib.db, aid) or {}
                    store.set_check(lib.db, aid, status=304, etag=old.get("etag") or opts.request_headers.get("If-None-Match", ""),
                                    last_modified=old.get("last_modified") or opts.request_headers.get("If-Modified-Since", ""))
                report.unchanged.append(aid)
                report.not_modified.append(aid)
                continue
            draft = next((i for i in items if isinstance(i, ArticleDraft)), None)
            if draft is None:
                first = next((i for i in items if isinstance(i, InputError)), None)
                raise first or InputError(f"{url}: no article text found")
            if draft.capture is not None and draft.capture.entry is not None:
                raise InputError(f"{url}: is now a feed or a list of articles, not an article page")
            result = lib.articles.apply_version(aid, draft, "refresh")
            headers = draft.capture.headers if draft.capture is not None else {}
            with lib.write():
                store.set_check(lib.db, aid, status=draft.capture.status if draft.capture else 200,
                                etag=headers.get("etag", ""), last_modified=headers.get("last-modified", ""))
        except (ClipperError, OSError, ValueError) as exc:
            report.failed.append({"id": aid, "error": str(exc)})
            _record_attempt(lib, aid)
            continue
        report.note(aid, result)
    yield Progress(total if not report.cancelled else n, total, "done")
    return report


def _record_attempt(lib, article_id: int) -> None:
    """A failed request still counts as a check (keeping the last validators): the next
    run, and a watch schedule, try it again only after the others, never at once."""
    from clipper.storage import captures as store

    try:
        with lib.write():
            old = store.get_check(lib.db, article_id) or {}
            store.set_check(lib.db, article_id, status=None, etag=old.get("etag", ""),
                            last_modified=old.get("last_modified", ""))
    except (ClipperError, sqlite3.IntegrityError):
        pass  # the article is gone, or the library cannot be written: nothing to remember


def reextract(lib, article_ids: list[int], *, cancel: CancelToken | None = None) -> Job[VersionReport]:
    """Run the current extractor on each article's kept original (its newest capture); a
    different result becomes a new version (passages re-anchor)."""
    from clipper import captures
    from clipper.importers import reparse
    from clipper.importers.fetch import _parse_content_type
    from clipper.models import ArticleDraft
    from clipper.storage import captures as store

    report = VersionReport()
    total = len(article_ids)
    yield Progress(0, total, "")
    for n, aid in enumerate(article_ids):
        if cancel is not None and cancel.cancelled:
            report.cancelled = True
            break
        yield Progress(n, total, f"article {aid}")
        try:
            lib.articles.get(aid)
            c = store.latest_capture(lib.db, aid)
            if c is None:
                raise InputError(f"article {aid} has no kept original (imported before captures were kept)")
            data = captures.original_bytes(lib, c)
            charset = _parse_content_type(c.content_type)[1] if c.content_type else None
            items = reparse(data, c.source, c.kind, base_url=c.final_url if c.origin == "url" else "", charset=charset)
            drafts = [i for i in items if isinstance(i, ArticleDraft)]
            if c.entry is not None:
                draft = next((d for d in drafts if d.source.rsplit("#", 1)[-1] == str(c.entry)), None)
            else:
                draft = drafts[0] if drafts else None
            if draft is None:
                raise InputError(f"article {aid}: today's extractor finds no article text in the kept original")
            draft.capture = captures.Original(
                data=data, origin=c.origin, kind=c.kind, source=c.source, final_url=c.final_url, status=c.status,
                headers=c.headers, charset=charset, entry=c.entry, captured_at=c.captured_at)
            result = lib.articles.apply_version(aid, draft, "reextract")
        except (ClipperError, OSError, ValueError) as exc:
            report.failed.append({"id": aid, "error": str(exc)})
            continue
        report.note(aid, result)
    yield Progress(total if not report.cancelled else n, total, "done")
    return report
