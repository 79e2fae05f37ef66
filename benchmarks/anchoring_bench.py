"""Time re-anchoring 100 passages on a ~10,000-word article after different edits.

Run: .venv/bin/python -m benchmarks.anchoring_bench   (from the project root)
Prints one line per scenario: seconds for reanchor_all (with the old text) and for 100
plain reanchor calls (without it), plus how the passages were found.
"""
from __future__ import annotations

import random
import sys
import time
from collections import Counter

from clipper.anchoring import make_selector, reanchor, reanchor_all

VOCAB = (
    "council harbour ferry storm budget mayor island school river bridge vote market crew "
    "police museum station road train weather summer winter report court minister hospital "
    "the a of and to in said would year new people"
).split()


def article(rng: random.Random, words: int = 10_000) -> str:
    paragraphs, current = [], []
    for i in range(words):
        current.append(rng.choice(VOCAB))
        if len(current) >= rng.randint(60, 140):
            paragraphs.append(" ".join(current) + ".")
            current = []
    if current:
        paragraphs.append(" ".join(current) + ".")
    return "\n\n".join(paragraphs)


def passages(rng: random.Random, text: str, count: int = 100) -> dict:
    out, step = {}, len(text) // count
    for k in range(count):
        start = text.index(" ", k * step + rng.randint(0, step // 2)) + 1
        end = text.index(" ", start + rng.randint(20, 200))
        out[k] = make_selector(text, start, end)
    return out


def scenarios(rng: random.Random, old: str, sels: dict) -> dict[str, str]:
    paras = old.split("\n\n")
    shuffled = paras[:]
    rng.shuffle(shuffled)
    typos = old
    for k in range(0, 100, 10):  # change one letter inside every tenth passage
        pos = sels[k].start + 3
        typos = typos[:pos] + "#" + typos[pos + 1:]
    other = article(random.Random(99))
    return {
        "unchanged": old,
        "insert at top": "Correction appended at 09:12. " * 3 + old,
        "delete a paragraph": "\n\n".join(paras[:10] + paras[11:]),
        "10 typo fixes (fuzzy)": typos,
        "paragraphs shuffled": "\n\n".join(shuffled),
        "emoji before every paragraph": "\n\n".join("\U0001F4F0 " + p for p in paras),
        "replaced entirely (orphans)": other,
    }


def main() -> int:
    rng = random.Random(1234)
    old = article(rng)
    sels = passages(rng, old)
    print(f"article: {len(old.split())} words, {len(old)} chars; {len(sels)} passages")
    for name, new in scenarios(rng, old, sels).items():
        t0 = time.perf_counter()
        anchors = reanchor_all(old, new, sels)
        t1 = time.perf_counter()
        plain = {k: reanchor(new, s) for k, s in sels.items()}
        t2 = time.perf_counter()
        methods = Counter(a.method for a in anchors.values())
        plain_methods = Counter(a.method for a in plain.values())
        print(
            f"{name:32s} reanchor_all {t1 - t0:6.3f}s {dict(methods)}\n"
            f"{'':32s} reanchor x100 {t2 - t1:5.3f}s {dict(plain_methods)}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
