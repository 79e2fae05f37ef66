"""Extraction quality benchmark: trafilatura alone vs. Clipper's saved-page pipeline.

    .venv/bin/python benchmarks/extraction_bench.py [--pages N] [--tune] [--write DIR]

Pages are GENERATED deterministically (fixed seed) from a dozen realistic templates:
news sites with nav bars, cookie banners, share bars, related links, comments,
newsletter boxes, figure captions, bylines; WordPress- and AMP-like layouts; bodies in
<div>s without <p>; headings, blockquotes, lists, tables; English, French, German and
Spanish pages. Each page comes with its ground-truth body text (standfirst + body).

Score: bag of word 4-grams. P = |ours ∩ truth| / |ours|, R = |ours ∩ truth| / |truth|,
F1 their harmonic mean; reported as the mean over pages (macro) and over all 4-grams
(micro), for
  (a) trafilatura.extract(html) with default settings, and
  (b) the text Clipper stores: dek + body from clipper.importers.html.extract_article.
Also prints per-page extraction time (median, p95) and, with --tune, the same scores
for other trafilatura settings.
"""
from __future__ import annotations

import argparse
import html as htmllib
import random
import re
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SEED = 20240314

# ------------------------------------------------------------------- text generation

VOCAB = {
    "en": {
        "subj": ["The city council", "The health minister", "Local fishermen", "The regional transport authority",
                 "A group of residents", "The central bank", "Union leaders", "The school board", "Police officers",
                 "The harbour master", "Farmers in the valley", "The opposition party", "Hospital managers",
                 "The weather service", "Shop owners on the high street", "The university"],
        "verb": ["approved", "rejected", "questioned", "announced", "delayed", "defended", "criticised", "welcomed",
                 "reviewed", "postponed", "published", "challenged", "funded", "cancelled", "expanded"],
        "obj": ["a plan to rebuild the old bridge", "the budget for the coming year", "new rules on night work",
                "a report on flooding along the river", "the closure of two rural clinics",
                "a proposal to raise parking fees", "the timetable for the new tram line",
                "a study of air quality near schools", "the sale of the former railway yard",
                "plans for a wind farm off the coast", "the merger of three local colleges",
                "an inquiry into the water supply"],
        "tail": ["on Tuesday", "after a long debate", "despite strong protests", "earlier this week",
                 "in a statement released late on Monday", "following months of negotiations",
                 "at a crowded public meeting", "according to documents seen by reporters",
                 "for the second time this year", "without giving a reason"],
        "quote": ["We have listened to every concern and this is the fairest solution",
                  "Nobody asked the people who actually live here",
                  "The numbers simply do not add up",
                  "This is a good day for the whole region",
                  "We will keep fighting until the decision is reversed"],
        "said": "said", "heads": ["What happens next", "Background", "Reaction", "The cost", "A long dispute"],
    },
    "fr": {
        "subj": ["Le conseil municipal", "La ministre de la santé", "Les pêcheurs du port", "La région",
                 "Un collectif d'habitants", "La banque centrale", "Les syndicats", "Le préfet",
                 "Les agriculteurs de la vallée", "L'opposition", "La direction de l'hôpital", "Météo-France"],
        "verb": ["a approuvé", "a rejeté", "a contesté", "a annoncé", "a reporté", "a défendu", "a critiqué",
                 "a salué", "a examiné", "a publié", "a financé", "a annulé"],
        "obj": ["un projet de reconstruction du vieux pont", "le budget de l'année prochaine",
                "de nouvelles règles sur le travail de nuit", "un rapport sur les inondations",
                "la fermeture de deux cliniques rurales", "une hausse des tarifs de stationnement",
                "le calendrier de la nouvelle ligne de tramway", "une étude sur la qualité de l'air",
                "la vente de l'ancienne gare de marchandises", "un parc éolien au large des côtes"],
        "tail": ["mardi", "après un long débat", "malgré de vives protestations", "en début de semaine",
                 "dans un communiqué publié lundi soir", "après des mois de négociations",
                 "lors d'une réunion publique", "selon des documents consultés par la presse"],
        "quote": ["Nous avons écouté toutes les inquiétudes", "Personne n'a demandé l'avis des habitants",
                  "Les chiffres ne tiennent pas", "C'est une bonne journée pour toute la région"],
        "said": "a déclaré", "heads": ["Et maintenant", "Contexte", "Réactions", "Le coût"],
    },
    "de": {
        "subj": ["Der Stadtrat", "Die Gesundheitsministerin", "Die Fischer im Hafen", "Der Verkehrsverbund",
                 "Eine Bürgerinitiative", "Die Zentralbank", "Die Gewerkschaften", "Der Landrat",
                 "Die Landwirte im Tal", "Die Opposition", "Die Klinikleitung", "Der Wetterdienst"],
        "verb": ["hat gebilligt", "hat abgelehnt", "hat infrage gestellt", "hat angekündigt", "hat verschoben",
                 "hat verteidigt", "hat kritisiert", "hat begrüßt", "hat geprüft", "hat veröffentlicht"],
        "obj": ["einen Plan zum Neubau der alten Brücke", "den Haushalt für das kommende Jahr",
                "neue Regeln für die Nachtarbeit", "einen Bericht über Hochwasser am Fluss",
                "die Schließung von zwei Landkliniken", "höhere Parkgebühren in der Innenstadt",
                "den Zeitplan für die neue Straßenbahnlinie", "eine Studie zur Luftqualität an Schulen",
                "den Verkauf des alten Güterbahnhofs", "einen Windpark vor der Küste"],
        "tail": ["am Dienstag", "nach langer Debatte", "trotz heftiger Proteste", "Anfang der Woche",
                 "in einer Mitteilung vom Montagabend", "nach monatelangen Verhandlungen",
                 "bei einer öffentlichen Sitzung", "wie aus Unterlagen hervorgeht"],
        "quote": ["Wir haben alle Bedenken ernst genommen", "Niemand hat die Anwohner gefragt",
                  "Die Zahlen gehen einfach nicht auf", "Das ist ein guter Tag für die ganze Region"],
        "said": "sagte", "heads": ["Wie es weitergeht", "Hintergrund", "Reaktionen", "Die Kosten"],
    },
    "es": {
        "subj": ["El ayuntamiento", "La ministra de Sanidad", "Los pescadores del puerto", "El gobierno regional",
                 "Un grupo de vecinos", "El banco central", "Los sindicatos", "La dirección del hospital",
                 "Los agricultores del valle", "La oposición", "El servicio meteorológico"],
        "verb": ["aprobó", "rechazó", "cuestionó", "anunció", "aplazó", "defendió", "criticó", "celebró",
                 "revisó", "publicó", "financió", "canceló"],
        "obj": ["un plan para reconstruir el viejo puente", "el presupuesto del próximo año",
                "nuevas normas sobre el trabajo nocturno", "un informe sobre las inundaciones",
                "el cierre de dos centros de salud rurales", "una subida de las tarifas de aparcamiento",
                "el calendario de la nueva línea de tranvía", "un estudio sobre la calidad del aire",
                "la venta de la antigua estación de mercancías", "un parque eólico frente a la costa"],
        "tail": ["el martes", "tras un largo debate", "pese a las protestas", "a principios de semana",
                 "en un comunicado difundido el lunes", "tras meses de negociaciones",
                 "en una reunión pública", "según documentos consultados por la prensa"],
        "quote": ["Hemos escuchado todas las preocupaciones", "Nadie preguntó a los vecinos",
                  "Las cuentas no salen", "Es un buen día para toda la región"],
        "said": "dijo", "heads": ["Qué pasará ahora", "Contexto", "Reacciones", "El coste"],
    },
}

