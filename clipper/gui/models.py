"""Qt item models over the library: articles (lazy table), tags, an article's passages.

The article model keeps only the ordered article ids; rows are fetched in pages of
``PAGE`` through ``lib.articles.summaries(ids=...)`` the first time a row is shown, so a
50,000-article library opens as fast as an empty one. Ordering the ids is
:func:`ordered_ids`; in the window it runs on a worker thread (``set_sorter``), as a sort
by outlet reads every light row.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, Qt, Signal

from clipper.models import Passage, Tag
from clipper.gui.util import elide, qcolor, swatch_icon, tooltip_text

ARTICLE_ID_ROLE = Qt.UserRole + 1

# The article table's data() runs in Python for every role of every visible cell on each
# repaint (about 500 calls when the current article changes): roles it does not serve are
# turned away first, by plain ints (comparing Qt's enums costs more than the rest).
_DISPLAY, _TOOLTIP, _DECORATION, _ALIGN = (int(r) for r in (Qt.DisplayRole, Qt.ToolTipRole,
                                                            Qt.DecorationRole, Qt.TextAlignmentRole))
_ARTICLE_ROLES = frozenset({_DISPLAY, _TOOLTIP, _DECORATION, _ALIGN, int(ARTICLE_ID_ROLE)})
_RIGHT_ALIGNED = int(Qt.AlignRight | Qt.AlignVCenter)
_ROW_FLAGS = Qt.ItemIsEnabled | Qt.ItemIsSelectable
PASSAGE_ROLE = Qt.UserRole + 2
TAG_ROLE = Qt.UserRole + 3

# (row key, header, core sort key or None when the core cannot sort by it)
ARTICLE_COLUMNS = [
    ("title", "Title", "title"),
    ("outlet", "Outlet", None),
    ("agency", "Agency", None),
    ("published", "Date", "published"),
    ("passage_count", "Passages", None),
    ("changes", "Changed", None),  # the change marks: "headline · N words" for articles with 2+ versions
]


def change_mark(row: dict) -> str:
    """The list's mark for an article with 2+ versions ("" for the others): "headline ·
    12 words" — what changed since its first version."""
    if (row.get("versions") or 1) < 2:
        return ""
    parts = ["headline"] if row.get("headline_changed") else []
    words = row.get("words_changed") or 0
    if words or not parts:
        parts.append(f"{words} word{'' if words == 1 else 's'}")
    return " · ".join(parts)


def change_tooltip(row: dict) -> str:
    n = row.get("versions") or 1
    if n < 2:
        return ""
    what = []
    if row.get("headline_changed"):
        what.append("headline changed")
    words = row.get("words_changed") or 0
    what.append(f"{words} word{'' if words == 1 else 's'} changed")
    when = (row.get("changed_at") or "")[:16].replace("T", " ")
    return f"{n} versions: {' and '.join(what)} since version 1\nLast change: {when} UTC"


_WATCHED_ICON = None


def watched_icon():
    """The mark on a watched article's title (the platform's "reload" icon)."""
    global _WATCHED_ICON
    if _WATCHED_ICON is None:
        from PySide6.QtWidgets import QApplication, QStyle

        _WATCHED_ICON = QApplication.style().standardIcon(QStyle.SP_BrowserReload)
    return _WATCHED_ICON


@dataclass
class SortSpec:
    """What to order: ``subset`` (None: every article), in ``column``'s order (-1: as given,
    or newest import first for the whole library); ``keep_order`` keeps a search ranking."""

    subset: list[int] | None
    keep_order: bool
    column: int
    descending: bool


