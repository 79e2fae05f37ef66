"""Small Qt helpers shared by the widgets: safe text display, colours, settings."""
from __future__ import annotations

import html
from urllib.parse import urlsplit

from PySide6.QtCore import QSettings, Qt, QUrl
from PySide6.QtGui import QColor, QDesktopServices, QIcon, QPainter, QPixmap
from PySide6.QtWidgets import QLabel, QTextBrowser, QWidget

ORGANIZATION = "Clipper"
APPLICATION = "Clipper"


def resources_dir():
    """The package's resources (style sheet, icons, sample stories)."""
    from pathlib import Path

    return Path(__file__).resolve().parents[1] / "resources"


def icon(name: str) -> QIcon:
    """One of the toolbar icons shipped in clipper/resources/icons (an empty icon if missing)."""
    path = resources_dir() / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


def make_settings() -> QSettings:
    return QSettings(ORGANIZATION, APPLICATION)


def plain_label(text: str = "", parent: QWidget | None = None, *, word_wrap: bool = False) -> QLabel:
    """A QLabel that never interprets its text as HTML (titles from imported pages)."""
    label = QLabel(parent)
    label.setTextFormat(Qt.PlainText)
    label.setText(text)
    label.setWordWrap(word_wrap)
    return label


def tooltip_text(text: str) -> str:
    """Tool tips guess rich text: escape so markup in a title is shown literally."""
    return "<p style='white-space:pre-wrap'>" + html.escape(text or "") + "</p>"


def is_web_url(url: str) -> bool:
    try:
        parts = urlsplit((url or "").strip())
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def open_web_link(url: str) -> bool:
    """Open an http(s) link in the system browser; anything else is refused."""
    if not is_web_url(url):
        return False
    return QDesktopServices.openUrl(QUrl(url.strip()))


def qcolor(hex_color: str, alpha: int = 255) -> QColor:
    c = QColor(hex_color or "#ffd54f")
    if not c.isValid():
        c = QColor("#ffd54f")
    c.setAlpha(alpha)
    return c


def readable_text_color(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background`` (WCAG relative luminance)."""
    def channel(v: float) -> float:
        v = v / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    lum = 0.2126 * channel(background.red()) + 0.7152 * channel(background.green()) + 0.0722 * channel(background.blue())
    return QColor("#000000") if lum > 0.179 else QColor("#ffffff")


def swatch_icon(hex_color: str, size: int = 12) -> QIcon:
    pix = QPixmap(size, size)
    pix.fill(Qt.transparent)
    p = QPainter(pix)
    p.setRenderHint(QPainter.Antialiasing)
    color = qcolor(hex_color)
    p.setBrush(color)
    p.setPen(color.darker(130))
    p.drawRoundedRect(1, 1, size - 2, size - 2, 3, 3)
    p.end()
    return QIcon(pix)


class SafeTextBrowser(QTextBrowser):
    """A QTextBrowser that loads nothing: no images, no local files, no remote resources.

    Links are opened in the system browser on click, and only http(s) ones.
    """

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setOpenExternalLinks(False)
        self.anchorClicked.connect(lambda url: open_web_link(url.toString()))

    def loadResource(self, type_, name):  # noqa: N802 - Qt override
        return None


def elide(text: str, n: int) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def ask(parent: QWidget | None, title: str, text: str, *, yes: str | None = None, default_yes: bool = False) -> bool:
    """A Yes/No question whose text is never read as HTML (it may name a tag or a title).
    ``yes`` names the Yes button ("Move to Trash"); ``default_yes`` for undoable actions."""
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Question, title, "", QMessageBox.Yes | QMessageBox.No, parent)
    box.setTextFormat(Qt.PlainText)
    box.setText(text)
    if yes:
        box.button(QMessageBox.Yes).setText(yes)
        box.button(QMessageBox.No).setText("Cancel")
    box.setDefaultButton(QMessageBox.Yes if default_yes else QMessageBox.No)
    answer = box.exec() == QMessageBox.Yes
    _reactivate(parent)
    return answer


def ask_text(parent: QWidget | None, title: str, label: str, text: str = "", items=None) -> tuple[str, bool]:
    """QInputDialog.getText/getItem, wide enough that its title is never cut ("Renam…lipper")."""
    from PySide6.QtWidgets import QInputDialog

    dialog = QInputDialog(parent)
    dialog.setWindowTitle(title)
    dialog.setLabelText(label)
    if items is not None:
        dialog.setComboBoxItems(list(items))
        dialog.setComboBoxEditable(False)
    else:
        dialog.setTextValue(text)
    width = dialog.fontMetrics().horizontalAdvance(f"{title} — Clipper") + 160
    dialog.setMinimumWidth(max(420, width))
    ok = dialog.exec() == QInputDialog.Accepted
    _reactivate(parent)
    return dialog.textValue(), ok


def _reactivate(parent: QWidget | None) -> None:
    """Give the keyboard back to the window that asked (some platforms leave none active)."""
    if parent is not None and parent.isVisible():
        parent.window().activateWindow()


def tell(parent: QWidget | None, title: str, text: str, *, warning: bool = True) -> None:
    from PySide6.QtWidgets import QMessageBox

    box = QMessageBox(QMessageBox.Warning if warning else QMessageBox.Information, title, "", QMessageBox.Ok, parent)
    box.setTextFormat(Qt.PlainText)
    box.setText(text)
    box.exec()
    _reactivate(parent)


def default_window_rect(available, fraction: float = 0.85, minimum: tuple[int, int] = (1100, 700)):
    """The first-run window rectangle: ``fraction`` of the screen's available area, at least
    ``minimum`` when the screen is big enough (never more than the screen), centred."""
    from PySide6.QtCore import QRect

    aw, ah = available.width(), available.height()
    w = min(aw, max(int(aw * fraction), minimum[0]))
    h = min(ah, max(int(ah * fraction), minimum[1]))
    rect = QRect(0, 0, w, h)
    rect.moveCenter(available.center())
    return rect


def fit_widths(preferred: dict[int, int], minimum: dict[int, int], budget: int) -> dict[int, int]:
    """Column widths that fit ``budget`` pixels: the preferred widths, each shrunk in
    proportion to the room it has above its minimum (never below it). When even the
    minimums do not fit, every column gets its minimum."""
    widths = dict(preferred)
    excess = sum(widths.values()) - budget
    if excess <= 0:
        return widths
    slack = {c: max(0, w - minimum.get(c, 0)) for c, w in widths.items()}
    total = sum(slack.values())
    if total <= excess:
        return {c: w - slack[c] for c, w in widths.items()}
    given = 0
    cols = sorted(widths, key=lambda c: -slack[c])
    for n, c in enumerate(cols):
        give = excess - given if n == len(cols) - 1 else round(excess * slack[c] / total)
        give = min(slack[c], give)
        widths[c] -= give
        given += give
    return widths
