"""Saved web pages (.html/.htm, "Save page as" folders, .mhtml/.mht) -> ArticleDraft.

The article body comes from trafilatura (no hand-written boilerplate removal here). What
this module adds is bookkeeping around it, and it never drops a paragraph trafilatura
found except an exact repeat of the title or of the dek (which are stored beside the
body, the dek once: clipper.text.standfirst):
- trafilatura reads the page as it is: nothing is stripped before extraction (removing
  scripts or objects first changes what it takes for the article), and a <noscript>
  holding real text (blog platforms put the whole post there) is handed to it as a
  <div>; active content never reaches what is stored, which is plain text;
- paragraphs are rebuilt from trafilatura's XML body ("\n\n" between blocks, list items
  and table rows one per line); a word-count check falls back to trafilatura's own text
  lines if that rebuild ever lost a word;
- metadata: title, dek (the standfirst: the page's description when the page shows it;
  a description only in <meta> goes to ``extra["description"]``), outlet (og:site_name or host),
  agency (bylines, credits, datelines), author(s), date (htmldate through trafilatura),
  canonical URL (rel=canonical / og:url, normalised), language (<html lang> first).
Stored text is plain text: scripts, styles and iframes never reach it.
"""
from __future__ import annotations

import copy
import email
import email.policy
import re
import unicodedata
from collections import Counter
from itertools import islice
from dataclasses import dataclass
from urllib.parse import urljoin

import lxml.html
from lxml import etree

from clipper.errors import InputError
from clipper.importers.metadata import detect_agency, guess_language, iso_date, normalise_language, outlet_name
from clipper.importers.urls import canonical_url
from clipper.models import ArticleDraft
from clipper.text.encoding import decode_bytes, is_binary, looks_binary
from clipper.text.standfirst import settle_standfirst, trim_dek


@dataclass(frozen=True)
class ExtractionSettings:
    """trafilatura knobs, chosen by measuring benchmarks/extraction_bench.py (--tune).

    On the 48 generated pages, no recall/precision bias scored F1 0.975 (recall 1.000)
    against 0.968 for favor_recall and 0.976 for favor_precision; precision mode risks
    dropping real paragraphs on messier pages, so we keep trafilatura's balance and only
    leave out comments.
    """

    favor_recall: bool = False
    favor_precision: bool = False
    include_tables: bool = True
    include_comments: bool = False
    deduplicate: bool = False


