"""The import job: sources → drafts (clipper.importers) → stored articles.

A job (generator) yielding Progress per source, checking the cancel token between items.
Each article is committed in its own transaction, so a cancelled or failed item leaves
nothing half-stored; the search index is updated in batches, by a second process for big
imports, overlapping with the storing (see Library.deferred_index).
"""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass, field, replace
from typing import BinaryIO

from clipper.errors import Cancelled, ClipperError, InputError, LibraryError
from clipper.importers import ImportOptions, display_name, expand_sources, load_source_items
from clipper.jobs import CancelToken, Job, Progress
from clipper.models import ArticleDraft


@dataclass
class Overrides:
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    url: str | None = None
    tags: list[str] = field(default_factory=list)
    author: str | None = None

    def apply(self, draft: ArticleDraft) -> ArticleDraft:
        if self.title:
            draft.title = self.title
        if self.outlet:
            draft.outlet = self.outlet
        if self.published:
            draft.published = self.published
        if self.author:
            draft.author = self.author
        if self.url:
            from clipper.importers.urls import web_url

            draft.url = web_url(self.url)
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
    # The library became unusable part-way (disk full, locked): {"source", "error"}. What
    # was stored before stays stored (each article is its own transaction) and is listed.
    stopped: dict | None = None
    # Stored, but the user should look: {"source", "id", "title", "warning"} (text that
    # still looks garbled after decoding, see clipper.text.encoding).
    warnings: list[dict] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"imported": self.imported, "duplicates": self.duplicates, "updated": self.updated,
                "failed": self.failed, "cancelled": self.cancelled, "stopped": self.stopped,
                "warnings": self.warnings}


def _load_items(source: str, options: ImportOptions, stdin: BinaryIO | None) -> list:
    """Drafts and per-entry errors of one source (a seam the import benchmark times)."""
    return load_source_items(source, options, stdin=stdin)


def _load_with_progress(source: str, options: ImportOptions, stdin: BinaryIO | None,
                        cancel: CancelToken | None, done: int, total: int):
    """``_load_items``, yielding Progress for every page fetched when ``--fetch-full``
    fetches the entries of a feed or export (a thread loads; this generator reports),
    and stopping at the next entry on cancel (Cancelled). Returns the items."""
    if not options.fetch_full:
        return _load_items(source, options, stdin)
    events: queue.Queue = queue.Queue()
    fetched = [0]
    stop = threading.Event()  # the job went away (generator closed)

    def on_fetch(url: str) -> None:
        # Lockstep with the job: the page is fetched once its progress was reported, so a
        # cancel seen by the caller at "page k" stops before page k + 1 is requested.
        fetched[0] += 1
        resumed = threading.Event()
        events.put((url, resumed))
        while not resumed.wait(0.2):
            if stop.is_set():
                raise Cancelled("import cancelled")
        if cancel is not None:
            cancel.raise_if_cancelled()

    opts = replace(options, cancel=cancel, on_fetch=on_fetch)
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["items"] = _load_items(source, opts, stdin)
        except BaseException as exc:  # noqa: BLE001 - re-raised in the job below
            outcome["error"] = exc
        finally:
            events.put(None)

    worker = threading.Thread(target=run, name="clipper-fetch-full", daemon=True)
    worker.start()
    try:
        while True:
            event = events.get()
            if event is None:
                break
            url, resumed = event
            yield Progress(done, total, f"{source}: fetching page {fetched[0]}: {url}")
            resumed.set()
    finally:
        stop.set()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["items"]


def import_sources(lib, sources: list[str], *, options: ImportOptions | None = None,
                   overrides: Overrides | None = None, stdin: BinaryIO | None = None,
                   cancel: CancelToken | None = None, update_changed: bool = True) -> Job[ImportReport]:
    options = options or ImportOptions()
    overrides = overrides or Overrides()
    report = ImportReport()
    expanded = expand_sources(list(sources), options)
    total = len(expanded)
    yield Progress(0, total, "")
    if total:
        lib.articles.load_signatures()  # before holding the index lane: seconds at 100k articles
    with lib.deferred_index(background=True, expected=total):
        for n, path in enumerate(expanded):
            source = display_name(path)  # printable: a name's non-UTF-8 bytes as \xNN
            if cancel is not None and cancel.cancelled:
                report.cancelled = True
                break
            yield Progress(n, total, source)
            try:
                items = yield from _load_with_progress(path, options, stdin, cancel, n, total)
            except Cancelled:
                report.cancelled = True
                break
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
                except LibraryError as exc:  # disk full, locked: stop, keep the report
                    report.stopped = {"source": item.source or source, "error": str(exc)}
                    break
                entry = {"source": item.source or source, "id": result.id, "title": result.title}
                warning = (item.extra or {}).get("encoding_warning")
                if warning and result.status != "duplicate":
                    report.warnings.append({**entry, "warning": f"{entry['source']}: {warning}"})
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
            if report.cancelled or report.stopped:
                break
    yield Progress(total if not report.cancelled else n, total, "done")
    return report
