"""Citations in CSL styles (citeproc-py): expected strings written by hand from each guide."""
from __future__ import annotations

import pytest

from clipper.errors import ExportError
from clipper.export.citations import (
    Citer,
    citation_key,
    cite,
    csl_item,
    passage_citation,
    resolve_style,
    split_authors,
)
from clipper.export.model import ExportArticle

# With a byline, an agency and a date.
FULL = ExportArticle(id=7, title="Ceasefire talks resume in Doha", outlet="The Guardian", agency="Reuters",
                     author="By Jane Smith", published="2026-02-11", url="https://example.com/a",
                     imported_at="2026-02-12T08:30:00Z")
# A wire story: no byline, no date.
WIRE = ExportArticle(id=8, title="Markets slide on rate fears", outlet="Le Monde", agency="Reuters",
                     url="https://example.com/b", imported_at="2026-03-01T10:00:00Z")
# Neither byline nor agency.
BARE = ExportArticle(id=9, title="Markets slide on rate fears", outlet="Le Monde", published="2026-03-01",
                     url="https://example.com/b", imported_at="2026-03-02T10:00:00Z")

EXPECTED = {
    "chicago-note": [
        "Jane Smith, “Ceasefire Talks Resume in Doha,” The Guardian, February 11, 2026, https://example.com/a.",
        "Reuters, “Markets Slide on Rate Fears,” Le Monde, n.d., accessed March 1, 2026, https://example.com/b.",
        "“Markets Slide on Rate Fears,” Le Monde, March 1, 2026, https://example.com/b.",
    ],
    "chicago-bib": [
        "Smith, Jane. “Ceasefire Talks Resume in Doha.” The Guardian, February 11, 2026. https://example.com/a.",
        "Reuters. “Markets Slide on Rate Fears.” Le Monde, n.d. Accessed March 1, 2026. https://example.com/b.",
        "Le Monde. “Markets Slide on Rate Fears.” March 1, 2026. https://example.com/b.",
    ],
    "apa": [
        "Smith, J. (2026, February 11). Ceasefire talks resume in Doha. The Guardian. https://example.com/a",
        "Reuters. (n.d.). Markets slide on rate fears. Le Monde. Retrieved March 1, 2026, from https://example.com/b",
        "Markets slide on rate fears. (2026, March 1). Le Monde. https://example.com/b",
    ],
    "mla": [
        "Smith, Jane. “Ceasefire Talks Resume in Doha.” The Guardian, 11 Feb. 2026, https://example.com/a.",
        "Reuters. “Markets Slide on Rate Fears.” Le Monde, https://example.com/b. Accessed 1 Mar. 2026.",
        "“Markets Slide on Rate Fears.” Le Monde, 1 Mar. 2026, https://example.com/b.",
    ],
    "harvard": [
        "Smith, J. (2026) ‘Ceasefire talks resume in Doha’, The Guardian, 11 February. "
        "Available at: https://example.com/a (Accessed: 12 February 2026).",
        "Reuters (no date) ‘Markets slide on rate fears’, Le Monde. "
        "Available at: https://example.com/b (Accessed: 1 March 2026).",
        "Le Monde (2026) ‘Markets slide on rate fears’, 1 March. "
        "Available at: https://example.com/b (Accessed: 2 March 2026).",
    ],
}


@pytest.mark.parametrize("style", sorted(EXPECTED))
def test_styles_match_hand_written_citations(style):
    assert cite([FULL, WIRE, BARE], style) == EXPECTED[style]


def test_html_and_markdown_italicise_the_outlet():
    assert cite([FULL], "mla", "html") == [
        "Smith, Jane. “Ceasefire Talks Resume in Doha.” <i>The Guardian</i>, 11 Feb. 2026, https://example.com/a."]
    assert cite([FULL], "apa", "md") == [
        "Smith, J. (2026, February 11). Ceasefire talks resume in Doha. *The Guardian*. https://example.com/a"]


