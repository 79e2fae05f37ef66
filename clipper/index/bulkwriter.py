"""A Whoosh segment writer for batches of new documents (imports, rebuilds).

Whoosh's ``SegmentWriter`` turns every posting into a tuple in a sorting pool, sorts them
all at commit, then hands them one by one to the codec, looking up the document's field
length for each. For a batch of news articles (~450 postings each) that bookkeeping costs
more than analysing the text. ``BulkSegmentWriter`` keeps the postings grouped by field and
term as they are added (docnums arrive in order, so each list is already sorted) and at
commit fills the codec's posting blocks a block at a time.

The files written are the same as Whoosh's ``SegmentWriter`` writes with Clipper's codec
(``clipper/index/codec.py``), byte for byte (``tests/core/test_index_bulk.py`` builds one
index each way and compares them). Whatever this writer does not specialise
falls back to the stock code: documents deleted or segments merged into this one by the
merge policy go through the pool, and then the whole segment is written the stock way.
Depends on the internals of the pinned whoosh3 release (``W3FieldWriter``,
``W3PostingsWriter``: ``whoosh_internals.write_term``); the comparison test guards a version
bump.
"""
from __future__ import annotations

from clipper.index import whoosh_internals as wi
from clipper.index.codec import ClipperCodec, write_block
from clipper.index.whoosh_internals import byte_to_length, length_to_byte


def _stored_length(length: int):
    """A field length as the codec gives it back (quantised to one byte; None for 0)."""
    return byte_to_length(length_to_byte(length)) if length else None


class BulkSegmentWriter(wi.SegmentWriterHooks):
    def __init__(self, ix, **kwargs):
        kwargs.setdefault("codec", ClipperCodec())
        if not isinstance(kwargs["codec"], ClipperCodec):
            raise TypeError("BulkSegmentWriter writes ClipperCodec posting blocks")
        super().__init__(ix, **kwargs)
        # fieldname -> {term bytes: (docnums, weights, values)}
        self._postings: dict[str, dict[bytes, tuple[list, list, list]]] = {}
        # fieldname -> {docnum: stored length}
        self._lengths: dict[str, dict[int, int | None]] = {}

    def add_document(self, **fields):
        self.check_state()
        schema = self.schema
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        docboost = self.doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self.check_fields(schema, fieldnames)

        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                if field.separate_spelling() or field.vector:
                    raise NotImplementedError(
                        f"BulkSegmentWriter: field {fieldname!r} needs Whoosh's own writer")
                length = 0
                if field.indexed:
                    fieldboost = self.field_boost(fields, fieldname, docboost)
                    scorable = field.scorable
                    terms = self._postings.get(fieldname)
                    if terms is None:
                        terms = self._postings[fieldname] = {}
                    for tbytes, freq, weight, vbytes in field.index(value):
                        lists = terms.get(tbytes)
                        if lists is None:
                            lists = terms[tbytes] = ([], [], [])
                        lists[0].append(docnum)
                        lists[1].append(weight * fieldboost)
                        lists[2].append(vbytes)
                        if scorable:
                            length += freq
                    self._lengths.setdefault(fieldname, {})[docnum] = _stored_length(length)
                customval = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, customval if field.stored else None,
                                       length)
                column = field.column_type
                if column and customval is not None:
                    perdocwriter.add_column_value(fieldname, column,
                                                  field.to_column_value(customval))
        except ValueError:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self.document_added()
        self.docnum += 1

    def _pool_used(self) -> bool:
        return bool(self.pool.current or self.pool.runs)

    def flush_postings(self):
        if self._pool_used():
            # Postings from merged segments are in the pool: write everything the stock way.
            add = self.pool.add
            for fieldname, terms in self._postings.items():
                for tbytes, (docs, weights, values) in terms.items():
                    for d, w, v in zip(docs, weights, values):
                        add((fieldname, tbytes, d, w, v))
            self._postings = {}
            return super().flush_postings()
        self.perdocwriter.close()
        fw = self.fieldwriter
        schema = self.schema
        for fieldname in sorted(self._postings):
            terms = self._postings[fieldname]
            if not terms:
                continue
            lengths = self._lengths.get(fieldname, {})
            fieldobj = schema[fieldname]
            fw.start_field(fieldname, fieldobj)
            fixedsize = fieldobj.format.fixed_value_size()
            for tbytes in sorted(terms):
                docs, weights, values = terms[tbytes]
                wi.write_term(fw, tbytes, docs, weights, values, [lengths.get(d) for d in docs],
                              fixedsize, write_block)
            fw.finish_field()
        fw.close()
        self._postings = {}

