"""HTML briefing for e-mail: one self-contained page, inline styles, nothing remote.

Every style is an inline ``style`` attribute (mail clients drop ``<style>`` blocks and
never load remote CSS); there are no images, scripts, fonts or external links other than
the articles' own URLs as plain ``<a href>``. All user text is escaped; notes are Markdown
rendered through :func:`briefing.markdown_blocks` (raw HTML in a note prints as text).
RTL quotes get ``dir="rtl"`` and their colour bar on the right.
"""
from __future__ import annotations

from html import escape
from typing import BinaryIO

from clipper.export.briefing import (
    BibliographyBlock,
    BriefingDocument,
    BriefingOptions,
    Cover,
    Heading,
    ItemBlock,
    Paragraph,
    PassageBlock,
    SectionBlock,
    Toc,
    briefing_document,
    markdown_blocks,
)
from clipper.export.model import ExportDocument, first_strong_direction

FONT = "font-family:Helvetica,Arial,sans-serif;"
SERIF = "font-family:Georgia,'Times New Roman',serif;"
INK, MUTED = "#1d1d1f", "#5f6368"


def _color(value: str, fallback: str = "#ffd54f") -> str:
    value = (value or "").strip()
    if len(value) in (4, 7) and value.startswith("#") and all(c in "0123456789abcdefABCDEF" for c in value[1:]):
        return value
    return fallback


def _text_on(bg: str) -> str:
    bg = _color(bg)
    if len(bg) == 4:
        bg = "#" + "".join(c * 2 for c in bg[1:])
    r, g, b = (int(bg[i:i + 2], 16) / 255 for i in (1, 3, 5))
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#111111" if lum > 0.5 else "#ffffff"


def _runs(runs) -> str:
    out = []
    for text, italic, bold in runs:
        piece = escape(text)
        if italic:
            piece = f"<i>{piece}</i>"
        if bold:
            piece = f"<b>{piece}</b>"
        out.append(piece)
    return "".join(out)


def markdown_html(source: str, style: str = "") -> str:
    parts = []
    for block in markdown_blocks(source):
        inner = []
        for text, fmt in block.runs:
            piece = escape(text).replace("\n", "<br>")
            if fmt.get("code"):
                piece = f'<code style="font-family:Menlo,Consolas,monospace;font-size:90%;">{piece}</code>'
            if fmt.get("b"):
                piece = f"<b>{piece}</b>"
            if fmt.get("i"):
                piece = f"<i>{piece}</i>"
            if fmt.get("s"):
                piece = f"<s>{piece}</s>"
            if fmt.get("muted"):
                piece = f'<span style="color:{MUTED};">{piece}</span>'
            if fmt.get("href"):
                piece = f'<a href="{escape(fmt["href"], quote=True)}" style="color:#1a56b0;">{piece}</a>'
            inner.append(piece)
        indent = 14 * block.depth
        direction = first_strong_direction("".join(t for t, _ in block.runs))
        text = escape(block.prefix) + "".join(inner)
        if block.kind == "code":
            text = f'<span style="font-family:Menlo,Consolas,monospace;white-space:pre-wrap;">{text}</span>'
        parts.append(f'<div dir="{direction}" style="margin:3px 0;padding-inline-start:{indent}px;{style}">{text}</div>')
    return "".join(parts)


def _chips(chips) -> str:
    out = []
    for tag in chips:
        bg = _color(tag.color)
        out.append(f'<span style="display:inline-block;background:{bg};color:{_text_on(bg)};'
                   f'border-radius:3px;padding:1px 6px;margin:0 4px 2px 0;font-size:11px;'
                   f'font-weight:bold;{FONT}">{escape(tag.name)}</span>')
    return "".join(out)


def _passage(p: PassageBlock) -> str:
    rtl = first_strong_direction(p.quote) == "rtl"
    bar = _color(p.color)
    side = "right" if rtl else "left"
    html = (f'<div style="margin:12px 0 4px 0;">'
            f'<blockquote dir="{"rtl" if rtl else "ltr"}" style="margin:0;padding:6px 10px;'
            f'border-{side}:4px solid {bar};background:#f7f7f5;text-align:{"right" if rtl else "left"};'
            f'{SERIF}font-size:15px;line-height:1.45;color:{INK};">'
            f'{escape(p.quote).replace(chr(10), "<br>")}</blockquote>')
    if p.chips:
        html += f'<div style="margin:4px 0 0 14px;">{_chips(p.chips)}</div>'
    if p.note.strip():
        html += (f'<div style="margin:2px 0 0 14px;{FONT}font-size:13px;color:#33363b;">'
                 f'{markdown_html(p.note)}</div>')
    return html + "</div>"


