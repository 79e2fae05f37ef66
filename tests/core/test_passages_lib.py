"""Passages through the library and the CLI: quotes, offsets, overlap, tags, notes and
re-anchoring after edits."""
from __future__ import annotations

import pytest

from clipper_testkit import MISSILE_ARTICLE, REPEAT_ARTICLE, one_error_line, row_counts
from clipper.errors import DuplicateError, InputError, NotFound
from clipper.importers.plaintext import parse_text


@pytest.fixture
def ferry(cli_json, write) -> int:
    """The article where "the bridge" occurs twice and an emoji precedes the last paragraph."""
    return cli_json("import", write("ferry.txt", REPEAT_ARTICLE))["imported"][0]["id"]


@pytest.fixture
def navy(cli_json, write) -> int:
    return cli_json("import", write("navy.txt", MISSILE_ARTICLE))["imported"][0]["id"]


def _text(cli_json, aid) -> str:
    return cli_json("show", aid)["text"]


# --------------------------------------------------------------------------- creating


def test_highlight_by_quote(cli_json, navy):
    text = _text(cli_json, navy)
    p = cli_json("highlight", navy, "--quote", "two missiles were launched", "--tag", "arms")
    assert {"id", "start", "end", "quote", "tags"} <= set(p)
    assert p["quote"] == "two missiles were launched"
    assert text[p["start"]:p["end"]] == p["quote"]
    assert p["tags"] == ["arms"]
    shown = cli_json("show", navy)["passages"]
    assert len(shown) == 1
    assert {"id", "start", "end", "quote", "tags", "note", "color", "status"} <= set(shown[0])
    assert shown[0]["status"] == "anchored" and shown[0]["id"] == p["id"]


def test_highlight_by_offsets(cli_json, navy):
    text = _text(cli_json, navy)
    start = text.index("routine exercise")
    p = cli_json("highlight", navy, "--start", start, "--end", start + len("routine exercise"))
    assert p["quote"] == "routine exercise"


@pytest.mark.parametrize("args, words", [
    (["--start", "50", "--end", "10"], "end"),
    (["--start", "-1", "--end", "10"], "start"),
    (["--start", "0", "--end", "100000"], "end"),
    (["--quote", "a sentence that is nowhere"], "not found"),
    (["--quote", "   "], "empty"),
    (["--quote", "navy", "--color", "red"], "#RRGGBB"),
    (["--quote", "navy", "--tag", "  "], "tag"),
])
def test_bad_highlights_are_clear_errors(run_cli, navy, lib_dir, args, words):
    before = row_counts(lib_dir / "library.db")
    code, out, err = run_cli("highlight", navy, *args)
    assert code == 1
    assert words in one_error_line(err)
    assert row_counts(lib_dir / "library.db") == before


def test_highlight_needs_quote_or_offsets(run_cli, navy):
    code, _, err = run_cli("highlight", navy)
    assert code == 2
    code, _, err = run_cli("highlight", navy, "--quote", "navy", "--start", "1", "--end", "3")
    assert code == 2


def test_highlight_unknown_article(run_cli):
    run_cli("list")
    code, _, err = run_cli("highlight", 99, "--quote", "x")
    assert code == 1 and "no article with id 99" in one_error_line(err)


def test_repeated_quote_needs_occurrence(run_cli, cli_json, ferry, lib_dir):
    text = _text(cli_json, ferry)
    before = row_counts(lib_dir / "library.db")
    code, _, err = run_cli("highlight", ferry, "--quote", "the bridge")
    assert code == 1
    line = one_error_line(err)
    assert "2 times" in line and "--occurrence" in line
    code, _, err = run_cli("highlight", ferry, "--quote", "the bridge", "--occurrence", "3")
    assert code == 1 and "out of range" in one_error_line(err)
    assert row_counts(lib_dir / "library.db") == before
    second = cli_json("highlight", ferry, "--quote", "the bridge", "--occurrence", "2")
    assert second["start"] == text.index("the bridge", text.index("the bridge") + 1)
    first = cli_json("highlight", ferry, "--quote", "the bridge", "--occurrence", "1")
    assert first["start"] == text.index("the bridge")


def test_offsets_are_code_points(cli_json, ferry):
    text = _text(cli_json, ferry)
    assert "🚢" in text
    p = cli_json("highlight", ferry, "--quote", "Night crossings")
    assert p["start"] == text.index("Night crossings")
    # one code point for the emoji, not two UTF-16 units
    assert p["start"] == len(text[:text.index("🚢")]) + 2
    q = cli_json("highlight", ferry, "--start", p["start"], "--end", p["end"])
    assert q["quote"] == "Night crossings"
    emoji = cli_json("highlight", ferry, "--start", text.index("🚢"), "--end", text.index("🚢") + 1)
    assert emoji["quote"] == "🚢"


