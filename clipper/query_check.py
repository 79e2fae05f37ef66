"""What is wrong with a query's shape, said in words, before it is searched.

The index reads a malformed query as best it can (``title:(`` becomes the word "title");
the command line and the desktop app first ask :func:`query_problem`, so a person learns
that a parenthesis is not closed or a field has nothing after it instead of seeing
"no results". Quoted phrases and [date ranges] are skipped.
"""
from __future__ import annotations

import re

_SKIP = re.compile(r'"[^"]*"?|\[[^\]]*\]?|\{[^}]*\}?')
_EMPTY_FIELD = re.compile(r"(?<![\w:])([A-Za-z_]+):(?=\s|\)|$)")


def query_problem(query: str) -> str | None:
    """A one-line description of the first structural problem, or None."""
    text = _SKIP.sub(lambda m: "_" * len(m.group()), query or "")
    depth = 0
    opened: list[int] = []
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
            opened.append(i)
        elif ch == ")":
            if depth == 0:
                return f"a closing parenthesis at character {i + 1} has no opening one"
            depth -= 1
            start = opened.pop()
            if not text[start + 1:i].strip():
                return f"empty parentheses at character {start + 1}"
    if opened:
        at = opened[-1]
        before = text[:at].rstrip()
        field = re.search(r"(\w+):$", before)
        where = f"after {field.group(1)}:" if field else f"at character {at + 1}"
        return f"the parenthesis {where} is never closed"
    m = _EMPTY_FIELD.search(text)
    if m:
        return f"{m.group(1)}: needs something to look for (for example {m.group(1)}:word)"
    return None
