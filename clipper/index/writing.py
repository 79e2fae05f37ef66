"""Writing the search index: documents added, replaced and deleted in one commit per part
(``update``), big batches (``add_bulk``, the child indexer of ``background_indexer``), and a
whole new index built beside the live one and swapped in (``rebuild``).

Commits merge only small segments (``clipper.index.merging``); the searcher is moved onto
each commit reusing the readers of unchanged segments (``parts.Part.refresh``).
"""
from __future__ import annotations

import os
import shutil
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as windex
from whoosh.index import LockError
from whoosh.writing import SegmentWriter

from clipper.errors import LibraryLocked
from clipper.index import engine, merging
from clipper.index.documents import ArticleDoc, PassageDoc
from clipper.index.fields import article_fields, passage_fields
from clipper.index.parts import Part
from clipper.jobs import CancelToken, Job, Progress

BULK_SEGMENT_DOCS = 5000  # documents per BulkSegmentWriter commit (its postings stay in memory)


def _delete(writer, part: Part, fieldname: str, text: str) -> None:
    """Deletes the documents holding the term, found with the part's live searcher
    (refreshed by ``_writer`` onto the writer's commit)."""
    reader = part.searcher.reader()
    if (fieldname, text) in reader:
        writer.delete_by_term(fieldname, text, searcher=part.searcher)


class IndexWriting:
    """``SearchIndex``'s writing (a mixin: the index's folder, parts and settings are the
    ``SearchIndex``'s)."""

    @contextmanager
    def _writer(self, part: Part, bulk: bool = False, **kwargs):
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
