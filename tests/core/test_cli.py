"""The CLI contract: import, list/show, search, error lines and exit codes."""
from __future__ import annotations

import json
import random

import pytest

from clipper_testkit import (
    BUDGET_ARTICLE,
    FESTIVAL_ARTICLE,
    MISSILE_ARTICLE,
    PASTED_ARTICLE,
    one_error_line,
    row_counts,
)

SHOW_KEYS = {"id", "title", "dek", "text", "outlet", "agency", "author", "published", "url", "word_count",
             "passages", "notes", "related"}


# --------------------------------------------------------------------------- import


def test_pasted_article_comes_out_clean(cli_json, write):
    report = cli_json("import", write("paste.txt", PASTED_ARTICLE))
    assert [e["title"] for e in report["imported"]] == ["Harbour town votes to rebuild old sea wall"]
    assert report["duplicates"] == [] and report["failed"] == []
    art = cli_json("show", report["imported"][0]["id"])
    assert SHOW_KEYS <= set(art)
    assert art["title"] == "Harbour town votes to rebuild old sea wall"
    assert art["dek"] == "Residents backed a costly plan to restore the crumbling barrier after two winters of flooding."
    assert art["agency"] == "AFP"
    text = art["text"]
    assert text.startswith("Voters in the small fishing town approved")  # dateline and dash gone
    assert text.endswith("the risk of another flood was worse.")  # wire credit gone
    for noise in ("Subscribe", "Photo:", "Getty", "PORTMERRY", "– AFP", "crumbling barrier"):
        assert noise not in text, noise
    assert text.count("\n\n") == 2  # three paragraphs
    assert art["word_count"] == len(text.split())
    assert art["passages"] == [] and art["notes"] == []


def test_duplicate_reimport_is_reported_with_existing_id(cli_json, write, lib_dir):
    path = write("a.txt", MISSILE_ARTICLE)
    first = cli_json("import", path)
    aid = first["imported"][0]["id"]
    before = row_counts(lib_dir / "library.db")
    again = cli_json("import", path)
    assert again["imported"] == []
    assert again["duplicates"] == [{"source": path, "id": aid, "title": first["imported"][0]["title"],
                                    "reason": again["duplicates"][0]["reason"]}]
    # the same text with different surrounding whitespace is still a duplicate
    again2 = cli_json("import", write("b.txt", "\n\n" + MISSILE_ARTICLE.replace("\n\n", "\n\n\n") + "\n\n"))
    assert [d["id"] for d in again2["duplicates"]] == [aid]
    assert row_counts(lib_dir / "library.db") == before


def test_several_files_a_folder_and_stdin(cli_json, write, tmp_path):
    a = write("one.txt", MISSILE_ARTICLE)
    b = write("two.txt", BUDGET_ARTICLE)
    report = cli_json("import", a, b, "--tag", "batch")
    assert [e["title"] for e in report["imported"]] == ["Coastal battery fires test missiles",
                                                        "City council approves school budget"]
    folder = tmp_path / "tree"
    (folder / "deeper" / "deepest").mkdir(parents=True)
    (folder / "deeper" / "deepest" / "fest.txt").write_text(FESTIVAL_ARTICLE)
    (folder / "deeper" / "copy.txt").write_text(MISSILE_ARTICLE)  # duplicate
    (folder / "notes.xyz").write_text("not imported: unknown suffix inside a folder")
    report = cli_json("import", folder)
    assert [e["title"] for e in report["imported"]] == ["Lantern festival returns after long pause"]
    assert [d["id"] for d in report["duplicates"]] == [1]
    assert report["failed"] == []
    stdin_text = "Night market opens by the station\n\nStalls selling noodles and lanterns opened by the station on Friday evening.\n\nTraders hope the market will run every weekend."
    report = cli_json("import", "-", "--title", "Station night market", input=stdin_text)
    assert [e["title"] for e in report["imported"]] == ["Station night market"]
    listed = cli_json("list")
    assert listed["total"] == 4
    assert cli_json("show", 1)["tags"] == ["batch"]


def _noise(seed: int, n: int) -> bytes:
    """High bytes that are neither UTF-8 nor any legacy encoding charset-normalizer accepts."""
    rng = random.Random(seed)
    return bytes(rng.randrange(0x80, 0x100) for _ in range(n))


