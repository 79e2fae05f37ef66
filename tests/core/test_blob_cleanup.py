"""Kept originals of purged articles are removed (shared blobs stay), only after the purge
has committed; ``verify`` reports orphan and missing blobs apart and ``--prune`` removes
orphans. The feeds and texts below are made up for these tests."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

FEED = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Fen Courier</title><link>https://fen.example/</link>
<item><title>Drainage board raises the sluice gates</title><link>https://fen.example/sluice</link>
<description>&lt;p&gt;The drainage board raised the sluice gates on Sunday night as the river rose past the warning mark at Elmsey.&lt;/p&gt;</description></item>
<item><title>Eel pass opens at the old mill</title><link>https://fen.example/eels</link>
<description>&lt;p&gt;A new eel pass opened at the old mill weir on Monday, letting young eels climb past it for the first time in a century.&lt;/p&gt;</description></item>
</channel></rss>"""


def blobs(lib_dir: Path) -> set[str]:
    return {p.parent.name + p.name.split(".")[0] for p in (lib_dir / "captures").rglob("*.zst")}


def capture_sha(cli_json, aid: int) -> str:
    return cli_json("capture", str(aid))["captures"][0]["sha256"]


def test_purge_removes_the_originals_only_their_articles_used(cli_json, run_cli, write, lib_dir):
    lone = cli_json("import", write("reeds.txt", "Reed cutting starts early\n\nReed cutters on the broad began work a "
                                                  "fortnight early this year after a dry autumn.\n"))["imported"][0]["id"]
    feed = [a["id"] for a in cli_json("import", write("fen.xml", FEED))["imported"]]
    lone_sha, feed_sha = capture_sha(cli_json, lone), capture_sha(cli_json, feed[0])
    assert capture_sha(cli_json, feed[1]) == feed_sha  # one feed file, one blob, two articles
    assert blobs(lib_dir) == {lone_sha, feed_sha}

    # in the Trash an article keeps its original: restorable, not an orphan, not pruned
    cli_json("delete", str(lone))
    out = cli_json("verify", "--prune")
    assert (out["orphans"], out["pruned"], out["mismatches"]) == ([], [], [])
    assert lone_sha in blobs(lib_dir)
    cli_json("trash", "restore", str(lone))
    assert cli_json("verify", str(lone))["mismatches"] == []
    # emptied from the Trash: its blob goes
    cli_json("delete", str(lone))
    cli_json("trash", "empty")
    assert blobs(lib_dir) == {feed_sha}

    # a blob two articles share stays until neither needs it (Trash then delete for good)
    cli_json("delete", str(feed[0]))
    cli_json("trash", "empty")
    assert blobs(lib_dir) == {feed_sha}
    assert cli_json("verify")["mismatches"] == []
    from clipper.library import Library

    lib = Library.open(lib_dir)
    try:
        lib.articles.delete(feed[1])  # for good, without the Trash
    finally:
        lib.close()
    assert blobs(lib_dir) == set()
    out = cli_json("verify")
    assert (out["checked"], out["mismatches"], out["orphans"], out["missing"]) == (0, [], [], [])


