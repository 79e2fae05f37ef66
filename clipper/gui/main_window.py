"""The main window: sidebar | article list (or search results) | reader + passages.

The window wires the pieces together; the work lives in the pieces (LibraryOps for
writes with undo, SearchService for searching, JobThread dialogs for imports/exports).
"""
from __future__ import annotations

import logging

from PySide6.QtCore import QPoint, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (QMainWindow, QMenu, QSplitter, QStackedWidget, QToolBar, QVBoxLayout,
                               QWidget)

from clipper.errors import ClipperError
from clipper.searches import SavedSearches
from clipper.gui.article_table import ArticleTable, EmptyState
from clipper.gui.connector_hook import install as install_connector
from clipper.gui.dialogs import MetadataDialog, NoteDialog
from clipper.gui.export_dialog import ExportDialog
from clipper.gui.help import QueryHelpDialog, ShortcutsDialog, shortcut_rows
from clipper.gui.import_dialog import ImportDialog
from clipper.gui.library_actions import LibraryActions, drop_sources
from clipper.gui.models import ArticleTableModel
from clipper.gui.ops import LibraryOps
from clipper.gui.passage_editor import PassageEditor
from clipper.gui.passages_panel import PassagesPanel
from clipper.gui.reader import FindBar, ReaderHeader, ReaderView
from clipper.gui.search_panel import SearchPanel
from clipper.gui.sidebar import Sidebar
from clipper.gui.tag_manager import TagManagerDialog
from clipper.gui.tag_palette import TagPalette
from clipper.gui.trash_view import TrashView
from clipper.gui.util import ask, ask_text, elide, icon, make_settings, plain_label
from clipper.gui.window_state import WindowState
from clipper.gui.index_status import IndexStatus
from clipper.gui.workers import SearchService, SortService

log = logging.getLogger(__name__)

RECENT_DAYS = 7