VOCAB["ru"] = {
    "subj": ["Городской совет", "Министр здравоохранения", "Местные рыбаки", "Транспортное управление",
             "Группа жителей", "Центральный банк", "Профсоюзы", "Школьный совет", "Фермеры долины"],
    "verb": ["одобрил", "отклонил", "поставил под сомнение", "объявил", "отложил", "защитил", "раскритиковал",
             "опубликовал", "профинансировал"],
    "obj": ["план восстановления старого моста", "бюджет на следующий год", "новые правила ночной работы",
            "доклад о наводнениях на реке", "закрытие двух сельских больниц", "повышение платы за парковку",
            "расписание новой трамвайной линии", "исследование качества воздуха у школ"],
    "tail": ["во вторник", "после долгих споров", "несмотря на протесты", "в начале недели",
             "в заявлении в понедельник вечером", "после месяцев переговоров", "на открытом собрании"],
    "quote": ["Мы выслушали все опасения", "Никто не спросил жителей", "Цифры просто не сходятся"],
    "said": "сказал", "heads": ["Что дальше", "Предыстория", "Реакция", "Стоимость"],
}

NAMES = ["Alice Marsh", "Tom Reed", "Priya Shah", "Jonas Weber", "Claire Dubois", "Marta López", "Sam Okafor",
         "Elena Rossi", "Hugo Martin", "Nina Petrova", "Owen Hughes", "Lea Schmidt"]
PEOPLE = ["Maria Keller", "John Evans", "Sophie Laurent", "Diego Ruiz", "Anna Novak", "Peter Hall", "Ines Costa"]
OUTLETS = ["The Daily Ledger", "Coast Herald", "Valley Times", "Le Courrier du Port", "Nordkurier Beispiel",
           "El Diario del Puerto", "Metro Observer", "The Evening Post"]
JUNK_WORDS = ("subscribe newsletter trending popular sponsored advertisement cookie privacy settings login account "
              "share tweet email print comments reply recommended watch video podcast weather sport business "
              "opinion culture travel markets").split()


@dataclass
class Page:
    name: str
    template: str
    lang: str
    html: str
    truth: str  # standfirst + body paragraphs, "\n\n" between
    data: bytes = b""  # the page as bytes when decoding is part of the test (edge pages)


class Writer:
    def __init__(self, rng: random.Random, lang: str):
        self.rng = rng
        self.v = VOCAB[lang]
        self.lang = lang

    def sentence(self) -> str:
        r, v = self.rng, self.v
        s = f"{r.choice(v['subj'])} {r.choice(v['verb'])} {r.choice(v['obj'])} {r.choice(v['tail'])}"
        if r.random() < 0.4:
            s += f", {r.choice(v['tail'])}"
        n = r.randint(2, 95)
        if r.random() < 0.3:
            s += f" ({n} {'percent' if self.lang == 'en' else '%'})"
        return s + "."

    def paragraph(self, lo=2, hi=4) -> str:
        if self.rng.random() < 0.2:
            return f"\u201c{self.rng.choice(self.v['quote'])},\u201d {self.rng.choice(PEOPLE)} {self.v['said']}."
        return " ".join(self.sentence() for _ in range(self.rng.randint(lo, hi)))

    def junk(self, n=6) -> str:
        return " ".join(self.rng.choice(JUNK_WORDS) for _ in range(n)).capitalize()

    def title(self) -> str:
        s = self.sentence().rstrip(".")
        return s[:1].upper() + s[1:90]


def esc(text: str) -> str:
    return htmllib.escape(text, quote=True)


# ------------------------------------------------------------------------ templates
# Each returns (html, truth_blocks). Truth blocks: standfirst (when shown on the page)
# and the body: paragraphs, subheadings, quotes, list items, table rows.

def body_blocks(w: Writer, rich: bool) -> list[tuple[str, str]]:
    """(kind, text) blocks of an article body."""
    r = w.rng
    blocks = [("p", w.paragraph()) for _ in range(r.randint(4, 9))]
    if rich:
        pos = r.randint(2, len(blocks))
        blocks.insert(pos, ("h2", r.choice(w.v["heads"])))
        if r.random() < 0.6:
            blocks.insert(r.randint(1, len(blocks)), ("blockquote", w.sentence()))
        if r.random() < 0.5:
            blocks.insert(r.randint(1, len(blocks)), ("ul", [w.sentence() for _ in range(r.randint(2, 4))]))
        if r.random() < 0.35:
            rows = [[r.choice(w.v["obj"])[:30], str(r.randint(10, 999)), str(r.randint(1, 99))] for _ in range(r.randint(2, 4))]
            blocks.insert(r.randint(1, len(blocks)), ("table", rows))
    return blocks


