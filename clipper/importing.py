"""The import job: sources → drafts (clipper.importers) → stored articles.

A job (generator) yielding Progress per source, checking the cancel token between items.
Each article is committed in its own transaction, so a cancelled or failed item leaves
nothing half-stored; the search index is updated in batches, by a second process for big
imports, overlapping with the storing (see Library.deferred_index).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import BinaryIO

from clipper.errors import ClipperError, InputError
from clipper.importers import ImportOptions, expand_sources, load_source_items
from clipper.jobs import CancelToken, Job, Progress
from clipper.models import ArticleDraft


@dataclass
class Overrides:
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)

    def apply(self, draft: ArticleDraft) -> ArticleDraft:
        if self.title:
            draft.title = self.title
        if self.outlet:
            draft.outlet = self.outlet
        if self.published:
            draft.published = self.published
        if self.url:
            from clipper.importers.urls import canonical_url

            draft.url = canonical_url(self.url)
        if self.tags:
            draft.tags = list(dict.fromkeys([*draft.tags, *self.tags]))
        return draft


@dataclass
class ImportReport:
    imported: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    updated: list[dict] = field(default_factory=list)
    failed: list[dict] = field(default_factory=list)
    cancelled: bool = False

    def to_dict(self) -> dict:
        return {"imported": self.imported, "duplicates": self.duplicates, "updated": self.updated,
                "failed": self.failed, "cancelled": self.cancelled}


def _load_items(source: str, options: ImportOptions, stdin: BinaryIO | None) -> list:
    """Drafts and per-entry errors of one source (a seam the import benchmark times)."""
    return load_source_items(source, options, stdin=stdin)


def import_sources(lib, sources: list[str], *, options: ImportOptions | None = None,
                   overrides: Overrides | None = None, stdin: BinaryIO | None = None,
                   cancel: CancelToken | None = None, update_changed: bool = True) -> Job[ImportReport]:
    options = options or ImportOptions()
    overrides = overrides or Overrides()
    report = ImportReport()
    expanded = expand_sources(list(sources), options)
    total = len(expanded)
    yield Progress(0, total, "")
    with lib.deferred_index(background=True, expected=total):
        for n, source in enumerate(expanded):
            if cancel is not None and cancel.cancelled:
                report.cancelled = True
                break
            yield Progress(n, total, source)
            try:
                items = _load_items(source, options, stdin)
            except ClipperError as exc:
                report.failed.append({"source": source, "error": str(exc)})
                continue
            except (OSError, ValueError) as exc:  # an importer bug must not stop the whole import
                report.failed.append({"source": source, "error": f"{source}: {exc}"})
                continue
            for item in items:
                if cancel is not None and cancel.cancelled:
                    report.cancelled = True
                    break
                if isinstance(item, InputError):
                    report.failed.append({"source": source, "error": str(item)})
                    continue
                try:
                    result = lib.articles.add(overrides.apply(item), update_changed=update_changed)
                except InputError as exc:
                    report.failed.append({"source": source, "error": str(exc)})
                    continue
                entry = {"source": item.source or source, "id": result.id, "title": result.title}
                if result.status == "imported":
                    entry["related"] = result.related
                    report.imported.append(entry)
                elif result.status == "updated":
                    entry["reanchor"] = result.reanchor
                    report.updated.append(entry)
                else:
                    entry["reason"] = result.reason
                    report.duplicates.append(entry)
                lib.maybe_flush_index()
            if report.cancelled:
                break
    yield Progress(total if not report.cancelled else n, total, "done")
    return report
