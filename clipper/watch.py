"""Watched articles: marked by the user, refreshed on a schedule — by the app while it is
open (clipper/gui/watch.py runs clipper.refresh on a worker thread when some are due) or
by ``clipper refresh --watched`` from cron. One interval per library (``watch --every``,
default 6 hours); an article is due when its last check — a refresh, or the capture of a
web page — is at least that old. Checks are the refresh's polite conditional requests.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from clipper.errors import InputError

DEFAULT_EVERY = 6 * 3600
MIN_EVERY = 60  # one minute: a schedule, not a hammer
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_every(text: str) -> int:
    """"90m", "2h", "1d", "1h30m" (or plain seconds) → seconds (InputError if unreadable
    or under a minute)."""
    value = (text or "").strip().lower().replace(" ", "")
    if value.isdigit():
        seconds = int(value)
    elif value and re.fullmatch(r"(\d+[smhdw])+", value):
        seconds = sum(int(n) * _UNITS[u] for n, u in re.findall(r"(\d+)([smhdw])", value))
    else:
        raise InputError(f"cannot read the interval {text!r}: write it like 30m, 2h, 1d or 1h30m")
    if seconds < MIN_EVERY:
        raise InputError(f"the interval {text!r} is under a minute: watched pages are checked at most once a minute")
    return seconds


def format_every(seconds: int) -> str:
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            n, seconds = divmod(seconds, size)
            out.append(f"{n}{unit}")
    return "".join(out) or "0s"


def get_every(lib) -> int:
    from clipper.storage import meta
    from clipper.storage.watch import EVERY_KEY

    value = meta.get_json(lib.db, EVERY_KEY)
    return value if isinstance(value, int) and value >= MIN_EVERY else DEFAULT_EVERY


def set_every(lib, seconds: int) -> None:
    from clipper.storage import meta
    from clipper.storage.watch import EVERY_KEY

    if seconds < MIN_EVERY:
        raise InputError("the interval is under a minute")
    with lib.write():
        meta.set_json(lib.db, EVERY_KEY, int(seconds))


def set_watched(lib, article_ids: list[int], on: bool = True) -> list[int]:
    """Watch (or stop watching) the articles; all or none: an unknown id, or (to watch) an
    article without an http(s) URL, changes nothing. Returns those whose state changed."""
    from clipper.refresh import refreshable
    from clipper.storage import watch as store
    from clipper.storage.db import utcnow

    ids = list(dict.fromkeys(article_ids))
    for aid in ids:
        lib.articles.get(aid)  # NotFound
    if on:
        web = set(refreshable(lib, ids))
        bad = [aid for aid in ids if aid not in web]
        if bad:
            raise InputError(f"article {bad[0]} has no http(s) URL to watch")
    with lib.write():
        return store.set_watched(lib.db, ids, on, utcnow())


def is_watched(lib, article_id: int) -> bool:
    from clipper.storage import watch as store

    return article_id in store.watched_of(lib.db, [article_id])


def _when(iso: str | None) -> datetime | None:
    if not iso:
        return None
    try:
        dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=timezone.utc)


def _now(now: datetime | None) -> datetime:
    return now if now is not None else datetime.now(timezone.utc)


def listing(lib, now: datetime | None = None) -> list[dict]:
    """Every watched article: {"id", "title", "url", "since", "last_checked", "next_check",
    "due", "versions"} (times in UTC ISO form; last_checked None: never checked)."""
    from clipper.storage import watch as store

    now, every = _now(now), timedelta(seconds=get_every(lib))
    out = []
    for r in store.listing(lib.db):
        checks = [t for t in (_when(r["checked_at"]), _when(r["fetched_at"])) if t is not None]
        last = max(checks) if checks else None
        nxt = last + every if last is not None else None
        out.append({"id": r["id"], "title": r["title"], "url": r["url"], "since": r["since"],
                    "last_checked": _iso(last), "next_check": _iso(nxt), "due": nxt is None or nxt <= now,
                    "versions": r["versions"]})
    return out


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if dt is not None else None


def due(lib, now: datetime | None = None) -> list[int]:
    """The watched articles whose check is due at ``now`` (default: the current time),
    longest-waiting first."""
    rows = [r for r in listing(lib, now) if r["due"]]
    rows.sort(key=lambda r: (r["last_checked"] is not None, r["last_checked"] or "", r["id"]))
    return [r["id"] for r in rows]


def next_check(lib, now: datetime | None = None) -> str | None:
    """When the next watched article falls due (None: nothing is watched)."""
    times = [r["next_check"] or _iso(_now(now)) for r in listing(lib, now)]
    return min(times) if times else None
