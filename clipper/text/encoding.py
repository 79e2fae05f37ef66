"""Turn bytes from a file or a response into text, or refuse them clearly.

Order: a BOM wins; then an encoding the source declared (HTTP header, <meta charset>,
XML prolog) if it decodes cleanly; then strict UTF-8; then charset-normalizer's guess.
Binary data (NUL bytes outside UTF-16/32, or too many control characters) is refused.
"""
from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from clipper.errors import InputError

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

# Control characters that never appear in text (tab, LF, CR, FF are fine).
_BAD_CONTROLS = set(range(0, 9)) | {11} | set(range(14, 32)) | {127}
_TEXT_BYTES = bytes(b for b in range(256) if b not in _BAD_CONTROLS)  # deleted to count the rest


def looks_binary(data: bytes, sample: int = 8192) -> bool:
    """True when the start of ``data`` is not text in any 8-bit or UTF-8 encoding."""
    head = data[:sample]
    if not head:
        return False
    if b"\x00" in head:
        return True
    bad = len(head.translate(None, _TEXT_BYTES))
    return bad / len(head) > 0.01


def decode_bytes(data: bytes, declared: str | None = None, source: str = "input") -> str:
    """Decode ``data`` to str. Raises InputError for binary or undecodable input."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name)
            except UnicodeDecodeError as exc:
                raise InputError(f"{source}: damaged {name.upper()} text ({exc.reason})") from None
    if looks_binary(data):
        raise InputError(f"{source}: looks like a binary file, not text")
    if declared:
        try:
            codecs.lookup(declared)
        except LookupError:
            declared = None
    if declared:
        try:
            return data.decode(declared)
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    matches = list(from_bytes(data))
    best = matches[0] if matches else None
    if best is not None:
        # Short Western text is ambiguous between the Windows Latin code pages; when
        # windows-1252 (the web's most common legacy encoding) is as good a fit as the
        # winner, prefer it.
        for match in matches:
            if match.encoding == "cp1252" and match.chaos <= best.chaos and match.coherence >= best.coherence:
                best = match
                break
    if best is None or best.encoding is None:
        raise InputError(f"{source}: cannot tell the text encoding (not UTF-8, no known legacy encoding)")
    try:
        return data.decode(best.encoding)
    except (UnicodeDecodeError, LookupError):
        raise InputError(f"{source}: cannot decode text as {best.encoding}") from None