DEFAULT_SETTINGS = ExtractionSettings()
MIN_BODY_WORDS = 8  # fewer words than this is a menu or a stub, not an article

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]{1,40})""", re.I)
_XML_ENCODING = re.compile(rb"""^\s*<\?xml[^>]{0,100}?encoding\s*=\s*["']([A-Za-z0-9_.\-]{1,40})["']""", re.I)
_WS = re.compile(r"[ \t\r\f\v\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_WORD = re.compile(r"\w+")


# ---------------------------------------------------------------------------- decoding

def declared_charset(data: bytes) -> str | None:
    """Charset a page declares itself (<meta charset>, http-equiv, XML prolog)."""
    head = data[:8192]
    m = _XML_ENCODING.match(head) or _META_CHARSET.search(head)
    return m.group(1).decode("ascii").lower() if m else None


def decode_html(data: bytes, header_charset: str | None = None, source: str = "page") -> str:
    """Bytes of a page -> str: header charset, else the page's own, else detection."""
    if is_binary(data):
        raise InputError(f"{source}: looks like a binary file, not a web page")
    declared = header_charset or declared_charset(data)
    return decode_bytes(data, declared=declared, source=source)


# ------------------------------------------------------------------------- text helpers

def clean_line(text: str) -> str:
    text = _CONTROL.sub("", unicodedata.normalize("NFC", text))
    return _WS.sub(" ", text).strip()


_NON_WORD = re.compile(r"\W+")


_KEY_PIECE = 1 << 20  # characters normalised at a time


def _norm_key(text: str) -> str:
    """The words of ``text``, casefolded, one space apart (as ``" ".join`` of its
    ``\\w+`` runs). A long text is read in pieces cut between words: ``re.sub`` (like
    ``findall``) holds a string for every word and gap, and pages may hold millions."""
    if len(text) <= _KEY_PIECE:
        return _NON_WORD.sub(" ", text.casefold()).strip()
    keys = []
    start, n = 0, len(text)
    while start < n:
        gap = _NON_WORD.search(text, min(start + _KEY_PIECE, n)) if start + _KEY_PIECE < n else None
        end = gap.start() if gap else n
        key = _NON_WORD.sub(" ", text[start:end].casefold()).strip()
        if key:
            keys.append(key)
        start = gap.end() if gap else n
    return " ".join(keys)


def _has_words(text: str, n: int) -> bool:
    """Whether ``text`` holds at least ``n`` words (reading no further than the n-th)."""
    return sum(1 for _ in islice(_WORD.finditer(text), n)) >= n


def _words(text: str) -> Counter:
    return Counter(_WORD.findall(text.casefold()))


def _elem_text(el) -> str:
    """Text of a trafilatura XML element; <lb/> becomes a newline."""
    parts: list[str] = []

    def walk(node):
        if node.tag == "lb":
            parts.append("\n")
        elif node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(el)
    lines = [clean_line(line) for line in "".join(parts).split("\n")]
    return "\n".join(line for line in lines if line)


def _blocks_from_body(body) -> list[str]:
    """trafilatura's XML body -> paragraphs (list items / table rows one per line)."""
    blocks: list[str] = []

    def add(text: str) -> None:
        if text.strip():
            blocks.append(text)

    for el in body:
        tag = el.tag if isinstance(el.tag, str) else ""
        if tag == "list":
            items = []
            for item in el.iter("item"):
                # nested lists are walked by iter(); keep only the item's own text
                text = _elem_text_shallow(item)
                if text:
                    items.append("- " + text)
            add("\n".join(items) if items else _elem_text(el))
        elif tag == "table":
            rows = []
            for row in el.iter("row"):
                cells = [_elem_text(c).replace("\n", " ") for c in row if c.tag == "cell"]
                cells = [c for c in cells if c]
                if cells:
                    rows.append(" | ".join(cells))
            add("\n".join(rows) if rows else _elem_text(el))
        elif tag == "quote" and any(child.tag in ("p", "head", "list", "quote") for child in el):
            lead = clean_line(el.text or "")
            if lead:
                add(lead)
            for block in _blocks_from_body(el):
                add(block)
        elif tag:
            add(_elem_text(el))
        if el.tail and el.tail.strip():
            add(clean_line(el.tail))
    return blocks


def _elem_text_shallow(item) -> str:
    """An <item>'s text without nested <list> children (they are listed separately)."""
    parts: list[str] = [item.text or ""]
    for child in item:
        if child.tag == "list":
            parts.append(child.tail or "")
            continue
        parts.append(_elem_text(child))
        parts.append(child.tail or "")
    return clean_line(" ".join(p for p in parts if p))


def _blocks_from_text(text: str) -> list[str]:
    return [line for line in (clean_line(x) for x in (text or "").split("\n")) if line]


# ------------------------------------------------------------------ page-level metadata

_CREDIT_XPATH = (
    "//*[contains(translate(@class,'BYLINEAUTHORCREDITSOURCEDATELINE','bylineauthorcreditsourcedateline'),'byline')"
    " or contains(translate(@class,'CREDIT','credit'),'credit')"
    " or contains(translate(@class,'AUTHOR','author'),'author')"
    " or contains(translate(@class,'SOURCE','source'),'source')"
    " or contains(translate(@class,'DATELINE','dateline'),'dateline')"
    " or @rel='author' or @itemprop='author' or @itemprop='sourceOrganization']"
)


def _page_facts(tree) -> dict:
    """Facts trafilatura does not give us: <html lang>, credits, canonical link."""
    facts: dict = {"lang": "", "credits": [], "canonical": "", "og_url": "", "meta_author": ""}
    if tree is None:
        return facts
    root = tree.getroottree().getroot() if hasattr(tree, "getroottree") else tree
    facts["lang"] = normalise_language(root.get("lang") or root.get("{http://www.w3.org/XML/1998/namespace}lang") or "")
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or meta.get("http-equiv") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if not content:
            continue
        if not facts["lang"] and name in ("content-language", "og:locale", "dc.language", "language"):
            facts["lang"] = normalise_language(content.split(",")[0])
        elif name in ("author", "article:author", "dc.creator", "byl", "sailthru.author", "parsely-author"):
            facts["credits"].append(content)
            facts["meta_author"] = facts["meta_author"] or content
        elif name in ("og:url",):
            facts["og_url"] = content
        elif name in ("article:publisher", "dc.publisher", "dc.source", "original-source", "syndication-source", "copyright", "dcterms.rights"):
            facts["credits"].append(content)
    for link in root.iter("link"):
        if "canonical" in (link.get("rel") or "").lower().split() and link.get("href"):
            facts["canonical"] = link.get("href").strip()
            break
    try:
        for el in root.xpath(_CREDIT_XPATH)[:20]:
            if el.tag in ("script", "style", "body", "html", "article", "main"):
                continue
            text = clean_line(el.text_content())
            if text and len(text) < 200:
                facts["credits"].append(text)
    except (etree.XPathError, ValueError):
        pass
    for el in root.iter("figcaption", "small", "cite"):
        text = clean_line(el.text_content())
        if text and len(text) < 200:
            facts["credits"].append(text)
    return facts


_ACTIVE_TAGS = ("script", "style", "iframe", "frame", "frameset", "noscript", "object", "embed", "template", "applet")
NOSCRIPT_MIN_WORDS = 20  # a <noscript> with this much text is content, not a "turn on JavaScript" note


def _strip_active(tree) -> None:
    """Remove elements whose inner text is code or a fallback, never article text."""
    for el in list(tree.iter(*_ACTIVE_TAGS)):
        parent = el.getparent()
        if parent is None:
            continue
        el.drop_tree()  # keeps the element's tail text


def _open_noscript(tree) -> None:
    """Let the extractor see <noscript> bodies: one holding real text becomes a <div>."""
    for el in list(tree.iter("noscript")):
        if len(_WORD.findall(el.text_content())) >= NOSCRIPT_MIN_WORDS:
            el.tag = "div"


# A page with more paragraphs than this is not given to trafilatura: it selects every
# paragraph's text with the XPath "//p//text()" (twice), which libxml2 answers in time
# quadratic in the number of paragraphs (40,000: 2.5 s each; 200,000: minutes). Such a page
# is a long document rather than an article inside boilerplate: its blocks are read
# directly from the page (``_plain_blocks``), its metadata still by trafilatura.
MAX_EXTRACTOR_PARAGRAPHS = 20_000

_PLAIN_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "table", "tr",
                 "blockquote", "pre", "dd", "dt", "figcaption")
_PLAIN_BLOCK_SET = frozenset(_PLAIN_BLOCKS)
_BOILERPLATE = frozenset(("nav", "header", "footer", "aside", "form", "menu", "button", "select",
                          "head", "dialog"))


def _paragraphs_over(tree, limit: int) -> bool:
    """Whether the page has more than ``limit`` <p> elements (counted up to limit + 1)."""
    for n, _el in enumerate(tree.iter("p"), 1):
        if n > limit:
            return True
    return False


def _plain_root(page_body):
    """The element holding the page's text: its <article> or <main> when one holds most of
    the page's paragraphs, otherwise the body."""
    total = sum(1 for _ in page_body.iter("p"))
    best, best_n = page_body, 0
    for el in page_body.iter("article", "main"):
        n = sum(1 for _ in el.iter("p"))
        if n > best_n:
            best, best_n = el, n
    return best if best_n * 2 >= total else page_body


def _plain_blocks(page_body) -> list[str]:
    """Paragraphs of a page read without trafilatura: the text of each outermost block
    element (paragraph, heading, list, table, quote) of the main container,
    leaving out navigation, headers, footers, asides and forms; <br> ends a line (the
    page is changed: ``page_body`` is the copy that active content was stripped from)."""
    root = _plain_root(page_body)
    for br in root.iter("br"):
        br.tail = "\n" + (br.tail or "")
    blocks: list[str] = []
    for el in root.iter(*_PLAIN_BLOCKS):
        nested = False
        for anc in el.iterancestors():
            if anc is root:
                break
            if anc.tag in _PLAIN_BLOCK_SET or anc.tag in _BOILERPLATE:
                nested = True
                break
        if nested:
            continue
        if el.tag in ("ul", "ol"):  # one block, an item a line (as from trafilatura)
            items = (_plain_text(li).replace("\n", " ") for li in el.iter("li"))
            text = "\n".join("- " + item for item in items if item)
        elif el.tag == "table":  # one block, a row a line, cells apart
            rows = ([_plain_text(c).replace("\n", " ") for c in tr.iter("td", "th")]
                    for tr in el.iter("tr"))
            text = "\n".join(" | ".join(c for c in cells if c) for cells in rows if any(cells))
        else:
            text = _plain_text(el)
        if text:
            blocks.append(text)
    return blocks


def _plain_text(el) -> str:
    lines = [clean_line(line) for line in "".join(el.itertext()).split("\n")]
    return "\n".join(line for line in lines if line)


def _page_metadata(tree, url: str):
    """trafilatura's metadata document of a page too long for its extractor."""
    from trafilatura.metadata import extract_metadata

    return extract_metadata(tree, url or None, {"extensive_search": False, "original_date": True}, False)


def _parse_tree(text: str):
    try:
        return lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError):
        try:
            return lxml.html.document_fromstring(text.encode("utf-8", "replace"))
        except (etree.ParserError, ValueError):
            return None


