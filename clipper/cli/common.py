"""Helpers shared by the CLI command modules: opening the library, printing.

Nothing a file, a feed or a page put in a title, a tag or a file name may drive the
terminal: while a command runs, ``safe_output`` puts a ``SafeStream`` in front of stdout and
stderr that writes control characters (ESC, CSI, OSC, BEL, CR, DEL, C1), bidi overrides,
U+2028/U+2029 and unpaired surrogates as visible ``\\uXXXX`` escapes. Newline and tab pass,
so multi-line output stays as it is; ``one_line`` also escapes those, for a line whose
meaning depends on being one (an error, a file name). In JSON the escapes are JSON's own.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import sys
from contextlib import contextmanager
from typing import Iterator

from clipper.jobs import Progress


class UsageError(Exception):
    """A command line Clipper cannot run: one line, exit code 2."""


class Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit code 2 (via UsageError)."""

    def error(self, message: str):  # noqa: D401 - argparse override
        raise UsageError(message)


@contextmanager
def open_library(args, *, repair_index: bool = True) -> Iterator:
    from clipper.library import Library

    lib = Library.open(getattr(args, "library", None), repair_index=repair_index)
    try:
        yield lib
        lib.settle()
        if lib.index_warning:
            print(f"clipper: warning: {one_line(lib.index_warning)}", file=sys.stderr)
    finally:
        lib.close()


def library_folder(value: str) -> str:
    """``--library DIR``: an empty DIR is refused (it would silently mean the default library)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("needs a folder, not an empty name")
    return value


_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_UNSAFE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def _escape(match: re.Match) -> str:
    return f"\\u{ord(match.group(0)):04x}"


def escape(text: str) -> str:
    """``text`` with terminal controls, bidi overrides and odd line breaks made visible."""
    return _UNSAFE.sub(_escape, text)


def one_line(text) -> str:
    """``escape`` plus newline and tab: a file name or message that stays one line."""
    return _UNSAFE_LINE.sub(_escape, str(text))


class SafeStream:
    """A text stream that escapes what ``escape`` does before writing to ``raw``.

    A forked worker process (the search index's parallel writers) inherits this object;
    its writes (a traceback the parent also reports, in one line) are dropped unless
    ``children`` is set (--debug)."""

    def __init__(self, raw, *, children: bool = False):
        self.raw = raw
        self._pid = os.getpid()
        self._children = children

    def write(self, text: str) -> int:
        if not self._children and os.getpid() != self._pid:
            return len(text)
        self.raw.write(escape(text))
        return len(text)

    def __getattr__(self, name):
        return getattr(self.raw, name)


@contextmanager
def safe_output(debug: bool = False) -> Iterator[None]:
    out, err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = SafeStream(out, children=debug), SafeStream(err, children=debug)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = out, err


def wants_json(args) -> bool:
    return bool(getattr(args, "json", False))


def print_json(data) -> None:
    text = json.dumps(data, ensure_ascii=False, indent=2, default=str)
    try:
        text.encode(sys.stdout.encoding or "utf-8")
    except (UnicodeEncodeError, LookupError):  # e.g. a lone surrogate: \u escapes are still JSON
        text = json.dumps(data, ensure_ascii=True, indent=2, default=str)
    sys.stdout.write(text + "\n")


def emit(args, data, text: str) -> int:
    """Print ``data`` as JSON with --json, else the line(s) ``text``. Returns exit code 0."""
    if wants_json(args):
        print_json(data)
    else:
        print(text)
    return 0


class ProgressBar:
    """A one-line progress bar on stderr, only when stderr is a terminal."""

    def __init__(self, enabled: bool):
        self.enabled = enabled and sys.stderr.isatty()
        self._last = ""
        self._stream = getattr(sys.stderr, "raw", sys.stderr)  # its own \r, labels escaped below

    def __call__(self, p: Progress) -> None:
        if not self.enabled or not p.total:
            return
        width = 30
        filled = int(width * p.done / p.total)
        label = one_line(p.label)[-40:]
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {p.done}/{p.total} {label}"
        self._stream.write(line.ljust(len(self._last)))
        self._stream.flush()
        self._last = line

    def close(self) -> None:
        if self.enabled and self._last:
            self._stream.write("\r" + " " * len(self._last) + "\r")
            self._stream.flush()


MAX_ID = 2 ** 63 - 1  # SQLite's largest integer: no row id is above it


def positive_int(value: str) -> int:
    return min(_whole(value, "a number"), MAX_ID)  # a --limit of 10^20 means "all"


def record_id(value: str) -> int:
    """An article, passage or note id: a whole number SQLite can hold (a bigger one would
    be an OverflowError deep in a query rather than a usage error)."""
    n = _whole(value, "an id")
    if n > MAX_ID:
        raise argparse.ArgumentTypeError(f"no id is that large ({value}); ids go up to {MAX_ID}")
    return n


def _whole(value: str, what: str) -> int:
    """A whole number ≥ 0 from the command line, else an argparse type error."""
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} must be a whole number, not {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"{what} cannot be negative, not {value}")
    return n
