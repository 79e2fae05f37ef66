"""One validation rule for metadata typed in the CLI or the app (the core enforces it)."""
import pytest

from clipper.errors import InputError
from clipper.models import ArticleDraft
from clipper.validation import check_published, check_url


def test_published():
    assert check_published("2026-02-11") == "2026-02-11"
    assert check_published(" 2026-02-11T10:00:00Z ") == "2026-02-11T10:00:00Z"
    assert check_published("") is None
    for bad in ("next tuesday", "2026-13-01", "11/02/2026"):
        with pytest.raises(InputError, match="YYYY-MM-DD"):
            check_published(bad)


def test_url():
    assert check_url("HTTPS://News.Example/a?utm_source=x&b=2#top") == "https://news.example/a?b=2"
    assert check_url("") == ""
    for bad in ("javascript:alert(1)", "news.example/a", "ftp://x.example/f"):
        with pytest.raises(InputError, match="http"):
            check_url(bad)


def test_edit_refuses_what_the_cli_refuses_and_leaves_the_article(lib):
    aid = lib.articles.add(ArticleDraft(title="T", text="Some text here.", published="2026-01-02")).id
    with pytest.raises(InputError):
        lib.articles.edit(aid, published="next tuesday")
    with pytest.raises(InputError):
        lib.articles.edit(aid, url="javascript:alert(1)")
    a = lib.articles.get(aid)
    assert (a.published, a.url) == ("2026-01-02", "")
    lib.articles.edit(aid, url="https://Example.org/x?utm_medium=m", published="")
    a = lib.articles.get(aid)
    assert (a.published, a.url) == (None, "https://example.org/x")
