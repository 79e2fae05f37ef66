"""Near-duplicate detection: the same wire story carried by several outlets with edits.

``signature(text)`` is a MinHash of the word 5-gram shingles of the normalised text: 128
permutations with a fixed seed, serialised to 514 bytes for a BLOB column (a 2-byte
header, b"M" + format version, then 128 little-endian uint32). The construction is
datasketch's "affine32" scheme (datasketch >= 2.0), and the values are the same bit for
bit: each shingle's SHA-1 gives a 32-bit hash, which is mixed with MurmurHash3's 32-bit
finaliser and mapped through ``a * h + b`` (mod 2^32, odd ``a``) for each permutation; a
slot keeps its minimum. It is computed here with numpy because importing datasketch
imports scipy, half a second on every start of an import for a parameter optimiser this
module never uses (``tests/core/test_dedup.py`` checks the values against datasketch).

``NearDuplicateIndex`` keeps the signatures in memory behind LSH banding: 32 bands of 4
rows, a story being a candidate when all 4 values of any band are equal. A pair of stories
with Jaccard 0.5 becomes a candidate with probability ~0.87, 0.7 with ~0.9998, 0.3 with
only ~0.23, so a query looks at a handful of candidates instead of every article;
candidates are then scored with the MinHash Jaccard estimate and filtered by the caller's
threshold. Thresholds below ~0.5 therefore lose recall (the banding was tuned for 0.6-0.9).
"""
from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Iterable

import numpy as np

from clipper.errors import InputError
from clipper.text.normalize import normalized_pieces

NUM_PERM = 128
SEED = 20240611
SHINGLE_WORDS = 5
BANDS, ROWS = 32, 4
_FMIX32 = (16, 0x85EBCA6B, 13, 0xC2B2AE35, 16)  # MurmurHash3's 32-bit finaliser
_HEADER = b"M\x01"
_DTYPE = np.dtype("<u4")
SIGNATURE_BYTES = len(_HEADER) + NUM_PERM * _DTYPE.itemsize

_WORD = re.compile(r"\w+")
_EMPTY = np.iinfo(np.uint32).max  # MinHash value of a slot that saw no shingle


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[bytes]:
    """Word ``size``-gram shingles of the normalised text (punctuation ignored).

    A text shorter than ``size`` words gives one shingle of all its words; an empty
    text gives none.
    """
    out: set[bytes] = set()
    for chunk in _shingle_chunks(text, size):
        out |= chunk
    return out


def _shingle_chunks(text: str, size: int = SHINGLE_WORDS):
    """``shingles`` a piece of the text at a time (a set per ~256 KB, cut between words),
    so a 20 MB text never holds its millions of words and shingles in memory at once.
    The union of the sets is ``shingles(text)``."""
    window: list[str] = []
    any_shingle = False
    for piece in normalized_pieces(text):
        window += _WORD.findall(piece)
        if len(window) >= size:
            any_shingle = True
            yield {s.encode("utf-8") for s in map(" ".join, zip(*(window[k:] for k in range(size))))}
            del window[:len(window) - (size - 1)]  # the next shingles start with these
    if window and not any_shingle:  # fewer words than a shingle: one shingle of them all
        yield {" ".join(window).encode("utf-8")}


@functools.lru_cache(maxsize=1)
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The fixed seed's affine permutations ``a * h + b`` (``a`` odd), drawn once."""
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


def _sha1_32(items: set[bytes]) -> np.ndarray:
    """The first 4 bytes of each item's SHA-1, little-endian, as uint32."""
    sha1 = hashlib.sha1
    return np.frombuffer(b"".join([sha1(item).digest()[:4] for item in items]), dtype="<u4").astype(np.uint32)


_ROWS_AT_ONCE = 4096  # shingles × 128 permutations per step: 2 MB of uint32


