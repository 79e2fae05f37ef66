"""Tags: rename, merge, recolour, delete — effects on passages, articles and search, right
after the call returns."""
from __future__ import annotations

import pytest

from clipper_testkit import BUDGET_ARTICLE, MISSILE_ARTICLE, one_error_line
from clipper.errors import DuplicateError, InputError, NotFound
from clipper.importers.plaintext import parse_text


@pytest.fixture
def tagged(cli_json, write):
    """Two articles; passages tagged old / other / both; article 2 tagged old too."""
    a = cli_json("import", write("m.txt", MISSILE_ARTICLE))["imported"][0]["id"]
    b = cli_json("import", write("b.txt", BUDGET_ARTICLE), "--tag", "old")["imported"][0]["id"]
    p1 = cli_json("highlight", a, "--quote", "two missiles", "--tag", "old")["id"]
    p2 = cli_json("highlight", a, "--quote", "routine exercise", "--tag", "old", "--tag", "other")["id"]
    p3 = cli_json("highlight", b, "--quote", "school buildings", "--tag", "other")["id"]
    return {"a": a, "b": b, "p1": p1, "p2": p2, "p3": p3}


def _passage_ids(cli_json, query):
    return sorted(h["passage_id"] for h in cli_json("search", "--passages", query, "--limit", "100")["hits"])


def _article_ids(cli_json, query):
    return sorted(h["id"] for h in cli_json("search", query, "--limit", "100")["hits"])


def _tags(cli_json):
    return {t["name"]: t for t in cli_json("tag", "list")["tags"]}


def test_tag_list_counts(cli_json, tagged):
    tags = _tags(cli_json)
    assert set(tags) == {"old", "other"}
    assert tags["old"]["count"] == 3  # two passages + one article
    assert tags["other"]["count"] == 2
    assert all(t["color"].startswith("#") and len(t["color"]) == 7 for t in tags.values())


def test_rename_updates_passages_and_search(cli_json, tagged):
    out = cli_json("tag", "rename", "old", "fresh")
    assert out["name"] == "fresh"
    assert _passage_ids(cli_json, "tag:fresh") == [tagged["p1"], tagged["p2"]]
    assert _passage_ids(cli_json, "tag:old") == []
    assert _article_ids(cli_json, "tag:fresh") == [tagged["a"], tagged["b"]]
    assert _article_ids(cli_json, "tag:old") == []
    shown = cli_json("show", tagged["a"])["passages"]
    assert sorted(p["tags"] for p in shown) == [["fresh"], ["fresh", "other"]]
    assert cli_json("show", tagged["b"])["tags"] == ["fresh"]
    assert set(_tags(cli_json)) == {"fresh", "other"}


def test_rename_changing_only_case(cli_json, tagged):
    cli_json("tag", "rename", "old", "OLD")
    assert "OLD" in _tags(cli_json)
    assert _passage_ids(cli_json, "tag:old") == [tagged["p1"], tagged["p2"]]  # search ignores case


def test_rename_onto_existing_tag_is_refused(run_cli, cli_json, tagged):
    code, _, err = run_cli("tag", "rename", "old", "Other")
    assert code == 1
    assert "merge" in one_error_line(err)
    assert set(_tags(cli_json)) == {"old", "other"}


def test_merge_keeps_one_copy(cli_json, tagged):
    out = cli_json("tag", "merge", "old", "other")
    assert out["name"] == "other"
    assert set(_tags(cli_json)) == {"other"}
    shown = {p["id"]: p["tags"] for p in cli_json("show", tagged["a"])["passages"]}
    assert shown[tagged["p2"]] == ["other"]  # had both: one copy left
    assert shown[tagged["p1"]] == ["other"]
    assert cli_json("show", tagged["b"])["tags"] == ["other"]
    assert _passage_ids(cli_json, "tag:other") == sorted([tagged["p1"], tagged["p2"], tagged["p3"]])
    assert _passage_ids(cli_json, "tag:old") == []
    assert _article_ids(cli_json, "tag:old") == []
    assert _tags(cli_json)["other"]["count"] == 4  # three passages + one article, no double count


def test_merge_into_itself_or_unknown(run_cli, tagged):
    code, _, err = run_cli("tag", "merge", "old", "OLD")
    assert code == 1 and "itself" in one_error_line(err)
    code, _, err = run_cli("tag", "merge", "old", "nope")
    assert code == 1 and "nope" in one_error_line(err)


