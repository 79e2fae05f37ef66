"""Helpers shared by the CLI command modules: opening the library, printing."""
from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from typing import Iterator

from clipper.jobs import Progress


@contextmanager
def open_library(args, *, repair_index: bool = True) -> Iterator:
    from clipper.library import Library

    lib = Library.open(getattr(args, "library", None), repair_index=repair_index)
    try:
        yield lib
        if lib.index_warning:
            print(f"clipper: warning: {lib.index_warning}", file=sys.stderr)
    finally:
        lib.close()


def library_folder(value: str) -> str:
    """``--library DIR``: an empty DIR is refused (it would silently mean the default library)."""
    import argparse

    if not value.strip():
        raise argparse.ArgumentTypeError("needs a folder, not an empty name")
    return value


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

    def __call__(self, p: Progress) -> None:
        if not self.enabled or not p.total:
            return
        width = 30
        filled = int(width * p.done / p.total)
        label = p.label[-40:]
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {p.done}/{p.total} {label}"
        sys.stderr.write(line.ljust(len(self._last)))
        sys.stderr.flush()
        self._last = line

    def close(self) -> None:
        if self.enabled and self._last:
            sys.stderr.write("\r" + " " * len(self._last) + "\r")
            sys.stderr.flush()


MAX_ID = 2 ** 63 - 1  # SQLite's largest integer: no row id is above it


def positive_int(value: str) -> int:
    return min(_whole(value, "a number"), MAX_ID)  # a --limit of 10^20 means "all"


def record_id(value: str) -> int:
    """An article, passage or note id: a whole number SQLite can hold (a bigger one would
    be an OverflowError deep in a query rather than a usage error)."""
    n = _whole(value, "an id")
    if n > MAX_ID:
        import argparse

        raise argparse.ArgumentTypeError(f"no id is that large ({value}); ids go up to {MAX_ID}")
    return n


def _whole(value: str, what: str) -> int:
    """A whole number ≥ 0 from the command line, else an argparse type error."""
    import argparse

    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{what} must be a whole number, not {value!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"{what} cannot be negative, not {value}")
    return n
