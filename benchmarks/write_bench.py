"""Interactive writes at real library sizes (the write lane).

    .venv/bin/python benchmarks/write_bench.py                   # 1k and 20k
    .venv/bin/python benchmarks/write_bench.py --sizes 1000 20000 50000 250000 --writes 200
    .venv/bin/python benchmarks/write_bench.py --sizes 20000 --keep /tmp/wb   # reuse libraries

For each size: a library made by one bulk import of generated news-like .txt files (the
search benchmark's corpus), then 200 mixed interactive writes one after another, as a user
makes them: a highlight with tags, a note, a tag renamed on up to 1,000 passages, a passage
edit, a metadata edit. For each kind and overall: p50 / p99 / max of the call's time, and
the time until a search sees the write (the search that follows each write, read-your-
writes included). Then the same while another process imports ``--concurrent`` files.

Baselines, measured in the same run: the same write made the way Clipper made it before the
write lane, with the index updated inside the call (here: the call, then waiting until the
index holds it), so the ratio is what a user no longer waits for; and the same writes with
the index lane merging inside its commits (``CLIPPER_MERGE_IN_COMMITS=1``, as before merges
were built beside the index), in alternating blocks of 20 writes with the current way.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_bench import make_corpus  # noqa: E402

from clipper import importing  # noqa: E402
from clipper.index import settle  # noqa: E402
from clipper.jobs import run_job  # noqa: E402
from clipper.library import Library  # noqa: E402

KINDS = ("highlight", "note", "rename", "passage-edit", "metadata-edit")


def write_txt(articles, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for d in articles:
        body = "\n\n".join([d.title, d.dek, d.text])
        (folder / f"{d.id:08d}.txt").write_text(body + "\n", encoding="utf-8")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q / 100 * (len(s) - 1))))]


def build(size: int, folder: Path, seed: int) -> float:
    """A library of ``size`` articles by one bulk import; returns the import's seconds."""
    src = folder.parent / f"src-{size}"
    if not src.exists():
        write_txt(make_corpus(size, seed=seed)[0], src)
    started = time.perf_counter()
    with Library.open(folder) as lib:
        run_job(importing.import_sources(lib, [str(src)]))
        # Tag some passages so renames have work (≤ 1,000 passages on the renamed tag).
        ids = lib.articles.ids()[:1200]
        for i, aid in enumerate(ids):
            words = lib.articles.get(aid).text.split()
            lib.passages.add(aid, quote=" ".join(words[5:9]), occurrence=1, tags=[f"topic{i % 3}"])
        lib.wait_for_index(timeout=600)
    settle.wait(folder, 7200)  # the import's big merges (a detached process) are done
    return time.perf_counter() - started


