"""Qt item models over the library: articles (lazy table), tags, an article's passages.

The article model keeps only the ordered article ids; rows are fetched in pages of
``PAGE`` through ``lib.articles.summaries(ids=...)`` the first time a row is shown, so a
50,000-article library opens as fast as an empty one.
"""
from __future__ import annotations

from PySide6.QtCore import QAbstractListModel, QAbstractTableModel, QModelIndex, Qt, Signal

from clipper.models import Passage, Tag
from clipper.gui.util import elide, qcolor, swatch_icon, tooltip_text

ARTICLE_ID_ROLE = Qt.UserRole + 1
PASSAGE_ROLE = Qt.UserRole + 2
TAG_ROLE = Qt.UserRole + 3

# (row key, header, core sort key or None when the core cannot sort by it)
ARTICLE_COLUMNS = [
    ("title", "Title", "title"),
    ("outlet", "Outlet", None),
    ("agency", "Agency", None),
    ("published", "Date", "published"),
    ("passage_count", "Passages", None),
]


class ArticleTableModel(QAbstractTableModel):
    """Articles as rows. ``set_view(ids=None)`` shows the whole library (sorted by the core),
    ``set_view(ids=[...])`` a subset (a tag, an outlet, search results...)."""

    PAGE = 200
    view_reset = Signal()

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

    # ---- loading --------------------------------------------------------------------------
    def set_view(self, ids: list[int] | None = None, *, keep_order: bool = False) -> None:
        """Show ``ids`` (None: every article). ``keep_order`` keeps the given order (search ranking)."""
        self._subset = list(ids) if ids is not None else None
        self._keep_order = keep_order
        self.reload()

    def reload(self) -> None:
        self.beginResetModel()
        self._rows.clear()
        self._row_of = None
        self._ids = self._ordered_ids()
        self.endResetModel()
        self.view_reset.emit()

    def _ordered_ids(self) -> list[int]:
        column = ARTICLE_COLUMNS[self.sort_column][0] if self.sort_column >= 0 else None
        core_sort = ARTICLE_COLUMNS[self.sort_column][2] if self.sort_column >= 0 else "imported"
        descending = self.sort_order == Qt.DescendingOrder
        if self._subset is not None and (self._keep_order and self.sort_column < 0):
            return list(self._subset)
        if core_sort is not None:
            key = ("-" if descending else "") + core_sort if self.sort_column >= 0 else "-imported"
            if self._subset is None:
                return self.lib.articles.ids(key)
            rows = self.lib.articles.summaries(ids=self._subset, sort=key)
            self._rows.update((r["id"], r) for r in rows)
            return [r["id"] for r in rows]
        # Columns the core cannot order by: sort the light rows here.
        rows = self.lib.articles.summaries(ids=self._subset) if self._subset is not None else self.lib.articles.summaries()
        self._rows.update((r["id"], r) for r in rows)

        def key(r):
            v = r.get(column)
            return (v is None or v == "", v if isinstance(v, int) else str(v or "").casefold(), r["id"])

        rows.sort(key=key, reverse=descending)
        return [r["id"] for r in rows]

    def _fetch_page(self, row: int) -> None:
        start = (row // self.PAGE) * self.PAGE
        chunk = [i for i in self._ids[start:start + self.PAGE] if i not in self._rows]
        if chunk:
            for r in self.lib.articles.summaries(ids=chunk):
                self._rows[r["id"]] = r
            for i in chunk:  # deleted meanwhile: show an empty row rather than fetching again
                self._rows.setdefault(i, {"id": i, "title": "", "outlet": "", "agency": "", "published": None,
                                          "passage_count": 0, "orphan_count": 0})

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

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid() or not (0 <= index.column() < len(ARTICLE_COLUMNS)):
            return None
        row = self.row_data(index.row())
        if row is None:
            return None
        key = ARTICLE_COLUMNS[index.column()][0]
        if role == Qt.DisplayRole:
            value = row.get(key)
            if key == "published":
                return (value or "")[:10]
            if key == "passage_count":
                n, orphans = row.get("passage_count") or 0, row.get("orphan_count") or 0
                return f"{n} ({orphans} orphaned)" if orphans else (str(n) if n else "")
            if key == "title":
                return " ".join(str(value or "").split())
            return str(value or "")
        if role == Qt.ToolTipRole and key == "title":
            return tooltip_text(row.get("title") or "")
        if role == Qt.TextAlignmentRole and key == "passage_count":
            return int(Qt.AlignRight | Qt.AlignVCenter)
        if role == ARTICLE_ID_ROLE:
            return row["id"]
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.NoItemFlags
        return Qt.ItemIsEnabled | Qt.ItemIsSelectable

    def sort(self, column, order=Qt.AscendingOrder):
        if not -1 <= column < len(ARTICLE_COLUMNS):
            return
        self.layoutAboutToBeChanged.emit()
        self.sort_column, self.sort_order = column, order
        old_persistent = self.persistentIndexList()
        old_ids = [self._ids[i.row()] if 0 <= i.row() < len(self._ids) else None for i in old_persistent]
        self._ids = self._ordered_ids()
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