def _item(item: ItemBlock) -> str:
    parts = ['<div style="margin:18px 0 22px 0;">']
    if item.headline:
        parts.append(f'<h3 dir="auto" style="{SERIF}font-size:18px;margin:0 0 4px 0;color:{INK};">'
                     f'{escape(item.headline)}</h3>')
    if item.meta:
        parts.append(f'<div style="{FONT}font-size:12px;color:{MUTED};">{escape(item.meta)}</div>')
    if item.citation:
        parts.append(f'<div style="{FONT}font-size:12px;color:{MUTED};margin-top:2px;">{_runs(item.citation)}</div>')
    if item.also:
        parts.append(f'<div style="{FONT}font-size:12px;color:#7a4f00;margin-top:2px;">{escape(item.also)}</div>')
    for comment in item.comments:
        parts.append(f'<div style="margin:8px 0;padding:6px 10px;background:#eef3fb;'
                     f'border-left:3px solid #8aa4cf;{FONT}font-size:13px;color:#22324d;">'
                     f'<div style="font-size:10px;font-weight:bold;letter-spacing:1px;color:#5b6f94;">'
                     f'ANALYST COMMENT</div>{markdown_html(comment)}</div>')
    for p in item.passages:
        parts.append(_passage(p))
    for para in item.extra:
        parts.append(f'<p style="{FONT}font-size:13px;">{_runs(para.runs)}</p>')
    parts.append("</div>")
    return "".join(parts)


def render(doc: BriefingDocument) -> str:
    body = []
    sections = doc.sections
    for block in doc.blocks:
        if isinstance(block, Cover):
            body.append(f'<div style="padding:24px 0 16px 0;border-bottom:2px solid {INK};margin-bottom:16px;">'
                        f'<h1 style="{SERIF}font-size:30px;margin:0 0 8px 0;color:{INK};">{escape(block.title)}</h1>')
            if block.subtitle:
                body.append(f'<div style="{FONT}font-size:16px;color:{INK};margin-bottom:6px;">{escape(block.subtitle)}</div>')
            for line in block.lines:
                body.append(f'<div style="{FONT}font-size:13px;color:{MUTED};">{escape(line)}</div>')
            body.append("</div>")
        elif isinstance(block, Toc) and sections:
            body.append(f'<div style="margin:0 0 18px 0;"><h2 style="{FONT}font-size:16px;margin:0 0 6px 0;">'
                        f'{escape(block.title)}</h2><ol style="{FONT}font-size:13px;margin:0;padding-left:22px;">')
            for s in sections:
                body.append(f'<li><a href="#section-{s.number}" style="color:#1a56b0;">{escape(s.title)}</a></li>')
            body.append("</ol></div>")
        elif isinstance(block, SectionBlock):
            color = _color(block.color, "#c9ccd1")
            body.append(f'<h2 id="section-{block.number}" dir="auto" style="{FONT}font-size:22px;margin:28px 0 4px 0;'
                        f'padding-bottom:4px;border-bottom:3px solid {color};color:{INK};">{escape(block.title)}</h2>')
            for child in block.children:
                if isinstance(child, ItemBlock):
                    body.append(_item(child))
                elif isinstance(child, Paragraph):
                    body.append(f'<p style="{FONT}font-size:13px;">{_runs(child.runs)}</p>')
                elif isinstance(child, Heading):
                    body.append(f'<h3 style="{FONT}font-size:16px;">{escape(child.text)}</h3>')
        elif isinstance(block, BibliographyBlock) and block.entries:
            body.append(f'<h2 style="{FONT}font-size:20px;margin:32px 0 8px 0;border-bottom:1px solid #c9ccd1;">'
                        f'{escape(block.title)}</h2>')
            for entry in block.entries:
                body.append(f'<p style="{SERIF}font-size:13px;margin:0 0 8px 0;padding-left:24px;'
                            f'text-indent:-24px;">{_runs(entry)}</p>')
        elif isinstance(block, Heading):
            body.append(f'<h2 style="{FONT}font-size:20px;">{escape(block.text)}</h2>')
        elif isinstance(block, Paragraph):
            body.append(f'<p style="{FONT}font-size:13px;">{_runs(block.runs)}</p>')
        elif isinstance(block, ItemBlock):
            body.append(_item(block))
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
            f"<title>{escape(doc.title)}</title></head>"
            f'<body style="margin:0;padding:0;background:#ffffff;">'
            f'<div style="max-width:720px;margin:0 auto;padding:16px 20px;color:{INK};">'
            + "".join(body) + "</div></body></html>\n")


def write(doc: ExportDocument, fh: BinaryIO, briefing: BriefingOptions | None = None) -> None:
    fh.write(render(briefing_document(doc, briefing)).encode("utf-8"))