class Writer:
    """Makes the mixed writes and checks each one with a search."""

    def __init__(self, lib: Library, rng: random.Random, trace=None):
        self.lib = lib
        self.rng = rng
        self.trace = trace  # a file: one line per write (time, phase, kind, call ms, seen ms)
        self.phase = "idle"
        self.ids = lib.articles.ids()
        self.n = 0
        names = [t.name for t in lib.tags.all()]
        self.renamed = {f"topic{i}": next(n for n in names if n.startswith(f"topic{i}")) for i in range(3)}

    def word(self) -> str:
        self.n += 1
        digits = []
        n = self.n
        while True:
            n, r = divmod(n, 20)
            digits.append("bcdfghjklmnpqrstvwx"[r % 19])
            if not n:
                break
        return "zq" + "o".join(digits) + "ux"

    def one(self, kind: str) -> tuple[float, str]:
        lib, rng = self.lib, self.rng
        word = self.word()
        aid = rng.choice(self.ids)
        started = time.perf_counter()
        if kind == "highlight":
            words = lib.articles.get(aid).text.split()
            at = rng.randrange(0, max(1, len(words) - 6))
            lib.passages.add(aid, quote=" ".join(words[at:at + 4]), occurrence=1, tags=[f"bench{self.n % 7}"],
                             note=f"seen {word}")
            query = f"note:{word}"
        elif kind == "note":
            lib.notes.add(aid, f"Follow {word} tomorrow")
            query = f"note:{word}"
        elif kind == "rename":
            old_key = rng.choice(sorted(self.renamed))
            old = self.renamed[old_key]
            lib.tags.rename(old, f"{old_key}{word}")
            self.renamed[old_key] = f"{old_key}{word}"
            query = f"tag:{old_key}{word}"
        elif kind == "passage-edit":
            ps = lib.passages.for_article(aid)
            if not ps:
                words = lib.articles.get(aid).text.split()
                ps = [lib.passages.add(aid, quote=" ".join(words[3:6]), occurrence=1)]
            lib.passages.update(ps[0].id, note=f"edited {word}")
            query = f"note:{word}"
        else:
            lib.articles.edit(aid, title=f"Revised {word} headline")
            query = f"title:{word}"
        return time.perf_counter() - started, query

    def run(self, writes: int, baseline: bool = False) -> dict:
        calls: dict[str, list[float]] = {k: [] for k in KINDS}
        seen: list[float] = []
        seen_by: dict[str, list[float]] = {k: [] for k in KINDS}
        missed = 0
        for i in range(writes):
            kind = KINDS[i % len(KINDS)]
            took, query = self.one(kind)
            started = time.perf_counter()
            if baseline:  # the old way: the call returns once the index has it
                self.lib.wait_for_index(timeout=120)
                took += time.perf_counter() - started
                calls[kind].append(took)
                continue
            calls[kind].append(took)
            result = self.lib.search(query, limit=1, snippets=False)
            seen.append(took + time.perf_counter() - started)
            seen_by[kind].append(seen[-1])
            missed += result.total == 0
            if self.trace is not None:
                self.trace.write(f"{time.time():.3f} {self.phase} {kind} {took * 1000:.1f} {seen[-1] * 1000:.1f}"
                                 f" {int(result.total == 0)}\n")
                self.trace.flush()
        return {"calls": calls, "seen": seen, "seen_by": seen_by, "missed": missed}


def line(label: str, values: list[float], extra: str = "") -> str:
    ms = [v * 1000 for v in values]
    return (f"  {label:<16} p50 {pct(ms, 50):8.1f}  p99 {pct(ms, 99):8.1f}  max {max(ms):8.1f} ms"
            f"  (n={len(ms)}){extra}")


def merge(a: dict, b: dict) -> dict:
    return {"calls": {k: a["calls"][k] + b["calls"][k] for k in a["calls"]},
            "seen": a["seen"] + b["seen"], "missed": a["missed"] + b["missed"],
            "seen_by": {k: a["seen_by"][k] + b["seen_by"][k] for k in a["seen_by"]}}


def alternating(writer: Writer, writes: int, block: int = 20) -> tuple[dict, dict]:
    """``writes`` writes with merges built beside the index and as many with the lane
    merging inside its commits, in alternating blocks (the machine's load hits both)."""
    side = inside = {"calls": {k: [] for k in KINDS}, "seen": [], "missed": 0, "seen_by": {k: [] for k in KINDS}}
    done = 0
    while done < writes:
        n = min(block, writes - done)
        side = merge(side, writer.run(n))
        os.environ["CLIPPER_MERGE_IN_COMMITS"] = "1"
        phase, writer.phase = writer.phase, writer.phase + "-inside"
        try:
            inside = merge(inside, writer.run(n))
        finally:
            del os.environ["CLIPPER_MERGE_IN_COMMITS"]
            writer.phase = phase
        done += n
    return side, inside


