"""The main window end to end: import, search, tagging from the keyboard, notes, undo,
tag manager, export, cancel, and the safety of the reader."""
from __future__ import annotations

import http.server
import threading

import pytest
from PySide6.QtCore import Qt

from gui_testkit import add, settle


def wait_import(qtbot, dialog, timeout=20_000):
    with qtbot.waitSignal(dialog.done, timeout=timeout) as blocker:
        pass
    return blocker.args[0]


def test_import_through_the_dialog_shows_the_new_row(qtbot, lib, make_window, tmp_path):
    w = make_window(lib)
    assert w.stack.currentWidget() is w.empty  # empty library: the empty state
    src = tmp_path / "story.txt"
    src.write_text("Tram line extended to the airport\n\nThe tram now runs to the airport every ten minutes, "
                   "the city said on Friday.\n\nTickets cost the same as before.", encoding="utf-8")
    dialog = w.start_import([str(src)])
    report = wait_import(qtbot, dialog)
    assert report is not None and len(report.imported) == 1
    qtbot.waitUntil(lambda: w.model.rowCount() == 1)
    assert w.model.index(0, 0).data() == "Tram line extended to the airport"
    assert w.stack.currentWidget() is w.table
    # one article: named, opened in the reader, and the dialog steps aside
    assert "Imported “Tram line extended to the airport”" in dialog.summary.toPlainText()
    assert w.current_article.title == "Tram line extended to the airport"
    assert not dialog.isVisible()


