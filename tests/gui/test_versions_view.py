"""The reader's version bar, track-changes view, old versions and "Open original"."""
from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

BODY_V1 = """Harbour board doubles mooring dues

The harbour board voted on Tuesday to double the dues charged to moor a boat in the inner basin.

Skipper Owen Pryce called the decision a slap in the face for every crew in town.

The new charges take effect in March."""

BODY_V2 = """The harbour board voted on Tuesday to raise the dues charged to moor a boat in the inner basin by half.

Several skippers said they would consider moving their boats to Aberfal.

The new charges take effect in March."""


def _library_with_two_versions(lib, tmp_path):
    from clipper.importing import import_sources
    from clipper.jobs import run_job

    src = tmp_path / "dues.txt"
    src.write_text(BODY_V1, encoding="utf-8")
    aid = run_job(import_sources(lib, [str(src)])).imported[0]["id"]
    gone = lib.passages.add(aid, quote="a slap in the face")
    lib.articles.edit(aid, text=BODY_V2, title="Harbour board raises mooring dues by half")
    return aid, gone.id, src.read_bytes()


def _fragments(view):
    out = []
    block = view.document().begin()
    while block.isValid():
        it = block.begin()
        while not it.atEnd():
            frag = it.fragment()
            if frag.isValid():
                out.append((frag.text(), frag.charFormat()))
            it += 1
        block = block.next()
    return out


def test_version_bar_and_track_changes(qtbot, lib, make_window, tmp_path):
    aid, _gone, _raw = _library_with_two_versions(lib, tmp_path)
    w = make_window(lib)
    assert w.open_article(aid)
    bar = w.versions.bar
    assert bar.isVisible() and bar.combo.count() == 2
    assert "v2" in bar.combo.currentText() and "words changed" in bar.marks.text()
    w.versions.act_track.trigger()
    assert w.versions.view.isVisible() and not w.reader.isVisible()
    frags = _fragments(w.versions.view)
    struck = "".join(t for t, f in frags if f.fontStrikeOut())
    green = "".join(t for t, f in frags if f.background().color().green() > f.background().color().red()
                    and f.background().style() != Qt.NoBrush)
    assert "slap in the face" in struck and "double" in struck
    assert "consider moving" in green and "by half" in green
    assert "slap" not in green
    w.versions.act_track.trigger()  # off: back to the reader
    assert w.reader.isVisible() and not w.versions.view.isVisible()
    # previous version: v1's own text, read-only, in the version view
    w.versions.act_prev.trigger()
    assert w.versions.view.isVisible()
    assert "slap in the face" in w.versions.view.toPlainText()
    assert "v1" in bar.combo.currentText()
    w.versions.act_next.trigger()
    assert w.reader.isVisible() and "consider moving" in w.reader.toPlainText()
    w.grab().save(str(tmp_path / "versions.png"))


def test_orphaned_passage_opens_on_the_version_that_holds_it(qtbot, lib, make_window, tmp_path):
    aid, gone, _raw = _library_with_two_versions(lib, tmp_path)
    assert lib.passages.get(gone).status == "orphaned"
    w = make_window(lib)
    w.open_article(aid)
    from clipper.gui.passages_panel import PASSAGE_ROLE

    view = w.passages.view
    model = view.model()
    index = next(model.index(r, 0) for r in range(model.rowCount()) if model.index(r, 0).data(PASSAGE_ROLE).id == gone)
    QTest.mouseClick(view.viewport(), Qt.LeftButton, pos=view.visualRect(index).center())
    qtbot.waitUntil(lambda: w.versions.view.isVisible(), timeout=3000)
    assert "v1" in w.versions.bar.combo.currentText()
    sel = w.versions.view.extraSelections()
    assert len(sel) == 1 and sel[0].cursor.selectedText() == "a slap in the face"


def test_open_original_writes_the_kept_bytes(qtbot, lib, make_window, tmp_path, monkeypatch):
    from PySide6.QtGui import QDesktopServices

    aid, _gone, raw = _library_with_two_versions(lib, tmp_path)
    opened = []
    monkeypatch.setattr(QDesktopServices, "openUrl", staticmethod(lambda url: opened.append(url) or True))
    w = make_window(lib)
    w.open_article(aid)
    assert w.versions.act_original.isEnabled()
    w.versions.act_original.trigger()
    assert len(opened) == 1
    from pathlib import Path

    assert Path(opened[0].toLocalFile()).read_bytes() == raw


def test_single_version_without_original_has_no_bar(qtbot, lib, make_window):
    from gui_testkit import FERRY, add

    aid = add(lib, FERRY)
    w = make_window(lib)
    w.open_article(aid)
    assert not w.versions.bar.isVisible()
    assert not w.versions.act_original.isEnabled() and not w.versions.act_track.isEnabled()


def test_refresh_from_the_web_shows_the_new_version(qtbot, lib, make_window):
    from clipper_testkit import LocalServer

    from clipper.importing import import_sources
    from clipper.jobs import run_job

    page = "<html><head><title>{t}</title></head><body><article><h1>{t}</h1><p>{p}</p></article></body></html>"
    first = page.format(t="Ferry strike called off", p="The ferry crews called off their strike after talks on Sunday night, "
                        "and boats will sail as usual from Monday morning, the union said in a short statement.")
    second = first.replace("from Monday morning", "from Tuesday morning")
    with LocalServer() as server:
        server.body("/ferry", first.encode())
        aid = run_job(import_sources(lib, [server.url("/ferry")])).imported[0]["id"]
        w = make_window(lib)
        w.open_article(aid)
        assert w.versions.act_refresh.isEnabled()
        server.body("/ferry", second.encode())
        w.versions.act_refresh.trigger()
        qtbot.waitUntil(lambda: w.versions.bar.combo.count() == 2, timeout=10000)
    assert "Tuesday morning" in w.reader.toPlainText()
    assert "version 2" in w.statusBar().currentMessage()
