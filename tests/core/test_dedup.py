"""Near-duplicate detection with MinHash signatures and an LSH index."""
from __future__ import annotations

import pytest

from clipper.dedup import SIGNATURE_BYTES, NearDuplicateIndex, estimate_jaccard, shingles, signature
from clipper.errors import InputError

WIRE = [
    "Dock workers at the country's largest container port walked off the job on Monday, "
    "halting the loading of ships after talks over night-shift pay collapsed late on Sunday.",
    "The union, which represents about 4,000 workers, said the strike would last at least "
    "48 hours and could be extended if the port operator refused to return to the table.",
    "Shipping companies said dozens of vessels were waiting offshore and warned that "
    "supermarkets could see shortages of fresh fruit within a week if the stoppage continued.",
    "The port operator said its offer of a seven per cent rise over two years was fair and "
    "accused union leaders of ignoring the financial pressure caused by falling trade volumes.",
    "The transport minister urged both sides to accept mediation and said the government "
    "was preparing contingency plans, including diverting some cargo to smaller regional ports.",
    "Economists estimated that each day of the strike would cost exporters tens of millions, "
    "with farm produce and car parts among the goods most exposed to the delays at the docks.",
    "Union members gathered outside the main gate on Monday morning carrying banners and "
    "chanting slogans, while police kept a small presence nearby and reported no incidents.",
    "The last major stoppage at the port, twelve years ago, lasted nine days and ended only "
    "after the courts ordered both parties into binding arbitration over working hours.",
    "Opposition politicians blamed the government for failing to act sooner and called for a "
    "parliamentary inquiry into how the dispute had been allowed to escalate so quickly.",
    "Union officials said they had received messages of support from dock workers abroad and "
    "that several foreign ports had agreed not to handle cargo diverted because of the strike.",
]
STORY = "\n\n".join(WIRE)

# The same wire story as run by another outlet: new first paragraph, one added sentence,
# different punctuation and quotes.
EDITED = "\n\n".join(
    [
        "Thousands of dock workers began a strike at the nation's main port on Monday - the "
        "first such stoppage in a decade.",
        WIRE[1].replace(",", " -"),
        WIRE[2] + " One retailer said it had already started flying in bananas.",
        *[p.replace(".", "!") for p in WIRE[3:]],
    ]
)

# Different stories on the same topic, sharing vocabulary but not text.
SAME_TOPIC = [
    "Port workers in the north ended a three-day strike on Friday after the operator agreed "
    "to review night-shift pay, the union said, and ships began moving again by evening. "
    "Freight firms said the backlog of vessels waiting offshore would take a week to clear, "
    "and supermarkets reported only minor shortages of fresh fruit during the stoppage.",
    "The government announced plans on Tuesday to expand two regional ports so that cargo can "
    "be diverted during strikes at the main container terminal. The transport minister said "
    "the work would cost about 300 million and be finished within four years, while unions "
    "warned that it was an attempt to weaken their bargaining position over pay.",
]


def test_signature_is_compact_bytes():
    sig = signature(STORY)
    assert isinstance(sig, bytes) and len(sig) == SIGNATURE_BYTES == 514
    assert signature(STORY) == sig  # deterministic


def test_shingles_ignore_case_punctuation_and_whitespace():
    assert shingles("One two, three  four five six") == shingles("ONE two three four. five six")
    assert len(shingles("one two three four five six")) == 2
    assert shingles("too short") == {b"too short"}
    assert shingles("  ") == set()


def test_edited_copy_is_found_and_same_topic_stories_are_not():
    index = NearDuplicateIndex([(1, signature(STORY))])
    index.add(2, signature(SAME_TOPIC[0]))
    index.add(3, signature(SAME_TOPIC[1]))
    hits = index.query(signature(EDITED), threshold=0.7)
    assert [i for i, _ in hits] == [1]
    assert hits[0][1] >= 0.7
    exact = len(shingles(STORY) & shingles(EDITED)) / len(shingles(STORY) | shingles(EDITED))
    assert exact >= 0.7  # the fixture really is a near-duplicate, not a lucky estimate
    assert estimate_jaccard(signature(STORY), signature(SAME_TOPIC[0])) < 0.2


def test_query_orders_best_first_and_includes_exact_copy():
    index = NearDuplicateIndex()
    index.add(10, signature(EDITED))
    index.add(11, signature(STORY))
    hits = index.query(signature(STORY), threshold=0.5)
    assert hits[0] == (11, 1.0)
    assert [i for i, _ in hits] == [11, 10]
    assert hits[1][1] < 1.0


