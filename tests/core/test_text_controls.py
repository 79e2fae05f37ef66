"""The one rule for controls in stored metadata (clipper.text.controls.clean_field) and
the escaping of everything the command line prints (clipper.cli.common)."""
from __future__ import annotations

import io
import json

import pytest

from clipper.cli.common import SafeStream, escape, one_line
from clipper.text.controls import clean_field


@pytest.mark.parametrize("raw, single, multi", [
    ("plain title", "plain title", "plain title"),
    ("a\x1b[31mb", "a[31mb", "a[31mb"),                      # ESC (CSI follows)
    ("a\x1b]0;x\x07b", "a]0;xb", "a]0;xb"),                   # OSC ... BEL
    ("a\x9b2Jb\x9d", "a2Jb", "a2Jb"),                         # C1 CSI, C1 OSC
    ("a\x00b\x7fc", "abc", "abc"),                            # NUL, DEL
    ("report\u202etxt.exe", "reporttxt.exe", "reporttxt.exe"),  # RLO
    ("x\u202a\u202b\u202c\u202d\u2066\u2067\u2068\u2069y", "xy", "xy"),
    ("one\u2028two\u2029three", "one two three", "one\ntwo\n\nthree"),
    ("one\r\ntwo\rthree\x85four", "one two three four", "one\ntwo\nthree\nfour"),
    ("tab\there  and\n\nmore", "tab here and more", "tab\there  and\n\nmore"),
    ("bad \udcff byte", "bad \ufffd byte", "bad \ufffd byte"),
    ("חומת הים \u200fנבנתה", "חומת הים \u200fנבנתה", "חומת הים \u200fנבנתה"),  # RTL text and RLM kept
    ("عربي\u061c", "عربي\u061c", "عربي\u061c"),
    ("", "", ""),
])
def test_clean_field(raw, single, multi):
    assert clean_field(raw) == single
    assert clean_field(raw, multiline=True) == multi


def test_clean_field_of_none_is_empty():
    assert clean_field(None) == ""


def test_escape_keeps_newline_and_tab_and_shows_the_rest():
    assert escape("a\tb\nc") == "a\tb\nc"
    assert escape("\x1b[2J\r\x85\u202e\u2028\udcff") == "\\u001b[2J\\u000d\\u0085\\u202e\\u2028\\udcff"
    assert one_line("a\nb\tc") == "a\\u000ab\\u0009c"
    assert escape("Ünïcödé — “quotes” 中文 עברית") == "Ünïcödé — “quotes” 中文 עברית"


def test_safe_stream_escapes_and_keeps_json_valid():
    raw = io.StringIO()
    stream = SafeStream(raw)
    value = "t\x7f\x9b\u202e\u2028x"
    json.dump({"title": value}, stream, ensure_ascii=False)
    assert not any(c in raw.getvalue() for c in "\x7f\x9b\u202e\u2028")
    assert json.loads(raw.getvalue()) == {"title": value}


def test_safe_stream_drops_what_a_forked_child_writes():
    raw = io.StringIO()
    stream = SafeStream(raw)
    stream._pid = -1  # as seen from a forked worker process
    stream.write("Traceback (most recent call last):\n")
    assert raw.getvalue() == ""
    SafeStream(raw, children=True).write("shown with --debug\n")
    assert raw.getvalue() == "shown with --debug\n"
