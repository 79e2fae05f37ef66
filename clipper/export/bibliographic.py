"""Article metadata for reference managers: CSL-JSON, BibTeX/BibLaTeX and RIS.

Every entry carries the article's stable citation key (:func:`citations.citation_key`), so
re-exporting updates Zotero/LaTeX entries instead of duplicating them. Field mapping:

========== ==================== ============================ ======================
Clipper    CSL-JSON             BibLaTeX                     RIS
========== ==================== ============================ ======================
outlet     container-title      journaltitle (+ journal)     T2 / JF
byline     author               author                       AU (one per author)
agency     author or publisher  author or organization       AU or PB
published  issued               date (+ year, month)         PY, DA
URL        URL                  url                          UR
captured   accessed             urldate                      Y2
dek        abstract             abstract                     AB
========== ==================== ============================ ======================

An article with an outlet is a newspaper article (``article-newspaper``, ``@article``,
``TY  - NEWS``); one without (pasted text, a web page) is ``webpage``/``@online``/``ELEC``.
"""
from __future__ import annotations

import json
from typing import BinaryIO

from clipper.export.citations import accessed_date, csl_item
from clipper.export.model import ExportDocument

_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def csl_json(doc: ExportDocument) -> list[dict]:
    return [csl_item(a) for a in doc.articles]


def write_csl_json(doc: ExportDocument, fh: BinaryIO) -> None:
    fh.write(json.dumps(csl_json(doc), ensure_ascii=False, indent=2).encode("utf-8") + b"\n")


# --------------------------------------------------------------------------- BibTeX

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def latex_escape(text: str) -> str:
    """Plain text → BibTeX field text: LaTeX specials escaped, whitespace collapsed,
    other Unicode kept (biber and pybtex read UTF-8)."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in " ".join((text or "").split()))


def _bib_name(name: dict) -> str:
    if "literal" in name:
        return "{" + latex_escape(name["literal"]) + "}"  # an organisation: never split
    family, given = latex_escape(name.get("family", "")), latex_escape(name.get("given", ""))
    if " " in family:  # "van Dyke": keep the particle with the family name
        family = "{" + family + "}"
    return f"{family}, {given}" if given else family


def bibtex_entry(item: dict, accessed: str) -> str:
    kind = "article" if item["type"] == "article-newspaper" else "online"
    fields: list[tuple[str, str]] = []
    if item.get("author"):
        fields.append(("author", " and ".join(_bib_name(n) for n in item["author"])))
    # Double braces keep the headline's capitals as written.
    fields.append(("title", "{" + latex_escape(item["title"]) + "}"))
    if item.get("container-title"):
        outlet = latex_escape(item["container-title"])
        fields += [("journaltitle", outlet), ("journal", outlet), ("entrysubtype", "newspaper")]
    if item.get("publisher"):
        fields.append(("organization", latex_escape(item["publisher"])))
    parts = (item.get("issued") or {}).get("date-parts", [[]])[0]
    if parts:
        fields.append(("date", "-".join(f"{p:02d}" if i else str(p) for i, p in enumerate(parts))))
        fields.append(("year", str(parts[0])))
        if len(parts) > 1:
            fields.append(("month", _MONTHS[parts[1] - 1]))
    if item.get("URL"):
        fields.append(("url", item["URL"].replace("{", "%7B").replace("}", "%7D")))
    if accessed:
        fields.append(("urldate", accessed))
    if item.get("language"):
        fields.append(("langid", latex_escape(item["language"])))
    if item.get("abstract"):
        fields.append(("abstract", latex_escape(item["abstract"])))
    body = ",\n".join(
        f"  {name} = {value}" if name == "month" else f"  {name} = {{{value}}}" for name, value in fields
    )
    return f"@{kind}{{{item['id']},\n{body}\n}}\n"


def bibtex(doc: ExportDocument) -> str:
    return "\n".join(bibtex_entry(csl_item(a), accessed_date(a.imported_at)) for a in doc.articles)


def write_bibtex(doc: ExportDocument, fh: BinaryIO) -> None:
    fh.write(("% Exported by Clipper (BibLaTeX; classic BibTeX reads journal/year/month)\n\n"
              + bibtex(doc)).encode("utf-8"))


# --------------------------------------------------------------------------- RIS

def _ris_line(tag: str, value: str) -> str:
    return f"{tag}  - {' '.join(str(value).split())}\r\n"


def _ris_name(name: dict) -> str:
    if "literal" in name:
        return name["literal"]
    return f"{name.get('family', '')}, {name.get('given', '')}".strip(", ")


def ris_entry(item: dict, accessed: str) -> str:
    news = item["type"] == "article-newspaper"
    out = [_ris_line("TY", "NEWS" if news else "ELEC")]
    out.append(_ris_line("ID", item["id"]))
    for name in item.get("author", []):
        out.append(_ris_line("AU", _ris_name(name)))
    out.append(_ris_line("TI", item["title"]))
    if item.get("container-title"):
        out.append(_ris_line("T2", item["container-title"]))
        if news:
            out.append(_ris_line("JF", item["container-title"]))
    if item.get("publisher"):
        out.append(_ris_line("PB", item["publisher"]))
    parts = (item.get("issued") or {}).get("date-parts", [[]])[0]
    if parts:
        padded = [str(parts[0])] + [f"{p:02d}" for p in parts[1:]]
        out.append(_ris_line("PY", padded[0]))
        out.append(_ris_line("DA", "/".join(padded + [""] * (3 - len(padded))) + "/"))
    if item.get("URL"):
        out.append(_ris_line("UR", item["URL"]))
    if accessed:
        out.append(_ris_line("Y2", accessed.replace("-", "/")))
    if item.get("language"):
        out.append(_ris_line("LA", item["language"]))
    if item.get("abstract"):
        out.append(_ris_line("AB", item["abstract"]))
    out.append("ER  - \r\n")
    return "".join(out)


def ris(doc: ExportDocument) -> str:
    return "\r\n".join(ris_entry(csl_item(a), accessed_date(a.imported_at)) for a in doc.articles)


def write_ris(doc: ExportDocument, fh: BinaryIO) -> None:
    fh.write(ris(doc).encode("utf-8"))
