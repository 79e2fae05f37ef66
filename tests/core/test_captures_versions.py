"""Captures (kept originals with provenance) and versions (issue 17).

The pages and feeds below are made up for these tests; URL captures come from a web
server on 127.0.0.1 (clipper_testkit.LocalServer).
"""
from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path


from clipper_testkit import LocalServer

PAGE_V1 = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Harbour board doubles mooring dues | Coast Gazette</title>
<meta property="og:title" content="Harbour board doubles mooring dues">
<meta name="description" content="Fishing crews say the rise will push boats to other ports.">
</head><body><header><nav>Home News Sport</nav></header>
<article><h1>Harbour board doubles mooring dues</h1>
<p>The harbour board voted on Tuesday to double the dues charged to moor a boat in the inner basin, the first rise in nine years.</p>
<p>Board chair Elin Maddox said the money would pay for dredging the channel, which has silted up since the storms of last winter.</p>
<p>Skipper Owen Pryce called the decision "a slap in the face for every crew that kept this town alive" and said several boats would move to Aberfal.</p>
<p>The new charges take effect in March and will be reviewed after a year, according to the minutes of the meeting.</p>
</article><footer>Copyright Coast Gazette</footer></body></html>"""

PAGE_V2 = PAGE_V1.replace("doubles mooring dues", "raises mooring dues by half").replace(
    "to double the dues", "to raise the dues by half").replace(
    '<p>Skipper Owen Pryce called the decision "a slap in the face for every crew that kept this town alive" and said several boats would move to Aberfal.</p>\n',
    "<p>Several skippers said they would consider moving their boats to Aberfal.</p>\n")

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Valley Post</title><link>https://valley.example/</link>
<item><title>Ferry timetable cut for winter</title><link>https://valley.example/ferry</link>
<guid>valley-ferry</guid>
<description>&lt;p&gt;The island ferry will sail twice a day instead of four times from November, the operator said on Friday, blaming a shortage of crew.&lt;/p&gt;</description></item>
<item><title>Library reopens after flood repairs</title><link>https://valley.example/library</link>
<guid>valley-library</guid>
<description>&lt;p&gt;The town library reopened on Saturday after six months of repairs to its flooded basement, with a new children's room upstairs.&lt;/p&gt;</description></item>
</channel></rss>"""

WALLABAG = json.dumps([
    {"id": 41, "url": "https://moor.example/sheep", "title": "Sheep return to the high moor",
     "content": "<p>Shepherds drove two thousand sheep back onto the high moor on Monday after the late snow melted.</p>"},
    {"id": 42, "url": "https://moor.example/bridge", "title": "Packhorse bridge to be restored",
     "content": "<p>The old packhorse bridge over the beck will be restored by volunteers this summer, the trust said.</p>"},
])


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blob_files(lib_dir: Path) -> list[Path]:
    return sorted(p for p in (lib_dir / "captures").rglob("*") if p.is_file())


# ------------------------------------------------------------------ captures per source

def test_file_capture_keeps_the_bytes_and_provenance(cli_json, write, lib_dir):
    raw = "Dune path closed\n\nThe council closed the dune path after the spring tides washed part of it away.\n".encode()
    path = write("dunes.txt", raw)
    aid = cli_json("import", path)["imported"][0]["id"]
    caps = cli_json("capture", str(aid))["captures"]
    assert len(caps) == 1
    c = caps[0]
    assert (c["origin"], c["kind"], c["source"], c["version"]) == ("file", "text", path, 1)
    assert c["sha256"] == sha(raw) and c["size"] == len(raw)
    assert c["captured_at"].endswith("Z") and c["clipper_version"] and c["extractor"]
    shown = cli_json("show", str(aid))
    assert c["text_hash"] == sha(shown["text"].encode())
    blob = lib_dir / c["blob"]
    assert blob.is_file() and blob.name.startswith(sha(raw)[2:])
    from clipper.captures import decompress

    assert decompress(blob.read_bytes(), c["stored"]) == raw


def test_url_capture_records_final_url_status_and_headers(cli_json, lib_dir):
    body = PAGE_V1.encode()
    with LocalServer() as server:
        server.body("/story", body, headers={"ETag": '"v1"', "Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT"})
        server.redirect("/s", "/story")
        aid = cli_json("import", server.url("/s"))["imported"][0]["id"]
        c = cli_json("capture", str(aid))["captures"][0]
        assert (c["origin"], c["kind"], c["status"]) == ("url", "html", 200)
        assert c["source"] == server.url("/s") and c["final_url"] == server.url("/story")
        assert (c["etag"], c["last_modified"]) == ('"v1"', "Tue, 01 Dec 2026 10:00:00 GMT")
        assert c["content_type"].startswith("text/html")
        assert c["sha256"] == sha(body)
        assert c["extractor"].startswith("trafilatura ")