def minhash_values(text: str) -> np.ndarray:
    """The 128 MinHash values of ``text`` (all ``_EMPTY`` for a text without words).

    Computed chunk by chunk (a running minimum), in memory bounded by the chunk size
    whatever the text's length: the whole shingles × 128 matrix of a 19 MB text was
    ~1.5 GB."""
    a, b = _permutations()
    out = np.full(NUM_PERM, _EMPTY, dtype=np.uint32)
    s1, m1, s2, m2, s3 = _FMIX32
    for items in _shingle_chunks(text):
        h = _sha1_32(items)
        h ^= h >> np.uint32(s1)
        h *= np.uint32(m1)
        h ^= h >> np.uint32(s2)
        h *= np.uint32(m2)
        h ^= h >> np.uint32(s3)
        for i in range(0, h.size, _ROWS_AT_ONCE):
            np.minimum(out, (h[i:i + _ROWS_AT_ONCE, None] * a + b).min(axis=0), out=out)
    return out


def signature(text: str) -> bytes:
    """Compact MinHash signature of ``text`` (SIGNATURE_BYTES bytes)."""
    return _HEADER + np.asarray(minhash_values(text), dtype=_DTYPE).tobytes()


def signature_values(sig: bytes) -> np.ndarray:
    """The 128 hash values of a signature; InputError if it is not one of ours."""
    if not isinstance(sig, (bytes, bytearray, memoryview)):
        raise InputError(f"near-duplicate signature: expected bytes, got {type(sig).__name__}")
    sig = bytes(sig)
    if len(sig) != SIGNATURE_BYTES or not sig.startswith(_HEADER):
        raise InputError(
            f"near-duplicate signature: not a Clipper v1 signature ({len(sig)} bytes); recompute it"
        )
    return np.frombuffer(sig, dtype=_DTYPE, offset=len(_HEADER)).astype(np.uint32)


