"""What must never leak into a body: reader comments, like and share widgets, trailing reading lists.

Every page here is written for the test (none is a copy of a real page); each kind of leak comes in
more than one language and more than one markup, since the learned model must carry the behaviour,
not a rule for one template.
"""

from __future__ import annotations

import pytest

import newsdesk

ARTICLE_EN = [
    "The county council approved a new budget for the harbour district on Tuesday evening, ending "
    "three months of argument over how much the town should spend on its ageing sea wall.",
    "Under the plan, the wall will be rebuilt in four stages over six years, starting with the stretch "
    "beside the fish market, where storms last winter washed away part of the promenade.",
    "Councillors who opposed the plan said the money would be better spent on housing, but the motion "
    "passed by eleven votes to seven after a debate that lasted well past midnight.",
    "The first contracts are expected to be signed in the spring, and the council said residents would "
    "be consulted before any work begins on the northern section of the wall.",
    "A spokesperson for the harbour traders said the decision was overdue and that several businesses "
    "had already closed because of the damage done by the winter storms.",
]
ARTICLE_DE = [
    "Der Gemeinderat hat am Dienstagabend den neuen Haushalt für das Hafenviertel beschlossen und damit "
    "einen drei Monate langen Streit über die Sanierung der alten Kaimauer beendet.",
    "Nach dem Plan wird die Mauer in vier Abschnitten über sechs Jahre neu gebaut, beginnend mit dem "
    "Stück am Fischmarkt, wo Stürme im vergangenen Winter Teile der Promenade weggespült haben.",
    "Kritiker im Rat sagten, das Geld sei im Wohnungsbau besser angelegt, doch der Antrag wurde nach "
    "einer Debatte, die bis nach Mitternacht dauerte, mit elf zu sieben Stimmen angenommen.",
    "Die ersten Aufträge sollen im Frühjahr vergeben werden; vor Beginn der Arbeiten am nördlichen "
    "Abschnitt will die Stadt die Anwohnerinnen und Anwohner ausführlich anhören.",
]
COMMENTS_DE = [
    "Endlich passiert etwas! Ich wohne seit zwanzig Jahren am Hafen und die Mauer bröckelt schon lange, "
    "das hätte man viel früher angehen müssen, aber besser spät als nie.",
    "Sechs Jahre Bauzeit sind viel zu lang. In anderen Städten schafft man so etwas in der Hälfte der "
    "Zeit, und die Händler am Fischmarkt können nicht so lange warten.",
    "Ich verstehe die Kritiker. Wohnungen fehlen überall, und eine Mauer bringt keinem Menschen ein Dach "
    "über dem Kopf, auch wenn die Promenade natürlich schöner wird.",
    "Wer bezahlt das am Ende? Natürlich wieder die Steuerzahler, während die Planer sich gegenseitig auf "
    "die Schultern klopfen und die Kosten am Ende doppelt so hoch sind.",
    "Die Anhörung der Anwohner ist doch nur Show. Entschieden wird das hinter verschlossenen Türen, wie "
    "immer in dieser Stadt, und danach wundert man sich über die Politikverdrossenheit.",
    "Ich war bei der Sitzung dabei. Die Debatte war sachlich und fair, und ich finde das Ergebnis richtig, "
    "auch wenn ich mir einen schnelleren Zeitplan gewünscht hätte.",
]


def page(head: str, body: str) -> str:
    return f"<!doctype html><html><head><meta charset='utf-8'>{head}</head><body>{body}</body></html>"


NAV = ("<header><nav><ul><li><a href='/'>Home</a></li><li><a href='/local'>Local</a></li>"
       "<li><a href='/sport'>Sport</a></li></ul></nav></header>")


def comment_items(texts: list[str], item: str, who: str) -> str:
    return "".join(
        f"<{item}><div><b>{who} {n}</b> <span>3. Oktober 2024, 10:{n:02d}</span></div><p>{text}</p>"
        f"<div><a href='#r{n}'>Antworten</a> <a href='#m{n}'>Melden</a></div></{item}>"
        for n, text in enumerate(texts, 1))


PARITY = ("even", "odd")


def numbered_items(texts: list[str]) -> str:
    """Comment items as blog software writes them: an id each, classes that alternate and nest."""
    return "".join(
        f"<li id='comment-{4700 + n}' class='comment {PARITY[n % 2]} thread-{PARITY[n % 2]} depth-1'>"
        f"<article id='div-comment-{4700 + n}' class='comment-body'><footer class='comment-meta'>"
        f"<b class='fn'>Leserin {n}</b> <span class='says'>sagt:</span> <time>3. Oktober 2024 um 10:{n:02d} "
        f"Uhr</time></footer><div class='comment-content'><p>{text}</p></div></article></li>"
        for n, text in enumerate(texts, 1))


