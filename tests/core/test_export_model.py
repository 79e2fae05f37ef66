"""Export data model helpers: citation, grouping by tag, safe file names, dates."""
from __future__ import annotations

import os

import pytest

from clipper.export.model import (
    ExportArticle,
    ExportDocument,
    ExportPassage,
    ExportTag,
    citation,
    first_strong_direction,
    format_date,
    group_by_tag,
    safe_filename,
    tag_slug,
)

RED, BLUE = ExportTag("missiles", "#e53935"), ExportTag("iran", "#1e88e5")


def make_passage(pid, tags, note=""):
    return ExportPassage(id=pid, article_id=1, start=pid * 10, end=pid * 10 + 5,
                         quote=f"quote {pid}", tags=tags, note=note)


def test_citation_full():
    a = ExportArticle(id=1, title="Talks stall", outlet="The Chronicle", agency="Reuters",
                      author="Dana Levi", published="2026-02-11", url="https://x.example/a")
    assert citation(a) == ("Talks stall. The Chronicle (Reuters), Dana Levi, 11 Feb 2026. "
                           "https://x.example/a")


def test_citation_skips_empty_parts_cleanly():
    a = ExportArticle(id=1, title="  Pasted   note ", agency="AFP")
    assert citation(a) == "Pasted note. AFP."
    b = ExportArticle(id=2, title="Is it war?", url="https://x.example/b")
    assert citation(b) == "Is it war? https://x.example/b"
    c = ExportArticle(id=3, title="", outlet="Post", agency="post")
    assert citation(c) == "Untitled. Post."


def test_format_date_variants():
    assert format_date("2026-02-11") == "11 Feb 2026"
    assert format_date("2026-02-11T23:10:00Z") == "11 Feb 2026"
    assert format_date("2026-02") == "Feb 2026"
    assert format_date("yesterday") == "yesterday"
    assert format_date(None) == ""


def test_group_by_tag_multi_tag_and_untagged():
    p1, p2, p3 = make_passage(1, [RED, BLUE]), make_passage(2, []), make_passage(3, [BLUE])
    a = ExportArticle(id=1, title="A", passages=[p1, p2, p3])
    doc = ExportDocument(title="t", created="2026-02-12", articles=[a])
    groups = group_by_tag(doc)
    names = [tag.name for tag, _ in groups]
    assert names == ["iran", "missiles", "Untagged"]
    by_name = {tag.name: [p.id for _, p in entries] for tag, entries in groups}
    assert by_name == {"iran": [1, 3], "missiles": [1], "Untagged": [2]}


def test_group_by_tag_duplicate_tag_on_one_passage_counts_once():
    p = make_passage(1, [RED, ExportTag("Missiles", "#000")])
    doc = ExportDocument(title="t", created="", articles=[ExportArticle(id=1, title="A", passages=[p])])
    assert [(t.name, len(e)) for t, e in group_by_tag(doc)] == [("missiles", 1)]


@pytest.mark.parametrize("title", ["../../x", "a/b", "CON", "con.txt", "LPT1", "..", "", "\x00\x1f",
                                   "中文标题" * 40, "a" * 300, "   . . .  ", 'x<>:"|?*y'])
def test_safe_filename_stays_inside_folder(tmp_path, title):
    name = safe_filename(title, ".pdf")
    assert name.endswith(".pdf")
    assert len(name.encode("utf-8")) <= 120
    assert "/" not in name and "\\" not in name and "\x00" not in name
    stem = name[:-4]
    assert stem and not stem.startswith(".")
    assert stem.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "LPT1", "COM1"}
    target = (tmp_path / name).resolve()
    assert target.parent == tmp_path.resolve()
    target.write_bytes(b"ok")  # the OS accepts it
    assert os.listdir(tmp_path) == [name]


def test_safe_filename_cjk_not_cut_mid_character():
    name = safe_filename("中" * 100)
    assert len(name.encode("utf-8")) <= 120
    assert set(name) == {"中"} and len(name) == 40


def test_safe_filename_keeps_readable_titles():
    assert safe_filename("Iran: weekly briefing", "md") == "Iran_ weekly briefing.md"


def test_first_strong_direction_and_tag_slug():
    assert first_strong_direction("123 שלום") == "rtl"
    assert first_strong_direction("«مرحبا» hi") == "rtl"
    assert first_strong_direction("2026: Tehran") == "ltr"
    assert tag_slug("human rights  watch") == "human-rights-watch"