def _bad_files(write):
    return {
        "binary": write("picture.txt", bytes(range(256)) * 40),
        "empty": write("empty.txt", b""),
        "undecodable": write("mojibake.txt", _noise(3, 3000)),
        "damaged-bom": write("bom.txt", b"\xef\xbb\xbfA title\n\nSome text \xff\xfe broken \xc3\x28 here."),
        "missing": str(write("exists.txt", "x")).replace("exists.txt", "missing.txt"),
    }


@pytest.mark.parametrize("kind, words", [
    ("binary", "binary"),
    ("empty", "empty"),
    ("undecodable", "encoding"),
    ("damaged-bom", "damaged"),
    ("missing", "no such file"),
])
def test_bad_input_fails_clearly_and_changes_nothing(run_cli, cli_json, write, lib_dir, kind, words):
    cli_json("import", write("good.txt", MISSILE_ARTICLE))
    before = row_counts(lib_dir / "library.db")
    bad = _bad_files(write)[kind]
    report = cli_json("import", bad, expect=1)
    assert report["imported"] == [] and report["duplicates"] == []
    [failure] = report["failed"]
    assert failure["source"] == bad
    assert words in failure["error"]
    assert "\n" not in failure["error"] and "Traceback" not in failure["error"]
    assert row_counts(lib_dir / "library.db") == before
    # without --json the failure is one error line on stderr
    code, out, err = run_cli("import", bad)
    assert code == 1
    assert words in one_error_line(err)


def test_over_size_file_is_rejected(cli_json, write, lib_dir):
    big = write("big.txt", "Huge clipping\n\n" + "paragraph text goes on " * 95_000)  # ~2 MB
    report = cli_json("import", big, "--max-size", "1", expect=1)
    assert report["imported"] == []
    assert "1 MB" in report["failed"][0]["error"]
    assert cli_json("list")["total"] == 0
    # with a larger cap the same file goes in
    assert len(cli_json("import", big, "--max-size", "5")["imported"]) == 1


def test_oversize_stdin_is_rejected(cli_json):
    report = cli_json("import", "-", "--max-size", "1", input="Title\n\n" + "x y z " * 400_000, expect=1)
    assert report["failed"][0]["source"] == "-"
    assert "1 MB" in report["failed"][0]["error"]


def test_folder_of_mixed_good_and_bad_files(cli_json, write, tmp_path, lib_dir):
    folder = tmp_path / "mixed"
    (folder / "sub").mkdir(parents=True)
    (folder / "a-good.txt").write_text(MISSILE_ARTICLE)
    (folder / "b-binary.txt").write_bytes(b"\x00\x01\x02PNG" * 500)
    (folder / "sub" / "c-good.txt").write_text(BUDGET_ARTICLE)
    (folder / "sub" / "d-empty.txt").write_bytes(b"   \n\n  ")
    (folder / "sub" / "e-bad.txt").write_bytes(_noise(5, 2000))
    cli_json("list")
    before = row_counts(lib_dir / "library.db")
    report = cli_json("import", folder, expect=1)
    assert sorted(e["title"] for e in report["imported"]) == ["City council approves school budget",
                                                               "Coastal battery fires test missiles"]
    failed = {f["source"].rsplit("/", 1)[-1]: f["error"] for f in report["failed"]}
    assert set(failed) == {"b-binary.txt", "d-empty.txt", "e-bad.txt"}
    for name, error in failed.items():
        assert name in error  # the message names the file
    after = row_counts(lib_dir / "library.db")
    assert after["articles"] == before["articles"] + 2
    per_article = ("articles", "captures", "article_versions")  # each article: its original and version 1
    assert after["captures"] == after["article_versions"] == after["articles"]
    assert after["changelog"] == before["changelog"] + 2  # the two stored articles, for the index
    grew = {*per_article, "changelog", "sqlite_sequence"}
    assert {k: v for k, v in after.items() if k not in grew} == {k: v for k, v in before.items() if k not in grew}


def test_import_with_overrides(cli_json, write):
    report = cli_json("import", write("a.txt", MISSILE_ARTICLE), "--title", "Navy test", "--date", "2024-05-06",
                      "--tag", "defence", "--tag", "coast")
    art = cli_json("show", report["imported"][0]["id"])
    assert art["title"] == "Navy test"
    assert art["published"].startswith("2024-05-06")
    assert art["tags"] == ["coast", "defence"]


def test_bad_date_override_is_an_error(run_cli, write):
    code, _, err = run_cli("import", write("a.txt", MISSILE_ARTICLE), "--date", "yesterday-ish")
    assert code == 1
    assert "YYYY-MM-DD" in one_error_line(err)


