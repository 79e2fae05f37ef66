"""Import throughput: .txt and .html files, end to end through `import_sources`.

    .venv/bin/python benchmarks/import_bench.py            # 1,000 files of each kind
    .venv/bin/python benchmarks/import_bench.py --n 300

Generates N news-like articles deterministically (the search benchmark's corpus: ~600
words, Zipfian vocabulary), writes them as pasted-style .txt files and as saved .html pages
(nav, share bar, related links, footer around the article), imports each set into a fresh
library, and reports articles/s with the share of time spent in extraction (reading,
decoding, cleaning / trafilatura), storage, and waiting for the index (indexing runs in a
second process beside the other two; what is left is the hand-over and the final commit). Baselines measured in the same
run on the same documents: raw Whoosh indexing (a plain writer, no Clipper) and trafilatura
alone on the HTML pages.
"""
from __future__ import annotations

import argparse
import html
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from search_bench import make_corpus, raw_whoosh  # noqa: E402

from clipper import importing  # noqa: E402
from clipper.jobs import run_job  # noqa: E402
from clipper.library import Library  # noqa: E402

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} | {outlet}</title>
<meta property="og:site_name" content="{outlet}"><meta name="description" content="{dek}">
<meta property="article:published_time" content="{published}"><link rel="canonical" href="{url}"></head>
<body><nav><ul><li><a href="/">Home</a></li><li><a href="/world">World</a></li><li><a href="/business">Business</a></li></ul></nav>
<div class="share">Share on Facebook · Share on X · Email</div>
<article><h1>{title}</h1><p class="byline">By {author}</p><p class="dek">{dek}</p>{body}</article>
<aside><h3>Related</h3><ul><li><a href="/a">Other story one</a></li><li><a href="/b">Other story two</a></li></ul></aside>
<footer>© {outlet}. All rights reserved. <a href="/privacy">Privacy</a></footer></body></html>"""


def paragraphs(text: str, per: int = 5) -> list[str]:
    sentences = text.split(". ")
    return [". ".join(sentences[i:i + per]).rstrip(".") + "." for i in range(0, len(sentences), per)]


def write_files(articles, folder: Path, kind: str) -> None:
    folder.mkdir(parents=True)
    for d in articles:
        paras = paragraphs(d.text)
        if kind == "txt":
            body = "\n\n".join([d.title, "Sign up now: Get our newsletters delivered to your inbox", d.dek, *paras])
            (folder / f"{d.id:05d}.txt").write_text(body + " REUTERS\n", encoding="utf-8")
        else:
            page = PAGE.format(title=html.escape(d.title), outlet=html.escape(d.outlet), dek=html.escape(d.dek),
                               published=d.published[:10], url=d.url, author=html.escape(d.author),
                               body="".join(f"<p>{html.escape(p)}</p>" for p in paras))
            (folder / f"{d.id:05d}.html").write_text(page, encoding="utf-8")


def import_folder(folder: Path, lib_dir: Path) -> tuple[float, float, float, int]:
    """(total seconds, seconds in extraction, seconds waiting for the index, articles imported).

    Indexing runs in a second process beside the storing (clipper.index.background); what
    the import still waits for is the time spent in the library's index calls: handing
    documents over, waiting when the indexer falls behind, and its final commit."""
    spent = {"extract": 0.0, "index": 0.0}
    patches = []

    def timed(owner, name, key):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            t = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                spent[key] += time.perf_counter() - t

        setattr(owner, name, wrapper)
        patches.append((owner, name, original))

    timed(importing, "_load_items", "extract")
    timed(Library, "flush_index", "index")
    timed(Library, "_finish_background", "index")
    try:
        lib = Library.open(lib_dir)
        t = time.perf_counter()
        report = run_job(importing.import_sources(lib, [str(folder)]))
        total = time.perf_counter() - t
        assert lib.search("iran").total > 0 and not lib.dirty_marker.exists()
        lib.close()
    finally:
        for owner, name, original in reversed(patches):
            setattr(owner, name, original)
    if report.failed:
        print(f"  {len(report.failed)} failed, e.g. {report.failed[0]['error']}")
    return total, spent["extract"], spent["index"], len(report.imported)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000)
    args = ap.parse_args(argv)
    articles, _passages, _vocab = make_corpus(args.n, seed=11)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t = raw_whoosh(tmp / "raw-whoosh", articles)
        raw_rate = len(articles) / t
        rows = []
        for kind in ("txt", "html"):
            write_files(articles, tmp / kind, kind)
            total, extract, index, n = import_folder(tmp / kind, tmp / f"lib-{kind}")
            rows.append((kind, n, total, extract, index))
        import trafilatura

        pages = sorted((tmp / "html").iterdir())[:200]
        t = time.perf_counter()
        for p in pages:
            trafilatura.extract(p.read_text(encoding="utf-8"))
        trafilatura_rate = len(pages) / (time.perf_counter() - t)

    print(f"\nImport throughput, {args.n} files per kind (2 cores)\n")
    print("| source | imported | articles/s | extraction | storage | waiting for the index | vs raw Whoosh indexing |")
    print("|---|---|---|---|---|---|---|")
    for kind, n, total, extract, index in rows:
        rate = n / total
        store = total - extract - index
        print(f"| .{kind} | {n} | {rate:.0f} | {extract / total:.0%} | {store / total:.0%} | "
              f"{index / total:.0%} | {rate / raw_rate:.2f}× ({raw_rate:.0f}/s) |")
    print("\n(shares of the import's wall time; indexing itself runs in a second process beside "
          "extraction and storage — the last column is what the import still waits for)")
    print(f"\ntrafilatura alone on the same pages: {trafilatura_rate:.0f} pages/s "
          f"(.html import runs at {rows[1][1] / rows[1][2] / trafilatura_rate:.2f}× of that)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
