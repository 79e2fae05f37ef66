"""The item models on their own (no window): lazy paging, sorting, refresh, qtmodeltester."""
from __future__ import annotations

from PySide6.QtCore import Qt

from gui_testkit import add


def fill(lib, n: int) -> list[int]:
    ids = []
    with lib.deferred_index():
        for i in range(n):
            ids.append(add(lib, f"Report {i:04} on the harbour\n\nBerth {i} handled {i * 7} containers "
                                f"and {i * 3} ferries in week {i}.",
                           outlet=["Island Post", "Valley Times", "Coast Herald"][i % 3],
                           published=f"2025-{1 + i % 12:02}-{1 + i % 28:02}"))
    return ids


def test_article_model_passes_qtmodeltester(qtmodeltester, lib):
    from clipper.gui.models import ArticleTableModel

    fill(lib, 12)
    lib.passages.add(1, quote="Berth 0")
    model = ArticleTableModel(lib)
    model.set_view(None)
    qtmodeltester.check(model, force_py=True)  # stays connected: checks the signals below too
    model.sort(0, Qt.AscendingOrder)
    model.sort(1, Qt.DescendingOrder)
    model.refresh_articles([1, 2])
    model.set_view([3, 1], keep_order=True)
    assert model.ids() == [1, 3]  # a column sort chosen by the user wins
    model.sort(-1)
    model.set_view([3, 1], keep_order=True)
    assert model.ids() == [3, 1]


def test_article_model_fetches_rows_in_pages(lib):
    from clipper.gui.models import ArticleTableModel

    fill(lib, 450)
    model = ArticleTableModel(lib)
    model.set_view(None)
    assert model.rowCount() == 450
    assert model._rows == {}  # nothing read before a row is shown
    assert model.index(0, 0).data().startswith("Report 0449")  # newest import first
    assert len(model._rows) == model.PAGE
    assert model.index(449, 0).data() == "Report 0000 on the harbour"
    assert len(model._rows) == 2 * model.PAGE + 0 or len(model._rows) < 450


def test_article_model_sorts_by_title_date_and_outlet(lib):
    from clipper.gui.models import ArticleTableModel

    fill(lib, 9)
    model = ArticleTableModel(lib)
    model.set_view(None)
    model.sort(0, Qt.AscendingOrder)
    titles = [model.index(r, 0).data() for r in range(9)]
    assert titles == sorted(titles)
    model.sort(3, Qt.DescendingOrder)
    dates = [model.index(r, 3).data() for r in range(9)]
    assert dates == sorted(dates, reverse=True)
    model.sort(1, Qt.AscendingOrder)
    outlets = [model.index(r, 1).data() for r in range(9)]
    assert outlets == sorted(outlets, key=str.casefold)


def test_refresh_articles_rereads_only_that_row(qtbot, lib):
    from clipper.gui.models import ArticleTableModel

    ids = fill(lib, 5)
    model = ArticleTableModel(lib)
    model.set_view(ids[:3], keep_order=True)
    assert model.ids() == ids[:3]
    assert model.index(1, 4).data() == ""
    lib.passages.add(ids[1], quote="Berth 1")
    with qtbot.waitSignal(model.dataChanged) as blocker:
        model.refresh_articles([ids[1], 999])
    assert blocker.args[0].row() == 1
    assert model.index(1, 4).data() == "1"


def test_tag_and_passage_models(qtmodeltester, lib):
    from clipper.gui.models import PASSAGE_ROLE, PassagesModel, TagListModel

    (aid,) = fill(lib, 1)
    lib.tags.create("ports", "#123456")
    lib.passages.add(aid, quote="Berth 0", tags=["ports"], note="check")
    tags = TagListModel(lib)
    qtmodeltester.check(tags, force_py=True)
    assert tags.index(0).data() == "ports  (1)"
    passages = PassagesModel()
    passages.set_passages(lib.passages.for_article(aid), lib.tags.colors())
    qtmodeltester.check(passages, force_py=True)
    assert passages.index(0).data(PASSAGE_ROLE).quote == "Berth 0"


def test_sample_library_is_built_through_the_core(tmp_path):
    from clipper.gui.sample import create_sample_library
    from clipper.library import Library

    folder = create_sample_library(tmp_path)
    with Library.open(folder) as lib:
        assert 6 <= lib.articles.count() <= 10
        hebrew = [p for p in lib.passages.with_tag("quotes") if "העיר" in p.quote]
        assert hebrew and hebrew[0].status == "anchored"
        article = lib.articles.get(hebrew[0].article_id)
        assert article.text[hebrew[0].start:hebrew[0].end] == hebrew[0].quote
        assert any("🚜" in lib.articles.get(a).text for a in lib.articles.ids())
        assert lib.search("desalination").total == 1
