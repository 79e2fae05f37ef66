"""Article versions: a re-import, refresh, re-extraction or text edit that changes an
article keeps the text it replaces. Title, dek and body are versioned; nothing is
overwritten. Word-level diffs between any two versions.

Storage (clipper.storage.versions): the current version's row holds no text (the articles
row is the truth for it); when a new version arrives the old row is given its own copy.
"""
from __future__ import annotations

from clipper.errors import InputError, NotFound
from clipper.storage import versions as store
from clipper.storage.db import utcnow
from clipper.text.normalize import count_words, text_hash
from clipper.text.worddiff import compute_marks, diff_words, word_changes


# ------------------------------------------------------------------- writing (in a write)

def start(db, article_id: int, text: str, *, origin: str = "import", created_at: str | None = None) -> int:
    """Version 1 of a new article."""
    store.insert(db, article_id=article_id, version=1, text_hash=text_hash(text), words=count_words(text),
                 origin=origin, created_at=created_at)
    return 1


def supersede(db, article, *, title: str, dek: str, text: str, origin: str, created_at: str | None = None) -> int:
    """Freeze ``article`` (the current version, before its update) and add the next version
    for ``title``/``dek``/``text``. Runs inside the caller's write transaction. Returns the
    new version number."""
    rows = store.for_article(db, article.id)
    if not rows:  # an article from before versions: its implicit version 1 gets its row now
        store.insert(db, article_id=article.id, version=1, text_hash=text_hash(article.text),
                     words=count_words(article.text), origin="import", created_at=article.imported_at)
        number = 1
    else:
        number = rows[-1].version
    store.freeze(db, article.id, number, title=article.title, dek=article.dek or "", text=article.text)
    inserted, deleted = word_changes(article.text, text)
    created_at = created_at or utcnow()
    store.insert(db, article_id=article.id, version=number + 1, text_hash=text_hash(text), words=count_words(text),
                 origin=origin, created_at=created_at, title_changed=title.strip() != article.title.strip(),
                 words_changed=max(inserted, deleted))
    # the list's marks: what changed since version 1 (computed now, read with the list's rows)
    if number == 1:
        title_changed, words = title.strip() != article.title.strip(), max(inserted, deleted)
    else:
        title_changed, words = compute_marks(rows[0].title or "", rows[0].text or "", title, text)
    store.set_marks(db, article.id, versions=number + 1, title_changed=title_changed, words_changed=words,
                    changed_at=created_at)
    return number + 1


def before_update(db, article, fields: dict, origin: str) -> int | None:
    """Called by Articles._edit before ``fields`` are written: a text change (any origin),
    or a title/dek change from an import, refresh or re-extraction, makes a new version.
    Returns its number (None: no new version)."""
    text = fields.get("text", article.text)
    title = fields.get("title", article.title)
    dek = fields.get("dek", article.dek or "")
    if text == article.text and (origin == "edit" or (title, dek) == (article.title, article.dek or "")):
        return None
    return supersede(db, article, title=title, dek=dek, text=text, origin=origin)


def current(db, article_id: int) -> int:
    return store.current_number(db, article_id)


# ------------------------------------------------------------------------------ reading

def list_versions(lib, article_id: int) -> list[dict]:
    """Every version, oldest first: {"version", "captured_at", "title", "dek", "words", "origin",
    "title_changed", "words_changed", "current"}."""
    article = lib.articles.get(article_id)
    rows = store.for_article(lib.db, article_id)
    if not rows:
        return [{"version": 1, "captured_at": article.imported_at, "title": article.title, "dek": article.dek,
                 "words": count_words(article.text), "origin": "import", "title_changed": False,
                 "words_changed": 0, "current": True}]
    out = []
    for r in rows:
        is_current = r.text is None
        out.append({"version": r.version, "captured_at": r.created_at,
                    "title": article.title if is_current else r.title,
                    "dek": (article.dek if is_current else r.dek) or "",
                    "words": r.words, "origin": r.origin, "title_changed": r.title_changed,
                    "words_changed": r.words_changed, "current": is_current})
    return out


def get_version(lib, article_id: int, version: int | None = None) -> dict:
    """{"version", "title", "dek", "text", "captured_at", "current"} of one version (None: current)."""
    article = lib.articles.get(article_id)
    rows = store.for_article(lib.db, article_id)
    numbers = [r.version for r in rows] or [1]
    if version is None:
        version = numbers[-1]
    if version not in numbers:
        raise NotFound(f"article {article_id} has no version {version} (it has {_ranges(numbers)})")
    row = next((r for r in rows if r.version == version), None)
    if row is None or row.text is None:
        return {"version": version, "title": article.title, "dek": article.dek or "", "text": article.text,
                "captured_at": row.created_at if row else article.imported_at, "current": True}
    return {"version": version, "title": row.title or "", "dek": row.dek or "", "text": row.text,
            "captured_at": row.created_at, "current": False}


def _ranges(numbers: list[int]) -> str:
    return f"v{numbers[0]}" if len(numbers) == 1 else f"v{numbers[0]}–v{numbers[-1]}"


def recorded_hash(lib, article_id: int, version: int) -> str:
    row = store.get(lib.db, article_id, version)
    return row.text_hash if row is not None else ""  # "": an implicit version 1, nothing recorded


