"""Tests for clipper.anchoring: selectors, find_quote, re-anchoring and UTF-16 offsets.

All article texts below are invented for these tests.
"""
from __future__ import annotations

import random
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clipper.anchoring import (
    Anchor,
    Selector,
    codepoint_to_utf16,
    find_quote,
    make_selector,
    reanchor,
    reanchor_all,
    similarity,
    utf16_to_codepoint,
)
from clipper.errors import InputError

HARBOUR = (
    "Fishing boats returned early to Wrenmouth harbour on Friday after the coastguard "
    "issued a gale warning for the whole northern coast.\n\n"
    "The harbour master, Edith Calloway, said eleven trawlers had been tied up by noon "
    "and that the ferry to the islands would not sail before Sunday morning.\n\n"
    "Local cafes reported a busy afternoon as crews waited out the weather, and the "
    "lifeboat station opened its doors to visitors for the first time this year."
)

QUOTE = "eleven trawlers had been tied up by noon"


def sel_for(text: str, quote: str, occurrence: int | None = None) -> Selector:
    start, end = find_quote(text, quote, occurrence)
    return make_selector(text, start, end)


def span(text: str, anchor: Anchor) -> str:
    assert anchor.status == "anchored", anchor
    return text[anchor.start:anchor.end]


def is_orphaned(anchor: Anchor) -> bool:
    return (
        anchor.status == "orphaned"
        and anchor.method == "orphaned"
        and anchor.start is None
        and anchor.end is None
        and anchor.score == 0
    )


# --------------------------------------------------------------------------- make_selector


def test_make_selector_keeps_quote_and_context():
    start = HARBOUR.index(QUOTE)
    sel = make_selector(HARBOUR, start, start + len(QUOTE), context=10)
    assert sel == Selector(
        start, start + len(QUOTE), QUOTE,
        HARBOUR[start - 10:start], HARBOUR[start + len(QUOTE):start + len(QUOTE) + 10],
    )
    assert sel.prefix == "way, said "
    assert sel.suffix == " and that "


def test_make_selector_context_is_cut_at_text_edges():
    sel = make_selector("short text", 0, 5)
    assert (sel.exact, sel.prefix, sel.suffix) == ("short", "", " text")
    sel = make_selector("short text", 6, 10)
    assert (sel.exact, sel.prefix, sel.suffix) == ("text", "short ", "")


@pytest.mark.parametrize(
    "start,end",
    [(5, 5), (6, 2), (-1, 3), (0, 11), (20, 25), (1.5, 3), (None, 3), (True, 3)],
)
def test_make_selector_rejects_bad_spans(start, end):
    with pytest.raises(InputError) as info:
        make_selector("short text", start, end)
    message = str(info.value)
    assert "\n" not in message and message


def test_make_selector_rejects_negative_context():
    with pytest.raises(InputError, match="context"):
        make_selector("short text", 0, 3, context=-1)


# --------------------------------------------------------------------------- find_quote


def test_find_quote_single_occurrence():
    start, end = find_quote(HARBOUR, QUOTE)
    assert HARBOUR[start:end] == QUOTE


def test_find_quote_absent_is_input_error():
    with pytest.raises(InputError, match="quote not found in article"):
        find_quote(HARBOUR, "nine trawlers")


def test_find_quote_ambiguous_says_how_many_and_how_to_choose():
    with pytest.raises(InputError) as info:
        find_quote(HARBOUR, "harbour")
    message = str(info.value)
    assert "2 times" in message
    assert "--occurrence N" in message


def test_find_quote_occurrence_picks_the_nth():
    first = find_quote(HARBOUR, "harbour", occurrence=1)
    second = find_quote(HARBOUR, "harbour", occurrence=2)
    assert first[0] < second[0]
    assert HARBOUR[first[0]:first[1]] == HARBOUR[second[0]:second[1]] == "harbour"
    assert HARBOUR[second[0] - 4:second[0]] == "The "


