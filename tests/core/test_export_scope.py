"""Export scopes: which articles and passages build_document puts in an ExportDocument."""
from __future__ import annotations

import json

import pytest

from clipper_testkit import BUDGET_ARTICLE, FESTIVAL_ARTICLE, MISSILE_ARTICLE
from clipper.errors import NotFound
from clipper.export_scope import Scope, build_document
from clipper.importers.plaintext import parse_text


@pytest.fixture
def filled(lib):
    ids = {}
    for key, text, date in (("navy", MISSILE_ARTICLE, "2024-03-01"), ("budget", BUDGET_ARTICLE, "2024-01-15"),
                            ("fest", FESTIVAL_ARTICLE, None)):
        draft = parse_text(text, source=key)
        draft.published = date
        ids[key] = lib.articles.add(draft).id
    lib.articles.add_tags(ids["budget"], ["civic"])
    p = {
        "mayor": lib.passages.add(ids["navy"], quote="the mayor of the city", tags=["civic", "people"],
                                  note="who told him?").id,
        "missiles": lib.passages.add(ids["navy"], quote="two missiles", tags=["arms"]).id,
        "roads": lib.passages.add(ids["budget"], quote="new roads", tags=["transport"]).id,
        "lantern": lib.passages.add(ids["fest"], quote="lantern festival", tags=["culture"]).id,
    }
    lib.notes.add(ids["budget"], "Check the vote count")
    lib.tags.recolor("civic", "#00aa00")
    return lib, ids, p


def _shape(doc):
    return {a.id: sorted(p.id for p in a.passages) for a in doc.articles}


def test_article_scope(filled):
    lib, ids, p = filled
    doc = build_document(lib, Scope(articles=[ids["navy"]]))
    assert _shape(doc) == {ids["navy"]: sorted([p["mayor"], p["missiles"]])}
    [art] = doc.articles
    assert art.title == "Coastal battery fires test missiles"
    assert art.text.startswith("The navy said")
    assert [x.quote for x in art.passages] == ["two missiles", "the mayor of the city"]  # text order
    mayor = art.passages[1]
    assert [t.name for t in mayor.tags] == ["civic", "people"]
    assert mayor.tags[0].color == "#00aa00"
    assert mayor.note == "who told him?"
    assert art.text[mayor.start:mayor.end] == mayor.quote
    assert "article" in doc.scope and str(ids["navy"]) in doc.scope


def test_tag_scope_takes_tagged_passages_and_tagged_articles(filled):
    lib, ids, p = filled
    doc = build_document(lib, Scope(tags=["CIVIC"]))
    # the mayor passage (tagged) plus every passage of the budget article (article tagged civic)
    assert _shape(doc) == {ids["navy"]: [p["mayor"]], ids["budget"]: [p["roads"]]}
    budget = next(a for a in doc.articles if a.id == ids["budget"])
    assert budget.notes == ["Check the vote count"]
    assert [t.name for t in budget.tags] == ["civic"]
    # sorted by published date
    assert [a.id for a in doc.articles] == [ids["budget"], ids["navy"]]


def test_tag_scope_grouped_by_tag_keeps_only_scope_tags(filled):
    lib, ids, p = filled
    doc = build_document(lib, Scope(tags=["civic"]), group_by="tag")
    navy = next(a for a in doc.articles if a.id == ids["navy"])
    assert [t.name for t in navy.passages[0].tags] == ["civic"]


def test_query_scope_articles(filled):
    lib, ids, p = filled
    doc = build_document(lib, Scope(query="mayor"))
    assert set(_shape(doc)) == {ids["navy"], ids["budget"]}
    assert _shape(doc)[ids["navy"]] == sorted([p["mayor"], p["missiles"]])


def test_passage_query_scope(filled):
    lib, ids, p = filled
    doc = build_document(lib, Scope(query="tag:arms OR tag:culture", passages=True))
    assert _shape(doc) == {ids["navy"]: [p["missiles"]], ids["fest"]: [p["lantern"]]}


def test_explicit_passages_and_union(filled):
    lib, ids, p = filled
    doc = build_document(lib, Scope(articles=[ids["fest"]], passage_ids=[p["roads"]]))
    assert _shape(doc) == {ids["fest"]: [p["lantern"]], ids["budget"]: [p["roads"]]}


def test_whole_library_and_options(filled):
    lib, ids, p = filled
    doc = build_document(lib, Scope(), include_article_notes=False, include_text=False, title="All of it")
    assert set(_shape(doc)) == set(ids.values())
    assert doc.title == "All of it"
    assert doc.scope == "whole library"
    assert all(a.notes == [] and a.text == "" for a in doc.articles)


def test_bad_scopes(filled):
    lib, ids, p = filled
    with pytest.raises(NotFound):
        build_document(lib, Scope(articles=[999]))
    with pytest.raises(NotFound):
        build_document(lib, Scope(tags=["ghost"]))


def test_orphaned_passages_are_exported_with_status(filled):
    lib, ids, p = filled
    lib.articles.edit(ids["fest"], text="Entirely new words about the weather.")
    doc = build_document(lib, Scope(articles=[ids["fest"]]))
    [passage] = doc.articles[0].passages
    assert passage.status == "orphaned" and passage.quote == "lantern festival"


def test_cli_export_json(cli_json, write, tmp_path):
    cli_json("import", write("m.txt", MISSILE_ARTICLE))
    cli_json("highlight", 1, "--quote", "two missiles", "--tag", "arms")
    out = tmp_path / "out.json"
    result = cli_json("export", "--format", "json", "--tag", "arms", "-o", out)
    assert result == {"output": str(out), "articles": 1, "passages": 1}
    data = json.loads(out.read_text(encoding="utf-8"))
    assert "two missiles" in json.dumps(data)
    md = tmp_path / "out.md"
    cli_json("export", "--format", "md", "--article", 1, "-o", md)
    assert "two missiles" in md.read_text(encoding="utf-8")
    cli_json("export", "--format", "csv", "--tag", "ghost", "-o", tmp_path / "x.csv", expect=1)
    assert not (tmp_path / "x.csv").exists()
