"""The small segments that edits leave while a bulk job is the index lane, kept merged.

While an import runs, the importing process is the index lane (``Library.deferred_index``)
and applies everyone's edits as they come, one commit and so one small segment each, in
both parts of the index. Its commits merge nothing, and the settler waits for the job to
end, so 400 edits during a 20,000-file import into 1,000 articles left 330 article and 244
passage segments; every commit and every reader refresh reads them all (the table of
contents lists each with its deletions: ~0.2 ms a segment per commit), and a search saw an
edit at p95 380 ms (p50 42 ms over the first 20 edits, 82 ms over the last of 200).

So once a part holds ``TEND_ABOVE`` segments of the lowest tier (``merging``), the lane
merges them in one merge, built beside the index in a child process
(``clipper.index.side_merge``: an edit is never queued behind a merge, and the merge never
holds the importing process's GIL) and swapped in by a short commit; one merge at a time;
never a segment of more than ``merging.FLOOR`` documents (so not the import's batches,
except maybe a last partial one); at most ``merging.INLINE_DOCS`` documents in one merge, so a merged
segment may be merged once more while it is still of the lowest tier. Each merge
re-indexes its documents (~13 ms an article) and starts a process (~0.25 s of CPU), once
per ~``TEND_ABOVE`` edits. Measured (same run, copies of one library, 400 edits during the
import): ~55 + 46 segments, seen p95 380 -> 102 ms. Two other ways were measured and not
kept: merging inside the importer's commits (an edit waited for the merge: seen p95 70 ->
353 ms at 40,000 articles) and merging eight segments at a time on a thread of the
importing process (its GIL and CPU: seen p95 108 -> 237 ms).
"""
from __future__ import annotations

import logging
import threading

from clipper.index import merging

log = logging.getLogger(__name__)

TEND_ABOVE = 48  # segments of the lowest tier in a part before they are merged
CANCEL_WAIT = 5.0  # seconds the end of a job waits for a cancelled build to clean up


def _due(segments, max_docs: int) -> list:
    return merging.choose_lowest_tier(segments, TEND_ABOVE, max_docs)


class SmallMerges:
    """Used by the thread that writes the index during a bulk job, which holds the lane
    lock; a helper thread only waits for the build's child process. Never raises: a merge
    is an optimisation (a failed one leaves the index as it was)."""

    def __init__(self, index):
        self.index = index  # a SearchIndex
        self._plan = None  # the side_merge.MergePlan being built, if any
        self._closed = False

    @property
    def building(self) -> bool:
        return self._plan is not None

    def tend(self, plan_next: bool = True) -> None:
        """Swap in a merge that is built; with ``plan_next``, start the next one that is
        due (none while one is built, none after ``close``)."""
        p = self._plan
        if p is not None:
            if not p.done.is_set():
                return
            self._plan = None
            try:
                self.index.swap_merge(p)
            except Exception as exc:  # noqa: BLE001 - the index is as it was
                log.info("small merge not swapped in: %s", exc)
                self.index.drop_merge(p)
                return
        if not plan_next or self._closed:
            return
        try:
            if not self.index.plans_merges:
                return
            p = self.index.plan_merge(merging.INLINE_DOCS, choose=_due)
            if p is None:
                return
            self._plan = p
            threading.Thread(target=self.index.build_merge, args=(p,), name="clipper-small-merge",
                             daemon=True).start()
        except Exception as exc:  # noqa: BLE001
            log.info("no small merge started: %s", exc)
            if self._plan is not None:
                self.index.drop_merge(self._plan)
                self._plan = None

    def close(self) -> None:
        """At the end of the job: swap in a merge that is built, cancel one still being
        built, plan none after this (the settler merges after the job)."""
        self._closed = True
        self.tend(plan_next=False)
        p, self._plan = self._plan, None
        if p is not None:
            p.cancel.set()
            p.done.wait(CANCEL_WAIT)  # its thread kills the child and removes the scratch folder
            self.index.drop_merge(p)  # (ended just before the cancel, or still ending)
