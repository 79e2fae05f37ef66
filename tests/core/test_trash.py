"""The Trash (delete moves there; restore brings back everything; empty deletes for good)
and fixed tag slots."""
from __future__ import annotations

import sqlite3

import pytest

from clipper_testkit import BUDGET_ARTICLE, MISSILE_ARTICLE

from clipper.errors import InputError, NotFound
from clipper.export_scope import Scope, build_document
from clipper.models import ArticleDraft


def _add(lib, text: str, **meta) -> int:
    title, _, body = text.strip().partition("\n\n")
    return lib.articles.add(ArticleDraft(title=title, text=body, **meta)).id


@pytest.fixture
def two(lib):
    a = _add(lib, MISSILE_ARTICLE, outlet="Coast Daily", url="https://coast.example/battery")
    b = _add(lib, BUDGET_ARTICLE, outlet="Town Post")
    lib.passages.add(a, quote="two missiles were launched", tags=["missiles"], note="check the *date*")
    lib.passages.add(a, quote="routine exercise", tags=["missiles", "drills"])
    lib.notes.add(a, "Ask the navy for the schedule")
    lib.articles.add_tags(a, ["navy"])
    return lib, a, b


def _state(lib, aid):
    data = lib.articles.full(aid)
    return (data["title"], data["url"], data["tags"],
            [(p["id"], p["start"], p["end"], p["quote"], p["tags"], p["note"]) for p in data["passages"]],
            [n["text"] for n in data["notes"]])


def test_trash_hides_everywhere_and_restore_brings_all_back(two):
    lib, a, b = two
    before = _state(lib, a)
    entry = lib.articles.trash(a)
    assert entry["id"] == a and entry["title"] == "Coastal battery fires test missiles"
    assert entry["passage_count"] == 2
    assert not lib.articles.exists(a)
    assert a not in lib.articles.ids() and lib.articles.count() == 1
    assert lib.search("missiles").total == 0
    assert lib.search("tag:missiles", passages=True).total == 0
    assert lib.passages.with_tag("missiles") == []
    doc = build_document(lib, Scope())
    assert [x.id for x in doc.articles] == [b]
    with pytest.raises(NotFound):
        build_document(lib, Scope(articles=[a]))
    assert [t["id"] for t in lib.articles.trashed()] == [a]

    assert lib.articles.restore_trashed(a) == a
    assert _state(lib, a) == before
    assert lib.articles.trashed() == []
    assert lib.search("missiles").total == 1
    assert lib.search("tag:drills", passages=True).total == 1
    assert lib.search("note:navy").total == 1


def test_restore_when_the_id_was_taken_gets_a_new_id(lib):
    # the trashed article had the highest id, so SQLite hands it to the next import
    a = _add(lib, MISSILE_ARTICLE)
    lib.passages.add(a, quote="routine exercise", tags=["drills"])
    lib.articles.trash(a)
    b = _add(lib, BUDGET_ARTICLE)
    assert b == a
    new = lib.articles.restore_trashed(a)
    assert new != a
    assert lib.articles.get(new).title.startswith("Coastal battery")
    assert [p.quote for p in lib.passages.for_article(new)] == ["routine exercise"]
    assert lib.articles.get(b).title.startswith("City council")


def test_restore_recreates_a_tag_deleted_meanwhile(two):
    lib, a, _b = two
    lib.articles.trash(a)
    lib.tags.delete("drills")
    lib.articles.restore_trashed(a)
    assert lib.tags.find("drills") is not None
    assert lib.search("tag:drills", passages=True).total == 1


def test_empty_trash_older_than(two):
    lib, a, b = two
    lib.articles.trash(a)
    lib.articles.trash(b)
    lib.db.execute("UPDATE trash SET trashed_at = '2020-01-01T00:00:00.000000Z' WHERE article_id = ?", [a])
    lib.db.conn.commit()
    assert lib.articles.empty_trash(older_than="2025-01-01T00:00:00Z") == 1
    assert [t["id"] for t in lib.articles.trashed()] == [b]
    with pytest.raises(NotFound):
        lib.articles.restore_trashed(a)
    assert lib.articles.empty_trash() == 1
    assert lib.articles.trash_count() == 0


def test_cli_delete_trash_list_restore_empty(cli_json, run_cli, write):
    cli_json("import", write("m.txt", MISSILE_ARTICLE))
    cli_json("highlight", 1, "--quote", "routine exercise", "--tag", "drills", "--note", "see *memo*")
    out = cli_json("delete", 1)
    assert out["deleted"] == 1 and out["trash"] is True
    assert cli_json("list")["total"] == 0
    assert cli_json("search", "missiles")["total"] == 0
    code, _out, err = run_cli("show", 1)
    assert code == 1 and err.startswith("clipper: error:")
    listed = cli_json("trash", "list")
    assert [t["id"] for t in listed["trash"]] == [1] and listed["trash"][0]["passage_count"] == 1
    assert cli_json("trash", "restore", 1)["id"] == 1
    shown = cli_json("show", 1)
    assert [(p["quote"], p["tags"], p["note"]) for p in shown["passages"]] == [("routine exercise", ["drills"], "see *memo*")]
    assert cli_json("search", "tag:drills", "--passages")["total"] == 1
    cli_json("delete", 1)
    assert cli_json("trash", "empty", "--older-than", "30d")["deleted"] == 0
    assert cli_json("trash", "empty")["deleted"] == 1
    assert cli_json("trash", "list")["trash"] == []
    code, _out, err = run_cli("trash", "restore", 1)
    assert code == 1 and "Trash" in err
    code, _out, err = run_cli("trash", "empty", "--older-than", "soon")
    assert code == 2