# ------------------------------------------------------------------------ main entries

def extract_article(
    html_text: str,
    source: str,
    url: str = "",
    settings: ExtractionSettings = DEFAULT_SETTINGS,
) -> ArticleDraft:
    """Extract one article from a page's HTML (already decoded). Raises InputError."""
    # Control characters are invalid in HTML and make lxml refuse to build text nodes.
    html_text = _CONTROL.sub("", html_text.lstrip("\ufeff"))
    if not html_text.strip():
        raise InputError(f"{source}: empty page, no article text found")
    tree = _parse_tree(html_text)
    if tree is None:
        raise InputError(f"{source}: cannot parse the page as HTML, no article text found")
    long_page = _paragraphs_over(tree, MAX_EXTRACTOR_PARAGRAPHS)
    try:
        facts = _page_facts(tree)
        _open_noscript(tree)
        # (before the copy below: finding the date copies the page as well)
        doc = _page_metadata(tree, url) if long_page else None
        shown = copy.deepcopy(tree)  # what a reader sees: active content out
        _strip_active(shown)
        page_body = shown.find("body")
        # the page's visible words, read both ways: text runs joined as they touch, and
        # with a space between elements (a block may be compared either way)
        visible_key = (_norm_key(page_body.text_content()) + "\n" + _norm_key(" ".join(page_body.itertext()))
                       if page_body is not None else "")
        active_key = " ".join(_norm_key(el.text_content()) for el in tree.iter(*_ACTIVE_TAGS))
    except ValueError:
        raise InputError(f"{source}: cannot parse the page as HTML, no article text found") from None
    # Each tree is let go as soon as it has been read (a long page's tree is ~100 MB).
    if long_page:
        del tree
        blocks = _plain_blocks(page_body) if page_body is not None else []
        del shown, page_body
        if not blocks:
            raise InputError(f"{source}: no article text found")
    else:
        del shown, page_body  # only its words were needed (the keys above)
        doc, blocks = _extract(tree, source, url, settings)
    return _draft(doc, blocks, source, url, facts, visible_key, active_key)


