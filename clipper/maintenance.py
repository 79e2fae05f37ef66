"""Keeping the derived search index honest: check, repair, rebuild.

The index is disposable; the database is the truth. ``check`` compares what the index holds
(id → stamp) with the database (id → rev) and reports missing, extra and stale documents;
``repair`` fixes exactly those; ``reindex`` rebuilds everything from the database.
"""
from __future__ import annotations

from dataclasses import asdict

from clipper import index_lane
from clipper.index_lane import Drift, apply_drift, drift_of, rebuild_index
from clipper.jobs import CancelToken, Job, run_job
from clipper.storage import articles as article_store
from clipper.storage import changelog
from clipper.storage import health
from clipper.storage import passages as passage_store

__all__ = ["Drift", "apply_drift", "check", "drift", "drift_of", "rebuild_index", "reindex", "repair",
           "repair_drift"]


def drift(lib) -> Drift:
    lib.wait_for_index()
    return drift_of(lib.db, lib.index)


def check(lib, repair: bool = False, deep: bool = False) -> dict:
    """Database integrity and index drift; with ``deep``, also read back the whole index
    (every posting block is checksummed). With ``repair``, fix the drift or rebuild.

    Without ``repair`` nothing is written: an index found missing or damaged stays marked
    for a rebuild at the next open."""
    problems = health.integrity_check(lib.db)
    report = {
        "database": {"ok": not problems, "problems": problems},
        "articles": article_store.count(lib.db),
        "passages": passage_store.count(lib.db),
        "index": {"rebuilt": False},
    }
    if deep:
        report["index"]["damaged"] = lib.index.verify()
    needs_rebuild = lib.index.needs_rebuild
    d = drift(lib)
    behind = changelog.max_seq(lib.db) - (lib.index.applied_seq or 0)
    report["index"].update(asdict(d))
    report["index"]["needs_rebuild"] = needs_rebuild
    report["index"]["applied_seq"] = lib.index.applied_seq
    report["index"]["log_behind"] = max(0, behind)
    report["index"]["ok"] = d.total == 0 and not needs_rebuild
    if repair and not (report["index"]["ok"] and lib.index.applied_seq is not None and behind <= 0):
        with lib.index_lane_lock():
            if needs_rebuild or d.total > 5000:
                run_job(reindex(lib))
                report["index"]["rebuilt"] = True
            else:
                top = changelog.max_seq(lib.db)
                apply_drift(lib.db, lib.index, d)
                lib.index.set_applied(top)
        report["index"]["repaired"] = True
        after = drift(lib)
        report["index"]["ok_after_repair"] = after.total == 0
    report["ok"] = report["database"]["ok"] and (report["index"]["ok"] or report["index"].get("ok_after_repair", False))
    return report


def repair_drift(lib, d: Drift) -> int:
    return apply_drift(lib.db, lib.index, d)


def repair(lib, lock_wait: float | None = None) -> dict:
    """Bring the index up to the database (on open, when it is behind, damaged or of
    unknown state): replay the change log, or rebuild. Holds the lane lock (waiting at most
    ``lock_wait`` seconds for it: LibraryLocked)."""
    with lib.index_lane_lock(lock_wait):
        lib.index.reload_state()
        lib.index.refresh()
        result = run_job(index_lane.catch_up(lib.db, lib.index))
    lib.index_repaired()
    return {"rebuilt": True} if result.rebuilt else {"repaired": result.replayed}


def reindex(lib, cancel: CancelToken | None = None) -> Job[dict]:
    """Rebuild the whole index from the database (a job yielding Progress)."""
    with lib.index_lane_lock():
        result = yield from rebuild_index(lib.db, lib.index, cancel=cancel)
    lib.index_repaired()
    return result
