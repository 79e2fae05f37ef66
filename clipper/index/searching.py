"""Searching the index: a query parsed (tag names to ids, article clauses of a passage
query resolved through the articles index), answered by the numpy scorer
(``clipper.index.vector``) or Whoosh's collectors, sorted, paged, with snippets
(``hits``), facets (``clipper.index.facets``) and "did you mean" (``spelling``); every
search runs within its cost bounds (``clipper.index.budget``).

Passage documents hold only the passage's own fields; article metadata in a passage query
is answered by the articles index and mapped through ``article_id``.
"""
from __future__ import annotations

import time
from datetime import datetime, timezone

from whoosh import query as wq
from whoosh import sorting

from clipper.errors import LibraryCorrupt, LibraryLocked, QueryError
from clipper.index import budget, facets, vector
from clipper.index.collectors import _ArticleMatch, _CheckedSorting, _column_ranges, _TopCounting
from clipper.index.dates import to_utc_naive
from clipper.index.hits import PageHit, wanted_terms
from clipper.index.parts import DAMAGE, RACE_RETRIES, Part
from clipper.index.query import parse
from clipper.index.results import SearchResult
from clipper.index.schema import ARTICLE_ONLY_FIELDS, passage_query_schema

SORTS = {"published", "-published", "imported", "-imported", "title", "-title"}