def ordered_ids(lib, spec: SortSpec) -> tuple[list[int], list[dict]]:
    """The article ids of ``spec`` in order, and any light rows read on the way. Runs on any
    thread with that thread's own Library (the model's sort worker calls it)."""
    if spec.subset is not None and spec.keep_order and spec.column < 0:
        return list(spec.subset), []
    column = ARTICLE_COLUMNS[spec.column][0] if spec.column >= 0 else None
    core_sort = ARTICLE_COLUMNS[spec.column][2] if spec.column >= 0 else "imported"
    if core_sort is not None:
        key = ("-" if spec.descending else "") + core_sort if spec.column >= 0 else "-imported"
        # Ids only: the rows are read a page at a time as they are shown.
        return lib.articles.ids(key, within=spec.subset), []
    if column == "changes":  # the marks, ordered in SQL (unchanged articles last either way)
        from clipper.storage.versions import ids_by_changes

        return ids_by_changes(lib.db, descending=spec.descending, within=spec.subset), []
    # Columns the core cannot order by: sort the light rows here.
    rows = lib.articles.summaries(ids=spec.subset) if spec.subset is not None else lib.articles.summaries()

    def key(r):
        v = r.get(column)
        return (v is None or v == "", v if isinstance(v, int) else str(v or "").casefold(), r["id"])

    rows.sort(key=key, reverse=spec.descending)
    return [r["id"] for r in rows], rows


