"""Turn bytes from a file or a response into text, or refuse them clearly.

Order:
1. a byte-order mark wins;
2. UTF-32 / UTF-16 without a BOM are recognised by where their zero bytes fall (or, for
   text with no ASCII at all, by decoding cleanly as nothing but letters and punctuation);
3. binary data (NUL bytes or too many control characters left after that) is refused;
4. an encoding the source declared (HTTP header, <meta charset>, XML prolog), read with
   the web's label rules (``latin-1`` means windows-1252, ``euc-kr`` windows-949 ...). If a
   few bytes do not fit it (a page saved as UTF-8 with one stray byte) only those bytes
   become U+FFFD: the rest stays in the declared encoding. If most of the non-ASCII bytes
   do not fit, the declaration is wrong and the text is detected instead;
5. with nothing declared: UTF-8 when it fits (again tolerating a few stray bytes), else a
   detector's guess (chardet, the detector feedparser also uses; charset-normalizer as a
   second opinion).

Whatever comes out is checked for mojibake (ftfy's badness measure: "atakÃ³w", "â€™"):
a candidate that looks like mojibake loses to one that does not, text that was already
mojibake in the source is repaired with ``ftfy.fix_encoding`` when that yields clean text,
and text that still looks garbled is flagged (``Decoded.garbled``, ``looks_garbled``) so
the importer can say so instead of storing it silently.
"""
from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass

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

# Labels as the web reads them (WHATWG Encoding Standard): a page that says latin-1 is
# decoded as windows-1252, euc-kr as windows-949 and so on, because that is what every
# browser does and what the pages were written for.
_LABELS = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252", "l1": "cp1252",
    "ascii": "cp1252", "us-ascii": "cp1252", "ansi_x3.4-1968": "cp1252", "cp819": "cp1252", "ibm819": "cp1252",
    "iso-ir-100": "cp1252", "iso_8859-1": "cp1252", "x-cp1252": "cp1252",
    "iso-8859-9": "cp1254", "iso8859-9": "cp1254", "latin5": "cp1254", "l5": "cp1254", "iso_8859-9": "cp1254",
    "tis-620": "cp874", "tis620": "cp874", "iso-8859-11": "cp874", "iso8859-11": "cp874", "dos-874": "cp874",
    "euc-kr": "cp949", "euckr": "cp949", "ks_c_5601-1987": "cp949", "ks_c_5601-1989": "cp949", "korean": "cp949",
    "csksc56011987": "cp949", "iso-ir-149": "cp949", "ksc5601": "cp949", "ksc_5601": "cp949", "windows-949": "cp949",
    "gb2312": "gb18030", "gbk": "gb18030", "x-gbk": "gb18030", "chinese": "gb18030", "csgb2312": "gb18030",
    "iso-ir-58": "gb18030", "gb_2312-80": "gb18030", "gb_2312": "gb18030", "euc-cn": "gb18030",
    "shift_jis": "cp932", "shift-jis": "cp932", "sjis": "cp932", "x-sjis": "cp932", "ms_kanji": "cp932",
    "csshiftjis": "cp932", "windows-31j": "cp932", "ms932": "cp932",
    "euc-jp": "euc_jis_2004", "x-euc-jp": "euc_jis_2004", "cseucpkdfmtjapanese": "euc_jis_2004",
    "big5": "big5hkscs", "big5-hkscs": "big5hkscs", "cn-big5": "big5hkscs", "x-x-big5": "big5hkscs",
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8", "x-unicode20utf8": "utf-8",
}
_WIDE = ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be")


def codec_for_label(label: str | None) -> str | None:
    """The Python codec for an encoding label as the web reads it; None if unknown."""
    label = (label or "").strip().strip("\"'").lower()
    if not label:
        return None
    name = _LABELS.get(label, label)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


@dataclass
class Decoded:
    text: str
    encoding: str  # the codec used ("utf-8", "cp1252", "euc_jis_2004" ...)
    how: str  # "bom", "wide", "declared", "utf-8", "detected"
    replaced: int = 0  # bytes that fit no character and became U+FFFD
    repaired: bool = False  # mojibake in the source repaired by ftfy
    garbled: bool = False  # still looks like mojibake: say so, do not store silently


def looks_binary(data: bytes, sample: int = 8192) -> bool:
    """True when the start of ``data`` is not text in any 8-bit or UTF-8 encoding."""
    head = data[:sample]
    if not head:
        return False
    if b"\x00" in head:
        return True
    bad = len(head.translate(None, _TEXT_BYTES))
    return bad / len(head) > 0.01


