"""Word-level differences between two texts (an article's versions): the runs of
``clipper diff`` and the figures of the article list's change marks. Pure functions, no
database: ``clipper.versions`` and the schema migration that backfills the marks use them."""
from __future__ import annotations

import re
from difflib import SequenceMatcher

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text or "")


_DIFF_TOKENS = 40_000  # above this many changed tokens, no finer diff (see diff_words)


def diff_words(old: str, new: str) -> list[dict]:
    """Word-level diff: runs of {"op": "equal"|"insert"|"delete", "text"}; joining the
    equal+delete runs gives ``old``, equal+insert gives ``new``.

    The common head and tail are set aside first, in characters and then in tokens (an
    edit is usually local; a 20 MB article as two token lists was ~800 MB), and a
    changed middle of more than ``_DIFF_TOKENS`` tokens is one deletion and one insertion
    (SequenceMatcher is quadratic: editing such an article took hours)."""
    old, new = old or "", new or ""
    start, stop_old, stop_new = _common_ends(old, new)
    a, b = tokens(old[start:stop_old]), tokens(new[start:stop_new])
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    mid_a, mid_b = a[head:len(a) - tail], b[head:len(b) - tail]
    if len(mid_a) + len(mid_b) > _DIFF_TOKENS:
        opcodes = [("replace", 0, len(mid_a), 0, len(mid_b))]
    else:
        opcodes = SequenceMatcher(None, mid_a, mid_b, autojunk=False).get_opcodes()
    runs: list[dict] = []

    def add(op: str, text: str) -> None:
        if not text:
            return
        if runs and runs[-1]["op"] == op:
            runs[-1]["text"] += text
        else:
            runs.append({"op": op, "text": text})

    add("equal", old[:start] + "".join(a[:head]))
    for tag, i1, i2, j1, j2 in opcodes:
        if tag == "equal":
            add("equal", "".join(mid_a[i1:i2]))
        else:
            add("delete", "".join(mid_a[i1:i2]))
            add("insert", "".join(mid_b[j1:j2]))
    add("equal", "".join(a[len(a) - tail:]) + old[stop_old:])
    return _tidy(runs)


def _common_ends(old: str, new: str, block: int = 1 << 16) -> tuple[int, int, int]:
    """(start, stop_old, stop_new): ``old[:start] == new[:start]`` and
    ``old[stop_old:] == new[stop_new:]``, both as long as they can be while cut where a
    word starts after whitespace (so the tokens in between are the texts' own), and not
    overlapping."""
    n = min(len(old), len(new))
    i = 0
    while i + block <= n and old[i:i + block] == new[i:i + block]:
        i += block
    while i < n and old[i] == new[i]:
        i += 1
    start = _word_start_before(old, i)
    j = 0  # common tail length
    limit = n - start
    while j + block <= limit and old[len(old) - j - block:len(old) - j] == new[len(new) - j - block:len(new) - j]:
        j += block
    while j < limit and old[len(old) - 1 - j] == new[len(new) - 1 - j]:
        j += 1
    cut = _word_start_after(old, len(old) - j)
    return start, cut, len(new) - (len(old) - cut)


def _word_start_before(text: str, i: int) -> int:
    """The last position ≤ ``i`` where a word starts right after whitespace (0 if none)."""
    while i > 0 and not (text[i - 1].isspace() and i < len(text) and not text[i].isspace()):
        i -= 1
    return i


def _word_start_after(text: str, i: int) -> int:
    """The first position ≥ ``i`` where a word starts right after whitespace (len if none)."""
    while i < len(text) and not (i > 0 and text[i - 1].isspace() and not text[i].isspace()):
        i += 1
    return i


def _tidy(runs: list[dict]) -> list[dict]:
    """Fold an equal run made only of whitespace between two changes into them, so a
    rewritten sentence reads as one deletion and one insertion."""
    out: list[dict] = []
    i = 0
    while i < len(runs):
        r = runs[i]
        if (r["op"] == "equal" and not r["text"].strip() and 0 < i < len(runs) - 1
                and runs[i - 1]["op"] != "equal" and runs[i + 1]["op"] != "equal"):
            # whitespace between changes: belongs to both sides
            _append(out, "delete", r["text"])
            _append(out, "insert", r["text"])
        else:
            _append(out, r["op"], r["text"])
        i += 1
    # a delete/insert/delete/insert chain → one delete then one insert
    merged: list[dict] = []
    for r in out:
        if merged and r["op"] != "equal" and merged[-1]["op"] != "equal":
            # gather the trailing change block
            j = len(merged) - 1
            while j > 0 and merged[j - 1]["op"] != "equal":
                j -= 1
            block = merged[j:] + [r]
            dels = "".join(x["text"] for x in block if x["op"] == "delete")
            ins = "".join(x["text"] for x in block if x["op"] == "insert")
            merged[j:] = ([{"op": "delete", "text": dels}] if dels else []) + ([{"op": "insert", "text": ins}] if ins else [])
        else:
            merged.append(dict(r))
    return merged


def _append(out: list[dict], op: str, text: str) -> None:
    if out and out[-1]["op"] == op:
        out[-1]["text"] += text
    else:
        out.append({"op": op, "text": text})


def word_changes(old: str, new: str) -> tuple[int, int]:
    inserted = deleted = 0
    for run in diff_words(old, new):
        if run["op"] == "insert":
            inserted += len(run["text"].split())
        elif run["op"] == "delete":
            deleted += len(run["text"].split())
    return inserted, deleted


def compute_marks(first_title: str, first_text: str, title: str, text: str) -> tuple[bool, int]:
    """(headline changed, words changed) between version 1 and the current version: the
    figures of the article list's marks."""
    inserted, deleted = word_changes(first_text, text)
    return first_title.strip() != title.strip(), max(inserted, deleted)