class IndexSearching:
    """``SearchIndex``'s searches (a mixin: parts, tag names and cost bounds are the
    ``SearchIndex``'s)."""

    def _sortedby(self, sort: str | None, everything: bool):
        if sort is not None and sort not in SORTS:
            raise QueryError(
                f"unknown sort {sort!r} (use one of: {', '.join(sorted(SORTS))})"
            )
        if sort is None and not everything:
            return None
        column, reverse = _sort_column(sort)
        return sorting.MultiFacet([
            sorting.FieldFacet(column, reverse=reverse),
            sorting.FieldFacet("id", reverse=reverse),
        ])

    def _sort_keys(self, part: Part, sort: str | None) -> list:
        """The key arrays of ``_sortedby``'s facets (column, then id), cached for the
        current searcher."""
        column, reverse = _sort_column(sort)
        keys = []
        for col in (column, "id"):
            cache_key = ("_rank", col, reverse)
            ranks = part._columns.get(cache_key)
            if ranks is None:
                ranks = vector.column_ranks(part.searcher, col, reverse)
                part._columns[cache_key] = ranks
            keys.append(ranks)
        return keys

    def _parse(self, query: str, passages: bool, now: datetime) -> wq.Query:
        if self.tag_names is not None:
            self.tag_names.refresh()
        if not passages:
            return _column_ranges(self._tag_ids(parse(query, self._articles.schema, passages=False,
                                                      now=now)))
        if self._passage_query_schema is None:
            self._passage_query_schema = passage_query_schema()
        q = self._tag_ids(parse(query, self._passage_query_schema, passages=True, now=now))
        return self._resolve_article_clauses(q)

    def _tag_ids(self, q: wq.Query) -> wq.Query:
        return q if self.tag_names is None else self.tag_names.rewrite(q)

    def _resolve_article_clauses(self, q: wq.Query) -> wq.Query:
        """Replaces each clause on article metadata by the passages of the articles the
        articles index finds for it (exact: a passage has the metadata of its article)."""
        if q.is_leaf():
            if q.field() in ARTICLE_ONLY_FIELDS:
                q = _column_ranges(q)
                searcher = self._articles.searcher
                ids = self._articles.column("id")
                found = frozenset(int(ids[d]) for d in searcher.docs_for_query(q))
                return _ArticleMatch(found, repr(q))
            return q
        return q.apply(self._resolve_article_clauses)

    def search(self, query: str, **kwargs) -> SearchResult:
        """See ``_search``; a segment merged away by a concurrent commit (the index lane)
        while this search opened it is read again from the newer commit."""
        for attempt in range(RACE_RETRIES):
            try:
                with budget.limit(self.time_budget, self.max_expanded_words):
                    return self._search(query, **kwargs)
            except LibraryCorrupt as exc:
                if not isinstance(exc.__cause__, FileNotFoundError) or attempt == RACE_RETRIES - 1:
                    raise
                self.needs_rebuild = self._needed_rebuild
                time.sleep(0.01 * (attempt + 1))
                self.refresh()

    def _search(self, query: str, *, limit: int = 20, offset: int = 0,
               sort: str | None = None, facets: bool = False, passages: bool = False,
               now: datetime | None = None, snippets: bool = True) -> SearchResult:
        """One page of hits for ``query`` (see ``clipper.index.query`` for the syntax)."""
        self._require_open()
        if limit < 0 or offset < 0:
            raise QueryError("limit and offset must not be negative")
        part = self._passages if passages else self._articles
        now = to_utc_naive(now) if now is not None else datetime.now(timezone.utc).replace(tzinfo=None)
        try:
            q = self._parse(query, passages, now)
            sortedby = self._sortedby(sort, _lists_everything(q))
            searcher = part.searcher
            n = max(1, offset + limit)
            matches = None
            if self.vectorised and vector.supported(q):
                try:
                    matches = vector.evaluate(searcher, q)
                    if sortedby is None:
                        best = matches.top(n)
                    else:
                        keys = self._sort_keys(part, sort)
                        # Whoosh's sorted hits carry the sort key, not a score.
                        best = [(d, 0.0) for d in matches.sorted_top(n, keys)]
                except vector.Unsupported:
                    matches = None
            if matches is not None:
                total = len(matches)
                page = [PageHit(searcher, d, s) for d, s in best[offset:offset + limit]]
                docs = matches.docs
            else:
                if sortedby is not None:
                    top = _CheckedSorting(sortedby, limit=n)
                else:
                    top = _TopCounting(n, keep_docs=facets)
                searcher.search_with_collector(q, top)
                results = top.results()
                total = len(results)
                page = list(results)[offset:offset + limit]
                docs = None
                if facets:
                    docs = top.kept if sortedby is None else sorted(top.docset)
            budget.stop_clock()  # the matches are known: snippets and facets are bounded
            wanted = wanted_terms(q, searcher.reader()) if snippets and page else {}
            hits = self._make_hits(page, passages, snippets, wanted)
            facet_counts = None
            if facets:
                facet_counts = self._facets(part, docs)
        except (QueryError, LibraryLocked):
            raise
        except DAMAGE as exc:
            self._needed_rebuild = self.needs_rebuild
            if self._note_damage(exc):
                raise LibraryCorrupt(
                    f"the search index is damaged ({exc}); it is rebuilt from the database "
                    f"when the library is next opened (or now: clipper reindex)") from exc
            raise LibraryCorrupt(f"the search index could not be read ({exc}); if this "
                                 f"persists, rebuild it: clipper reindex") from exc
        suggestion = None
        if total == 0:
            suggestion = self._suggest(query, self._articles)
        return SearchResult(total=total, hits=hits, facets=facet_counts,
                            suggestion=suggestion, query=query)

    # ------------------------------------------------------------------ facets

    def _facets(self, part: Part, docs) -> dict:
        """Counts by tag, outlet, agency and month over every matching document
        (``clipper.index.facets``); passages count by their article's values."""
        rows = None
        if part is not self._articles:
            aids = self._passages.column("article_id")
            by_id = self._article_docnums()
            rows = lambda d: by_id.get(aids[d], -1)  # noqa: E731
        tag_name = self.tag_names.name_of if self.tag_names is not None else None
        return facets.counts(part.searcher, self._articles, docs, article_row=rows, tag_name=tag_name)

    def _article_docnums(self) -> dict[int, int]:
        part = self._articles
        cached = part._columns.get("_docnum_by_id")
        if cached is None:
            reader = part.searcher.reader()
            ids = part.column("id")
            cached = {int(ids[d]): d for d in reader.all_doc_ids()} if ids else {}
            part._columns["_docnum_by_id"] = cached
        return cached

    def article_ids(self, query: str, *, now: datetime | None = None) -> list[int]:
        """Ids of every article matching ``query`` (no scoring order, no snippets)."""
        self._require_open()
        now = to_utc_naive(now) if now is not None else datetime.now(timezone.utc).replace(tzinfo=None)
        part = self._articles
        with budget.limit(self.time_budget, self.max_expanded_words):
            q = _column_ranges(parse(query, part.schema, passages=False, now=now))
            searcher = part.searcher
            if searcher.doc_count() == 0:
                return []
            ids = part.column("id")
            return sorted(int(ids[d]) for d in searcher.docs_for_query(q))

    # ------------------------------------------------------------- did you mean

    def suggest(self, query: str) -> str | None:
        """A corrected query string ("did you mean"), or None (``clipper.index.spelling``)."""
        self._require_open()
        return self._suggest(query, self._articles)

    def _suggest(self, query: str, part: Part) -> str | None:
        try:
            return self._speller.suggest(query, part.searcher)
        except DAMAGE:
            return None


def _sort_column(sort: str | None) -> tuple[str, bool]:
    """The column a sort orders by, and whether descending (no sort: newest first)."""
    sort = sort or "-published"
    name = sort.lstrip("-")
    return ("title_sort" if name == "title" else name), sort.startswith("-")


def _lists_everything(q: wq.Query) -> bool:
    """Everything, or everything but some words ("-iran"): listed newest first."""
    if isinstance(q, wq.AndNot):
        q = q.a
    return isinstance(q, wq.Every)
