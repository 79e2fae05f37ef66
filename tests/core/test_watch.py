"""Watched articles (issue 17's optional watch): ``clipper watch`` marks them and sets the
library's interval, ``clipper refresh --watched`` refreshes those that are due (what the
app does on a timer while it is open). Pages are made up and served from 127.0.0.1."""
from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from clipper_testkit import LocalServer

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{title}"></head><body><article><h1>{title}</h1>
<p>The rail operator said on Wednesday that the branch line to Kelby would reopen {when}, after engineers finished shoring up the embankment that slipped in the autumn storms.</p>
<p>Passengers have travelled by replacement bus since October, adding forty minutes to the journey into town.</p>
</article></body></html>"""


def serve(server, state):
    def route(h):
        etag = f'"{state["etag"]}"'
        if h.headers.get("If-None-Match") == etag:
            h.send_not_modified(etag)
            return
        h.send_plain(200, PAGE.format(**state["page"]).encode(), "text/html; charset=utf-8", {"ETag": etag})

    server.routes["/kelby"] = route


def test_watch_cli_marks_lists_and_sets_the_interval(cli_json, run_cli, write):
    note = cli_json("import", write("n.txt", "Bus fares\n\nBus fares rise by ten pence in April.\n"))["imported"][0]["id"]
    state = {"etag": "1", "page": {"title": "Kelby line to reopen in May", "when": "in May"}}
    with LocalServer() as server:
        serve(server, state)
        aid = cli_json("import", server.url("/kelby"))["imported"][0]["id"]
    out = cli_json("watch")
    assert (out["every"], out["every_text"], out["watched"]) == (6 * 3600, "6h", [])
    out = cli_json("watch", str(aid))
    assert out["changed"] == [aid] and [r["id"] for r in out["watched"]] == [aid]
    row = out["watched"][0]
    assert row["url"].endswith("/kelby") and row["versions"] == 1
    assert row["last_checked"] is not None and row["due"] is False  # the import fetched it just now
    assert cli_json("watch", str(aid))["changed"] == []  # already watched
    assert next(r for r in cli_json("list")["articles"] if r["id"] == aid)["watched"] is True
    assert next(r for r in cli_json("list")["articles"] if r["id"] == note)["watched"] is False
    # bad input changes nothing: an article without a web address, an unknown id, a bad interval
    for args, words in ((("watch", str(note)), "no http(s) URL"), (("watch", "999", "--every", "2h"), "999"),
                        (("watch", "--every", "soon"), "interval"), (("watch", "--every", "10s"), "minute"),
                        (("watch", "--off"), "--off")):
        code, _, err = run_cli(*args)
        assert code == 1 and err.startswith("clipper: error:") and words in err and err.count("\n") == 1, (args, err)
    assert cli_json("watch", "--list")["every"] == 6 * 3600
    assert [r["id"] for r in cli_json("watch", "--list")["watched"]] == [aid]
    out = cli_json("watch", "--every", "2h")
    assert (out["every"], out["every_text"]) == (7200, "2h")
    code, text, _ = run_cli("watch", "--list")
    assert code == 0 and "1 watched, checked every 2h" in text and "Kelby line" in text
    assert cli_json("watch", str(aid), "--off")["watched"] == []
    assert cli_json("watch", "--every", "1h30m")["every"] == 5400


def test_refresh_watched_checks_only_the_due_articles(cli_json, run_cli, lib_dir):
    from clipper import watch
    from clipper.library import Library

    state = {"etag": "1", "page": {"title": "Kelby line to reopen in May", "when": "in May"}}
    with LocalServer() as server:
        serve(server, state)
        server.routes["/other"] = lambda h: h.send_plain(200, PAGE.format(title="Other line", when="soon").encode(),
                                                         "text/html; charset=utf-8")
        aid = cli_json("import", server.url("/kelby"))["imported"][0]["id"]
        other = cli_json("import", server.url("/other"))["imported"][0]["id"]
        cli_json("watch", str(aid))
        # just fetched: nothing is due, nothing is requested
        seen = len(server.headers_seen)
        out = cli_json("refresh", "--watched", "--delay", "0")
        assert (out["changed"], out["unchanged"], out["failed"]) == ([], [], [])
        assert len(server.headers_seen) == seen
        code, text, _ = run_cli("refresh", "--watched", "--delay", "0")
        assert code == 0 and "no watched article is due (next check " in text
        # seven hours later (6h interval) it is due; the page changed meanwhile
        lib = Library.open(lib_dir)
        try:
            later = datetime.now(timezone.utc) + timedelta(hours=7)
            assert watch.due(lib, now=later) == [aid]
            assert watch.due(lib) == []
            assert watch.next_check(lib) is not None
        finally:
            lib.close()
        state.update(etag="2", page={"title": "Kelby line reopening delayed to July", "when": "in July"})
        conn_time = (datetime.now(timezone.utc) - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        import sqlite3

        conn = sqlite3.connect(lib_dir / "library.db")  # as if the import had been seven hours ago
        conn.execute("UPDATE captures SET captured_at = ? WHERE article_id = ?", [conn_time, aid])
        conn.commit()
        conn.close()
        code, text, _ = run_cli("refresh", "--watched", "--delay", "0", "--json")
        out = json.loads(text)
        assert code == 0 and out["changed"] == [aid] and other not in out["unchanged"] + out["changed"]
    row = next(r for r in cli_json("list")["articles"] if r["id"] == aid)
    assert row["versions"] == 2 and row["headline_changed"] is True and row["watched"] is True
    listed = cli_json("watch")["watched"][0]
    assert listed["versions"] == 2 and listed["due"] is False


def test_a_watched_page_that_fails_is_not_retried_until_due_again(cli_json, run_cli, lib_dir):
    import sqlite3

    with LocalServer() as server:
        server.routes["/kelby"] = lambda h: h.send_plain(
            200, PAGE.format(title="Kelby line to reopen in May", when="in May").encode(), "text/html; charset=utf-8")
        aid = cli_json("import", server.url("/kelby"))["imported"][0]["id"]
        cli_json("watch", str(aid))
        long_ago = (datetime.now(timezone.utc) - timedelta(hours=7)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        conn = sqlite3.connect(lib_dir / "library.db")
        conn.execute("UPDATE captures SET captured_at = ? WHERE article_id = ?", [long_ago, aid])
        conn.commit()
        conn.close()
        assert cli_json("watch")["watched"][0]["due"] is True
        del server.routes["/kelby"]  # the page is gone: 404
        code, out, _ = run_cli("refresh", "--watched", "--delay", "0", "--json")
        assert code == 1 and [f["id"] for f in json.loads(out)["failed"]] == [aid]
        requests = len(server.headers_seen)
        # the failed attempt counts as a check: the next run does not hit the server again
        out = cli_json("refresh", "--watched", "--delay", "0")
        assert (out["failed"], out["changed"], out["unchanged"]) == ([], [], [])
        assert len(server.headers_seen) == requests
    row = cli_json("watch")["watched"][0]
    assert row["due"] is False and row["last_checked"] > long_ago[:19]