def _extract(tree, source: str, url: str, settings: ExtractionSettings):
    """trafilatura's document for the page and the paragraphs of its body."""
    import trafilatura

    try:
        doc = trafilatura.bare_extraction(
            tree,
            url=url or None,
            with_metadata=True,
            include_comments=settings.include_comments,
            include_tables=settings.include_tables,
            include_images=False,
            include_links=False,
            favor_recall=settings.favor_recall,
            favor_precision=settings.favor_precision,
            deduplicate=settings.deduplicate,
            date_extraction_params={"extensive_search": False, "original_date": True},
        )
    except (ValueError, TypeError, etree.LxmlError, RecursionError) as exc:
        raise InputError(f"{source}: cannot extract the article ({exc.__class__.__name__})") from None
    if doc is None:
        raise InputError(f"{source}: no article text found")

    raw_text = doc.text or ""
    blocks = _blocks_from_body(doc.body) if doc.body is not None else []
    if _words(raw_text) - _words("\n".join(blocks)):
        # The rebuild lost a word trafilatura found: trust trafilatura's own lines.
        blocks = _blocks_from_text(raw_text)
    return doc, blocks


def _draft(doc, blocks: list[str], source: str, url: str, facts: dict, visible_key: str,
           active_key: str) -> ArticleDraft:
    """The article draft from an extraction's document (metadata) and paragraphs."""
    if active_key:
        # What is stored is what a reader sees: text that only lives inside scripts,
        # frames or objects (code, fallbacks) is left out.
        blocks = [b for b in blocks if not (_norm_key(b) in active_key and _norm_key(b) not in visible_key)]
    title = clean_line(doc.title or "")
    if title and _norm_key(title) in active_key and _norm_key(title) not in visible_key:
        title = ""
    dek = clean_line(doc.description or "")
    if blocks and title and _norm_key(blocks[0]) == _norm_key(title):
        blocks.pop(0)
    extra = {}
    if dek and _norm_key(trim_dek(dek).rstrip(".… ")) not in visible_key:
        # A meta description the page never shows is a search-engine summary, not the
        # standfirst a reader sees: keep it aside rather than in the article's text.
        extra["description"], dek = dek, ""
    dek, blocks = settle_standfirst(dek, blocks, MIN_BODY_WORDS)
    body = "\n\n".join(blocks)
    if not _has_words(body, MIN_BODY_WORDS):
        raise InputError(f"{source}: no article text found")
    if not title:
        title = (blocks[0][:120] if blocks else "") or source

    # rel=canonical, then og:url (trafilatura prefers the URL we pass it, so read them
    # ourselves); relative links are resolved against the fetched URL.
    page_url = ""
    for candidate in (facts["canonical"], facts["og_url"], doc.url or "", url):
        try:
            candidate = urljoin(url, candidate) if (candidate and url) else candidate
        except ValueError:  # e.g. a damaged "[...]" host
            continue
        if candidate and candidate.lower().startswith(("http://", "https://")):
            page_url = canonical_url(candidate)
            break

    author = clean_line(doc.author or "") or clean_line(facts["meta_author"])
    agency = detect_agency(author=author, body=body, credits=facts["credits"])
    author = strip_agency_from_author(author)
    language = facts["lang"] or normalise_language(doc.language or "") or guess_language(body)
    return ArticleDraft(
        title=title,
        text=body,
        dek=dek,
        outlet=outlet_name(doc.sitename or "", page_url or url),
        agency=agency,
        author=author,
        published=iso_date(doc.date) if doc.date else None,
        url=page_url,
        language=language,
        tags=[t for t in _split_tags(doc.tags) if t],
        source=source,
        extra=extra,
    )


