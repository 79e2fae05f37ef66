"""One very large article costs bounded memory (issue 14, item 8): the near-duplicate
signature, the content hash and the word count work through the text a piece at a time,
and a version diff of a large article sets its common head and tail aside."""
from __future__ import annotations

import random
import tracemalloc

from clipper import dedup, versions
from clipper.text.normalize import content_hash, count_words, normalize_text

WORDS = ("harbour council river bridge market ferry school budget mayor engineers storm wall "
         "voters plan winter summer crews repair scheme figures residents").split()


def _text(n_words: int) -> str:
    rng = random.Random(9)
    return "\n\n".join(" ".join(rng.choice(WORDS) for _ in range(100)) + f" n{i}."
                       for i in range(n_words // 100))


def _peak(fn) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def test_signature_hash_and_count_do_not_scale_with_the_text():
    text = _text(600_000)  # ~4 MB; the whole-matrix signature needed ~600 MB for it
    size = len(text) / 1e6
    assert _peak(lambda: dedup.signature(text)) < 4 * size + 30
    assert _peak(lambda: content_hash(text)) < 2 * size + 10
    assert _peak(lambda: count_words(text)) < 2 * size + 10
    assert count_words(text) == len(text.split())


def test_chunked_values_equal_the_whole_set_computation():
    text = _text(60_000)
    words = dedup._WORD.findall(normalize_text(text))
    assert dedup.shingles(text) == {" ".join(words[i:i + 5]).encode() for i in range(len(words) - 4)}


def test_diff_of_a_large_article_sets_the_unchanged_ends_aside():
    old = _text(300_000)
    new = old[:1000] + " inserted words " + old[1000:]
    runs = versions.diff_words(old, new)  # before: quadratic, hours
    assert sum(len(r["text"]) for r in runs if r["op"] != "equal") < 100
    assert "".join(r["text"] for r in runs if r["op"] != "insert") == old
    assert "".join(r["text"] for r in runs if r["op"] != "delete") == new
