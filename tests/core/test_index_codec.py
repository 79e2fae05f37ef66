"""Clipper's codec writes posting blocks Whoosh's readers read as they read their own.

An index written with ``ClipperCodec`` must answer every query exactly like one written
with Whoosh's ``W3Codec`` (same documents, same scores), segments of both kinds must merge,
and ``read_blocks`` must give what walking Whoosh's matcher gives, for both kinds.
"""
from __future__ import annotations

import pickle
import random
import zlib

import numpy as np
import pytest
from whoosh import fields
from whoosh import index as windex
from whoosh.codec.whoosh3 import W3Codec, W3LeafMatcher
from whoosh.qparser import QueryParser

from clipper.index.codec import ClipperCodec, PackedValues, read_blocks, raw_matcher
from clipper.index.schema import article_schema

WORDS = ("envoy harbour ceasefire drones ministry tanker strait convoy pipeline ferry "
         "governor quarry refinery port militia the of and a in").split()


def _docs(n: int, seed: int = 5) -> list[dict]:
    rng = random.Random(seed)

    def text(k):
        return " ".join(rng.choice(WORDS) for _ in range(k))

    return [{"key": str(i + 1), "id": i + 1, "title": text(rng.randint(1, 8)),
             "text": text(rng.randint(0, 300)), "outlet": rng.choice(["Daily", "Wire"]),
             "tag": "ports" if i % 5 == 0 else "", "stamp": str(i).encode()}
            for i in range(n)]


def _build(folder, codec, chunks):
    folder.mkdir()
    ix = windex.create_in(str(folder), article_schema())
    for chunk in chunks:
        w = ix.writer(codec=codec)
        for d in chunk:
            w.add_document(**d)
        w.commit(merge=False)
    return ix


QUERIES = ["harbour", "ferry drones", '"strait convoy"', "refin*", "title:envoy",
           "tag:ports militia", "ceasefire OR pipeline", "governor NOT quarry", "the"]


def _answers(ix):
    out = {}
    with ix.searcher() as s:
        parser = QueryParser("text", ix.schema)
        for q in QUERIES:
            hits = s.search(parser.parse(q), limit=None)
            out[q] = [(h["id"], round(h.score, 9)) for h in hits]
    return out


def test_clipper_codec_answers_like_whoosh_codec(tmp_path):
    docs = _docs(400)
    stock = _build(tmp_path / "stock", W3Codec(), [docs])
    ours = _build(tmp_path / "ours", ClipperCodec(), [docs])
    expected = _answers(stock)
    assert all(expected[q] for q in QUERIES)
    assert _answers(ours) == expected


def test_clipper_blocks_are_protocol_5_with_packed_values(tmp_path):
    ix = _build(tmp_path / "ours", ClipperCodec(), [_docs(300)])
    with ix.reader() as r:
        m = raw_matcher(r, "text", b"harbour")
        assert isinstance(m, W3LeafMatcher)
        raw = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
        data = zlib.decompress(raw) if m._compression else raw
        assert data[:2] == b"\x80\x05"
        ids, weights, values, checksum = pickle.loads(data)  # noqa: S301 - blocks this test wrote
        assert ids.typecode in "BHI" and len(ids) == m._blocklength
        assert isinstance(checksum, int)
        # The positions stay compressed until a value is read.
        assert isinstance(values, PackedValues) and values._items is None
        assert len(values) == m._blocklength
        want = _walk(raw_matcher(r, "text", b"harbour"))[2][:len(values)]
        assert list(values) == want and values[3] == want[3]
        # A query that needs no positions leaves them packed.
        m = raw_matcher(r, "text", b"harbour")
        m.weight()
        m.id()
        assert m._data[2]._items is None


def test_segments_of_both_codecs_merge(tmp_path):
    docs = _docs(300, seed=8)
    built = []
    for name, last_codec in (("stock", W3Codec()), ("mixed", ClipperCodec())):
        ix = _build(tmp_path / name, W3Codec(), [docs[:100], docs[100:150]])
        w = ix.writer(codec=last_codec)
        w.delete_by_term("key", "7")
        w.add_document(**docs[6])
        for d in docs[150:]:
            w.add_document(**d)
        w.commit(optimize=True)
        assert len(ix._segments()) == 1
        built.append(ix)
    assert _answers(built[1]) == _answers(built[0])
    assert len(_answers(built[1])["harbour"]) > 100


def _walk(m):
    ids, weights, values = [], [], []
    while m.is_active():
        ids.append(m.id())
        weights.append(m.weight())
        values.append(m.value())
        m.next()
    return ids, weights, values


@pytest.mark.parametrize("codec", [W3Codec(), ClipperCodec()], ids=["whoosh", "clipper"])
def test_read_blocks_gives_what_the_matcher_gives(tmp_path, codec):
    ix = _build(tmp_path / "ix", codec, [_docs(500, seed=2)])
    rng = random.Random(1)
    with ix.reader() as r:
        for word in [b"harbour", b"the", b"ferri", b"port"]:
            want_ids, want_w, want_v = _walk(raw_matcher(r, "text", word))
            ids, weights, values = read_blocks(r, "text", word, weights=True, values=True)
            assert ids.tolist() == want_ids
            assert np.allclose(weights, want_w)
            assert values.items() == want_v
            # Only blocks holding a wanted document are read; those come whole.
            within = sorted(rng.sample(range(500), 20))
            part, _w, _v = read_blocks(r, "text", word, within)
            assert set(within) & set(want_ids) <= set(part.tolist()) <= set(want_ids)
        # An inlined (single-posting) term goes through the generic path.
        ids, weights, _v = read_blocks(r, "key", b"17", weights=True)
        assert ids.tolist() == [16] and weights.tolist() == [1.0]