@pytest.mark.parametrize("occurrence", [3, 0, -1])
def test_find_quote_bad_occurrence(occurrence):
    with pytest.raises(InputError, match="occurrence"):
        find_quote(HARBOUR, "harbour", occurrence=occurrence)


def test_find_quote_out_of_range_message_mentions_count():
    with pytest.raises(InputError, match="occurs 2 times"):
        find_quote(HARBOUR, "harbour", occurrence=5)


@pytest.mark.parametrize("quote", ["", "   ", "\n"])
def test_find_quote_empty(quote):
    with pytest.raises(InputError, match="empty"):
        find_quote(HARBOUR, quote)


def test_find_quote_ignores_whitespace_runs():
    typed = "eleven  trawlers had\nbeen tied   up by noon "
    start, end = find_quote(HARBOUR, typed)
    assert HARBOUR[start:end] == QUOTE


def test_find_quote_ignores_quote_styles():
    text = "The skipper said \u201cwe\u2019ll be back\u201d \u2014 and he was, twice."
    start, end = find_quote(text, "\"we'll be back\" - and he")
    assert text[start:end] == "\u201cwe\u2019ll be back\u201d \u2014 and he"


def test_find_quote_prefers_exact_over_loose_match():
    text = "a  b, then later a b"
    assert find_quote(text, "a b") == (text.rindex("a b"), len(text))


def test_find_quote_loose_match_can_be_ambiguous_too():
    text = "it\u2019s late. Yes, it's late."
    with pytest.raises(InputError, match="2 times"):
        find_quote(text, "it`s late")


# --------------------------------------------------------------------------- reanchor basics


def test_unchanged_text_is_anchored_by_position():
    sel = sel_for(HARBOUR, QUOTE)
    anchor = reanchor(HARBOUR, sel)
    assert anchor == Anchor(sel.start, sel.end, "anchored", "position", 1.0)
    assert reanchor_all(HARBOUR, HARBOUR, {7: sel}) == {7: anchor}


def test_insertion_before_the_passage():
    sel = sel_for(HARBOUR, QUOTE)
    new = "UPDATED 18:40. " + HARBOUR
    anchor = reanchor(new, sel)
    assert span(new, anchor) == QUOTE
    assert anchor.start == sel.start + len("UPDATED 18:40. ")
    assert anchor.method == "quote" and anchor.score == 1.0
    mapped = reanchor_all(HARBOUR, new, {1: sel})[1]
    assert (mapped.start, mapped.method) == (anchor.start, "position")


def test_deletion_before_the_passage():
    sel = sel_for(HARBOUR, QUOTE)
    new = HARBOUR.replace("Fishing boats returned early to Wrenmouth harbour on Friday", "Boats returned")
    for anchor in (reanchor(new, sel), reanchor_all(HARBOUR, new, {1: sel})[1]):
        assert span(new, anchor) == QUOTE
        assert anchor.score == 1.0


def test_edit_after_the_passage_keeps_position():
    sel = sel_for(HARBOUR, QUOTE)
    new = HARBOUR.replace("for the first time this year", "for the first time since 2019")
    assert reanchor(new, sel) == Anchor(sel.start, sel.end, "anchored", "position", 1.0)


def test_typo_fix_inside_the_quote_is_fuzzy():
    old = HARBOUR.replace("trawlers", "trawlres")
    sel = sel_for(old, "eleven trawlres had been tied up by noon")
    new = HARBOUR  # the typo was fixed
    for anchor in (reanchor(new, sel), reanchor_all(old, new, {1: sel})[1]):
        assert anchor.method == "fuzzy"
        assert span(new, anchor) == QUOTE
        assert 0.8 <= anchor.score < 1.0


