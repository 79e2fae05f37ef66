"""Hand-made selections snap to whole words; the sentence at a position."""
from clipper.anchoring import sentence_at, snap_to_words

TEXT = ("Inspectors will carry out inspections next week. They said so on Monday! "
        "The port stays open.\n\nA second paragraph without an end mark")


def test_a_drag_ending_mid_word_takes_the_whole_word():
    start = TEXT.index("carry")
    end = TEXT.index("inspections") + 4  # "…carry out insp"
    assert TEXT[slice(*snap_to_words(TEXT, start, end))] == "carry out inspections"
    # starting mid-word too, with stray spaces at both ends
    s = TEXT.index("spectors")
    assert TEXT[slice(*snap_to_words(TEXT, s - 0, TEXT.index(" will") + 1))] == "Inspectors"
    assert snap_to_words(TEXT, 5, 5) == (5, 5)
    assert TEXT[slice(*snap_to_words(TEXT, TEXT.index("week") + 2, TEXT.index("They") + 2))] == "week. They"


def test_sentence_at():
    assert TEXT[slice(*sentence_at(TEXT, TEXT.index("out")))] == "Inspectors will carry out inspections next week."
    assert TEXT[slice(*sentence_at(TEXT, TEXT.index("Monday")))] == "They said so on Monday!"
    assert TEXT[slice(*sentence_at(TEXT, TEXT.index("port")))] == "The port stays open."
    assert TEXT[slice(*sentence_at(TEXT, TEXT.index("second")))] == "A second paragraph without an end mark"
    emoji = "Hi 🚢 there. Next one."
    assert emoji[slice(*sentence_at(emoji, 1))] == "Hi 🚢 there."
