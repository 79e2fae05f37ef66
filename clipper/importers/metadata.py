"""Metadata guesses shared by the importers: wire agency, outlet, language, dates.

Everything here is a guess from text a page or feed already gave us; nothing is fetched.
"""
from __future__ import annotations

import re
from datetime import datetime, timezone

from clipper.importers.urls import host_of

# Canonical agency name -> patterns that name it in a byline, credit or dateline.
# Short acronyms (AP, AFP, dpa ...) only count in agency-like positions: in parentheses,
# after a dash/pipe/comma/"By", or alone on a credit line; the long names count anywhere
# in a byline or credit.
_AGENCIES: list[tuple[str, str, str]] = [
    # (canonical, long-name regex, acronym regex or "")
    ("Reuters", r"Thomson Reuters|Reuters", r"Reuters"),
    ("AP", r"Associated Press", r"AP"),
    ("AFP", r"Agence France[- ]Presse", r"AFP"),
    ("dpa", r"Deutsche Presse[- ]Agentur", r"dpa"),
    ("ANSA", r"Agenzia Nazionale Stampa Associata", r"ANSA"),
    ("EFE", r"Agencia EFE", r"EFE"),
    ("Bloomberg", r"Bloomberg News", r"Bloomberg"),
    ("PA Media", r"PA Media|Press Association", r"PA"),
    ("Kyodo", r"Kyodo News", r"Kyodo"),
    ("Xinhua", r"Xinhua News Agency|Xinhua", r"Xinhua"),
    ("Yonhap", r"Yonhap News Agency|Yonhap", r"Yonhap"),
    ("TASS", r"TASS", r"TASS"),
    ("ANP", r"Algemeen Nederlands Persbureau", r"ANP"),
    ("Belga", r"Belga", r"Belga"),
    ("APA", r"Austria Presse Agentur", r"APA"),
    ("Keystone-SDA", r"Keystone-SDA|Keystone-ATS", r"SDA|ATS"),
    ("Europa Press", r"Europa Press", r""),
    ("UPI", r"United Press International", r"UPI"),
    ("ANI", r"Asian News International", r"ANI"),
    ("PTI", r"Press Trust of India", r"PTI"),
    ("CP", r"The Canadian Press", r""),
    ("AAP", r"Australian Associated Press", r"AAP"),
]

# In a dateline: "LONDON (Reuters) -", "PARIS, June 3 (AFP) —"
_DATELINE = re.compile(r"^.{0,80}?\((?P<who>[A-Za-z][A-Za-z .\-/]{1,40})\)\s*[-—–:]", re.S)
# Reuters' sign-off: "Reporting by ...; Editing by ..."
_REUTERS_SIGNOFF = re.compile(r"^\(?(?:Reporting|Additional reporting) by .{2,200}(?:Editing|Writing) by", re.I | re.M)


def _agency_in(text: str, strict: bool) -> str:
    """Agency named in ``text``. ``strict``: acronyms only in credit-like positions."""
    if not text:
        return ""
    for name, long_rx, short_rx in _AGENCIES:
        if re.search(rf"(?<![\w-])(?:{long_rx})(?![\w-])", text):
            return name
    for name, _long_rx, short_rx in _AGENCIES:
        if not short_rx:
            continue
        if strict:
            rx = (
                rf"\((?:{short_rx})\)"  # (AP)
                rf"|(?:^|[|,/—–\-]\s*|\bBy\s+|©\s*|\bvia\s+)(?:{short_rx})(?:\s*$|\s*[|,/—–)]|\s+(?:Photo|Video|staff|via)\b)"
                rf"|^\s*(?:{short_rx})\s*$"
            )
            if re.search(rx, text, re.M):
                return name
        elif re.search(rf"(?<![\w-])(?:{short_rx})(?![\w-])", text):
            return name
    return ""


def detect_agency(author: str = "", body: str = "", credits: list[str] | None = None) -> str:  # noqa: A002 - the keyword callers use
    """Guess the wire agency from the byline, credit lines and the body's dateline/sign-off.

    Returns a canonical name ("Reuters", "AP", "AFP" ...) or "".
    """
    found = _agency_in(author, strict=False) if author and len(author) < 200 else ""
    if found:
        return found
    for credit in credits or []:
        found = _agency_in(credit[:300], strict=True)
        if found:
            return found
    if body:
        paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]
        head = paragraphs[:3]
        for para in head:
            m = _DATELINE.match(para)
            if m:
                found = _agency_in(m.group("who"), strict=False)
                if found:
                    return found
            # A short byline paragraph: "By Jane Roe, Reuters" / "Jane Roe | AP"
            if len(para) < 120 and (para.lower().startswith("by ") or "|" in para):
                found = _agency_in(para, strict=True)
                if found:
                    return found
        if _REUTERS_SIGNOFF.search("\n".join(paragraphs[-3:])):
            return "Reuters"
        for para in paragraphs[-2:]:
            if len(para) < 80:
                found = _agency_in(para, strict=True)
                if found:
                    return found
    return ""