def test_word_inserted_inside_the_quote_is_fuzzy_and_spans_the_new_words():
    sel = sel_for(HARBOUR, QUOTE)
    new = HARBOUR.replace("tied up by noon", "tied up safely by noon")
    anchor = reanchor(new, sel)
    assert anchor.method == "fuzzy"
    assert span(new, anchor) == "eleven trawlers had been tied up safely by noon"
    assert anchor.score == pytest.approx(similarity(QUOTE, span(new, anchor)))


def test_words_changed_at_both_ends_of_a_long_quote_snap_to_the_new_words():
    quote = (
        "The harbour master, Edith Calloway, said eleven trawlers had been tied up by noon "
        "and that the ferry to the islands would not sail"
    )
    sel = sel_for(HARBOUR, quote)
    new = HARBOUR.replace("The harbour master,", "Harbour master").replace(
        "would not sail", "would not leave"
    )
    anchor = reanchor(new, sel)
    assert anchor.method == "fuzzy"
    assert span(new, anchor).startswith("Harbour master Edith")
    assert span(new, anchor).endswith("would not leave")


def test_quote_twice_right_one_kept_by_context_even_if_other_is_nearer():
    old = (
        "In the morning the river was calm and the bridge stayed open to traffic. "
        "By evening the river was calm again, yet police closed the bridge overnight."
    )
    sel = sel_for(old, "the river was calm", occurrence=2)
    # A long insertion at the top moves the passage's words far away, while the *first*
    # occurrence now sits right where the passage used to start.
    filler = "x" * (sel.start - old.index("the river was calm"))
    new = filler + old
    first = new.index("the river was calm")
    assert abs(first - sel.start) < abs(new.rindex("the river was calm") - sel.start)
    anchor = reanchor(new, sel)
    assert anchor.start == new.rindex("the river was calm")
    assert new[anchor.start - 11:anchor.start] == "By evening "
    assert reanchor_all(old, new, {1: sel})[1].start == anchor.start


def test_text_replaced_entirely_is_orphaned():
    sel = sel_for(HARBOUR, QUOTE)
    new = (
        "The school choir won the regional competition with a programme of folk songs, "
        "and the head teacher promised the pupils a trip to the capital in spring."
    )
    assert is_orphaned(reanchor(new, sel))
    assert is_orphaned(reanchor_all(HARBOUR, new, {1: sel})[1])
    assert is_orphaned(reanchor("", sel))


def test_quote_deleted_is_orphaned():
    sel = sel_for(HARBOUR, QUOTE)
    new = HARBOUR.replace(
        "said eleven trawlers had been tied up by noon and that the ferry",
        "said the ferry",
    )
    assert is_orphaned(reanchor(new, sel))
    assert is_orphaned(reanchor_all(HARBOUR, new, {1: sel})[1])


def test_deleted_quote_does_not_take_over_another_copy_of_the_same_words():
    old = (
        "Councillors said the vote was close. They argued for an hour about parking.\n\n"
        "Later, outside the hall, a resident said the vote was close and unfair to shops."
    )
    sel = sel_for(old, "the vote was close", occurrence=1)
    new = old.replace("Councillors said the vote was close. ", "")
    assert is_orphaned(reanchor_all(old, new, {1: sel})[1])
    # Without the old text there is no telling the copies apart: plain reanchor takes the
    # surviving copy (documented behaviour).
    assert span(new, reanchor(new, sel)) == "the vote was close"


def test_paragraphs_reordered_quote_found_far_away():
    sel = sel_for(HARBOUR, QUOTE)
    first, second, third = HARBOUR.split("\n\n")
    new = "\n\n".join([third, first, "An unrelated note. " * 40, second])
    anchor = reanchor(new, sel)
    assert anchor.method == "quote"
    assert span(new, anchor) == QUOTE
    assert abs(anchor.start - sel.start) > 500
    mapped = reanchor_all(HARBOUR, new, {1: sel})[1]
    assert (mapped.start, mapped.end) == (anchor.start, anchor.end)


