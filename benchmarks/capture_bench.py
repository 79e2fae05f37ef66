"""Captures and versions: what keeping the originals costs.

    .venv/bin/python benchmarks/capture_bench.py                 # defaults below
    .venv/bin/python benchmarks/capture_bench.py --import-n 500 --blob-n 50000 --refresh-n 1000

1. Disk: the compressed blobs of ``--blob-n`` distinct saved pages (the import benchmark's
   .html pages, ~600 words each) written through the capture store, measured as the bytes
   of the blob files and as the space they take on disk (``st_blocks``), per article; plus
   the database rows (captures + article_versions) per article, measured on a real import.
2. Import throughput: the same .txt and .html folders imported into fresh libraries with
   captures on (today's code) and off (the originals neither attached nor stored, no
   version rows: the code before captures), alternating, best of ``--rounds``.
3. Refresh: ``--refresh-n`` URL articles served by a loopback server, refreshed with
   nothing changed: once answered 304 (the ETag sent back) and once answered 200 with
   the same page (the text compared, no version made).
"""
from __future__ import annotations

import argparse
import html
import sqlite3
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from import_bench import PAGE, paragraphs, write_files  # noqa: E402
from search_bench import make_corpus  # noqa: E402

from clipper import captures, importers, importing, versions  # noqa: E402
from clipper.jobs import run_job  # noqa: E402
from clipper.library import Library  # noqa: E402


def page_bytes(d) -> bytes:
    paras = paragraphs(d.text)
    return PAGE.format(title=html.escape(d.title), outlet=html.escape(d.outlet), dek=html.escape(d.dek),
                       published=d.published[:10], url=d.url, author=html.escape(d.author),
                       body="".join(f"<p>{html.escape(p)}</p>" for p in paras)).encode("utf-8")


def disk_cost(n: int, tmp: Path) -> dict:
    corpus = make_corpus(min(n, 5000), seed=11)[0]
    folder = tmp / "blobs"
    raw = stored = blocks = 0
    t = time.perf_counter()
    for i in range(n):
        d = corpus[i % len(corpus)]
        data = page_bytes(d) + f"<!-- copy {i} -->".encode()  # every page distinct, as in a real library
        sha, kind, size = captures.put_blob(folder, data)
        raw += len(data)
        stored += size
    seconds = time.perf_counter() - t
    for path in (folder / captures.CAPTURE_DIR).rglob("*"):
        if path.is_file():
            blocks += path.stat().st_blocks * 512
    return {"pages": n, "raw_bytes_per_page": raw / n, "blob_bytes_per_page": stored / n,
            "disk_bytes_per_page": blocks / n, "ratio": stored / raw, "total_disk_mb": blocks / 1e6,
            "write_s_per_1000": seconds / n * 1000}


class _Off:
    """Captures off: importers attach no original, the library stores none, no version rows."""

    def __enter__(self):
        self.keep, self.start = importers._keep, versions.start
        importers._keep = lambda items, *a, **k: items
        versions.start = lambda *a, **k: 1
        return self

    def __exit__(self, *exc):
        importers._keep, versions.start = self.keep, self.start


def import_rate(folder: Path, lib_dir: Path) -> tuple[float, int]:
    lib = Library.open(lib_dir)
    t = time.perf_counter()
    report = run_job(importing.import_sources(lib, [str(folder)]))
    seconds = time.perf_counter() - t
    lib.close()
    return len(report.imported) / seconds, len(report.imported)


def db_rows_per_article(lib_dir: Path) -> float:
    conn = sqlite3.connect(lib_dir / "library.db")
    try:
        n = conn.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
        try:
            size = conn.execute("SELECT SUM(pgsize) FROM dbstat WHERE name IN "
                                "('captures', 'article_versions', 'captures_article', 'captures_sha', "
                                "'sqlite_autoindex_article_versions_1')").fetchone()[0]
        except sqlite3.Error:  # no dbstat in this SQLite build
            return float("nan")
        return (size or 0) / max(n, 1)
    finally:
        conn.close()


