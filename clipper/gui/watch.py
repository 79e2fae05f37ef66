"""Watched articles in the app: Edit ▸ "Watch for changes" (Ctrl+Shift+W, also in the
list's context menu) marks the article(s); while the window is open a timer looks for
watched articles that are due (clipper.watch: the library's interval, default 6 h) and
refreshes them on a worker thread with the polite conditional requests of
clipper.refresh. The status bar reports the check; the list's rows, the open article and
its version bar are refreshed from the change record when new versions arrive.

``clock`` (a callable returning an aware UTC datetime) and the timer's interval are
injectable, so a test moves time forward instead of waiting hours.
"""
from __future__ import annotations

from datetime import datetime, timezone

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QInputDialog

from clipper.errors import ClipperError
from clipper.gui.util import elide

TICK_MS = 60_000  # how often the timer asks whether a watched article is due
CHOICES = ["30m", "1h", "2h", "6h", "12h", "1d"]


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


class WatchController(QObject):
    """The watch actions and the schedule, for ``window`` (the MainWindow)."""

    checked = Signal(object)  # a scheduled check ended: its RefreshReport

    def __init__(self, window, *, clock=_utcnow, tick_ms: int = TICK_MS):
        super().__init__(window)
        self.window = window
        self.lib = window.lib
        self.clock = clock
        self._job = None
        self._seq_before = 0
        self.act_watch = QAction("Watch for changes", window)
        self.act_watch.setCheckable(True)
        self.act_watch.setShortcut(QKeySequence("Ctrl+Shift+W"))
        self.act_watch.setToolTip("Refresh this article from the web on a schedule while Clipper is open")
        self.act_watch.triggered.connect(self.toggle)
        self.act_check = QAction("Check watched articles now", window)
        self.act_check.triggered.connect(lambda: self.check(everything=True))
        self.act_every = QAction("Watch interval…", window)
        self.act_every.triggered.connect(self.choose_interval)
        for a in (self.act_watch, self.act_check, self.act_every):
            window.addAction(a)
        menu = next((a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == "Edit"), None)
        if menu is not None:
            before = getattr(window, "act_delete_article", None)
            for a in (self.act_watch, self.act_check, self.act_every):
                menu.insertAction(before, a) if before is not None else menu.addAction(a)
            if hasattr(window, "_menu_actions"):
                window._menu_actions += [("Edit", a) for a in (self.act_watch, self.act_check, self.act_every)]
        window.versions.displayed.connect(self.article_shown)
        self.timer = QTimer(self)
        self.timer.setInterval(tick_ms)
        self.timer.timeout.connect(self.tick)
        self.timer.start()
        self.article_shown(window.current_article)

    # ---- the action --------------------------------------------------------------------
    def _targets(self) -> list[int]:
        return self.window.articles_to_delete()  # the selected rows (list focused), else the open article

    def article_shown(self, article) -> None:
        from clipper import watch

        web = article is not None and (article.url or "").lower().startswith(("http://", "https://"))
        self.act_watch.setEnabled(web)
        try:
            on = web and watch.is_watched(self.lib, article.id)
        except ClipperError:
            on = False
        self.act_watch.setChecked(on)

    def toggle(self) -> None:
        """Watch the target article(s), or stop when the open one is watched already."""
        from clipper import watch

        ids = self._targets()
        if not ids:
            return
        status = self.window.statusBar()
        try:
            on = not watch.is_watched(self.lib, ids[0])
            if on:  # in a selection, only the articles that have a web address
                from clipper.refresh import refreshable

                ids = refreshable(self.lib, ids)
                if not ids:
                    status.showMessage("Only articles with a web address can be watched.", 6000)
                    self.article_shown(self.window.current_article)
                    return
            watch.set_watched(self.lib, ids, on)
            every = watch.format_every(watch.get_every(self.lib))
        except ClipperError as exc:
            status.showMessage(str(exc), 8000)
            self.article_shown(self.window.current_article)
            return
        self.window.model.refresh_articles(ids)
        self.article_shown(self.window.current_article)
        what = f"{len(ids)} articles" if len(ids) > 1 else f"“{elide(self._title(ids[0]), 60)}”"
        status.showMessage(f"Watching {what}: checked every {every} while Clipper is open" if on
                           else f"Stopped watching {what}", 8000)

    def _title(self, article_id: int) -> str:
        try:
            return self.lib.articles.get(article_id).title
        except ClipperError:
            return str(article_id)

    def choose_interval(self) -> None:
        from clipper import watch

        current = watch.format_every(watch.get_every(self.lib))
        items = CHOICES if current in CHOICES else [current, *CHOICES]
        text, ok = QInputDialog.getItem(self.window, "Watch interval", "Check watched articles every:", items,
                                        items.index(current), True)
        if not ok:
            return
        try:
            watch.set_every(self.lib, watch.parse_every(text))
        except ClipperError as exc:
            self.window.statusBar().showMessage(str(exc), 8000)
            return
        self.window.statusBar().showMessage(f"Watched articles are checked every {text}", 6000)
        self.tick()

    # ---- the schedule ------------------------------------------------------------------
    def tick(self) -> None:
        """The timer: refresh the watched articles that are due (if none is running)."""
        self.check(everything=False)

    def check(self, *, everything: bool) -> bool:
        """Refresh the due watched articles (``everything``: all of them) on a worker
        thread. False when nothing is to be checked or a check is running."""
        from clipper import watch
        from clipper.gui.workers import JobThread
        from clipper.refresh import refresh
        from clipper.storage import changelog

        if self._job is not None:
            return False
        try:
            ids = [r["id"] for r in watch.listing(self.lib)] if everything else watch.due(self.lib, now=self.clock())
        except ClipperError:
            return False
        if not ids:
            if everything:
                self.window.statusBar().showMessage("No watched articles (Edit ▸ Watch for changes).", 6000)
            return False
        self._seq_before = changelog.max_seq(self.lib.db)
        status = self.window.statusBar()
        job = JobThread(self.lib.folder, lambda lib, token: refresh(lib, ids, cancel=token), self)
        job.progressed.connect(lambda done, total, _label: status.showMessage(
            f"Checking watched articles… {done}/{total}"))
        job.succeeded.connect(self._done)
        job.failed.connect(lambda message: status.showMessage(f"Checking watched articles failed: {message}", 8000))
        job.finished.connect(self._finished)
        self._job = job
        status.showMessage(f"Checking {len(ids)} watched article{'s' * (len(ids) != 1)}…")
        job.start()
        return True

    @property
    def running(self) -> bool:
        return self._job is not None

    def _finished(self) -> None:
        job, self._job = self._job, None
        if job is not None:
            job.deleteLater()

    def _done(self, report) -> None:
        from clipper.gui.workers import refresh_index
        from clipper.storage import changelog

        w = self.window
        touched = changelog.touched(self.lib.db, self._seq_before)
        if touched.articles:
            refresh_index(self.lib)
            w.model.refresh_articles(sorted(touched.articles))
            w.table.measure()  # the Changed column fits its new marks
            current = w.current_article
            if current is not None and current.id in report.changed:
                w.open_article(current.id)  # its text changed: show the new version
        parts = [f"{len(report.changed)} changed", f"{len(report.unchanged)} unchanged"]
        if report.failed:
            parts.append(f"{len(report.failed)} failed ({report.failed[0]['error']})")
        named = ""
        if len(report.changed) == 1:
            aid = report.changed[0]
            named = f": “{elide(self._title(aid), 50)}” is now version {report.versions.get(aid)}"
        w.statusBar().showMessage(f"Watched articles checked — {', '.join(parts)}{named}", 15_000)
        self.checked.emit(report)

    def stop(self) -> None:
        """The window closes: stop the timer and a running check."""
        self.timer.stop()
        job = self._job
        if job is not None:
            job.cancel()
            job.wait(10_000)