def test_long_quote_moved_far_with_a_fix_inside_is_fuzzy():
    old_para = (
        "The lifeboat station opened its doors to visitors for the first time this year, "
        "showing the new all-weather boat that the volunteers had raised money for."
    )
    old = HARBOUR + "\n\n" + old_para
    sel = sel_for(old, old_para)
    new_para = old_para.replace("raised money for", "raised the money for")
    new = new_para + "\n\n" + "Filler sentence about the tides. " * 60 + HARBOUR
    anchor = reanchor(new, sel)
    assert anchor.method == "fuzzy"
    assert span(new, anchor) == new_para


def test_heavily_rewritten_passage_is_orphaned_not_attached():
    sel = sel_for(HARBOUR, QUOTE)
    new = HARBOUR.replace(QUOTE, "a dozen vessels were moored before lunch")
    anchor = reanchor(new, sel)
    assert is_orphaned(anchor)


def test_threshold_controls_fuzzy_acceptance():
    sel = sel_for(HARBOUR, QUOTE)
    new = HARBOUR.replace("tied up by noon", "tied up by midday")
    loose = reanchor(new, sel, threshold=0.7)
    assert loose.method == "fuzzy" and loose.score >= 0.7
    assert "midday" in span(new, loose)
    assert is_orphaned(reanchor(new, sel, threshold=0.99))


@pytest.mark.parametrize("threshold", [0, -0.5, 1.5, "high", None, True])
def test_bad_threshold_is_input_error(threshold):
    sel = sel_for(HARBOUR, QUOTE)
    with pytest.raises(InputError, match="threshold"):
        reanchor(HARBOUR, sel, threshold=threshold)


def test_overlapping_passages_both_reanchor():
    a = sel_for(HARBOUR, "Edith Calloway, said eleven trawlers")
    b = sel_for(HARBOUR, "trawlers had been tied up")
    assert a.start < b.start < a.end < b.end
    new = ("Weather desk: " + HARBOUR).replace("Calloway", "Galloway")
    anchors = reanchor_all(HARBOUR, new, {1: a, 2: b})
    assert span(new, anchors[1]) == "Edith Galloway, said eleven trawlers"
    assert anchors[1].method == "fuzzy"
    assert span(new, anchors[2]) == "trawlers had been tied up"
    assert anchors[2].method == "position"
    assert anchors[1].start < anchors[2].start < anchors[1].end < anchors[2].end


def test_reanchor_all_with_stale_selector_offsets():
    # The stored offsets do not even match the old text: the quote still decides.
    sel = sel_for(HARBOUR, QUOTE)
    stale = Selector(sel.start + 9, sel.end + 9, sel.exact, sel.prefix, sel.suffix)
    new = "Note: " + HARBOUR
    anchor = reanchor_all(HARBOUR, new, {3: stale})[3]
    assert span(new, anchor) == QUOTE


def test_empty_quote_selector_is_orphaned():
    assert is_orphaned(reanchor(HARBOUR, Selector(0, 0, "", "", "")))


# --------------------------------------------------------------------------- RTL scripts

HEBREW = (
    "\u05d4\u05de\u05e9\u05d8\u05e8\u05d4 \u05e4\u05ea\u05d7\u05d4 \u05d4\u05d9\u05d5\u05dd "
    "\u05d1\u05d7\u05e7\u05d9\u05e8\u05d4 \u05d7\u05d3\u05e9\u05d4 \u05d1\u05e2\u05e0\u05d9\u05d9\u05df "
    "\u05d4\u05d2\u05e9\u05e8 \u05e9\u05e7\u05e8\u05e1 \u05d1\u05de\u05e8\u05db\u05d6 \u05d4\u05e2\u05d9\u05e8."
)
ARABIC = (
    "\u0642\u0627\u0644\u062a \u0627\u0644\u0628\u0644\u062f\u064a\u0629 \u0625\u0646 "
    "\u0627\u0644\u0633\u0648\u0642 \u0627\u0644\u0642\u062f\u064a\u0645 \u0633\u064a\u064f\u0641\u062a\u062d "
    "\u0645\u0646 \u062c\u062f\u064a\u062f \u0628\u0639\u062f \u0623\u0639\u0645\u0627\u0644 "
    "\u0627\u0644\u062a\u0631\u0645\u064a\u0645 \u0627\u0644\u062a\u064a \u0627\u0633\u062a\u0645\u0631\u062a "
    "\u0639\u0627\u0645\u064a\u0646."
)