def test_overlapping_passages_and_multi_tags(cli_json, navy):
    text = _text(cli_json, navy)
    a = cli_json("highlight", navy, "--quote", "two missiles were launched", "--tag", "arms", "--tag", "Navy")
    b = cli_json("highlight", navy, "--quote", "missiles were launched from the coastal battery", "--tag", "coast")
    c = cli_json("highlight", navy, "--quote", "missiles")  # fully inside both
    shown = cli_json("show", navy)["passages"]
    assert [p["id"] for p in shown] == [a["id"], c["id"], b["id"]]  # ordered by start, then end
    for p in shown:
        assert text[p["start"]:p["end"]] == p["quote"]
    assert shown[0]["tags"] == ["arms", "Navy"]
    assert a["start"] < b["start"] < a["end"] < b["end"]
    for tag, expected in (("arms", [a["id"]]), ("navy", [a["id"]]), ("coast", [b["id"]])):
        hits = cli_json("search", "--passages", f"tag:{tag}")["hits"]
        assert [h["passage_id"] for h in hits] == expected
    tags = {t["name"]: t["count"] for t in cli_json("tag", "list")["tags"]}
    assert tags == {"arms": 1, "coast": 1, "Navy": 1}


def test_tag_names_are_case_insensitive(cli_json, navy):
    cli_json("highlight", navy, "--quote", "navy", "--tag", "Defence")
    p = cli_json("highlight", navy, "--quote", "coastal battery", "--tag", "DEFENCE")
    assert p["tags"] == ["Defence"]
    assert [t["name"] for t in cli_json("tag", "list")["tags"]] == ["Defence"]


def test_colors(cli_json, navy):
    cli_json("tag", "color", "urgent", "#112233", expect=1)  # unknown tag
    p = cli_json("highlight", navy, "--quote", "navy", "--tag", "urgent")
    from clipper.storage.tags import PALETTE

    assert p["color"] == PALETTE[0]  # the first tag takes the palette's first colour
    cli_json("tag", "color", "urgent", "#AA0000")
    q = cli_json("highlight", navy, "--quote", "coastal battery", "--tag", "urgent")
    assert q["color"] == "#aa0000"  # a new passage takes its tag's colour
    r = cli_json("highlight", navy, "--quote", "routine", "--color", "#00FF00")
    assert r["color"] == "#00ff00"


def test_passage_json_search_contract(cli_json, navy):
    cli_json("highlight", navy, "--quote", "further tests would follow", "--tag", "plans", "--note", "ask when")
    result = cli_json("search", "--passages", "tests")
    assert result["total"] == 1
    [hit] = result["hits"]
    assert {"passage_id", "article_id", "quote", "tags", "note", "score"} <= set(hit)
    assert hit["article_id"] == navy and hit["tags"] == ["plans"] and hit["note"] == "ask when"


def test_notes_on_article_and_passage_are_searchable(cli_json, run_cli, navy, ferry):
    p = cli_json("highlight", navy, "--quote", "no ships were in the area")
    cli_json("note", "--passage", p["id"], "Confirm with the harbourmaster")
    cli_json("note", ferry, "Compare with the timetable from last year")
    assert [h["id"] for h in cli_json("search", "note:harbourmaster")["hits"]] == [navy]
    assert [h["id"] for h in cli_json("search", "note:timetable")["hits"]] == [ferry]
    assert [h["passage_id"] for h in cli_json("search", "--passages", "note:harbourmaster")["hits"]] == [p["id"]]
    shown = cli_json("show", navy)
    assert shown["passages"][0]["note"] == "Confirm with the harbourmaster"
    assert [n["text"] for n in cli_json("show", ferry)["notes"]] == ["Compare with the timetable from last year"]
    # replacing and clearing the passage note
    cli_json("note", "--passage", p["id"], "Ask the coastguard instead")
    assert cli_json("search", "note:harbourmaster")["total"] == 0
    assert cli_json("search", "note:coastguard")["total"] == 1
    cli_json("note", "--passage", p["id"], "")
    assert cli_json("search", "note:coastguard")["total"] == 0
    assert cli_json("show", navy)["passages"][0]["note"] == ""
    code, _, err = run_cli("note", ferry, "   ")
    assert code == 1 and "empty" in one_error_line(err)
    code, _, err = run_cli("note", "--passage", "999", "text")
    assert code == 1 and "no passage" in one_error_line(err)


