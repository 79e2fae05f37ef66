"""The search index: a Whoosh index derived from the database and rebuildable from it.

The folder holds two Whoosh indexes (``articles/``, ``passages/``) and
``clipper-index.json`` with the schema version. Anything unreadable or of another version
is recreated empty with ``needs_rebuild`` set; the library then rebuilds it.

Speed notes (measured, see benchmarks/search_bench.py):

- Commits merge only small segments (``clipper.index.merging``: a tiered policy; big
  merges happen in the index lane when it is idle), and the searcher is reopened reusing
  the readers of unchanged segments: adding an article costs a small segment, not a merge
  and a reopen of everything.
- Snippets re-read the ~20 shown texts (``text_loader``, else stored text) instead of
  storing character offsets in every posting.
- "Did you mean" uses the article index's own lexicon (no second index to keep).
- Passage documents hold only the passage's own fields; article metadata in a passage
  query is answered by the articles index and mapped through ``article_id``.
"""
from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import struct
import time
import zlib
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from whoosh import sorting
from whoosh import index as windex
from whoosh import query as wq
from whoosh.index import LockError
from whoosh.reading import CorruptIndexError, EmptyReader, MultiReader, SegmentReader
from whoosh.searching import Searcher
from whoosh.writing import SegmentWriter

from clipper.errors import LibraryCorrupt, LibraryLocked, QueryError
from clipper.index import budget, engine, facets, merging, side_merge, state, vector
from clipper.index import whoosh_internals as wi
from clipper.index.codec import read_blocks
from clipper.index.collectors import (
    _ArticleMatch,
    _column_ranges,
    _CheckedSorting,
    _TopCounting,
    segment_column,
)
from clipper.index.dates import to_utc_naive
from clipper.index.documents import ArticleDoc, PassageDoc
from clipper.index.fields import article_fields, passage_fields
from clipper.index.query import parse
from clipper.index.results import Hit, PassageHit, SearchResult
from clipper.index.schema import (
    ARTICLE_ONLY_FIELDS,
    INDEX_SCHEMA_VERSION,
    WORD_PATTERN,
    article_schema,
    passage_query_schema,
    passage_schema,
    text_analyzer,
)
from clipper.index.state import STATE_FILE, VERSION_FILE
from clipper.index.spelling import Speller
from clipper.index.snippets import find_fragments, lead_fragment, to_html
from clipper.jobs import CancelToken, Job, Progress

SORTS = {"published", "-published", "imported", "-imported", "title", "-title"}
_WORD_RE = re.compile(WORD_PATTERN)
_TEXT_FIELDS = {"title", "text", "body", "note", "notes", "quote"}
TextLoader = Callable[[list[int]], dict[int, str]]
# What reading a damaged index raises (Whoosh and Clipper's codec): "rebuild the index".
_DAMAGE = (OSError, EOFError, ValueError, KeyError, IndexError, struct.error, zlib.error,
           pickle.UnpicklingError, CorruptIndexError)
# Of those, what only damaged files raise: remembered, so that the next open rebuilds the
# index. The others (an I/O error, a bug) are reported without condemning the index.
# The index lane commits (and merges) beside readers: a table of contents or segment read
# just as a commit replaced it is read again from the newer commit this many times.
_RACE_RETRIES = 5
_CORRUPTION = (CorruptIndexError, zlib.error, pickle.UnpicklingError, struct.error, EOFError)


# ---------------------------------------------------------------------------- index


def _leaf_readers(reader) -> list:
    if isinstance(reader, EmptyReader):
        return []
    return [r for r, _ in reader.leaf_readers()]


