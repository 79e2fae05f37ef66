"""Keeping the derived search index honest: check, repair, rebuild.

The index is disposable; the database is the truth. ``check`` compares what the index holds
(id → stamp) with the database (id → rev) and reports missing, extra and stale documents;
``repair`` fixes exactly those; ``reindex`` rebuilds everything from the database.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

from clipper.jobs import CancelToken, Job, Progress, run_job
from clipper.storage import articles as article_store
from clipper.storage import db as dbmod
from clipper.storage import docs
from clipper.storage import passages as passage_store


@dataclass
class Drift:
    missing_articles: list[int] = field(default_factory=list)
    extra_articles: list[int] = field(default_factory=list)
    stale_articles: list[int] = field(default_factory=list)
    missing_passages: list[int] = field(default_factory=list)
    extra_passages: list[int] = field(default_factory=list)
    stale_passages: list[int] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(v) for v in asdict(self).values())


def _diff(db_revs: dict[int, int], stamps: dict[int, str]) -> tuple[list[int], list[int], list[int]]:
    missing = sorted(set(db_revs) - set(stamps))
    extra = sorted(set(stamps) - set(db_revs))
    stale = sorted(i for i in set(db_revs) & set(stamps) if str(db_revs[i]) != str(stamps[i]))
    return missing, extra, stale


def drift(lib) -> Drift:
    a_stamps, p_stamps = lib.index.stamps()
    ma, ea, sa = _diff(article_store.revs(lib.db), a_stamps)
    mp, ep, sp = _diff(passage_store.revs(lib.db), p_stamps)
    return Drift(ma, ea, sa, mp, ep, sp)


def check(lib, repair: bool = False, deep: bool = False) -> dict:
    """Database integrity and index drift; with ``deep``, also read back the whole index
    (every posting block is checksummed). With ``repair``, fix the drift or rebuild."""
    problems = dbmod.integrity_check(lib.db)
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
    report["index"].update(asdict(d))
    report["index"]["needs_rebuild"] = needs_rebuild
    report["index"]["ok"] = d.total == 0 and not needs_rebuild
    if repair and not report["index"]["ok"]:
        fixed = repair_drift(lib, d) if not needs_rebuild else None
        if fixed is None:
            run_job(reindex(lib))
            report["index"]["rebuilt"] = True
        report["index"]["repaired"] = True
        after = drift(lib)
        report["index"]["ok_after_repair"] = after.total == 0
    report["ok"] = report["database"]["ok"] and (report["index"]["ok"] or report["index"].get("ok_after_repair", False))
    return report


def repair_drift(lib, d: Drift) -> int:
    """Apply exactly the missing/stale/extra documents to the index."""
    if d.total == 0:
        return 0
    lib.index.update(
        articles=list(docs.article_docs(lib.db, d.missing_articles + d.stale_articles)),
        passages=list(docs.passage_docs(lib.db, d.missing_passages + d.stale_passages)),
        delete_articles=d.extra_articles,
        delete_passages=d.extra_passages,
    )
    return d.total


def repair(lib) -> dict:
    """Called on open when the index is missing, damaged or marked dirty."""
    if lib.index.needs_rebuild:
        run_job(reindex(lib))
        result = {"rebuilt": True}
    else:
        d = drift(lib)
        # A big drift is cheaper to rebuild than to patch document by document.
        if d.total > 5000:
            run_job(reindex(lib))
            result = {"rebuilt": True}
        else:
            result = {"repaired": repair_drift(lib, d)}
    lib.index_repaired()
    return result


def reindex(lib, cancel: CancelToken | None = None) -> Job[dict]:
    """Rebuild the whole index from the database (a job yielding Progress)."""
    n_articles = article_store.count(lib.db)
    n_passages = passage_store.count(lib.db)
    yield Progress(0, n_articles + n_passages, "rebuilding search index")
    job = lib.index.rebuild(docs.article_docs(lib.db), docs.passage_docs(lib.db),
                            total=n_articles + n_passages, cancel=cancel)
    while True:
        try:
            progress = next(job)
        except StopIteration:
            break
        yield progress
    lib.index_repaired()
    return {"articles": n_articles, "passages": n_passages}