def strip_agency_from_author(author: str) -> str:
    """"Jane Roe; AP" -> "Jane Roe": the agency has its own field."""
    parts = [p.strip() for p in re.split(r"\s*;\s*", author or "") if p.strip()]
    kept = [p for p in parts if not (len(p) <= 40 and detect_agency(author=p) and _norm_key(p) in _AGENCY_KEYS)]
    return "; ".join(kept) if kept else ""


_AGENCY_KEYS = {
    "reuters", "thomson reuters", "ap", "associated press", "the associated press", "afp", "agence france presse",
    "dpa", "ansa", "efe", "bloomberg", "bloomberg news", "pa", "pa media", "press association", "kyodo", "kyodo news",
    "xinhua", "yonhap", "tass", "anp", "belga", "apa", "upi", "ani", "pti", "aap", "reuters staff", "ap staff", "afp staff",
}


def _split_tags(value) -> list[str]:
    if not value:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [clean_line(str(v)) for v in value][:30]


def parse_html_bytes(data: bytes, source: str, url: str = "", header_charset: str | None = None) -> ArticleDraft:
    """A saved page's bytes -> ArticleDraft (raises InputError)."""
    text = decode_html(data, header_charset=header_charset, source=source)
    return extract_article(text, source=source, url=url)


def parse_mhtml_bytes(data: bytes, source: str) -> ArticleDraft:
    """An .mhtml/.mht single-file page (MIME multipart/related) -> ArticleDraft."""
    if looks_binary(data[:4096]):
        raise InputError(f"{source}: looks like a binary file, not an MHTML page")
    try:
        msg = email.message_from_bytes(data, policy=email.policy.compat32)
    except (ValueError, TypeError, LookupError):
        raise InputError(f"{source}: not a readable MHTML file") from None
    html_part = None
    for part in msg.walk():
        if part.get_content_type() in ("text/html", "application/xhtml+xml"):
            html_part = part
            break
    if html_part is None:
        raise InputError(f"{source}: not an MHTML page (no HTML part inside)")
    try:
        payload = html_part.get_payload(decode=True) or b""
    except (ValueError, TypeError, LookupError):
        raise InputError(f"{source}: damaged MHTML part") from None
    location = str(html_part.get("Content-Location") or msg.get("Snapshot-Content-Location") or "")
    location = location.strip() if location.strip().lower().startswith(("http://", "https://")) else ""
    draft = parse_html_bytes(payload, source=source, url=location, header_charset=html_part.get_content_charset())
    return draft


