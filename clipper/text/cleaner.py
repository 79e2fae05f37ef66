"""Turn text pasted from a news web page into a clean article.

Pasted pages carry site furniture around the story: newsletter prompts, share bars,
photo credits, the standfirst repeated as caption and lead, a dateline, a wire-agency
credit glued to the last sentence. ``clean`` splits the text into paragraphs and runs a
short ordered list of named rules (``RULES``) over them. Each rule is one function with
its own docstring; whatever a rule takes out is recorded in ``CleanResult.removed`` as
``(rule_name, text)`` so a reader can see which rule removed what.

Boilerplate is recognised only by documented shapes: families of phrases matched
against a *whole* line, credit-line shapes, known agency names and repetition. A short
line is never removed just for being short, so section headings stay.

Order of the rules:

1. ``take_title``        first non-empty line that is not site noise -> title
2. ``drop_site_noise``   whole-line newsletter/share/advert/"read more"/... phrases
3. ``drop_photo_credits`` "PHOTO: REUTERS", "Photo: AFP/Getty Images", "(Photo by X/Y)"
4. ``take_byline``       "By Jane Doe and John Roe" -> author
5. ``take_published``    "Published: 11 Feb 2026" / "Updated ..." -> published
6. ``take_dateline``     "WASHINGTON (Reuters) - " / "– " at paragraph start
7. ``take_agency_credit`` trailing "... now.” REUTERS" / "– AP" -> agency
8. ``take_standfirst``   a repeated paragraph near the top -> dek, removed from body
9. ``drop_repeats``      any paragraph repeated (after normalisation) kept once
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from clipper.text.normalize import normalize_text

__all__ = ["CleanResult", "clean", "split_paragraphs", "canonical_agency", "RULES"]


@dataclass
class CleanResult:
    title: str = ""
    dek: str = ""
    paragraphs: list[str] = field(default_factory=list)
    agency: str = ""  # canonical names joined by "; "
    author: str = ""  # "Jane Doe; John Roe"
    published: str | None = None  # ISO date YYYY-MM-DD
    dateline: str = ""  # place from the dateline, e.g. "WASHINGTON"
    removed: list[tuple[str, str]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The body: paragraphs joined by a blank line."""
        return "\n\n".join(self.paragraphs)


# --------------------------------------------------------------------------- agencies

# Spelling seen in credits -> canonical name. Matched case-sensitively (as written by
# the outlets), so the ordinary words "reuters" or "ap" in running text never match.
_AGENCIES: dict[str, str] = {
    "Reuters": "Reuters", "REUTERS": "Reuters",
    "AFP": "AFP", "Agence France-Presse": "AFP", "AGENCE FRANCE-PRESSE": "AFP",
    "AP": "AP", "Associated Press": "AP", "The Associated Press": "AP",
    "ASSOCIATED PRESS": "AP", "THE ASSOCIATED PRESS": "AP",
    "Bloomberg": "Bloomberg", "BLOOMBERG": "Bloomberg",
    "NYTIMES": "The New York Times", "NYT": "The New York Times",
    "The New York Times": "The New York Times", "New York Times": "The New York Times",
    "THE NEW YORK TIMES": "The New York Times", "NEW YORK TIMES": "The New York Times",
    "WASHINGTON POST": "The Washington Post", "The Washington Post": "The Washington Post",
    "dpa": "dpa", "DPA": "dpa",
    "ANI": "ANI", "PTI": "PTI", "IANS": "IANS", "UNI": "UNI",
    "Xinhua": "Xinhua", "XINHUA": "Xinhua",
    "Kyodo": "Kyodo", "KYODO": "Kyodo", "Kyodo News": "Kyodo", "KYODO NEWS": "Kyodo",
    "Yonhap": "Yonhap", "YONHAP": "Yonhap",
    "EFE": "EFE", "ANSA": "ANSA",
    "Anadolu": "Anadolu", "ANADOLU": "Anadolu", "Anadolu Agency": "Anadolu",
    "AAP": "AAP", "UPI": "UPI", "TASS": "TASS", "Bernama": "Bernama", "BERNAMA": "Bernama",
    "Antara": "Antara", "ANTARA": "Antara", "CNA": "CNA",
}
# Longest first so "The Associated Press" wins over "AP".
_AGENCY_ALT = "|".join(re.escape(k) for k in sorted(_AGENCIES, key=len, reverse=True))
_AGENCY_LIST = rf"(?:{_AGENCY_ALT})(?:\s*(?:,|/|;|&|\band\b)\s*(?:{_AGENCY_ALT}))*"
_AGENCY_SPLIT = re.compile(rf"{_AGENCY_ALT}")


