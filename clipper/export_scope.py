"""What to export: turn a scope (articles, tags, a search) into an ExportDocument.

Scopes combine as a union: ``--article 3 --tag missiles`` exports article 3 with all its
passages plus every passage tagged missiles. With no scope at all, the whole library.
A tag scope takes the passages carrying the tag, and every passage of articles carrying
it; with ``group_by="tag"`` only the scope's tags get sections.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone

from clipper.export.model import ExportArticle, ExportDocument, ExportPassage, ExportTag
from clipper.models import Passage


@dataclass
class Scope:
    articles: list[int] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    query: str | None = None
    passages: bool = False  # the query matches passages rather than articles
    passage_ids: list[int] = field(default_factory=list)  # explicit passages (GUI selection)

    def describe(self) -> str:
        parts = []
        if self.articles:
            parts.append("article" + ("s " if len(self.articles) > 1 else " ") + ", ".join(map(str, self.articles)))
        if self.tags:
            parts.append("tag" + ("s: " if len(self.tags) > 1 else ": ") + ", ".join(self.tags))
        if self.query:
            parts.append(f"{'passages' if self.passages else 'query'}: {self.query}")
        if self.passage_ids:
            parts.append(f"{len(self.passage_ids)} selected passages")
        return "; ".join(parts) or "whole library"

    @property
    def empty(self) -> bool:
        return not (self.articles or self.tags or self.query or self.passage_ids)


def _collect(lib, scope: Scope) -> tuple[set[int], set[int]]:
    """(articles exported with all their passages, individually selected passages)."""
    whole: set[int] = set()
    picked: set[int] = set()
    if scope.empty:
        return set(lib.articles.ids()), set()
    for aid in scope.articles:
        lib.articles.get(aid)  # NotFound for a bad id
        whole.add(aid)
    for name in scope.tags:
        tag = lib.tags.get(name)  # NotFound for an unknown tag
        picked.update(p.id for p in lib.passages.with_tag(tag.name))
        whole.update(lib.articles.ids_with_tag(tag.name))
    picked.update(scope.passage_ids)
    if scope.query:
        if scope.passages:
            result = lib.search(scope.query, passages=True, limit=1_000_000, snippets=False)
            picked.update(h.passage_id for h in result.hits)
        else:
            whole.update(lib.article_ids(scope.query))
    return whole, picked


def build_document(lib, scope: Scope, *, group_by: str = "article", title: str | None = None,
                   include_article_notes: bool = True, include_text: bool = True) -> ExportDocument:
    whole, picked = _collect(lib, scope)
    colors = lib.tags.colors()
    folded = {k.casefold(): v for k, v in colors.items()}

    def tag(name: str) -> ExportTag:
        return ExportTag(name, folded.get(name.casefold(), "#ffd54f"))

    by_article: dict[int, list[Passage]] = {}
    for aid in whole:
        by_article[aid] = lib.passages.for_article(aid)
    extra = [p for p in lib.passages.many(sorted(picked)) if p.article_id not in whole]
    for p in extra:
        by_article.setdefault(p.article_id, []).append(p)

    articles = []
    for aid in by_article:
        a = lib.articles.get(aid)
        passages = sorted(by_article[aid], key=lambda p: (p.start is None, p.start or 0, p.end or 0, p.id))
        articles.append(ExportArticle(
            id=a.id, title=a.title, dek=a.dek, outlet=a.outlet, agency=a.agency, author=a.author,
            published=a.published, url=a.url, language=a.language, imported_at=a.imported_at,
            text=a.text if include_text else "", tags=[tag(t) for t in a.tags],
            notes=[n.text for n in lib.notes.for_article(aid)] if include_article_notes else [],
            passages=[ExportPassage(
                id=p.id, article_id=p.article_id, start=p.start if p.start is not None else -1,
                end=p.end if p.end is not None else -1, quote=p.quote, prefix=p.prefix, suffix=p.suffix,
                color=p.color, tags=[tag(t) for t in p.tags], note=p.note, status=p.status,
                created_at=p.created_at, updated_at=p.updated_at) for p in passages],
            story_id=a.story_id, story_outlets=_story_outlets(lib, a),
        ))
    articles.sort(key=lambda a: (a.published or "", a.id))
    if group_by == "tag" and scope.tags:
        wanted = {t.casefold() for t in scope.tags}
        for a in articles:
            for p in a.passages:
                p.tags = [t for t in p.tags if t.name.casefold() in wanted] or p.tags
    return ExportDocument(
        title=title or ("Clipper notes — " + scope.describe()),
        created=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        scope=scope.describe(), group_by=group_by, include_article_notes=include_article_notes,
        articles=articles,
    )


def _story_outlets(lib, article) -> list[str]:
    """Outlets (or agencies) of the other articles in this article's near-duplicate group."""
    if article.story_id is None:
        return []
    outlets = []
    for rid in lib.articles.related(article.id):
        other = lib.articles.get(rid)
        name = (other.outlet or other.agency or "").strip()
        if name and name not in outlets:
            outlets.append(name)
    return outlets