def outlet_name(site_name: str = "", url: str = "") -> str:
    """The outlet: og:site_name when given, else the host without "www."."""
    site_name = " ".join((site_name or "").split())
    if site_name:
        return site_name
    return host_of(url)


_LANG_RX = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8})*$")

# Small stop-word lists for a last-resort guess when a page declares nothing.
_STOPWORDS = {
    "en": "the of and to in is that for it was on with as his he by at are from".split(),
    "fr": "le la les des et est une du que dans pour qui sur au pas il avec".split(),
    "de": "der die und das ist nicht den von zu mit sich des auf für im dem".split(),
    "es": "el la los las y que en del se por con para una es un al".split(),
    "it": "il di che la e per un una non del della sono gli con le è".split(),
    "pt": "o a os as e que do da em um para com não uma dos se".split(),
    "nl": "de het een en van is dat op te in niet zijn met voor".split(),
}


def normalise_language(value: str) -> str:
    """"fr-FR" / "en_US" / "DE" -> "fr" / "en" / "de"; "" when not a language tag."""
    value = (value or "").strip()
    if not value or not _LANG_RX.match(value):
        return ""
    primary = re.split(r"[-_]", value)[0].lower()
    return primary if len(primary) in (2, 3) else ""


def guess_language(text: str) -> str:
    """A rough stop-word guess among a few European languages; "" when unsure.

    Scripts are recognised first (Cyrillic -> ru, kana -> ja, Hangul -> ko, Han -> zh).
    """
    sample = text[:5000]
    if not sample.strip():
        return ""
    counts = {"cyr": 0, "kana": 0, "hangul": 0, "han": 0, "greek": 0, "arabic": 0, "thai": 0, "hebrew": 0}
    letters = 0
    for ch in sample:
        if not ch.isalpha():
            continue
        letters += 1
        o = ord(ch)
        if 0x0400 <= o <= 0x04FF:
            counts["cyr"] += 1
        elif 0x3040 <= o <= 0x30FF:
            counts["kana"] += 1
        elif 0xAC00 <= o <= 0xD7AF:
            counts["hangul"] += 1
        elif 0x4E00 <= o <= 0x9FFF:
            counts["han"] += 1
        elif 0x0370 <= o <= 0x03FF:
            counts["greek"] += 1
        elif 0x0600 <= o <= 0x06FF:
            counts["arabic"] += 1
        elif 0x0E00 <= o <= 0x0E7F:
            counts["thai"] += 1
        elif 0x0590 <= o <= 0x05FF:
            counts["hebrew"] += 1
    if letters:
        if counts["kana"] / letters > 0.05:
            return "ja"
        if counts["hangul"] / letters > 0.3:
            return "ko"
        if counts["han"] / letters > 0.3:
            return "zh"
        if counts["cyr"] / letters > 0.3:
            return "ru"
        if counts["greek"] / letters > 0.3:
            return "el"
        if counts["arabic"] / letters > 0.3:
            return "ar"
        if counts["thai"] / letters > 0.3:
            return "th"
        if counts["hebrew"] / letters > 0.3:
            return "he"
    words = re.findall(r"[^\W\d_]+", sample.lower())
    if len(words) < 20:
        return ""
    scores = {lang: sum(1 for w in words if w in set(stops)) for lang, stops in _STOPWORDS.items()}
    best = max(scores, key=scores.get)
    ranked = sorted(scores.values(), reverse=True)
    if ranked[0] < max(3, len(words) * 0.05) or ranked[0] < ranked[1] * 1.3:
        return ""
    return best


def iso_date(value) -> str | None:
    """An ISO date (YYYY-MM-DD) from a struct_time, datetime, epoch number or ISO string.

    Anything unreadable or implausible (before 1800, more than a year ahead) gives None.
    """
    if value is None or value == "":
        return None
    try:
        if isinstance(value, datetime):
            dt = value
        elif isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().isdigit()):
            dt = datetime.fromtimestamp(float(value), tz=timezone.utc)
        elif hasattr(value, "tm_year"):
            dt = datetime(value.tm_year, value.tm_mon, value.tm_mday, tzinfo=timezone.utc)
        elif isinstance(value, str):
            text = value.strip().replace("Z", "+00:00")
            dt = datetime.fromisoformat(text) if "T" in text or " " in text else datetime.fromisoformat(text[:10])
        else:
            return None
    except (ValueError, OverflowError, OSError, TypeError):
        return None
    now = datetime.now(timezone.utc)
    if dt.year < 1800 or dt.year > now.year + 1:
        return None
    return dt.strftime("%Y-%m-%d")