def canonical_agency(name: str) -> str:
    """Canonical agency name for a credit spelling ("REUTERS" -> "Reuters"), or ""."""
    name = name.strip()
    if name in _AGENCIES:
        return _AGENCIES[name]
    for key, canon in _AGENCIES.items():
        if key.casefold() == name.casefold() and len(key) > 3:
            return canon
    return ""


def _agencies_in(credit: str) -> list[str]:
    """Canonical names of every agency in a credit like "Reuters, AFP"."""
    out: list[str] = []
    for m in _AGENCY_SPLIT.finditer(credit):
        canon = _AGENCIES[m.group(0)]
        if canon not in out:
            out.append(canon)
    return out


# --------------------------------------------------------------------------- state

_MAX_LINE_FOR_PATTERNS = 300  # boilerplate lines are short; long lines are story text
_TERMINAL = tuple('.!?:;"”’\')…')


class _State:
    """Working copy passed through the rules."""

    def __init__(self, paragraphs: list[str]):
        self.paras = paragraphs
        self.result = CleanResult()
        self.agencies: list[str] = []

    def drop(self, rule: str, text: str) -> None:
        self.result.removed.append((rule, text))

    def add_agencies(self, names: list[str]) -> None:
        for name in names:
            if name and name not in self.agencies:
                self.agencies.append(name)


# --------------------------------------------------------------------------- splitting

_LINE_BREAKS = re.compile(r"\r\n|\r|\u2028|\u2029|\x0b|\x0c|\x85")
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")


def _looks_soft_wrapped(lines: list[str]) -> bool:
    """Lines broken at a fixed width (e-mail, plain-text exports) rather than per paragraph."""
    if len(lines) < 3:
        return False
    width = max(len(line) for line in lines)
    if not 40 <= width <= 100:
        return False
    full = sum(1 for line in lines if len(line) >= 0.75 * width)
    return full >= 0.6 * len(lines)


def _unwrap(lines: list[str]) -> list[str]:
    """Join soft-wrapped lines; a line well short of the width ends a paragraph."""
    width = max(len(line) for line in lines)
    out: list[str] = []
    current: list[str] = []
    for line in lines:
        current.append(line)
        if len(line) < 0.75 * width:
            out.append(" ".join(current))
            current = []
    if current:
        out.append(" ".join(current))
    return out


def split_paragraphs(text: str) -> list[str]:
    """Split pasted text into paragraphs.

    Line endings are unified, invisible characters removed and runs of spaces collapsed.
    Blocks are separated by blank lines; inside a block each line is a paragraph, unless
    the block looks soft-wrapped (similar-length lines of 40-100 characters), in which
    case lines are joined and a clearly short line ends a paragraph.
    """
    text = _LINE_BREAKS.sub("\n", text).translate(_INVISIBLE)
    paragraphs: list[str] = []
    for block in re.split(r"\n[ \t\u00a0]*\n", text):
        lines = [_SPACES.sub(" ", line).strip() for line in block.split("\n")]
        lines = [line for line in lines if line]
        if not lines:
            continue
        if _looks_soft_wrapped(lines):
            paragraphs.extend(_unwrap(lines))
        else:
            paragraphs.extend(lines)
    return paragraphs