COMMENT_PAGES = {
    # comments in a plainly named section after the article
    "named": page("<title>Hafen: Rat beschließt Sanierung</title>",
                  NAV + "<main><article><h1>Rat beschließt Sanierung der Kaimauer</h1>"
                  + "".join(f"<p>{p}</p>" for p in ARTICLE_DE) + "</article>"
                  + "<section id='kommentare' class='comments-area'><h2>34 Kommentare</h2><ol>"
                  + comment_items(COMMENTS_DE, "li", "Leser") + "</ol></section></main>"),
    # comments in boxes whose class names say nothing: only their shape and heading give them away
    "unnamed": page("<title>Hafen: Rat beschließt Sanierung</title>",
                    NAV + "<div class='wrap'><div class='c1'><h1>Rat beschließt Sanierung der Kaimauer</h1>"
                    + "".join(f"<p>{p}</p>" for p in ARTICLE_DE) + "</div>"
                    + "<div class='c2'><h3>Leserbeiträge (34)</h3>"
                    + comment_items(COMMENTS_DE, "div", "Nutzer") + "</div></div>"),
    # every item with an id and alternating classes of its own, no reply links
    "numbered": page("<title>Hafen: Rat beschließt Sanierung</title>",
                     NAV + "<main><article><h1>Rat beschließt Sanierung der Kaimauer</h1>"
                     + "".join(f"<p>{p}</p>" for p in ARTICLE_DE) + "</article>"
                     + "<div id='comments' class='page-comments'><h2>6 Kommentare</h2>"
                     + "<ol class='comment-list'>"
                     + numbered_items(COMMENTS_DE) + "</ol></div></main>"),
}


@pytest.mark.parametrize("kind", sorted(COMMENT_PAGES))
def test_reader_comments_are_not_body(kind: str) -> None:
    body = newsdesk.extract(COMMENT_PAGES[kind], url="http://127.0.0.1/hafen").body
    for paragraph in ARTICLE_DE:
        assert paragraph in body
    for comment in COMMENTS_DE:
        assert comment not in body
    assert "Antworten" not in body


LIKE_WIDGETS = {
    "de": ("<div class='sharedaddy sd-sharing-enabled'><h3 class='sd-title'>Teilen mit:</h3><ul>"
           "<li><a href='#f'>Facebook</a></li><li><a href='#x'>X</a></li></ul></div>"
           "<div class='sharedaddy sd-block sd-like jetpack-likes-widget-wrapper'>"
           "<h3 class='sd-title'>Gefällt mir:</h3><div class='likes-widget-placeholder'>"
           "<span class='button'><span>Gefällt mir</span></span> <span class='loading'>Wird geladen …</span>"
           "</div><span class='sd-text-color'></span><a class='sd-link-color'></a>"
           "<p>%d Bloggern gefällt das:</p></div>"),
    "en": ("<div class='post-reactions'><span>Like this:</span> <button>Like</button> "
           "<span>Loading...</span><p>Be the first to like this.</p></div>"
           "<div class='social-bar'><span>Share this:</span><a href='#t'>Twitter</a>"
           "<a href='#f'>Facebook</a><a href='#e'>Email</a></div>"),
}


@pytest.mark.parametrize("language", sorted(LIKE_WIDGETS))
def test_like_and_share_widgets_are_not_body(language: str) -> None:
    paragraphs = ARTICLE_DE if language == "de" else ARTICLE_EN
    html = page("<title>A post</title>",
                NAV + "<div id='primary'><article class='post type-post hentry'>"
                "<header class='entry-header'><h1 class='entry-title'>Sea wall budget passes</h1></header>"
                "<div class='entry-content'>" + "".join(f"<p>{p}</p>" for p in paragraphs)
                + LIKE_WIDGETS[language] + "</div></article></div>")
    body = newsdesk.extract(html, url="http://127.0.0.1/post").body
    assert body.startswith(paragraphs[0])
    assert body.endswith(paragraphs[-1])
    for widget in ("%d", "Bloggern", "Gefällt", "Like this", "Loading", "Share this", "Facebook"):
        assert widget not in body


READING = {
    "en": ("Further reading", ["Sea walls: a short history of coastal defence",
                               "How councils pay for flood protection",
                               "The storms of last winter, in pictures"]),
    "fr": ("Pour aller plus loin", ["Les digues, une histoire de la défense côtière",
                                    "Comment les communes financent la protection",
                                    "Les tempêtes de l'hiver"]),
}


@pytest.mark.parametrize("language", sorted(READING))
def test_a_trailing_reading_list_is_not_body(language: str) -> None:
    heading, titles = READING[language]
    items = "".join(f"<li><a href='/story/{n}'>{title}</a></li>" for n, title in enumerate(titles))
    html = page("<title>Sea wall budget passes</title>",
                NAV + "<article><h1>Sea wall budget passes</h1>"
                + "".join(f"<p>{p}</p>" for p in ARTICLE_EN)
                + f"<h2>{heading}</h2><ul>{items}</ul></article>"
                + "<footer><p>All rights reserved.</p></footer>")
    body = newsdesk.extract(html, url="http://127.0.0.1/story").body
    assert body.endswith(ARTICLE_EN[-1])
    assert heading not in body
    for title in titles:
        assert title not in body
