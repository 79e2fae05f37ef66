"""One rule for what people type as article metadata, for the CLI and the desktop app alike."""
from __future__ import annotations

import re
from datetime import date, datetime

from clipper.errors import InputError

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_published(value: str | None) -> str | None:
    """A published date: ``YYYY-MM-DD`` (or a full ISO 8601 time, kept as given); blank
    means no date (None). Anything else ("next tuesday", "2026-13-01") is refused."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        if _DAY.match(text):
            return date.fromisoformat(text).isoformat()
        datetime.fromisoformat(text.replace("Z", "+00:00"))
        return text
    except ValueError:
        pass
    raise InputError(f"the published date must look like YYYY-MM-DD, not {text!r}")


def check_url(value: str | None) -> str:
    """An article's address: blank, or an http(s) URL with a host, stored canonical
    (lower-case host, no tracking parameters, no fragment, no credentials); the rule is
    :func:`clipper.importers.urls.web_url`."""
    from clipper.importers.urls import web_url

    return web_url(value)