class _Part:
    """One Whoosh index in the folder with its long-lived searcher."""

    def __init__(self, ix):
        self.ix = ix
        self.schema = ix.schema
        self.searcher = ix.searcher()
        self._columns: dict = {}

    def leaf_readers(self) -> list:
        return _leaf_readers(self.searcher.reader())

    def refresh(self):
        """Moves the searcher to the latest commit, reusing the readers of segments that
        did not change.

        Not ``Searcher.refresh()``: Whoosh's reader reuse adds the segments of the old
        reader that are not in the new commit back in, so after a merge every merged
        document would be found twice. Here the new reader holds exactly the segments of
        the new table of contents. A segment's files never change; only its set of
        deleted documents does, and that lives in the segment object, so a reused reader
        gets the new segment object.
        """
        for attempt in range(_RACE_RETRIES):
            try:
                return self._refresh_once()
            except FileNotFoundError:  # a commit elsewhere replaced that table of contents
                if attempt == _RACE_RETRIES - 1:
                    raise
                time.sleep(0.01 * (attempt + 1))

    def _refresh_once(self):
        old = self.searcher.reader()
        if old.generation() == self.ix.latest_generation():
            return
        toc = wi.read_toc(self.ix)
        reusable = {r.segment().segment_id(): r for r in _leaf_readers(old)}
        readers = []
        replaced = []  # stock: readers of segments whose deletions changed (reopened)
        try:
            for seg in toc.segments:
                r = reusable.pop(seg.segment_id(), None)
                if (r is not None and not r.is_closed and r.segment() is not seg
                        and not wi.rebind_reader(r, seg)):
                    replaced.append(r)
                    r = None
                if r is None or r.is_closed:
                    r = SegmentReader(self.ix.storage, toc.schema, seg,
                                      generation=toc.generation)
                readers.append(r)
        except BaseException:
            for r in readers:
                if r.segment().segment_id() not in reusable:
                    r.close()
            raise
        for r in [*reusable.values(), *replaced]:
            r.close()
        if not readers:
            reader = EmptyReader(toc.schema)
        elif len(readers) == 1:
            reader = readers[0]
        else:
            reader = MultiReader(readers, generation=toc.generation)
        self.searcher = Searcher(reader, fromindex=self.ix)
        self._columns = {}

    def column(self, name: str) -> list:
        """The whole column as a list indexed by (global) document number, cached for
        the current searcher. Per-segment lists are cached on the segment readers, which
        survive refreshes."""
        cached = self._columns.get(name)
        if cached is not None:
            return cached
        out: list = []
        for r in _leaf_readers(self.searcher.reader()):
            out.extend(segment_column(r, name))
        self._columns[name] = out
        return out

    def close(self):
        try:
            self.searcher.close()
        finally:
            self.ix.close()


def _delete(writer, part: _Part, fieldname: str, text: str) -> None:
    """Deletes the documents holding the term, found with the part's live searcher
    (refreshed by ``_writer`` onto the writer's commit)."""
    reader = part.searcher.reader()
    if (fieldname, text) in reader:
        writer.delete_by_term(fieldname, text, searcher=part.searcher)


def _wanted_terms(q: wq.Query, reader) -> dict[str, set[str]]:
    """The index terms a snippet marks, by field: every term of the query outside a NOT,
    prefixes and fuzzy words expanded against the index. A term only marks what is in the
    text shown, so this is the same for every hit; it replaces Whoosh's TermsCollector,
    which recorded the matching terms of every hit (seconds for a broad prefix at 50k)."""
    out: dict[str, set[str]] = {}

    def walk(node: wq.Query) -> None:
        if isinstance(node, wq.Not):
            return
        if isinstance(node, wq.AndNot):
            walk(node.a)
            return
        if isinstance(node, wq.AndMaybe):
            walk(node.a)
            walk(node.b)
            return
        if not node.is_leaf():
            for child in node.children():
                walk(child)
            return
        if isinstance(node, wq.Phrase) and node.slop == 1 and len(node.words) > 1:
            # An exact phrase marks its occurrences, not its words one by one.
            out.setdefault(node.fieldname, set()).add(tuple(node.words))
            return
        try:
            terms = node.existing_terms(reader, phrases=True, expand=True)
        except Exception:  # noqa: BLE001 - custom leaves (date ranges, id lists) mark nothing
            return
        for fieldname, text in terms:
            word = text.decode("utf-8") if isinstance(text, bytes) else str(text)
            out.setdefault(fieldname, set()).add(word)

    walk(q)
    return out