def render_blocks(blocks, div_only=False) -> tuple[str, list[str]]:
    html, truth = [], []
    for kind, value in blocks:
        if kind == "p":
            html.append(f"<div class='text'>{esc(value)}</div><br>" if div_only else f"<p>{esc(value)}</p>")
            truth.append(value)
        elif kind == "h2":
            html.append(f"<h2>{esc(value)}</h2>")
            truth.append(value)
        elif kind == "blockquote":
            html.append(f"<blockquote><p>{esc(value)}</p></blockquote>")
            truth.append(value)
        elif kind == "ul":
            html.append("<ul>" + "".join(f"<li>{esc(x)}</li>" for x in value) + "</ul>")
            truth.extend(value)
        elif kind == "table":
            html.append("<table><tbody>" + "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in value) + "</tbody></table>")
            truth.extend(" ".join(row) for row in value)
    return "\n".join(html), truth


def head(w: Writer, title, outlet, dek, author, date, url, extra="") -> str:
    desc = f"<meta name='description' content='{esc(dek)}'>" if dek else ""
    return (
        f"<head><meta charset='utf-8'><title>{esc(title)} | {esc(outlet)}</title>{desc}"
        f"<meta property='og:title' content='{esc(title)}'><meta property='og:site_name' content='{esc(outlet)}'>"
        f"<meta property='og:url' content='{url}?utm_source=share'><link rel='canonical' href='{url}'>"
        f"<meta property='article:published_time' content='{date}T08:15:00Z'><meta name='author' content='{esc(author)}'>"
        "<script>var analytics = {track: function(){ return 'tracking-code-here'; }};</script>"
        f"<style>body{{font-family:serif}}</style>{extra}</head>"
    )


def nav(w: Writer) -> str:
    items = "".join(f"<li><a href='/{x}'>{x.title()}</a></li>" for x in w.rng.sample(JUNK_WORDS, 7))
    return f"<header class='site-header'><div class='logo'>Logo</div><nav class='main-nav'><ul>{items}</ul></nav></header>"


def cookie(w: Writer) -> str:
    return ("<div id='cookie-consent' class='cookie-banner'><p>We use cookies and similar technologies to personalise "
            "content and ads and to analyse our traffic.</p><button>Accept all</button><button>Reject</button></div>")


def share(w: Writer) -> str:
    return ("<div class='share-bar social'><a href='#'>Facebook</a><a href='#'>Twitter</a><a href='#'>WhatsApp</a>"
            "<a href='#'>Email</a><a href='#'>Copy link</a></div>")


def related(w: Writer) -> str:
    links = "".join(f"<li><a href='/r/{i}'>{esc(w.title())}</a></li>" for i in range(w.rng.randint(3, 6)))
    return f"<aside class='related-articles'><h3>Related stories</h3><ul>{links}</ul></aside>"


def comments(w: Writer) -> str:
    items = "".join(
        f"<li class='comment'><div class='comment-author'>{w.rng.choice(PEOPLE)}</div><div class='comment-body'><p>{esc(w.sentence())}</p></div></li>"
        for _ in range(w.rng.randint(2, 5))
    )
    return f"<section id='comments' class='comments-area'><h3>{w.rng.randint(2, 40)} comments</h3><ol class='comment-list'>{items}</ol></section>"


def newsletter(w: Writer) -> str:
    return ("<div class='newsletter-signup'><h4>Get our morning briefing</h4><p>The day's top stories, straight to "
            "your inbox every weekday.</p><form><input type='email' placeholder='Your email'><button>Sign up</button></form></div>")


def figure(w: Writer) -> str:
    return f"<figure><img src='/img/{w.rng.randint(1, 999)}.jpg' alt=''><figcaption>{esc(w.sentence())} Photo: {w.rng.choice(NAMES)}</figcaption></figure>"


def footer(w: Writer, outlet) -> str:
    links = " ".join(f"<a href='/{x}'>{x.title()}</a>" for x in ["about", "contact", "privacy", "terms", "advertise", "careers"])
    return f"<footer class='site-footer'><p>&copy; 2024 {esc(outlet)}. All rights reserved.</p><div>{links}</div></footer>"


def insert_inline(html_blocks: str, snippet: str, rng) -> str:
    parts = html_blocks.split("\n")
    parts.insert(rng.randint(1, max(1, len(parts) - 1)), snippet)
    return "\n".join(parts)


def meta_common(w: Writer):
    r = w.rng
    title = w.title()
    outlet = r.choice(OUTLETS)
    dek = w.sentence()
    author = r.choice(NAMES)
    date = f"2024-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}"
    url = f"https://www.{re.sub(r'[^a-z]', '', outlet.lower())[:14]}.example/news/{r.randint(1000, 9999)}"
    return title, outlet, dek, author, date, url


def t_classic(w: Writer):
    r = w.rng
    title, outlet, dek, author, date, url = meta_common(w)
    body_html, truth = render_blocks(body_blocks(w, rich=True))
    if r.random() < 0.7:
        body_html = insert_inline(body_html, figure(w), r)
    if r.random() < 0.5:
        body_html = insert_inline(body_html, newsletter(w), r)
    html = (
        f"<!DOCTYPE html><html lang='{w.lang}'>{head(w, title, outlet, dek, author, date, url)}<body>{cookie(w)}{nav(w)}"
        f"<main><article class='story'><header><h1 class='headline'>{esc(title)}</h1><p class='standfirst'>{esc(dek)}</p>"
        f"<div class='byline'>By <a rel='author' href='/a'>{esc(author)}</a> · <time datetime='{date}'>{date}</time></div></header>"
        f"{share(w)}<div class='article-body'>{body_html}</div>{share(w)}</article>{related(w)}{comments(w)}</main>{footer(w, outlet)}</body></html>"
    )
    return html, [dek] + truth


def t_wordpress(w: Writer):
    r = w.rng
    title, outlet, dek, author, date, url = meta_common(w)
    body_html, truth = render_blocks(body_blocks(w, rich=True))
    widgets = "".join(f"<section class='widget'><h2 class='widget-title'>{x.title()}</h2><ul><li><a href='#'>{esc(w.title())}</a></li><li><a href='#'>{esc(w.title())}</a></li></ul></section>" for x in r.sample(JUNK_WORDS, 3))
    html = (
        f"<!DOCTYPE html><html lang='{w.lang}'>{head(w, title, outlet, '', author, date, url)}<body class='single-post'>"
        f"<div id='page' class='site'>{nav(w)}<div id='content' class='site-content'><div id='primary' class='content-area'><main id='main'>"
        f"<article class='post type-post status-publish'><header class='entry-header'><h1 class='entry-title'>{esc(title)}</h1>"
        f"<div class='entry-meta'><span class='posted-on'>Posted on <time class='entry-date published' datetime='{date}T10:00:00+00:00'>{date}</time></span>"
        f" <span class='byline'>by <span class='author vcard'><a class='url fn n' href='/author'>{esc(author)}</a></span></span></div></header>"
        f"<div class='entry-content'>{body_html}"
        "<div class='sharedaddy sd-sharing-enabled'><h3 class='sd-title'>Share this:</h3><ul><li>Twitter</li><li>Facebook</li></ul></div>"
        f"<div id='jp-relatedposts' class='jp-relatedposts'><h3>Related</h3><p>{esc(w.title())}</p></div></div>"
        f"<footer class='entry-footer'><span class='cat-links'>Posted in <a href='#'>News</a></span> <span class='tags-links'>Tagged <a href='#'>{r.choice(JUNK_WORDS)}</a></span></footer></article>"
        f"<nav class='post-navigation'><a rel='prev' href='#'>Previous: {esc(w.title())}</a> <a rel='next' href='#'>Next: {esc(w.title())}</a></nav>"
        f"{comments(w)}</main></div><aside id='secondary' class='widget-area'>{widgets}</aside></div>{footer(w, outlet)}</div></body></html>"
    )
    return html, truth


def t_amp(w: Writer):
    r = w.rng
    title, outlet, dek, author, date, url = meta_common(w)
    body_html, truth = render_blocks(body_blocks(w, rich=False))
    body_html = insert_inline(body_html, "<amp-ad width='300' height='250' type='doubleclick' data-slot='/123/news'><div placeholder>Advertisement</div></amp-ad>", r)
    body_html = insert_inline(body_html, f"<amp-img src='/i.jpg' width='600' height='400' layout='responsive' alt='{esc(w.sentence())}'></amp-img>", r)
    html = (
        f"<!doctype html><html amp lang='{w.lang}'>{head(w, title, outlet, dek, author, date, url, extra='<style amp-boilerplate>body{visibility:hidden}</style>')}<body>"
        f"<amp-sidebar id='sidebar' layout='nodisplay'><ul><li>Home</li><li>News</li><li>Sport</li><li>Opinion</li></ul></amp-sidebar>"
        f"<header class='amp-header'><a href='/'>{esc(outlet)}</a></header><article class='amp-article'>"
        f"<h1>{esc(title)}</h1><p class='amp-dek'>{esc(dek)}</p><div class='amp-byline'>{esc(author)}</div>"
        f"<amp-social-share type='twitter'></amp-social-share><amp-social-share type='facebook'></amp-social-share>"
        f"<div class='amp-body'>{body_html}</div></article>"
        f"<div class='amp-related'><h3>More from {esc(outlet)}</h3><ul>" + "".join(f"<li><a href='#'>{esc(w.title())}</a></li>" for _ in range(4)) + "</ul></div>"
        f"{footer(w, outlet)}</body></html>"
    )
    return html, [dek] + truth


def t_divs(w: Writer):
    """Body in <div>s and <br>s, no <p> at all (old CMS)."""
    r = w.rng
    title, outlet, dek, author, date, url = meta_common(w)
    paras = [w.paragraph() for _ in range(r.randint(4, 8))]
    body = "<br><br>\n".join(esc(p) for p in paras)
    html = (
        f"<html lang='{w.lang}'>{head(w, title, outlet, '', author, date, url)}<body>"
        f"<table width='100%'><tr><td class='menu'>" + " | ".join(f"<a href='#'>{x}</a>" for x in r.sample(JUNK_WORDS, 6)) + "</td></tr></table>"
        f"<div id='container'><div class='headline'><b>{esc(title)}</b></div><div class='meta'>{esc(author)} - {date}</div>"
        f"<div class='storytext'>{body}</div>"
        f"<div class='ad'>Advertisement</div><div class='more'>More news: " + ", ".join(esc(w.title()) for _ in range(3)) + "</div></div>"
        f"{footer(w, outlet)}</body></html>"
    )
    return html, paras


def t_wire(w: Writer):
    """Wire story with dateline, sign-off and agency credits."""
    r = w.rng
    title, outlet, dek, _author, date, url = meta_common(w)
    agency = r.choice(["Reuters", "AFP", "AP"])
    city = r.choice(["LONDON", "PARIS", "MADRID", "BERLIN", "LISBON", "ROME"])
    blocks = body_blocks(w, rich=True)
    first = blocks[0][1] if blocks[0][0] == "p" else w.paragraph()
    dateline = f"{city} ({agency}) - {first}"
    blocks[0] = ("p", dateline)
    body_html, truth = render_blocks(blocks)
    signoff = f"(Reporting by {r.choice(NAMES)}; Editing by {r.choice(NAMES)})" if agency == "Reuters" else ""
    if signoff:
        body_html += f"<p>{esc(signoff)}</p>"
        truth.append(signoff)
    html = (
        f"<!DOCTYPE html><html lang='{w.lang}'>{head(w, title, outlet, dek, agency, date, url)}<body>{nav(w)}{cookie(w)}"
        f"<div class='article-wrap'><h1>{esc(title)}</h1><div class='byline'>By {agency} staff</div>"
        f"{share(w)}<div class='article-text'>{body_html}</div>"
        f"<div class='trust'>Our Standards: The Thomson Trust Principles.</div></div>{related(w)}{footer(w, outlet)}</body></html>"
    )
    return html, truth


def t_blog(w: Writer):
    r = w.rng
    title, outlet, dek, author, date, url = meta_common(w)
    blocks = body_blocks(w, rich=True)
    blocks.insert(2, ("ul", [w.sentence() for _ in range(3)]))
    blocks.insert(4, ("h2", r.choice(w.v["heads"])))
    body_html, truth = render_blocks(blocks)
    html = (
        f"<!DOCTYPE html><html lang='{w.lang}'>{head(w, title, outlet, dek, author, date, url)}<body>{nav(w)}"
        f"<div class='container'><div class='row'><div class='col-main'><article><h1>{esc(title)}</h1>"
        f"<p class='lead'>{esc(dek)}</p><p class='meta'>{esc(author)} · {date} · 4 min read</p>{body_html}"
        f"<div class='author-bio'><h4>About the author</h4><p>{esc(author)} writes about {esc(r.choice(w.v['obj']))}.</p></div>"
        f"</article>{newsletter(w)}{comments(w)}</div><div class='col-side'>{related(w)}<div class='trending'><h3>Trending</h3><ol>"
        + "".join(f"<li>{esc(w.title())}</li>" for _ in range(5)) + f"</ol></div></div></div></div>{footer(w, outlet)}</body></html>"
    )
    return html, [dek] + truth


def t_magazine(w: Writer):
    """Long read with several subheads, pull-out boxes and a 'Read more' inline teaser."""
    r = w.rng
    title, outlet, dek, author, date, url = meta_common(w)
    blocks = []
    for _ in range(r.randint(3, 4)):
        blocks.append(("h2", r.choice(w.v["heads"])))
        blocks.extend(("p", w.paragraph(3, 5)) for _ in range(r.randint(2, 3)))
    body_html, truth = render_blocks(blocks)
    body_html = insert_inline(body_html, f"<div class='read-more-inline'><span>Read more:</span> <a href='#'>{esc(w.title())}</a></div>", r)
    body_html = insert_inline(body_html, "<div class='ad-slot'><span>Advertisement</span></div>", r)
    html = (
        f"<!DOCTYPE html><html lang='{w.lang}'>{head(w, title, outlet, dek, author, date, url)}<body>{cookie(w)}{nav(w)}"
        f"<div class='hero'>{figure(w)}<h1>{esc(title)}</h1><h2 class='dek'>{esc(dek)}</h2></div>"
        f"<div class='byline-block'><span class='by'>Words by {esc(author)}</span><span class='date'>{date}</span></div>"
        f"<section class='article-content'>{body_html}</section>{share(w)}{related(w)}{footer(w, outlet)}</body></html>"
    )
    return html, [dek] + truth


def t_sections(w: Writer):
    """Modern layout: body split over several <section>/<div data-component> blocks, paywall note."""
    r = w.rng
    title, outlet, dek, author, date, url = meta_common(w)
    paras = [w.paragraph() for _ in range(r.randint(5, 9))]
    chunks = []
    for i, p in enumerate(paras):
        chunks.append(f"<div data-component='text-block'><p>{esc(p)}</p></div>")
        if i == 2:
            chunks.append(f"<div data-component='links-block'><ul><li><a href='#'>{esc(w.title())}</a></li><li><a href='#'>{esc(w.title())}</a></li></ul></div>")
    html = (
        f"<!DOCTYPE html><html lang='{w.lang}'>{head(w, title, outlet, dek, author, date, url)}<body>{nav(w)}"
        f"<main id='main-content'><article><header><h1 id='main-heading'>{esc(title)}</h1></header>"
        f"<div data-component='byline-block'><span>By {esc(author)}</span><span>{outlet}</span></div>"
        f"<div data-component='image-block'>{figure(w)}</div>{''.join(chunks)}"
        f"<div data-component='tag-list'><ul>" + "".join(f"<li><a href='#'>{x}</a></li>" for x in r.sample(JUNK_WORDS, 4)) + "</ul></div>"
        "</article><section class='more-on-this'><h2>More on this story</h2><ul>" + "".join(f"<li><a href='#'>{esc(w.title())}</a></li>" for _ in range(3)) + "</ul></section>"
        f"</main>{footer(w, outlet)}</body></html>"
    )
    return html, paras


TEMPLATES = {
    "classic": t_classic, "wordpress": t_wordpress, "amp": t_amp, "divs": t_divs, "wire": t_wire,
    "blog": t_blog, "magazine": t_magazine, "sections": t_sections,
}
LANGS = ["en", "en", "en", "fr", "de", "es"]


# ----------------------------------------------------------------- edge pages
# Built to show what real collections showed (issue 16): 1 mojibake, 2 the standfirst
# twice, 9 bodies in <noscript> / behind <object>, 10 a page whose only paragraph is its
# description, 11 a description with related teasers. Each returns (html, truth, data):
# ``data`` is the page's bytes when decoding is part of what is tested.

def _plain_page(w: Writer, body_html: str, *, dek_meta: str = "", shown_dek: str = "", charset: str = "utf-8",
                head_extra: str = "", title: str | None = None) -> str:
    title = title or w.title()
    meta = f"<meta name='description' content='{esc(dek_meta)}'>" if dek_meta else ""
    cs = f"<meta charset='{charset}'>" if charset else ""
    standfirst = f"<p class='standfirst'>{esc(shown_dek)}</p>" if shown_dek else ""
    return (f"<!DOCTYPE html><html lang='{w.lang}'><head>{cs}<title>{esc(title)}</title>{meta}{head_extra}</head>"
            f"<body>{nav(w)}<main><article><h1>{esc(title)}</h1>{standfirst}"
            f"<div class='byline'>By {esc(w.rng.choice(NAMES))}</div><div class='article-body'>{body_html}</div>"
            f"</article>{related(w)}</main>{footer(w, w.rng.choice(OUTLETS))}</body></html>")


def _paras(w: Writer, lo: int = 4, hi: int = 7) -> list[str]:
    out: list[str] = []
    for _ in range(w.rng.randint(lo, hi)):
        para = w.paragraph()
        while para in out:
            para = w.paragraph()
        out.append(para)
    return out


def _as_browser_read_it(text: str) -> str:
    """UTF-8 text read as windows-1252 the way browsers do (bytes 0x81, 0x8D ... that
    windows-1252 leaves undefined become the C1 controls U+0081 ...): mojibake."""
    return "".join(chr(b) if 0x80 <= b <= 0x9F and bytes([b]).decode("cp1252", "replace") == "\ufffd"
                   else bytes([b]).decode("cp1252") for b in text.encode("utf-8"))


def _fits(text: str, codec: str) -> str:
    """``text`` as it survives ``codec`` (a curly quote KOI8-R lacks becomes "?")."""
    return text.encode(codec, errors="replace").decode(codec)


def e_utf8_bad_byte(w: Writer):
    """Item 1: a page declaring UTF-8 with one invalid byte."""
    paras = _paras(w)
    html = _plain_page(w, "".join(f"<p>{esc(p)}</p>" for p in paras))
    data = html.encode("utf-8")
    at = data.index(esc(paras[1]).encode("utf-8")) + 10
    return html, paras, data[:at] + b"\xff" + data[at:]


def e_legacy_undeclared(w: Writer):
    """Item 1: legacy encoding, nothing declared (KOI8-R / windows-1251 / windows-1252)."""
    paras = _paras(w)
    html = _plain_page(w, "".join(f"<p>{esc(p)}</p>" for p in paras), charset="")
    codec = {"ru": w.rng.choice(["koi8-r", "cp1251"])}.get(w.lang, "cp1252")
    return html, [_fits(p, codec) for p in paras], html.encode(codec, errors="replace")


def e_wrong_declaration(w: Writer):
    """Item 1: declares UTF-8, holds windows-1252 (or KOI8-R) bytes."""
    paras = _paras(w)
    html = _plain_page(w, "".join(f"<p>{esc(p)}</p>" for p in paras))
    codec = "koi8-r" if w.lang == "ru" else "cp1252"
    return html, [_fits(p, codec) for p in paras], html.encode(codec, errors="replace")


def e_source_mojibake(w: Writer):
    """Item 1: the page itself holds mojibake (UTF-8 once read as windows-1252)."""
    paras = _paras(w)
    garbled = [_as_browser_read_it(p) for p in paras]
    html = _plain_page(w, "".join(f"<p>{esc(p)}</p>" for p in garbled))
    return html, paras, html.encode("utf-8")


def e_dek_is_lead(w: Writer):
    """Item 2: the description is the lead paragraph, shown as standfirst and lead."""
    paras = _paras(w)
    html = _plain_page(w, "".join(f"<p>{esc(p)}</p>" for p in paras), dek_meta=paras[0], shown_dek=paras[0])
    return html, paras, b""


def e_dek_in_lead(w: Writer):
    """Item 2: the description is the lead paragraph's first sentence."""
    paras = _paras(w)
    lead = paras[0] if paras[0].count(".") > 1 else paras[0] + " " + w.sentence()
    paras[0] = lead
    first = lead.split(". ")[0] + "."
    html = _plain_page(w, "".join(f"<p>{esc(p)}</p>" for p in paras), dek_meta=first)
    return html, paras, b""


def e_dek_truncated(w: Writer):
    """Item 2: the description is the lead cut short with an ellipsis."""
    paras = _paras(w)
    html = _plain_page(w, "".join(f"<p>{esc(p)}</p>" for p in paras), dek_meta=paras[0][:110].rsplit(" ", 1)[0] + "\u2026")
    return html, paras, b""


def e_noscript(w: Writer):
    """Item 9: the whole post lives in <noscript> (a blog platform's app shell)."""
    paras = _paras(w)
    title = w.title()
    html = (f"<!DOCTYPE html><html lang='{w.lang}'><head><meta charset='utf-8'><title>{esc(title)}</title>"
            "<script src='/app.js'></script></head><body><div id='root'></div>"
            "<noscript><p>This site works best with JavaScript enabled.</p></noscript>"
            f"<noscript><article><h1>{esc(title)}</h1>" + "".join(f"<p>{esc(p)}</p>" for p in paras)
            + "</article></noscript><script>boot({posts: []});</script></body></html>")
    return html, paras, b""


def e_outdated_banner(w: Writer):
    """Item 9: an <object> with an "outdated browser" fallback before the article."""
    paras = _paras(w)
    banner = ("<div class='browser-warning'><object data='/check.swf' type='application/x-shockwave-flash'>"
              "<p>Your browser is out of date. Please update your browser to see this website correctly.</p>"
              "</object></div>")
    html = _plain_page(w, "".join(f"<p>{esc(p)}</p>" for p in paras), head_extra="<script>var legacy = true;</script>")
    html = html.replace("<main>", "<main>" + banner, 1)
    return html, paras, b""


def e_only_paragraph(w: Writer):
    """Item 10: the page's only paragraph is also its description."""
    para = " ".join(w.sentence() for _ in range(3))
    html = _plain_page(w, f"<p>{esc(para)}</p>", dek_meta=para)
    return html, [para], b""


def e_dek_teasers(w: Writer):
    """Item 11: the description carries related-article teasers after the standfirst."""
    paras = _paras(w)
    dek = w.sentence()
    teasers = " | ".join(w.title() for _ in range(3))
    html = _plain_page(w, "".join(f"<p>{esc(p)}</p>" for p in paras), dek_meta=f"{dek} Read more: {teasers}",
                       shown_dek=dek)
    return html, [dek] + paras, b""


EDGE_TEMPLATES = {
    "utf8-bad-byte": (e_utf8_bad_byte, 1), "legacy-undeclared": (e_legacy_undeclared, 1),
    "wrong-charset": (e_wrong_declaration, 1), "source-mojibake": (e_source_mojibake, 1),
    "dek-is-lead": (e_dek_is_lead, 2), "dek-in-lead": (e_dek_in_lead, 2), "dek-truncated": (e_dek_truncated, 2),
    "noscript-body": (e_noscript, 9), "object-banner": (e_outdated_banner, 9),
    "only-paragraph": (e_only_paragraph, 10), "dek-teasers": (e_dek_teasers, 11),
}
EDGE_LANGS = ["en", "fr", "de", "ru"]


def generate_edge_pages(per_template: int = 4, seed: int = SEED) -> list[Page]:
    pages = []
    for t, (name, (build, _item)) in enumerate(EDGE_TEMPLATES.items()):
        for i in range(per_template):
            lang = EDGE_LANGS[i % len(EDGE_LANGS)]
            rng = random.Random(seed * 7919 + t * 100 + i)
            html, truth, data = build(Writer(rng, lang))
            pages.append(Page(f"edge-{name}-{i}-{lang}", name, lang, html, "\n\n".join(truth), data))
    return pages


def generate_pages(count: int = 48, seed: int = SEED) -> list[Page]:
    pages = []
    names = list(TEMPLATES)
    for i in range(count):
        rng = random.Random(seed * 1000 + i)
        template = names[i % len(names)]
        lang = LANGS[(i // len(names)) % len(LANGS)]
        html, truth = TEMPLATES[template](Writer(rng, lang))
        pages.append(Page(f"{i:03d}-{template}-{lang}", template, lang, html, "\n\n".join(truth)))
    return pages


# ------------------------------------------------------------------------- scoring

def ngrams(text: str, n: int = 4) -> Counter:
    words = re.findall(r"\w+", (text or "").casefold())
    return Counter(tuple(words[i:i + n]) for i in range(len(words) - n + 1))


def score(ours: str, truth: str) -> tuple[float, float, float, int, int, int]:
    a, b = ngrams(ours), ngrams(truth)
    inter = sum((a & b).values())
    na, nb = sum(a.values()), sum(b.values())
    p = inter / na if na else 0.0
    r = inter / nb if nb else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return p, r, f, inter, na, nb


def run_trafilatura(page) -> str:
    import trafilatura

    source = page if isinstance(page, str) else (page.data or page.html)
    return trafilatura.extract(source) or ""


def clipper_draft(page, settings=None):
    """The draft Clipper stores for a page (None when it refuses it)."""
    from clipper.errors import InputError
    from clipper.importers import _checked_items
    from clipper.importers.html import DEFAULT_SETTINGS, extract_article, parse_html_bytes

    settings = settings or DEFAULT_SETTINGS
    try:
        if isinstance(page, str):
            draft = extract_article(page, source="bench", settings=settings)
        elif page.data:
            draft = parse_html_bytes(page.data, source="bench")
        else:
            draft = extract_article(page.html, source="bench", settings=settings)
    except InputError:
        return None
    return _checked_items([draft])[0]  # the mojibake check every import runs


def run_clipper(page, settings=None) -> str:
    draft = clipper_draft(page, settings)
    return "\n\n".join(x for x in (draft.dek, draft.text) if x) if draft is not None else ""


def evaluate(pages, fn) -> dict:
    rows, times = [], []
    for page in pages:
        start = time.perf_counter()
        out = fn(page)
        times.append(time.perf_counter() - start)
        rows.append((page, score(out, page.truth)))
    return {"rows": rows, "times": times}


def _key(text: str) -> str:
    return " ".join(re.findall(r"\w+", (text or "").casefold()))


def quality(pages) -> dict:
    """Share of pages whose dek is repeated in the body, and of pages stored as mojibake,
    for Clipper's stored text and for trafilatura alone (its description vs its text)."""
    import trafilatura

    from clipper.text.encoding import is_mojibake

    out = {"clipper_dek_repeated": [], "clipper_mojibake": [], "clipper_refused": [],
           "traf_dek_repeated": [], "traf_mojibake": []}
    for page in pages:
        draft = clipper_draft(page)
        if draft is None:
            out["clipper_refused"].append(page.name)
        else:
            if draft.dek and _key(draft.dek) and _key(draft.dek) in _key(draft.text):
                out["clipper_dek_repeated"].append(page.name)
            if is_mojibake("\n".join((draft.title, draft.dek, draft.text))):
                out["clipper_mojibake"].append(page.name)
        doc = trafilatura.bare_extraction(page.data or page.html, with_metadata=True)
        text = (doc.text or "") if doc is not None else ""
        desc = (doc.description or "") if doc is not None else ""
        if desc and _key(desc) and _key(desc) in _key(text):
            out["traf_dek_repeated"].append(page.name)
        if is_mojibake(text):
            out["traf_mojibake"].append(page.name)
    return out


def summary(result, template: str | None = None) -> tuple[float, float, float, float]:
    rows = [s for p, s in result["rows"] if template is None or p.template == template]
    macro_p = statistics.mean(s[0] for s in rows)
    macro_r = statistics.mean(s[1] for s in rows)
    macro_f = statistics.mean(s[2] for s in rows)
    inter, na, nb = (sum(s[i] for s in rows) for i in (3, 4, 5))
    mp, mr = inter / na if na else 0, inter / nb if nb else 0
    micro_f = 2 * mp * mr / (mp + mr) if mp + mr else 0
    return macro_p, macro_r, macro_f, micro_f


def pct(values, q):
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(q * (len(values) - 1)))))
    return values[k]