def test_add_replace_remove_and_len():
    index = NearDuplicateIndex([(1, signature(STORY)), (2, signature(SAME_TOPIC[0]))])
    assert len(index) == 2 and 1 in index
    index.add(1, signature(SAME_TOPIC[1]))  # replace: article 1 was edited
    assert len(index) == 2
    assert index.query(signature(STORY)) == []
    index.remove(1)
    index.remove(999)  # unknown ids are ignored
    assert len(index) == 1 and 1 not in index
    assert index.query(signature(SAME_TOPIC[1])) == []


def test_empty_text_matches_nothing():
    index = NearDuplicateIndex([(1, signature("")), (2, signature(STORY))])
    assert len(index) == 2
    assert index.query(signature("")) == []
    assert [i for i, _ in index.query(signature(STORY))] == [2]


@pytest.mark.parametrize("bad", [b"", b"junk", b"M\x01" + b"\x00" * 10, b"X" * 514])
def test_bad_signature_is_an_input_error(bad):
    index = NearDuplicateIndex()
    with pytest.raises(InputError, match="signature"):
        index.add(1, bad)
    with pytest.raises(InputError, match="signature"):
        index.query(bad)


def test_bad_threshold_is_an_input_error():
    with pytest.raises(InputError, match="threshold"):
        NearDuplicateIndex().query(signature(STORY), threshold=1.5)


def test_many_unrelated_articles_do_not_match():
    import random

    rng = random.Random(3)
    words = [f"w{i}" for i in range(3000)]
    index = NearDuplicateIndex((i, signature(" ".join(rng.choices(words, k=300)))) for i in range(300))
    index.add(1000, signature(STORY))
    assert [i for i, _ in index.query(signature(EDITED))] == [1000]


# Signatures are stored in every library: they must never change. These digests were
# taken from datasketch 2.0's MinHash (affine32 scheme, seed and 128 permutations as in
# clipper.dedup) when Clipper computed signatures with it.
_STORED = {
    "The harbour council voted on Tuesday to rebuild the old sea wall before winter storms arrive.":
        "780f81dcee2fc518fde3406d578ac44e0375f94861592ce6b0ba105438da4402",
    "": "800eb99eb5626dbafc27eec06ea091c11271303b2bf48b979e029da061bccd45",
}


@pytest.mark.parametrize("text", list(_STORED))
def test_signatures_are_stable(text):
    import hashlib

    assert hashlib.sha256(signature(text)).hexdigest() == _STORED[text]


def test_signatures_equal_datasketchs_minhash():
    datasketch = pytest.importorskip("datasketch")
    import numpy as np

    from clipper.dedup import _HEADER, NUM_PERM, SEED, shingles as make_shingles

    texts = [
        "A ferry operator said on Monday that the island service would leave an hour "
        "earlier from next week because of the new tide tables.",
        "Téhéran — « missiles » : l'envoyé a parlé de nouvelles sanctions.",
        "word " * 3000,
        "one two",
        "",
    ]
    for text in texts:
        m = datasketch.MinHash(num_perm=NUM_PERM, seed=SEED, scheme="affine32")
        m.update_batch(make_shingles(text))
        expected = _HEADER + np.asarray(m.hashvalues, dtype="<u4").tobytes()
        assert signature(text) == expected, text[:30]


def test_signatures_read_at_once_answer_as_ones_added_one_by_one():
    """A library's stored signatures are read at once (numpy, sorted per band); queries,
    replacements and removals answer exactly as with signatures added one by one."""
    import random

    rng = random.Random(5)
    words = [f"w{i}" for i in range(400)]
    texts = [" ".join(rng.choices(words, k=120)) for _ in range(60)]
    texts += [t.replace("w1 ", "w2 ", 3) for t in texts[:20]]  # near-duplicates of the first 20
    texts += ["", STORY, EDITED]
    items = [(i + 1, signature(t)) for i, t in enumerate(texts)]
    read_at_once = NearDuplicateIndex(items)
    one_by_one = NearDuplicateIndex()
    for article_id, sig in items:
        one_by_one.add(article_id, sig)

    def same_answers():
        assert len(read_at_once) == len(one_by_one)
        for article_id in (1, 5, 21, 61, 64, 999):
            assert (article_id in read_at_once) == (article_id in one_by_one)
        for t in texts[:25] + [STORY, "", SAME_TOPIC[0]]:
            for threshold in (0.3, 0.7, 1.0):
                assert read_at_once.query(signature(t), threshold) == one_by_one.query(signature(t), threshold)

    same_answers()
    assert [i for i, _ in read_at_once.query(signature(texts[3]), 0.7)] == [4, 64]
    for index in (read_at_once, one_by_one):
        index.add(4, signature(SAME_TOPIC[1]))  # edited: replaces its stored signature
        index.remove(64)
        index.remove(1)
        index.add(500, signature(texts[2]))
    same_answers()
    assert [i for i, _ in read_at_once.query(signature(texts[3]), 0.7)] == []
    assert {3, 500} <= {i for i, _ in read_at_once.query(signature(texts[2]), 0.99)}
