"""The left pane: library views, tags (swatch + count), outlets and saved searches.

Choosing an item emits ``view_chosen(kind, value)`` with kind one of "all", "recent",
"orphaned", "tag", "outlet", "saved".
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QAbstractItemView, QMenu, QTreeWidget, QTreeWidgetItem, QWidget

from clipper.gui.util import swatch_icon, tooltip_text

KIND_ROLE = Qt.UserRole + 20
VALUE_ROLE = Qt.UserRole + 21


class Sidebar(QTreeWidget):
    view_chosen = Signal(str, object)
    manage_tags_requested = Signal()
    saved_search_removed = Signal(str)  # name

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("sidebar")
        self.setHeaderHidden(True)
        self.setRootIsDecorated(False)
        self.setIndentation(10)
        self.setSelectionMode(QAbstractItemView.SingleSelection)
        self.setUniformRowHeights(False)  # sections use a smaller font
        self.setContextMenuPolicy(Qt.CustomContextMenu)
        self.customContextMenuRequested.connect(self._menu)
        self.library = self._section("Library")
        self.tags = self._section("Tags")
        self.outlets = self._section("Outlets")
        self.saved = self._section("Saved searches")
        for section in (self.tags, self.outlets, self.saved):
            section.setHidden(True)  # shown once they have rows
        self.item_all = self._add(self.library, "All articles", "all", None)
        self.item_recent = self._add(self.library, "Recently imported", "recent", None)
        self.item_orphaned = self._add(self.library, "Orphaned passages", "orphaned", None,
                                       tip="Articles with passages whose quote is no longer in the text "
                                           "(after an edit or an updated re-import)")
        from clipper.gui.util import icon

        self.item_trash = self._add(self.library, "Trash", "trash", None, icon("trash"),
                                    tip="Deleted articles, until restored or deleted for good")
        self.currentItemChanged.connect(self._changed)
        self.itemClicked.connect(lambda item, _c: self._changed(item, None))
        self._quiet = False

    def _section(self, title: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self, [title.upper()])
        f = QFont(self.font())
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 0.85)
        item.setFont(0, f)
        item.setFlags(Qt.ItemIsEnabled)
        item.setExpanded(True)
        item.setChildIndicatorPolicy(QTreeWidgetItem.DontShowIndicatorWhenChildless)
        return item

    def _add(self, parent: QTreeWidgetItem, text: str, kind: str, value, icon=None, tip: str | None = None):
        item = QTreeWidgetItem(parent, [text])
        item.setData(0, KIND_ROLE, kind)
        item.setData(0, VALUE_ROLE, value)
        if icon is not None:
            item.setIcon(0, icon)
        item.setToolTip(0, tooltip_text(tip or text))
        return item

    # ---- filling -----------------------------------------------------------------------------
    def set_counts(self, total: int, orphaned: int, trashed: int = 0) -> None:
        self.item_all.setText(0, f"All articles  ({total:,})")
        self.item_orphaned.setText(0, f"Orphaned passages  ({orphaned})" if orphaned else "Orphaned passages")
        self.item_trash.setText(0, f"Trash  ({trashed})" if trashed else "Trash")

    def _refill(self, section: QTreeWidgetItem, rows) -> None:
        current = self.current_view()
        self._quiet = True
        section.takeChildren()
        for text, kind, value, icon, tip in rows:
            self._add(section, text, kind, value, icon, tip)
        section.setExpanded(True)
        section.setHidden(not rows)  # no empty headings (a new library has no tags yet)
        if current is not None:
            self.select_view(*current)
        self._quiet = False

    def set_tags(self, tags) -> None:
        self._refill(self.tags, [(f"{t.name}  ({t.count})" + (f"   [{t.slot}]" if t.slot else ""), "tag", t.name,
                                  swatch_icon(t.color), t.name + (f" — key {t.slot} in the tag palette" if t.slot else ""))
                                 for t in sorted(tags, key=lambda t: t.name.casefold())])

    def set_outlets(self, outlets: dict[str, int]) -> None:
        rows = sorted(outlets.items(), key=lambda kv: (-kv[1], kv[0].casefold()))[:40]
        self._refill(self.outlets, [(f"{name}  ({n})", "outlet", name, None, name) for name, n in rows])

    def set_saved(self, saved: list[dict]) -> None:
        self._refill(self.saved, [(s["name"], "saved", s, None, s["query"]) for s in saved])

    # ---- selection -----------------------------------------------------------------------------
    def current_view(self):
        item = self.currentItem()
        if item is None or item.data(0, KIND_ROLE) is None:
            return None
        return item.data(0, KIND_ROLE), item.data(0, VALUE_ROLE)

    def select_view(self, kind: str, value=None) -> bool:
        for section in (self.library, self.tags, self.outlets, self.saved):
            for i in range(section.childCount()):
                item = section.child(i)
                v = item.data(0, VALUE_ROLE)
                if item.data(0, KIND_ROLE) == kind and (value is None or v == value or
                                                        (isinstance(v, str) and isinstance(value, str)
                                                         and v.casefold() == value.casefold())):
                    self.blockSignals(True)
                    self.setCurrentItem(item)
                    self.blockSignals(False)
                    return True
        return False

    def _changed(self, item, _previous) -> None:
        if self._quiet or item is None:
            return
        kind = item.data(0, KIND_ROLE)
        if kind is not None:
            self.view_chosen.emit(kind, item.data(0, VALUE_ROLE))

    def _menu(self, pos) -> None:
        item = self.itemAt(pos)
        if item is None:
            return
        kind = item.data(0, KIND_ROLE)
        menu = QMenu(self)
        if kind == "tag" or item is self.tags:
            menu.addAction("Manage tags…", self.manage_tags_requested.emit)
        if kind == "saved":
            value = item.data(0, VALUE_ROLE)
            menu.addAction("Remove saved search", lambda: self.saved_search_removed.emit(value["name"]))
        if not menu.isEmpty():
            menu.exec(self.viewport().mapToGlobal(pos))
