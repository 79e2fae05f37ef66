"""Search index benchmark: Clipper's Whoosh index against an SQLite FTS5 baseline.

    .venv/bin/python benchmarks/search_bench.py --n 10000

Builds a deterministic news-like corpus (~600 words per article, Zipfian vocabulary,
titles, outlets, agencies, dates, tags, three passages each), indexes it with
``SearchIndex.rebuild``, with a plain single-process Whoosh writer, and with FTS5 (porter
tokenizer), then times queries of several kinds and prints a markdown table where every
figure is also given as a ratio to FTS5 on the same corpus in the same run.
"""
from __future__ import annotations

import argparse
import bisect
import itertools
import os
import pickle
import random
import resource
import shutil
import sqlite3
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from clipper.index import SearchIndex  # noqa: E402
from clipper.index.documents import ArticleDoc, PassageDoc  # noqa: E402
from clipper.jobs import run_job  # noqa: E402

WORDS_PER_ARTICLE = 600
VOCAB = 30000
CACHE = Path(tempfile.gettempdir()) / "clipper-search-bench"

OUTLETS = [f"Outlet {c}" for c in "ABCDEFGHIJKLMNOPQRST"]
AGENCIES = ["Reuters", "AP", "AFP", "DPA", ""]
TAGS = [f"topic{i}" for i in range(40)] + ["proxy groups", "missiles", "sanctions"]
SITES = ["www.reuters.com", "apnews.com", "www.bbc.co.uk", "news.example.org"]
REAL = ["iran", "missiles", "sanctions", "mayor", "city", "election", "ministry", "talks",
        "drones", "border", "energy", "market", "court", "protest", "ceasefire"]


def _vocabulary(rng: random.Random) -> list[str]:
    letters = "abcdefghijklmnoprstuvwy"
    words = list(REAL)
    seen = set(words)
    while len(words) < VOCAB:
        w = "".join(rng.choice(letters) for _ in range(rng.randint(3, 10)))
        if w not in seen:
            seen.add(w)
            words.append(w)
    return words


def make_corpus(n: int, seed: int = 7):
    CACHE.mkdir(exist_ok=True)
    cached = CACHE / f"corpus-{n}-{seed}.pickle"
    if cached.exists():
        return pickle.loads(cached.read_bytes())  # noqa: S301 - the benchmark's own cache
    rng = random.Random(seed)
    vocab = _vocabulary(rng)
    cum = list(itertools.accumulate(1.0 / (r + 1) ** 1.05 for r in range(len(vocab))))
    top = cum[-1]

    def words(k):
        return [vocab[bisect.bisect(cum, rng.random() * top)] for _ in range(k)]

    start = datetime(2024, 1, 1)
    articles, passages = [], []
    pid = 0
    for i in range(1, n + 1):
        body_words = words(WORDS_PER_ARTICLE)
        sentences = []
        for j in range(0, len(body_words), 15):
            s = " ".join(body_words[j:j + 15])
            sentences.append(s[:1].upper() + s[1:] + ".")
        body = " ".join(sentences)
        pub = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 800))
        tags = rng.sample(TAGS, rng.randint(0, 3))
        quotes = []
        for _ in range(3):
            pid += 1
            k = rng.randrange(0, WORDS_PER_ARTICLE - 20)
            quote = " ".join(body_words[k:k + 20])
            quotes.append(quote)
            passages.append(PassageDoc(
                id=pid, article_id=i, quote=quote, tags=tags[:1],
                note=" ".join(words(8)) if rng.random() < 0.3 else "",
                article_title="", published=pub.isoformat(), stamp=f"p{pid}",
            ))
        title = " ".join(words(8)).capitalize()
        for p in passages[-3:]:
            p.article_title = title
        articles.append(ArticleDoc(
            id=i, title=title, text=body, dek=" ".join(words(20)),
            outlet=rng.choice(OUTLETS), agency=rng.choice(AGENCIES),
            author=f"{rng.choice(vocab).title()} {rng.choice(vocab).title()}",
            url=f"https://{rng.choice(SITES)}/{i}", language="en",
            published=pub.isoformat(), imported_at=(pub + timedelta(hours=3)).isoformat(),
            tags=tags, quotes=quotes, notes=[], passage_count=3, stamp=f"a{i}",
        ))
    corpus = (articles, passages, vocab)
    cached.write_bytes(pickle.dumps(corpus, protocol=pickle.HIGHEST_PROTOCOL))
    return corpus


def dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def pct(values, p):
    values = sorted(values)
    k = max(0, min(len(values) - 1, round(p / 100 * (len(values) - 1))))
    return values[k]


def build_fts(db_path: Path, articles) -> float:
    conn = sqlite3.connect(db_path)
    conn.execute("CREATE VIRTUAL TABLE a USING fts5(title, body, published UNINDEXED, "
                 "tokenize='porter unicode61')")
    t = time.perf_counter()
    with conn:
        conn.executemany(
            "INSERT INTO a(rowid, title, body, published) VALUES (?,?,?,?)",
            ((d.id, d.title, f"{d.dek}\n\n{d.text}", d.published) for d in articles),
        )
    elapsed = time.perf_counter() - t
    conn.close()
    return elapsed


def raw_whoosh(path: Path, articles) -> float:
    from whoosh import fields, index
    from whoosh.analysis import StemmingAnalyzer

    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(analyzer=StemmingAnalyzer(stoplist=None), stored=True),
        text=fields.TEXT(analyzer=StemmingAnalyzer(stoplist=None), stored=True),
    )
    path.mkdir()
    ix = index.create_in(str(path), schema)
    t = time.perf_counter()
    w = ix.writer(limitmb=128)
    for d in articles:
        w.add_document(id=str(d.id), title=d.title, text=f"{d.dek}\n\n{d.text}")
    w.commit()
    elapsed = time.perf_counter() - t
    ix.close()
    return elapsed


def query_sets(articles, vocab, rng, k):
    mid = vocab[30:3000]
    docs = rng.sample(articles, k)
    sets = {"single word": [], "AND": [], "phrase": [], "prefix": [], "field + date": []}
    for d in docs:
        w1, w2 = rng.sample(mid, 2)
        words = d.text.lower().replace(".", "").split()
        j = rng.randrange(0, len(words) - 2)
        y = rng.choice([2024, 2025])
        m = rng.randint(1, 6)
        sets["single word"].append((w1, w1))
        sets["AND"].append((f"{w1} {w2}", f"{w1} AND {w2}"))
        sets["phrase"].append((f'"{words[j]} {words[j + 1]}"', f'"{words[j]} {words[j + 1]}"'))
        pre = rng.choice(vocab[50:2000])[:3]
        sets["prefix"].append((f"{pre}*", f"{pre}*"))
        lo, hi = f"{y}-{m:02d}-01", f"{y}-{m + 6:02d}-01"
        tw = rng.choice(d.title.lower().split())
        sets["field + date"].append(
            (f"title:{tw} published:[{lo} TO {hi}]",
             (f"title:{tw}", lo, hi)))
    return sets


def build_fts_meta(db_path: Path, articles) -> None:
    """What FTS5 needs to count facets like Clipper: outlet, agency, month and tags per
    article, indexed for the joins."""
    conn = sqlite3.connect(db_path)
    with conn:
        conn.execute("CREATE TABLE meta(id INTEGER PRIMARY KEY, outlet TEXT, agency TEXT, "
                     "month TEXT)")
        conn.execute("CREATE TABLE tags(id INTEGER, tag TEXT)")
        conn.executemany("INSERT INTO meta VALUES (?,?,?,?)",
                         ((d.id, d.outlet, d.agency or None, (d.published or "")[:7] or None)
                          for d in articles))
        conn.executemany("INSERT INTO tags VALUES (?,?)",
                         ((d.id, t) for d in articles for t in d.tags))
        conn.execute("CREATE INDEX tags_id ON tags(id)")
    conn.close()


