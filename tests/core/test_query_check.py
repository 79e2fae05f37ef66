"""Structural query problems are said in words (CLI exit 1; the app shows them)."""
import pytest

from clipper.query_check import query_problem


@pytest.mark.parametrize("q, words", [
    ("title:(", "parenthesis after title: is never closed"),
    ("(missile", "never closed"),
    ("missile)", "closing parenthesis at character 8"),
    ("iran ()", "empty parentheses"),
    ("title:", "title: needs something"),
    ("tag: iran", "tag: needs something"),
])
def test_problems(q, words):
    assert words in query_problem(q)


@pytest.mark.parametrize("q", [
    "", "missile", "(marina OR museum) AND missile", "title:(museum OR harbour)", '"a ( quote"',
    "published:[2026-02-01 TO]", "site:reuters.com", "title:-iran", "published:>-7d", "-iran",
    '"unbalanced quote', "12:30", "http://example.org",
])
def test_good_queries_have_no_problem(q):
    assert query_problem(q) is None


def test_cli_says_what_is_wrong(run_cli):
    code, out, err = run_cli("search", "title:(")
    assert code == 1 and out == ""
    assert err.strip() == "clipper: error: the parenthesis after title: is never closed"
