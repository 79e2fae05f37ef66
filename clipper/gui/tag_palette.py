"""The tag palette: pops up next to a selection (or a passage, or for the article).

Tags pinned to a number (1–9, stored in the library, the same everywhere) are listed first
with their number; press the number to choose one, even after typing. Typing filters the
list and highlights the best match; Enter takes the highlighted row (the "+ Create" row when
nothing matches); Shift+Enter creates a tag named exactly as typed. Up/Down move; Ctrl+1…9
pins the highlighted tag to that number; Esc closes. Tags the passage (or article) already
has are ticked: choosing one removes it. So: select, then one key.
"""
from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QSize, Qt, Signal
from PySide6.QtWidgets import QFrame, QLabel, QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from clipper.models import Tag
from clipper.gui.util import swatch_icon, tooltip_text

MAX_SHOWN = 30
CREATE_ROLE = Qt.UserRole + 1


class TagPalette(QFrame):
    tag_chosen = Signal(str)  # the tag name (an existing one, or a new one to create)
    pin_requested = Signal(str, int)  # tag name, slot
    dismissed = Signal()

    def __init__(self, parent: QWidget | None = None, *, popup: bool = True):
        super().__init__(parent, Qt.Popup if popup else Qt.Widget)
        self.setObjectName("tagPalette")
        self.setFrameShape(QFrame.StyledPanel)
        self.setAttribute(Qt.WA_DeleteOnClose, False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(4)
        self.title = QLabel("", self)
        self.title.setTextFormat(Qt.PlainText)
        self.title.setObjectName("tagPaletteTitle")
        self.title.hide()
        self.hint = QLabel("1–9: pinned tag · Enter: highlighted · Shift+Enter: new · Ctrl+1–9: pin", self)
        self.hint.setTextFormat(Qt.PlainText)
        self.hint.setWordWrap(True)
        f = self.hint.font()
        f.setPointSizeF(f.pointSizeF() * 0.85)
        self.hint.setFont(f)
        self.edit = QLineEdit(self)
        self.edit.setPlaceholderText("Tag name…")
        self.edit.setClearButtonEnabled(True)
        self.list = QListWidget(self)
        self.list.setFocusPolicy(Qt.NoFocus)
        self.list.setUniformItemSizes(True)
        self.list.setIconSize(QSize(14, 14))
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarAlwaysOff)
        layout.addWidget(self.title)
        layout.addWidget(self.hint)
        layout.addWidget(self.edit)
        layout.addWidget(self.list)
        self.setFixedWidth(300)
        self._tags: list[Tag] = []
        self._checked: set[str] = set()
        self.edit.textChanged.connect(self._refilter)
        self.edit.installEventFilter(self)
        self.list.itemClicked.connect(lambda item: self._choose(item.data(Qt.UserRole)))

    # ---- content -----------------------------------------------------------------------------
    def set_tags(self, tags: list[Tag], checked=(), title: str = "") -> None:
        """Tags in the order to offer them after the pinned ones (most used first is a good
        order); ``checked``: names the target already carries; ``title``: what is tagged."""
        self._tags = list(tags)
        self._checked = {n.casefold() for n in checked}
        self.title.setText(title)
        self.title.setVisible(bool(title))
        self.edit.blockSignals(True)
        self.edit.clear()
        self.edit.blockSignals(False)
        self._refilter("")

    def slots(self) -> dict[int, str]:
        return {t.slot: t.name for t in self._tags if t.slot}

    def shown_names(self) -> list[str]:
        return [self.list.item(i).data(Qt.UserRole) for i in range(self.list.count())]

    def current_name(self) -> str | None:
        item = self.list.currentItem()
        return item.data(Qt.UserRole) if item is not None else None

    def _typed(self) -> str:
        return " ".join(self.edit.text().split())

    def _refilter(self, text: str) -> None:
        needle = " ".join(text.split()).casefold()
        self.list.clear()
        pinned = sorted((t for t in self._tags if t.slot), key=lambda t: t.slot)
        rest = [t for t in self._tags if not t.slot]
        if needle:
            def rank(t):  # exact, then prefix, then a word prefix, then anywhere
                name = t.name.casefold()
                return (name != needle, not name.startswith(needle),
                        not any(w.startswith(needle) for w in name.split()))
            matches = sorted((t for t in self._tags if needle in t.name.casefold()), key=rank)
            shown = matches
        else:
            shown = pinned + rest
        for tag in shown[:MAX_SHOWN]:
            mark = "✓ " if tag.name.casefold() in self._checked else ""
            label = f"{tag.slot if tag.slot else ' '}   {mark}{tag.name}"
            item = QListWidgetItem(swatch_icon(tag.color, 14), label)
            item.setData(Qt.UserRole, tag.name)
            tip = tag.name + (f" (key {tag.slot})" if tag.slot else "") + (" — click to remove" if mark else "")
            item.setToolTip(tooltip_text(tip))
            self.list.addItem(item)
        exact = any(t.name.casefold() == needle for t in self._tags)
        if needle and not exact:
            item = QListWidgetItem(f"+   Create “{self._typed()}”   (Shift+Enter)")
            item.setData(Qt.UserRole, self._typed())
            item.setData(CREATE_ROLE, True)
            self.list.addItem(item)
        if self.list.count():
            self.list.setCurrentRow(0)
        row_h = self._row_height()
        for i in range(self.list.count()):
            self.list.item(i).setSizeHint(QSize(0, row_h))
        rows = min(self.list.count(), 10)
        self.list.setFixedHeight(max(1, rows) * row_h + 2 * self.list.frameWidth())
        self.adjustSize()

    def _row_height(self) -> int:
        return max(self.list.fontMetrics().height(), self.list.iconSize().height()) + 6

    # ---- choosing ------------------------------------------------------------------------------
    def _choose(self, name: str | None) -> None:
        if not name:
            return
        self.hide()
        self.tag_chosen.emit(name)

    def take_highlighted(self) -> None:
        """Enter: the highlighted row (the best match, or "+ Create" when nothing matches)."""
        name = self.current_name()
        if name is None and self._typed():
            name = self._typed()
        self._choose(name)

    def create_typed(self) -> None:
        """Shift+Enter: a tag named as typed (an existing tag of that name, any case)."""
        text = self._typed()
        if not text:
            self.take_highlighted()
            return
        existing = next((t.name for t in self._tags if t.name.casefold() == text.casefold()), None)
        self._choose(existing or text)

    def choose_number(self, n: int) -> bool:
        name = self.slots().get(n)
        if name is None:
            return False
        self._choose(name)
        return True

    def pin_current(self, n: int) -> bool:
        name = self.current_name()
        item = self.list.currentItem()
        if name is None or (item is not None and item.data(CREATE_ROLE)):
            return False
        for t in self._tags:
            if t.slot == n:
                t.slot = None
            if t.name == name:
                t.slot = n
        self.pin_requested.emit(name, n)
        self._refilter(self.edit.text())
        return True

    def _key(self, event) -> bool:
        key, mods = event.key(), event.modifiers() & ~Qt.KeypadModifier
        if Qt.Key_1 <= key <= Qt.Key_9:
            if mods == Qt.ControlModifier:
                return self.pin_current(key - Qt.Key_0)
            if mods in (Qt.NoModifier, Qt.ShiftModifier) and self.choose_number(key - Qt.Key_0):
                return True
            return False
        if key in (Qt.Key_Return, Qt.Key_Enter):
            if mods & Qt.ShiftModifier:
                self.create_typed()
            else:
                self.take_highlighted()
            return True
        if key in (Qt.Key_Down, Qt.Key_Up) and self.list.count():
            row = self.list.currentRow() + (1 if key == Qt.Key_Down else -1)
            self.list.setCurrentRow(max(0, min(self.list.count() - 1, row)))
            return True
        if key == Qt.Key_Escape:
            self.hide()
            self.dismissed.emit()
            return True
        return False

    def eventFilter(self, obj, event):  # noqa: N802
        if obj is self.edit and event.type() == QEvent.KeyPress and self._key(event):
            return True
        return super().eventFilter(obj, event)

    def keyPressEvent(self, event):  # noqa: N802 - keys that reach the frame itself
        if not self._key(event):
            super().keyPressEvent(event)

    def hideEvent(self, event):  # noqa: N802 - give the keyboard back to the window it came from
        super().hideEvent(event)
        parent = self.parentWidget()
        if parent is not None and parent.isVisible():
            parent.window().activateWindow()

    def popup_at(self, global_pos: QPoint) -> None:
        self.adjustSize()
        screen = self.screen().availableGeometry() if self.screen() else None
        pos = QPoint(global_pos)
        if screen is not None:
            pos.setX(max(screen.left(), min(pos.x(), screen.right() - self.width())))
            if pos.y() + self.height() > screen.bottom():
                pos.setY(max(screen.top(), global_pos.y() - self.height() - 24))
        self.move(pos)
        self.show()
        self.raise_()
        self.activateWindow()
        self.edit.setFocus(Qt.PopupFocusReason)