def test_feed_entries_share_one_blob_with_entry_numbers(cli_json, write, lib_dir):
    path = write("valley.xml", FEED)
    got = cli_json("import", path)["imported"]
    assert len(got) == 2
    entries = []
    for item in got:
        c = cli_json("capture", str(item["id"]))["captures"][0]
        assert (c["origin"], c["kind"], c["sha256"]) == ("file", "feed", sha(FEED.encode()))
        entries.append(c["entry"])
    assert sorted(entries) == [1, 2]
    assert len(blob_files(lib_dir)) == 1


def test_export_rows_are_captured_with_their_row(cli_json, write, lib_dir):
    path = write("wallabag.json", WALLABAG)
    got = cli_json("import", path)["imported"]
    caps = {item["title"]: cli_json("capture", str(item["id"]))["captures"][0] for item in got}
    assert caps["Packhorse bridge to be restored"]["entry"] == 2
    assert caps["Sheep return to the high moor"]["kind"] == "wallabag"
    assert {c["sha256"] for c in caps.values()} == {sha(WALLABAG.encode())}


def test_same_bytes_twice_are_stored_once(cli_json, run_cli, write, lib_dir):
    raw = "Quarry blast heard for miles\n\nA controlled blast at the limestone quarry rattled windows across the valley on Thursday.\n"
    a = write("a/quarry.txt", raw)
    b = write("b/quarry.txt", raw)
    out = cli_json("import", a, b)
    assert len(out["imported"]) == 1 and len(out["duplicates"]) == 1
    assert len(blob_files(lib_dir)) == 1
    # the article deleted and the same bytes imported again: a new capture, the same blob
    first = out["imported"][0]["id"]
    assert run_cli("delete", str(first))[0] == 0
    again = cli_json("import", b)["imported"][0]["id"]
    assert cli_json("capture", str(again))["captures"][0]["sha256"] == sha(raw.encode())
    assert len(blob_files(lib_dir)) == 1
    # two exports holding the same bytes: one blob for all their articles
    path1, path2 = write("one/wallabag.json", WALLABAG), write("two/wallabag.json", WALLABAG)
    assert len(cli_json("import", path1)["imported"]) == 2
    assert len(cli_json("import", path2)["duplicates"]) == 2
    assert len(blob_files(lib_dir)) == 2


def test_fetch_full_entry_keeps_the_page_it_read(cli_json, write, lib_dir):
    with LocalServer() as server:
        server.body("/harbour", PAGE_V1.encode())
        csv = f"URL,Title,Selection,Folder,Timestamp\n{server.url('/harbour')},Harbour dues,,Unread,1700000000\n"
        path = write("instapaper.csv", csv)
        aid = cli_json("import", "--fetch-full", "--allow-private", path)["imported"][0]["id"]
        c = cli_json("capture", str(aid))["captures"][0]
        assert (c["origin"], c["sha256"]) == ("url", sha(PAGE_V1.encode()))


# ---------------------------------------------------------------------------- verify

