"""The search index: a Whoosh index derived from the database and rebuildable from it.

The folder holds two Whoosh indexes (``articles/``, ``passages/``: ``parts.Part``),
``clipper-index.json`` with the schema version and ``lane.json`` with the watermark (the
last change-log sequence the index holds). Anything unreadable or of another version is
recreated empty with ``needs_rebuild`` set; the library then rebuilds it.

``SearchIndex`` is put together from one module per idea: opening, state and damage
here; ``writing`` (updates, bulk batches, rebuild), ``searching`` (queries, sorting,
facets, suggestions), ``hits`` (hits and snippets) and ``upkeep`` (merges, stamps,
verify).

Speed notes (measured, see benchmarks/search_bench.py):

- Commits merge only small segments (``clipper.index.merging``: a tiered policy; big
  merges happen in the index lane when it is idle), and the searcher is reopened reusing
  the readers of unchanged segments: adding an article costs a small segment, not a merge
  and a reopen of everything.
- Snippets re-read the ~20 shown texts (``text_loader``, else stored text) instead of
  storing character offsets in every posting.
- "Did you mean" uses the article index's own lexicon (no second index to keep).
"""
from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from whoosh import index as windex

from clipper.errors import LibraryCorrupt
from clipper.index import budget, engine, state
from clipper.index.hits import HitBuilding
from clipper.index.parts import CORRUPTION, Part, leaf_readers
from clipper.index.results import Hit, PassageHit, SearchResult
from clipper.index.schema import INDEX_SCHEMA_VERSION, article_schema, passage_schema, text_analyzer
from clipper.index.searching import SORTS, IndexSearching
from clipper.index.spelling import Speller
from clipper.index.state import STATE_FILE, VERSION_FILE
from clipper.index.upkeep import IndexUpkeep
from clipper.index.writing import BULK_SEGMENT_DOCS, IndexWriting

__all__ = ["BULK_SEGMENT_DOCS", "SORTS", "Hit", "PassageHit", "SearchIndex", "SearchResult", "TextLoader"]

TextLoader = Callable[[list[int]], dict[int, str]]


def _default_procs() -> int:
    return max(1, min(2, os.cpu_count() or 1))


class SearchIndex(IndexWriting, IndexSearching, IndexUpkeep, HitBuilding):
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
        self._articles: Part | None = None
        self._passages: Part | None = None
        self._stem = text_analyzer()
        self._terms_cache: dict[str, tuple[str, ...]] = {}
        self._passage_query_schema = None
        self._speller = Speller(self._stem, self._terms_of, self._texts)
        # Word, boolean and prefix queries are scored with numpy (clipper.index.vector);
        # False: always Whoosh's collector (the tests compare the two).
        self.vectorised = engine.FAST
        self._applied: int | None = None
        self._ahead: tuple[int, list[tuple[int, int]]] | None = None
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
                part = Part(ix)
                parts.append(part)
                # Touch every segment so truncated files fail now, not mid-search (the
                # last stored document sits at the end of its file).
                for r in leaf_readers(part.searcher.reader()):
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

    @property
    def applied_ahead(self) -> tuple[int, list[tuple[int, int]]] | None:
        """What the index holds beyond its watermark (``clipper.index.state``), or None."""
        return self._ahead

    def holds(self, seq: int) -> bool:
        """Does the index hold the change-log entry ``seq`` (as of ``reload_state``)?"""
        return state.holds(self._applied, self._ahead, seq)

    def reload_state(self) -> None:
        """Re-read the watermark (another process or thread may have moved it)."""
        self._applied, self._ahead = state.applied_state(self.path)

    def forget_applied(self) -> None:
        """The watermark cannot be trusted: the next catch-up compares every document."""
        (self.path / STATE_FILE).unlink(missing_ok=True)
        self._applied = None
        self._ahead = None

    def set_applied(self, seq: int, *, ahead: int | None = None,
                    holes: list[tuple[int, int]] = ()) -> None:
        """Record that the index holds every change up to ``seq`` (after its commit), and
        with ``ahead`` every change up to ``ahead`` except those in ``holes``."""
        extra = {"upto": int(ahead), "holes": [list(h) for h in holes]} if ahead is not None and ahead > seq else None
        self._write_state(self.path, seq, extra)
        self._applied = seq
        self._ahead = (int(ahead), [tuple(h) for h in holes]) if extra else None

    @staticmethod
    def _write_state(folder: Path, seq: int, ahead: dict | None = None) -> None:
        tmp = folder / f"{STATE_FILE}.{os.getpid()}.tmp"
        data = {"applied_seq": int(seq)}
        if ahead is not None:
            data["ahead"] = ahead
        tmp.write_text(json.dumps(data), "utf-8")
        os.replace(tmp, folder / STATE_FILE)

    # ---------------------------------------------------------------- folder, damage, closing

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

    def _note_damage(self, exc: BaseException) -> bool:
        """After ``exc`` (one of ``parts.DAMAGE``) reading the index: the index needs a rebuild;
        real corruption is also remembered for the next open. True for corruption."""
        if isinstance(exc, CORRUPTION):
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
