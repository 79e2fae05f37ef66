"""Looking after the search index: the tiered policy's merges, run one at a time inside a
commit (``merge_step``) or built beside the index and swapped in (``plan_merge``,
``build_merge``, ``swap_merge``: the index lane's, ``clipper.index.side_merge``), segment sizes, what is indexed
(``stamps``: compared with the database to find drift), and ``verify`` (read back every
byte: posting blocks carry checksums)."""
from __future__ import annotations

import os

from whoosh.index import LockError

from clipper.index import engine, merging, side_merge
from clipper.index.codec import read_blocks
from clipper.index.collectors import segment_column
from clipper.index.parts import DAMAGE, Part, leaf_readers


class IndexUpkeep:
    """``SearchIndex``'s upkeep (a mixin: the parts are the ``SearchIndex``'s)."""

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
    def plan_merge(self, max_docs: int, choose=None) -> side_merge.MergePlan | None:
        self._require_open()
        if not engine.FAST:
            return None
        for name, part in (("articles", self._articles), ("passages", self._passages)):
            p = side_merge.plan(name, part.ix, part.schema, self.path, max_docs, choose)
            if p is not None:
                return p
        return None

    def merges_due(self, max_docs: int = merging.MAX_MERGED) -> bool:
        """Does the tiered policy want a merge of at most ``max_docs`` documents now?"""
        self._require_open()
        return any(merging.choose(engine.segments(part.ix), max_docs) for part in (self._articles, self._passages))

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
        part = self._part_named(p.part)
        swapped = side_merge.swap(p, part.ix, timeout=min(self.writer_timeout, 1.0))
        part.refresh()
        return swapped

    def _part_named(self, name: str) -> Part:
        return self._articles if name == "articles" else self._passages

    def segment_sizes(self) -> tuple[list[int], list[int]]:
        """Documents per segment (deleted ones included) of each part."""
        self._require_open()
        return tuple([s.doc_count_all() for s in engine.segments(part.ix)]
                     for part in (self._articles, self._passages))

    def verify(self) -> str | None:
        """Read back every posting block (positions included), stored document and
        column of the index: None when everything reads, else what is damaged (and the
        index is marked for a rebuild). Blocks carry checksums, so damage shows here
        rather than as wrong hits. Takes a while on a big index (every byte is read)."""
        self._require_open()
        try:
            for part in (self._articles, self._passages):
                for r in leaf_readers(part.searcher.reader()):
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
        except DAMAGE as exc:
            self._note_damage(exc)
            return f"{type(exc).__name__}: {exc}"
        return None

    @staticmethod
    def _ids(part: Part) -> set[int]:
        return set(IndexUpkeep._column_map(part, "stamp"))

    @staticmethod
    def _column_map(part: Part, column: str) -> dict[int, str]:
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
