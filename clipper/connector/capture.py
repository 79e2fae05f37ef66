"""A capture from the browser extension: the page as the browser rendered it, imported like
a fetched page, and the reader's selection turned into a passage.

Qt-free and HTTP-free: ``parse_capture`` checks a request body (InputError on anything
wrong), ``capture_job`` is an import job (yields Progress, honours a CancelToken) returning
a ``CaptureResult``; ``lookup`` answers "is this URL in the library?".

What happens to a capture:
- the tab's URL is made canonical (clipper.importers.urls); if an article is stored under
  it (or was captured from that tab URL), the page is not extracted again: the capture is
  a duplicate and a selection is added to the stored article;
- otherwise the HTML goes through the importer of saved/fetched pages
  (clipper.importers.html.extract_article: trafilatura, metadata, canonical URL) and
  ``lib.articles.add`` (exact duplicates, same URL, near-duplicate stories); a page with
  no article text is refused and nothing is stored;
- the selection is anchored on the stored text (clipper.anchoring: exact quote ranked by
  the page's prefix/suffix, then whitespace/quote-style-insensitive, then fuzzy). A
  selection that is not in the extracted text (a caption, a sidebar) is kept as an
  orphaned passage with its quote and a note saying why; it is never dropped.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from clipper import anchoring
from clipper.errors import InputError
from clipper.importers import DEFAULT_MAX_BYTES
from clipper.importers.urls import canonical_url, is_fetchable
from clipper.jobs import CancelToken, Job, Progress
from clipper.storage import connector as store

ORPHAN_NOTE = ("Clipped from the browser, but this selection is not in the article text Clipper "
               "extracted from the page (a caption, a box or a comment?). Its words are kept here.")
MAX_SELECTION = 100_000  # characters
MAX_TAGS = 50


@dataclass
class Selection:
    exact: str
    prefix: str = ""
    suffix: str = ""


@dataclass
class CaptureRequest:
    url: str
    html: str
    title: str = ""
    lang: str = ""
    time: str = ""
    selection: Selection | None = None
    tags: list[str] = field(default_factory=list)


@dataclass
class CaptureResult:
    article_id: int
    duplicate: bool
    title: str
    status: str  # "imported" | "duplicate"
    reason: str = ""  # for duplicates
    passage_id: int | None = None
    orphaned: bool = False  # the selection was kept as an orphaned passage
    related: list[int] = field(default_factory=list)

    def to_dict(self) -> dict:
        out = {"article_id": self.article_id, "duplicate": self.duplicate, "title": self.title,
               "status": self.status}
        if self.reason:
            out["reason"] = self.reason
        if self.related:
            out["related"] = self.related
        if self.passage_id is not None:
            out["passage_id"] = self.passage_id
            out["orphaned"] = self.orphaned
        return out


def _text(body: dict, key: str, *, required: bool = False, limit: int | None = None) -> str:
    value = body.get(key)
    if value is None:
        if required:
            raise InputError(f'"{key}" is missing')
        return ""
    if not isinstance(value, str):
        raise InputError(f'"{key}" must be a string')
    if required and not value.strip():
        raise InputError(f'"{key}" is empty')
    if limit is not None and len(value) > limit:
        raise InputError(f'"{key}" is longer than {limit} characters')
    # JSON may carry lone UTF-16 surrogates ("\ud800"), which no UTF-8 text can hold
    return value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def parse_capture(body, *, max_html: int = DEFAULT_MAX_BYTES) -> CaptureRequest:
    """Check a decoded JSON request body; InputError (one line) names what is wrong."""
    from clipper.tags import check_name

    if not isinstance(body, dict):
        raise InputError("the request body must be a JSON object")
    url = _text(body, "url", required=True, limit=8192).strip()
    if not is_fetchable(url):
        raise InputError(f"only http(s) pages can be clipped, not {url[:80]!r}")
    html = _text(body, "html", required=True, limit=max_html)
    selection = None
    sel = body.get("selection")
    if sel is not None:
        if not isinstance(sel, dict):
            raise InputError('"selection" must be an object with "exact" (and "prefix", "suffix")')
        exact = _text(sel, "exact", limit=MAX_SELECTION)
        if not exact.strip():
            raise InputError('"selection.exact" is empty: select some text on the page first')
        selection = Selection(exact, _text(sel, "prefix", limit=MAX_SELECTION)[-200:],
                              _text(sel, "suffix", limit=MAX_SELECTION)[:200])
    tags = body.get("tags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InputError('"tags" must be a list of strings')
    if len(tags) > MAX_TAGS:
        raise InputError(f'"tags" holds more than {MAX_TAGS} tags')
    tags = list(dict.fromkeys(check_name(t) for t in tags if t.strip()))
    return CaptureRequest(url=url, html=html, title=_text(body, "title", limit=2000).strip(),
                          lang=_text(body, "lang", limit=64).strip(), time=_text(body, "time", limit=64).strip(),
                          selection=selection, tags=tags)


def find_article(lib, url: str) -> int | None:
    """The article for a browser tab's URL (canonical URL match), or None."""
    if not is_fetchable(url):
        return None
    return store.find_by_page_url(lib.db, canonical_url(url))


