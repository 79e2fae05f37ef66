"""Exports: PDF, Markdown, CSV, JSON and W3C Web Annotations from an :class:`ExportDocument`.

``export(doc, fmt, path)`` writes the whole file to a temporary file in the target folder
and moves it over ``path`` with :func:`os.replace`, so a failed export never leaves a
half-written file (nor a stray temporary file) behind. A target that is not a regular file
(a symbolic link, a device such as /dev/null, a FIFO) is refused before anything is
written (see clipper.output); ``write_to`` streams into an open file (standard output). The PDF renderer (the only module
here that needs Qt) is imported only when a PDF is asked for.
"""
from __future__ import annotations

import errno
import importlib
import os
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable

from clipper import leftovers
from clipper.errors import ClipperError, ExportError
from clipper.export.model import (
    ExportArticle,
    ExportDocument,
    ExportPassage,
    ExportTag,
    citation,
    group_by_tag,
    safe_filename,
)
from clipper.output import target_problem

__all__ = [
    "FORMATS",
    "ExportArticle",
    "ExportDocument",
    "ExportPassage",
    "ExportTag",
    "citation",
    "export",
    "group_by_tag",
    "safe_filename",
]

# format name -> (module, default file extension)
FORMATS: dict[str, tuple[str, str]] = {
    "pdf": ("clipper.export.pdf", ".pdf"),
    "md": ("clipper.export.markdown", ".md"),
    "markdown": ("clipper.export.markdown", ".md"),
    "csv": ("clipper.export.csv_export", ".csv"),
    "json": ("clipper.export.json_export", ".json"),
    "w3c": ("clipper.export.w3c", ".jsonld"),
    "csl-json": ("clipper.export.bibliographic:write_csl_json", ".json"),
    "bibtex": ("clipper.export.bibliographic:write_bibtex", ".bib"),
    "ris": ("clipper.export.bibliographic:write_ris", ".ris"),
    "docx": ("clipper.export.docx:write", ".docx"),
    "html": ("clipper.export.html_export:write", ".html"),
}
# Formats that print a briefing (clipper.export.briefing) when one is given.
BRIEFING_FORMATS = ("pdf", "docx", "html")
PAGE_SIZES = ("A4", "Letter")


def _writer(fmt: str) -> Callable[..., None]:
    # Resolved at call time so the PDF module (and Qt) is only imported when needed.
    module_name, _, attr = FORMATS[fmt][0].partition(":")
    return getattr(importlib.import_module(module_name), attr or "write")


def _describe_os_error(exc: OSError, path: Path) -> str:
    folder = path.parent
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"Cannot write {path}: permission denied"
    if exc.errno == errno.ENOENT:
        return f"Cannot write {path}: folder {folder} does not exist"
    if exc.errno == errno.ENOTDIR:
        return f"Cannot write {path}: {folder} is not a folder"
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"Cannot write {path}: disk full"
    if exc.errno == errno.EISDIR:
        return f"Cannot write {path}: it is a folder"
    if exc.errno == errno.ENAMETOOLONG:
        return f"Cannot write {path}: file name too long"
    return f"Cannot write {path}: {exc.strerror or exc}"


def export(doc: ExportDocument, fmt: str, path: Path | str, page_size: str = "A4",
           briefing=None) -> Path:
    """Write ``doc`` as ``fmt`` ("pdf", "md"/"markdown", "csv", "json", "w3c", "csl-json",
    "bibtex", "ris", "docx", "html") to ``path``.

    ``page_size`` ("A4" or "Letter") applies to PDF. ``briefing`` (a
    :class:`clipper.export.briefing.BriefingOptions`) makes PDF a briefing (cover, contents,
    sections, bibliography); DOCX and HTML are always briefings (default options). Returns the path written. Raises
    :class:`ExportError` with a one-line reason when the format or page size is unknown or
    the target cannot be written; an existing file at ``path`` is then left untouched.
    """
    key = (fmt or "").strip().lower()
    if key not in FORMATS:
        raise ExportError(
            f"Unknown export format {fmt!r} (choose from {', '.join(sorted(FORMATS))})"
        )
    size = next((s for s in PAGE_SIZES if s.lower() == str(page_size).strip().lower()), None)
    if size is None:
        raise ExportError(f"Unknown page size {page_size!r} (choose A4 or Letter)")
    path = Path(path).expanduser()
    problem = target_problem(path)
    if problem is None and path.is_dir():
        problem = "it is a folder"
    if problem:
        raise ExportError(f"Cannot write {path}: {problem}")
    folder = path.parent
    if not folder.is_dir():
        reason = "is not a folder" if folder.exists() else "does not exist"
        raise ExportError(f"Cannot write {path}: folder {folder} {reason}")

    try:
        fd, tmp_name = tempfile.mkstemp(prefix=leftovers.export_part_prefix(path), suffix=".part", dir=folder)
    except OSError as exc:
        raise ExportError(_describe_os_error(exc, path)) from exc
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as fh:
            write_to(fh, doc, key, page_size=size, briefing=briefing)
            fh.flush()
            os.fsync(fh.fileno())
        try:
            # mkstemp makes the file 0600: keep the replaced file's mode, else rw-r--r--.
            mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
            os.chmod(tmp, mode)
        except OSError:
            pass
        problem = target_problem(path)  # made a link or a device while we wrote?
        if problem:
            raise ExportError(f"Cannot write {path}: {problem}")
        os.replace(tmp, path)
    except ClipperError:
        _discard(tmp)
        raise
    except OSError as exc:
        _discard(tmp)
        raise ExportError(_describe_os_error(exc, path)) from exc
    except Exception as exc:  # a renderer bug must not leave a partial file either
        _discard(tmp)
        raise ExportError(f"Export to {path.name} failed: {exc}") from exc
    leftovers.clean_export_parts(path)  # .part files of killed exports to this target
    return path


def _discard(tmp: Path) -> None:
    try:
        tmp.unlink()
    except FileNotFoundError:
        pass
    except OSError:
        pass


def write_to(fh: BinaryIO, doc: ExportDocument, fmt: str, page_size: str = "A4",
             briefing=None) -> None:
    """Write ``doc`` as ``fmt`` into an open binary file (no atomic-replace handling)."""
    key = (fmt or "").strip().lower()
    if key not in FORMATS:
        raise ExportError(f"Unknown export format {fmt!r}")
    if key == "pdf" and briefing is not None:
        from clipper.export import pdf

        pdf.write_briefing(doc, fh, page_size=page_size, briefing=briefing)
    elif key == "pdf":
        _writer(key)(doc, fh, page_size=page_size)
    elif key in BRIEFING_FORMATS:
        _writer(key)(doc, fh, briefing=briefing)
    else:
        _writer(key)(doc, fh)