def test_hebrew_passage_survives_insertion_before():
    quote = "\u05d4\u05d2\u05e9\u05e8 \u05e9\u05e7\u05e8\u05e1"  # "the bridge that collapsed"
    sel = sel_for(HEBREW, quote)
    new = "\u05e2\u05d3\u05db\u05d5\u05df: " + HEBREW  # "update: "
    anchor = reanchor(new, sel)
    assert span(new, anchor) == quote
    assert reanchor_all(HEBREW, new, {1: sel})[1].start == anchor.start


def test_arabic_passage_with_a_changed_letter_is_fuzzy():
    quote = "\u0627\u0644\u0633\u0648\u0642 \u0627\u0644\u0642\u062f\u064a\u0645 \u0633\u064a\u064f\u0641\u062a\u062d \u0645\u0646 \u062c\u062f\u064a\u062f"
    sel = sel_for(ARABIC, quote)
    # drop the damma diacritic inside the passage
    new = ARABIC.replace("\u0633\u064a\u064f\u0641\u062a\u062d", "\u0633\u064a\u0641\u062a\u062d")
    anchor = reanchor(new, sel)
    assert anchor.method == "fuzzy"
    assert span(new, anchor) == quote.replace("\u064f", "")


def test_mixed_rtl_ltr_find_quote():
    text = "Reporter: " + HEBREW + " (translated) " + ARABIC
    quote = "\u05d1\u05de\u05e8\u05db\u05d6 \u05d4\u05e2\u05d9\u05e8. (translated)"
    start, end = find_quote(text, quote)
    assert text[start:end] == quote


# --------------------------------------------------------------------------- UTF-16

ASTRAL = "\U0001F30A Storm \U0001F30A update: the \U0001D518\U0001D52B\U0001D526\U0001D52C\U0001D52B vote \U0001F5F3 passed 12\u20139."


def test_utf16_conversion_round_trips():
    units = len(ASTRAL.encode("utf-16-le")) // 2
    assert units == len(ASTRAL) + 8  # eight non-BMP characters
    for cp in range(len(ASTRAL) + 1):
        u = codepoint_to_utf16(ASTRAL, cp)
        assert utf16_to_codepoint(ASTRAL, u) == cp
    assert codepoint_to_utf16(ASTRAL, len(ASTRAL)) == units


def test_utf16_position_inside_a_surrogate_pair_snaps_to_the_character_start():
    # "\U0001F30A" occupies UTF-16 units 0 and 1.
    assert utf16_to_codepoint(ASTRAL, 1) == 0
    wave2 = ASTRAL.index("\U0001F30A", 1)
    u = codepoint_to_utf16(ASTRAL, wave2)
    assert utf16_to_codepoint(ASTRAL, u + 1) == wave2


def test_selection_in_utf16_positions_gives_the_right_quote():
    quote = "\U0001D518\U0001D52B\U0001D526\U0001D52C\U0001D52B vote \U0001F5F3"
    # What a Qt widget would report: count UTF-16 units by hand.
    cp_start = ASTRAL.index(quote)
    qt_start = len(ASTRAL[:cp_start].encode("utf-16-le")) // 2
    qt_end = qt_start + len(quote.encode("utf-16-le")) // 2
    assert qt_start != cp_start  # the emoji before it would shift a naive selection
    start = utf16_to_codepoint(ASTRAL, qt_start)
    end = utf16_to_codepoint(ASTRAL, qt_end)
    assert ASTRAL[start:end] == quote
    sel = make_selector(ASTRAL, start, end)
    assert (codepoint_to_utf16(ASTRAL, sel.start), codepoint_to_utf16(ASTRAL, sel.end)) == (qt_start, qt_end)