def test_tag_slots_are_fixed_and_unique(lib):
    for name in ("quotes", "missiles", "drills"):
        lib.tags.create(name)
    assert {n: t.name for n, t in lib.tags.slots().items()} == {1: "quotes", 2: "missiles", 3: "drills"}
    lib.tags.pin("drills", None)
    lib.tags.pin("quotes", 1)
    lib.tags.pin("missiles", 2)
    assert {n: t.name for n, t in lib.tags.slots().items()} == {1: "quotes", 2: "missiles"}
    lib.tags.pin("drills", 1)  # takes the slot
    assert {n: t.name for n, t in lib.tags.slots().items()} == {1: "drills", 2: "missiles"}
    assert lib.tags.get("quotes").slot is None
    lib.tags.pin("drills", None)
    assert 1 not in lib.tags.slots()
    with pytest.raises(InputError):
        lib.tags.pin("quotes", 10)
    with pytest.raises(sqlite3.IntegrityError):
        lib.db.execute("UPDATE tags SET slot = 2 WHERE name = 'quotes'")


def test_cli_tag_pin(cli_json, run_cli, write):
    cli_json("import", write("m.txt", MISSILE_ARTICLE))
    cli_json("highlight", 1, "--quote", "routine exercise", "--tag", "drills")
    assert cli_json("tag", "list")["tags"][0]["slot"] == 1  # a new tag takes the lowest free key
    assert cli_json("tag", "pin", "drills", 3)["slot"] == 3
    assert [t["slot"] for t in cli_json("tag", "list")["tags"]] == [3]
    assert cli_json("tag", "pin", "drills", 0)["slot"] is None
    assert run_cli("tag", "pin", "drills", 12)[0] == 2


def test_library_views_are_sql_queries_without_caps(lib):
    from clipper.storage import articles as article_store

    with lib.write():  # rows straight into the database: this test is about the views' SQL
        ids = [article_store.insert(lib.db, title=f"Story {n}", text=f"Body number {n} about {n * 7} boats.",
                                    content_hash=f"h{n}", word_count=6, outlet="Port News" if n % 2 else "Other")
               for n in range(2300)]
    old = ids[:5]
    lib.db.execute("UPDATE articles SET imported_at = '2020-01-01T00:00:00.000000Z' "
                   "WHERE id IN (SELECT value FROM json_each(?))", [__import__("json").dumps(old)])
    lib.db.conn.commit()
    recent = lib.articles.view_ids("recent", 7)
    assert len(recent) == 2300 - 5 and not set(old) & set(recent)  # more than the old 2,000 cap
    assert recent[0] == ids[-1]
    assert lib.articles.view_ids("outlet", "Port News") == sorted(ids[1::2], reverse=True)
    assert lib.articles.outlet_counts() == {"Port News": 1150, "Other": 1150}
    lib.passages.add(ids[3], quote="Body", tags=["ports"])
    lib.articles.add_tags(ids[10], ["Ports"])
    assert lib.articles.view_ids("tag", "PORTS") == [ids[10], ids[3]]
    lib.articles.edit(ids[3], text="Completely different words now.")
    assert lib.articles.view_ids("orphaned") == [ids[3]]


def test_saved_searches_live_in_the_library(lib_dir, tmp_path):
    from clipper.library import Library
    from clipper.searches import SavedSearches

    with Library.open(lib_dir) as one:
        SavedSearches(one).save("Drones", "drone* tag:energy")
        SavedSearches(one).save("Quotes", "tag:quotes", passages=True)
        SavedSearches(one).save("Drones", "drone*")  # replaces by name
        with pytest.raises(InputError):
            SavedSearches(one).save(" ", "x")
    with Library.open(tmp_path / "other") as other:
        assert SavedSearches(other).all() == []  # nothing leaks to another library
    with Library.open(lib_dir) as again:
        assert SavedSearches(again).all() == [{"name": "Quotes", "query": "tag:quotes", "passages": True},
                                              {"name": "Drones", "query": "drone*", "passages": False}]
        assert SavedSearches(again).remove("Quotes") == [{"name": "Drones", "query": "drone*", "passages": False}]


def test_trash_keeps_the_rows_other_features_hang_on_an_article(cli_json, write, lib_dir):
    """Captures and versions (tables with a foreign key to articles) come back too."""
    import sqlite3 as sq

    cli_json("import", write("m.txt", MISSILE_ARTICLE))
    db = lib_dir / "library.db"

    def rows():
        conn = sq.connect(str(db))
        try:
            out = {}
            for (table,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
                fks = [fk[3] for fk in conn.execute(f'PRAGMA foreign_key_list("{table}")') if fk[2] == "articles"]
                if fks and table not in ("passages", "notes", "article_tags"):
                    out[table] = sorted(conn.execute(f'SELECT * FROM "{table}" WHERE "{fks[0]}" = 1').fetchall())
            return out
        finally:
            conn.close()

    before = rows()
    assert before.get("captures"), "an imported file keeps its original (captures)"
    cli_json("delete", 1)
    assert all(not v for v in rows().values())
    cli_json("trash", "restore", 1)
    assert rows() == before


def test_a_passage_moves_and_its_quote_is_reread(two):
    lib, a, _b = two
    p = lib.passages.for_article(a)[0]
    text = lib.articles.get(a).text
    start = text.index("two missiles")
    moved = lib.passages.move(p.id, start, start + len("two missiles"))
    assert (moved.quote, moved.tags, moved.note) == ("two missiles", p.tags, p.note)
    assert moved.prefix == text[max(0, start - 32):start]
    with pytest.raises(InputError):
        lib.passages.move(p.id, 5, 2)
    assert lib.search('quote:"two missiles"', passages=True).total == 1