def test_verify_catches_a_flipped_byte_and_a_changed_text(run_cli, cli_json, write, lib_dir):
    path = write("gulls.txt", "Gulls banned from bins\n\nThe council will fit gull-proof lids to every street bin in the old town.\n")
    aid = cli_json("import", path)["imported"][0]["id"]
    out = cli_json("verify")
    assert (out["checked"], out["mismatches"], out["missing"], out["orphans"]) == (2, [], [], [])
    blob = blob_files(lib_dir)[0]
    data = bytearray(blob.read_bytes())
    data[len(data) // 2] ^= 0x01
    blob.write_bytes(bytes(data))
    code, out, _ = run_cli("verify", "--json")
    assert code == 1
    result = json.loads(out)
    assert len(result["mismatches"]) == 1 and result["mismatches"][0]["what"] == "original"
    code, out, _ = run_cli("verify", str(aid))
    assert code == 1 and "MISMATCH" in out


def test_verify_catches_text_changed_behind_clippers_back(run_cli, cli_json, write, lib_dir):
    path = write("gulls.txt", "Gulls banned from bins\n\nThe council will fit gull-proof lids to every street bin in the old town.\n")
    aid = cli_json("import", path)["imported"][0]["id"]
    conn = sqlite3.connect(lib_dir / "library.db")
    conn.execute("UPDATE articles SET text = replace(text, 'every', 'some') WHERE id = ?", [aid])
    conn.commit()
    conn.close()
    code, out, _ = run_cli("verify", "--json")
    assert code == 1
    whats = {m["what"] for m in json.loads(out)["mismatches"]}
    assert whats == {"text"}


# -------------------------------------------------------------- versions via refresh

def _serve_versions(server, state):
    def route(h):
        etag = f'"{state["etag"]}"'
        if h.headers.get("If-None-Match") == etag and state.get("honour_304", True):
            h.send_not_modified(etag)
            return
        h.send_plain(200, state["body"].encode(), "text/html; charset=utf-8", {"ETag": etag})

    server.routes["/dues"] = route


def test_changed_page_becomes_version_2_with_the_right_diff(cli_json, run_cli, lib_dir):
    state = {"etag": "a", "body": PAGE_V1}
    with LocalServer() as server:
        _serve_versions(server, state)
        aid = cli_json("import", server.url("/dues"))["imported"][0]["id"]
        before = cli_json("show", str(aid))
        assert before["version"] == 1
        # unchanged: a 304 makes no version, and the ETag was sent
        out = cli_json("refresh", str(aid), "--delay", "0")
        assert (out["changed"], out["unchanged"], out["failed"], out["not_modified"]) == ([], [aid], [], [aid])
        assert server.headers_seen[-1].get("if-none-match") == '"a"'
        # unchanged: the server ignores the validator but the text is the same
        state["honour_304"] = False
        out = cli_json("refresh", str(aid), "--delay", "0")
        assert (out["changed"], out["unchanged"], out["not_modified"]) == ([], [aid], [])
        assert len(cli_json("versions", str(aid))["versions"]) == 1
        # changed
        state.update(etag="b", body=PAGE_V2, honour_304=True)
        out = cli_json("refresh", str(aid), "--delay", "0")
        assert (out["changed"], out["unchanged"], out["failed"]) == ([aid], [], [])
    versions = cli_json("versions", str(aid))
    assert versions["article_id"] == aid
    assert [v["version"] for v in versions["versions"]] == [1, 2]
    assert versions["versions"][0]["title"] == "Harbour board doubles mooring dues"
    assert versions["versions"][1]["title"] == "Harbour board raises mooring dues by half"
    assert all({"version", "captured_at", "title", "words"} <= set(v) for v in versions["versions"])
    d = cli_json("diff", str(aid))
    assert (d["from"], d["to"]) == (1, 2)
    deleted = " ".join(r["text"] for r in d["body"] if r["op"] == "delete")
    inserted = " ".join(r["text"] for r in d["body"] if r["op"] == "insert")
    assert "slap in the face" in deleted and "slap" not in inserted
    assert "consider moving" in inserted and "double" in deleted
    assert {r["op"] for r in d["body"]} == {"equal", "insert", "delete"}
    old = "".join(r["text"] for r in d["body"] if r["op"] != "insert")
    new = "".join(r["text"] for r in d["body"] if r["op"] != "delete")
    assert old == cli_json("show", str(aid), "--version", "1")["text"]
    assert new == cli_json("show", str(aid))["text"]
    assert [r["text"] for r in d["title"] if r["op"] == "delete"] == ["doubles"]
    # explicit versions, and the terminal rendering without a tty
    assert cli_json("diff", str(aid), "1", "2") == d
    code, out, _ = run_cli("diff", str(aid))
    assert code == 0 and "[-doubles-]" in out and "{+raises+}" in out and "\x1b[" not in out
    assert cli_json("show", str(aid))["version"] == 2
    assert cli_json("verify")["mismatches"] == []
    caps = cli_json("capture", str(aid))["captures"]
    assert [c["version"] for c in caps] == [1, 2]


def test_refresh_reports_failures_and_skips_non_urls(cli_json, run_cli, write):
    path = write("pasted.txt", "Pasted note\n\nA note that was pasted in and has no web address at all.\n")
    pasted = cli_json("import", path)["imported"][0]["id"]
    with LocalServer() as server:
        server.body("/gone", PAGE_V1.encode())
        gone = cli_json("import", server.url("/gone"))["imported"][0]["id"]
        del server.routes["/gone"]
        code, out, _ = run_cli("refresh", str(gone), str(pasted), "--delay", "0", "--json")
    assert code == 1
    result = json.loads(out)
    assert result["changed"] == [] and result["unchanged"] == []
    assert {f["id"] for f in result["failed"]} == {gone, pasted}
    assert all(f["error"] for f in result["failed"])
    # --all keeps only URL articles
    code, out, _ = run_cli("refresh", "--all", "--delay", "0", "--json")
    assert [f["id"] for f in json.loads(out)["failed"]] == [gone]


def test_refresh_is_polite_and_capped(lib):
    from clipper.importers import ImportOptions
    from clipper.importing import import_sources
    from clipper.jobs import CancelToken, run_job
    from clipper.refresh import refresh

    with LocalServer() as server:
        for n in range(4):
            server.body(f"/p{n}", PAGE_V1.replace("nine years", f"{n + 2} years").encode())
        report = run_job(import_sources(lib, [server.url(f"/p{n}") for n in range(4)]))
        ids = [e["id"] for e in report.imported]
        slept = []
        out = run_job(refresh(lib, ids, delay=0.2, limit=3, sleep=slept.append, options=ImportOptions()))
        assert len(out.unchanged) == 3 and len(out.skipped) == 1
        assert slept and sum(slept) > 0.2  # waited between requests to the same host
        # the next run starts with the one left over
        out2 = run_job(refresh(lib, ids, delay=0, limit=1))
        assert out2.unchanged == out.skipped
        token = CancelToken()
        job = refresh(lib, ids, delay=0, limit=None, cancel=token)
        next(job)
        next(job)
        token.cancel()
        result = run_job(job)
        assert result.cancelled and len(result.unchanged) <= 1


# ------------------------------------------------------------------------- passages

def test_passage_made_on_v1_and_orphaned_by_v2_opens_on_v1(cli_json, lib):
    from clipper.importing import import_sources
    from clipper.jobs import run_job
    from clipper.refresh import refresh

    state = {"etag": "a", "body": PAGE_V1}
    with LocalServer() as server:
        _serve_versions(server, state)
        aid = run_job(import_sources(lib, [server.url("/dues")])).imported[0]["id"]
        kept = lib.passages.add(aid, quote="the first rise in nine years")
        gone = lib.passages.add(aid, quote="a slap in the face")
        state.update(etag="b", body=PAGE_V2)
        assert run_job(refresh(lib, [aid], delay=0)).changed == [aid]
        new = lib.passages.add(aid, quote="consider moving")
    full = lib.articles.full(aid)
    assert full["version"] == 2
    ps = {p["id"]: p for p in full["passages"]}
    assert ps[kept.id]["version"] == 1 and ps[kept.id]["status"] == "anchored"
    assert ps[new.id]["version"] == 2
    orphan = ps[gone.id]
    assert orphan["status"] == "orphaned" and orphan["version"] == 1
    opens = orphan["opens_on"]
    assert (opens["version"], opens["removed_in"]) == (1, 2)
    v1 = cli_json("show", str(aid), "--version", "1")
    assert v1["text"][opens["start"]:opens["end"]] == "a slap in the face"
    assert [p["id"] for p in v1["passages"]] == [gone.id]


def test_text_edit_makes_a_version_and_metadata_edit_does_not(lib):
    from clipper.models import ArticleDraft

    aid = lib.articles.add(ArticleDraft(title="Tide tables", text="High water is at noon on Sunday.")).id
    lib.articles.edit(aid, title="Tide tables for Sunday")
    assert lib.articles.full(aid)["version"] == 1
    lib.articles.edit(aid, text="High water is at one o'clock on Sunday.")
    from clipper import versions

    vs = versions.list_versions(lib, aid)
    assert [(v["version"], v["origin"]) for v in vs] == [(1, "import"), (2, "edit")]
    assert versions.get_version(lib, aid, 1)["text"] == "High water is at noon on Sunday."


# -------------------------------------------------------------------------- reextract

def test_reextract_runs_todays_extractor_on_the_kept_original(cli_json, run_cli, write):
    path = write("dues.html", PAGE_V1)
    aid = cli_json("import", path)["imported"][0]["id"]
    extracted = cli_json("show", str(aid))["text"]
    assert cli_json("reextract", str(aid))["unchanged"] == [aid]
    # an older, worse extraction: the stored text lost its last paragraph
    code, _, _ = run_cli("edit", str(aid), "--text-file", "-", input=extracted.rsplit("\n\n", 1)[0])
    assert code == 0
    out = cli_json("reextract", "--all")
    assert out["changed"] == [aid] and out["versions"][str(aid)] == 3
    assert cli_json("show", str(aid))["text"] == extracted
    assert [v["origin"] for v in cli_json("versions", str(aid))["versions"]] == ["import", "edit", "reextract"]
    assert cli_json("verify")["mismatches"] == []


# ---------------------------------------------------------------- original and backup

def test_url_original_is_a_warc_readable_by_warcio(cli_json, tmp_path):
    from warcio.archiveiterator import ArchiveIterator

    body = PAGE_V1.encode()
    with LocalServer() as server:
        server.body("/story", body, headers={"ETag": '"w1"'})
        aid = cli_json("import", server.url("/story"))["imported"][0]["id"]
        target = tmp_path / "story.warc.gz"
        out = cli_json("original", str(aid), "-o", str(target))
        assert out["format"] == "warc"
        with open(target, "rb") as fh:
            records = list((r.rec_type, r.rec_headers.get_header("WARC-Target-URI"),
                            r.http_headers.get_statuscode() if r.http_headers else None,
                            r.content_stream().read(), r.http_headers) for r in ArchiveIterator(fh))
    response = [r for r in records if r[0] == "response"]
    assert len(response) == 1
    _, uri, status, payload, http_headers = response[0]
    assert uri == server.url("/story") and status == "200" and payload == body
    assert http_headers.get_header("ETag") == '"w1"'
    assert any(r[0] == "request" for r in records)


def test_file_original_is_written_back_byte_for_byte(cli_json, write, tmp_path):
    raw = "Kelp harvest licensed\n\nThe agency licensed a small kelp harvest off the north shore.\n".encode("utf-8")
    aid = cli_json("import", write("kelp.txt", raw))["imported"][0]["id"]
    out = cli_json("original", str(aid), "-o", str(tmp_path / "back.txt"))
    assert out["format"] == "original" and (tmp_path / "back.txt").read_bytes() == raw


def test_backup_and_restore_carry_captures_and_versions(cli_json, run_cli, write, tmp_path, monkeypatch):
    path = write("dues.html", PAGE_V1)
    aid = cli_json("import", path)["imported"][0]["id"]
    code, _, _ = run_cli("edit", str(aid), "--text-file", "-", input="A shorter text about mooring dues.")
    assert code == 0
    versions = cli_json("versions", str(aid))
    caps = cli_json("capture", str(aid))["captures"]
    backup = tmp_path / "snap.db"
    cli_json("backup", str(backup))
    restored = tmp_path / "restored"
    monkeypatch.setenv("CLIPPER_LIBRARY", str(restored))
    cli_json("restore", str(backup))
    assert cli_json("versions", str(aid)) == versions
    assert [c["sha256"] for c in cli_json("capture", str(aid))["captures"]] == [c["sha256"] for c in caps]
    out = cli_json("verify")
    assert (out["checked"], out["mismatches"], out["missing"], out["orphans"]) == (3, [], [], [])
    assert (restored / caps[0]["blob"]).is_file()
    conn = sqlite3.connect(restored / "library.db")
    assert "capture_blobs" not in [r[0] for r in conn.execute("SELECT name FROM sqlite_master")]
    conn.close()


# ------------------------------------------------------------------------ query fields

def test_changed_and_has_versions_query_fields(lib):
    from datetime import datetime, timedelta, timezone

    from clipper.models import ArticleDraft

    same = lib.articles.add(ArticleDraft(title="Ferry fares", text="Ferry fares rise by a tenth in spring.")).id
    edited = lib.articles.add(ArticleDraft(title="Bus fares", text="Bus fares rise by a fifth in spring.")).id
    lib.articles.edit(edited, text="Bus fares rise by a quarter in spring.")
    ids = lambda q: sorted(h.id for h in lib.search(q).hits)  # noqa: E731
    assert ids("has:versions") == [edited]
    assert ids("changed:>-7d") == [edited]
    assert ids("changed:today fares") == [edited]
    assert ids("fares -has:versions") == [same]
    later = datetime.now(timezone.utc) + timedelta(days=30)
    assert [h.id for h in lib.search("changed:>-7d", now=later).hits] == []
    assert [h.id for h in lib.search("changed:<-7d", now=later).hits] == [edited]  # never-changed: no date
    assert ids("changed:[2000-01-01 TO 2100-01-01]") == [edited]
    # passages: changed: is answered by their articles
    lib.passages.add(edited, quote="a quarter")
    lib.passages.add(same, quote="a tenth")
    assert [h.article_id for h in lib.search("changed:>-7d", passages=True).hits] == [edited]


def test_version_commands_report_bad_ids_in_one_line(run_cli, cli_json, write):
    from clipper_testkit import one_error_line

    aid = cli_json("import", write("moss.txt", "Moss survey\n\nVolunteers counted moss species on the old churchyard wall.\n"))[
        "imported"][0]["id"]
    for args in (("versions", "999"), ("diff", str(aid), "1", "3"), ("capture", "999"), ("verify", "999"),
                 ("show", str(aid), "--version", "2")):
        code, out, err = run_cli(*args)
        assert code == 1 and out == "", args
        assert one_error_line(err), args
    code, _, err = run_cli("original", str(aid), "--capture", "99")
    assert code == 1 and "no capture 99" in err
    single = cli_json("diff", str(aid))
    assert (single["from"], single["to"]) == (1, 1) and {r["op"] for r in single["body"]} == {"equal"}


def test_a_feed_is_hashed_once_not_once_per_entry(lib, tmp_path, monkeypatch):
    """Every entry of a feed keeps the same original (the whole file): its digest is reckoned
    once. Per entry, a 114 MB feed of 100,000 items imported at 15 entries/s."""
    from clipper import captures, importing
    from clipper.jobs import run_job

    items = "".join(
        f"<item><title>Quay notice {i}</title><link>https://valley.example/q{i}</link><guid>q{i}</guid>"
        f"<description>The harbour master posted notice {i} about berths on the east quay.</description></item>"
        for i in range(40))
    feed = f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Valley Post</title>{items}</channel></rss>'
    path = tmp_path / "quay.xml"
    path.write_text(feed, encoding="utf-8")
    size = len(feed.encode())
    real = captures.hashlib.sha256
    whole_file = []

    def counting(data=b"", *args, **kwargs):
        if len(data) == size:
            whole_file.append(1)
        return real(data, *args, **kwargs)

    monkeypatch.setattr(captures.hashlib, "sha256", counting)
    report = run_job(importing.import_sources(lib, [str(path)]))
    assert len(report.imported) == 40
    assert len(whole_file) == 1
    digests = {c["sha256"] for aid in (e["id"] for e in report.imported) for c in captures.list_for(lib, aid)}
    assert digests == {real(feed.encode()).hexdigest()}

def test_refresh_refuses_a_url_that_became_a_feed(cli_json, run_cli):
    with LocalServer() as server:
        server.body("/page", PAGE_V1.encode())
        aid = cli_json("import", server.url("/page"))["imported"][0]["id"]
        server.body("/page", FEED.encode(), ctype="application/rss+xml")
        code, out, _ = run_cli("refresh", str(aid), "--delay", "0", "--json")
    assert code == 1
    failed = json.loads(out)["failed"]
    assert [f["id"] for f in failed] == [aid] and "feed" in failed[0]["error"]
    assert len(cli_json("versions", str(aid))["versions"]) == 1


def test_article_from_before_versions_gets_its_version_1_when_it_changes(lib):
    from clipper import versions
    from clipper.models import ArticleDraft

    aid = lib.articles.add(ArticleDraft(title="Weir repair", text="The weir will be repaired in May.")).id
    p = lib.passages.add(aid, quote="repaired in May")
    conn = lib.db.conn  # as a library from before versions: no version rows, passages without a version
    conn.execute("DELETE FROM article_versions")
    conn.execute("UPDATE passages SET version = NULL")
    assert lib.articles.full(aid)["version"] == 1 and versions.list_versions(lib, aid)[0]["current"]
    lib.articles.edit(aid, text="The weir will be repaired in June.")
    vs = versions.list_versions(lib, aid)
    assert [v["version"] for v in vs] == [1, 2]
    assert versions.get_version(lib, aid, 1)["text"] == "The weir will be repaired in May."
    full = lib.articles.full(aid)
    assert full["passages"][0]["version"] == 1 and full["passages"][0]["id"] == p.id
    from clipper.captures import verify

    assert verify(lib)["mismatches"] == []
