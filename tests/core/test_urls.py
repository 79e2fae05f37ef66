"""Canonical URLs: one form per article link."""
from __future__ import annotations

import pytest

from clipper.importers.urls import canonical_url, host_of, is_fetchable, is_tracking_param


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("HTTPS://WWW.Example.COM/News/Story", "https://www.example.com/News/Story"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://example.com/a#comments", "https://example.com/a"),
        ("https://example.com", "https://example.com/"),
        ("https://example.com/a?utm_source=tw&utm_medium=social&id=3", "https://example.com/a?id=3"),
        ("https://example.com/a?fbclid=XYZ&gclid=1&mc_cid=2&mc_eid=3", "https://example.com/a"),
        ("https://example.com/a?z=1&a=2&m=", "https://example.com/a?a=2&m=&z=1"),
        ("https://example.com/a?UTM_Campaign=x&page=2", "https://example.com/a?page=2"),
        ("  https://example.com/a  ", "https://example.com/a"),
        ("https://user:secret@example.com/a", "https://example.com/a"),
        ("https://bücher.example/a", "https://xn--bcher-kva.example/a"),
    ],
)
def test_canonical_url(raw, expected):
    assert canonical_url(raw) == expected


def test_canonical_url_is_idempotent():
    once = canonical_url("HTTP://Ex.com:80/p?b=2&utm_id=1&a=1#x")
    assert canonical_url(once) == once == "http://ex.com/p?a=1&b=2"


def test_non_http_urls_are_left_alone():
    assert canonical_url("") == ""
    assert canonical_url("mailto:a@b.c") == "mailto:a@b.c"
    assert canonical_url("file:///etc/passwd") == "file:///etc/passwd"


@pytest.mark.parametrize(
    "url, ok",
    [
        ("https://example.com/a", True),
        ("http://127.0.0.1:8000/", True),
        ("file:///etc/passwd", False),
        ("ftp://example.com/", False),
        ("data:text/html,hi", False),
        ("javascript:alert(1)", False),
        ("//example.com/a", False),
        ("https:///nohost", False),
        ("example.com/a", False),
    ],
)
def test_is_fetchable(url, ok):
    assert is_fetchable(url) is ok


def test_tracking_params_and_host():
    assert is_tracking_param("utm_content") and is_tracking_param("FBCLID")
    assert not is_tracking_param("id") and not is_tracking_param("page")
    assert host_of("https://www.example.co.uk/x") == "example.co.uk"
    assert host_of("not a url") == ""