def throughput(n: int, rounds: int, tmp: Path) -> dict:
    corpus = make_corpus(n, seed=11)[0]
    out = {}
    for kind in ("txt", "html"):
        folder = tmp / f"src-{kind}"
        write_files(corpus, folder, kind)
        best = {"on": 0.0, "off": 0.0}
        for r in range(rounds):
            for mode in ("off", "on") if r % 2 == 0 else ("on", "off"):
                lib_dir = tmp / f"lib-{kind}-{mode}-{r}"
                if mode == "off":
                    with _Off():
                        rate, count = import_rate(folder, lib_dir)
                else:
                    rate, count = import_rate(folder, lib_dir)
                    if kind == "html" and r == 0:
                        out["db_bytes_per_article"] = db_rows_per_article(lib_dir)
                assert count == n, (kind, mode, count)
                best[mode] = max(best[mode], rate)
        out[kind] = {"with_captures": best["on"], "without": best["off"],
                     "slower_pct": 100 * (1 - best["on"] / best["off"])}
    return out


def refresh_cost(n: int, tmp: Path) -> dict:
    corpus = make_corpus(min(n, 5000), seed=11)[0]
    pages = {f"/a/{i}": page_bytes(corpus[i % len(corpus)]) + f"<!-- {i} -->".encode() for i in range(n)}
    mode = {"304": True}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self):  # noqa: N802
            body = pages.get(self.path)
            if body is None:
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            etag = f'"{hash(body) & 0xffffffff:x}"'
            if mode["304"] and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("ETag", etag)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        host, port = httpd.server_address[:2]
        urls = [f"http://{host}:{port}{p}" for p in pages]
        lib = Library.open(tmp / "lib-refresh")
        t = time.perf_counter()
        report = run_job(importing.import_sources(lib, urls))
        import_s = time.perf_counter() - t
        ids = [e["id"] for e in report.imported]
        assert len(ids) == n, report.failed[:3]
        from clipper.refresh import refresh

        result = {"urls": n, "import_s": import_s}
        for label, honour in (("304", True), ("200_same_text", False)):
            mode["304"] = honour
            t = time.perf_counter()
            r = run_job(refresh(lib, ids, delay=0.0, limit=None))
            seconds = time.perf_counter() - t
            assert len(r.unchanged) == n and not r.changed and not r.failed, (len(r.unchanged), r.failed[:3])
            result[label] = {"seconds": seconds, "per_url_ms": seconds / n * 1000}
        lib.close()
        return result
    finally:
        httpd.shutdown()
        httpd.server_close()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--blob-n", type=int, default=50_000)
    ap.add_argument("--import-n", type=int, default=1000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--refresh-n", type=int, default=1000)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="capture-bench-") as tmpname:
        tmp = Path(tmpname)
        disk = disk_cost(args.blob_n, tmp)
        print(f"disk: {disk['pages']} pages, {disk['raw_bytes_per_page']:.0f} B raw → {disk['blob_bytes_per_page']:.0f} B "
              f"compressed ({disk['ratio']:.1%}), {disk['disk_bytes_per_page']:.0f} B on disk per page "
              f"({disk['total_disk_mb']:.0f} MB in all); {disk['write_s_per_1000']:.2f} s per 1,000 blobs written")
        rates = throughput(args.import_n, args.rounds, tmp)
        print(f"database rows (captures + versions): {rates.pop('db_bytes_per_article', float('nan')):.0f} B per article")
        for kind, r in rates.items():
            print(f"import .{kind}: {r['with_captures']:.0f} articles/s with captures, {r['without']:.0f} without "
                  f"({r['slower_pct']:+.1f}% slower)")
        ref = refresh_cost(args.refresh_n, tmp)
        print(f"refresh of {ref['urls']} unchanged URLs (loopback, no delay): 304 answers {ref['304']['seconds']:.1f} s "
              f"({ref['304']['per_url_ms']:.1f} ms/URL); 200 with the same page {ref['200_same_text']['seconds']:.1f} s "
              f"({ref['200_same_text']['per_url_ms']:.1f} ms/URL)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