class ArticleTableModel(QAbstractTableModel):
    """Articles as rows. ``set_view(ids=None)`` shows the whole library (sorted by the core),
    ``set_view(ids=[...])`` a subset (a tag, an outlet, search results...)."""

    PAGE = 200
    view_reset = Signal()
    sorting_changed = Signal(bool)  # True while a sort runs in the background
    sort_finished = Signal()  # the background sort's order is shown
    sort_failed = Signal(str)

    def __init__(self, lib, parent=None):
        super().__init__(parent)
        self.lib = lib
        self._ids: list[int] = []
        self._rows: dict[int, dict] = {}
        self._row_of: dict[int, int] | None = None
        self._subset: list[int] | None = None
        self._keep_order = False
        self.sort_key = "-imported"
        self.sort_column, self.sort_order = -1, Qt.DescendingOrder
        self.sorter = None
        self._sort_rid: int | None = None

    def set_sorter(self, sorter) -> None:
        """Order ids off the UI thread with ``sorter`` (a :class:`~clipper.gui.workers.SortService`);
        without one, sorting runs inline (tests, small tools)."""
        self.sorter = sorter
        sorter.finished.connect(self._sorted)
        sorter.failed.connect(self._sort_error)

    @property
    def sorting(self) -> bool:
        return self._sort_rid is not None

    # ---- loading --------------------------------------------------------------------------
    def set_view(self, ids: list[int] | None = None, *, keep_order: bool = False) -> None:
        """Show ``ids`` (None: every article). ``keep_order`` keeps the given order (search ranking)."""
        self._subset = list(ids) if ids is not None else None
        self._keep_order = keep_order
        self.reload()

    def reload(self) -> None:
        """Re-read the view. With a sorter, an order that needs every light row (outlet,
        agency, passages) is computed in the background: the rows show in a cheap order first."""
        background = self.sorter is not None and self.sort_column >= 0 and ARTICLE_COLUMNS[self.sort_column][2] is None
        self.beginResetModel()
        self._rows.clear()
        self._row_of = None
        if background:
            cheap = SortSpec(None if self._subset is None else list(self._subset), True, -1, True)
            self._ids = ordered_ids(self.lib, cheap)[0]
        else:
            self._ids = self._ordered_ids()
        self.endResetModel()
        if background:
            self._request_sort()
        elif self._sort_rid is not None:  # a pending sort of the old view is void
            self._sort_rid = None
            self.sorting_changed.emit(False)
        self.view_reset.emit()

    def sort_spec(self) -> SortSpec:
        return SortSpec(None if self._subset is None else list(self._subset), self._keep_order, self.sort_column,
                        self.sort_order == Qt.DescendingOrder)

    def _ordered_ids(self) -> list[int]:
        ids, rows = ordered_ids(self.lib, self.sort_spec())
        self._rows.update((r["id"], r) for r in rows)
        return ids

    def _fetch_page(self, row: int) -> None:
        start = (row // self.PAGE) * self.PAGE
        chunk = [i for i in self._ids[start:start + self.PAGE] if i not in self._rows]
        if chunk:
            for r in self.lib.articles.summaries(ids=chunk):
                self._rows[r["id"]] = r
            for i in chunk:  # deleted meanwhile: show an empty row rather than fetching again
                self._rows.setdefault(i, {"id": i, "title": "", "outlet": "", "agency": "", "published": None,
                                          "passage_count": 0, "orphan_count": 0, "versions": 1})

    def row_data(self, row: int) -> dict | None:
        if not 0 <= row < len(self._ids):
            return None
        aid = self._ids[row]
        if aid not in self._rows:
            self._fetch_page(row)
        return self._rows[aid]

    # ---- lookups --------------------------------------------------------------------------
    def ids(self) -> list[int]:
        return list(self._ids)

    def article_id(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, article_id: int) -> int:
        if self._row_of is None:
            self._row_of = {aid: n for n, aid in enumerate(self._ids)}
        return self._row_of.get(article_id, -1)

    def refresh_articles(self, article_ids) -> None:
        """Re-read the given articles' rows (after an edit); rows not shown are ignored."""
        for aid in article_ids:
            self._rows.pop(aid, None)
            row = self.row_of(aid)
            if row >= 0:
                self.dataChanged.emit(self.index(row, 0), self.index(row, self.columnCount() - 1))

    # ---- Qt model API -----------------------------------------------------------------------
    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(ARTICLE_COLUMNS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):  # noqa: N802
        if orientation == Qt.Horizontal and 0 <= section < len(ARTICLE_COLUMNS):
            if role == Qt.DisplayRole:
                return ARTICLE_COLUMNS[section][1]
            if role == Qt.TextAlignmentRole and ARTICLE_COLUMNS[section][0] == "passage_count":
                return int(Qt.AlignRight | Qt.AlignVCenter)
        if orientation == Qt.Vertical and role == Qt.DisplayRole and 0 <= section < len(self._ids):
            return str(section + 1)
        return None

    def data(self, index, role=_DISPLAY):
        if role not in _ARTICLE_ROLES or not index.isValid():
            return None
        column = index.column()
        if not 0 <= column < len(ARTICLE_COLUMNS):
            return None
        row = self.row_data(index.row())
        if row is None:
            return None
        key = ARTICLE_COLUMNS[column][0]
        if role == _DISPLAY:
            value = row.get(key)
            if key == "published":
                return (value or "")[:10]
            if key == "passage_count":
                n, orphans = row.get("passage_count") or 0, row.get("orphan_count") or 0
                return f"{n} ({orphans} orphaned)" if orphans else (str(n) if n else "")
            if key == "title":
                return " ".join(str(value or "").split())
            if key == "changes":
                return change_mark(row)
            return str(value or "")
        if role == _TOOLTIP and key == "title":
            tip = row.get("title") or ""
            if (row.get("versions") or 1) > 1:
                tip += "\n\n" + change_tooltip(row)
            if row.get("watched"):
                tip += "\n\nWatched: refreshed from the web on a schedule while Clipper is open"
            return tooltip_text(tip)
        if role == _DECORATION and key == "title" and row.get("watched"):
            return watched_icon()
        if role == _TOOLTIP and key == "changes":
            tip = change_tooltip(row)
            return tooltip_text(tip) if tip else None
        if role == _ALIGN and key == "passage_count":
            return _RIGHT_ALIGNED
        if role == ARTICLE_ID_ROLE:
            return row["id"]
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.NoItemFlags
        return _ROW_FLAGS

    def sort(self, column, order=Qt.AscendingOrder):
        """Order the rows by ``column``. With a sorter this returns at once: the new order
        arrives later (``sort_finished``); a newer sort or view supersedes a pending one."""
        if not -1 <= column < len(ARTICLE_COLUMNS):
            return
        self.sort_column, self.sort_order = column, order
        if self.sorter is not None:
            self._request_sort()
            return
        self._apply_order(self._ordered_ids())

    def _request_sort(self) -> None:
        was = self._sort_rid is not None
        self._sort_rid = self.sorter.request(self.sort_spec())
        if not was:
            self.sorting_changed.emit(True)

    def _sorted(self, rid: int, ids) -> None:
        if rid != self._sort_rid:
            return
        self._sort_rid = None
        # articles added or deleted since the request: keep what is shown, new ones last
        shown = set(self._ids)
        ordered = [i for i in ids if i in shown]
        placed = set(ordered)
        ordered += [i for i in self._ids if i not in placed]
        self._apply_order(ordered)
        self.sorting_changed.emit(False)
        self.sort_finished.emit()

    def _sort_error(self, rid: int, message: str) -> None:
        if rid != self._sort_rid:
            return
        self._sort_rid = None
        self.sorting_changed.emit(False)
        self.sort_failed.emit(message)

    def _apply_order(self, ids: list[int]) -> None:
        self.layoutAboutToBeChanged.emit()
        old_persistent = self.persistentIndexList()
        old_ids = [self._ids[i.row()] if 0 <= i.row() < len(self._ids) else None for i in old_persistent]
        self._ids = ids
        self._row_of = None
        new = [self.index(self.row_of(aid), i.column()) if aid is not None and self.row_of(aid) >= 0 else QModelIndex()
               for aid, i in zip(old_ids, old_persistent)]
        self.changePersistentIndexList(old_persistent, new)
        self.layoutChanged.emit()


class TagListModel(QAbstractListModel):
    """Tags with a colour swatch and their count (passages + articles carrying them)."""

    def __init__(self, lib, parent=None, *, with_counts: bool = True):
        super().__init__(parent)
        self.lib = lib
        self.with_counts = with_counts
        self._tags: list[Tag] = []
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._tags = sorted(self.lib.tags.all(), key=lambda t: t.name.casefold())
        self.endResetModel()

    def tags(self) -> list[Tag]:
        return list(self._tags)

    def tag(self, row: int) -> Tag | None:
        return self._tags[row] if 0 <= row < len(self._tags) else None

    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self._tags)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._tags):
            return None
        tag = self._tags[index.row()]
        if role == Qt.DisplayRole:
            return f"{tag.name}  ({tag.count})" if self.with_counts else tag.name
        if role == Qt.DecorationRole:
            return swatch_icon(tag.color)
        if role == Qt.ToolTipRole:
            return tooltip_text(f"{tag.name}: {tag.count} passages and articles")
        if role == TAG_ROLE:
            return tag
        if role == Qt.EditRole:
            return tag.name
        return None