def lookup(lib, url: str) -> dict:
    """``{"in_library": bool, "article_id"?, "passages"?, "title"?}`` for a tab's URL."""
    aid = find_article(lib, url)
    if aid is None:
        return {"in_library": False}
    return {"in_library": True, "article_id": aid, "passages": store.passage_count(lib.db, aid),
            "title": lib.articles.get(aid).title}


def locate_selection(text: str, sel: Selection) -> tuple[int, int] | None:
    """Where the browser's selection is in the stored text, or None (not in it)."""
    exact = sel.exact.strip()
    lead = len(sel.exact) - len(sel.exact.lstrip())
    prefix = sel.prefix + sel.exact[:lead]
    suffix = sel.exact[len(sel.exact.rstrip()):] + sel.suffix
    anchor = anchoring.reanchor(text, anchoring.Selector(0, len(exact), exact, prefix, suffix))
    if anchor.anchored and anchor.method != "fuzzy":
        return anchor.start, anchor.end
    try:  # the same words, spaced or quoted differently ("…" vs "...", one line break vs two)
        return anchoring.find_quote(text, exact)
    except InputError:
        pass
    return (anchor.start, anchor.end) if anchor.anchored else None


def _draft(req: CaptureRequest, source: str):
    from clipper.captures import attach, original_from
    from clipper.importers.html import extract_article

    draft = extract_article(req.html, source=source, url=req.url)
    page_url = canonical_url(req.url)
    if not draft.url:
        draft.url = page_url
    if not draft.title and req.title:
        draft.title = req.title
    if not draft.language and req.lang:
        from clipper.importers.metadata import normalise_language

        draft.language = normalise_language(req.lang)
    captured = {"via": "browser"}
    if req.time:
        captured["at"] = req.time
    if draft.url != page_url:
        captured["page_url"] = page_url
    draft.extra = {**draft.extra, "captured": captured}
    # the page as the browser sent it is the article's kept original (clipper.captures)
    original = original_from(req.html.encode("utf-8"), origin="browser", kind="html", source=req.url,
                             final_url=req.url, charset="utf-8")
    attach([draft], original)
    return draft


def capture_job(lib, req: CaptureRequest, cancel: CancelToken | None = None) -> Job[CaptureResult]:
    """Store the page (unless its URL is in the library) and the selection as a passage.

    Tags go on the passage when there is a selection, else on the article. Each step is
    its own write: a refused page stores nothing; a stored page stays if the passage fails."""
    steps = 3 if req.selection else 2
    label = req.title or req.url
    yield Progress(0, steps, f"browser: {label}")
    existing = find_article(lib, req.url)
    passage_tags = req.tags if req.selection else []
    if existing is not None:
        article = lib.articles.get(existing)
        result = CaptureResult(existing, True, article.title, "duplicate", reason="same URL")
        if req.tags and not req.selection:
            lib.articles.add_tags(existing, req.tags)
    else:
        if cancel is not None:
            cancel.raise_if_cancelled()
        draft = _draft(req, source=req.url)
        draft.tags = list(dict.fromkeys([*draft.tags, *([] if req.selection else req.tags)]))
        yield Progress(1, steps, f"browser: storing {draft.title}")
        if cancel is not None:
            cancel.raise_if_cancelled()
        added = lib.articles.add(draft, update_changed=False)
        page_url = draft.extra["captured"].get("page_url")
        if page_url and added.status == "imported":
            with lib.write():
                store.remember_page_url(lib.db, page_url, added.id)
        duplicate = added.status != "imported"
        result = CaptureResult(added.id, duplicate, added.title, "duplicate" if duplicate else "imported",
                               reason=added.reason, related=added.related)
        if duplicate and req.tags and not req.selection:
            lib.articles.add_tags(added.id, req.tags)
    if req.selection is not None:
        yield Progress(steps - 1, steps, "browser: anchoring the selection")
        result.passage_id, result.orphaned = _add_passage(lib, result.article_id, req.selection, passage_tags)
    yield Progress(steps, steps, "done")
    return result


def _add_passage(lib, article_id: int, sel: Selection, tags: list[str]) -> tuple[int, bool]:
    """The selection as a passage (the existing one if the same span is already a passage)."""
    text = lib.articles.get(article_id).text
    span = locate_selection(text, sel)
    if span is None:
        quote = sel.exact.strip()
        same = next((p for p in lib.passages.for_article(article_id)
                     if p.status == "orphaned" and p.quote == quote), None)
        if same is not None:
            if tags:
                lib.passages.update(same.id, add_tags=tags)
            return same.id, True
        p = lib.passages.add_orphaned(article_id, quote=quote, prefix=sel.prefix[-32:], suffix=sel.suffix[:32],
                                      tags=tags, note=ORPHAN_NOTE)
        return p.id, True
    start, end = span
    same = next((p for p in lib.passages.for_article(article_id)
                 if p.status == "anchored" and (p.start, p.end) == (start, end)), None)
    if same is not None:
        if tags:
            lib.passages.update(same.id, add_tags=tags)
        return same.id, False
    return lib.passages.add(article_id, start=start, end=end, tags=tags).id, False


def palette_tags(lib) -> list[dict]:
    """The library's tags in the order the app's tag palette offers them (most used first),
    the first nine with their 1–9 keys."""
    tags = sorted(lib.tags.all(), key=lambda t: (-t.count, t.name.casefold()))
    return [{"name": t.name, "color": t.color, "count": t.count, **({"key": i + 1} if i < 9 else {})}
            for i, t in enumerate(tags)]
