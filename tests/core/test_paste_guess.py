from clipper.importers.guess import guess_metadata

PASTED = """Harbour town votes to rebuild old sea wall
By Jane Roe and Tom Ash
11 February 2026
https://www.coast-news.example/2026/02/sea-wall?utm_source=share

Voters in the small fishing town approved the repair scheme on Sunday.
"""


def test_guesses_from_pasted_lines():
    g = guess_metadata(PASTED)
    assert g == {"title": "Harbour town votes to rebuild old sea wall", "outlet": "coast-news.example",
                 "url": "https://www.coast-news.example/2026/02/sea-wall?utm_source=share",
                 "published": "2026-02-11", "author": "Jane Roe and Tom Ash"}


def test_other_date_forms_and_nothing_to_go_on():
    assert guess_metadata("Title\nFeb. 3, 2025\nBody text.")["published"] == "2025-02-03"
    assert guess_metadata("Title\n2024-02-30 is no date\nBody")["published"] is None
    g = guess_metadata("Just a quote without anything else.")
    assert (g["outlet"], g["url"], g["published"], g["author"]) == ("", "", None, "")