def test_non_bmp_before_and_inside_passage_reanchor():
    quote = "\U0001D518\U0001D52B\U0001D526\U0001D52C\U0001D52B vote \U0001F5F3 passed"
    sel = sel_for(ASTRAL, quote)
    new = "\U0001F4F0\U0001F4F0 " + ASTRAL
    anchor = reanchor(new, sel)
    assert span(new, anchor) == quote
    assert anchor.start == sel.start + 3
    fixed = new.replace("\U0001F5F3", "\U0001F5F3\ufe0f")  # emoji presentation selector
    fuzzy = reanchor_all(new, fixed, {1: make_selector(new, anchor.start, anchor.end)})[1]
    assert span(fixed, fuzzy) == quote.replace("\U0001F5F3", "\U0001F5F3\ufe0f")


def test_bmp_only_text_conversion_is_identity():
    assert utf16_to_codepoint(HARBOUR, 42) == 42
    assert codepoint_to_utf16(HARBOUR, 42) == 42


@pytest.mark.parametrize("func", [utf16_to_codepoint, codepoint_to_utf16])
@pytest.mark.parametrize("pos", [-1, 10_000, "3", 2.0])
def test_bad_positions_are_input_errors(func, pos):
    with pytest.raises(InputError, match="position"):
        func(ASTRAL, pos)


def test_utf16_end_of_text_is_accepted_and_beyond_is_not():
    units = len(ASTRAL.encode("utf-16-le")) // 2
    assert utf16_to_codepoint(ASTRAL, units) == len(ASTRAL)
    with pytest.raises(InputError):
        utf16_to_codepoint(ASTRAL, units + 1)


# --------------------------------------------------------------------------- properties

WORDS = ["tide", "boat", "the", "harbour", "gale", "a", "crew", "\u05d9\u05dd", "\U0001F30A", "noon"]

text_st = st.lists(st.sampled_from(WORDS), min_size=3, max_size=60).flatmap(
    lambda words: st.lists(st.sampled_from([" ", " ", ", ", ".\n\n"]), min_size=len(words), max_size=len(words)).map(
        lambda seps: "".join(w + s for w, s in zip(words, seps))
    )
)
insert_st = st.lists(
    st.sampled_from(list("abcxyz .\n\u05d0\U0001F30A") + ["tide ", "the "]), min_size=1, max_size=8
).map("".join)


@st.composite
def edited_article(draw, touch_span: bool = False):
    """An article, a passage span in it, and the text after 1-4 edits.

    Unless ``touch_span``, the edits never touch the passage: ``(s, e)`` follows it.
    """
    text = draw(text_st)
    start = draw(st.integers(0, len(text) - 1))
    end = draw(st.integers(start + 1, min(len(text), start + 40)))
    new, s, e = text, start, end
    for _ in range(draw(st.integers(1, 4))):
        if draw(st.booleans()):  # insertion
            pos = draw(st.integers(0, len(new)))
            if not touch_span and s < pos < e:
                continue
            piece = draw(insert_st)
            new = new[:pos] + piece + new[pos:]
            if pos <= s:
                s, e = s + len(piece), e + len(piece)
        elif new:  # deletion
            a = draw(st.integers(0, len(new) - 1))
            b = draw(st.integers(a + 1, min(len(new), a + 15)))
            if not touch_span and not (b <= s or a >= e):
                continue
            new = new[:a] + new[b:]
            if b <= s:
                s, e = s - (b - a), e - (b - a)
    return text, start, end, new, s, e


def occurrences(text: str, quote: str) -> list[int]:
    out, i = [], text.find(quote)
    while i != -1:
        out.append(i)
        i = text.find(quote, i + 1)
    return out