# --------------------------------------------------------------------------- list / show / edit / delete


def test_list_and_show(cli_json, write):
    cli_json("import", write("a.txt", MISSILE_ARTICLE), "--date", "2024-01-02")
    cli_json("import", write("b.txt", BUDGET_ARTICLE), "--date", "2023-01-02")
    listed = cli_json("list", "--sort", "published")
    assert [a["title"] for a in listed["articles"]] == ["City council approves school budget",
                                                       "Coastal battery fires test missiles"]
    shown = cli_json("show", 2)
    assert shown["id"] == 2 and SHOW_KEYS <= set(shown)
    page = cli_json("list", "--sort=-published", "--limit", "1")
    assert page["total"] == 2  # the library's count, as in search results
    assert [a["id"] for a in page["articles"]] == [1]
    assert {"id", "title", "outlet", "published", "word_count", "passage_count"} <= set(page["articles"][0])


def test_edit_metadata(cli_json, write):
    cli_json("import", write("a.txt", MISSILE_ARTICLE))
    cli_json("edit", 1, "--title", "Battery test", "--outlet", "Coast Gazette", "--date", "2024-02-03")
    art = cli_json("show", 1)
    assert (art["title"], art["outlet"], art["published"]) == ("Battery test", "Coast Gazette", "2024-02-03")
    assert cli_json("search", "outlet:gazette")["total"] == 1


def test_delete_removes_article_and_search_hits(cli_json, run_cli, write, lib_dir):
    cli_json("import", write("a.txt", MISSILE_ARTICLE))
    cli_json("highlight", 1, "--quote", "two missiles", "--tag", "arms", "--note", "count them")
    cli_json("delete", 1)
    assert cli_json("list")["total"] == 0
    assert cli_json("search", "missiles")["total"] == 0
    assert cli_json("search", "--passages", "missiles")["total"] == 0
    counts = row_counts(lib_dir / "library.db")
    assert counts["passages"] == counts["notes"] == counts["passage_tags"] == 0
    code, _, err = run_cli("show", 1)
    assert code == 1 and "no article with id 1" in one_error_line(err)


# --------------------------------------------------------------------------- errors and usage


def test_missing_article_is_one_line_exit_1(run_cli):
    code, out, err = run_cli("show", 42)
    assert code == 1
    assert one_error_line(err) == "clipper: error: no article with id 42"
    assert out == ""


@pytest.mark.parametrize("args", [
    ["frobnicate"],
    ["show"],
    ["show", "abc"],
    ["highlight", "1"],
    ["import"],
    ["export", "--format", "odt", "-o", "x"],
    ["search", "x", "--limit", "-3"],
])
def test_usage_errors_exit_2(run_cli, args):
    code, out, err = run_cli(*args)
    assert code == 2
    one_error_line(err)


def test_no_command_is_usage(run_cli):
    code, _, err = run_cli()
    assert code == 2
    assert "usage" in err.lower()


def test_json_flag_before_or_after_command(run_cli, write):
    run_cli("import", write("a.txt", MISSILE_ARTICLE))
    c1, out1, _ = run_cli("--json", "show", "1")
    c2, out2, _ = run_cli("show", "1", "--json")
    assert c1 == c2 == 0
    assert json.loads(out1) == json.loads(out2)


def test_debug_shows_traceback(run_cli):
    code, _, err = run_cli("--debug", "show", "7")
    assert code == 1
    assert "Traceback" in err and "clipper: error: no article with id 7" in err


def test_bad_query_is_one_line(run_cli, write):
    run_cli("import", write("a.txt", MISSILE_ARTICLE))
    code, _, err = run_cli("search", "published:[2024-01-01 TO")
    assert code == 1
    one_error_line(err)


# --------------------------------------------------------------------------- search


@pytest.fixture
def corpus(cli_json, write):
    cli_json("import", write("m.txt", MISSILE_ARTICLE), "--date", "2024-03-10")
    cli_json("import", write("b.txt", BUDGET_ARTICLE), "--date", "2024-04-20")
    cli_json("import", write("f.txt", FESTIVAL_ARTICLE), "--date", "2023-11-05")
    return {"missile": 1, "budget": 2, "festival": 3}


def _ids(cli_json, *query):
    result = cli_json("search", *query, "--limit", "50")
    assert result["total"] == len(result["hits"])
    return sorted(h["id"] for h in result["hits"])


