"""URL helpers: the canonical form Clipper stores, and which URLs may be fetched.

``canonical_url`` makes two links to the same article compare equal: lower-case scheme
and host, no default port, no fragment, no tracking parameters (utm_*, fbclid, gclid,
mc_cid ...), the remaining query parameters sorted. Paths are left as they are (case
matters there). Only http/https URLs are ever fetched.
"""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

FETCHABLE_SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

# Exact parameter names that only track the reader, never select content.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "gbraid", "wbraid", "msclkid", "yclid",
        "mc_cid", "mc_eid", "_ga", "_gl", "igshid", "twclid", "ttclid", "li_fat_id",
        "mkt_tok", "oly_anon_id", "oly_enc_id", "vero_id", "vero_conv", "_hsenc", "_hsmi",
        "hsctatracking", "wt_mc", "wt.mc_id", "s_cid", "ncid", "cmpid", "at_medium",
        "at_campaign", "ito", "guccounter", "guce_referrer", "guce_referrer_sig",
        "__twitter_impression", "ref_src", "ref_url", "spm",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hmb_", "at_custom")


def is_tracking_param(name: str) -> bool:
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(TRACKING_PREFIXES)


def url_scheme(url: str) -> str:
    """The scheme of ``url`` in lower case ("" when it has none)."""
    head, sep, _ = url.strip().partition(":")
    if not sep or not head or not head[0].isalpha():
        return ""
    if not all(c.isalnum() or c in "+-." for c in head):
        return ""
    return head.lower()


def is_fetchable(url: str) -> bool:
    """True for absolute http/https URLs with a host."""
    if url_scheme(url) not in FETCHABLE_SCHEMES:
        return False
    try:
        return bool(urlsplit(url.strip()).hostname)
    except ValueError:
        return False


def canonical_url(url: str) -> str:
    """Normalise ``url`` for storage and de-duplication; "" for empty input.

    Non-http(s) or unparsable strings are returned stripped but otherwise unchanged.
    """
    url = (url or "").strip()
    if not url:
        return ""
    scheme = url_scheme(url)
    if scheme not in FETCHABLE_SCHEMES:
        return url
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return url
    if not host:
        return url
    host = host.rstrip(".")
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host
    except UnicodeError:
        pass
    host = host.lower()
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    netloc = host  # user:password@ is dropped: credentials are never stored
    if port is not None and port != DEFAULT_PORTS[scheme]:
        netloc = f"{host}:{port}"
    path = parts.path or "/"
    params = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    params.sort()
    query = urlencode(params, doseq=False)
    return urlunsplit((scheme, netloc, path, query, ""))


def host_of(url: str) -> str:
    """The host of ``url`` without a leading "www." ("" when there is none)."""
    try:
        host = (urlsplit((url or "").strip()).hostname or "").lower()
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


def web_url(url: str) -> str:
    """A URL given by the user for an article (``--url``, ``edit --url``): "" clears it,
    an absolute http(s) address is kept in its canonical form, anything else
    (``javascript:``, ``data:``, ``file:``, a bare word) is refused with InputError, so it
    can never come back as a link in an export."""
    from clipper.errors import InputError

    url = (url or "").strip()
    if not url:
        return ""
    if not is_fetchable(url):
        shown = url if len(url) <= 60 else url[:57] + "..."
        raise InputError(f"not a web address: {shown!r} (an article URL must start with http:// or https://)")
    return canonical_url(url)


def url_origin(url: str) -> str:
    """scheme://host:port of ``url`` (lower case, the default port filled in); "" when unparsable."""
    try:
        parts = urlsplit(url)
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower(), 0)
        return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}:{port}"
    except ValueError:
        return ""