class MainWindow(QMainWindow):
    sample_requested = Signal()
    article_opened = Signal(int)
    closing = Signal()  # the window is closing (its services stop)

    def __init__(self, lib, settings: QSettings | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.lib = lib
        self.settings = settings or make_settings()
        self.state = WindowState(self.settings)
        self.setWindowTitle(str(lib.folder))  # the application display name adds " — Clipper"
        self.setAcceptDrops(True)
        self.ops = LibraryOps(lib, self)
        # searches see the window's writes (made in the ops' write lane) and the Library's own
        self.search_service = SearchService(lib.folder, self, written=lambda: max(lib.last_seq, self.ops.last_seq))
        self.current_article = None
        self.current_view: tuple[str, object] = ("all", None)
        self._pending_span: tuple[int, int, int] | None = None
        self.library_actions = LibraryActions(self)

        # ---- left
        self.sidebar = Sidebar(self)
        # ---- centre
        centre = QWidget(self)
        cv = QVBoxLayout(centre)
        cv.setContentsMargins(6, 6, 6, 0)
        cv.setSpacing(4)
        self.search = SearchPanel(self.search_service, lib, centre)
        self.view_title = plain_label("", centre, word_wrap=True)
        self.view_title.setObjectName("viewTitle")
        self.model = ArticleTableModel(lib, self)
        self.sort_service = SortService(lib.folder, self)
        self.model.set_sorter(self.sort_service)
        self.table = ArticleTable(centre)
        self.table.configure(self.model)
        self.empty = EmptyState(centre)
        self.trash = TrashView(centre)
        self.stack = QStackedWidget(centre)
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.search.results)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.trash)
        cv.addWidget(self.search)
        cv.addWidget(self.view_title)
        cv.addWidget(self.stack, 1)
        # ---- right
        right = QSplitter(Qt.Vertical, self)
        reader_box = QWidget(right)
        rv = QVBoxLayout(reader_box)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.setSpacing(0)
        self.header = ReaderHeader(reader_box)
        self.reader = ReaderView(reader_box)
        self.reader_placeholder = plain_label("Select an article to read it.", reader_box)
        self.reader_placeholder.setAlignment(Qt.AlignCenter)
        self.find_bar = FindBar(self.reader, reader_box)
        rv.addWidget(self.header)
        rv.addWidget(self.find_bar)
        rv.addWidget(self.reader, 1)
        rv.addWidget(self.reader_placeholder, 1)
        self.passages = PassagesPanel(right)
        right.addWidget(reader_box)
        right.addWidget(self.passages)
        right.setStretchFactor(0, 3)
        right.setStretchFactor(1, 1)
        self.right_splitter = right
        self.splitter = QSplitter(Qt.Horizontal, self)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(centre)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 0)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setStretchFactor(2, 3)
        self.splitter.setCollapsible(1, False)
        self.splitter.setCollapsible(2, False)
        self.right_splitter.setCollapsible(0, False)
        self.setCentralWidget(self.splitter)
        self.tag_palette = TagPalette(self)
        self.saved = SavedSearches(lib)
        self._palette_target: tuple[str, int] | None = None  # ("span"|"passage"|"article", id)

        self._build_actions()
        from clipper.gui.versions_view import VersionsController

        self.versions = VersionsController(self, rv)  # version bar, old versions, track changes
        from clipper.gui.watch import WatchController

        self.watch = WatchController(self)  # watched articles, refreshed on a schedule
        self.connector = install_connector(self)  # browser extension: Preferences… and its endpoint
        self._connect()
        self.state.restore(self)
        self.refresh_sidebar()
        self.search_service.request_facets()
        self.show_view("all", None)
        self._show_article(None)
        self._open_first_row()
        self.statusBar().showMessage(lib.index_warning or "", 10_000)
        self.statusBar().addPermanentWidget(IndexStatus(lib, self))

    def _open_first_row(self) -> None:
        """On open, show the first article so the reader is not empty, and put the focus
        in the list (arrows move through the articles; Ctrl+K searches)."""
        if self.stack.currentWidget() is self.table and self.model.rowCount():
            self.table.setCurrentIndex(self.model.index(0, 0))
            self.table.selectRow(0)
            self.table.setFocus(Qt.OtherFocusReason)
        elif self.stack.currentWidget() is self.empty:
            self.empty.import_button.setFocus(Qt.OtherFocusReason)

    # ================================================================ actions and menus
    def _action(self, menu, text, slot, shortcut=None, *, extra=(), icon_name=None, tip=None):
        action = QAction(text, self)
        if shortcut is not None:
            keys = [QKeySequence(shortcut)] + [QKeySequence(k) for k in extra]
            action.setShortcuts(keys)
        if icon_name:
            action.setIcon(icon(icon_name))
        if tip:
            action.setToolTip(tip)
        # triggered(bool) must never reach the slot as its first argument (paste_clipping(text=False))
        action.triggered.connect(lambda _checked=False, slot=slot: slot())
        if menu is not None:
            menu.addAction(action)
            self._menu_actions.append((menu.title().replace("&", ""), action))
        self.addAction(action)
        return action

    def menu_actions(self) -> list[tuple[str, QAction]]:
        """(menu title, action) for every menu action, in menu order."""
        return list(self._menu_actions)

    def _build_actions(self) -> None:
        self._menu_actions: list[tuple[str, QAction]] = []
        mb = self.menuBar()
        m = mb.addMenu("&File")
        self.act_import_files = self._action(m, "Import files…", self.import_files_dialog, "Ctrl+I",
                                             icon_name="import", tip="Import files (Ctrl+I)")
        self.act_import_folder = self._action(m, "Import folder…", self.import_folder_dialog)
        self.act_import_url = self._action(m, "Import URL or feed…", self.import_url_dialog, "Ctrl+Shift+I")
        self.act_paste = self._action(m, "Paste as new clipping…", self.paste_clipping, "Ctrl+Shift+V",
                                      icon_name="paste", tip="Paste the clipboard as a new clipping (Ctrl+Shift+V)")
        m.addSeparator()
        self.act_export = self._action(m, "Export…", self.export_dialog, "Ctrl+E", icon_name="export",
                                       tip="Export passages to PDF, Markdown, CSV, JSON (Ctrl+E)")
        m.addSeparator()
        self._action(m, "Open sample library", self.sample_requested.emit)
        self._action(m, "Rebuild search index", self.rebuild_index)
        m.addSeparator()
        self._action(m, "Quit", self.close, "Ctrl+Q")

        m = mb.addMenu("&Edit")
        self.act_undo = self.ops.make_action("undo", self)
        self.act_undo.setShortcuts([QKeySequence("Ctrl+Z")])
        self.act_redo = self.ops.make_action("redo", self)
        self.act_redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        m.addAction(self.act_undo)
        m.addAction(self.act_redo)
        self._menu_actions += [("Edit", self.act_undo), ("Edit", self.act_redo)]
        m.addSeparator()
        self.act_find = self._action(m, "Search the library…", self.search.focus, "Ctrl+K", icon_name="search",
                                     tip="Search the library (Ctrl+K)")
        self.act_find_in_article = self._action(m, "Find in article (or search)…", self.find_in_article, "Ctrl+F")
        m.addSeparator()
        self.act_tag = self._action(m, "Tag selection or passage…", self.show_tag_palette, "Ctrl+T")
        self.act_edit_passage = self._action(m, "Edit passage…", lambda: self.edit_passage(self.passages.current_id()),
                                             "Ctrl+Return")
        self.act_move_passage = self._action(m, "Set passage to the selection", self.move_passage_to_selection,
                                             "Ctrl+Shift+E")
        m.addSeparator()
        self.act_meta = self._action(m, "Article details…", self.edit_metadata, "F2")
        self.act_note = self._action(m, "Article note…", self.edit_article_note, "Ctrl+Shift+N")
        self.act_copy_citation = self._action(m, "Copy citation", self.copy_citation, "Ctrl+Shift+C")
        self.act_article_tags = self._action(m, "Tag article…", self.show_article_tag_palette, "Ctrl+Shift+A")
        self.act_delete_article = self._action(m, "Move article to Trash…", self.delete_selected_articles, "Ctrl+Del",
                                               icon_name="trash")

        m = mb.addMenu("&View")
        self._action(m, "Zoom in", lambda: self.zoom(1), "Ctrl+=", extra=("Ctrl++",))
        self._action(m, "Zoom out", lambda: self.zoom(-1), "Ctrl+-")
        self._action(m, "Actual size", lambda: self.zoom(0), "Ctrl+0")
        m.addSeparator()
        self._action(m, "Go to article list", lambda: self.table.setFocus(), "Ctrl+1")
        self._action(m, "Go to reader", lambda: self.reader.setFocus(), "Ctrl+2")
        self._action(m, "Go to passages", lambda: self.passages.view.setFocus(), "Ctrl+3")
        m.addSeparator()
        self.act_toggle_passages = self._action(m, "Show or hide the passages panel", self.toggle_passages_panel,
                                                "Ctrl+Shift+P")
        self.act_line_width = self._action(m, "Comfortable line width", self.toggle_line_width)
        self.act_line_width.setCheckable(True)
        self.act_show_trash = self._action(m, "Trash", lambda: self.show_view("trash", None), "Ctrl+Shift+Del",
                                           icon_name="trash")

        m = mb.addMenu("&Tags")
        self.act_manage_tags = self._action(m, "Manage tags…", self.manage_tags, "Ctrl+Shift+T")

        m = mb.addMenu("&Help")
        self.act_shortcuts = self._action(m, "Keyboard shortcuts", self.show_shortcuts, "F1", icon_name="help")
        self.act_query_help = self._action(m, "Search syntax", self.show_query_help)
        self.act_about = self._action(m, "About Clipper", self.show_about)

        bar = QToolBar("Main", self)
        bar.setObjectName("mainToolbar")
        bar.setMovable(False)
        bar.setIconSize(QSize(20, 20))
        bar.setToolButtonStyle(Qt.ToolButtonTextBesideIcon)
        for action, label in ((self.act_import_files, "Import"), (self.act_paste, "Paste"),
                              (self.act_find, "Search"), (self.act_export, "Export")):
            button_action = QAction(action.icon(), label, bar)
            button_action.setToolTip(action.toolTip())
            button_action.triggered.connect(action.trigger)
            bar.addAction(button_action)
        self.addToolBar(Qt.TopToolBarArea, bar)
        self.toolbar = bar

    # ================================================================ help
    def show_shortcuts(self) -> ShortcutsDialog:
        dialog = ShortcutsDialog(shortcut_rows(self), self)
        dialog.setModal(False)
        dialog.show()
        self.library_actions.keep(dialog)
        return dialog

    def show_query_help(self) -> QueryHelpDialog:
        dialog = QueryHelpDialog(self)
        dialog.setModal(False)
        dialog.show()
        self.library_actions.keep(dialog)
        return dialog

    def show_about(self) -> None:
        from clipper.gui.util import tell

        tell(self, "About Clipper", "Clipper: a news-clipping manager. Import, search, highlight, tag and export "
                                    "news articles, offline. Your library: " + str(self.lib.folder), warning=False)

    def _connect(self) -> None:
        self.sidebar.view_chosen.connect(self.show_view)
        self.sidebar.manage_tags_requested.connect(self.manage_tags)
        self.sidebar.saved_search_removed.connect(self.remove_saved_search)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self.table.delete_requested.connect(self.delete_selected_articles)
        self.table.setContextMenuPolicy(Qt.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._table_menu)
        self.trash.restore_requested.connect(self.restore_from_trash)
        self.trash.purge_requested.connect(self.purge_from_trash)
        self.trash.empty_requested.connect(self.empty_trash)
        self.table.widths_changed.connect(self.state.save_column_widths)
        self.model.view_reset.connect(self._view_reset)
        self.model.sorting_changed.connect(self._sorting_changed)
        self.model.sort_failed.connect(lambda msg: self.statusBar().showMessage(msg, 8000))
        self.search.article_chosen.connect(self._open_article_hit)
        self.search.reader_focus_requested.connect(self._focus_reader)
        self.search.passage_chosen.connect(lambda aid, pid: self.open_article(aid, pid))
        self.search.results_shown.connect(self._results_shown)
        self.search.cleared.connect(self._search_cleared)
        self.search.save_requested.connect(self.save_search)
        self.search_service.facets_ready.connect(self._facets_ready)
        self.reader.selection_ready.connect(self._selection_ready)
        self.reader.tag_selection_requested.connect(self.show_tag_palette)
        self.reader.passage_clicked.connect(self._passage_clicked_in_text)
        self.reader.edit_passage_requested.connect(self.edit_passage)
        self.reader.delete_passage_requested.connect(self.ops.delete_passage)
        self.reader.tag_passage_requested.connect(self.show_passage_tag_palette)
        self.reader.move_passage_requested.connect(self._move_clicked_passage)
        self.passages.passage_activated.connect(self._passage_activated)
        self.passages.edit_requested.connect(self.edit_passage)
        self.passages.delete_requested.connect(self.ops.delete_passage)
        self.passages.tag_requested.connect(self.show_passage_tag_palette)
        self.tag_palette.tag_chosen.connect(self.tag_selection)
        self.tag_palette.pin_requested.connect(self.ops.pin_tag)
        self.empty.import_requested.connect(self.import_files_dialog)
        self.empty.sample_requested.connect(self.sample_requested.emit)
        self.ops.passages_changed.connect(self._passages_changed)
        self.ops.articles_changed.connect(self._articles_changed)
        self.ops.articles_deleted.connect(self._articles_deleted)
        self.ops.articles_added.connect(self._articles_restored)
        self.ops.tags_changed.connect(self._tags_changed)
        self.ops.failed.connect(lambda msg: self.statusBar().showMessage(msg, 8000))
        self.ops.failed.connect(self.show_error)

    def show_error(self, message: str) -> None:
        """A non-blocking message box (plain text) plus the status bar."""
        from PySide6.QtWidgets import QMessageBox

        self.statusBar().showMessage(message, 8000)
        if not self.isVisible():
            return
        box = QMessageBox(QMessageBox.Warning, "Clipper", "", QMessageBox.Ok, self)
        box.setTextFormat(Qt.PlainText)
        box.setText(message)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()
        self.last_error_box = box

    # ================================================================ settings
    def save_settings(self) -> None:
        self.state.save(self)

    def saved_searches(self) -> list[dict]:
        try:
            return self.saved.all()
        except ClipperError:
            return []

    def save_search(self, query: str, passages: bool, name: str | None = None) -> None:
        if not query:
            return
        if name is None:
            name, ok = ask_text(self, "Save search", "Name:", elide(query, 40))
            if not ok or not name.strip():
                return
        saved = self.ops._guard(self.saved.save, name.strip(), query, passages)
        if saved is not None:
            self.sidebar.set_saved(saved)

    def remove_saved_search(self, name: str) -> None:
        saved = self.ops._guard(self.saved.remove, name)
        if saved is not None:
            self.sidebar.set_saved(saved)

    def closeEvent(self, event):  # noqa: N802
        self.closing.emit()  # (the browser connector stops listening first)
        self.library_actions.cancel_running()
        self.watch.stop()
        self.save_settings()
        self.tag_palette.hide()
        self.search_service.stop()
        self.sort_service.stop()
        self.ops.shutdown()  # the writes asked for are completed first
        super().closeEvent(event)

    # ================================================================ views
    def refresh_sidebar(self, outlets: bool = True) -> None:
        """The sidebar's counts and lists (``outlets``: also the outlets, a GROUP BY over
        every article — ~0.1 s at 50,000; nothing but adding, deleting or editing articles
        moves them)."""
        try:
            total = self.lib.articles.count()
            orphaned = len(self.lib.passages.orphaned())
            self.sidebar.set_counts(total, orphaned, self.lib.articles.trash_count())
            self.sidebar.set_tags(self.lib.tags.all())
            if outlets:
                self.sidebar.set_outlets(self.lib.articles.outlet_counts())
        except ClipperError as exc:
            self.statusBar().showMessage(str(exc), 8000)
        self.sidebar.set_saved(self.saved_searches())

    def _facets_ready(self, facets: dict) -> None:
        pass  # the sidebar's outlets come from the database (refresh_sidebar)

    def view_ids(self, kind: str, value) -> list[int] | None:
        """The ids of a library view, from the core (ordered in SQL, no cap); None: all."""
        if kind in ("recent", "orphaned", "tag", "outlet"):
            return self.lib.articles.view_ids(kind, RECENT_DAYS if kind == "recent" else value)
        return None

    def show_view(self, kind: str, value) -> None:
        if kind == "saved":
            self.search.set_query(value["query"], bool(value.get("passages")))
            return
        try:
            ids = self.view_ids(kind, value)
        except ClipperError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            ids = []
        self.current_view = (kind, value)
        self.sidebar.select_view(kind, value)
        if kind == "trash":
            self._view_label = "Trash"
            if self.search.active():
                self.search.edit.clear()
            self._update_stack()
            return
        titles = {"all": "All articles", "recent": f"Imported in the last {RECENT_DAYS} days",
                  "orphaned": "Articles with orphaned passages"}
        self._view_label = titles.get(kind) or (f"Tag: {value}" if kind == "tag" else f"Outlet: {value}")
        self.model.set_view(ids)
        if self.search.active():
            self.search.edit.clear()
        self._update_stack()

    def _view_reset(self) -> None:
        n = self.model.rowCount()
        if n and not self.table.content_widths:
            self.table.measure()
        self._set_view_title()
        self._sync_list_to_reader()

    def _set_view_title(self) -> None:
        if self.current_view[0] == "trash":
            n = self.trash.list.topLevelItemCount()
            self.view_title.setText(f"Trash  —  {n:,} article{'s' * (n != 1)}")
            return
        if self.search.active() and self.search.last_result is not None:
            total = self.search.last_result.total
            what = "passage" if self.search.passages_mode() else "article"
            self.view_title.setText(f"Search: {elide(self.search.query(), 60)}  —  {total:,} {what}{'s' * (total != 1)}")
            return
        n = self.model.rowCount()
        text = f"{getattr(self, '_view_label', 'All articles')}  —  {n:,} article{'s' * (n != 1)}"
        if n == 0 and self.current_view[0] == "orphaned":
            text += ("\nNone. A passage is orphaned when its quote can no longer be found in its article's "
                     "text (after you edit the text, or an updated version of the story is imported); it is "
                     "kept with its quote, tags and note, and listed here to be re-attached or deleted.")
        elif n == 0 and self.current_view[0] == "recent":
            text += f"\nNothing was imported in the last {RECENT_DAYS} days."
        self.view_title.setText(text)

    def _sync_list_to_reader(self) -> None:
        """The list's selection always names the article in the reader (or nothing)."""
        sm = self.table.selectionModel()
        sm.blockSignals(True)
        try:
            row = self.model.row_of(self.current_article.id) if self.current_article is not None else -1
            if row >= 0:
                index = self.model.index(row, 0)
                self.table.setCurrentIndex(index)
                self.table.selectRow(row)
            else:
                sm.clearSelection()
                sm.setCurrentIndex(self.model.index(-1, -1), sm.SelectionFlag.NoUpdate)
        finally:
            sm.blockSignals(False)
        self.table.viewport().update()

    def _sorting_changed(self, busy: bool) -> None:
        """While the list is being ordered in the background: a busy cursor over it and a
        note in the status bar; the rows stay usable in their old order."""
        if busy:
            self.table.viewport().setCursor(Qt.BusyCursor)
            self.statusBar().showMessage("Sorting…")
            return
        self.table.viewport().unsetCursor()
        if self.statusBar().currentMessage() == "Sorting…":
            self.statusBar().clearMessage()
        current = self.table.currentIndex()
        if current.isValid():
            self.table.scrollTo(current)

    def _update_stack(self) -> None:
        if self.search.active() and self.search.last_result is not None:
            self.stack.setCurrentWidget(self.search.results)
            self.view_title.show()
        elif self.current_view[0] == "trash":
            self.trash.set_entries(self.lib.articles.trashed())
            self.stack.setCurrentWidget(self.trash)
            self.view_title.show()
        elif self.current_view[0] == "all" and self.model.rowCount() == 0 and not self.lib.articles.trash_count():
            self.stack.setCurrentWidget(self.empty)
            self.view_title.hide()
        else:
            self.stack.setCurrentWidget(self.table)
            self.view_title.show()
        # An empty library has nothing to read: the empty state gets the whole width; the
        # Trash's articles are not readable until restored, so it hides the reader too.
        self.right_splitter.setVisible(self.stack.currentWidget() not in (self.empty, self.trash))
        self._set_view_title()
        if self.stack.currentWidget() is self.table:
            self._sync_list_to_reader()

    def _search_cleared(self) -> None:
        self._update_stack()

    def _results_shown(self, _total: int) -> None:
        """Search results replace the list: the header names the search and its count, and
        the reader never shows an article that is not among the results."""
        self.stack.setCurrentWidget(self.search.results)
        self.view_title.show()
        self._set_view_title()
        hits = self.search.model.hits
        if not hits:
            self._show_article(None)
            return
        passages = self.search.model.passages
        shown = {h.article_id if passages else h.id for h in hits}
        if self.current_article is None or self.current_article.id not in shown:
            self.search.show_first()  # selects the top hit: the reader follows it

    def reload_articles(self) -> None:
        """After imports or deletions: re-read the current view's ids (rows load lazily)."""
        kind, value = self.current_view
        try:
            ids = self.view_ids(kind, value)
        except ClipperError:
            ids = []
        self.model.set_view(ids)
        self._update_stack()

    # ================================================================ reading
    def _row_changed(self, current, _previous) -> None:
        aid = self.model.article_id(current.row())
        if aid is not None and (self.current_article is None or self.current_article.id != aid):
            self.open_article(aid)

    def open_article(self, article_id: int, passage_id: int | None = None) -> bool:
        try:
            article = self.lib.articles.get(article_id)
        except ClipperError as exc:
            self.statusBar().showMessage(str(exc), 8000)
            return False
        self._show_article(article)
        if passage_id is not None:
            self.passages.select(passage_id)
            p = next((p for p in self.reader.passages if p.id == passage_id), None)
            if p is not None:
                self.reader.scroll_to_passage(p)
        self.article_opened.emit(article_id)
        return True

    def _open_article_hit(self, article_id: int) -> None:
        """An article search hit: open it with the first matched word selected (so the
        keyboard can grow the selection with Shift+arrows and tag it)."""
        if not self.open_article(article_id):
            return
        hit = self.search.current_hit()
        if hit is None or getattr(hit, "id", None) != article_id or not hit.fragments:
            return
        frag = hit.fragments[0]
        if not frag.get("matches"):
            return
        s, e = frag["matches"][0]
        text, ftext = self.current_article.text, frag.get("text", "")
        at = text.find(ftext) if ftext else -1
        if at >= 0:
            start = at + s
        else:
            import re

            found = re.search(re.escape(ftext[s:e]), text, re.IGNORECASE) if ftext[s:e] else None
            if found is None:
                return
            start = found.start()
        self.reader.select_span(start, start + (e - s))
        self.reader.ensureCursorVisible()

    def _focus_reader(self) -> None:
        if self.current_article is not None:
            self.reader.setFocus(Qt.ShortcutFocusReason)

    def _show_article(self, article) -> None:
        self.current_article = article
        has = article is not None
        self.header.setVisible(has)
        self.reader.setVisible(has)
        self.reader_placeholder.setVisible(not has)
        for a in (self.act_meta, self.act_note, self.act_delete_article, self.act_tag, self.act_article_tags):
            a.setEnabled(has)
        self.header.set_article(article)
        passages = self.lib.passages.for_article(article.id) if has else []
        self.reader.set_article(article, passages)
        self.passages.set_passages(passages, self.lib.tags.colors() if has else {})
        self.header.set_note(self.lib.notes.for_article(article.id) if has else [])
        self.versions.article_shown(article)
        self.reader.set_search_terms(self.search.matched_terms(article.id) if has else [])
        self._fit_passages_panel(passages)
        self._sync_list_to_reader()

    def _reload_passages(self) -> None:
        if self.current_article is None:
            return
        passages = self.lib.passages.for_article(self.current_article.id)
        self.reader.set_passages(passages)
        self.passages.set_passages(passages, self.lib.tags.colors())

    def _passage_activated(self, pid: int) -> None:
        p = next((p for p in self.reader.passages if p.id == pid), None)
        if p is not None and p.status == "orphaned":
            self.versions.open_passage(p)  # on the version that holds its quote
        elif p is not None:
            self.reader.scroll_to_passage(p)

    def _passage_clicked_in_text(self, pid: int) -> None:
        self.passages.select(pid)
        self.reader.current_passage = pid
        self.reader.set_passages(self.reader.passages)

    def zoom(self, steps: int) -> None:
        self.reader.zoom(steps)

    # ================================================================ tagging
    def _selection_ready(self) -> None:
        span = self.reader.selection_span()
        if span is not None and span[1] - span[0] >= 2:
            self.show_tag_palette()

    def _palette_tags(self):
        return sorted(self.lib.tags.all(), key=lambda t: (-t.count, t.name.casefold()))

    def _focused_passage(self) -> int | None:
        """The passage T acts on when no text is selected: the card with the focus, else the
        highlight clicked or under the reader's cursor."""
        if self.passages.view.hasFocus() and self.passages.current_id() is not None:
            return self.passages.current_id()
        if self.reader.current_passage is not None:
            return self.reader.current_passage
        p = self.reader.passage_at(self.reader.textCursor().position())
        return p.id if p is not None else None

    def show_tag_palette(self) -> bool:
        """T / Ctrl+T: tag the selection (a new passage), or the focused passage."""
        if self.current_article is None:
            return False
        span = self.reader.selection_span()
        if span is None:
            pid = self._focused_passage()
            if pid is not None:
                return self.show_passage_tag_palette(pid)
            self.statusBar().showMessage("Select some text in the article first (or a passage).", 4000)
            return False
        self._pending_span = (self.current_article.id, *span)
        self._palette_target = ("span", self.current_article.id)
        self.reader.select_span(*span)  # show the word-snapped selection that will be stored
        self.tag_palette.set_tags(self._palette_tags())
        rect = self.reader.selection_rect()
        pos = self.reader.viewport().mapToGlobal(QPoint(rect.left(), rect.bottom() + 6))
        self.tag_palette.popup_at(pos)
        return True

    def _move_clicked_passage(self, pid: int) -> None:
        self.reader.current_passage = pid
        self.move_passage_to_selection()

    def move_passage_to_selection(self) -> bool:
        """Widen or narrow the current passage (clicked, or chosen in the panel) to the
        reader's selection, word-snapped; its quote is re-read there. Undoable."""
        span = self.reader.selection_span()
        pid = self.reader.current_passage or self.passages.current_id()
        if self.current_article is None or span is None or pid is None:
            self.statusBar().showMessage("Click a passage, select its new extent, then Ctrl+Shift+E.", 5000)
            return False
        def moved(p):
            self.statusBar().showMessage(f"Passage is now “{elide(p.quote, 60)}”", 5000)
            self.passages.select(p.id)

        self.ops.move_passage(pid, *span, done=moved)  # in the write lane: the window goes on meanwhile
        return True

    def show_passage_tag_palette(self, passage_id: int) -> bool:
        """Add or remove tags of an existing passage (ticked tags are removed when chosen)."""
        try:
            p = self.lib.passages.get(passage_id)
        except ClipperError as exc:
            self.statusBar().showMessage(str(exc), 6000)
            return False
        self._palette_target = ("passage", passage_id)
        self.tag_palette.set_tags(self._palette_tags(), checked=p.tags, title=f"Passage: “{elide(p.quote, 40)}”")
        if self.passages.view.hasFocus():
            rect = self.passages.view.visualRect(self.passages.view.currentIndex())
            pos = self.passages.view.viewport().mapToGlobal(rect.bottomLeft())
        else:
            self.reader.current_passage = passage_id
            cursor = self.reader.textCursor()
            rect = self.reader.cursorRect(cursor)
            pos = self.reader.viewport().mapToGlobal(QPoint(rect.left(), rect.bottom() + 6))
        self.tag_palette.popup_at(pos)
        return True

    def show_article_tag_palette(self) -> bool:
        if self.current_article is None:
            return False
        self._palette_target = ("article", self.current_article.id)
        self.tag_palette.set_tags(self._palette_tags(), checked=self.current_article.tags,
                                  title=f"Article: {elide(self.current_article.title, 40)}")
        self.tag_palette.popup_at(self.header.mapToGlobal(QPoint(18, self.header.height())))
        return True

    def tag_selection(self, name: str) -> None:
        """The palette chose ``name``: tag the pending selection (a new passage, or the
        passage with exactly that span), the passage, or the article."""
        target, self._palette_target = self._palette_target, None
        # The writes run in the ops' write lane: the window stays responsive; the views
        # refresh from the ops' signals, and these follow-ups run when the write is over.
        if target is not None and target[0] == "passage":
            def tagged(p):
                self.statusBar().showMessage(f"Passage tags: {', '.join(p.tags) or 'none'}", 4000)
                self.passages.select(p.id)

            self.ops.tag_passage(target[1], name, toggle=True, done=tagged)
            return
        if target is not None and target[0] == "article":
            self.ops.toggle_article_tag(target[1], name, done=lambda tags: self.statusBar().showMessage(
                f"Article tags: {', '.join(tags) or 'none'}", 4000))
            return
        if self._pending_span is None:
            return
        aid, start, end = self._pending_span
        self._pending_span = None

        def highlighted(p):
            self.statusBar().showMessage(f"Tagged “{elide(p.quote, 50)}” with {name}", 4000)
            self.passages.select(p.id)

        self.ops.highlight(aid, start, end, name, done=highlighted)
        self.reader.setFocus()

    # ================================================================ reading comfort
    def find_in_article(self) -> None:
        """Ctrl+F: find in the article while reading it (the reader or its find bar has the
        focus); anywhere else, search the library as Ctrl+K does."""
        focus = self.focusWidget()
        in_reader = focus is not None and (focus is self.reader or self.find_bar.isAncestorOf(focus))
        if self.current_article is not None and in_reader:
            self.find_bar.open()
        else:
            self.search.focus()

    def toggle_line_width(self) -> None:
        """Lines of about 75 characters, centred (remembered), or the pane's full width."""
        on = self.reader.line_chars == 0 if hasattr(self.reader, "line_chars") else True
        self.reader.set_line_width(75 if on else 0)
        self.act_line_width.setChecked(on)

    def toggle_passages_panel(self) -> None:
        self.passages.setVisible(not self.passages.isVisible())
        self._passages_hidden = not self.passages.isVisible()

    def _fit_passages_panel(self, passages) -> None:
        """An article without passages gives the reader (nearly) all the height."""
        if getattr(self, "_passages_hidden", False):
            return
        total = sum(self.right_splitter.sizes()) or self.right_splitter.height()
        if total <= 0:
            return
        want = 56 if not passages else max(int(total * 0.3), 140)
        self.right_splitter.setSizes([max(0, total - want), want])

    # ================================================================ editing
    def edit_passage(self, passage_id: int | None) -> None:
        if passage_id is None:
            return
        try:
            p = self.lib.passages.get(passage_id)
        except ClipperError as exc:
            self.statusBar().showMessage(str(exc), 6000)
            return
        dialog = PassageEditor(p, [t.name for t in self.lib.tags.all()], self)
        if dialog.exec() != PassageEditor.Accepted:
            return
        if dialog.deleted:
            self.ops.delete_passage(passage_id)
            return
        values = dialog.result_values()
        self.ops.update_passage(passage_id, tags=values["tags"], color=values["color"], note=values["note"])

    def edit_metadata(self) -> None:
        if self.current_article is None:
            return
        dialog = MetadataDialog(self.current_article, self)
        if dialog.exec() == MetadataDialog.Accepted:
            fields = dialog.changed_fields()
            if fields:
                self.ops.edit_article(self.current_article.id, **fields)

    def edit_article_note(self) -> None:
        if self.current_article is None:
            return
        notes = self.lib.notes.for_article(self.current_article.id)
        dialog = NoteDialog(self.current_article.title, notes[0].text if notes else "", self)
        if dialog.exec() == NoteDialog.Accepted:
            self.ops.set_article_note(self.current_article.id, dialog.text())

    def copy_citation(self) -> None:
        """Copy the article's citation (Chicago) to the clipboard as text and HTML; from the
        passages list, the current passage's quote with it."""
        from PySide6.QtCore import QMimeData
        from PySide6.QtWidgets import QApplication

        from clipper.export.citations import clipboard_citation

        if self.current_article is None:
            return
        pid = self.passages.current_id() if self.passages.view.hasFocus() else None
        try:
            text, html = clipboard_citation(self.lib, self.current_article.id, pid)
        except ClipperError as exc:
            self.statusBar().showMessage(f"Cannot cite: {exc}", 8000)
            return
        data = QMimeData()
        data.setText(text)
        data.setHtml(html)
        QApplication.clipboard().setMimeData(data)
        self.statusBar().showMessage("Passage and citation copied" if pid else "Citation copied", 4000)

    def selected_article_ids(self) -> list[int]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [aid for aid in (self.model.article_id(r) for r in rows) if aid is not None]

    def articles_to_delete(self) -> list[int]:
        """What Delete acts on: several rows selected in the list (when it has the focus),
        else the article in the reader — which the list always shows selected."""
        selected = self.selected_article_ids()
        if self.table.hasFocus() and self.stack.currentWidget() is self.table and len(selected) > 1:
            return selected
        return [self.current_article.id] if self.current_article is not None else []

    def delete_selected_articles(self) -> None:
        ids = self.articles_to_delete()
        if not ids:
            return
        if len(ids) == 1:
            try:
                title = self.lib.articles.get(ids[0]).title
            except ClipperError as exc:
                self.show_error(str(exc))
                return
            what = f"“{elide(title, 80)}”"
        else:
            what = f"{len(ids)} articles"
        if not ask(self, "Move to Trash", f"Move {what} to the Trash, with its passages and notes?\n\n"
                   "Undo with Ctrl+Z, or restore it from the Trash.", yes="Move to Trash", default_yes=True):
            return
        for aid in ids:
            self.ops.delete_article(aid)
        self.statusBar().showMessage(f"Moved {what} to the Trash (Ctrl+Z to undo)", 8000)

    # ---- the Trash
    def restore_from_trash(self, ids) -> None:
        for aid in ids:
            self.ops.restore_article(aid)

    def purge_from_trash(self, ids) -> None:
        titles = {e["id"]: e["title"] for e in self.lib.articles.trashed()}
        what = f"“{elide(titles.get(ids[0], str(ids[0])), 80)}”" if len(ids) == 1 else f"{len(ids)} articles"
        if not ask(self, "Delete for good", f"Delete {what} for good? This cannot be undone.", yes="Delete"):
            return
        for aid in ids:
            self.ops.empty_trash(aid)

    def empty_trash(self) -> None:
        n = self.lib.articles.trash_count()
        if n and ask(self, "Empty Trash", f"Delete the {n} article{'s' * (n != 1)} in the Trash for good? "
                     "This cannot be undone.", yes="Empty Trash"):
            self.ops.empty_trash()

    def _articles_restored(self, ids) -> None:
        self.reload_articles()
        self.refresh_sidebar()
        if ids:
            self.open_article(ids[-1])
            self.statusBar().showMessage(f"Restored “{elide(self.current_article.title, 60)}”", 6000)

    def _table_menu(self, pos) -> None:
        index = self.table.indexAt(pos)
        if not index.isValid():
            return
        aid = self.model.article_id(index.row())
        if aid is not None and (self.current_article is None or self.current_article.id != aid):
            self.table.setCurrentIndex(index)
            self.open_article(aid)
        menu = QMenu(self)
        menu.addAction("Article details…", self.edit_metadata)
        menu.addAction("Article note…", self.edit_article_note)
        menu.addAction("Tag article…", self.show_article_tag_palette)
        menu.addAction(self.watch.act_watch)
        menu.addSeparator()
        menu.addAction(self.act_delete_article)
        menu.popup(self.table.viewport().mapToGlobal(pos))
        self._last_menu = menu

    def manage_tags(self) -> TagManagerDialog:
        dialog = TagManagerDialog(self.ops, self)
        dialog.setModal(False)
        dialog.show()
        self.library_actions.keep(dialog)
        return dialog

    # ================================================================ change handling
    def _passages_changed(self, article_id: int) -> None:
        if self.current_article is not None and self.current_article.id == article_id:
            self._reload_passages()

    def _articles_changed(self, ids) -> None:
        if ids is None:
            self.model.reload() if self.current_view[0] != "all" else self.model.refresh_articles(self.model.ids())
            self._reload_passages()
            return
        self.model.refresh_articles(ids)
        if self.current_article is not None and self.current_article.id in ids:
            try:
                self.current_article = self.lib.articles.get(self.current_article.id)
                self.header.set_article(self.current_article)
                self.header.set_note(self.lib.notes.for_article(self.current_article.id))
            except ClipperError:
                pass

    def _articles_deleted(self, ids) -> None:
        was = self.current_article is not None and self.current_article.id in ids
        row = self.model.row_of(self.current_article.id) if was else -1
        if was:
            self._show_article(None)
        if self.current_view[0] == "trash":
            self._update_stack()
        self.reload_articles()
        self.refresh_sidebar()
        if self.search.active():
            self.search.run_now()
        elif was and row >= 0 and self.model.rowCount() and self.stack.currentWidget() is self.table:
            self.open_article(self.model.article_id(min(row, self.model.rowCount() - 1)))  # the next one

    def _tags_changed(self) -> None:
        self.refresh_sidebar(outlets=False)  # (tagging a passage must not count every article's outlet)
        if self.current_view[0] == "tag":
            # a renamed tag: the view keeps following it if it still exists
            if self.lib.tags.find(self.current_view[1]) is None:
                self.show_view("all", None)

    def articles_imported(self, ids) -> None:
        # (this thread's index searchers are refreshed lazily, when a view needs the index)
        self.reload_articles()
        self.refresh_sidebar()
        self.search_service.request_facets()
        if self.search.active():
            self.search.run_now()

    # ================================================================ import / export (see library_actions)
    def start_import(self, sources: list[str], *, overrides=None, stdin_text: str | None = None) -> ImportDialog:
        return self.library_actions.start_import(sources, overrides=overrides, stdin_text=stdin_text)

    def import_files_dialog(self) -> None:
        self.library_actions.import_files_dialog()

    def import_folder_dialog(self) -> None:
        self.library_actions.import_folder_dialog()

    def import_url_dialog(self) -> None:
        self.library_actions.import_url_dialog()

    def paste_clipping(self, text: str | None = None):
        return self.library_actions.paste_clipping(text)

    def export_dialog(self) -> ExportDialog:
        return self.library_actions.export_dialog()

    def rebuild_index(self):
        return self.library_actions.rebuild_index()

    # ================================================================ drag and drop
    def dragEnterEvent(self, event):  # noqa: N802
        md = event.mimeData()
        if md.hasUrls() or md.hasText():
            event.acceptProposedAction()

    def dropEvent(self, event):  # noqa: N802
        sources = self.drop_sources(event.mimeData())
        if sources:
            event.acceptProposedAction()
            self.start_import(sources)

    @staticmethod
    def drop_sources(md) -> list[str]:
        return drop_sources(md)
