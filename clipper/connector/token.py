"""The pairing token: one per library, kept in the library's ``meta`` table.

Created on first use (``clipper connector token``, the app's Preferences, ``clipper
serve``); the browser extension sends it as ``Authorization: Bearer TOKEN`` on every
request. ``reset_token`` makes a new one (the old one stops working at once).
"""
from __future__ import annotations

import hmac
import secrets

from clipper.storage import connector as store

TOKEN_KEY = "connector_token"


def get_token(lib) -> str | None:
    return store.get_meta(lib.db, TOKEN_KEY)


def ensure_token(lib) -> str:
    """The library's pairing token, created (once) if it has none."""
    token = get_token(lib)
    if token:
        return token
    with lib.write():
        token = store.get_meta(lib.db, TOKEN_KEY)  # another process may have made it meanwhile
        if not token:
            token = secrets.token_urlsafe(32)
            store.set_meta(lib.db, TOKEN_KEY, token)
    return token


def reset_token(lib) -> str:
    token = secrets.token_urlsafe(32)
    with lib.write():
        store.set_meta(lib.db, TOKEN_KEY, token)
    return token


def token_matches(given: str | None, expected: str | None) -> bool:
    """Constant-time comparison; no token on either side never matches."""
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8"))
