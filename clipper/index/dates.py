"""Dates in queries: ``published:2026-02``, ranges, comparisons and relative times.

``parse_period`` reads one date expression (a year, month or day, ``today``,
``yesterday``, ``-7d``, an ISO timestamp) into a span of time; ``date_query`` turns a
``published:``/``imported:`` value into a Whoosh date range. Times are naive UTC.
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from whoosh import query as wq

from clipper.errors import QueryError


@dataclass(frozen=True)
class Period:
    """A half-open span of time [start, end)."""

    start: datetime
    end: datetime


_DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")
_REL_RE = re.compile(r"^([+-]?)(\d{1,6})([hdwmy])$")


def _add_months(d: datetime, months: int) -> datetime:
    month0 = d.month - 1 + months
    year = d.year + month0 // 12
    month = month0 % 12 + 1
    if not 1 <= year <= 9999:
        raise QueryError(f"date out of range: {months} months from {d:%Y-%m-%d}")
    day = min(d.day, calendar.monthrange(year, month)[1])
    return d.replace(year=year, month=month, day=day)


def parse_period(value: str, now: datetime) -> Period:
    """One date expression → the span of time it names."""
    v = value.strip().lower()
    if v in ("today", "yesterday"):
        day = now.replace(hour=0, minute=0, second=0, microsecond=0)
        if v == "yesterday":
            day -= timedelta(days=1)
        return Period(day, day + timedelta(days=1))
    m = _REL_RE.match(v)
    if m:
        sign, n, unit = m.groups()
        n = int(n) * (1 if sign == "+" else -1)
        try:
            if unit == "h":
                t = now + timedelta(hours=n)
            elif unit == "d":
                t = now + timedelta(days=n)
            elif unit == "w":
                t = now + timedelta(weeks=n)
            elif unit == "m":
                t = _add_months(now, n)
            else:
                t = _add_months(now, 12 * n)
        except OverflowError:
            raise QueryError(f"relative date out of range: {value!r}") from None
        return Period(t, t)
    m = _DATE_RE.match(v)
    if m:
        year, month, day = (int(g) if g else None for g in m.groups())
        try:
            if month is None:
                start = datetime(year, 1, 1)
                end = datetime(year + 1, 1, 1) if year < 9999 else datetime.max
            elif day is None:
                start = datetime(year, month, 1)
                end = _add_months(start, 1) if year < 9999 or month < 12 else datetime.max
            else:
                start = datetime(year, month, day)
                end = start + timedelta(days=1) if start < datetime(9999, 12, 31) else datetime.max
        except (ValueError, OverflowError):
            raise QueryError(f"not a valid date: {value!r}") from None
        return Period(start, end)
    try:
        t = datetime.fromisoformat(value.strip())
    except ValueError:
        raise QueryError(
            f"not a date: {value!r} (use 2026, 2026-02, 2026-02-11, today, yesterday "
            "or a relative time like -7d)"
        ) from None
    t = to_utc_naive(t)
    return Period(t, t)


def to_utc_naive(t: datetime) -> datetime:
    if t.tzinfo is not None:
        t = t.astimezone(timezone.utc).replace(tzinfo=None)
    return t


def date_query(fieldname: str, value: str, now: datetime) -> wq.Query:
    """The query for ``published:VALUE`` / ``imported:VALUE``."""
    v = value.strip()
    if not v:
        raise QueryError(f"{fieldname}: needs a date, e.g. {fieldname}:2026-02")
    if v.startswith("["):
        if not v.endswith("]"):
            raise QueryError(f"unclosed date range in {fieldname}:{v} (missing ']')")
        inner = v[1:-1].strip()
        parts = re.split(r"(?i)(?:^|\s+)to(?:\s+|$)", inner)
        if len(parts) != 2:
            raise QueryError(
                f"date range must look like [2026-02-01 TO 2026-02-15], got {fieldname}:{v}"
            )
        lo, hi = (p.strip() for p in parts)
        start = parse_period(lo, now).start if lo else None
        end = parse_period(hi, now).end if hi else None
        if start is None and end is None:
            return wq.Every(fieldname)
        return _range(fieldname, start, end)
    m = re.match(r"^(>=|<=|>|<)(.*)$", v)
    if m:
        op, rest = m.groups()
        if not rest.strip():
            raise QueryError(f"{fieldname}:{op} needs a date after it")
        p = parse_period(rest, now)
        if op == ">":
            return _range(fieldname, p.end, None)
        if op == ">=":
            return _range(fieldname, p.start, None)
        if op == "<":
            return _range(fieldname, None, p.start)
        return _range(fieldname, None, p.end)
    p = parse_period(v, now)
    if p.start == p.end:  # an instant (relative time): that day
        day = p.start.replace(hour=0, minute=0, second=0, microsecond=0)
        return _range(fieldname, day, day + timedelta(days=1))
    return _range(fieldname, p.start, p.end)


def _range(fieldname: str, start: datetime | None, end: datetime | None) -> wq.Query:
    if end is not None and end == datetime.max:
        end = None
    if start is not None and end is not None and start >= end:
        return wq.NullQuery
    return wq.DateRange(fieldname, start, end, startexcl=False, endexcl=end is not None)
