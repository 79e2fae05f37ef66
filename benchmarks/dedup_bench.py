"""Near-duplicate detection benchmark (deterministic generated data).

    .venv/bin/python benchmarks/dedup_bench.py            # N = 10000 and 50000
    .venv/bin/python benchmarks/dedup_bench.py --n 2000 10000 --seed 7

Generates N articles of ~600 words from a Zipfian vocabulary with random.Random(seed).
Every 50th article is a planted near-duplicate of an earlier one: its first paragraph is
rewritten, a sentence is added in the middle and punctuation is changed. Reports, per N:
signature time per article, LSH build time from N stored signatures, query p50/p95,
precision/recall of planted pairs at threshold 0.7, and two brute-force baselines
measured in the same run (exact shingle-set Jaccard over a 1k sample scaled to N, and a
vectorised scan of all N MinHash signatures). Targets: p95 < 20 ms and build < 10 s at 50k.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clipper.dedup import NUM_PERM, NearDuplicateIndex, shingles, signature, signature_values  # noqa: E402

WORDS_PER_ARTICLE = 600
VOCAB = 20_000
DUP_EVERY = 50
THRESHOLD = 0.7


def make_vocab(rng: random.Random) -> tuple[list[str], list[float]]:
    syllables = ["ka", "lo", "mi", "ren", "tu", "sa", "vor", "el", "din", "pa", "qui", "zo", "ber", "an", "ti"]
    words: set[str] = set()
    while len(words) < VOCAB:
        words.add("".join(rng.choice(syllables) for _ in range(rng.randint(1, 4))))
    vocab = sorted(words)
    rng.shuffle(vocab)
    weights = [1.0 / (rank ** 1.05) for rank in range(1, VOCAB + 1)]
    cum, total = [], 0.0
    for w in weights:
        total += w
        cum.append(total)
    return vocab, cum


def sentence(rng: random.Random, vocab: list[str], cum: list[float], n: int) -> list[str]:
    words = rng.choices(vocab, cum_weights=cum, k=n)
    words[0] = words[0].capitalize()
    words[-1] += "."
    return words


def article(rng: random.Random, vocab, cum) -> list[list[str]]:
    """A list of paragraphs, each a list of tokens (~600 words in 12 paragraphs)."""
    paras = []
    for _ in range(12):
        words: list[str] = []
        while len(words) < WORDS_PER_ARTICLE // 12:
            words += sentence(rng, vocab, cum, rng.randint(12, 25))
        paras.append(words)
    return paras


def variant(rng: random.Random, base: list[list[str]], vocab, cum) -> list[list[str]]:
    """The same story as carried by another outlet: new first paragraph, one added
    sentence, different punctuation."""
    paras = [list(p) for p in base]
    paras[0] = sentence(rng, vocab, cum, 22) + sentence(rng, vocab, cum, 24)
    mid = len(paras) // 2
    paras[mid] = paras[mid][:20] + sentence(rng, vocab, cum, 18) + paras[mid][20:]
    return [[w.replace(".", ";") if w.endswith(".") and rng.random() < 0.5 else w + ("," if rng.random() < 0.05 else "")
             for w in p] for p in paras]


def render(paras: list[list[str]]) -> str:
    return "\n\n".join(" ".join(p) for p in paras)


def generate(n: int, seed: int) -> tuple[list[str], dict[int, int]]:
    rng = random.Random(seed)
    vocab, cum = make_vocab(rng)
    docs: list[list[list[str]]] = []
    planted: dict[int, int] = {}  # variant id -> original id
    for i in range(n):
        if i % DUP_EVERY == DUP_EVERY - 1:
            base = rng.randrange(i)
            while base in planted:
                base = rng.randrange(i)
            docs.append(variant(rng, docs[base], vocab, cum))
            planted[i] = base
        else:
            docs.append(article(rng, vocab, cum))
    return [render(d) for d in docs], planted


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def run(sizes: list[int], seed: int) -> None:
    n_max = max(sizes)
    t0 = time.perf_counter()
    texts, planted_all = generate(n_max, seed)
    print(f"generated {n_max} articles (~{WORDS_PER_ARTICLE} words, Zipf vocab {VOCAB}, seed {seed}) "
          f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)

    sig_times = []
    sigs: list[bytes] = []
    for i, text in enumerate(texts):
        t = time.perf_counter()
        sigs.append(signature(text))
        sig_times.append(time.perf_counter() - t)
        if i and i % 10_000 == 0:
            print(f"  signed {i}", file=sys.stderr)

    rows = []
    for n in sorted(sizes):
        planted = {v: o for v, o in planted_all.items() if v < n}
        t = time.perf_counter()
        index = NearDuplicateIndex((i, sigs[i]) for i in range(n))
        build = time.perf_counter() - t

        rng = random.Random(seed + n)
        originals = set(planted.values())
        group_of = {i: planted.get(i, i) for i in range(n)}
        groups: dict[int, set[int]] = {}
        for i, g in group_of.items():
            groups.setdefault(g, set()).add(i)
        plain = [i for i in range(n) if i not in planted and i not in originals]
        queries = list(planted) + rng.sample(plain, min(len(plain), 500))
        q_times, tp, fp, fn = [], 0, 0, 0
        for qid in queries:
            t = time.perf_counter()
            hits = index.query(sigs[qid], THRESHOLD)
            q_times.append(time.perf_counter() - t)
            found = {i for i, _ in hits if i != qid}
            truth = groups[group_of[qid]] - {qid}
            tp += len(found & truth)
            fp += len(found - truth)
            fn += len(truth - found)

        # Baseline 1: exact shingle-set Jaccard against a 1k sample, scaled to n.
        sample = rng.sample(range(n), min(1000, n))
        sample_sets = [shingles(texts[i]) for i in sample]
        bf_times = []
        for qid in queries[:10]:
            q = shingles(texts[qid])
            t = time.perf_counter()
            for s in sample_sets:
                len(q & s) / len(q | s)
            bf_times.append((time.perf_counter() - t) * n / len(sample))
        # Baseline 2: vectorised scan of all n signatures (no LSH).
        matrix = np.stack([signature_values(sigs[i]) for i in range(n)])
        scan_times = []
        for qid in queries[:50]:
            v = signature_values(sigs[qid])
            t = time.perf_counter()
            scores = np.count_nonzero(matrix == v, axis=1) / NUM_PERM
            np.flatnonzero(scores >= THRESHOLD)
            scan_times.append(time.perf_counter() - t)

        rows.append({
            "n": n,
            "build_s": build,
            "p50_ms": pct(q_times, 50) * 1000,
            "p95_ms": pct(q_times, 95) * 1000,
            "precision": tp / (tp + fp) if tp + fp else 1.0,
            "recall": tp / (tp + fn) if tp + fn else 1.0,
            "pairs": len(planted),
            "bf_ms": statistics.median(bf_times) * 1000,
            "scan_ms": statistics.median(scan_times) * 1000,
        })

    per_article = statistics.median(sig_times) * 1000
    print()
    print(f"signature: median {per_article:.2f} ms/article, p95 {pct(sig_times, 95) * 1000:.2f} ms "
          f"({len(sigs[0])} bytes each)")
    print()
    header = (f"{'N':>7} {'build s':>8} {'q p50 ms':>9} {'q p95 ms':>9} {'prec':>6} {'recall':>7} {'pairs':>6} "
              f"{'brute ms':>9} {'x p50':>7} {'scan ms':>8} {'x p50':>7}")
    print(header)
    print("-" * len(header))
    for r in rows:
        print(f"{r['n']:>7} {r['build_s']:>8.2f} {r['p50_ms']:>9.3f} {r['p95_ms']:>9.3f} {r['precision']:>6.3f} "
              f"{r['recall']:>7.3f} {r['pairs']:>6} {r['bf_ms']:>9.1f} {r['bf_ms'] / r['p50_ms']:>7.0f} "
              f"{r['scan_ms']:>8.2f} {r['scan_ms'] / r['p50_ms']:>7.1f}")
    print()
    print("brute ms: exact shingle-set Jaccard over a 1k sample, scaled to N (median of 10 queries)")
    print("scan ms: numpy scan of all N signatures (median of 50); x p50 = baseline / LSH query p50")
    last = rows[-1]
    if last["n"] >= 50_000:
        ok = last["p95_ms"] < 20 and last["build_s"] < 10
        print(f"targets at {last['n']}: p95 < 20 ms, build < 10 s -> {'MET' if ok else 'NOT MET'}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, nargs="+", default=[10_000, 50_000], help="collection sizes")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    if any(n < DUP_EVERY * 2 for n in args.n):
        parser.error(f"--n must be at least {DUP_EVERY * 2}")
    run(args.n, args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