def is_binary(data: bytes) -> bool:
    """``looks_binary`` for data that is not UTF-16/32 text either (with or without BOM)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return False
    return looks_binary(data) and wide_encoding(data) is None and _utf16_without_zeros(data) is None


def wide_encoding(data: bytes, sample: int = 4096) -> str | None:
    """"utf-32-le"/"utf-32-be"/"utf-16-le"/"utf-16-be" for UTF-32/16 text without a BOM.

    ASCII characters (markup, spaces, digits, line ends) leave zero bytes at fixed places:
    in UTF-32 the two high bytes of every unit, in UTF-16 the high byte of every other
    byte pair. The pattern of zeros tells the width and the byte order.
    """
    head = data[: sample - sample % 4]
    if len(head) < 4 or b"\x00" not in head:
        return None
    zeros = [0, 0, 0, 0]
    for i, byte in enumerate(head):
        if byte == 0:
            zeros[i % 4] += 1
    quarter = len(head) / 4
    if zeros[2] > 0.9 * quarter and zeros[3] > 0.9 * quarter and _decodes_as_text(head, "utf-32-le"):
        return "utf-32-le"
    if zeros[0] > 0.9 * quarter and zeros[1] > 0.9 * quarter and _decodes_as_text(head, "utf-32-be"):
        return "utf-32-be"
    even, odd = zeros[0] + zeros[2], zeros[1] + zeros[3]
    if odd > 0.3 * (2 * quarter) and even < 0.05 * odd and _decodes_as_text(head, "utf-16-le"):
        return "utf-16-le"
    if even > 0.3 * (2 * quarter) and odd < 0.05 * even and _decodes_as_text(head, "utf-16-be"):
        return "utf-16-be"
    return None


def _utf16_without_zeros(data: bytes) -> str | None:
    """UTF-16 text with no ASCII at all (a CJK paragraph) has no zero bytes: taken as
    UTF-16 only when it decodes into nothing but letters, marks and punctuation (tried
    last, after UTF-8 and the detectors found nothing)."""
    head = data[:4096]
    if len(data) % 2 or not head or b"\x00" in head:
        return None
    for name in ("utf-16-le", "utf-16-be"):
        if _decodes_as_text(head, name, strict_letters=True):
            return name
    return None


def _decodes_as_text(head: bytes, codec: str, strict_letters: bool = False) -> bool:
    text = head.decode(codec, errors="replace")
    if not text:
        return False
    bad = 0
    for ch in text:
        cat = unicodedata.category(ch)
        if ch == "\ufffd" or cat in ("Cs", "Co", "Cn") or (cat == "Cc" and ch not in "\t\n\r\f"):
            bad += 1
    if strict_letters:
        # no zeros to go by: demand text that is almost all letters (CJK, Hangul ...)
        letters = sum(1 for ch in text if unicodedata.category(ch)[0] in "LMPZN")
        return bad <= 1 and letters >= 0.95 * len(text)
    return bad <= max(1, len(text) // 100)


def _decode_counting(data: bytes, codec: str) -> tuple[str, int, int]:
    """(text, bytes replaced, non-ASCII characters decoded) with errors replaced."""
    text = data.decode(codec, errors="replace")
    before = data.count("\ufffd".encode(codec, errors="ignore")) if codec.startswith("utf") else 0
    replaced = max(0, text.count("\ufffd") - before)
    good = sum(1 for ch in text if ord(ch) > 127) - text.count("\ufffd")
    return text, replaced, good


def _strict(data: bytes, codec: str) -> str | None:
    try:
        return data.decode(codec)
    except (UnicodeDecodeError, LookupError):
        return None


_C1 = dict.fromkeys(range(0x80, 0xA0))
MOJIBAKE_SAMPLE = 1_000_000  # characters of non-ASCII lines checked at most


def is_mojibake(text: str) -> bool:
    """True when ``text`` looks like mojibake (ftfy's badness measure).

    Mojibake needs non-ASCII characters, so only lines holding some are measured, in
    batches, up to ``MOJIBAKE_SAMPLE`` characters (a 20 MB text costs no more than a
    long article)."""
    from ftfy.badness import is_bad

    if not text or text.isascii():
        return False
    text = text.translate(_C1)  # a stray control is not mojibake (and is stripped on storing)
    batch: list[str] = []
    size = checked = 0
    for line in text.splitlines():
        if line.isascii():
            continue
        batch.append(line)
        size += len(line) + 1
        if size >= 65536:
            if is_bad("\n".join(batch)):
                return True
            checked += size
            batch, size = [], 0
            if checked >= MOJIBAKE_SAMPLE:
                return False
    return bool(batch) and is_bad("\n".join(batch))


def repair_mojibake(text: str) -> tuple[str, bool, bool]:
    """(text, repaired, still_garbled): mojibake undone with ftfy.fix_encoding when that
    leaves clean text; otherwise the text as it was, flagged when it looks garbled."""
    if not is_mojibake(text):
        return text, False, False
    import ftfy

    # C1 controls are left as they are: turning a lone one into a windows-1252 character
    # would invent text; they only matter inside real mojibake, which is fixed as a whole.
    fixed = ftfy.fix_encoding(text, config=ftfy.TextFixerConfig(fix_c1_controls=False))
    if fixed != text and not is_mojibake(fixed):
        return fixed, True, False
    return text, False, True


def detect_encoding(data: bytes) -> str | None:
    """A detector's guess for undeclared bytes (chardet, charset-normalizer second)."""
    try:
        import chardet

        found = chardet.detect(data[:200_000])
        codec = codec_for_label(found.get("encoding")) if found.get("encoding") else None
        if codec and (found.get("confidence") or 0) >= MIN_CONFIDENCE and not _ebcdic(codec):
            return codec
    except ImportError:  # pragma: no cover - chardet is a dependency
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:200_000]).best()
    codec = codec_for_label(best.encoding) if best is not None and best.encoding else None
    return codec if codec and not _ebcdic(codec) else None