BULK_SEGMENT_DOCS = 5000  # documents per BulkSegmentWriter commit (its postings stay in memory)


def _default_procs() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class SearchIndex:
    """Full-text index over articles and passages (see ``clipper.index.query``).

    ``text_loader(ids) -> {id: text}`` gives the article texts for snippets and
    suggestions (the library reads them from the database). Without one, article texts
    are stored in the index and read from there.
    """

    # What one search may cost (``clipper.index.budget``; None: no bound).
    time_budget: float | None = budget.TIME_BUDGET
    max_expanded_words: int | None = budget.MAX_EXPANDED_WORDS

    def __init__(self, path: Path, *, writer_timeout: float = 10.0,
                 procs: int | None = None, limitmb: int = 128,
                 text_loader: TextLoader | None = None, tag_names=None):
        self.path = Path(path)
        self.writer_timeout = writer_timeout
        self.procs = procs if procs is not None else _default_procs()
        self.limitmb = limitmb
        self.text_loader = text_loader
        self.tag_names = tag_names  # a clipper.index.tagnames.TagNames: tags indexed by id
        self.needs_rebuild = False
        self._articles: _Part | None = None
        self._passages: _Part | None = None
        self._stem = text_analyzer()
        self._terms_cache: dict[str, tuple[str, ...]] = {}
        self._passage_query_schema = None
        self._speller = Speller(self._stem, self._terms_of, self._texts)
        # Word, boolean and prefix queries are scored with numpy (clipper.index.vector);
        # False: always Whoosh's collector (the tests compare the two).
        self.vectorised = engine.FAST
        self._applied: int | None = None
        self._needed_rebuild = False
        self._opened_id = None  # (device, inode) of the folder opened: a rebuild swaps it
        # The index lane merges between its rounds instead of inside a write's commit.
        self.defer_merges = False
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
        if meta.get("damaged"):
            raise ValueError("a search found the index damaged")
        parts = []
        try:
            for name in ("articles", "passages"):
                ix = engine.open_dir(self.path / name)
                part = _Part(ix)
                parts.append(part)
                # Touch every segment so truncated files fail now, not mid-search (the
                # last stored document sits at the end of its file).
                for r in _leaf_readers(part.searcher.reader()):
                    if r.doc_count_all():
                        r.stored_fields(r.doc_count_all() - 1)
                next(iter(part.searcher.reader().all_terms()), None)
        except BaseException:
            for p in parts:
                p.close()
            raise
        self._articles, self._passages = parts
        self._opened_id = self._folder_id()
        self.reload_state()

    # ---------------------------------------------------------------- watermark

    @property
    def applied_seq(self) -> int | None:
        """The last change-log sequence this index holds (None: unknown, e.g. an index
        made before the change log, or recreated empty: compare it with the database)."""
        return self._applied

    def reload_state(self) -> None:
        """Re-read the watermark (another process or thread may have moved it)."""
        self._applied = state.applied_seq(self.path)

    def forget_applied(self) -> None:
        """The watermark cannot be trusted: the next catch-up compares every document."""
        (self.path / STATE_FILE).unlink(missing_ok=True)
        self._applied = None

    def set_applied(self, seq: int) -> None:
        """Record that the index holds every change up to ``seq`` (after its commit)."""
        self._write_state(self.path, seq)
        self._applied = seq

    @staticmethod
    def _write_state(folder: Path, seq: int) -> None:
        tmp = folder / f"{STATE_FILE}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps({"applied_seq": int(seq)}), "utf-8")
        os.replace(tmp, folder / STATE_FILE)

    def merge_step(self, max_docs: int = merging.MAX_MERGED) -> bool:
        """Run one due merge of the tiered policy (``clipper.index.merging``) of at most
        ``max_docs`` documents, if any, in whichever part needs it; False when none is due."""
        self._require_open()
        for part in (self._articles, self._passages):
            if merging.choose(engine.segments(part.ix), max_docs):
                try:
                    w = engine.writer(part.ix, timeout=self.writer_timeout)
                except LockError:
                    return False
                try:
                    w.commit(mergetype=merging.merge_up_to(max_docs))
                except BaseException:
                    w.cancel()
                    raise
                part.refresh()
                return True
        return False

    # Merges built beside the index (clipper.index.side_merge): the index lane plans one,
    # builds it on another thread while it goes on applying writes, then swaps it in.
    def plan_merge(self, max_docs: int) -> side_merge.MergePlan | None:
        self._require_open()
        if not engine.FAST:
            return None
        for name, part in (("articles", self._articles), ("passages", self._passages)):
            p = side_merge.plan(name, part.ix, part.schema, self.path, max_docs)
            if p is not None:
                return p
        return None

    @property
    def plans_merges(self) -> bool:
        """Are merges built beside the index (else: inside a commit, ``merge_step``)?
        ``CLIPPER_MERGE_IN_COMMITS=1`` turns it off (the write benchmark's baseline)."""
        return engine.FAST and os.environ.get("CLIPPER_MERGE_IN_COMMITS") != "1"

    def drop_merge(self, p: side_merge.MergePlan) -> None:
        side_merge.discard(p)

    def build_merge(self, p: side_merge.MergePlan) -> None:
        side_merge.build(p, self._part_named(p.part).ix)

    def swap_merge(self, p: side_merge.MergePlan) -> bool:
        self._require_open()
        return side_merge.swap(p, self._part_named(p.part), timeout=min(self.writer_timeout, 1.0))

    def _part_named(self, name: str) -> _Part:
        return self._articles if name == "articles" else self._passages

    def segment_sizes(self) -> tuple[list[int], list[int]]:
        """Documents per segment (deleted ones included) of each part."""
        self._require_open()
        return tuple([s.doc_count_all() for s in engine.segments(part.ix)]
                     for part in (self._articles, self._passages))

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
        windex.create_in(str(path / "articles"), article_schema())
        windex.create_in(str(path / "passages"), passage_schema())
        (path / VERSION_FILE).write_text(
            json.dumps({"schema_version": INDEX_SCHEMA_VERSION}), "utf-8"
        )

    def verify(self) -> str | None:
        """Read back every posting block (positions included), stored document and
        column of the index: None when everything reads, else what is damaged (and the
        index is marked for a rebuild). Blocks carry checksums, so damage shows here
        rather than as wrong hits. Takes a while on a big index (every byte is read)."""
        self._require_open()
        try:
            for part in (self._articles, self._passages):
                for r in _leaf_readers(part.searcher.reader()):
                    schema = r.schema
                    for fieldname in schema.names():
                        field = schema[fieldname]
                        if field.indexed:
                            for t in r.lexicon(fieldname):
                                read_blocks(r, fieldname, t, weights=True, values=True)
                        if field.column_type is not None and r.has_column(fieldname):
                            segment_column(r, fieldname)
                    for d in range(r.doc_count_all()):
                        r.stored_fields(d)
        except _DAMAGE as exc:
            self._note_damage(exc)
            return f"{type(exc).__name__}: {exc}"
        return None

    def _note_damage(self, exc: BaseException) -> bool:
        """After ``exc`` (one of ``_DAMAGE``) reading the index: the index needs a rebuild;
        real corruption is also remembered for the next open. True for corruption."""
        if isinstance(exc, _CORRUPTION):
            self._mark_damaged()
            return True
        self.needs_rebuild = True
        return False

    def _mark_damaged(self) -> None:
        """Remember that the index is damaged, so that the next open rebuilds it (the
        database is untouched: the index is derived from it)."""
        self.needs_rebuild = True
        meta = {"schema_version": INDEX_SCHEMA_VERSION, "damaged": True}
        tmp = self.path / f"{VERSION_FILE}.tmp"
        try:
            tmp.write_text(json.dumps(meta), "utf-8")
            os.replace(tmp, self.path / VERSION_FILE)
        except OSError:
            pass  # a read-only folder: this session still knows (needs_rebuild)

    def _close_parts(self) -> None:
        for part in (self._articles, self._passages):
            if part is not None:
                try:
                    part.close()
                except Exception:  # noqa: BLE001
                    pass
        self._articles = self._passages = None

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
    def _writer(self, part: _Part, bulk: bool = False, **kwargs):
        try:
            w = engine.writer(part.ix, bulk=bulk, timeout=self.writer_timeout, **kwargs)
        except LockError:
            raise LibraryLocked(
                f"the search index is being written by someone else "
                f"(waited {self.writer_timeout:g} s)"
            ) from None
        try:
            # Our searcher now shows exactly the commit the writer started from, so it
            # can find the documents to delete (Whoosh's update_document would open a
            # reader on every segment for each commit).
            part.refresh()
            yield w
        except BaseException:
            w.cancel()
            raise
        if isinstance(w, SegmentWriter):
            w.commit(mergetype=merging.no_merge if self.defer_merges else merging.commit_merge)
        else:  # the multi-process writer merges its own sub-segments only
            w.commit(merge=False)
        part.refresh()

    def _store_text(self) -> bool:
        return self.text_loader is None

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
        store = self._store_text()
        articles = list({d.id: d for d in articles}.values())  # the last one of an id wins
        passages = list({d.id: d for d in passages}.values())
        if articles or delete_articles:
            part = self._articles
            with self._writer(part) as w:
                for key in {*map(str, delete_articles), *(str(d.id) for d in articles)}:
                    _delete(w, part, "key", key)
                for doc in articles:
                    w.add_document(**article_fields(doc, store))
        if passages or delete_passages or delete_articles:
            part = self._passages
            with self._writer(part) as w:
                for aid in delete_articles:
                    _delete(w, part, "article_key", str(aid))
                for key in {*map(str, delete_passages), *(str(d.id) for d in passages)}:
                    _delete(w, part, "key", key)
                for doc in passages:
                    w.add_document(**passage_fields(doc))

    def add_bulk(self, articles: Iterable[ArticleDoc],
                 passages: Iterable[PassageDoc] = ()) -> None:
        """Fast path for big imports (several processes, one segment per process).

        Documents whose ids are already indexed are replaced.
        """
        self._require_open()
        articles, passages = list(articles), list(passages)
        store = self._store_text()
        for part, docs, conv in ((self._articles, articles,
                                  lambda d: article_fields(d, store)),
                                 (self._passages, passages, passage_fields)):
            if not docs:
                continue
            existing = self._ids(part)
            stale = [d.id for d in docs if d.id in existing]
            args = self._bulk_args(len(docs), bool(stale))
            # The bulk writer keeps a segment's postings in memory: one commit per chunk.
            step = len(docs) if "procs" in args else BULK_SEGMENT_DOCS
            for start in range(0, len(docs), step):
                with self._writer(part, bulk=True, **args) as w:
                    if start == 0:
                        for i in stale:
                            _delete(w, part, "key", str(i))
                    for doc in docs[start:start + step]:
                        w.add_document(**conv(doc))

    def background_indexer(self):
        """A ``BackgroundIndexer`` adding new articles from a second process; send it
        ``article_fields_for(docs)``. Call ``refresh()`` after its ``finish()``."""
        from clipper.index.background import BackgroundIndexer

        self._require_open()
        return BackgroundIndexer(self.path / "articles", writer_timeout=self.writer_timeout)

    def article_fields_for(self, docs: Iterable[ArticleDoc]) -> list[dict]:
        store = self._store_text()
        return [article_fields(d, store) for d in docs]

    def _bulk_args(self, n: int, deletes: bool = False) -> dict:
        if self.procs > 1 and n >= 1000 and not deletes:
            return {"procs": self.procs, "multisegment": True, "limitmb": self.limitmb}
        return {"limitmb": self.limitmb}

    def rebuild(self, articles: Iterable[ArticleDoc], passages: Iterable[PassageDoc],
                total: int | None = None, cancel: CancelToken | None = None,
                applied_seq: int | None = None) -> Job[None]:
        """Build a fresh index beside the live one and swap it in at the end.

        ``total`` is the number of articles (for progress). A cancelled or failed rebuild
        leaves the old index in place.
        """
        tmp = self.path.parent / f".{self.path.name}.rebuild-{os.getpid()}-{id(self)}"
        if tmp.exists():
            shutil.rmtree(tmp)
        tmp.mkdir(parents=True)
        swapped = False
        store = self._store_text()
        try:
            self._init_folder(tmp)
            done = 0
            yield Progress(0, total, "Indexing articles")
            for name, docs, conv, label in (
                ("articles", articles, lambda d: article_fields(d, store),
                 "Indexing articles"),
                ("passages", passages, passage_fields, "Indexing passages"),
            ):
                ix = windex.open_dir(str(tmp / name))
                args = {"limitmb": self.limitmb}
                if engine.codec() is not None:
                    args["codec"] = engine.codec()
                if self.procs > 1:
                    args.update(procs=self.procs, multisegment=True)
                # Whoosh's writers: their pool spills to disk past limitmb, a whole rebuild fits.
                w = ix.writer(**args)
                try:
                    n = 0
                    add = w.add_document
                    for doc in docs:
                        if cancel is not None and n % 50 == 0:
                            cancel.raise_if_cancelled()
                        add(**conv(doc))
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
            if applied_seq is not None:
                self._write_state(tmp, applied_seq)
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
        ids = part.column("id")
        values = part.column(column)
        out = {}
        for docnum in reader.all_doc_ids():
            i, v = ids[docnum], values[docnum]
            if i is None:
                continue
            out[int(i)] = v.decode("utf-8") if v is not None else ""
        return out

    def stamps(self) -> tuple[dict[int, str], dict[int, str]]:
        """({article_id: stamp}, {passage_id: stamp}) of what is indexed.

        Safe on empty parts (no documents, or every document deleted): they give {}."""
        self._require_open()
        return (self._column_map(self._articles, "stamp"),
                self._column_map(self._passages, "stamp"))

    def refresh(self) -> None:
        """Picks up commits made by another ``SearchIndex`` object or process (cheap
        when nothing changed: only the segments that changed are opened), and a whole
        new index swapped in by someone else's rebuild."""
        self._require_open()
        if self._folder_id() != self._opened_id:
            self._close_parts()
            self.needs_rebuild = False
            self._open()
            return
        for part in (self._articles, self._passages):
            part.refresh()

    def _folder_id(self):
        try:
            st = os.stat(self.path)
            return (st.st_dev, st.st_ino)
        except OSError:
            return None

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
        column, reverse = _sort_column(sort)
        return sorting.MultiFacet([
            sorting.FieldFacet(column, reverse=reverse),
            sorting.FieldFacet("id", reverse=reverse),
        ])

    def _sort_keys(self, part: _Part, sort: str | None) -> list:
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

    def _tag_display(self, stored: str) -> list[str]:
        """Tag names of a stored ``tag`` field (ids when the index holds ids)."""
        values = [t for t in stored.split(",") if t]
        if self.tag_names is None:
            return values
        names = (self.tag_names.name_of(t) for t in values)
        return sorted((n for n in names if n is not None), key=str.casefold)

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
        for attempt in range(_RACE_RETRIES):
            try:
                with budget.limit(self.time_budget, self.max_expanded_words):
                    return self._search(query, **kwargs)
            except LibraryCorrupt as exc:
                if not isinstance(exc.__cause__, FileNotFoundError) or attempt == _RACE_RETRIES - 1:
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
                page = [_PageHit(searcher, d, s) for d, s in best[offset:offset + limit]]
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
            wanted = _wanted_terms(q, searcher.reader()) if snippets and page else {}
            hits = self._make_hits(page, passages, snippets, wanted)
            facet_counts = None
            if facets:
                facet_counts = self._facets(part, docs)
        except (QueryError, LibraryLocked):
            raise
        except _DAMAGE as exc:
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

    # ---------------------------------------------------------------- snippets

    def _terms_of(self, word: str) -> tuple[str, ...]:
        """The index terms of one word of text (folded, stemmed, loose variants)."""
        cache = self._terms_cache
        terms = cache.get(word)
        if terms is None:
            if len(cache) > 200_000:
                cache.clear()
            terms = tuple({t.text for t in self._stem(word, mode="index")})
            cache[word] = terms
        return terms

    def _texts(self, ids: list[int], hits_by_id: dict) -> dict[int, str]:
        if not ids:
            return {}
        if self.text_loader is not None:
            try:
                return self.text_loader(ids) or {}
            except Exception:  # noqa: BLE001 - snippets are optional; the hits are not
                return {}
        return {i: hits_by_id[i].get("stored_text", "") or "" for i in ids}

    def _make_hits(self, page, passages: bool, snippets: bool,
                   wanted: dict[str, set[str]]) -> list:
        stored = [hit.fields() for hit in page]
        texts: dict[int, str] = {}
        if snippets and not passages:
            by_id = {int(s["id"]): s for s in stored}
            texts = self._texts(list(by_id), by_id)
        hits = []
        for hit, fields_ in zip(page, stored):
            hits.append(self._make_hit(hit, fields_, passages, snippets, texts, wanted))
        return hits

    def _fragments(self, sources: list[tuple[str, str]],
                   wanted: dict[str, set[str]]) -> list[dict]:
        for fieldname, text in sources:
            if text and wanted.get(fieldname):
                frags = find_fragments(text, wanted[fieldname], self._terms_of, _WORD_RE)
                if frags:
                    return frags
        return []

    def _make_hit(self, hit, stored: dict, passages: bool, snippets: bool,
                  texts: dict[int, str], wanted: dict[str, set[str]]):
        frags: list[dict] = []
        if passages:
            if snippets:
                frags = (self._fragments([("quote", stored.get("quote", "")),
                                          ("note", stored.get("note", ""))], wanted)
                         or lead_fragment(stored.get("quote", "")))
            return PassageHit(
                passage_id=int(stored["id"]),
                article_id=int(stored["article_id"]),
                quote=stored.get("quote", ""),
                tags=self._tag_display(stored.get("tag", "")),
                note=stored.get("note", ""),
                score=_score(hit),
                snippet=to_html(frags),
                fragments=frags,
            )
        if snippets:
            text = texts.get(int(stored["id"]), "")
            frags = (self._fragments([("text", text),
                                      ("quote", stored.get("quote", "")),
                                      ("note", stored.get("note", ""))], wanted)
                     or lead_fragment(text))
        pub = stored.get("published")
        return Hit(
            id=int(stored["id"]),
            title=stored.get("title", ""),
            outlet=stored.get("outlet", ""),
            published=_published_text(pub),
            score=_score(hit),
            snippet=to_html(frags),
            fragments=frags,
        )

    # ------------------------------------------------------------------ facets

    def _facets(self, part: _Part, docs) -> dict:
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

    def _suggest(self, query: str, part: _Part) -> str | None:
        try:
            return self._speller.suggest(query, part.searcher)
        except _DAMAGE:
            return None


def _published_text(pub: datetime | None) -> str | None:
    """A date-only publication time comes back as the ``YYYY-MM-DD`` that ``show`` prints."""
    if pub is None:
        return None
    if (pub.hour, pub.minute, pub.second, pub.microsecond) == (0, 0, 0, 0):
        return pub.date().isoformat()
    return pub.isoformat()


class _PageHit:
    """A hit of the vectorised path: what ``_make_hits`` asks of a Whoosh ``Hit``."""

    __slots__ = ("_searcher", "docnum", "score")

    def __init__(self, searcher, docnum: int, score: float):
        self._searcher = searcher
        self.docnum = docnum
        self.score = score

    def fields(self) -> dict:
        return self._searcher.stored_fields(self.docnum)


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


def _score(hit) -> float:
    s = hit.score
    return float(s) if isinstance(s, (int, float)) else 0.0


