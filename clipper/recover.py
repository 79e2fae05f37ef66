"""``clipper recover``: put the newest verified automatic backup in place of a damaged
database (keeping the damaged file aside), then rebuild the search index.

The probes and the swap live in ``clipper.recovery`` (which ``Library.open`` uses on every
open); this module opens a ``Library`` to rebuild the index, so it sits above both.
"""
from __future__ import annotations

from pathlib import Path

from clipper import backup, paths
from clipper.errors import ClipperError, LibraryCorrupt, LibraryError
from clipper.jobs import run_job
from clipper.library import Library
from clipper.maintenance import reindex
from clipper.recovery import diagnose, swap_in


def restore_newest(folder) -> Path | None:
    """Restore the newest verified automatic backup into ``folder`` (which must hold no
    database: set it aside first) and rebuild the search index. Returns the backup used,
    or None when there is no verified backup."""
    folder = Path(folder)
    if (folder / paths.DB_NAME).exists():
        raise LibraryError(f"{folder} still holds a database; set it aside before restoring")
    source = backup.newest_verified(folder)
    if source is None:
        return None
    backup.restore_into(source, folder)
    _rebuild_index(folder)
    return source


def _rebuild_index(folder: Path) -> str | None:
    """Rebuild the index of a freshly restored database; a failure leaves the drift marker
    (the next open repairs it) and is returned as a warning."""
    marker = folder / paths.DIRTY_MARKER
    try:
        marker.touch()
    except OSError:
        pass
    try:
        lib = Library.open(folder, create=False, repair_index=False)
    except ClipperError as exc:
        return f"search index not rebuilt ({exc}); it is rebuilt when the library is next opened"
    try:
        run_job(reindex(lib))
    except Exception as exc:  # noqa: BLE001 - the database is restored; the index is derived
        return f"search index not rebuilt ({exc}); it is rebuilt when the library is next opened"
    finally:
        lib.close()
    return None


def recover(folder) -> dict:
    """Diagnose; if damaged and a verified backup exists, restore it in the damaged
    database's place, keeping the damaged file aside. Returns a report dict.

    Raises LibraryError when there is nothing to restore, when the library is not damaged
    but unusable for another reason (disk full, read-only, locked), or when the restore
    cannot be completed; in all those cases nothing in the folder was changed."""
    folder = Path(folder)
    try:
        diagnosis = diagnose(folder, full=True)
    except LibraryCorrupt:
        raise
    except LibraryError as exc:  # disk full, read-only, locked: not damage, nothing to restore
        raise type(exc)(f"{exc}; recover changed nothing") from None
    report = {"library": str(folder), "damaged": not diagnosis.ok, "problem": diagnosis.problem,
              "detail": diagnosis.detail, "damaged_copy": None, "restored_from": None}
    if diagnosis.ok:
        return report
    if diagnosis.backup is None:
        raise LibraryError(f"{diagnosis.message}; nothing was changed")
    staged, articles = backup.stage(diagnosis.backup, folder)
    try:
        report["damaged_copy"] = str(swap_in(folder, staged))
    except BaseException:
        backup.discard(staged)
        raise
    report["restored_from"] = str(diagnosis.backup)
    report["articles"] = articles
    warning = _rebuild_index(folder)
    if warning:
        report["index_warning"] = warning
    return report