def report(title: str, result: dict, base: dict | None, inside: dict | None = None) -> None:
    print(title)
    every = [v for vs in result["calls"].values() for v in vs]
    for kind, values in result["calls"].items():
        if values:
            print(line(kind, values))
    ratio = ""
    if base is not None:
        b = [v for vs in base["calls"].values() for v in vs]
        ratio = f"   baseline (index inside the call) p50 {pct(b, 50) * 1000:.1f} / p99 {pct(b, 99) * 1000:.1f} ms" \
                f" → ratio p99 {pct(every, 99) / pct(b, 99):.2f}×"
    print(line("all writes", every, ratio))
    seen = [v * 1000 for v in result["seen"]]
    versus = ""
    if inside is not None:
        other = [v * 1000 for v in inside["seen"]]
        versus = f"   merging inside commits: p95 {pct(other, 95):.1f} ms → ratio {pct(seen, 95) / pct(other, 95):.2f}×"
    print(f"  seen by search   p50 {pct(seen, 50):8.1f}  p95 {pct(seen, 95):8.1f}  max {max(seen):8.1f} ms"
          f"  (searches that missed their write: {result['missed']}){versus}")
    by = " / ".join(f"{kind} {pct([v * 1000 for v in vs], 95):.0f}" for kind, vs in result["seen_by"].items() if vs)
    print(f"  seen p95 by write (ms): {by}")
    ok = pct(every, 99) < 0.050 and max(every) < 0.150 and pct(seen, 95) < 250
    print(f"  targets (p99 < 50 ms, max < 150 ms, seen p95 < 250 ms): {'met' if ok else 'NOT met'}")


def concurrent_import(folder: Path, n: int, seed: int) -> subprocess.Popen:
    src = folder.parent / f"concurrent-{n}"
    if src.exists():
        shutil.rmtree(src)
    arts = make_corpus(n, seed=seed + 1)[0]
    for d in arts:  # distinct from the library's articles
        d.id += 10_000_000
    write_txt(arts, src)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-m", "clipper", "--library", str(folder), "import", str(src), "--json"],
                            cwd=str(ROOT), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 20000])
    ap.add_argument("--writes", type=int, default=200)
    ap.add_argument("--concurrent", type=int, default=20000, help="files imported by another process (0: skip)")
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--keep", type=Path, help="keep the libraries here and reuse them")
    ap.add_argument("--skip-idle", action="store_true", help="only the writes during another process's import")
    ap.add_argument("--trace", type=Path, help="write one line per write here (epoch, phase, kind, call ms, "
                                               "seen ms, missed)")
    args = ap.parse_args(argv)
    root = args.keep or Path(tempfile.mkdtemp(prefix="clipper-write-bench-"))
    root.mkdir(parents=True, exist_ok=True)
    trace = None
    try:
        trace = open(args.trace, "a", encoding="utf-8") if args.trace else None
        for size in args.sizes:
            folder = root / f"lib-{size}"
            if not (folder / "library.db").exists():
                took = build(size, folder, args.seed)
                print(f"\n{size:,} articles: bulk import {took:.0f} s ({size / took:.0f} articles/s)")
            else:
                con = sqlite3.connect((folder / "library.db").resolve().as_uri() + "?mode=ro", uri=True)
                try:
                    (now,) = con.execute("SELECT count(*) FROM articles").fetchone()
                finally:
                    con.close()
                print(f"\n{size:,} articles (kept library, {now:,} articles now: earlier runs imported more)")
            with Library.open(folder) as lib:
                lib.wait_for_index(timeout=600)
                writer = Writer(lib, random.Random(args.seed), trace)
                writer.phase = f"idle-{size}"
                if not args.skip_idle:
                    base = writer.run(min(args.writes, 50), baseline=True)
                    result, inside = alternating(writer, args.writes)
                    report(f"{size:,} articles, {args.writes} writes one after another, the lane merging "
                           f"inside its commits (as before side merges):", inside, None)
                    report(f"{size:,} articles, {args.writes} writes one after another:", result, base,
                           inside)
                if args.concurrent:
                    proc = concurrent_import(folder, args.concurrent, args.seed)
                    time.sleep(3)  # the import is storing and indexing
                    writer.phase = f"import-{size}"
                    result = writer.run(args.writes)
                    running = proc.poll() is None
                    report(f"{size:,} articles, {args.writes} writes while another process imports "
                           f"{args.concurrent:,} files (still running at the end: {running}):", result, None)
                    proc.wait()
        return 0
    finally:
        if trace is not None:
            trace.close()
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
