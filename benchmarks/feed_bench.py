"""A very large feed: does the import keep a steady rate?

    .venv/bin/python benchmarks/feed_bench.py                # 100,000 items
    .venv/bin/python benchmarks/feed_bench.py --items 20000

Writes one RSS file of N generated news items (title, link, date, a ~120-word description),
imports it into a fresh library with ``import_sources`` and prints the rate for each tenth
of the items. A rate that falls as the library grows (a lookup that scans, a merge that
rewrites the big segments again and again) shows as a falling column. Baseline in the same
run: the rate of the first tenth.
"""
from __future__ import annotations

import argparse
import random
import shutil
import sqlite3
import sys
import threading
import tempfile
import time
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from clipper import importing  # noqa: E402
from clipper.importers import ImportOptions  # noqa: E402
from clipper.jobs import run_job  # noqa: E402
from clipper.library import Library  # noqa: E402

WORDS = ("harbour council ferry tender grain wheat drought flood river bridge mayor minister budget school "
         "hospital railway station airport tariff export shipping container tanker pipeline solar wind "
         "turbine battery copper mine strike union wage inflation bank housing market farmer orchard storm "
         "election ballot coalition parliament court judge appeal ruling police protest festival museum").split()


def write_feed(path: Path, n: int, seed: int = 5) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as f:
        f.write('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                "<title>Bench wire</title><link>https://wire.example/</link><description>all</description>\n")
        for i in range(n):
            title = " ".join(rng.choice(WORDS) for _ in range(7)).capitalize() + f" {i}"
            body = ". ".join(" ".join(rng.choice(WORDS) for _ in range(15)).capitalize() for _ in range(8)) + "."
            day = 1 + i % 28
            f.write(f"<item><title>{escape(title)}</title><link>https://wire.example/story/{i}</link>"
                    f"<guid>https://wire.example/story/{i}</guid>"
                    f"<pubDate>Mon, {day:02d} Jun 2026 10:00:00 +0000</pubDate>"
                    f"<description>{escape(body)}</description></item>\n")
        f.write("</channel></rss>\n")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--items", type=int, default=100_000)
    args = ap.parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="clipper-feed-bench-"))
    try:
        feed = tmp / "wire.xml"
        write_feed(feed, args.items)
        print(f"feed of {args.items:,} items: {feed.stat().st_size / 1e6:.0f} MB")
        step = max(1, args.items // 10)
        samples: list[tuple[float, int]] = []
        done = threading.Event()

        def watch(db_path: Path) -> None:  # the stored count, read beside the import
            while not done.is_set():
                try:
                    conn = sqlite3.connect(str(db_path))
                    try:
                        n = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
                    finally:
                        conn.close()
                    samples.append((time.perf_counter(), n))
                except sqlite3.Error:
                    pass
                done.wait(0.5)

        started = time.perf_counter()
        with Library.open(tmp / "lib") as lib:
            watcher = threading.Thread(target=watch, args=(lib.db_path,), daemon=True)
            watcher.start()
            # A 100,000-item feed is ~115 MB: above the default 20 MB cap (--max-size).
            options = ImportOptions(max_bytes=feed.stat().st_size + 1)
            report = run_job(importing.import_sources(lib, [str(feed)], options=options))
            total = time.perf_counter() - started
            done.set()
            watcher.join()
        for failed in report.failed[:3]:
            print(f"  failed: {failed}")
        print(f"imported {len(report.imported):,} items in {total:.0f} s "
              f"({len(report.imported) / total:.0f} items/s overall, parsing the feed included)")
        first = None
        prev_t, prev_n = None, 0
        for k in range(1, 11):
            target = k * step
            hit = next(((t, n) for t, n in samples if n >= target), None)
            if hit is None:
                break
            if prev_t is None:  # from the first stored article: the feed's parsing is not a rate
                start = next(((t, n) for t, n in samples if n > 0), hit)
                prev_t, prev_n = start
            t, n = hit
            rate = (n - prev_n) / (t - prev_t) if t > prev_t else float("nan")
            first = first or rate
            print(f"  articles {prev_n + 1:>7,}–{n:<7,}: {rate:6.0f} items/s  ({rate / first:.2f}× the first tenth)")
            prev_t, prev_n = t, n
        return 0
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