def time_fts_facets(conn, word):
    """The FTS5 side of a search with facets: the top 20 with snippets, the total, and
    counts by tag, outlet, agency and month over every match."""
    t = time.perf_counter()
    conn.execute("SELECT rowid, snippet(a, 1, '<b>', '</b>', '…', 30) FROM a WHERE a MATCH ? "
                 "ORDER BY rank LIMIT 20", (word,)).fetchall()
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS hits(id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM hits")
    conn.execute("INSERT INTO hits SELECT rowid FROM a WHERE a MATCH ?", (word,))
    conn.execute("SELECT count(*) FROM hits").fetchone()
    for col in ("outlet", "agency", "month"):
        conn.execute(f"SELECT {col}, count(*) FROM meta JOIN hits USING (id) "
                     f"WHERE {col} IS NOT NULL GROUP BY {col} ORDER BY 2 DESC").fetchall()
    conn.execute("SELECT tag, count(*) FROM tags JOIN hits USING (id) GROUP BY tag "
                 "ORDER BY 2 DESC").fetchall()
    return time.perf_counter() - t


def time_fts(conn, q, snippets):
    t = time.perf_counter()
    if isinstance(q, tuple):
        word, lo, hi = q
        sql = ("SELECT rowid{} FROM a WHERE a MATCH ? AND published >= ? AND published < ? "
               "ORDER BY rank LIMIT 20")
        args = (word, lo, hi)
    else:
        sql = "SELECT rowid{} FROM a WHERE a MATCH ? ORDER BY rank LIMIT 20"
        args = (q,)
    snip = ", snippet(a, 1, '<b>', '</b>', '…', 30)" if snippets else ""
    rows = conn.execute(sql.format(snip), args).fetchall()
    total = conn.execute(sql.replace(" ORDER BY rank LIMIT 20", "")
                         .replace("SELECT rowid{}", "SELECT count(*)"), args).fetchone()[0]
    return time.perf_counter() - t, len(rows), total


def hostile_queries(articles, vocab) -> dict[str, str]:
    """The four forms of issue 14 (item 9) on this corpus: fuzzy words with a distance of
    9 (a vocabulary word, which has neighbours), 110 infix wildcards, and a 99-word phrase
    of the most common words with a slop of 1,000,000."""
    word, other = vocab[26], vocab[29]
    pairs = [a + b for a in "aeiou" for b in "nrstl"]
    return {
        "word~9": f"{word}~9",
        "word~9 word~9": f"{word}~9 {other}~9",
        "110 infix wildcards": " OR ".join(f"*{p}*" for p in (pairs * 5)[:110]),
        '99-word phrase ~1000000': '"' + " ".join((vocab[:12] * 9)[:99]) + '"~1000000',
    }


def time_hostile(ix, articles, vocab, unbounded: bool) -> list[tuple[str, float, str]]:
    """Times of the hostile queries with the cost bounds (and, with ``unbounded``, without
    them: every cap lifted, as before item 9; this can take many minutes), with a plain
    word of the same run as the reference."""
    from clipper.errors import QueryError
    from clipper.index import budget, query

    def run(q):
        t0 = time.perf_counter()
        try:
            out = f"{ix.search(q, limit=20).total} hits"
        except QueryError as exc:
            out = "too broad" if str(exc).startswith("the query is too broad") else str(exc)
        return time.perf_counter() - t0, out

    ix.search(vocab[0])
    rows = [("plain word", *run(vocab[3]))]
    qs = hostile_queries(articles, vocab)
    for label, q in qs.items():
        rows.append((label, *run(q)))
    if unbounded:
        saved = (query.MAX_FUZZY_DISTANCE, query.MAX_SLOP, ix.time_budget, ix.max_expanded_words)
        query.MAX_FUZZY_DISTANCE, query.MAX_SLOP = 9, 10**9
        ix.time_budget = ix.max_expanded_words = None
        try:
            for label, q in qs.items():
                rows.append((label + " (unbounded)", *run(q)))
        finally:
            (query.MAX_FUZZY_DISTANCE, query.MAX_SLOP, ix.time_budget,
             ix.max_expanded_words) = saved
    print(f"\n### Hostile queries (time budget {budget.TIME_BUDGET:g} s, "
          f"{budget.MAX_EXPANDED_WORDS:,} expanded words)\n")
    print("| query | time | ratio to a plain word | answer |")
    print("|---|---|---|---|")
    base = rows[0][1]
    for label, dt, out in rows:
        print(f"| {label} | {dt:.2f} s | {dt / max(base, 1e-6):.0f}× | {out} |")
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10000, help="number of articles")
    ap.add_argument("--queries", type=int, default=40, help="queries per kind")
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--skip-raw", action="store_true", help="skip the plain-writer run")
    ap.add_argument("--stored-text", action="store_true",
                    help="store article texts in the index instead of reading them from "
                         "SQLite for snippets (the library reads them from SQLite)")
    ap.add_argument("--hostile", action="store_true",
                    help="only time the hostile queries (issue 14, item 9) on the index")
    ap.add_argument("--unbounded", action="store_true",
                    help="with --hostile: also without the cost bounds (minutes)")
    ap.add_argument("--keep", type=Path, default=None,
                    help="build the Clipper index in this folder and keep it; reuse it "
                         "(no rebuild) when it is already there")
    args = ap.parse_args(argv)

    t = time.perf_counter()
    articles, passages, vocab = make_corpus(args.n)
    print(f"corpus: {len(articles)} articles, {len(passages)} passages "
          f"({time.perf_counter() - t:.1f} s to load/generate)", flush=True)
    work = Path(tempfile.mkdtemp(prefix="clipper-bench-"))
    rows = []
    try:
        fts_db = work / "fts.db"
        fts_build = build_fts(fts_db, articles)
        build_fts_meta(fts_db, articles)
        print(f"fts5 build {fts_build:.1f} s", flush=True)
        loader = None
        if not args.stored_text:
            # Like the library: snippet texts come from SQLite (a plain table here).
            tconn = sqlite3.connect(fts_db)
            with tconn:
                tconn.execute("CREATE TABLE texts(id INTEGER PRIMARY KEY, text TEXT)")
                tconn.executemany("INSERT INTO texts VALUES (?, ?)",
                                  ((d.id, f"{d.dek}\n\n{d.text}") for d in articles))

            def loader(ids):
                marks = ",".join("?" * len(ids))
                return dict(tconn.execute(
                    f"SELECT id, text FROM texts WHERE id IN ({marks})", ids))

        ix_path = args.keep if args.keep is not None else work / "index"
        reuse = args.keep is not None and (ix_path / "clipper-index.json").exists()
        ix = SearchIndex(ix_path, procs=args.procs, text_loader=loader)
        t = time.perf_counter()
        if not (reuse and not ix.needs_rebuild):
            run_job(ix.rebuild(iter(articles), iter(passages), total=len(articles)))
        clip_build = time.perf_counter() - t
        print(f"clipper rebuild {clip_build:.1f} s" + (" (reused)" if reuse else ""),
              flush=True)
        t = time.perf_counter()
        ix.close()
        ix = SearchIndex(ix_path, text_loader=loader)
        ix.search("iran")
        open_first = time.perf_counter() - t
        if args.hostile:
            time_hostile(ix, articles, vocab, args.unbounded)
            ix.close()
            return 0

        raw_build = None
        if not args.skip_raw:
            raw_build = raw_whoosh(work / "raw", articles)
            print(f"raw whoosh (articles only, 1 process) {raw_build:.1f} s", flush=True)

        conn = sqlite3.connect(fts_db)
        rng = random.Random(11)
        sets = query_sets(articles, vocab, rng, args.queries)
        for kind, qs in sets.items():
            for snippets in (False, True):
                # Each pass starts from a freshly opened index: nothing read by an earlier
                # pass (the same queries) is still cached, as after starting the app.
                ix.close()
                ix = SearchIndex(ix_path, text_loader=loader)
                ct, ft = [], []
                for cq, fq in qs:
                    t0 = time.perf_counter()
                    ix.search(cq, limit=20, snippets=snippets)
                    ct.append(time.perf_counter() - t0)
                    ft.append(time_fts(conn, fq, snippets)[0])
                label = kind + (" + snippets" if snippets else "")
                rows.append((label, ct, ft))

        # Facets over broad queries (every article matches), from a freshly opened
        # index: the first one reads the facet columns.
        ix.close()
        ix = SearchIndex(ix_path, text_loader=loader)
        ct, ft = [], []
        for w in vocab[:args.queries]:
            t0 = time.perf_counter()
            ix.search(w, limit=20, snippets=True, facets=True)
            ct.append(time.perf_counter() - t0)
            ft.append(time_fts_facets(conn, w))
        rows.append(("common word + snippets + facets", ct, ft))

        # One new article, searchable.
        ct, ft = [], []
        base = articles[0]
        for i in range(30):
            new_id = 10_000_000 + i
            word = f"zqx{i}unique"
            doc = ArticleDoc(id=new_id, title=f"New {word}", text=base.text, stamp="n")
            t0 = time.perf_counter()
            ix.update(articles=[doc])
            assert ix.search(word).total == 1
            ct.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            with conn:
                conn.execute("INSERT INTO a(rowid, title, body, published) VALUES (?,?,?,?)",
                             (new_id, doc.title, doc.text, None))
            conn.execute("SELECT rowid FROM a WHERE a MATCH ?", (word,)).fetchall()
            ft.append(time.perf_counter() - t0)
        rows.append(("add 1 article + visible", ct, ft))
        conn.close()
        ix.close()

        ix_size = dir_size(ix_path)
        fts_size = fts_db.stat().st_size
        maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        n = len(articles)

        print()
        print(f"### Search benchmark, {n} articles ({len(passages)} passages), "
              f"{os.cpu_count()} CPUs, procs={args.procs}")
        print()
        print("| measure | Clipper (Whoosh) p50 / p95 | SQLite FTS5 p50 / p95 | ratio p50 / p95 |")
        print("|---|---|---|---|")
        for label, ct, ft in rows:
            c50, c95, f50, f95 = (pct(ct, 50) * 1000, pct(ct, 95) * 1000,
                                  pct(ft, 50) * 1000, pct(ft, 95) * 1000)
            print(f"| {label} | {c50:.1f} / {c95:.1f} ms | {f50:.2f} / {f95:.2f} ms | "
                  f"{c50 / max(f50, 1e-6):.1f}× / {c95 / max(f95, 1e-6):.1f}× |")
        print()
        print("| measure | Clipper | FTS5 | ratio |")
        print("|---|---|---|---|")
        print(f"| bulk index (rebuild: articles + passages) | {clip_build:.1f} s "
              f"{'(reused index) ' if reuse else ''}"
              f"({n / clip_build:.0f} articles/s) | {fts_build:.1f} s "
              f"({n / fts_build:.0f}/s) | {clip_build / fts_build:.1f}× |")
        if raw_build is not None:
            print(f"| plain Whoosh writer, articles only, 1 process | {raw_build:.1f} s "
                  f"({n / raw_build:.0f}/s) | | rebuild / plain = "
                  f"{clip_build / raw_build:.2f}× |")
        print(f"| open index + first query | {open_first * 1000:.0f} ms | | |")
        print(f"| snippet texts from | {'the index (stored)' if loader is None else 'SQLite'}"
              " | | |")
        print(f"| index size | {ix_size / 1e6:.0f} MB | {fts_size / 1e6:.0f} MB | "
              f"{ix_size / fts_size:.1f}× |")
        print(f"| peak memory (ru_maxrss, whole process incl. corpus) | "
              f"{maxrss_mb:.0f} MB | | |")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