def test_passage_edit_and_delete(cli_json, navy):
    p = cli_json("highlight", navy, "--quote", "coastal battery", "--tag", "a")
    q = cli_json("passage", "edit", p["id"], "--add-tag", "b", "--remove-tag", "a", "--color", "#010203",
                 "--note", "edited")
    assert q["tags"] == ["b"] and q["color"] == "#010203" and q["note"] == "edited"
    assert cli_json("search", "--passages", "tag:a")["total"] == 0
    assert cli_json("search", "--passages", "tag:b")["total"] == 1
    cli_json("passage", "delete", p["id"])
    assert cli_json("search", "--passages", "tag:b")["total"] == 0
    assert cli_json("search", "has:passages")["total"] == 0
    assert cli_json("show", navy)["passages"] == []
    cli_json("passage", "show", p["id"], expect=1)


# --------------------------------------------------------------------------- re-anchoring


def _edit(cli_json, write, aid, new_text):
    path = write(f"edit-{len(new_text)}.txt", new_text)
    return cli_json("edit", aid, "--text-file", path)


def test_insert_before_moves_passage(cli_json, write, navy):
    text = _text(cli_json, navy)
    p = cli_json("highlight", navy, "--quote", "the mayor of the city")
    out = _edit(cli_json, write, navy, "An early note from the desk.\n\n" + text)
    assert out["reanchor"]["moved"] == [p["id"]]
    [after] = cli_json("show", navy)["passages"]
    new_text = _text(cli_json, navy)
    assert after["status"] == "anchored"
    assert after["start"] == p["start"] + len("An early note from the desk.\n\n")
    assert new_text[after["start"]:after["end"]] == "the mayor of the city"


def test_insert_after_keeps_passage(cli_json, write, navy):
    text = _text(cli_json, navy)
    p = cli_json("highlight", navy, "--quote", "the mayor of the city")
    out = _edit(cli_json, write, navy, text + "\n\nA late addition at the very end.")
    assert out["reanchor"]["unchanged"] == [p["id"]]
    [after] = cli_json("show", navy)["passages"]
    assert (after["start"], after["end"], after["status"]) == (p["start"], p["end"], "anchored")


def test_insert_inside_follows_the_edited_span(cli_json, write, navy):
    text = _text(cli_json, navy)
    p = cli_json("highlight", navy, "--quote", "two missiles were launched from the coastal battery")
    _edit(cli_json, write, navy, text.replace("two missiles were", "two large missiles were"))
    [after] = cli_json("show", navy)["passages"]
    new_text = _text(cli_json, navy)
    assert after["status"] == "anchored"
    assert after["start"] == p["start"]
    assert new_text[after["start"]:after["end"]] == after["quote"]
    assert after["quote"] == "two large missiles were launched from the coastal battery"


def test_replace_entirely_orphans(cli_json, write, navy, run_cli):
    p = cli_json("highlight", navy, "--quote", "the mayor of the city", "--tag", "civic")
    keep = cli_json("highlight", navy, "--quote", "routine exercise")
    out = _edit(cli_json, write, navy, "Gardeners in the valley grew record tomatoes this year.\n\n"
                                       "The harvest fair will open next week.")
    assert sorted(out["reanchor"]["orphaned"]) == sorted([p["id"], keep["id"]])
    shown = cli_json("show", navy)
    assert {x["status"] for x in shown["passages"]} == {"orphaned"}
    by_id = {x["id"]: x for x in shown["passages"]}
    assert by_id[p["id"]]["quote"] == "the mayor of the city"  # the quote is kept for the user
    assert by_id[p["id"]]["tags"] == ["civic"]
    assert [h["id"] for h in cli_json("search", "is:orphaned")["hits"]] == [navy]
    assert cli_json("search", "tomatoes")["total"] == 1
    assert cli_json("search", "spokesperson")["total"] == 0  # old text gone from the index
    assert cli_json("search", "quote:mayor")["total"] == 1  # the orphaned quote is still searchable


def test_edit_with_empty_text_is_refused(cli_json, write, navy, run_cli):
    before = _text(cli_json, navy)
    code, _, err = run_cli("edit", navy, "--text-file", write("blank.txt", "  \n\n "))
    assert code == 1
    one_error_line(err)
    assert _text(cli_json, navy) == before


# --------------------------------------------------------------------------- library API


