"""The standfirst is stored once (pages, feeds, exports), a dek of description + teasers
is trimmed, a page whose only paragraph is its description is not refused, and the
extractor sees <noscript> bodies while stored text never holds active content."""
from __future__ import annotations

import pytest

from clipper.importers import ImportOptions, load_source_items
from clipper.importers.html import extract_article
from clipper.text.standfirst import settle_standfirst, settle_text, trim_dek, words

LEAD = "The river burst its banks at dawn, flooding two villages and closing the main road south for the day."
REST = ["Rescue crews worked through the morning to move families to the school hall on the hill above the valley.",
        "The county said it would review the flood defences built after the last serious flood ten years ago."]


def _page(body: str, description: str = "", head: str = "") -> str:
    meta = f"<meta name='description' content=\"{description}\">" if description else ""
    return (f"<html><head><title>Floods close road</title>{meta}{head}</head><body>"
            "<nav><a href='/'>Home</a> <a href='/news'>News</a> <a href='/sport'>Sport</a></nav>"
            f"<article><h1>Floods close road</h1>{body}</article>"
            "<footer><p>Copyright the Valley Courier. All rights reserved.</p></footer></body></html>")


def _stored(draft) -> list[str]:
    return ([draft.dek] if draft.dek else []) + draft.text.split("\n\n")


def _assert_once(draft, sentence: str):
    hits = sum(" ".join(words(block)).count(" ".join(words(sentence))) for block in _stored(draft))
    assert hits == 1, _stored(draft)


# ----------------------------------------------------------------- the general rule

def test_dek_equal_to_a_paragraph_leaves_the_body():
    assert settle_standfirst(LEAD, [LEAD] + REST) == (LEAD, REST)


def test_typography_does_not_make_a_second_copy():
    curly = LEAD.replace("banks", "\u2018banks\u2019").replace(",", " ,")
    dek, body = settle_standfirst(curly, [LEAD] + REST)
    assert body == REST


def test_dek_inside_the_first_paragraph_goes():
    first_sentence = "The river burst its banks at dawn, flooding two villages"
    assert settle_standfirst(first_sentence, [LEAD] + REST) == ("", [LEAD] + REST)


def test_an_excerpt_running_over_two_paragraphs_goes():
    excerpt = LEAD + " " + " ".join(REST[0].split()[:6]) + " [\u2026]"
    assert settle_standfirst(excerpt, [LEAD] + REST) == ("", [LEAD] + REST)


def test_dek_of_description_and_teasers_is_trimmed():
    dek = LEAD + " Related: Council plans new bridge \u00b7 Schools closed for a second day"
    assert trim_dek(dek) == LEAD
    assert settle_standfirst(dek, [LEAD] + REST) == (LEAD, REST)
    # teasers on their own lines, or a feed footer
    assert trim_dek(LEAD + "\nCouncil plans new bridge\nSchools closed") == LEAD
    assert trim_dek(LEAD + " The post Floods close road appeared first on Valley Courier.") == LEAD
    # a dek that is a paragraph of the body followed by anything else is trimmed to it
    assert settle_standfirst(LEAD + " Council plans new bridge. Schools closed.", [LEAD] + REST) == (LEAD, REST)


def test_dek_repeated_further_down_or_lightly_edited_goes():
    summary = "Rescue crews worked through the morning to move families"
    assert settle_standfirst(summary, [LEAD, "A second paragraph of the story.", "Third.", REST[0]]) == \
        ("", [LEAD, "A second paragraph of the story.", "Third.", REST[0]])
    edited = LEAD.replace("at dawn", "at first light").replace(" for the day", "")
    assert settle_standfirst(edited, [LEAD] + REST) == ("", [LEAD] + REST)


def test_pasted_text_keeps_the_rule_too(tmp_path):
    path = tmp_path / "paste.txt"
    path.write_text(f"Floods close road\n\n{LEAD}\n\n{REST[0]}\n\n{LEAD}\n\n{REST[1]}")
    [draft] = load_source_items(str(path))
    _assert_once(draft, LEAD)


def test_only_paragraph_as_dek_stays_in_the_body():
    assert settle_standfirst(LEAD, [LEAD], min_words=8) == ("", [LEAD])
    assert settle_text(LEAD, LEAD, min_words=8) == ("", LEAD)


def test_an_unrelated_dek_is_kept():
    dek = "Two villages cut off as the river rises after a week of rain."
    assert settle_standfirst(dek, [LEAD] + REST) == (dek, [LEAD] + REST)


def test_an_overlong_dek_is_not_a_standfirst():
    assert trim_dek(" ".join(["word"] * 200)) == ""


# ------------------------------------------------------------------- saved pages

def test_page_meta_description_that_is_the_lead_is_stored_once():
    draft = extract_article(_page("".join(f"<p>{p}</p>" for p in [LEAD] + REST), description=LEAD), source="t")
    _assert_once(draft, LEAD)
    assert draft.dek == LEAD and draft.text == "\n\n".join(REST)


