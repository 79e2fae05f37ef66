"""Importers: turn sources (files, folders, stdin, URLs) into ArticleDrafts.

Qt-free and storage-free. The library's import job calls ``expand_sources`` once and
``load_source`` per item; storing, deduplicating, overrides (--title, --tag ...) and
indexing are the library's business.
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from clipper.errors import InputError
from clipper.models import ArticleDraft

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
TEXT_SUFFIXES = {".txt", ".text", ".md"}


@dataclass
class ImportOptions:
    max_bytes: int = DEFAULT_MAX_BYTES
    fetch_full: bool = False
    timeout: float = 20.0


def expand_sources(sources: list[str], options: ImportOptions | None = None) -> list[str]:
    """Folders become the importable files below them (sorted, recursive)."""
    out: list[str] = []
    for src in sources:
        if src == "-" or "://" in src:
            out.append(src)
            continue
        path = Path(src)
        if path.is_dir():
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith(".") and not d.endswith("_files"))
                for name in sorted(files):
                    if name.startswith("."):
                        continue
                    if Path(name).suffix.lower() in TEXT_SUFFIXES:
                        out.append(str(Path(root) / name))
        else:
            out.append(src)
    return out


def read_limited(stream: BinaryIO, max_bytes: int, source: str) -> bytes:
    data = stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise InputError(f"{source}: larger than the {max_bytes // (1024 * 1024)} MB import limit")
    return data


def read_file(path: Path, max_bytes: int) -> bytes:
    """Read a file, checking the size cap before reading a single byte."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None
    if path.is_dir():
        raise InputError(f"{path}: is a folder")
    if size > max_bytes:
        raise InputError(f"{path}: larger than the {max_bytes // (1024 * 1024)} MB import limit")
    try:
        with path.open("rb") as fh:
            return read_limited(fh, max_bytes, str(path))
    except PermissionError:
        raise InputError(f"{path}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def load_source(source: str, options: ImportOptions | None = None, stdin: BinaryIO | None = None) -> list[ArticleDraft]:
    """Load one source into drafts. Raises InputError with a clear message."""
    from clipper.importers import plaintext

    options = options or ImportOptions()
    if source == "-":
        stream = stdin if stdin is not None else sys.stdin.buffer
        data = read_limited(stream, options.max_bytes, "stdin")
        return [plaintext.parse_bytes(data, source="stdin")]
    if "://" in source:
        raise InputError(f"{source}: importing URLs is not supported yet")
    path = Path(source)
    data = read_file(path, options.max_bytes)
    return [plaintext.parse_bytes(data, source=str(path))]