def _table(a, b, templates, pages) -> None:
    header = f"{'template':<17} {'n':>3} | {'(a) trafilatura P   R    F1':>28} | {'(b) Clipper P    R    F1':>26} | {'F1 b/a':>6}"
    print(header)
    print("-" * len(header))
    for template in list(templates) + [None]:
        n = sum(1 for p in pages if template is None or p.template == template)
        if not n:
            continue
        sa, sb = summary(a, template), summary(b, template)
        name = template or "ALL"
        if template is None:
            print("-" * len(header))
        ratio = sb[2] / sa[2] if sa[2] else float("nan")
        print(f"{name:<17} {n:>3} | {sa[0]:>14.3f} {sa[1]:.3f} {sa[2]:.3f} | {sb[0]:>12.3f} {sb[1]:.3f} {sb[2]:.3f} | {ratio:>6.3f}")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=48)
    ap.add_argument("--edge", type=int, default=4, metavar="N",
                    help="edge pages per edge template (mojibake, standfirst, noscript ...; 0: none)")
    ap.add_argument("--tune", action="store_true", help="also score other trafilatura settings")
    ap.add_argument("--write", metavar="DIR", help="write the generated pages and truths to DIR")
    ap.add_argument("--worst", type=int, default=0, help="list the N worst pages for Clipper")
    args = ap.parse_args(argv)
    pages = generate_pages(args.pages)
    edge = generate_edge_pages(args.edge) if args.edge > 0 else []
    if args.write:
        out = Path(args.write)
        out.mkdir(parents=True, exist_ok=True)
        for p in pages + edge:
            if p.data:
                (out / f"{p.name}.html").write_bytes(p.data)
            else:
                (out / f"{p.name}.html").write_text(p.html, encoding="utf-8")
            (out / f"{p.name}.truth.txt").write_text(p.truth, encoding="utf-8")
    run_trafilatura(pages[0])  # warm-up (imports, caches) outside the timings
    run_clipper(pages[0])
    a = evaluate(pages, run_trafilatura)
    b = evaluate(pages, run_clipper)
    print(f"Extraction benchmark: {len(pages)} generated pages, {len(TEMPLATES)} templates, languages {sorted(set(LANGS))}")
    print("Scores: bag of word 4-grams; P/R/F1 are means over pages, micro-F1 pools all 4-grams.\n")
    _table(a, b, TEMPLATES, pages)
    sa, sb = summary(a), summary(b)
    print(f"\nmacro F1: (a) {sa[2]:.4f}  (b) {sb[2]:.4f}  ratio (b)/(a) = {sb[2] / sa[2]:.4f}")
    print(f"micro F1: (a) {sa[3]:.4f}  (b) {sb[3]:.4f}  ratio (b)/(a) = {sb[3] / sa[3]:.4f}")
    for label, res in (("(a) trafilatura", a), ("(b) Clipper", b)):
        ms = [t * 1000 for t in res["times"]]
        print(f"time per page {label:<16}: median {statistics.median(ms):6.1f} ms   p95 {pct(ms, 0.95):6.1f} ms")
    ok = sb[2] >= sa[2] - 1e-9
    if edge:
        ea, eb = evaluate(edge, run_trafilatura), evaluate(edge, run_clipper)
        print(f"\nEdge pages (issue 16 items 1, 2, 9-11): {len(edge)} pages, {len(EDGE_TEMPLATES)} templates, "
              f"languages {EDGE_LANGS}\n")
        _table(ea, eb, EDGE_TEMPLATES, edge)
        sea, seb = summary(ea), summary(eb)
        print(f"\nedge macro F1: (a) {sea[2]:.4f}  (b) {seb[2]:.4f}  ratio (b)/(a) = {seb[2] / sea[2]:.4f}")
        q = quality(pages + edge)
        n = len(pages + edge)
        print(f"\nAll {n} pages (regular + edge):")
        print(f"  dek repeated in the body:  Clipper {len(q['clipper_dek_repeated'])}/{n} "
              f"({len(q['clipper_dek_repeated']) / n:.1%}; target 0)   trafilatura's description in its text "
              f"{len(q['traf_dek_repeated'])}/{n} ({len(q['traf_dek_repeated']) / n:.1%})")
        print(f"  mojibake pages:            Clipper {len(q['clipper_mojibake'])}/{n} "
              f"({len(q['clipper_mojibake']) / n:.1%}; target 0)   trafilatura alone "
              f"{len(q['traf_mojibake'])}/{n} ({len(q['traf_mojibake']) / n:.1%})")
        print(f"  refused by Clipper:        {len(q['clipper_refused'])}/{n}")
        for label in ("clipper_dek_repeated", "clipper_mojibake", "clipper_refused"):
            if q[label]:
                print(f"    {label}: {', '.join(q[label][:12])}")
        ok = ok and seb[2] >= sea[2] - 1e-9 and not q["clipper_dek_repeated"] and not q["clipper_mojibake"]
        b = {"rows": b["rows"] + eb["rows"], "times": b["times"] + eb["times"]}
    if args.worst:
        print(f"\nworst {args.worst} pages for Clipper (F1):")
        for page, s in sorted(b["rows"], key=lambda x: x[1][2])[: args.worst]:
            print(f"  {page.name:<32} P {s[0]:.3f} R {s[1]:.3f} F1 {s[2]:.3f}")
    if args.tune:
        from clipper.importers.html import ExtractionSettings

        print("\nTuning (Clipper pipeline, other trafilatura settings):")
        variants = {
            "default (no recall/precision bias)": ExtractionSettings(favor_recall=False),
            "favor_recall": ExtractionSettings(favor_recall=True),
            "favor_precision": ExtractionSettings(favor_recall=False, favor_precision=True),
            "favor_recall, no tables": ExtractionSettings(favor_recall=True, include_tables=False),
            "favor_recall, deduplicate": ExtractionSettings(favor_recall=True, deduplicate=True),
            "favor_recall, with comments": ExtractionSettings(favor_recall=True, include_comments=True),
        }
        for label, settings in variants.items():
            res = evaluate(pages, lambda page, s=settings: run_clipper(page, s))
            s = summary(res)
            print(f"  {label:<38} P {s[0]:.3f}  R {s[1]:.3f}  F1 {s[2]:.3f}  micro-F1 {s[3]:.3f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run from a checkout
    raise SystemExit(main())
