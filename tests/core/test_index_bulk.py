"""The fast indexing paths give exactly what Whoosh's stock code gives.

``WordsField.index`` (memoised per-word analysis) must yield the same terms, frequencies,
weights and encoded positions as ``TEXT.index`` running the analyzer chain token by token,
and ``BulkSegmentWriter`` must write the same segment files, byte for byte, as Whoosh's
``SegmentWriter`` — and fall back to it correctly when the merge policy merges segments in.
"""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import fields
from whoosh import index as windex
from whoosh.writing import SegmentWriter

from clipper.index.bulkwriter import BulkSegmentWriter
from clipper.index.codec import ClipperCodec
from clipper.index.schema import WordsField, article_schema

TRICKY = [
    "",
    "   \n\n ",
    "Téhéran and TEHRAN: Iran's capital, a café — naïve coöperation, São Paulo.",
    "The U.S. envoy met e.g. officials at 9.30 in Kyiv; 12,500 troops, ½ of them.",
    "שָׁלוֹם עֲלֵיכֶם and שלום — Hebrew with and without points.",
    "مَرْحَبًا بِكُمْ and مرحبا — vowelled and plain Arabic; سلام دنیا in Persian.",
    "İstanbul STRASSE straße ΣΊΣΥΦΟΣ ﬁnance ǅemal x_y __init__ missiles missile missiling",
    "word " * 50 + "Word WORD wörd",
]

WORDS = ("iran missiles sanctions mayor city election ministry talks drones border energy "
         "market court protest ceasefire envoy téhéran café naïve résumé the of and a in").split()


def _random_text(rng: random.Random, n: int) -> str:
    words = []
    for _ in range(n):
        w = rng.choice(WORDS)
        if rng.random() < 0.1:
            w = w.title()
        words.append(w)
        if rng.random() < 0.08:
            words[-1] += "."
    return " ".join(words)


def _stock_postings(field, text):
    return sorted(fields.TEXT.index(field, text))


@pytest.mark.parametrize("name", ["title", "text", "quote", "note", "outlet", "author", "url"])
@pytest.mark.parametrize("text", TRICKY)
def test_words_field_postings_equal_the_analyzer_chain(name, text):
    field = article_schema()[name]
    assert isinstance(field, WordsField)
    assert sorted(field.index(text)) == _stock_postings(field, text)
    # A second pass answers from the per-word cache: still the same.
    assert sorted(field.index(text)) == _stock_postings(field, text)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=200))
def test_words_field_postings_equal_the_analyzer_chain_on_any_text(text):
    field = article_schema()["text"]
    assert sorted(field.index(text)) == _stock_postings(field, text)


def test_words_field_cache_is_not_pickled_with_the_schema():
    import pickle

    schema = article_schema()
    list(schema["text"].index("Téhéran missiles"))
    assert "_word_terms" in schema["text"].__dict__
    restored = pickle.loads(pickle.dumps(schema))  # noqa: S301 - files this test wrote
    assert "_word_terms" not in restored["text"].__dict__
    assert sorted(restored["text"].index("Téhéran missiles")) == \
        _stock_postings(restored["text"], "Téhéran missiles")


def _docs(n: int, seed: int = 3) -> list[dict]:
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        docs.append({
            "key": str(i + 1), "id": i + 1,
            "title": _random_text(rng, rng.randint(0, 9)),
            # Long enough that common words fill several 128-posting blocks.
            "text": _random_text(rng, rng.randint(0, 400)),
            "quote": _random_text(rng, rng.randint(0, 12)) if i % 3 == 0 else "",
            "note": "",
            "tag": "missiles,proxy groups" if i % 4 == 0 else "",
            "outlet": rng.choice(["Reuters", "Le Monde", "Haaretz"]),
            "has": "passages" if i % 3 == 0 else "",
            "outlet_f": b"x", "stamp": str(i).encode(),
        })
    return docs


def _segment_files(ix) -> dict[str, bytes]:
    (segment,) = ix._segments()
    storage = segment.open_compound_file(ix.storage)
    return {name.replace(segment.segid, "SEG"): storage.open_file(name).read()
            for name in storage.list()}


def test_bulk_writer_writes_the_same_segment_as_whoosh(tmp_path):
    docs = _docs(300)
    built = []
    for name, make in (("stock", lambda ix: SegmentWriter(ix, codec=ClipperCodec())),
                       ("bulk", lambda ix: BulkSegmentWriter(ix))):
        folder = tmp_path / name
        folder.mkdir()
        ix = windex.create_in(str(folder), article_schema())
        w = make(ix)
        for d in docs:
            w.add_document(**d)
        w.commit()
        built.append(ix)
    stock, bulk = (_segment_files(ix) for ix in built)
    assert sorted(stock) == sorted(bulk)
    different = [name for name in stock if stock[name] != bulk[name]]
    assert different == []
    # And the postings really span several blocks for the common words.
    with built[1].searcher() as s:
        assert s.doc_frequency("text", "iran") > 128


def _search_ids(ix, field, word):
    with ix.searcher() as s:
        return sorted(s.stored_fields(d)["id"] for d in s.document_numbers(**{field: word}))


def test_bulk_writer_merging_segments_falls_back_to_whoosh(tmp_path, monkeypatch):
    used_pool = []
    original = BulkSegmentWriter._pool_used
    monkeypatch.setattr(BulkSegmentWriter, "_pool_used",
                        lambda self: used_pool.append(original(self)) or used_pool[-1])
    docs = _docs(120, seed=9)
    ref_dir, bulk_dir = tmp_path / "ref", tmp_path / "bulk"
    ref_dir.mkdir()
    bulk_dir.mkdir()
    ref = windex.create_in(str(ref_dir), article_schema())
    w = ref.writer()
    for d in docs:
        w.add_document(**d)
    w.commit()

    ix = windex.create_in(str(bulk_dir), article_schema())
    for chunk in (docs[:30], docs[30:60]):
        w = ix.writer()
        for d in chunk:
            w.add_document(**d)
        w.commit(merge=False)
    w = ix.writer()
    w.delete_by_term("key", "5")
    w.commit(merge=False)
    w = BulkSegmentWriter(ix)
    w.add_document(**docs[4])
    for d in docs[60:]:
        w.add_document(**d)
    w.commit(optimize=True)  # everything merged into the bulk writer's segment
    assert len(ix._segments()) == 1
    assert used_pool == [True]
    for field, word in (("text", "iran"), ("text", "tehran"), ("title", "missil"),
                        ("quote", "court"), ("tag", "proxy groups"), ("outlet", "reuters")):
        assert _search_ids(ix, field, word) == _search_ids(ref, field, word)
    with ix.searcher() as s, ref.searcher() as r:
        assert s.doc_count() == r.doc_count() == 120