class PassagesModel(QAbstractListModel):
    """One article's passages, in text order (orphaned ones last)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._passages: list[Passage] = []
        self.tag_colors: dict[str, str] = {}

    def set_passages(self, passages: list[Passage], tag_colors: dict[str, str] | None = None) -> None:
        self.beginResetModel()
        self._passages = list(passages)
        self.tag_colors = {k.casefold(): v for k, v in (tag_colors or {}).items()}
        self.endResetModel()

    def passages(self) -> list[Passage]:
        return list(self._passages)

    def passage(self, row: int) -> Passage | None:
        return self._passages[row] if 0 <= row < len(self._passages) else None

    def row_of(self, passage_id: int) -> int:
        return next((n for n, p in enumerate(self._passages) if p.id == passage_id), -1)

    def rowCount(self, parent=QModelIndex()):  # noqa: N802
        return 0 if parent.isValid() else len(self._passages)

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._passages):
            return None
        p = self._passages[index.row()]
        if role == Qt.DisplayRole:
            return elide(p.quote, 200)
        if role == Qt.ToolTipRole:
            extra = f"\n\nNote: {p.note}" if p.note else ""
            return tooltip_text(p.quote + extra)
        if role == Qt.DecorationRole:
            return qcolor(p.color)
        if role == PASSAGE_ROLE:
            return p
        return None
