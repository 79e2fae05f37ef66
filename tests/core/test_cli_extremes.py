"""Arguments at the edges of what the CLI can hold (issue 14, item 10): ids above SQLite's
largest integer, the first and last representable dates, an empty --library."""
from __future__ import annotations

import pytest

from clipper_testkit import MISSILE_ARTICLE, one_error_line

HUGE = str(2 ** 64)
JUST_ABOVE = str(2 ** 63)


@pytest.mark.parametrize("args", [
    ["show", HUGE], ["delete", JUST_ABOVE], ["edit", HUGE, "--title", "x"], ["passage", "show", HUGE],
    ["passage", "delete", JUST_ABOVE], ["tag", "add", HUGE, "iran"], ["note", HUGE, "text"],
    ["note", "--passage", HUGE, "text"], ["highlight", HUGE, "--quote", "missile"],
    ["export", "--format", "json", "--article", HUGE, "-o", "out.json"],
])
def test_ids_beyond_sqlite_are_a_usage_error(run_cli, args):
    code, out, err = run_cli(*args)
    line = one_error_line(err)  # before: "unexpected OverflowError"
    assert code == 2 and "OverflowError" not in line and "ids go up to" in line, line
    assert out == ""


def test_largest_id_is_simply_not_found(run_cli, cli_json, write):
    cli_json("import", write("a.txt", MISSILE_ARTICLE))
    code, _, err = run_cli("show", str(2 ** 63 - 1))
    assert code == 1 and "no article" in one_error_line(err)


def test_a_huge_limit_means_all(cli_json, write):
    cli_json("import", write("a.txt", MISSILE_ARTICLE))
    assert len(cli_json("list", "--limit", HUGE)["articles"]) == 1
    assert cli_json("search", "missile", "--limit", HUGE)["total"] == 1


def test_the_whole_calendar_as_a_date_range(cli_json, write):
    cli_json("import", write("a.txt", MISSILE_ARTICLE), "--date", "2026-02-11")
    cli_json("import", write("b.txt", MISSILE_ARTICLE.replace("missile", "rocket")), "--date", "9999-12-31")
    cli_json("import", write("c.txt", MISSILE_ARTICLE.replace("missile", "drone")), "--date", "0001-01-01")
    for query, total in [("published:[0001-01-01 TO 9999-12-31]", 3),  # before: "not a valid date"
                         ("published:9999-12-31", 1), ("published:<=9999-12-31", 3),
                         ("published:>=0001-01-01", 3), ("published:[9999-12-31 TO]", 1),
                         ("published:0001-01-01", 1), ("published:[0001 TO 9999]", 3),
                         ("published:>9999-12-31", 0)]:
        assert cli_json("search", query)["total"] == total, query


@pytest.mark.parametrize("value", ["", "  "])
def test_an_empty_library_folder_is_refused(run_cli, tmp_path, value, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, out, err = run_cli("--library", value, "list")
    assert code == 2 and "--library" in one_error_line(err) and out == ""
    # before: it silently opened (and created) the default library
    assert not (tmp_path / "default-library").exists()
    code, _, err = run_cli("list", "--library", value)
    assert code == 2
