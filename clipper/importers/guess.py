"""Guesses for pasted text: the outlet, address, date and author a quote should be cited
with, read from lines people copy along with an article ("By Jane Roe", a link, a date)."""
from __future__ import annotations

import re
from datetime import date

from clipper.importers.urls import host_of, is_fetchable

_URL = re.compile(r"https?://[^\s<>\"')\]]+", re.IGNORECASE)
_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTHS = {m: n for n, m in enumerate(
    ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
     "november", "december"], start=1)}
_MONTH = "(" + "|".join(m[:3] + r"[a-z]*\.?" for m in _MONTHS) + ")"
_DMY = re.compile(rf"\b(\d{{1,2}})\s+{_MONTH}\s+(\d{{4}})\b", re.IGNORECASE)
_MDY = re.compile(rf"\b{_MONTH}\s+(\d{{1,2}}),?\s+(\d{{4}})\b", re.IGNORECASE)
_BYLINE = re.compile(r"^\s*(?i:by)\s+([A-Z][\w.'’-]*(?:\s+(?:and\s+)?[A-Z][\w.'’-]*){0,5})\s*$", re.MULTILINE)
HEAD_LINES = 12  # metadata is looked for near the top, where it is pasted


def _month(name: str) -> int:
    return next(n for m, n in _MONTHS.items() if m.startswith(name.lower().rstrip(".")[:3]))


def _date(text: str) -> str | None:
    for pattern, order in ((_ISO, "ymd"), (_DMY, "dmy"), (_MDY, "mdy")):
        m = pattern.search(text)
        if not m:
            continue
        try:
            if order == "ymd":
                y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
            elif order == "dmy":
                y, mo, d = int(m.group(3)), _month(m.group(2)), int(m.group(1))
            else:
                y, mo, d = int(m.group(3)), _month(m.group(1)), int(m.group(2))
            return date(y, mo, d).isoformat()
        except ValueError:
            continue
    return None


def guess_metadata(text: str) -> dict:
    """``{"title", "outlet", "url", "published", "author"}`` guessed from pasted text
    ("" or None when there is nothing to go on)."""
    lines = [ln.strip() for ln in (text or "").splitlines() if ln.strip()]
    head = "\n".join(lines[:HEAD_LINES])
    url = next((u.rstrip(".,;") for u in _URL.findall(text or "") if is_fetchable(u.rstrip(".,;"))), "")
    outlet = host_of(url) if url else ""
    if outlet.startswith("www."):
        outlet = outlet[4:]
    byline = _BYLINE.search(head)
    title = next((ln for ln in lines if not _URL.fullmatch(ln) and not _BYLINE.fullmatch(ln)), "")
    return {"title": title[:200], "outlet": outlet, "url": url, "published": _date(head),
            "author": byline.group(1) if byline else ""}