def test_verify_reports_orphans_and_missing_blobs_apart_and_prune_removes_orphans(cli_json, run_cli, write, lib_dir):
    from clipper.captures import blob_path, put_blob

    kept = cli_json("import", write("a.txt", "Ferry fares frozen\n\nFerry fares to the islands will stay "
                                             "the same next year, the operator said.\n"))["imported"][0]["id"]
    lost = cli_json("import", write("b.txt", "Pier lights replaced\n\nThe old pier's lamps were replaced with "
                                             "brighter ones after complaints from anglers.\n"))["imported"][0]["id"]
    orphan_sha, stored, _ = put_blob(lib_dir, b"bytes no capture ever named")
    lost_cap = cli_json("capture", str(lost))["captures"][0]
    (lib_dir / lost_cap["blob"]).unlink()

    code, out, _ = run_cli("verify", "--json")
    result = json.loads(out)
    assert code == 1  # a missing original is a mismatch
    assert result["missing"] == [{"sha256": lost_cap["sha256"], "captures": [lost_cap["id"]]}]
    assert [o["sha256"] for o in result["orphans"]] == [orphan_sha]
    assert result["orphans"][0]["blob"] == str(blob_path(lib_dir, orphan_sha, stored).relative_to(lib_dir))
    assert [m["article_id"] for m in result["mismatches"]] == [lost]
    code, text, _ = run_cli("verify")
    assert code == 1 and "1 missing blobs" in text and "1 orphan blobs" in text and "orphan blob captures/" in text

    # one article's check names no orphans (only a whole-library check can tell)
    assert "orphans" not in cli_json("verify", str(kept))
    code, _, err = run_cli("verify", str(kept), "--prune")
    assert code == 1 and err.startswith("clipper: error:") and "--prune" in err

    code, out, _ = run_cli("verify", "--prune", "--json")
    result = json.loads(out)
    assert code == 1 and [o["sha256"] for o in result["pruned"]] == [orphan_sha] and result["orphans"] == []
    assert not blob_path(lib_dir, orphan_sha, stored).exists()
    assert (lib_dir / cli_json("capture", str(kept))["captures"][0]["blob"]).is_file()  # referenced: kept
    assert json.loads(run_cli("verify", "--json")[1])["orphans"] == []


def test_a_blob_is_removed_only_after_the_purge_has_committed(lib, lib_dir, monkeypatch, tmp_path):
    from clipper import captures
    from clipper.importing import import_sources
    from clipper.jobs import run_job

    src = tmp_path / "lock.txt"
    src.write_text("Lock keeper retires\n\nThe lock keeper at Hatton retired after forty years of "
                   "opening the gates by hand.\n", encoding="utf-8")
    aid = run_job(import_sources(lib, [str(src)])).imported[0]["id"]
    sha = lib.db.execute("SELECT sha256 FROM captures WHERE article_id = ?", [aid]).fetchone()[0]
    lib.articles.trash(aid)
    seen = []
    real_remove = captures.remove_blob_file

    def remove(path):
        # what another process reads at this moment: the purge is committed, nothing names the blob
        other = sqlite3.connect(lib_dir / "library.db")
        try:
            in_trash = other.execute("SELECT COUNT(*) FROM trash").fetchone()[0]
            live = other.execute("SELECT COUNT(*) FROM captures WHERE sha256 = ?", [sha]).fetchone()[0]
        finally:
            other.close()
        seen.append((path.name.split(".")[0], in_trash, live))
        return real_remove(path)

    monkeypatch.setattr(captures, "remove_blob_file", remove)
    assert lib.articles.empty_trash() == 1
    assert (sha[2:], 0, 0) in seen
    assert sha not in {p.parent.name + p.name.split(".")[0] for p in (lib_dir / "captures").rglob("*.zst")}


KILL_BETWEEN = """
import os, sys
from clipper import captures
from clipper.library import Library
lib = Library.open(sys.argv[1])
captures.remove_blob_file = lambda path: os._exit(9)  # killed after the commit, before the removal
lib.articles.empty_trash()
"""


def test_a_kill_between_commit_and_removal_leaves_only_an_orphan(cli_json, run_cli, write, lib_dir):
    aid = cli_json("import", write("mill.txt", "Mill pond dredged\n\nVolunteers dredged the mill pond over the "
                                               "weekend, lifting forty tonnes of silt.\n"))["imported"][0]["id"]
    sha = capture_sha(cli_json, aid)
    cli_json("delete", str(aid))
    proc = subprocess.run([sys.executable, "-c", KILL_BETWEEN, str(lib_dir)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 9, proc.stderr
    assert cli_json("trash", "list")["trash"] == []  # the purge committed
    assert sha in blobs(lib_dir)  # the blob outlived the purge: an orphan, never a capture without its blob
    result = cli_json("verify")
    assert result["mismatches"] == [] and [o["sha256"] for o in result["orphans"]] == [sha]
    assert [o["sha256"] for o in cli_json("verify", "--prune")["pruned"]] == [sha]
    assert blobs(lib_dir) == set()
