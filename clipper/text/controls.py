"""Control characters in stored metadata: the one rule every write path applies.

Titles, standfirsts, outlets, agencies, authors, tag names and notes come from files,
feeds, web pages and the command line. Whatever they hold is later printed to a terminal,
shown in the GUI and exported, so before it is stored:

- C0 and C1 control characters (ESC, BEL, NUL, DEL, CSI, OSC, ...) are removed;
- bidirectional embedding, override and isolate controls (U+202A-U+202E, U+2066-U+2069)
  are removed: ``report\\u202etxt.exe`` would display as ``reportexe.txt``. Right-to-left
  text itself (Hebrew, Arabic...) and the plain direction marks (U+200E, U+200F, U+061C)
  are kept;
- line breaks (LF, CR, NEL, U+2028, U+2029, VT, FF) end a line in multi-line fields
  (notes) and become a space in single-line ones, where runs of white space are also
  collapsed; a tab is kept in notes and a space elsewhere;
- an unpaired surrogate (a file name that was not UTF-8) becomes U+FFFD.
"""
from __future__ import annotations

import re

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_LINE_BREAKS = {"\r\n": "\n", "\r": "\n", "\x85": "\n", "\u2028": "\n", "\u2029": "\n\n",
                "\x0b": "\n", "\x0c": "\n"}
_BREAK_RE = re.compile("\r\n|[\r\x85\u2028\u2029\x0b\x0c]")
# Every C0 control but tab and line feed, DEL, the C1 block, the bidi controls.
_DROP_RE = re.compile("[\x00-\x08\x0e-\x1f\x7f-\x9f" + BIDI_CONTROLS + "]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def clean_field(value: str | None, *, multiline: bool = False) -> str:
    """``value`` with controls removed as the module says. ``multiline`` for notes."""
    if not value:
        return value or ""
    text = _BREAK_RE.sub(lambda m: _LINE_BREAKS[m.group(0)], value)
    text = _DROP_RE.sub("", text)
    text = _SURROGATE_RE.sub("\ufffd", text)
    if multiline:
        return text
    return " ".join(text.split())