# --------------------------------------------------------------------------- patterns

def _families(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


# Whole-line site furniture, by family. Each alternative must match the entire line.
_NOISE = _families(
    # newsletter and subscription prompts
    r"(?:sign up|subscribe|register)\b(?: now| today| here| free)?\s*[:!.-]?\s*.{0,100}"
    r"\b(?:newsletters?|inbox|updates|alerts|briefing|digest)\b.{0,40}",
    r"get (?:the |our )?.{0,60}\bnewsletters?\b.{0,60}",
    r"subscribe(?: now| today| here)?(?: to .{1,80})?[.!]?",
    r"(?:already a subscriber|subscribers? only|log ?in|sign in)(?: to .{1,60})?[.!?]?",
    # share bars and social prompts
    r"share(?: this)?(?: article| story| page| post)?(?: on .{1,40}| via .{1,40})?[:!]?",
    r"(?:follow|join) us on .{1,60}",
    r"(?:follow|join) .{1,60} on (?:twitter|x|facebook|instagram|linkedin|telegram|whatsapp|threads|"
    r"bluesky|tiktok|youtube|google news|mastodon)\b.{0,30}",
    r"(?:tweet|email|e-mail|print|copy link|link copied|whatsapp|facebook|twitter|x|"
    r"linkedin|reddit|telegram|pinterest|flipboard)",
    r"add .{1,40} as a (?:preferred|trusted) source.{0,40}",
    r"(?:google )?(?:preferred|trusted|verified) source badge|.{0,40}\b(?:app store|google play|play store) badge",
    r"(?:download|get) (?:the|our) (?:.{1,40} )?app\b.{0,60}",
    # advertising
    r"(?:advertisement|advertising|sponsored(?: content)?|ad|paid content|promoted)",
    r"scroll (?:down )?to continue(?: with content| reading)?",
    r"(?:story|article) continues (?:below|after)(?: this)?(?: ad(?:vertisement)?)?",
    # onward links
    r"(?:read more|read also|also read|read next|see also|related(?: articles?| stories| coverage)?|"
    r"more on this(?: story)?|recommended|most read|trending|you may also like|"
    r"more from .{1,40})\s*(?::.*)?",
    r"(?:click|tap) here\b.*",
    r"continue reading.{0,60}",
    r"see more(?: on(?: .{1,60})?)?",
    r"(?:show|load|view) more(?: (?:photos|videos|stories|articles|comments|news|results))?",
    r"(?:view |show )?comments?(?: \(\d+\))?",
    r"listen to (?:this|the) (?:article|story).{0,40}",
    r"\d{1,3} ?min(?:ute)?s? read",
    r"skip to (?:main )?content",
    # copyright footers and wire production credits
    r"(?:copyright\s*)?(?:©|\(c\)\s*(?:19|20)\d\d).{0,100}|copyright\s+(?:19|20)\d\d.{0,100}",
    r"all rights reserved\.?",
    r"\(?(?:(?:additional )?(?:reporting|writing|editing|compiled) by (?-i:[A-Z][\w'’.-]*(?:,? [A-Z][\w'’.-]*| and| in| from){0,8})\s*;?\s*)+\.?\)?\.?",
)

_PHOTO_WORDS = r"(?:photo(?:graph)?s?|images?|pictures?|pics?|video|illustrations?|graphics?|file photo)"
# A credit line: "PHOTO: REUTERS", "ST PHOTO: JANE DOE", "Photo: AFP/Getty Images",
# "(Photo by X/Y)", "Image credit: ...", "REUTERS/Jane Doe".
_CREDIT_LINE = re.compile(
    rf"(?:[A-Z]{{1,6}} )?{_PHOTO_WORDS}(?: credits?)?\s*[:|]\s*[^.!?]{{1,80}}"
    rf"|\(?{_PHOTO_WORDS} (?:by|courtesy(?: of)?|credit:?)\s+[^()]{{2,80}}\)?\.?"
    r"|(?:image |photo )?credits?\s*:\s*.{2,80}",
    re.IGNORECASE,
)
_AGENCY_SLASH_CREDIT = re.compile(rf"(?:{_AGENCY_ALT})(?:/[A-Z][\w.'’ -]{{1,40}})+")
# A credit at the end of a caption line: "... on Monday. PHOTO: AFP" / "(Photo by X/Y)".
_TRAILING_CREDIT = re.compile(
    rf"\s+(?:[A-Z]{{1,6}} )?(?:PHOTO|PHOTOS|IMAGE|PICTURE|FILE PHOTO)\s*:\s*[A-Z][A-Z0-9 /,.&'’-]{{1,60}}$"
    rf"|\s*\({_PHOTO_WORDS} (?:by|courtesy(?: of)?)\s+[^()]{{2,80}}\)$",
    re.IGNORECASE,
)

_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:(?:de|da|di|van|von|der|den|del|la|le|bin|binti|al|el|ibn)\s+)?[A-Z][\w'’.-]*){1,3}"
_BYLINE = re.compile(
    rf"By\s+(?P<names>{_NAME}(?:\s*(?:,|\band\b|&)\s*{_NAME})*)"
    r"(?:\s*(?:,|\||–|—|-|/|\bfor\b|\bin\b)\s*(?P<tail>[^.!?]{1,60}))?"
)
_BY_AGENCY = re.compile(rf"By\s+(?P<credit>{_AGENCY_LIST})")
_DATE_LABEL = re.compile(
    r"(?P<label>(?:first |last )?(?:published|updated|posted|modified)(?: on| at)?)\s*:?\s*(?P<rest>.{1,120})",
    re.IGNORECASE,
)
_MONTH = (
    r"jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec|january|february|march|april|june|july|"
    r"august|september|october|november|december"
)
_HAS_DATE = re.compile(rf"\b(?:19|20)\d\d\b|\b\d{{1,2}}[/.-]\d{{1,2}}\b|\b(?:{_MONTH})\b", re.IGNORECASE)

_LEAD_DASH = re.compile(r"[–—-]{1,2}\s+(?=\S)")
_PLACE = r"[A-Z][A-Z.'’ -]{1,40}?(?:,\s*[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3})?"
_DATELINE_AGENCY = re.compile(
    rf"(?P<place>{_PLACE})?\s*(?:,\s*(?P<date>[A-Z][a-z]{{2,9}}\.? \d{{1,2}}|\d{{1,2}} [A-Z][a-z]{{2,9}}))?\s*"
    r"\((?P<agency>[A-Z][\w&.' -]{0,39})\)\s*[–—:-]{1,2}\s*(?=\S)"
)
_DATELINE_PLACE = re.compile(r"(?P<place>[A-Z][A-Z.'’ -]{2,40}?(?:,\s*[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,3})?)\s+[–—]{1,2}\s+(?=\S)")
_DATELINE_PLACE_HYPHEN = re.compile(r"(?P<place>[A-Z][A-Z.'’ ]{2,40}?)\s+-{1,2}\s+(?=\S)")

_CREDIT_ONLY = re.compile(rf"[–—-]?\s*(?P<credit>{_AGENCY_LIST})\.?")
_TRAILING_AGENCY = re.compile(
    rf"(?:(?<=[.!?\"”’)\]])\s+|\s+[–—-]{{1,2}}\s*)(?P<credit>{_AGENCY_LIST})\.?$"
)


# --------------------------------------------------------------------------- rules

def take_title(state: _State) -> None:
    """Title: the first non-empty line that is not site noise (a line of site furniture
    above the headline is recorded as removed). A leading Markdown "#" is dropped.

    A paste that is a single long paragraph has no headline line: it stays the body and
    the title is its first sentence (at most 15 words).
    """
    while state.paras:
        line = state.paras[0]
        if _is_noise(line) or _is_credit_line(line):
            state.drop("take_title", state.paras.pop(0))
            continue
        break
    if not state.paras:
        return
    first = state.paras[0]
    if len(state.paras) == 1 and len(first) > 200:
        sentence = re.split(r"(?<=[.!?])\s", first, maxsplit=1)[0]
        words = sentence.split()
        state.result.title = " ".join(words[:15]) + ("…" if len(words) > 15 else "")
        return
    state.result.title = re.sub(r"^#{1,6}\s+", "", state.paras.pop(0)).strip()


def _is_noise(line: str) -> bool:
    return len(line) <= _MAX_LINE_FOR_PATTERNS and _NOISE.fullmatch(line) is not None


def _is_credit_line(line: str) -> bool:
    if len(line) > _MAX_LINE_FOR_PATTERNS:
        return False
    return _CREDIT_LINE.fullmatch(line) is not None or _AGENCY_SLASH_CREDIT.fullmatch(line) is not None


def drop_site_noise(state: _State) -> None:
    """Remove whole lines that belong to one of the site-furniture families: newsletter
    and subscription prompts, share bars and "Follow us on ...", source badges, app
    prompts, "Advertisement", "Read more: ...", "Click here ...", "Continue reading",
    "See more on <site>", comment counters, reading-time labels, copyright footers and
    "Reporting by ...; Editing by ..." production credits. Only a line matching a family
    as a whole is removed; a story sentence mentioning "subscribe" stays.
    """
    kept = []
    for para in state.paras:
        if _is_noise(para):
            state.drop("drop_site_noise", para)
        else:
            kept.append(para)
    state.paras = kept


def drop_photo_credits(state: _State) -> None:
    """Remove photo-credit lines ("PHOTO: REUTERS", "ST PHOTO: JANE DOE",
    "Photo: AFP/Getty Images", "(Photo by X/Y)", "Image credit: ...", "REUTERS/Jane Doe")
    and cut such a credit off the end of a caption line.
    """
    kept = []
    for para in state.paras:
        if _is_credit_line(para):
            state.drop("drop_photo_credits", para)
            continue
        if len(para) <= _MAX_LINE_FOR_PATTERNS:
            m = _TRAILING_CREDIT.search(para)
            if m and m.start() > 0:
                state.drop("drop_photo_credits", m.group(0).strip())
                para = para[: m.start()].rstrip()
        kept.append(para)
    state.paras = kept


def _split_names(names: str) -> list[str]:
    parts = re.split(r"\s*(?:,|\band\b|&)\s*", names)
    return [" ".join(p.split()) for p in parts if p.strip()]


def take_byline(state: _State) -> None:
    """A byline line near the top or at the very end ("By Jane Doe", "By Jane Doe and
    John Roe", "By Jane Doe, Reuters", "By Reuters") becomes ``author`` ("Jane Doe;
    John Roe") and, when it names a known agency, ``agency``. The line is removed.
    Names must be capitalised words, so "By the numbers" stays.
    """
    n = len(state.paras)
    candidates = list(range(min(n, 6))) + [i for i in range(max(0, n - 2), n) if i >= 6]
    authors: list[str] = []
    drop: set[int] = set()
    for i in candidates:
        line = state.paras[i]
        if len(line) > 160:
            continue
        m_agency = _BY_AGENCY.fullmatch(line)
        if m_agency:
            state.add_agencies(_agencies_in(m_agency.group("credit")))
            drop.add(i)
            continue
        m = _BYLINE.fullmatch(line)
        if not m:
            continue
        names = _split_names(m.group("names"))
        agency_names = [n_ for n_ in names if canonical_agency(n_)]
        people = [n_ for n_ in names if not canonical_agency(n_)]
        tail = (m.group("tail") or "").strip()
        tail_agencies = _agencies_in(tail) if _CREDIT_ONLY.fullmatch(tail) else []
        state.add_agencies([canonical_agency(a) for a in agency_names] + tail_agencies)
        for person in people:
            if person not in authors:
                authors.append(person)
        drop.add(i)
    if not drop:
        return
    for i in sorted(drop):
        state.drop("take_byline", state.paras[i])
    state.paras = [p for i, p in enumerate(state.paras) if i not in drop]
    if authors and not state.result.author:
        state.result.author = "; ".join(authors)


def _parse_date(text: str) -> str | None:
    """ISO date (YYYY-MM-DD) for a date phrase, or None. Uses dateparser."""
    if not _HAS_DATE.search(text):
        return None
    import dateparser  # slow import; only needed when a date line is present

    candidate = re.split(r"\s*\|\s*|\s+(?:updated|modified)\b", text, flags=re.IGNORECASE)[0]
    candidate = candidate.strip(" ,.-–—")
    words = candidate.split()
    settings = {"PREFER_DATES_FROM": "past", "REQUIRE_PARTS": ["year", "month", "day"]}
    # Drop trailing words (time zones, "GMT+8", reading time) until something parses.
    for end in range(len(words), max(0, len(words) - 4), -1):
        piece = " ".join(words[:end])
        try:
            parsed = dateparser.parse(piece, settings=settings)
        except Exception:  # noqa: BLE001 - dateparser raises assorted errors on odd input; a miss is fine
            parsed = None
        if parsed is not None:
            return parsed.date().isoformat()
    return None


def take_published(state: _State) -> None:
    """A date line near the top ("Published: 11 Feb 2026, 5:00 pm", "Updated Feb 11,
    2026", "Published 11/02/2026 | Updated ...") becomes ``published`` (ISO date; the
    published date wins over an update date) and is removed. A line with such a label
    but no parsable date ("Updated 3 hours ago") is removed without setting a date.
    """
    limit = min(len(state.paras), 8)
    drop: list[int] = []
    published_found = False
    for i in range(limit):
        line = state.paras[i]
        if len(line) > 160:
            continue
        m = _DATE_LABEL.fullmatch(line)
        if not m:
            continue
        rest = m.group("rest")
        has_colon = line[m.end("label"):].lstrip().startswith(":")
        # "Updated figures show ..." is a sentence, not a date label.
        if not (has_colon or re.search(r"\d", rest)) or len(rest.split()) > 12:
            continue
        iso = _parse_date(rest)
        if iso is None and not (has_colon or re.search(r"\bago\b", rest, re.IGNORECASE)):
            continue
        drop.append(i)
        label = m.group("label").lower()
        is_published = "published" in label or "posted" in label
        if iso and (state.result.published is None or (is_published and not published_found)):
            state.result.published = iso
            published_found = published_found or is_published
    for i in drop:
        state.drop("take_published", state.paras[i])
    state.paras = [p for i, p in enumerate(state.paras) if i not in set(drop)]


def take_dateline(state: _State) -> None:
    """Strip the dateline from the start of a paragraph.

    "WASHINGTON (Reuters) - Text" -> "Text", dateline "WASHINGTON", agency Reuters;
    "BEIRUT, Lebanon — Text" -> "Text", dateline "BEIRUT, Lebanon" (first five
    paragraphs only); a bare dash opening a paragraph ("– US President ...") is removed
    anywhere.
    """
    found = False
    for i, para in enumerate(state.paras):
        if not found and i < 5:
            m = _DATELINE_AGENCY.match(para)
            if m:
                agency = m.group("agency").strip()
                canon = canonical_agency(agency) or (agency if len(agency.split()) <= 4 else "")
                if canon:
                    state.add_agencies([canon])
                place = (m.group("place") or "").strip(" ,")
                if place:
                    state.result.dateline = place
                state.drop("take_dateline", para[: m.end()].strip())
                para = para[m.end():]
                found = True
            else:
                m = _DATELINE_PLACE.match(para) or _DATELINE_PLACE_HYPHEN.match(para)
                if m and len(m.group("place").strip()) >= 3:
                    state.result.dateline = m.group("place").strip(" ,")
                    state.drop("take_dateline", para[: m.end()].strip())
                    para = para[m.end():]
                    found = True
        m = _LEAD_DASH.match(para)
        if m:
            state.drop("take_dateline", m.group(0).strip())
            para = para[m.end():]
        state.paras[i] = para
    state.paras = [p for p in state.paras if p.strip()]


def take_agency_credit(state: _State) -> None:
    """The wire credit at the end of the story becomes ``agency``: a last line that is
    only a credit ("REUTERS", "– AP", "Reuters, AFP"), or a credit after the final
    sentence ("... now.” REUTERS", "... said. AFP", "... – AP"). Agency names are
    matched case-sensitively as outlets write them, so "told Reuters." is left alone.
    A credit-only line just under the title (e.g. "AFP") is taken too.
    """
    while state.paras:
        last = state.paras[-1]
        m = _CREDIT_ONLY.fullmatch(last) if len(last) <= 120 else None
        if not m:
            break
        state.add_agencies(_agencies_in(m.group("credit")))
        state.drop("take_agency_credit", state.paras.pop())
    if state.paras and state.paras[0] and len(state.paras) > 1:
        m = _CREDIT_ONLY.fullmatch(state.paras[0]) if len(state.paras[0]) <= 120 else None
        if m:
            state.add_agencies(_agencies_in(m.group("credit")))
            state.drop("take_agency_credit", state.paras.pop(0))
    if not state.paras:
        return
    last = state.paras[-1]
    tail = last[-200:]
    m = _TRAILING_AGENCY.search(tail)
    if m:
        cut = len(last) - len(tail) + m.start()
        if cut > 0:
            state.add_agencies(_agencies_in(m.group("credit")))
            state.drop("take_agency_credit", m.group(0).strip())
            state.paras[-1] = last[:cut].rstrip()


def take_standfirst(state: _State) -> None:
    """The standfirst that the page repeats (as dek, photo caption and/or lead) becomes
    ``dek``: the first of the top five paragraphs that occurs again later (compared
    after normalising case, quotes, dashes and spaces) and has at least six words. All
    its copies are removed from the body.
    """
    keys = [normalize_text(p) for p in state.paras]
    counts: dict[str, int] = {}
    for key in keys:
        counts[key] = counts.get(key, 0) + 1
    for i in range(min(5, len(state.paras))):
        if counts[keys[i]] > 1 and len(keys[i].split()) >= 6:
            dek_key = keys[i]
            state.result.dek = state.paras[i]
            kept = []
            for para, key in zip(state.paras, keys):
                if key == dek_key:
                    state.drop("take_standfirst", para)
                else:
                    kept.append(para)
            state.paras = kept
            return


def drop_repeats(state: _State) -> None:
    """Keep the first copy of any paragraph that appears more than once (after
    normalisation), and drop paragraphs identical to the title or dek.
    """
    seen = {normalize_text(state.result.title), normalize_text(state.result.dek)} - {""}
    kept = []
    for para in state.paras:
        key = normalize_text(para)
        if key in seen:
            state.drop("drop_repeats", para)
            continue
        seen.add(key)
        kept.append(para)
    state.paras = kept


Rule = Callable[[_State], None]

RULES: tuple[Rule, ...] = (
    take_title,
    drop_site_noise,
    drop_photo_credits,
    take_byline,
    take_published,
    take_dateline,
    take_agency_credit,
    take_standfirst,
    drop_repeats,
)


def clean(text: str) -> CleanResult:
    """Clean pasted article text. Never raises on any string; an input with no story
    yields a result with no paragraphs."""
    if not isinstance(text, str):
        text = str(text)
    state = _State(split_paragraphs(text))
    for rule in RULES:
        if not state.paras and rule is not take_title:
            break
        rule(state)
    result = state.result
    result.paragraphs = [p for p in state.paras if p.strip()]
    result.agency = "; ".join(state.agencies)
    return result