def test_search_stemming(cli_json, corpus):
    assert _ids(cli_json, "missile") == [1]
    assert _ids(cli_json, "launch") == [1]  # "launched"
    assert _ids(cli_json, "classroom") == [2]


def test_search_phrase(cli_json, corpus):
    assert _ids(cli_json, '"mayor of the city"') == [1]
    assert _ids(cli_json, '"mayor city"') == []
    assert _ids(cli_json, "mayor") == [1, 2]


def test_search_boolean_operators(cli_json, corpus):
    assert _ids(cli_json, "mayor AND school") == [2]
    assert _ids(cli_json, "mayor school") == [2]  # AND by default
    assert _ids(cli_json, "lantern OR missiles") == [1, 3]
    assert _ids(cli_json, "mayor NOT school") == [1]
    assert _ids(cli_json, "mayor -school") == [1]
    assert _ids(cli_json, "(lantern OR budget) AND volunteers") == [3]


def test_search_query_may_start_with_a_minus(cli_json, corpus):
    # "-school" is an exclusion, not an unknown option; options may come before or after.
    assert _ids(cli_json, "-school") == [1, 3]
    assert _ids(cli_json, "-school", "-lantern") == [1]
    result = cli_json("search", "--limit", "1", "-school", "--sort", "-published")
    assert result["total"] == 2 and [h["id"] for h in result["hits"]] == [1]


def test_dash_words_rewrite_only_a_search_query():
    from clipper.cli import _dash_words, build_parser

    parser = build_parser()
    same = ["export", "--format", "md", "--tag", "search", "-o", "x.md"]
    assert _dash_words(same, parser) == same
    assert _dash_words(["--library", "search", "search", "-iran"], parser) == \
        ["--library", "search", "search", "--", "-iran"]
    assert _dash_words(["search", "-iran", "--", "-x"], parser) == ["search", "--", "-iran", "-x"]
    assert _dash_words(["search", "--limit", "5", "-iran", "--json"], parser) == \
        ["search", "--limit", "5", "--json", "--", "-iran"]
    assert _dash_words(["search", "iran"], parser) == ["search", "iran"]


def test_search_prefix(cli_json, corpus):
    assert _ids(cli_json, "lant*") == [3]
    assert _ids(cli_json, "miss*") == [1]


def test_search_title_field(cli_json, corpus):
    assert _ids(cli_json, "title:council") == [2]
    assert _ids(cli_json, "council") == [2]
    assert _ids(cli_json, "title:mayor") == []


def test_search_published_ranges(cli_json, corpus):
    assert _ids(cli_json, "published:2024") == [1, 2]
    assert _ids(cli_json, "published:2024-03") == [1]
    assert _ids(cli_json, "published:[2024-03-01 TO 2024-04-20]") == [1, 2]
    assert _ids(cli_json, "published:[2024-03-11 TO 2024-04-19]") == []
    assert _ids(cli_json, "published:<2024-01-01") == [3]
    assert _ids(cli_json, "published:>=2024-04-20") == [2]
    assert _ids(cli_json, "mayor published:[TO 2024-03-31]") == [1]


def test_search_hits_have_contract_fields_and_marked_snippets(cli_json, corpus):
    result = cli_json("search", "missiles")
    assert result["total"] == 1
    [hit] = result["hits"]
    assert {"id", "title", "outlet", "published", "score", "snippet"} <= set(hit)
    assert hit["id"] == 1 and hit["title"] == "Coastal battery fires test missiles"
    assert hit["published"].startswith("2024-03-10")
    assert "<b>missiles</b>" in hit["snippet"]


def test_search_limit(cli_json, corpus):
    result = cli_json("search", "*", "--limit", "2")
    assert result["total"] == 3
    assert len(result["hits"]) == 2


def test_search_plain_output_marks_matches(run_cli, corpus):
    code, out, err = run_cli("search", "lanterns")
    assert code == 0, err
    assert "Lantern festival returns after long pause" in out
    assert "[lantern]" in out.lower()


def test_search_hits_print_published_as_show_does(cli_json, write):
    path = write("quay.txt", "Quay repairs begin\n\nWork crews began repairing the old quay wall on Monday morning, "
                             "the harbour master said, after winter storms loosened several large stones.\n")
    aid = cli_json("import", path, "--date", "2026-02-11")["imported"][0]["id"]
    hit = cli_json("search", "quay")["hits"][0]
    assert hit["id"] == aid
    assert hit["published"] == cli_json("show", aid)["published"] == "2026-02-11"