def test_boosted_fields_keep_their_weights(tmp_path):
    # Weights that are not whole numbers (a field boost) stay floats; whole ones are
    # stored as small integers; either way they read back as Whoosh's own.
    schema = fields.Schema(key=fields.ID(stored=True),
                           body=fields.TEXT(field_boost=1.5, stored=True))
    rng = random.Random(3)
    docs = [{"key": str(i), "body": " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 90)))}
            for i in range(300)]
    answers = []
    for name, codec in (("stock", W3Codec()), ("ours", ClipperCodec())):
        (tmp_path / name).mkdir()
        ix = windex.create_in(str(tmp_path / name), schema)
        w = ix.writer(codec=codec)
        for d in docs:
            w.add_document(**d)
        w.commit()
        with ix.searcher() as s:
            r = s.reader()
            for word in (b"harbour", b"ferry"):
                want = _walk(raw_matcher(r, "body", word))
                ids, weights, values = read_blocks(r, "body", word, weights=True, values=True)
                assert ids.tolist() == want[0] and weights.tolist() == want[1]
                assert values.items() == want[2]
            hits = s.search(QueryParser("body", schema).parse("harbour OR ferry"), limit=None)
            answers.append([(h["key"], round(h.score, 9)) for h in hits])
    assert answers[0] == answers[1] and answers[0]


def test_packed_values_class_path_is_pinned():
    # Blocks pickle PackedValues by name: it is part of the index file format.
    assert (PackedValues.__module__, PackedValues.__qualname__) == \
        ("clipper.index.codec", "PackedValues")


def test_whole_number_weights_read_back_as_floats(tmp_path):
    ix = _build(tmp_path / "ours", ClipperCodec(), [_docs(300)])
    with ix.reader() as r:
        m = raw_matcher(r, "text", b"harbour")
        m._read_data()
        assert m._data[1].typecode in "BH"  # stored as small integers
        assert all(type(w) is float for w in _walk(raw_matcher(r, "text", b"harbour"))[1])


def _block_extent(ix, word: bytes):
    with ix.reader() as r:
        m = raw_matcher(r, "text", word)
        assert m._compression == 0 and isinstance(pickle.loads(  # noqa: S301 - blocks this test wrote
            m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset))[2], PackedValues)
        return m._dataoffset, m._nextoffset


def test_a_damaged_block_is_reported_never_read_as_other_documents(tmp_path):
    """Every single-byte change in a block of a common word (ids and weights stored
    uncompressed beside their compressed positions) either reads back exactly as before
    or raises CorruptIndexError — never other documents or weights silently."""
    from whoosh.reading import CorruptIndexError

    folder = tmp_path / "ix"
    ix = _build(folder, ClipperCodec(), [_docs(300)])
    start, end = _block_extent(ix, b"harbour")
    (seg_name,) = [p for p in folder.iterdir() if p.suffix == ".seg"]
    with ix.reader() as r:
        want = _walk(raw_matcher(r, "text", b"harbour"))
    ix.close()
    original = seg_name.read_bytes()
    # Where the postings part starts inside the compound file: find the block's bytes.
    ix = windex.open_dir(str(folder))
    with ix.reader() as r:
        m = raw_matcher(r, "text", b"harbour")
        block = m._postfile.get(start, end - start)
    ix.close()
    at = original.find(block)
    assert at > 0 and original.count(block) == 1
    silent = 0
    for i in range(0, end - start, 3):
        damaged = bytearray(original)
        damaged[at + i] ^= 0x5A
        seg_name.write_bytes(damaged)
        ix = windex.open_dir(str(folder))
        try:
            with ix.reader() as r:
                got = _walk(raw_matcher(r, "text", b"harbour"))
                if got != want:
                    silent += 1
        except CorruptIndexError:
            pass
        finally:
            ix.close()
    seg_name.write_bytes(original)
    assert silent == 0


def test_search_over_a_damaged_block_says_rebuild(tmp_path):
    from clipper.errors import LibraryCorrupt
    from clipper.index import SearchIndex
    from clipper.index.documents import ArticleDoc

    rng = random.Random(6)
    docs = [ArticleDoc(id=i, title=f"t{i}", stamp=str(i),
                       text=" ".join(rng.choice(WORDS) for _ in range(200)))
            for i in range(1, 301)]
    idx = SearchIndex(tmp_path / "index")
    idx.update(articles=docs)
    idx.close()
    folder = tmp_path / "index" / "articles"
    ix = windex.open_dir(str(folder))
    with ix.reader() as r:
        m = raw_matcher(r, "text", b"harbour")
        block = m._postfile.get(m._dataoffset, m._nextoffset - m._dataoffset)
    ix.close()
    (seg,) = [p for p in folder.iterdir() if p.suffix == ".seg"]
    data = bytearray(seg.read_bytes())
    at = data.find(block)
    data[at + 20] ^= 0xFF  # inside the uncompressed ids
    seg.write_bytes(data)
    idx = SearchIndex(tmp_path / "index")
    with pytest.raises(LibraryCorrupt, match="rebuilt from the database"):
        idx.search("harbour")
    assert idx.needs_rebuild
    idx.close()
    # Remembered: the next open starts from an empty index to be rebuilt.
    idx = SearchIndex(tmp_path / "index")
    assert idx.needs_rebuild and idx.search("*").total == 0
    idx.close()