def test_library_passage_api(lib):
    aid = lib.articles.add(parse_text(MISSILE_ARTICLE, source="m.txt")).id
    p = lib.passages.add(aid, quote="routine exercise", tags=["drill", "Drill"], note="n1")
    assert p.tags == ["drill"] and p.note == "n1"
    assert [x.id for x in lib.passages.with_tag("DRILL")] == [p.id]
    with pytest.raises(InputError):
        lib.passages.add(aid, quote="x", start=1, end=2)
    with pytest.raises(NotFound):
        lib.passages.get(12345)
    removed = lib.passages.delete(p.id)
    assert lib.search("tag:drill", passages=True).total == 0
    restored = lib.passages.restore(removed)
    assert (restored.id, restored.tags, restored.note, restored.start) == (p.id, ["drill"], "n1", p.start)
    assert lib.search("tag:drill", passages=True).total == 1


def test_restore_refuses_a_taken_id_or_a_gone_article_with_a_clear_error(lib):
    """Undo of a delete meeting a changed library (another window or process): one of our
    errors, the library untouched, never a raw sqlite3.IntegrityError."""
    aid = lib.articles.add(parse_text(MISSILE_ARTICLE, source="m.txt")).id
    p = lib.passages.add(aid, quote="routine exercise")
    with pytest.raises(DuplicateError, match=f"passage {p.id}"):
        lib.passages.restore(p)  # not deleted: the id is taken
    removed = lib.passages.delete(p.id)
    lib.articles.delete(aid)
    before = row_counts(lib.db_path)
    with pytest.raises(NotFound, match=f"no article with id {aid}"):
        lib.passages.restore(removed)
    assert row_counts(lib.db_path) == before and not lib.db.conn.in_transaction


def test_new_passage_takes_tag_colour_whatever_the_case(cli_json, navy):
    cli_json("highlight", navy, "--quote", "navy", "--tag", "urgent")
    cli_json("tag", "color", "urgent", "#aa0000")
    p = cli_json("highlight", navy, "--quote", "routine exercise", "--tag", "URGENT")
    assert p["color"] == "#aa0000"


def test_blank_passage_note_clears_it(cli_json, navy):
    p = cli_json("highlight", navy, "--quote", "navy", "--note", "first")
    cli_json("note", "--passage", p["id"], "   \n ")
    assert cli_json("show", navy)["passages"][0]["note"] == ""
    q = cli_json("highlight", navy, "--quote", "routine exercise", "--note", "  ")
    assert q["note"] == ""


def test_passage_notes_have_the_same_length_limit_as_article_notes(lib):
    from clipper.errors import InputError
    from clipper.models import ArticleDraft

    aid = lib.articles.add(ArticleDraft(title="Harbour dues", text="The harbour board raised mooring dues by a tenth.")).id
    p = lib.passages.add(aid, quote="mooring dues")
    with pytest.raises(InputError, match="at most"):
        lib.passages.update(p.id, note="x" * 1_000_001)
    with pytest.raises(InputError, match="at most"):
        lib.notes.set_passage_note(p.id, "x" * 1_000_001)
    assert lib.passages.get(p.id).note == ""


def test_updated_reimport_adds_the_new_tags(lib):
    from clipper.models import ArticleDraft

    url = "https://news.example/harbour-dues"
    first = lib.articles.add(ArticleDraft(title="Harbour dues", text="The harbour board raised mooring dues.", url=url,
                                          tags=["ports"]))
    again = lib.articles.add(ArticleDraft(title="Harbour dues", text="The harbour board raised mooring dues again.",
                                          url=url, tags=["fees"]))
    assert again.status == "updated" and again.id == first.id
    assert lib.articles.get(first.id).tags == ["fees", "ports"]
    assert lib.search("tag:fees").total == 1


def test_a_quote_from_the_headline_or_standfirst_says_only_the_body_can_be_highlighted(lib, lib_dir):
    draft = parse_text("Tide gauge rebuilt at the old pier\n\nVolunteers finished the gauge on Sunday.\n",
                       source="tide.txt")
    draft.dek = "The gauge had been dark since the storm of 2019."
    aid = lib.articles.add(draft).id
    before = row_counts(lib_dir / "library.db")
    for quote, where in (("dark since the storm", "standfirst"), ("Tide gauge rebuilt", "headline")):
        with pytest.raises(InputError) as info:
            lib.passages.add(aid, quote=quote)
        message = str(info.value)
        assert f"in the article's {where}" in message and "only the body can be highlighted" in message
    with pytest.raises(InputError, match="quote not found in article"):  # in none of them
        lib.passages.add(aid, quote="a harbour crane")
    assert row_counts(lib_dir / "library.db") == before
    assert lib.passages.add(aid, quote="finished the gauge").quote == "finished the gauge"
