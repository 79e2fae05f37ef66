"""Near-duplicate detection: the same wire story carried by several outlets with edits.

``signature(text)`` is a MinHash (datasketch, 128 permutations, fixed seed, "affine32"
scheme) of the word 5-gram shingles of the normalised text, serialised to 514 bytes for
a BLOB column: a 2-byte header (b"M" + format version) then 128 little-endian uint32.

``NearDuplicateIndex`` keeps the signatures in memory behind a datasketch
``MinHashLSH`` with 32 bands of 4 rows. A pair of stories with Jaccard 0.5 becomes a
candidate with probability ~0.87, 0.7 with ~0.9998, 0.3 with only ~0.23, so a query
looks at a handful of candidates instead of every article; candidates are then scored
with the MinHash Jaccard estimate and filtered by the caller's threshold. Thresholds
below ~0.5 therefore lose recall (the banding was tuned for 0.6-0.9).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Iterable

import numpy as np
from datasketch import LeanMinHash, MinHash, MinHashLSH

from clipper.errors import InputError
from clipper.text.normalize import normalize_text

NUM_PERM = 128
SEED = 20240611
SHINGLE_WORDS = 5
BANDS, ROWS = 32, 4
_SCHEME = "affine32"
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
    words = _WORD.findall(normalize_text(text))
    if not words:
        return set()
    if len(words) < size:
        return {" ".join(words).encode("utf-8")}
    return {" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


@functools.lru_cache(maxsize=1)
def _permutations():
    """The fixed seed's permutation parameters (drawn once, not for every text)."""
    return MinHash(num_perm=NUM_PERM, seed=SEED, scheme=_SCHEME).permutations


def minhash(text: str) -> MinHash:
    m = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=_SCHEME, permutations=_permutations())
    m.update_batch(shingles(text))
    return m


def signature(text: str) -> bytes:
    """Compact MinHash signature of ``text`` (SIGNATURE_BYTES bytes)."""
    values = np.asarray(minhash(text).hashvalues, dtype=_DTYPE)
    return _HEADER + values.tobytes()


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


class NearDuplicateIndex:
    """In-memory LSH index over stored signatures (rebuild it from the BLOB column).

    Signatures of empty texts are kept for ``len`` but never match anything.
    """

    def __init__(self, items: Iterable[tuple[int, bytes]] = ()):
        self._lsh = MinHashLSH(num_perm=NUM_PERM, params=(BANDS, ROWS))
        self._values: dict[int, np.ndarray] = {}
        self._in_lsh: set[int] = set()
        with self._lsh.insertion_session() as session:
            for article_id, sig in items:
                self._add(article_id, sig, session)

    def _add(self, article_id: int, sig: bytes, inserter) -> None:
        values = signature_values(sig)
        if article_id in self._values:
            self.remove(article_id)
        self._values[article_id] = values
        if not _is_empty(values):
            lean = LeanMinHash(seed=SEED, hashvalues=values, scheme=_SCHEME)
            inserter.insert(article_id, lean, check_duplication=False)
            self._in_lsh.add(article_id)

    def add(self, article_id: int, sig: bytes) -> None:
        """Add (or replace) the signature of an article."""
        self._add(article_id, sig, self._lsh)

    def remove(self, article_id: int) -> None:
        """Forget an article; unknown ids are ignored."""
        if self._values.pop(article_id, None) is None:
            return
        if article_id in self._in_lsh:
            self._in_lsh.discard(article_id)
            self._lsh.remove(article_id)

    def __len__(self) -> int:
        return len(self._values)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._values

    def query(self, sig: bytes, threshold: float = 0.7) -> list[tuple[int, float]]:
        """Articles whose estimated Jaccard with ``sig`` is >= ``threshold``, best first
        (ties by id). The article a signature came from is returned too if indexed."""
        if not 0.0 <= threshold <= 1.0:
            raise InputError(f"near-duplicate threshold must be between 0 and 1, not {threshold}")
        values = signature_values(sig)
        if _is_empty(values):
            return []
        lean = LeanMinHash(seed=SEED, hashvalues=values, scheme=_SCHEME)
        candidates = self._lsh.query(lean)
        if not candidates:
            return []
        ids = list(candidates)
        matrix = np.stack([self._values[i] for i in ids])
        scores = np.count_nonzero(matrix == values, axis=1) / NUM_PERM
        hits = [(int(i), float(s)) for i, s in zip(ids, scores) if s >= threshold]
        hits.sort(key=lambda pair: (-pair[1], pair[0]))
        return hits