MIN_CONFIDENCE = 0.15  # below this chardet is guessing (random bytes score about 0.04)


def _ebcdic(codec: str) -> bool:
    """IBM mainframe code pages: never what a web page, feed or export is written in."""
    return codec in ("cp037", "cp273", "cp424", "cp500", "cp875", "cp1026", "cp1140")


def decode(data: bytes, declared: str | None = None, source: str = "input") -> Decoded:
    """Decode ``data`` (see the module docstring). Raises InputError for binary input."""
    for bom, name in _BOMS:
        if data.startswith(bom):
            text, replaced, good = _decode_counting(data, name)
            if replaced > max(good, 1):  # more broken sequences than sound ones
                label = name.upper().replace("-SIG", "")
                raise InputError(f"{source}: damaged {label} text ({replaced} bytes are not {label})")
            return _checked(Decoded(text, name, "bom", replaced))
    wide = wide_encoding(data) or (_utf16_without_zeros(data) if looks_binary(data) else None)
    if wide:
        text, replaced, _ = _decode_counting(data, wide)
        return _checked(Decoded(text, wide, "wide", replaced))
    if looks_binary(data):
        raise InputError(f"{source}: looks like a binary file, not text")
    codec = codec_for_label(declared)
    if codec in _WIDE:  # "utf-16" in a <meta> of an ASCII-compatible page: browsers read UTF-8
        codec = "utf-8"
    fallback: Decoded | None = None
    if codec:
        text, replaced, good = _decode_counting(data, codec)
        found = Decoded(text, codec, "declared", replaced)
        if not replaced and not is_mojibake(text):
            return _checked(found)
        if not replaced and codec != "utf-8":
            # Declared a legacy code page, decodes, yet reads as mojibake: UTF-8 saved
            # under a stale declaration is the common case.
            as_utf8 = _strict(data, "utf-8")
            if as_utf8 is not None and not is_mojibake(as_utf8):
                return _checked(Decoded(as_utf8, "utf-8", "utf-8"))
            return _checked(found)
        if replaced and good >= replaced:
            # Mostly right: keep the declared encoding, only the stray bytes are lost.
            return _checked(found)
        fallback = found
    else:
        as_utf8 = _strict(data, "utf-8")
        if as_utf8 is not None:
            return _checked(Decoded(as_utf8, "utf-8", "utf-8"))
        text, replaced, good = _decode_counting(data, "utf-8")
        if good >= 4 * replaced:
            return _checked(Decoded(text, "utf-8", "utf-8", replaced))
    guess = detect_encoding(data)
    if guess and guess not in _WIDE:
        text = _strict(data, guess)
        if text is not None and (fallback is None or not is_mojibake(text)):
            return _checked(Decoded(text, guess, "detected"))
        if fallback is None:
            text, replaced, _ = _decode_counting(data, guess)
            return _checked(Decoded(text, guess, "detected", replaced))
    if fallback is not None:
        return _checked(fallback)
    wide = _utf16_without_zeros(data)
    if wide:
        text, replaced, _ = _decode_counting(data, wide)
        return _checked(Decoded(text, wide, "wide", replaced))
    raise InputError(f"{source}: cannot tell the text encoding (not UTF-8, no known legacy encoding)")


def _checked(found: Decoded) -> Decoded:
    found.text, found.repaired, found.garbled = repair_mojibake(found.text)
    return found


def decode_bytes(data: bytes, declared: str | None = None, source: str = "input") -> str:
    """Decode ``data`` to str (see ``decode``). Raises InputError for binary input."""
    return decode(data, declared=declared, source=source).text