# ------------------------------------------------------------- HTML fragments (feeds...)

_DROP_TAGS = {"script", "style", "iframe", "noscript", "object", "embed", "template", "svg", "form", "button", "input", "select", "textarea", "frame", "frameset", "head", "canvas", "video", "audio", "math"}
_BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "header", "footer", "aside", "h1", "h2", "h3", "h4", "h5", "h6",
    "blockquote", "pre", "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr",
    "figure", "figcaption", "hr", "address", "details", "summary", "center",
}


def fragment_to_text(fragment: str) -> str:
    """An HTML fragment (feed content, export body) -> plain text, paragraphs kept.

    This is format conversion, not boilerplate removal: every text node outside
    script/style/iframe-like elements is kept.
    """
    if not fragment or not fragment.strip():
        return ""
    if "<" not in fragment:
        import html as _html

        text = _html.unescape(fragment)
        return "\n\n".join(p for p in (clean_line(x) for x in re.split(r"\n\s*\n", text)) if p)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (etree.ParserError, ValueError):
        try:
            root = lxml.html.fragment_fromstring(fragment.encode("utf-8", "replace"), create_parent="div")
        except (etree.ParserError, ValueError):
            return ""
    parts: list[str] = []

    def walk(node) -> None:
        tag = node.tag if isinstance(node.tag, str) else ""
        if not tag:  # comment / processing instruction
            if node.tail:
                parts.append(node.tail)
            return
        tag = tag.lower()
        if tag in _DROP_TAGS:
            if node.tail:
                parts.append(node.tail)
            return
        block = tag in _BLOCK_TAGS
        if block:
            parts.append("\n\n")
        if tag == "br":
            parts.append("\n")
        elif tag in ("td", "th"):
            parts.append(" | ")
        if node.text:
            parts.append(node.text)
        for child in node:
            walk(child)
        if block:
            parts.append("\n\n")
        if node.tail:
            parts.append(node.tail)

    walk(root)
    text = "".join(parts)
    paragraphs = []
    for para in re.split(r"\n\s*\n", text):
        lines = [clean_line(line).strip(" |") .strip() for line in para.split("\n")]
        lines = [line for line in lines if line]
        if lines:
            paragraphs.append("\n".join(lines))
    return "\n\n".join(paragraphs)
