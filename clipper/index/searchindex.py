"""The search index: a Whoosh index derived from the database and rebuildable from it.

The folder holds two Whoosh indexes (``articles/``, ``passages/``) and
``clipper-index.json`` with the schema version. Anything unreadable or of another version
is recreated empty with ``needs_rebuild`` set; the library then rebuilds it.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from collections import Counter
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable
from urllib.parse import urlsplit

from whoosh import index as windex
from whoosh import query as wq
from whoosh import sorting
from whoosh.index import LockError

from clipper.errors import Cancelled, LibraryCorrupt, LibraryLocked, QueryError
from clipper.index.documents import ArticleDoc, PassageDoc
from clipper.index.query import parse, to_utc_naive
from clipper.index.schema import (
    INDEX_SCHEMA_VERSION,
    WORD_PATTERN,
    article_schema,
    fold_analyzer,
    fold_word,
    passage_schema,
    text_analyzer,
    vocabulary_schema,
)
from clipper.index.snippets import fragments_for, lead_fragment, make_highlighter, to_html
from clipper.jobs import CancelToken, Job, Progress

VERSION_FILE = "clipper-index.json"
SORTS = {"published", "-published", "imported", "-imported", "title", "-title"}
_WORD_RE = re.compile(WORD_PATTERN)
_TEXT_FIELDS = {"title", "text", "body", "note", "notes", "quote"}


# --------------------------------------------------------------------------- results


@dataclass
class Hit:
    id: int
    title: str
    outlet: str
    published: str | None
    score: float
    snippet: str = ""
    fragments: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class PassageHit:
    passage_id: int
    article_id: int
    quote: str
    tags: list[str]
    note: str
    score: float
    snippet: str = ""
    fragments: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SearchResult:
    total: int
    hits: list
    facets: dict | None
    suggestion: str | None
    query: str

    def to_dict(self) -> dict:
        return {
            "total": self.total,
            "hits": [h.to_dict() for h in self.hits],
            "facets": self.facets,
            "suggestion": self.suggestion,
            "query": self.query,
        }


# ------------------------------------------------------------------ doc conversion


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


def _spell_words(*texts: str) -> set[str]:
    """Folded, unstemmed words of the texts (for "did you mean")."""
    raw = set()
    for t in texts:
        if t:
            raw.update(_WORD_RE.findall(t.lower()))
    return {fold_word(w) for w in raw if len(w) > 2 and not w.isdigit()}


def article_words(doc: ArticleDoc) -> set[str]:
    return _spell_words(doc.title, doc.dek, doc.text, *doc.quotes, *doc.notes)


def passage_words(doc: PassageDoc) -> set[str]:
    return _spell_words(doc.quote, doc.note, doc.article_title)

VOCAB_CHUNK = 5000


def _common(published: str | None, imported: str, tags: list[str], outlet: str,
            agency: str, author: str, url: str, language: str, stamp: str) -> dict:
    d = {
        "tag": ",".join(_clean_tags(tags)),
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


def article_fields(doc: ArticleDoc) -> dict:
    text = doc.text or ""
    if doc.dek:
        text = f"{doc.dek}\n\n{text}"
    has = []
    if doc.passage_count or doc.quotes:
        has.append("passages")
    if doc.note_count or doc.notes:
        has.append("notes")
    if doc.tags:
        has.append("tags")
    d = _common(doc.published, doc.imported_at, doc.tags, doc.outlet, doc.agency,
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
    return d


def passage_fields(doc: PassageDoc) -> dict:
    has = ["passages"]
    if doc.note:
        has.append("notes")
    if doc.tags:
        has.append("tags")
    d = _common(doc.published, doc.imported_at, doc.tags, doc.outlet, doc.agency,
                doc.author, doc.url, doc.language, doc.stamp)
    d.update(
        key=str(doc.id),
        id=int(doc.id),
        article_id=int(doc.article_id),
        article_key=str(doc.article_id),
        title=doc.article_title or "",
        quote=doc.quote or "",
        note=doc.note or "",
        title_sort=(doc.article_title or "").casefold().encode("utf-8"),
        has=" ".join(has),
    )
    d["is"] = "orphaned" if doc.status == "orphaned" else ""
    return d


# ---------------------------------------------------------------------------- index


class _Part:
    """One Whoosh index in the folder with its long-lived searcher."""

    def __init__(self, ix):
        self.ix = ix
        self.schema = ix.schema
        self.searcher = ix.searcher()

    def refresh(self):
        """Reopens the searcher on the latest commit.

        Not ``Searcher.refresh()``: Whoosh's reader reuse adds the segments of the old
        reader that are not in the new commit back in, so after a merge (ours or another
        writer's) every merged document would be found twice.
        """
        if self.searcher.reader().generation() == self.ix.latest_generation():
            return
        old, self.searcher = self.searcher, self.ix.searcher()
        old.close()

    def close(self):
        try:
            self.searcher.close()
        finally:
            self.ix.close()


def _default_procs() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class SearchIndex:
    """Full-text index over articles and passages (see ``clipper.index.query``)."""

    def __init__(self, path: Path, *, writer_timeout: float = 10.0,
                 procs: int | None = None, limitmb: int = 128):
        self.path = Path(path)
        self.writer_timeout = writer_timeout
        self.procs = procs if procs is not None else _default_procs()
        self.limitmb = limitmb
        self.needs_rebuild = False
        self._articles: _Part | None = None
        self._passages: _Part | None = None
        self._vocabulary: _Part | None = None
        self._stem = text_analyzer()
        self._highlighter = make_highlighter()
        self._fold = fold_analyzer()
        self._open()

    # ---------------------------------------------------------------- open/create

    def _open(self) -> None:
        try:
            self._open_existing()
        except Exception:  # noqa: BLE001 - any damage means "recreate and rebuild"
            self._close_parts()
            self._create_empty(self.path)
            self._open_existing()
            self.needs_rebuild = True

    def _open_existing(self) -> None:
        meta = json.loads((self.path / VERSION_FILE).read_text("utf-8"))
        if meta.get("schema_version") != INDEX_SCHEMA_VERSION:
            raise ValueError("schema version differs")
        parts = []
        try:
            for name in ("articles", "passages", "vocabulary"):
                ix = windex.open_dir(str(self.path / name))
                part = _Part(ix)
                parts.append(part)
                # Touch every segment so truncated files fail now, not mid-search.
                part.searcher.doc_count_all()
                part.searcher.search(wq.Every(), limit=1)
                next(iter(part.searcher.reader().all_terms()), None)
        except BaseException:
            for p in parts:
                p.close()
            raise
        self._articles, self._passages, self._vocabulary = parts

    @staticmethod
    def _create_empty(path: Path) -> None:
        if path.exists() or path.is_symlink():
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
        path.mkdir(parents=True)
        SearchIndex._init_folder(path)

    @staticmethod
    def _init_folder(path: Path) -> None:
        (path / "articles").mkdir(exist_ok=True)
        (path / "passages").mkdir(exist_ok=True)
        (path / "vocabulary").mkdir(exist_ok=True)
        windex.create_in(str(path / "articles"), article_schema())
        windex.create_in(str(path / "passages"), passage_schema())
        windex.create_in(str(path / "vocabulary"), vocabulary_schema())
        (path / VERSION_FILE).write_text(
            json.dumps({"schema_version": INDEX_SCHEMA_VERSION}), "utf-8"
        )

    def _close_parts(self) -> None:
        for part in (self._articles, self._passages, self._vocabulary):
            if part is not None:
                try:
                    part.close()
                except Exception:  # noqa: BLE001
                    pass
        self._articles = self._passages = self._vocabulary = None

    def close(self) -> None:
        self._close_parts()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _require_open(self) -> None:
        if self._articles is None:
            raise LibraryCorrupt("the search index is closed")

    # ----------------------------------------------------------------- writing

    @contextmanager
    def _writer(self, part: _Part, **kwargs):
        try:
            w = part.ix.writer(timeout=self.writer_timeout, **kwargs)
        except LockError:
            raise LibraryLocked(
                f"the search index is being written by someone else "
                f"(waited {self.writer_timeout:g} s)"
            ) from None
        try:
            yield w
        except BaseException:
            w.cancel()
            raise
        w.commit()
        part.refresh()

    def update(self, *, articles: Iterable[ArticleDoc] = (),
               passages: Iterable[PassageDoc] = (),
               delete_articles: Iterable[int] = (),
               delete_passages: Iterable[int] = ()) -> None:
        """Add or replace documents and delete others, then make them searchable.

        Deleting an article also deletes its passages' documents.
        """
        self._require_open()
        articles, passages = list(articles), list(passages)
        delete_articles, delete_passages = list(delete_articles), list(delete_passages)
        if articles or delete_articles:
            with self._writer(self._articles) as w:
                for aid in delete_articles:
                    w.delete_by_term("key", str(aid))
                for doc in articles:
                    w.update_document(**article_fields(doc))
        if passages or delete_passages or delete_articles:
            with self._writer(self._passages) as w:
                for aid in delete_articles:
                    w.delete_by_term("article_key", str(aid))
                for pid in delete_passages:
                    w.delete_by_term("key", str(pid))
                for doc in passages:
                    w.update_document(**passage_fields(doc))
        words: set[str] = set()
        for doc in articles:
            words |= article_words(doc)
        for doc in passages:
            words |= passage_words(doc)
        self._add_words(words)

    def _add_words(self, words: set[str], ix=None) -> None:
        """Adds the words not yet in the vocabulary index."""
        if ix is None:
            reader = self._vocabulary.searcher.reader()
            words = sorted(w for w in words if reader.doc_frequency("spell", w) == 0)
        else:
            words = sorted(words)
        if not words:
            return
        chunks = [words[i:i + VOCAB_CHUNK] for i in range(0, len(words), VOCAB_CHUNK)]
        if ix is not None:
            w = ix.writer(limitmb=self.limitmb)
            try:
                for c in chunks:
                    w.add_document(spell=" ".join(c))
            except BaseException:
                w.cancel()
                raise
            w.commit()
            return
        with self._writer(self._vocabulary) as w:
            for c in chunks:
                w.add_document(spell=" ".join(c))

    def add_bulk(self, articles: Iterable[ArticleDoc],
                 passages: Iterable[PassageDoc] = ()) -> None:
        """Fast path for big imports (several processes, one segment per process).

        Documents whose ids are already indexed are replaced.
        """
        self._require_open()
        articles, passages = list(articles), list(passages)
        for part, docs, conv in ((self._articles, articles, article_fields),
                                 (self._passages, passages, passage_fields)):
            if not docs:
                continue
            existing = self._ids(part)
            stale = [d.id for d in docs if d.id in existing]
            if stale:
                with self._writer(part) as w:
                    for i in stale:
                        w.delete_by_term("key", str(i))
            with self._writer(part, **self._bulk_args(len(docs))) as w:
                for doc in docs:
                    w.add_document(**conv(doc))
        words: set[str] = set()
        for doc in articles:
            words |= article_words(doc)
        for doc in passages:
            words |= passage_words(doc)
        self._add_words(words)

    def _bulk_args(self, n: int) -> dict:
        if self.procs > 1 and n >= 1000:
            return {"procs": self.procs, "multisegment": True, "limitmb": self.limitmb}
        return {"limitmb": self.limitmb}

    def rebuild(self, articles: Iterable[ArticleDoc], passages: Iterable[PassageDoc],
                total: int | None = None, cancel: CancelToken | None = None) -> Job[None]:
        """Build a fresh index beside the live one and swap it in at the end.

        ``total`` is the number of articles (for progress). A cancelled or failed rebuild
        leaves the old index in place.
        """
        tmp = self.path.parent / f".{self.path.name}.rebuild-{os.getpid()}-{id(self)}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        swapped = False
        try:
            self._init_folder(tmp)
            done = 0
            vocab: set[str] = set()
            yield Progress(0, total, "Indexing articles")
            for name, docs, conv, words_of, label in (
                ("articles", articles, article_fields, article_words, "Indexing articles"),
                ("passages", passages, passage_fields, passage_words, "Indexing passages"),
            ):
                ix = windex.open_dir(str(tmp / name))
                args = {"limitmb": self.limitmb}
                if self.procs > 1:
                    args.update(procs=self.procs, multisegment=True)
                w = ix.writer(**args)
                try:
                    n = 0
                    for doc in docs:
                        if cancel is not None and n % 50 == 0:
                            cancel.raise_if_cancelled()
                        w.add_document(**conv(doc))
                        vocab |= words_of(doc)
                        n += 1
                        if name == "articles":
                            done = n
                            if n % 250 == 0:
                                yield Progress(done, total, label)
                    if cancel is not None:
                        cancel.raise_if_cancelled()
                    yield Progress(done, total, f"{label}: writing")
                except BaseException:
                    w.cancel()
                    raise
                w.commit()
                ix.close()
            ix = windex.open_dir(str(tmp / "vocabulary"))
            try:
                self._add_words(vocab, ix=ix)
            finally:
                ix.close()
            self._swap_in(tmp)
            swapped = True
            yield Progress(done, total if total is not None else done, "Index rebuilt")
        finally:
            if not swapped and tmp.exists():
                shutil.rmtree(tmp, ignore_errors=True)

    def _swap_in(self, tmp: Path) -> None:
        old = self.path.parent / f".{self.path.name}.old-{os.getpid()}-{id(self)}"
        self._close_parts()
        if self.path.exists():
            os.rename(self.path, old)
        os.rename(tmp, self.path)
        shutil.rmtree(old, ignore_errors=True)
        self.needs_rebuild = False
        self._open()

    # ----------------------------------------------------------------- reading

    @staticmethod
    def _ids(part: _Part) -> set[int]:
        return set(SearchIndex._column_map(part, "stamp"))

    @staticmethod
    def _column_map(part: _Part, column: str) -> dict[int, str]:
        reader = part.searcher.reader()
        if reader.doc_count() == 0:
            return {}
        ids = reader.column_reader("id")
        values = reader.column_reader(column)
        out = {}
        for docnum in reader.all_doc_ids():
            out[int(ids[docnum])] = values[docnum].decode("utf-8")
        return out

    def stamps(self) -> tuple[dict[int, str], dict[int, str]]:
        """({article_id: stamp}, {passage_id: stamp}) of what is indexed."""
        self._require_open()
        return (self._column_map(self._articles, "stamp"),
                self._column_map(self._passages, "stamp"))

    def doc_counts(self) -> tuple[int, int]:
        self._require_open()
        return (self._articles.searcher.doc_count(), self._passages.searcher.doc_count())

    def _sortedby(self, sort: str | None, everything: bool):
        if sort is not None and sort not in SORTS:
            raise QueryError(
                f"unknown sort {sort!r} (use one of: {', '.join(sorted(SORTS))})"
            )
        if sort is None and not everything:
            return None
        if sort is None:
            sort = "-published"
        reverse = sort.startswith("-")
        name = sort.lstrip("-")
        column = "title_sort" if name == "title" else name
        return sorting.MultiFacet([
            sorting.FieldFacet(column, reverse=reverse),
            sorting.FieldFacet("id", reverse=reverse),
        ])

    def search(self, query: str, *, limit: int = 20, offset: int = 0,
               sort: str | None = None, facets: bool = False, passages: bool = False,
               now: datetime | None = None, snippets: bool = True) -> SearchResult:
        """One page of hits for ``query`` (see ``clipper.index.query`` for the syntax)."""
        self._require_open()
        if limit < 0 or offset < 0:
            raise QueryError("limit and offset must not be negative")
        part = self._passages if passages else self._articles
        now = to_utc_naive(now) if now is not None else datetime.now(timezone.utc).replace(tzinfo=None)
        q = parse(query, part.schema, passages=passages, now=now)
        sortedby = self._sortedby(sort, isinstance(q, wq.Every))
        searcher = part.searcher
        try:
            results = searcher.search(q, limit=max(1, offset + limit), sortedby=sortedby,
                                      terms=snippets)
            total = len(results)
            page = list(results)[offset:offset + limit]
            hits = []
            for hit in page:
                hits.append(self._make_hit(hit, passages, snippets))
            facet_counts = self._facets(searcher, q) if facets else None
        except (QueryError, LibraryLocked):
            raise
        except (OSError, EOFError, ValueError, KeyError, IndexError, struct_error()) as exc:
            self.needs_rebuild = True
            raise LibraryCorrupt(f"the search index is damaged ({exc}); rebuild it") from exc
        suggestion = None
        if total == 0:
            suggestion = self._suggest(query, part)
        return SearchResult(total=total, hits=hits, facets=facet_counts,
                            suggestion=suggestion, query=query)

    def _make_hit(self, hit, passages: bool, snippets: bool):
        frags: list[dict] = []
        stored = hit.fields()
        if passages:
            if snippets:
                frags = (fragments_for(self._highlighter, hit, stored, ("quote", "note"))
                         or lead_fragment(stored.get("quote", "")))
            return PassageHit(
                passage_id=int(stored["id"]),
                article_id=int(stored["article_id"]),
                quote=stored.get("quote", ""),
                tags=[t for t in stored.get("tag", "").split(",") if t],
                note=stored.get("note", ""),
                score=_score(hit),
                snippet=to_html(frags),
                fragments=frags,
            )
        if snippets:
            frags = (fragments_for(self._highlighter, hit, stored, ("text", "quote", "note"))
                     or lead_fragment(stored.get("text", "")))
        pub = stored.get("published")
        return Hit(
            id=int(stored["id"]),
            title=stored.get("title", ""),
            outlet=stored.get("outlet", ""),
            published=pub.isoformat() if pub is not None else None,
            score=_score(hit),
            snippet=to_html(frags),
            fragments=frags,
        )

    def _facets(self, searcher, q) -> dict:
        docs = searcher.docs_for_query(q)
        if not isinstance(docs, (set, frozenset)):
            docs = set(docs)
        reader = searcher.reader()
        out: dict[str, dict[str, int]] = {"tag": {}, "outlet": {}, "agency": {}, "month": {}}
        if not docs:
            return out
        tags: Counter = Counter()
        if docs:
            for term in reader.lexicon("tag"):
                n = sum(1 for d in reader.postings("tag", term).all_ids() if d in docs)
                if n:
                    tags[term.decode("utf-8")] = n
        out["tag"] = dict(tags.most_common())
        for name, column in (("outlet", "outlet_f"), ("agency", "agency_f"),
                             ("month", "month")):
            col = reader.column_reader(column)
            counts = Counter(col[d] for d in docs)
            counts.pop(b"", None)
            out[name] = {k.decode("utf-8"): v for k, v in counts.most_common()}
        return out

    def article_ids(self, query: str, *, now: datetime | None = None) -> list[int]:
        """Ids of every article matching ``query`` (no scoring order, no snippets)."""
        self._require_open()
        now = to_utc_naive(now) if now is not None else datetime.now(timezone.utc).replace(tzinfo=None)
        part = self._articles
        q = parse(query, part.schema, passages=False, now=now)
        searcher = part.searcher
        if searcher.doc_count() == 0:
            return []
        ids = searcher.reader().column_reader("id")
        return sorted(int(ids[d]) for d in searcher.docs_for_query(q))

    def suggest(self, query: str) -> str | None:
        """A corrected query string ("did you mean"), or None."""
        self._require_open()
        return self._suggest(query, self._articles)

    def _suggest(self, query: str, part: _Part) -> str | None:
        if not isinstance(query, str) or len(query) > 1000:
            return None
        vocab = self._vocabulary.searcher.reader()
        fields = [f for f in ("title", "text", "quote", "note") if f in part.schema]
        corrector = None
        out, pos, changed = [], 0, False
        for m in re.finditer(
            r"(?<![\w:*~\-])(?:(\w+):)?([^\W\d_][\w']+)(?![\w*~:])", query
        ):
            word = m.group(2)
            if m.group(1) and m.group(1).lower() not in _TEXT_FIELDS:
                continue
            if word in ("AND", "OR", "NOT", "TO") or len(word) < 3:
                continue
            folded = fold_word(word)
            if not folded or vocab.doc_frequency("spell", folded) > 0:
                continue
            if corrector is None:
                corrector = vocab.corrector("spell")
            for candidate in corrector.suggest(folded, limit=5, maxdist=2, prefix=1):
                if candidate != folded and self._indexed(part.searcher, fields, candidate):
                    out.append(query[pos:m.start(2)])
                    out.append(candidate)
                    pos = m.end(2)
                    changed = True
                    break
        if not changed:
            return None
        out.append(query[pos:])
        return "".join(out)

    def _indexed(self, searcher, fields, word: str) -> bool:
        """Is the word in some live document (the vocabulary only grows)?"""
        stems = [t.text for t in self._stem(word)]
        if not stems:
            return False
        q = wq.Or([wq.Term(f, stems[0]) for f in fields])
        return next(iter(searcher.docs_for_query(q)), None) is not None


def _score(hit) -> float:
    s = hit.score
    return float(s) if isinstance(s, (int, float)) else 0.0


def struct_error():
    import struct

    return struct.error