def text_hashes(lib, article_id: int) -> list[tuple[int, str, str]]:
    """(version, recorded hash, hash of the text stored now) for every version row."""
    rows = store.for_article(lib.db, article_id)
    if not rows:
        return []
    article = lib.articles.get(article_id)
    return [(r.version, r.text_hash, text_hash(article.text if r.text is None else r.text)) for r in rows]


def articles_with_versions(lib) -> list[int]:
    """Articles with version rows (every article imported since versions were kept)."""
    return store.article_ids(lib.db)


def summaries(lib, article_ids: list[int]) -> dict[int, dict]:
    """Marks for lists: article id → {"versions", "title_changed", "words_changed", "changed_at"}."""
    return store.changes_summary(lib.db, list(article_ids))


# -------------------------------------------------------------------------------- diffs

def diff(lib, article_id: int, v1: int | None = None, v2: int | None = None) -> dict:
    """``clipper diff ID [V1 [V2]]``: V2 defaults to the current version, V1 to the one
    before V2. {"from", "to", "title": [...], "dek": [...], "body": [...], "stats"}."""
    numbers = [v["version"] for v in list_versions(lib, article_id)]
    if v2 is None:
        if v1 is not None:
            v2 = numbers[-1]
        else:
            v2 = numbers[-1]
            v1 = numbers[-2] if len(numbers) > 1 else numbers[-1]
    for v in (v1, v2):
        if v not in numbers:
            raise InputError(f"article {article_id} has no version {v} (it has {_ranges(numbers)})")
    a, b = get_version(lib, article_id, v1), get_version(lib, article_id, v2)
    body = diff_words(a["text"], b["text"])
    ins = sum(len(r["text"].split()) for r in body if r["op"] == "insert")
    dels = sum(len(r["text"].split()) for r in body if r["op"] == "delete")
    return {"article_id": article_id, "from": v1, "to": v2,
            "from_captured_at": a["captured_at"], "to_captured_at": b["captured_at"],
            "title": diff_words(a["title"], b["title"]), "dek": diff_words(a["dek"], b["dek"]), "body": body,
            "stats": {"inserted_words": ins, "deleted_words": dels, "title_changed": a["title"] != b["title"]}}


def render_diff(runs: list[dict], color: bool) -> str:
    """Terminal rendering: ANSI green/red-struck when ``color``, else [-deleted-]{+inserted+}."""
    out = []
    for r in runs:
        if r["op"] == "equal":
            out.append(r["text"])
        elif r["op"] == "delete":
            out.append(f"\x1b[31;9m{r['text']}\x1b[0m" if color else f"[-{r['text']}-]")
        else:
            out.append(f"\x1b[32;4m{r['text']}\x1b[0m" if color else f"{{+{r['text']}+}}")
    return "".join(out)


# ----------------------------------------------------------------------------- passages

def describe(lib, article_id: int, data: dict) -> None:
    """Add the version facts to ``Articles.full``'s dict: "version" (current), "versions"
    (how many) and, per passage, "version" (made on) and, for an orphaned passage,
    "opens_on" ({"version", "start", "end", "removed_in"}: the version holding its quote)."""
    rows = store.for_article(lib.db, article_id)
    data["version"] = rows[-1].version if rows else 1
    data["versions"] = len(rows) or 1
    made = passage_versions(lib, article_id)
    for p in data.get("passages", []):
        p["version"] = made.get(p["id"], 1)
        if p.get("status") == "orphaned":
            p["opens_on"] = locate_passage(lib, _PassageView(article_id, p))


class _PassageView:
    def __init__(self, article_id: int, p: dict):
        self.id, self.article_id = p["id"], article_id
        self.quote, self.start, self.end, self.status = p["quote"], p["start"], p["end"], p["status"]


def passage_versions(lib, article_id: int) -> dict[int, int]:
    """passage id → the version it was made on (a passage from before versions: the version
    current when it was made)."""
    return {pid: version or 1 for pid, version in store.passage_versions(lib.db, article_id).items()}


def locate_passage(lib, passage) -> dict:
    """Where a passage opens: anchored → the current version at its offsets; orphaned →
    the newest version that holds its quote (the one it was made on first), with the
    version that removed it. {"version", "start", "end", "removed_in"}."""
    numbers = [v["version"] for v in list_versions(lib, passage.article_id)]
    if passage.status != "orphaned":
        return {"version": numbers[-1], "start": passage.start, "end": passage.end, "removed_in": None}
    made_on = passage_versions(lib, passage.article_id).get(passage.id, numbers[0])
    order = [made_on] + [n for n in reversed(numbers) if n != made_on]
    for n in order:
        text = get_version(lib, passage.article_id, n)["text"]
        start = _find_quote(text, passage)
        if start is not None:
            later = [m for m in numbers if m > n]
            removed = next((m for m in later if _find_quote(get_version(lib, passage.article_id, m)["text"], passage) is None), None)
            return {"version": n, "start": start, "end": start + len(passage.quote), "removed_in": removed}
    return {"version": None, "start": None, "end": None, "removed_in": None}


def _find_quote(text: str, passage) -> int | None:
    if not passage.quote:
        return None
    s, e = passage.start, passage.end
    if s is not None and e is not None and text[s:e] == passage.quote:
        return s
    at = text.find(passage.quote)
    return at if at >= 0 else None