def test_page_standfirst_shown_and_repeated_as_lead_is_stored_once():
    body = f"<p class='standfirst'>{LEAD}</p>" + "".join(f"<p>{p}</p>" for p in [LEAD] + REST)
    draft = extract_article(_page(body, description=LEAD), source="t")
    _assert_once(draft, LEAD)


def test_page_description_inside_the_lead_paragraph_is_stored_once():
    description = "The river burst its banks at dawn, flooding two villages"
    draft = extract_article(_page("".join(f"<p>{p}</p>" for p in [LEAD] + REST), description=description), source="t")
    _assert_once(draft, description)
    assert draft.text.startswith(LEAD)


def test_page_description_plus_teasers_is_trimmed():
    description = LEAD + " Read more: Council plans new bridge | Schools closed for a second day"
    draft = extract_article(_page("".join(f"<p>{p}</p>" for p in [LEAD] + REST), description=description), source="t")
    assert draft.dek == LEAD and "Council plans" not in draft.dek + draft.text
    _assert_once(draft, LEAD)


def test_page_whose_only_paragraph_is_its_description_is_imported(tmp_path):
    path = tmp_path / "short.html"
    path.write_text(_page(f"<p>{LEAD}</p>", description=LEAD))
    [draft] = load_source_items(str(path))
    assert draft.text == LEAD and draft.dek == ""


# ------------------------------------------------------------- feeds and exports

def test_feed_summary_that_is_the_page_lead_is_not_stored_twice():
    from clipper_testkit import LocalServer

    with LocalServer() as server:
        server.body("/floods", _page("".join(f"<p>{p}</p>" for p in [LEAD] + REST)).encode())
        feed = ("<?xml version='1.0'?><rss version='2.0'><channel><title>Valley Courier</title>"
                f"<item><title>Floods close road</title><link>{server.url('/floods')}</link>"
                f"<description>{LEAD}</description></item></channel></rss>")
        server.body("/feed.xml", feed.encode(), "application/rss+xml")
        [draft] = load_source_items(server.url("/feed.xml"), ImportOptions(fetch_full=True, timeout=2.0))
    _assert_once(draft, LEAD)
    assert "Rescue crews" in draft.text


# -------------------------------------------------------------- noscript / active

POST = ("The harbour board met on Thursday evening and voted to lease the old fish market to a cooperative of "
        "local bakers, who plan to open a shop and a small cafe there by the end of the summer season.")


def test_a_post_inside_noscript_is_extracted():
    html = ("<html><head><title>Fish market lease</title><script>window.app = {};</script></head><body>"
            "<div id='app'></div><noscript><p>Please turn on JavaScript.</p></noscript>"
            f"<noscript><article><h1>Fish market lease</h1><p>{POST}</p><p>{REST[0]}</p></article></noscript>"
            "</body></html>")
    draft = extract_article(html, source="t")
    assert POST in draft.text and REST[0] in draft.text
    assert "JavaScript" not in draft.text and "window.app" not in draft.text


def test_active_content_is_never_stored_but_does_not_hide_the_article():
    html = ("<html><head><title>Fish market lease</title></head><body>"
            "<object data='player.swf'><p>Your browser is outdated. Please upgrade to view this content.</p></object>"
            "<script>var tracker = 'please do not store me';</script>"
            f"<main><article><h1>Fish market lease</h1><p>{POST}</p><p>{REST[1]}</p></article></main>"
            "<iframe src='ad.html'>Advertising fallback text that should never be stored here at all.</iframe>"
            "</body></html>")
    draft = extract_article(html, source="t")
    assert POST in draft.text and REST[1] in draft.text
    for junk in ("outdated", "tracker", "Advertising fallback"):
        assert junk not in draft.text


@pytest.mark.parametrize("tag", ["script", "iframe", "template"])
def test_text_only_inside_active_elements_is_no_article(tag):
    html = f"<html><body><{tag}>" + "words that are not an article " * 30 + f"</{tag}></body></html>"
    from clipper.errors import InputError

    with pytest.raises(InputError, match="no article text"):
        extract_article(html, source="t")


def test_article_text_also_in_json_ld_is_kept():
    import json

    body = f"{POST} {REST[0]}"
    ld = json.dumps({"@type": "NewsArticle", "headline": "Fish market lease", "articleBody": body}, ensure_ascii=False)
    html = ("<html><head><title>Fish market lease</title>"
            f"<script type='application/ld+json'>{ld}</script></head><body>"
            f"<article><h1>Fish market lease</h1><p>{POST.replace('cooperative of ', 'cooperative of<br>')}</p>"
            f"<p>{REST[0]}</p></article></body></html>")
    draft = extract_article(html, source="t")
    assert "local bakers" in draft.text and REST[0] in draft.text