def test_markup_in_titles_is_text_in_every_output():
    tricky = ExportArticle(id=3, title="Why <b>now</b> & *who* pays", outlet="Post", author="Ann Lee",
                           published="2026-01-05")
    [text] = cite([tricky], "apa", "text")
    [html] = cite([tricky], "apa", "html")
    [md] = cite([tricky], "apa", "md")
    assert "Why <b>now</b> & *who* pays" in text
    assert "Why &lt;b&gt;now&lt;/b&gt; &amp; *who* pays" in html and "<b>" not in html
    assert r"Why \<b\>now\</b\> & \*who\* pays" in md


def test_csl_item_maps_news_fields():
    item = csl_item(FULL)
    assert item["type"] == "article-newspaper"
    assert item["container-title"] == "The Guardian"
    assert item["author"] == [{"family": "Smith", "given": "Jane"}]
    assert item["publisher"] == "Reuters"  # the agency, when there is a byline
    assert item["issued"] == {"date-parts": [[2026, 2, 11]]}
    assert item["accessed"] == {"date-parts": [[2026, 2, 12]]}
    assert item["URL"] == "https://example.com/a"
    assert csl_item(WIRE)["author"] == [{"literal": "Reuters"}]
    assert "issued" not in csl_item(WIRE)
    pasted = csl_item(ExportArticle(id=1, title="Pasted"))
    assert pasted["type"] == "webpage" and "author" not in pasted


def test_bylines_split_into_names():
    assert split_authors("By Jane Smith and John van Dyke") == [
        {"family": "Smith", "given": "Jane"}, {"family": "van Dyke", "given": "John"}]
    assert split_authors("Smith, Jane") == [{"family": "Smith", "given": "Jane"}]
    assert split_authors("Ann Lee, Bo Park & Cy Young") == [
        {"family": "Lee", "given": "Ann"}, {"family": "Park", "given": "Bo"}, {"family": "Young", "given": "Cy"}]
    assert split_authors("Staff") == [{"literal": "Staff"}]
    assert split_authors("") == []


def test_citation_keys_are_stable_and_distinct():
    assert citation_key(FULL) == "smith2026ceasefire-7"
    assert citation_key(WIRE) == "reutersndmarkets-8"
    assert citation_key(BARE) == "lemonde2026markets-9"
    assert citation_key(BARE) != citation_key(WIRE)
    accented = ExportArticle(id=4, title="Él éxito", author="José Núñez", published="2025")
    assert citation_key(accented) == "nunez2025exito-4"  # "Él" is an article, skipped


def test_user_csl_file(tmp_path):
    style = tmp_path / "desk.csl"
    style.write_text("""<?xml version="1.0" encoding="utf-8"?>
<style xmlns="http://purl.org/net/xbiblio/csl" class="in-text" version="1.0">
  <info><title>Desk style</title><id>desk</id><updated>2026-01-01T00:00:00+00:00</updated></info>
  <citation><layout><text variable="title"/></layout></citation>
  <bibliography>
    <layout suffix=".">
      <group delimiter=" | ">
        <text variable="container-title" text-case="uppercase"/>
        <text variable="title"/>
        <date variable="issued"><date-part name="year"/></date>
      </group>
    </layout>
  </bibliography>
</style>""", encoding="utf-8")
    assert cite([FULL, WIRE], str(style)) == [
        "THE GUARDIAN | Ceasefire talks resume in Doha | 2026.",
        "LE MONDE | Markets slide on rate fears."]
    assert resolve_style(str(style)).mode == "bibliography"


def test_bad_styles_are_one_line_errors(tmp_path):
    with pytest.raises(ExportError, match="Unknown citation style 'nope'"):
        Citer("nope")
    with pytest.raises(ExportError, match="not found"):
        Citer(str(tmp_path / "missing.csl"))
    broken = tmp_path / "broken.csl"
    broken.write_text("<style><oops", encoding="utf-8")
    with pytest.raises(ExportError, match="Not a CSL style"):
        Citer(str(broken))
    with pytest.raises(ExportError, match="Unknown citation format"):
        Citer("apa", "rtf")


def test_passage_citation_for_the_clipboard():
    [c] = cite([FULL], "chicago-note")
    assert passage_citation("  the talks\nresumed ", c) == f"“the talks resumed”\n{c}"
    assert passage_citation("a <b>", c, "html").startswith("<p>“a &lt;b&gt;”</p>")
