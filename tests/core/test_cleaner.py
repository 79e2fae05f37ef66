"""The pasted-text cleaner: fixtures imitate the kinds of noise news pages leave behind."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from clipper.text.cleaner import RULES, canonical_agency, clean, split_paragraphs

STANDFIRST = (
    "City leaders are expected to approve a record budget that shifts money from road "
    "building towards flood defences and public housing."
)

# A made-up city-budget story pasted from a news site, with the same families of noise
# as a real page: newsletter prompt, repeated standfirst (dek, caption, lead), photo
# credit, source badge, dateline dash, section heading, agency credit, trailing link.
BUDGET_PASTE = f"""Riverton’s council set to pass record budget after flood year

Sign up now: Get the Riverton Courier’s newsletters delivered to your inbox

{STANDFIRST}

{STANDFIRST}

PHOTO: AFP

Google Preferred Source badge

– Riverton’s council will vote on the 2026 budget on Thursday evening.

{STANDFIRST.replace("expected", "expected")}

The mayor said the plan was “the least bad of the options we had” after months of talks.

Housing moves up the list

Councillors agreed that 1,200 new homes would be funded over four years.

“We cannot keep rebuilding the same roads,” the finance chief said. “The river decides now.” AFP

See more on"""


def test_budget_paste_comes_out_as_a_reader_expects():
    r = clean(BUDGET_PASTE)
    assert r.title == "Riverton’s council set to pass record budget after flood year"
    assert r.dek == STANDFIRST
    assert r.agency == "AFP"
    assert r.paragraphs == [
        "Riverton’s council will vote on the 2026 budget on Thursday evening.",
        "The mayor said the plan was “the least bad of the options we had” after months of talks.",
        "Housing moves up the list",
        "Councillors agreed that 1,200 new homes would be funded over four years.",
        "“We cannot keep rebuilding the same roads,” the finance chief said. “The river decides now.”",
    ]
    rules = {rule for rule, _ in r.removed}
    assert {"drop_site_noise", "drop_photo_credits", "take_dateline", "take_agency_credit",
            "take_standfirst"} <= rules
    assert ("drop_photo_credits", "PHOTO: AFP") in r.removed
    assert r.text == "\n\n".join(r.paragraphs)


def test_standfirst_repeated_with_other_quotes_and_spacing_is_kept_once():
    dek = "Dock workers say they “will not move” until pay talks resume."
    straight = dek.replace("“", '"').replace("”", '"')
    text = f"Port strike enters second week\n\n{dek}\n\n{straight}  \n\nShips queued outside the harbour on Monday.\n\nThe union met again."
    r = clean(text)
    assert r.dek == dek
    assert all("will not move" not in p for p in r.paragraphs)
    assert r.paragraphs == ["Ships queued outside the harbour on Monday.", "The union met again."]


def test_any_repeated_paragraph_is_kept_once_and_title_copy_dropped():
    text = ("Storm hits coast\n\nStorm hits coast\n\nWinds reached 120km/h.\n\nPower was cut.\n\n"
            "Winds reached 120km/h.\n\nSchools stay shut.")
    r = clean(text)
    assert r.paragraphs == ["Winds reached 120km/h.", "Power was cut.", "Schools stay shut."]
    assert ("drop_repeats", "Storm hits coast") in r.removed


def test_site_noise_families_are_removed():
    noise = [
        "Subscribe to The Morning Ledger",
        "Get the Harbour Times newsletter",
        "Share this article",
        "Follow us on Telegram",
        "Advertisement",
        "Read more: Ferry fares to rise in spring",
        "Click here to read the full report",
        "Continue reading",
        "See more on Harbour Times",
        "Listen to this article",
        "4 min read",
        "Reporting by Ann Lee; Editing by Sam Cole",
    ]
    body = ["The ferry operator raised prices by 8 per cent.", "Passengers complained."]
    text = "Ferry fares rise\n\n" + "\n\n".join([body[0], *noise, body[1]])
    r = clean(text)
    assert r.paragraphs == body
    assert sorted(line for _, line in r.removed) == sorted(noise)


def test_sentences_that_merely_mention_noise_words_stay():
    body = [
        "Readers who subscribe to the paper received the report by post.",
        "She said she would follow the story on television.",
        "By the numbers",
        "The agency told Reuters.",
    ]
    r = clean("Title line\n\n" + "\n\n".join(body))
    assert r.paragraphs == body
    assert r.agency == ""
    assert r.author == ""


def test_photo_credit_shapes():
    credits = ["Photo: AFP/Getty Images", "(Photo by Lee Kim/Bloomberg)", "ST PHOTO: JANE TAN",
               "REUTERS/Peter Nilsson", "Image credit: City archive"]
    text = "Bridge reopens\n\n" + "\n\n".join(credits) + "\n\nTraffic resumed at noon."
    r = clean(text)
    assert r.paragraphs == ["Traffic resumed at noon."]


def test_trailing_credit_is_cut_from_caption_line():
    r = clean("Title\n\nDock workers gather at the gate on Monday. PHOTO: AFP\n\nThe strike began at dawn.")
    assert r.paragraphs == ["Dock workers gather at the gate on Monday.", "The strike began at dawn."]


def test_reuters_dateline_sets_place_and_agency():
    r = clean("Talks stall\n\nWASHINGTON (Reuters) - Negotiators left without a deal on Friday.\n\nMore talks are planned.")
    assert r.dateline == "WASHINGTON"
    assert r.agency == "Reuters"
    assert r.paragraphs[0] == "Negotiators left without a deal on Friday."


def test_place_dateline_with_em_dash():
    r = clean("Quake\n\nKATHMANDU, Nepal — A strong earthquake shook the valley.\n\nNo deaths were reported.")
    assert r.dateline == "KATHMANDU, Nepal"
    assert r.paragraphs[0] == "A strong earthquake shook the valley."


def test_dash_inside_a_sentence_is_kept():
    para = "The talks – held in secret – ended early."
    assert clean(f"Talks\n\n{para}")
    assert clean(f"Talks\n\n{para}").paragraphs == [para]


def test_trailing_agency_credits():
    cases = {
        "He said it was over. AFP": "AFP",
        "He said it was over. – AP": "AP",
        "He said it was over. BLOOMBERG": "Bloomberg",
        "He said it was over.” NYTIMES": "The New York Times",
        "He said it was over. Reuters, AFP": "Reuters; AFP",
        "He said it was over. XINHUA": "Xinhua",
    }
    for last, agency in cases.items():
        r = clean(f"Title\n\nFirst paragraph here.\n\n{last}")
        assert r.agency == agency, last
        assert r.paragraphs[-1] in ("He said it was over.", "He said it was over.”"), last


def test_credit_only_last_line():
    r = clean("Title\n\nThe vote passed.\n\nREUTERS")
    assert r.agency == "Reuters"
    assert r.paragraphs == ["The vote passed."]


def test_canonical_agency():
    assert canonical_agency("REUTERS") == "Reuters"
    assert canonical_agency("The Associated Press") == "AP"
    assert canonical_agency("kyodo news") == "Kyodo"
    assert canonical_agency("Courier") == ""


def test_byline_and_published_line():
    text = ("Water bills to rise\n\nBy Jane Doe and John Roe\n\nPublished: 3 March 2025, 6:15 pm\n\n"
            "Households will pay more from April.\n\nThe regulator agreed.")
    r = clean(text)
    assert r.author == "Jane Doe; John Roe"
    assert r.published == "2025-03-03"
    assert r.paragraphs == ["Households will pay more from April.", "The regulator agreed."]
    assert ("take_byline", "By Jane Doe and John Roe") in r.removed


def test_byline_with_agency_and_updated_line():
    text = ("Rail strike\n\nBy Maria Lopez, Bloomberg\n\nUpdated Feb 11, 2026, 10:02 AM\n\nTrains stopped.")
    r = clean(text)
    assert r.author == "Maria Lopez"
    assert r.agency == "Bloomberg"
    assert r.published == "2026-02-11"
    assert r.paragraphs == ["Trains stopped."]


def test_sentence_starting_with_updated_is_not_a_date_line():
    para = "Updated figures show the deficit rose in 2024."
    assert clean(f"Deficit\n\n{para}").paragraphs == [para]


def test_single_newlines_give_one_paragraph_per_line():
    r = clean("Title\nFirst line of the story.\nSecond line.\nThird.")
    assert r.title == "Title"
    assert r.paragraphs == ["First line of the story.", "Second line.", "Third."]


def test_crlf_and_invisible_characters():
    r = clean("Title\r\n\r\nBody\u200b text\u00a0here.\r\n\r\nMore.")
    assert r.paragraphs == ["Body text here.", "More."]


def test_soft_wrapped_text_is_joined():
    text = (
        "Harbour dredging plan approved\n\n"
        "The harbour board approved a plan on Tuesday to dredge the main channel so\n"
        "that larger container ships can reach the inner docks, ending a dispute that\n"
        "had lasted more than three years.\n\n"
        "Environmental groups said they would study the plan before deciding whether\n"
        "to challenge it in court, citing the risk to the estuary's seagrass beds and\n"
        "the fish that breed there.\n"
    )
    r = clean(text)
    assert len(r.paragraphs) == 2
    assert r.paragraphs[0].startswith("The harbour board approved")
    assert r.paragraphs[0].endswith("more than three years.")


def test_single_long_paragraph_keeps_its_text():
    long = "The council approved the budget after a long debate. " * 6
    r = clean(long.strip())
    assert r.paragraphs == [long.strip()]
    assert r.title == "The council approved the budget after a long debate."


def test_empty_and_noise_only_give_no_paragraphs():
    assert clean("").paragraphs == []
    assert clean("   \n\t\n").paragraphs == []
    assert clean("Share this article\n\nAdvertisement").paragraphs == []


def test_rules_are_named_documented_functions():
    assert [r.__name__ for r in RULES][:3] == ["take_title", "drop_site_noise", "drop_photo_credits"]
    assert all(r.__doc__ and len(r.__doc__) > 40 for r in RULES)


def test_split_paragraphs_blank_line_blocks():
    assert split_paragraphs("a\n\n\n  b  c \n \nd") == ["a", "b c", "d"]


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_clean_never_raises(text):
    r = clean(text)
    assert all(p.strip() for p in r.paragraphs)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from([
    "By Jane Doe", "PHOTO: REUTERS", "– ", "WASHINGTON (Reuters) - ", "Published: 12 May 2024",
    "Advertisement", "REUTERS", " AFP", "\n", "\n\n", "Some text.", "“", "Read more:", "(AP)",
    "Updated", "2024", "By ", "See more on", "\u200b", "\r",
]), max_size=30).map("".join))
def test_clean_never_raises_on_noise_soup(text):
    clean(text)


def test_lines_resembling_noise_families_but_not_noise_stay():
    body = [
        "Follow the money on Wall Street",
        "Police badge",
        "Subscribers were told the briefing was cancelled.",
        "(c) a review of the port's safety rules.",
        "Reporting by the local paper revealed the leak.",
        "Get the farmers to sell their apples, he said.",
        "Show more restraint, the judge said.",
        "Gaza also on the agenda",
    ]
    r = clean("Title\n\n" + "\n\n".join(body))
    assert r.paragraphs == body
    assert r.removed == []


def test_more_noise_variants_are_removed():
    noise = ["© 2025 Harbour Media Ltd", "Additional reporting by Ann Lee in Lisbon; Editing by Sam Cole",
             "Follow Harbour Times on WhatsApp", "Download the Courier app", "View more photos"]
    r = clean("Title\n\nThe body.\n\n" + "\n\n".join(noise))
    assert r.paragraphs == ["The body."]


def test_parenthesised_production_credits_are_dropped():
    text = ("Ferry timetable changes from June\n\n"
            "The island ferry will run two extra sailings on summer weekends, the operator said.\n\n"
            "(Reporting by Ana Ruiz in Palma; Editing by Tom Hale)")
    result = clean(text)
    assert result.paragraphs == ["The island ferry will run two extra sailings on summer weekends, the operator said."]
