"""Which Whoosh is installed, and whether Clipper's fast paths may run on it.

Clipper's fast paths are built on Whoosh's private names (all of them in
``whoosh_internals.py``), checked against one whoosh3 release: ``KNOWN``. With any other
version installed, or ``CLIPPER_STOCK_WHOOSH=1``, ``FAST`` is false and Clipper takes
Whoosh's public code paths (``engine.py`` routes them): slower, never wrong.
"""
from __future__ import annotations

import os
from importlib import metadata

KNOWN = ("3.54.0",)  # whoosh3 releases the fast paths were written and tested against


def whoosh_version() -> str:
    try:
        return metadata.version("whoosh3")
    except metadata.PackageNotFoundError:  # another distribution of the "whoosh" module
        import whoosh

        return "other " + whoosh.versionstring()


def fast_paths_enabled() -> bool:
    return os.environ.get("CLIPPER_STOCK_WHOOSH") != "1" and whoosh_version() in KNOWN


FAST = fast_paths_enabled()