def test_typing_in_search_shows_results_with_marked_words(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    with qtbot.waitSignal(w.search.results_shown, timeout=10_000):
        qtbot.keyClicks(w.search.edit, "blossoms")
    hits = w.search.model.hits
    assert [h.id for h in hits] == [ids["orchard"]]
    assert w.stack.currentWidget() is w.search.results
    frag = hits[0].fragments[0]
    assert any(frag["text"][s:e].lower() == "blossoms" for s, e in frag["matches"])
    # choosing the hit opens the article
    w.search.results.setCurrentIndex(w.search.model.index(0))
    assert w.current_article.id == ids["orchard"]
    # passages mode
    with qtbot.waitSignal(w.search.results_shown, timeout=10_000):
        w.search.mode.setCurrentIndex(1)
        w.search.edit.setText("sail")
    assert [h.article_id for h in w.search.model.hits] == [ids["ferry"]]


def test_a_bad_query_is_reported_inline(qtbot, filled, make_window):
    lib, _ids = filled
    w = make_window(lib)
    with qtbot.waitSignal(w.search_service.failed, timeout=10_000):
        w.search.edit.setText("published:[2026-01-01 TO")
    assert w.search.status.isVisible()
    assert w.search.status.text()
    assert "Traceback" not in w.search.status.text()
    assert w.isVisible()


def test_select_and_press_one_tags_the_span_after_an_emoji(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    w.open_article(ids["emoji"])
    text = lib.articles.get(ids["emoji"]).text
    start = text.index("open crumb")  # two emoji sit before it
    end = start + len("open crumb")
    w.reader.select_span(start, end)
    assert w.reader.textCursor().selectedText() == "open crumb"
    assert w.show_tag_palette()
    assert w.tag_palette.isVisible()
    first = w.tag_palette.shown_names()[0]
    qtbot.keyClick(w.tag_palette.edit, Qt.Key_1)
    settle(w)
    passages = lib.passages.for_article(ids["emoji"])
    assert len(passages) == 1
    p = passages[0]
    assert (p.start, p.end, p.quote) == (start, end, "open crumb")
    assert p.tags == [first]
    assert w.passages.model.rowCount() == 1
    assert not w.tag_palette.isVisible()


def test_typing_a_new_tag_name_and_enter_creates_it(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    w.open_article(ids["orchard"])
    text = lib.articles.get(ids["orchard"]).text
    start = text.index("tall fans")
    w.reader.select_span(start, start + len("tall fans"))
    w.show_tag_palette()
    qtbot.keyClicks(w.tag_palette.edit, "weather risk")
    qtbot.keyClick(w.tag_palette.edit, Qt.Key_Return)
    settle(w)
    assert lib.tags.find("weather risk") is not None
    (p,) = lib.passages.for_article(ids["orchard"])
    assert p.quote == "tall fans" and p.tags == ["weather risk"]
    assert any("weather risk" in w.sidebar.tags.child(i).text(0) for i in range(w.sidebar.tags.childCount()))


def test_edit_a_note_then_undo_and_redo(qtbot, filled, make_window, monkeypatch):
    from clipper.gui import main_window as mw

    lib, ids = filled
    w = make_window(lib)
    w.open_article(ids["ferry"])
    (p,) = lib.passages.for_article(ids["ferry"])

    def fake_exec(dialog):
        dialog.note.edit.setPlainText("Ask the **council** for the fuel figures.")
        dialog.tags.setText("transport, islands")
        return mw.PassageEditor.Accepted

    monkeypatch.setattr(mw.PassageEditor, "exec", fake_exec)
    w.edit_passage(p.id)
    settle(w)
    after = lib.passages.get(p.id)
    assert after.note == "Ask the **council** for the fuel figures."
    assert after.tags == ["islands", "transport"] or sorted(after.tags) == ["islands", "transport"]
    w.reader.setFocus()
    qtbot.keyClick(w.reader, Qt.Key_Z, Qt.ControlModifier)
    settle(w)
    undone = lib.passages.get(p.id)
    assert undone.note == "" and undone.tags == ["transport"]
    qtbot.keyClick(w.reader, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    settle(w)
    assert lib.passages.get(p.id).note.startswith("Ask the")


def test_undo_of_adding_and_deleting_a_passage(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    w.open_article(ids["orchard"])
    op = w.ops.add_passage(ids["orchard"], 0, 7, ["food"])
    settle(w)
    p = op.result
    assert lib.passages.for_article(ids["orchard"])
    w.act_undo.trigger()
    settle(w)
    assert lib.passages.for_article(ids["orchard"]) == []
    assert w.passages.model.rowCount() == 0
    w.act_redo.trigger()
    settle(w)
    (back,) = lib.passages.for_article(ids["orchard"])
    assert back.id == p.id and back.tags == ["food"]
    assert w.ops.delete_passage(p.id)
    settle(w)
    assert lib.passages.for_article(ids["orchard"]) == []
    w.act_undo.trigger()
    settle(w)
    assert [q.id for q in lib.passages.for_article(ids["orchard"])] == [p.id]


def test_tag_manager_rename_updates_library_sidebar_and_undoes(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    dialog = w.manage_tags()
    assert dialog.select("transport")
    assert dialog.rename_selected("shipping")
    settle(w)
    assert dialog.selected_name() == "shipping"  # selected again once renamed
    assert lib.tags.find("transport") is None
    assert lib.passages.for_article(ids["ferry"])[0].tags == ["shipping"]
    names = [w.sidebar.tags.child(i).text(0) for i in range(w.sidebar.tags.childCount())]
    assert any(n.startswith("shipping") for n in names)
    w.act_undo.trigger()
    settle(w)
    assert lib.tags.find("transport") is not None
    assert dialog.rename_selected.__self__ is dialog
    dialog.close()


def test_export_action_writes_a_markdown_file(qtbot, filled, make_window, tmp_path):
    lib, ids = filled
    w = make_window(lib)
    w.open_article(ids["ferry"])
    dialog = w.export_dialog()
    assert dialog.r_article.isChecked()
    dialog.set_format("md")
    target = tmp_path / "out" / "ferry.md"
    target.parent.mkdir()
    dialog.path.setText(str(target))
    with qtbot.waitSignal(dialog.exported, timeout=20_000):
        dialog.export_button.click()
    body = target.read_text(encoding="utf-8")
    assert "night ferry would sail again" in body
    assert dialog.open_button.isEnabled()
    dialog.close()


def test_export_to_a_missing_folder_reports_an_error(qtbot, filled, make_window, tmp_path):
    lib, _ids = filled
    w = make_window(lib)
    dialog = w.export_dialog()
    dialog.set_format("csv")
    dialog.path.setText(str(tmp_path / "nope" / "x.csv"))
    with qtbot.waitSignal(dialog.failed, timeout=20_000) as blocker:
        dialog.export_button.click()
    assert "does not exist" in blocker.args[0]
    assert "Export failed" in dialog.status.text()
    dialog.close()


def test_cancelling_an_import_stops_it_early(qtbot, lib, make_window, tmp_path):
    w = make_window(lib)
    folder = tmp_path / "many"
    folder.mkdir()
    for n in range(150):
        (folder / f"{n:03}.txt").write_text(
            f"Harbour report number {n}\n\nShip {n} docked at berth {n % 7} with {n * 13} containers "
            f"of cargo {n * 31} on day {n}.", encoding="utf-8")
    dialog = w.start_import([str(folder)])
    qtbot.waitUntil(lambda: dialog.bar.maximum() == 150 and dialog.bar.value() >= 1, timeout=20_000)
    dialog.buttons.buttons()[0].click()  # Cancel
    report = wait_import(qtbot, dialog)
    assert report.cancelled
    assert 0 < len(report.imported) < 150
    assert "Cancelled" in dialog.summary.toPlainText()
    qtbot.waitUntil(lambda: w.model.rowCount() == len(report.imported))


class _Counter(http.server.BaseHTTPRequestHandler):
    hits = 0

    def do_GET(self):  # noqa: N802
        type(self).hits += 1
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def counting_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counter)
    _Counter.hits = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_reader_and_note_preview_load_nothing(qtbot, lib, make_window, counting_server, tmp_path):
    port = counting_server.server_address[1]
    local = tmp_path / "secret.png"
    local.write_bytes(b"\x89PNG")
    img = f'<img src="http://127.0.0.1:{port}/x.png">'
    aid = add(lib, f"Photo {img} caption\n\nThe body shows {img} and <img src=\"{local}\"> inline "
                   f"and <link rel=stylesheet href=\"http://127.0.0.1:{port}/s.css\">.")
    lib.passages.add(aid, quote="The body shows", note=f"![x](http://127.0.0.1:{port}/n.png) see {img}")
    w = make_window(lib)
    w.open_article(aid)
    assert img in w.reader.toPlainText()
    from clipper.gui.passage_editor import PassageEditor

    editor = PassageEditor(lib.passages.for_article(aid)[0], [], w)
    editor.note.setCurrentIndex(1)  # the preview renders the Markdown
    qtbot.addWidget(editor)
    editor.show()
    qtbot.wait(300)
    assert _Counter.hits == 0
    editor.close()


def test_titles_with_markup_are_shown_literally(qtbot, lib, make_window):
    title = "<b>Bold</b> claim & <img src=x> <i>here</i>"
    aid = add(lib, "ignored\n\nSome article body about the harbour.", title=title)
    w = make_window(lib)
    assert w.model.index(0, 0).data() == title
    tip = w.model.index(0, 0).data(Qt.ToolTipRole)
    assert "<b>" not in tip and "&lt;b&gt;" in tip
    w.open_article(aid)
    assert w.header.title.text() == title
    assert w.header.title.textFormat() == Qt.PlainText
    dialog = w.export_dialog()
    assert dialog.r_article.text().endswith(title[:40]) or "<b>Bold</b>" in dialog.r_article.text()
    dialog.close()


def test_sidebar_filters_by_tag_and_outlet(qtbot, filled, make_window):
    lib, ids = filled
    w = make_window(lib)
    w.show_view("tag", "transport")
    assert w.model.ids() == [ids["ferry"]]
    w.show_view("outlet", "Valley Times")
    assert sorted(w.model.ids()) == sorted([ids["emoji"], ids["orchard"]])
    w.show_view("all", None)
    assert w.model.rowCount() == 3


def test_saved_search_is_stored_in_the_library(qtbot, filled, make_window, settings):
    lib, ids = filled
    w = make_window(lib)
    w.save_search("frost", False, name="Frost stories")
    assert any(s["name"] == "Frost stories" for s in w.saved_searches())
    from clipper.searches import SavedSearches

    assert SavedSearches(lib).all() == [{"name": "Frost stories", "query": "frost", "passages": False}]
    assert "Frost" not in str(settings.allKeys())
    assert w.sidebar.saved.childCount() == 1
    with qtbot.waitSignal(w.search.results_shown, timeout=10_000):
        w.show_view("saved", w.saved_searches()[0])
    assert [h.id for h in w.search.model.hits] == [ids["orchard"]]


def test_drop_sources_accepts_files_and_web_links_only():
    from PySide6.QtCore import QMimeData, QUrl

    from clipper.gui.main_window import MainWindow

    md = QMimeData()
    md.setUrls([QUrl.fromLocalFile("/tmp/a.html"), QUrl("https://example.org/x"), QUrl("javascript:alert(1)")])
    assert MainWindow.drop_sources(md) == ["/tmp/a.html", "https://example.org/x"]


def test_article_note_add_and_edit_undo_and_redo(qtbot, filled, make_window, monkeypatch):
    from clipper.gui import main_window as mw

    lib, ids = filled
    w = make_window(lib)
    w.open_article(ids["orchard"])
    typed = {}

    def fake_exec(dialog):
        dialog.editor.edit.setPlainText(typed["text"])
        return mw.NoteDialog.Accepted

    monkeypatch.setattr(mw.NoteDialog, "exec", fake_exec)

    def note_texts():
        return [n.text for n in lib.notes.for_article(ids["orchard"])]

    typed["text"] = "Call the growers' association about the fan noise."
    w.edit_article_note()
    settle(w)
    assert note_texts() == ["Call the growers' association about the fan noise."]
    assert w.ops.undo_stack.undoText() == "Add note"
    w.reader.setFocus()
    qtbot.keyClick(w.reader, Qt.Key_Z, Qt.ControlModifier)
    settle(w)
    assert note_texts() == []
    qtbot.keyClick(w.reader, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    settle(w)
    assert note_texts() == ["Call the growers' association about the fan noise."]

    # editing: undo restores the old text, redo the new one
    typed["text"] = "Fan noise: ask the council instead."
    w.edit_article_note()
    settle(w)
    assert note_texts() == ["Fan noise: ask the council instead."]
    qtbot.keyClick(w.reader, Qt.Key_Z, Qt.ControlModifier)
    settle(w)
    assert note_texts() == ["Call the growers' association about the fan noise."]
    qtbot.keyClick(w.reader, Qt.Key_Z, Qt.ControlModifier | Qt.ShiftModifier)
    settle(w)
    assert note_texts() == ["Fan noise: ask the council instead."]

    # clearing the text deletes the note; undo brings it back
    typed["text"] = "  "
    w.edit_article_note()
    settle(w)
    assert note_texts() == []
    assert w.ops.undo_stack.undoText() == "Delete note"
    qtbot.keyClick(w.reader, Qt.Key_Z, Qt.ControlModifier)
    settle(w)
    assert note_texts() == ["Fan noise: ask the council instead."]
    # walking the whole history back and forth again: no step loses track of the note
    errors = []
    w.ops.failed.connect(errors.append)
    for _ in range(2):  # edit, add
        w.ops.undo_stack.undo()
    settle(w)
    assert note_texts() == [] and w.ops.undo_stack.index() == 0
    for _ in range(3):  # add, edit, delete
        w.ops.undo_stack.redo()
    settle(w)
    assert note_texts() == [] and errors == []
    w.ops.undo_stack.undo()
    settle(w)
    assert note_texts() == ["Fan noise: ask the council instead."]