def estimate_jaccard(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two texts behind signatures ``a`` and ``b``."""
    va, vb = signature_values(a), signature_values(b)
    if _is_empty(va) or _is_empty(vb):
        return 0.0
    return float(np.count_nonzero(va == vb)) / NUM_PERM


def _is_empty(values: np.ndarray) -> bool:
    return bool(np.all(values == _EMPTY))


_MIX = np.uint64(0x9E3779B97F4A7C15)


def _band_keys_of(matrix: np.ndarray) -> np.ndarray:
    """Per row and band, one 64-bit number: the band's index in the top 5 bits, its four
    values folded into the other 59 (equal bands give equal numbers; a collision only adds
    a candidate, which is checked value by value)."""
    v = matrix.reshape(-1, BANDS, ROWS).astype(np.uint64)
    s = np.uint64(32)
    folded = ((v[:, :, 0] << s) | v[:, :, 1]) ^ (((v[:, :, 2] << s) | v[:, :, 3]) * _MIX)
    return (np.arange(BANDS, dtype=np.uint64) << np.uint64(59)) | (folded >> np.uint64(5))


class _Stored:
    """The signatures a library holds, read at once: one matrix, and every (row, band) in
    one array sorted by its band number (a binary search finds the rows sharing a band).
    Built with numpy in 0.7 s for 90,000 articles, where adding them one by one to the band
    tables took 5.5 s, on every first import or paste of a session."""

    def __init__(self, items: Iterable[tuple[int, bytes]]):
        ids, blobs = [], []
        for article_id, sig in items:
            if (not isinstance(sig, (bytes, bytearray, memoryview)) or len(sig) != SIGNATURE_BYTES
                    or bytes(sig[:len(_HEADER)]) != _HEADER):
                signature_values(sig)  # raises the InputError that says what is wrong
            ids.append(int(article_id))
            blobs.append(bytes(sig))
        raw = np.frombuffer(b"".join(blobs), dtype=np.uint8).reshape(len(ids), SIGNATURE_BYTES)
        self.matrix = np.ascontiguousarray(raw[:, len(_HEADER):]).view(_DTYPE).astype(np.uint32)
        self.ids = np.asarray(ids, dtype=np.int64)
        self.row_of = dict(zip(ids, range(len(ids))))
        live = np.nonzero(~(self.matrix == _EMPTY).all(axis=1))[0]
        keys = _band_keys_of(self.matrix[live])
        # Sorted band by band (the band is the top bits: the bands in order are all sorted).
        orders = [np.argsort(keys[:, b]) for b in range(BANDS)]
        self.keys = np.concatenate([keys[order, b] for b, order in enumerate(orders)])
        self.rows = np.concatenate([live[order] for order in orders])

    def candidates(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Ids and rows of the stored signatures sharing a band with ``values``."""
        if not self.keys.size:
            return np.zeros(0, np.int64), np.zeros(0, np.intp)
        wanted = _band_keys_of(values[None, :])[0]
        lo = np.searchsorted(self.keys, wanted, "left")
        hi = np.searchsorted(self.keys, wanted, "right")
        hit = np.nonzero(hi > lo)[0]
        if not hit.size:
            return np.zeros(0, np.int64), np.zeros(0, np.intp)
        rows = np.unique(np.concatenate([self.rows[lo[b]:hi[b]] for b in hit]))
        same_band = (self.matrix[rows].reshape(-1, BANDS, ROWS) == values.reshape(BANDS, ROWS)).all(axis=2)
        rows = rows[same_band.any(axis=1)]
        return self.ids[rows], rows


class NearDuplicateIndex:
    """In-memory LSH index over stored signatures (rebuild it from the BLOB column).

    The signatures given when it is made are read at once (``_Stored``); those added later
    go to per-band tables. Signatures of empty texts are kept for ``len`` but never match
    anything.
    """

    def __init__(self, items: Iterable[tuple[int, bytes]] = ()):
        self._stored = _Stored(items)
        self._gone: set[int] = set()  # stored ids removed or replaced since
        self._values: dict[int, np.ndarray] = {}
        # One table per band: the band's 4 values (as bytes) -> the articles sharing them.
        self._bands: list[dict[bytes, set[int]]] = [{} for _ in range(BANDS)]

    @staticmethod
    def _band_keys(values: np.ndarray) -> list[bytes]:
        raw = values.astype(_DTYPE, copy=False).tobytes()
        width = ROWS * _DTYPE.itemsize
        return [raw[i * width:(i + 1) * width] for i in range(BANDS)]

    def _is_stored(self, article_id: object) -> bool:
        return article_id in self._stored.row_of and article_id not in self._gone

    def add(self, article_id: int, sig: bytes) -> None:
        """Add (or replace) the signature of an article."""
        values = signature_values(sig)
        self.remove(article_id)
        self._values[article_id] = values
        if not _is_empty(values):
            for table, key in zip(self._bands, self._band_keys(values)):
                ids = table.get(key)
                if ids is None:
                    table[key] = {article_id}
                else:
                    ids.add(article_id)

    def remove(self, article_id: int) -> None:
        """Forget an article; unknown ids are ignored."""
        if self._is_stored(article_id):
            self._gone.add(article_id)
        values = self._values.pop(article_id, None)
        if values is None or _is_empty(values):
            return
        for table, key in zip(self._bands, self._band_keys(values)):
            ids = table.get(key)
            if ids is not None:
                ids.discard(article_id)
                if not ids:
                    del table[key]

    def __len__(self) -> int:
        return len(self._values) + len(self._stored.row_of) - len(self._gone)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._values or self._is_stored(article_id)

    def query(self, sig: bytes, threshold: float = 0.7) -> list[tuple[int, float]]:
        """Articles whose estimated Jaccard with ``sig`` is >= ``threshold``, best first
        (ties by id). The article a signature came from is returned too if indexed."""
        if not 0.0 <= threshold <= 1.0:
            raise InputError(f"near-duplicate threshold must be between 0 and 1, not {threshold}")
        values = signature_values(sig)
        if _is_empty(values):
            return []
        hits = []
        stored_ids, rows = self._stored.candidates(values)
        if rows.size:
            scores = np.count_nonzero(self._stored.matrix[rows] == values, axis=1) / NUM_PERM
            hits = [(int(i), float(s)) for i, s in zip(stored_ids, scores)
                    if s >= threshold and int(i) not in self._gone]
        candidates: set[int] = set()
        for table, key in zip(self._bands, self._band_keys(values)):
            ids = table.get(key)
            if ids:
                candidates |= ids
        if candidates:
            ids = list(candidates)
            matrix = np.stack([self._values[i] for i in ids])
            scores = np.count_nonzero(matrix == values, axis=1) / NUM_PERM
            hits += [(int(i), float(s)) for i, s in zip(ids, scores) if s >= threshold]
        hits.sort(key=lambda pair: (-pair[1], pair[0]))
        return hits
