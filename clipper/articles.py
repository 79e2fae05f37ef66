"""Articles: adding (with duplicate and near-duplicate detection), reading, editing, deleting.

Editing an article's text re-anchors its passages (clipper.anchoring): a passage is moved
only to where its quote really is, or marked orphaned — never silently attached elsewhere.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from clipper import versions
from clipper.errors import InputError, NotFound
from clipper.models import Article, ArticleDraft
from clipper.storage import articles as store
from clipper.storage import notes as note_store
from clipper.storage import passages as passage_store
from clipper.storage import tags as tag_store
from clipper.text.controls import clean_field

NEAR_DUPLICATE_THRESHOLD = 0.7
METADATA_FIELDS = ("title", "dek", "outlet", "agency", "author", "language")  # cleaned by clean_field


@dataclass
class AddResult:
    status: str  # "imported" | "duplicate" | "updated"
    id: int
    title: str
    related: list[int] = field(default_factory=list)
    reason: str = ""  # for duplicates: "same URL" / "same text"
    reanchor: dict | None = None  # for updates: {"moved": [...], "orphaned": [...], ...}


def word_count(text: str) -> int:
    from clipper.text.normalize import count_words

    return count_words(text)


def _tag_names(names, *, strict: bool) -> list[str]:
    """Checked tag names, one per case-insensitive name. ``strict=False`` (tags guessed by
    an importer) silently drops invalid ones instead of raising InputError."""
    from clipper.tags import check_name

    out: dict[str, str] = {}
    for name in names:
        try:
            cleaned = check_name(name)
        except InputError:
            if strict:
                raise
            continue
        out.setdefault(cleaned.casefold(), cleaned)
    return list(out.values())


class Articles:
    def __init__(self, lib):
        self.lib = lib
        self._near = None  # NearDuplicateIndex, built on first use

    # ---- reading -------------------------------------------------------------------------
    def get(self, article_id: int) -> Article:
        return store.get(self.lib.db, article_id)

    def exists(self, article_id: int) -> bool:
        return store.exists(self.lib.db, article_id)

    def count(self) -> int:
        return store.count(self.lib.db)

    def ids(self, sort: str = "-imported", within=None) -> list[int]:
        """Article ids in ``sort`` order: all of them, or those of ``within``."""
        return store.ids(self.lib.db, sort=sort, within=within)

    def summaries(self, *, sort: str = "-imported", limit: int | None = None, offset: int = 0, ids=None) -> list[dict]:
        return store.list_summaries(self.lib.db, sort=sort, limit=limit, offset=offset, ids=ids)

    def view_ids(self, kind: str, value=None) -> list[int]:
        """A library view's article ids, newest import first, ordered in SQL with no cap:
        ``recent`` (imported in the last ``value`` days, default 7), ``orphaned`` (with
        orphaned passages), ``tag`` (the article or one of its passages carries ``value``),
        ``outlet``. The Trash is :meth:`trashed`."""
        if kind == "recent":
            from datetime import datetime, timedelta, timezone

            since = datetime.now(timezone.utc) - timedelta(days=value or 7)
            value = since.strftime("%Y-%m-%dT%H:%M:%S")
        return store.view_ids(self.lib.db, kind, value)

    def outlet_counts(self) -> dict[str, int]:
        return store.outlet_counts(self.lib.db)

    def ids_with_tag(self, name: str) -> list[int]:
        return store.ids_with_tag(self.lib.db, name)

    def related(self, article_id: int) -> list[int]:
        return store.story_members(self.lib.db, article_id)

    def extra(self, article_id: int) -> dict:
        return store.extra(self.lib.db, article_id)

    def full(self, article_id: int) -> dict:
        """Everything about one article, as `clipper show --json` prints it."""
        article = self.get(article_id)
        data = article.to_dict()
        data["related"] = self.related(article_id)
        data["passages"] = [p.to_dict() for p in passage_store.for_article(self.lib.db, article_id)]
        data["notes"] = [n.to_dict() for n in note_store.for_article(self.lib.db, article_id)]
        versions.describe(self.lib, article_id, data)
        return data

    # ---- adding --------------------------------------------------------------------------
    def load_signatures(self) -> None:
        """Read every article's near-duplicate signature now (the first ``add`` does it
        otherwise: ~0.7-1 s at 90,000 articles; 5.5 s before they were read at once). An
        import calls it before it becomes the index lane, so nobody's edit waits for it."""
        self._near_index()

    def _near_index(self):
        if self._near is None:
            from clipper.dedup import NearDuplicateIndex

            self._near = NearDuplicateIndex(store.signatures(self.lib.db))
        return self._near

    def add(self, draft: ArticleDraft, *, update_changed: bool = True) -> AddResult:
        """Store a draft unless it is a duplicate. Same canonical URL with changed text →
        the existing article is updated (passages re-anchored) when ``update_changed``.

        The duplicate checks, the update and the insert run in one write transaction, so
        another process importing the same article cannot slip in between."""
        from clipper.dedup import signature
        from clipper.text.normalize import content_hash

        title = clean_field(draft.title)
        text = (draft.text or "").strip()
        if not text:
            raise InputError(f"{draft.source or 'input'}: no article text found")
        if not title:
            title = clean_field(text.split("\n", 1)[0][:120])
        chash = content_hash(text)
        draft_tags = _tag_names(draft.tags or [], strict=False)
        db = self.lib.db
        near = self._near_index()
        sig = None
        # Reckoned before the write lock is taken (a few ms of pure Python that everyone's
        # writes would otherwise wait for during an import); used only for a new article.
        new_sig = signature(text)
        near_matches = [aid for aid, _score in near.query(new_sig, threshold=NEAR_DUPLICATE_THRESHOLD)]
        with self.lib.write() as changes:
            existing = store.find_by_hash(db, chash)
            if existing is not None:
                return AddResult("duplicate", existing, store.get(db, existing).title, reason="same text")
            by_url = store.find_by_url(db, draft.url)
            if by_url is not None:
                if not update_changed:
                    return AddResult("duplicate", by_url, store.get(db, by_url).title,
                                     reason="same URL (text changed)")
                report, sig = self._edit(changes, by_url, text=text, tags=None, origin="import",
                                         fields={"dek": draft.dek or None, "title": title})
                _keep_original(self.lib, by_url, draft, text)
                if draft_tags:  # an updated re-import keeps the article's tags and adds the new ones
                    tag_store.add_article_tags(db, by_url, draft_tags)
                    store.bump(db, [by_url])
                    changes.tags = True
                result = AddResult("updated", by_url, store.get(db, by_url).title, reanchor=report)
            else:
                sig, matches = new_sig, near_matches
                story_id = None
                if matches:
                    stories = [store.story_of(db, m) for m in matches]
                    story_id = next((s for s in stories if s is not None), None) or min(matches)
                aid = store.insert(
                    db, title=title, text=text, dek=clean_field(draft.dek), outlet=clean_field(draft.outlet),
                    agency=clean_field(draft.agency), author=clean_field(draft.author), published=draft.published,
                    url=draft.url or "", language=clean_field(draft.language), source=draft.source, extra=draft.extra, content_hash=chash,
                    word_count=word_count(text), signature=sig, story_id=story_id)
                versions.start(db, aid, text)
                _keep_original(self.lib, aid, draft, text)
                if matches:
                    store.set_story(db, matches, story_id)
                if draft_tags:
                    tag_store.add_article_tags(db, aid, draft_tags)
                    changes.tags = True
                changes.articles.add(aid)
                changes.created_articles.add(aid)
                result = AddResult("imported", aid, title, related=sorted(set(matches)))
        if sig is not None:  # only once committed
            near.add(result.id, sig)
        return result

    # ---- editing -------------------------------------------------------------------------
    def edit(self, article_id: int, *, text: str | None = None, tags: list[str] | None = None, **fields) -> dict:
        """Change metadata and/or text. Returns a re-anchoring report when the text changed."""
        fields = {k: v for k, v in fields.items() if v is not None}
        unknown = set(fields) - set(store.EDITABLE)
        if unknown:
            raise InputError(f"cannot edit {', '.join(sorted(unknown))}")
        fields.update({k: clean_field(fields[k]) for k in METADATA_FIELDS if k in fields})
        if "title" in fields and not fields["title"].strip():
            raise InputError("the title cannot be empty")
        from clipper.validation import check_published, check_url

        if "published" in fields:  # one rule for the CLI and the app ("" clears the date)
            fields["published"] = check_published(fields["published"])
        if "url" in fields:
            fields["url"] = check_url(fields["url"])
        if tags is not None:
            tags = _tag_names(tags, strict=True)
        with self.lib.write() as changes:
            report, sig = self._edit(changes, article_id, text=text, tags=tags, fields=fields)
        if sig is not None and self._near is not None:  # only once committed
            self._near.add(article_id, sig)
        return report

    def _edit(self, changes, article_id: int, *, text: str | None, tags: list[str] | None,
              fields: dict, origin: str = "edit") -> tuple[dict, bytes | None]:
        """The body of ``edit``, run inside the caller's write transaction. Returns the
        re-anchoring report and the new near-duplicate signature (None: text unchanged)."""
        from clipper.dedup import signature
        from clipper.text.normalize import content_hash

        db = self.lib.db
        fields = {k: v for k, v in fields.items() if v is not None or k == "published"}
        report: dict = {"moved": [], "orphaned": [], "unchanged": [], "fuzzy": []}
        article = store.get(db, article_id)
        passages = passage_store.for_article(db, article_id)
        if text is not None:
            text = text.strip()
            if not text:
                raise InputError("the article text cannot be empty")
            if text != article.text:
                fields.update(text=text, content_hash=content_hash(text), word_count=word_count(text),
                              signature=signature(text))
                self._reanchor(article.text, text, passages, report)
        if fields:
            versions.before_update(db, article, fields, origin)
            store.update(db, article_id, fields)
            passage_store.bump(db, [p.id for p in passages])  # their docs carry article metadata
        if tags is not None:
            tag_store.set_article_tags(db, article_id, tags)
            store.bump(db, [article_id])
            changes.tags = True
        changes.articles.add(article_id)
        changes.passages.update(p.id for p in passages)
        return report, fields.get("signature")

    def _reanchor(self, old_text: str, new_text: str, passages, report: dict) -> None:
        """Move each passage to where its quote is in ``new_text`` or mark it orphaned."""
        from clipper import anchoring

        db = self.lib.db
        selectors = {
            p.id: anchoring.Selector(p.start if p.start is not None else 0,
                                     p.end if p.end is not None else 0, p.quote, p.prefix, p.suffix)
            for p in passages
        }
        anchors = anchoring.reanchor_all(old_text, new_text, selectors)
        for p in passages:
            a = anchors[p.id]
            if a.status == "orphaned":
                passage_store.update_fields(db, p.id, {"status": "orphaned"})
                report["orphaned"].append(p.id)
                continue
            new = anchoring.make_selector(new_text, a.start, a.end)
            update = {"start": new.start, "end": new.end, "status": "anchored",
                      "prefix": new.prefix, "suffix": new.suffix}
            if a.method == "fuzzy":
                update["quote"] = new.exact
                report["fuzzy"].append(p.id)
            if (a.start, a.end) != (p.start, p.end) or p.status != "anchored":
                report["moved"].append(p.id)
            else:
                report["unchanged"].append(p.id)
            passage_store.update_fields(db, p.id, update)

    def apply_version(self, article_id: int, draft: ArticleDraft, origin: str) -> dict | None:
        """A refresh or re-extraction of ``article_id`` read ``draft``: when its title, dek
        or text differ from the current version, they become a new version (passages
        re-anchored) and the draft's original is kept. None when nothing changed."""
        text = (draft.text or "").strip()
        if not text:
            raise InputError(f"{draft.source or 'input'}: no article text found")
        with self.lib.write() as changes:
            article = store.get(self.lib.db, article_id)
            title = (draft.title or "").strip() or article.title
            dek = (draft.dek or "").strip()
            if (text, title, dek) == (article.text, article.title, article.dek or ""):
                return None
            report, sig = self._edit(changes, article_id, text=text, tags=None, origin=origin,
                                     fields={"title": title, "dek": dek})
            version = versions.current(self.lib.db, article_id)
            _keep_original(self.lib, article_id, draft, text)
        if sig is not None and self._near is not None:
            self._near.add(article_id, sig)
        return {"version": version, "reanchor": report}

    def add_tags(self, article_id: int, names: list[str]) -> None:
        self._change_tags(article_id, _tag_names(names, strict=True), tag_store.add_article_tags)

    def remove_tags(self, article_id: int, names: list[str]) -> None:
        self._change_tags(article_id, names, tag_store.remove_article_tags)

    def _change_tags(self, article_id: int, names: list[str], apply) -> None:
        with self.lib.write() as changes:
            if not store.exists(self.lib.db, article_id):
                raise NotFound(f"no article with id {article_id}")
            apply(self.lib.db, article_id, names)
            store.bump(self.lib.db, [article_id])
            changes.articles.add(article_id)
            changes.tags = True

    # ---- the Trash ---------------------------------------------------------------------------
    def trash(self, article_id: int) -> dict:
        """Move an article, with its passages, notes and tags, into the Trash: it leaves
        lists, search and exports until restored. Returns its Trash entry."""
        from clipper.storage import trash as trash_store

        with self.lib.write() as changes:
            _tid, pids = trash_store.move_to_trash(self.lib.db, article_id)
            changes.deleted_articles.add(article_id)
            changes.deleted_passages.update(pids)
            changes.tags = True
            entry = next(e for e in trash_store.listing(self.lib.db) if e["trash_id"] == _tid)
        if self._near is not None:
            self._near.remove(article_id)
        return entry

    def trashed(self, *, older_than: str | None = None) -> list[dict]:
        """The Trash, most recently trashed first: ``{"id", "title", "outlet", "published",
        "passage_count", "trashed_at"}`` (``id`` is the article's id)."""
        from clipper.storage import trash as trash_store

        return [{k: v for k, v in e.items() if k != "trash_id"}
                for e in trash_store.listing(self.lib.db, older_than=older_than)]

    def trash_count(self) -> int:
        from clipper.storage import trash as trash_store

        return trash_store.count(self.lib.db)

    def restore_trashed(self, article_id: int) -> int:
        """Bring a trashed article back with its passages, notes and tags. Returns its id
        (the same id unless another article has taken it since)."""
        from clipper.storage import trash as trash_store

        with self.lib.write() as changes:
            new_id, pids, _made = trash_store.restore(self.lib.db, article_id)
            changes.articles.add(new_id)
            changes.created_articles.add(new_id)
            changes.passages.update(pids)
            changes.tags = True
        if self._near is not None:
            sig = dict(store.signatures_of(self.lib.db, [new_id])).get(new_id)
            if sig is not None:
                self._near.add(new_id, sig)
        return new_id

    def empty_trash(self, *, older_than: str | None = None, article_id: int | None = None) -> int:
        """Delete trashed articles for good (all, those trashed before ``older_than`` — an
        ISO time —, or one). Returns how many."""
        from clipper import captures
        from clipper.storage import captures as capture_store
        from clipper.storage import trash as trash_store

        with self.lib.write():
            blobs = capture_store.hashes_in_trash(self.lib.db, older_than=older_than, article_id=article_id)
            n = trash_store.purge(self.lib.db, older_than=older_than, article_id=article_id)
        captures.sweep(self.lib, blobs)  # their kept originals, once the purge is committed
        return n

    def delete(self, article_id: int) -> None:
        """Delete an article for good (``trash`` is what users get)."""
        from clipper import captures
        from clipper.storage import captures as capture_store

        with self.lib.write() as changes:
            blobs = capture_store.hashes_of_article(self.lib.db, article_id)
            pids = store.delete(self.lib.db, article_id)
            changes.deleted_articles.add(article_id)
            changes.deleted_passages.update(pids)
            changes.tags = True
        captures.sweep(self.lib, blobs)  # its kept originals, once the delete is committed
        if self._near is not None:
            self._near.remove(article_id)


def _keep_original(lib, article_id: int, draft: ArticleDraft, text: str) -> None:
    """Record the draft's original bytes (clipper.captures) for the article's current
    version. (A duplicate import changes nothing, so it keeps no original.)"""
    original = getattr(draft, "capture", None)
    if original is None:
        return
    from clipper import captures

    captures.record(lib, article_id, versions.current(lib.db, article_id), original, text)
