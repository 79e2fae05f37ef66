"""Fixtures for the GUI tests: real widgets (offscreen Qt), small real libraries in tmp_path.

The stories below are made up for these tests.
"""
from __future__ import annotations

import gc
import os

os.environ["QT_QPA_PLATFORM"] = "offscreen"  # before anything imports Qt

import sys
from pathlib import Path

import pytest

# "from conftest import" is ambiguous across test folders; tests import these helpers as gui_testkit.
sys.modules["gui_testkit"] = sys.modules[__name__]

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FERRY = """Night ferry returns to the island route

The operator said on Monday that the night ferry would sail again from April after repairs to the harbour ramp.

Islanders had asked for the service for two years, saying the last boat at six was too early for hospital visits.

The council will pay part of the fuel cost during the first winter."""

EMOJI = """Bakery wins regional prize 🥐 for sourdough

Judges praised the crust 🏆 and the open crumb of the winning loaf, made with flour from a mill two villages away.

The owner said the prize would help pay for a second oven."""

ORCHARD = """Orchard growers test frost fans against late cold snaps

Growers in the valley installed tall fans that mix warmer air from above into the orchards on cold nights.

Early results suggest the fans kept blossoms two degrees warmer than in unprotected rows."""


def add(lib, text: str, **meta):
    from clipper.models import ArticleDraft

    title, _, body = text.partition("\n\n")
    draft = ArticleDraft(title=meta.pop("title", title), text=body, **meta)
    return lib.articles.add(draft).id


def settle(window, timeout: float = 15.0) -> None:
    """Wait (running the event loop) until every write the window asked for is over: the
    window's writes run in its write lane, off the UI thread, and views refresh after."""
    assert window.ops.wait(timeout), "the window's writes did not finish"


def settle_windows(timeout: float = 15.0) -> None:
    """``settle`` every open main window (after a key press sent wherever the focus is)."""
    from PySide6.QtWidgets import QApplication

    from clipper.gui.main_window import MainWindow

    for w in QApplication.topLevelWidgets():
        if isinstance(w, MainWindow) and not w.ops.lane.stopped:
            settle(w, timeout)


def press(qtbot, key, modifier=None, times: int = 1) -> None:
    """Key presses sent where the focus is; then the writes they asked for are let finish
    (they run in the window's write lane, off the UI thread)."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    for _ in range(times):
        widget = QApplication.focusWidget()
        assert widget is not None, "nothing has the keyboard focus"
        qtbot.keyClick(widget, key, Qt.NoModifier if modifier is None else modifier)
    settle_windows()


def type_text(qtbot, text: str) -> None:
    from PySide6.QtWidgets import QApplication

    qtbot.keyClicks(QApplication.focusWidget(), text)


@pytest.fixture
def settings(tmp_path):
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "settings.ini"), QSettings.IniFormat)


@pytest.fixture
def lib(tmp_path):
    from clipper.library import Library

    library = Library.open(tmp_path / "library")
    yield library
    library.close()


@pytest.fixture
def filled(lib):
    """A library with three articles, two tags and one passage."""
    ids = {
        "ferry": add(lib, FERRY, outlet="Island Post", published="2026-02-02", url="https://island-post.example/ferry"),
        "emoji": add(lib, EMOJI, outlet="Valley Times", published="2026-01-20"),
        "orchard": add(lib, ORCHARD, outlet="Valley Times", agency="AP", published="2026-03-01"),
    }
    lib.tags.create("transport", "#64b5f6")
    lib.tags.create("food", "#ffb74d")
    lib.passages.add(ids["ferry"], quote="night ferry would sail again", tags=["transport"])
    return lib, ids


@pytest.fixture
def make_window(qtbot, settings):
    from clipper.gui.main_window import MainWindow

    windows = []

    # The test process has built ~600,000 objects by the time the GUI tests run (every test
    # before them); a full garbage collection walking them took 300-600 ms on the UI thread,
    # which the stall probes then blamed on the window (a CI run failed on it). The app
    # itself freezes what its start made (clipper.gui.app.freeze_startup_objects); here that
    # is everything the tests before made. (No collection first: 0.4 s a test. What this
    # keeps from being collected is let go at the end of the GUI tests: release_frozen.)
    gc.freeze()

    def make(library):
        w = MainWindow(library, settings=settings)
        qtbot.addWidget(w)
        w.show()
        qtbot.waitExposed(w)
        w.windowHandle().requestActivate()  # window shortcuts (Ctrl+Z...) need an active window
        qtbot.waitUntil(w.isActiveWindow, timeout=5000)
        windows.append(w)
        return w

    yield make
    for w in windows:
        w.close()


@pytest.fixture(scope="package", autouse=True)
def release_frozen():
    """After the GUI tests: collect the garbage their windows' fixture kept frozen, then
    freeze again (as tests/conftest.py does after collection)."""
    yield
    gc.unfreeze()
    gc.collect()
    gc.freeze()