def full_context_spots(text: str, sel: Selector) -> list[int]:
    n = len(sel.exact)
    return [
        i for i in occurrences(text, sel.exact)
        if text[max(0, i - len(sel.prefix)):i] == sel.prefix and text[i + n:i + n + len(sel.suffix)] == sel.suffix
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_article())
def test_edits_outside_the_passage_never_move_it_off_its_quote(case):
    old, start, end, new, s, e = case
    sel = make_selector(old, start, end)
    assert new[s:e] == sel.exact  # the generator kept the passage intact
    spots = full_context_spots(new, sel)
    for anchor in (reanchor(new, sel), reanchor_all(old, new, {0: sel})[0]):
        if len(occurrences(old, sel.exact)) == 1 or s in spots:
            assert anchor.status == "anchored"
            assert new[anchor.start:anchor.end] == sel.exact
            assert anchor.method in ("position", "quote") and anchor.score == 1.0
        if spots == [s]:  # its context is intact and no other copy has the same context
            assert (anchor.start, anchor.end) == (s, e)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edited_article(touch_span=True), st.sampled_from([0.6, 0.8, 0.95]))
def test_reanchor_never_returns_a_dissimilar_span(case, threshold):
    old, start, end, new, _s, _e = case
    sel = make_selector(old, start, end)
    for anchor in (
        reanchor(new, sel, threshold=threshold),
        reanchor_all(old, new, {0: sel}, threshold=threshold)[0],
    ):
        if anchor.status == "orphaned":
            assert is_orphaned(anchor)
            continue
        assert 0 <= anchor.start < anchor.end <= len(new)
        got = new[anchor.start:anchor.end]
        if anchor.method in ("position", "quote"):
            assert got == sel.exact and anchor.score == 1.0
        else:
            assert anchor.method == "fuzzy"
            assert anchor.score == pytest.approx(similarity(sel.exact, got))
            assert anchor.score >= threshold


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \u05d0\U0001F30A\U0001D518\u00e9")), max_size=40), st.data())
def test_utf16_round_trip_property(text, data):
    cp = data.draw(st.integers(0, len(text)))
    u = codepoint_to_utf16(text, cp)
    assert utf16_to_codepoint(text, u) == cp
    assert u == len(text[:cp].encode("utf-16-le")) // 2
    any_u = data.draw(st.integers(0, len(text.encode("utf-16-le")) // 2))
    snapped = utf16_to_codepoint(text, any_u)
    assert codepoint_to_utf16(text, snapped) in (any_u, any_u - 1)


# --------------------------------------------------------------------------- speed


def _long_article(words: int = 10_000) -> str:
    vocab = (
        "council harbour ferry storm budget mayor island school river bridge vote market "
        "crew police museum station road train weather summer winter report court the a of"
    ).split()
    rng = random.Random(20240611)
    out = []
    for i in range(words):
        out.append(rng.choice(vocab))
        out.append(".\n\n" if i % 120 == 119 else " ")
    return "".join(out)


@pytest.mark.slow
def test_reanchoring_100_passages_on_a_10k_word_article_is_fast():
    old = _long_article()
    step = len(old) // 100
    selectors = {}
    for k in range(100):
        start = old.index(" ", k * step) + 1
        selectors[k] = make_selector(old, start, old.index(" ", start + 40))
    # an insertion near the top, a typo fix inside passage 50, a deletion near the end
    p50 = selectors[50]
    new = old[:p50.start + 5] + "X" + old[p50.start + 6:]
    new = "Editor's note: corrected. " + new[:-500]
    began = time.perf_counter()
    anchors = reanchor_all(old, new, selectors)
    elapsed = time.perf_counter() - began
    assert all(a.status == "anchored" for k, a in anchors.items() if selectors[k].end < len(old) - 600)
    assert anchors[50].method == "fuzzy"
    assert elapsed < 1.0, f"re-anchoring took {elapsed:.2f}s"
