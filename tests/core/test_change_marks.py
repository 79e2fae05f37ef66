"""The article list's change marks (issue 17): "headline changed" / "N words changed"
since version 1, kept when a version is stored and read with the list's rows.

The pages are made up for these tests and served from 127.0.0.1."""
from __future__ import annotations

import sqlite3

from clipper_testkit import LocalServer

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<meta property="og:title" content="{title}"></head><body><article><h1>{title}</h1>
<p>The county council voted on Thursday to close the swimming pool at Brackenford for the whole winter, citing the cost of heating it.</p>
<p>{middle}</p>
<p>A decision on reopening the pool in spring will be taken at the council's March meeting, a spokesman said.</p>
</article></body></html>"""

V1 = dict(title="Council shuts Brackenford pool for winter",
          middle="Swimmers gathered outside the town hall to protest, and a petition against the closure has 2,000 names.")
V2 = dict(title="Council shuts Brackenford pool until spring",
          middle="About forty swimmers gathered outside the town hall, and an online petition against the closure has gathered 2,000 signatures.")
V3 = dict(V2, title=V1["title"])


def serve(server, state):
    server.routes["/pool"] = lambda h: h.send_plain(200, PAGE.format(**state["page"]).encode(), "text/html; charset=utf-8")


def listed(cli_json, aid):
    return next(r for r in cli_json("list")["articles"] if r["id"] == aid)


def test_list_marks_headline_and_words_changed_since_version_1(cli_json, write):
    plain = cli_json("import", write("note.txt", "Allotment rents\n\nAllotment rents will stay the same next year.\n"))
    plain = plain["imported"][0]["id"]
    state = {"page": V1}
    with LocalServer() as server:
        serve(server, state)
        aid = cli_json("import", server.url("/pool"))["imported"][0]["id"]
        row = listed(cli_json, aid)
        assert (row["versions"], row["headline_changed"], row["words_changed"], row["changed_at"]) == (1, False, 0, None)
        state["page"] = V2
        assert cli_json("refresh", str(aid), "--delay", "0")["changed"] == [aid]
        row = listed(cli_json, aid)
        diff = cli_json("diff", str(aid))["stats"]
        assert row["versions"] == 2 and row["headline_changed"] is True
        assert row["words_changed"] == max(diff["inserted_words"], diff["deleted_words"]) > 5
        v2 = cli_json("versions", str(aid))["versions"][-1]
        assert row["changed_at"] == v2["captured_at"]
        # v3 puts the old headline back: since v1 the headline is the same, the body still differs
        state["page"] = V3
        assert cli_json("refresh", str(aid), "--delay", "0")["changed"] == [aid]
    row = listed(cli_json, aid)
    since_v1 = cli_json("diff", str(aid), "1", "3")["stats"]
    assert row["versions"] == 3 and row["headline_changed"] is False
    assert row["words_changed"] == max(since_v1["inserted_words"], since_v1["deleted_words"]) > 0
    other = listed(cli_json, plain)
    assert (other["versions"], other["headline_changed"], other["words_changed"]) == (1, False, 0)


def test_marks_of_existing_versions_are_backfilled_by_the_migration(lib, lib_dir):
    from clipper.library import Library
    from clipper.models import ArticleDraft
    from clipper.storage.schema import SCHEMA_VERSION

    aid = lib.articles.add(ArticleDraft(title="Weir repair", text="The weir will be repaired in May by the river trust.")).id
    lib.articles.edit(aid, text="The weir will be repaired in June by the county river trust.")
    expected = {k: v for k, v in lib.articles.summaries(ids=[aid])[0].items()}
    assert expected["versions"] == 2 and expected["words_changed"] == 2 and expected["headline_changed"] is False
    lib.close()
    # as a library written before the marks were kept: no marks table, the schema one step back
    conn = sqlite3.connect(lib_dir / "library.db")
    conn.execute("DROP TABLE article_changes")
    conn.execute("DROP TABLE watched")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION - 1}")
    conn.commit()
    conn.close()
    again = Library.open(lib_dir)
    try:
        assert again.articles.summaries(ids=[aid])[0] == expected
    finally:
        again.close()