def test_delete_keeps_passages(cli_json, tagged, lib_dir):
    cli_json("tag", "delete", "old")
    assert set(_tags(cli_json)) == {"other"}
    shown = {p["id"]: p for p in cli_json("show", tagged["a"])["passages"]}
    assert set(shown) == {tagged["p1"], tagged["p2"]}  # passages survive
    assert shown[tagged["p1"]]["tags"] == []
    assert shown[tagged["p2"]]["tags"] == ["other"]
    assert cli_json("show", tagged["b"])["tags"] == []
    assert _passage_ids(cli_json, "tag:old") == []
    assert _article_ids(cli_json, "tag:old") == []
    assert _passage_ids(cli_json, "quote:missiles") == [tagged["p1"]]


def test_unknown_tag_operations(run_cli, tagged):
    for args in (["rename", "ghost", "x"], ["delete", "ghost"], ["color", "ghost", "#000000"]):
        code, _, err = run_cli("tag", *args)
        assert code == 1
        assert "ghost" in one_error_line(err)


def test_recolor(cli_json, run_cli, tagged):
    assert cli_json("tag", "color", "other", "#ABCDEF")["color"] == "#abcdef"
    assert _tags(cli_json)["other"]["color"] == "#abcdef"
    code, _, err = run_cli("tag", "color", "other", "blue")
    assert code == 1 and "#RRGGBB" in one_error_line(err)


def test_article_tag_add_remove(cli_json, tagged):
    assert cli_json("tag", "add", tagged["a"], "Extra", "more")["tags"] == ["Extra", "more"]
    assert _article_ids(cli_json, "tag:extra") == [tagged["a"]]
    assert cli_json("tag", "remove", tagged["a"], "extra")["tags"] == ["more"]
    assert _article_ids(cli_json, "tag:extra") == []


def test_tag_names_with_spaces(cli_json, tagged):
    cli_json("tag", "rename", "other", "proxy  groups")
    assert "proxy groups" in _tags(cli_json)  # inner whitespace collapsed
    assert _passage_ids(cli_json, 'tag:"proxy groups"') == [tagged["p2"], tagged["p3"]]


def test_tags_api(lib):
    aid = lib.articles.add(parse_text(MISSILE_ARTICLE, source="m.txt")).id
    lib.passages.add(aid, quote="navy", tags=["alpha"])
    created = lib.tags.create("beta", "#123456")
    assert created.color == "#123456" and created.count == 0
    with pytest.raises(DuplicateError):
        lib.tags.create("BETA")
    with pytest.raises(InputError):
        lib.tags.create("x" * 200)
    with pytest.raises(NotFound):
        lib.tags.get("gamma")
    lib.tags.merge("alpha", "beta")
    assert lib.search("tag:beta", passages=True).total == 1
    assert lib.search("tag:alpha", passages=True).total == 0
    assert lib.search("tag:beta").total == 1


@pytest.mark.parametrize("bad", ["", "   ", "x" * 81, "tab\x01name"])
def test_bad_article_tag_names_are_refused(run_cli, cli_json, tagged, bad):
    before = _tags(cli_json)
    code, _, err = run_cli("tag", "add", tagged["a"], bad)
    assert code == 1
    assert "tag name" in one_error_line(err)
    assert _tags(cli_json) == before
    assert cli_json("show", tagged["a"])["tags"] == []


def test_importer_tags_are_cleaned(lib):
    draft = parse_text(MISSILE_ARTICLE, source="m")
    draft.tags = ["  Navy   news ", "", "navy NEWS", "   "]
    aid = lib.articles.add(draft).id
    assert lib.articles.get(aid).tags == ["Navy news"]
    assert [t.name for t in lib.tags.all()] == ["Navy news"]


def test_new_tags_take_distinct_palette_colours_and_passages_their_tag_colour(lib):
    from clipper.models import ArticleDraft

    aid = lib.articles.add(ArticleDraft(title="Canal locks", text="The canal locks reopen in May after repairs to the gates.")).id
    first = lib.passages.add(aid, quote="canal locks", tags=["waterways"])
    second = lib.passages.add(aid, quote="repairs to the gates", tags=["repairs"])
    colors = lib.tags.colors()
    assert colors["waterways"] != colors["repairs"]
    assert first.color == colors["waterways"] and second.color == colors["repairs"]
