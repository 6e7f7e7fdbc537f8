"""Metadata from small pages written here: each test names the signal it relies on."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from newsdesk.extract.authors import parse_byline
from newsdesk.extract.dates import date_in_url, parse_date
from newsdesk.extract.html import extract_html
from newsdesk.extract.html.jsonld import parse_lenient
from newsdesk.extract.html.metadata import Metadata, extract_metadata
from newsdesk.extract.html.titles import clean_title

URL = "https://news.example.com/2024/10/01/storm"


def metadata(html: str, url: str | None = URL) -> Metadata:
    return extract_metadata(LexborHTMLParser(html), url)


def test_json_ld_graph_with_author_list_and_references() -> None:
    page = """<html><head><script type="application/ld+json">
    {"@context": "https://schema.org", "@graph": [
      {"@type": "WebSite", "@id": "#site", "name": "The Daily Example"},
      {"@type": "Person", "@id": "#jane", "name": "Jane Doe"},
      {"@type": ["NewsArticle"], "headline": "Storm hits the coast",
       "author": [{"@id": "#jane"}, {"@type": "Person", "name": "John Roe"}, "The Daily Example"],
       "datePublished": "2024-10-01T08:30:00Z", "dateModified": "2024-10-02",
       "publisher": {"@type": "Organization", "name": "The Daily Example"},
       "image": [{"@type": "ImageObject", "url": "/img/storm.jpg", "caption": "Waves"}],
       "keywords": "storm, weather", "articleSection": "World", "inLanguage": "en-GB"}
    ]}</script></head><body><p>text</p></body></html>"""
    found = metadata(page)
    assert found.title == "Storm hits the coast"
    assert found.authors == ["Jane Doe", "John Roe"]  # the publisher's name is not an author
    assert found.published == "2024-10-01T08:30:00+00:00"
    assert found.modified == "2024-10-02"
    assert found.site_name == "The Daily Example"
    assert found.image == "https://news.example.com/img/storm.jpg"
    assert found.image_caption == "Waves"
    assert found.tags == ["storm", "weather"]
    assert found.section == "World"
    assert found.language == "en"
    assert found.methods["title"] == "json-ld"
    assert found.methods["published"] == "json-ld"


def test_opengraph_only() -> None:
    page = """<html><head>
    <meta property="og:title" content="Council approves budget">
    <meta property="og:site_name" content="Example Post">
    <meta property="og:description" content="The vote was close.">
    <meta property="og:image" content="https://cdn.example.com/a.jpg">
    <meta property="og:image:alt" content="The council chamber">
    <meta property="og:url" content="https://news.example.com/budget">
    <meta property="og:locale" content="fr_FR">
    <meta property="article:published_time" content="2024-03-05T10:00:00+01:00">
    <meta property="article:modified_time" content="2024-03-06T09:00:00+01:00">
    <meta property="article:author" content="https://www.facebook.com/janedoe">
    <meta property="article:author" content="Marie Curie">
    <meta property="article:tag" content="budget"><meta property="article:tag" content="council">
    <meta property="article:section" content="Local">
    </head><body><p>text</p></body></html>"""
    found = metadata(page)
    assert found.title == "Council approves budget"
    assert found.authors == ["Marie Curie"]  # a profile URL is not a name
    assert found.published == "2024-03-05T10:00:00+01:00"
    assert found.modified == "2024-03-06T09:00:00+01:00"
    assert (found.site_name, found.description) == ("Example Post", "The vote was close.")
    assert (found.image, found.image_caption) == ("https://cdn.example.com/a.jpg", "The council chamber")
    assert found.canonical_url == "https://news.example.com/budget"
    assert found.language == "fr"
    assert found.tags == ["budget", "council"]
    assert found.section == "Local"
    assert found.methods["published"] == "meta:article:published_time"
    assert found.methods["title"] == "meta:og:title"


def test_invalid_json_ld_is_read_leniently() -> None:
    page = """<html><head><script type="application/ld+json"><!--
    {"@type": "Article", "headline": "Line one\tand a tab", "author": {"name": "Ann Lee",},
     "datePublished": "2023-07-04",}
    --></script><script type="application/ld+json">{not json at all</script></head><body></body></html>"""
    found = metadata(page)
    assert found.title == "Line one and a tab"
    assert found.authors == ["Ann Lee"]
    assert found.published == "2023-07-04"


@pytest.mark.parametrize("text", ["", "   ", "{", "[1, 2", '{"a": ' * 5000, "<!-- -->", "null", "\x00\x01"])
def test_broken_json_never_raises(text: str) -> None:
    assert isinstance(parse_lenient(text), list)


def test_title_loses_the_site_suffix() -> None:
    page = """<html><head><title>Storm hits the coast | The Daily Example</title>
    <meta property="og:site_name" content="The Daily Example"></head><body><p>text</p></body></html>"""
    assert metadata(page).title == "Storm hits the coast"
    assert clean_title("Example News - Storm hits the coast", None, None, "examplenews.com") == \
        "Storm hits the coast"
    assert clean_title("Storm - the aftermath | Site", None, "Storm - the aftermath", None) == \
        "Storm - the aftermath"
    assert clean_title("Storm - the aftermath", None, None, None) == "Storm - the aftermath"


def test_visible_headline_beats_a_kicker_in_the_declared_title() -> None:
    page = """<html><head><meta property="og:title" content="Chronicle: Storm hits the coast">
    </head><body><h1>Site logo</h1><h1>Storm hits the coast</h1></body></html>"""
    found = metadata(page)
    assert (found.title, found.methods["title"]) == ("Storm hits the coast", "h1")


def test_byline_with_two_authors() -> None:
    page = """<html><head><title>Storm</title><meta property="og:site_name" content="The Daily Example">
    </head><body><article><header><h1>Storm</h1>
    <p class="byline">By Jane Doe and John Roe | The Daily Example</p></header>
    <p>text</p></article></body></html>"""
    found = metadata(page)
    assert found.authors == ["Jane Doe", "John Roe"]
    assert found.methods["authors"] == "byline"


@pytest.mark.parametrize(("byline", "names"), [
    ("By Jane Doe and John Roe", ["Jane Doe", "John Roe"]),
    ("Von Max Mustermann und Erika Musterfrau", ["Max Mustermann", "Erika Musterfrau"]),
    ("Par Jean Dupont, Staff Writer", ["Jean Dupont"]),
    ("Por Ana García | El Diario", ["Ana García", "El Diario"]),
    ("Posted on May 1, 2024 by jdoe", ["jdoe"]),
    ("Jane Doe (jane@example.com)", ["Jane Doe"]),
    ("MORITZ GATHMANN am 21. April 2020", ["MORITZ GATHMANN"]),
    ("Perry Bacon Jr.", ["Perry Bacon Jr."]),
    ("Grant Tinsley, PhD", ["Grant Tinsley"]),
    ("Alexa von Heyden", ["Alexa von Heyden"]),
    ("https://twitter.com/someone", []),
    ("Jane Doe; jane doe", ["Jane Doe"]),
])
def test_parse_byline(byline: str, names: list[str]) -> None:
    assert parse_byline(byline) == names


def test_site_name_is_dropped_from_authors_but_kept_when_alone() -> None:
    head = '<meta property="og:site_name" content="Example Post">'
    both = f'<html><head>{head}<meta name="author" content="Jane Doe, Example Post"></head></html>'
    alone = f'<html><head>{head}<meta name="author" content="Example Post"></head></html>'
    assert metadata(both).authors == ["Jane Doe"]
    assert metadata(alone).authors == ["Example Post"]


def test_date_only_in_time_element() -> None:
    page = """<html><body><article><h1>Storm</h1><time datetime="2024-10-01T08:30:00+02:00">
    1 October</time><p>text</p></article></body></html>"""
    found = metadata(page, "https://example.com/storm")
    assert found.published == "2024-10-01T08:30:00+02:00"
    assert found.methods["published"] == "time"


def test_date_in_a_dateline_next_to_the_headline() -> None:
    page = """<html><body><h1>Storm hits the coast</h1><p>Berlin, 3. März 2024</p>
    <p>text</p></body></html>"""
    found = metadata(page, "https://example.com/storm")
    assert found.published == "2024-03-03"


def test_date_from_url_when_the_page_has_none() -> None:
    assert metadata("<html><body><p>text</p></body></html>").published == "2024-10-01"
    assert date_in_url("https://example.com/news/20240102-storm.html") == "2024-01-02"
    assert date_in_url("https://example.com/item/12345678") is None


@pytest.mark.parametrize(("text", "iso"), [
    ("2024-10-01T08:30:00Z", "2024-10-01T08:30:00+00:00"),
    ("2024-10-01T08:30:00.000+0200", "2024-10-01T08:30:00+02:00"),
    ("2024-10-01 08:30", "2024-10-01T08:30:00"),
    ("2022-5-5 22:17:36", "2022-05-05T22:17:36"),
    ("20241001", "2024-10-01"),
    ("Tue, 01 Oct 2024 08:30:00 GMT", "2024-10-01T08:30:00+00:00"),
    ("October 1st, 2024 at 3:05 pm", "2024-10-01T15:05:00"),
    ("1. Oktober 2024", "2024-10-01"),
    ("2 de octubre de 2024", "2024-10-02"),
    ("15 августа 2016, 13:43", "2016-08-15T13:43:00"),
    ("01.10.2024", "2024-10-01"),
    ("2024年10月1日", "2024-10-01"),
    ("1990-01-01", None),
    ("2024-13-45", None),
    ("no date here", None),
])
def test_parse_date(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


def test_slashed_dates_follow_the_page_language() -> None:
    assert parse_date("10/05/2022") == "2022-05-10"
    assert parse_date("10/05/2022", month_first=True) == "2022-10-05"
    us = '<html lang="en-US"><head><meta name="pubdate" content="10/05/2022"></head></html>'
    de = '<html lang="de"><head><meta name="pubdate" content="10/05/2022"></head></html>'
    assert metadata(us).published == "2022-10-05"
    assert metadata(de).published == "2022-05-10"


def test_language_codes_are_normalised() -> None:
    assert metadata('<html lang="EN-us"><body></body></html>').language == "en"
    meta = '<html><head><meta http-equiv="content-language" content="de-DE, en"></head></html>'
    assert metadata(meta).language == "de"
    assert metadata('<html lang="x-klingon"><body></body></html>').language is None


def test_reader_comments_are_not_bylines() -> None:
    page = """<html><body><h1>Storm</h1><div class="comments"><div class="comment">
    <span class="comment-author">Troll McTroll</span><span class="author">Another Troll</span>
    </div></div></body></html>"""
    assert metadata(page).authors == []


def test_no_metadata_at_all() -> None:
    found = metadata("<html><body><p>Just a paragraph.</p></body></html>", None)
    assert found == Metadata()
    assert metadata("", None) == Metadata()
    assert metadata("<", None).title is None


def test_the_tree_is_not_changed() -> None:
    page = ('<html><head><title>A | B</title><script type="application/ld+json">{"@type": "Article"}'
            '</script></head><body><h1>A</h1><p class="byline">By X Y</p></body></html>')
    tree = LexborHTMLParser(page)
    before = tree.html
    extract_metadata(tree, URL)
    assert tree.html == before


def test_extract_html_fills_the_article() -> None:
    page = """<html lang="en"><head><title>Storm hits the coast | Daily Example</title>
    <meta property="og:site_name" content="Daily Example">
    <meta property="og:image" content="/storm.jpg"><meta property="og:image:alt" content="Waves">
    <link rel="canonical" href="/2024/10/01/storm"></head>
    <body><article><h1>Storm hits the coast</h1><p class="byline">By Jane Doe</p>
    <time datetime="2024-10-01">1 October 2024</time>
    <p>The storm reached the coast early on Tuesday morning and flooded the harbour road.</p>
    </article></body></html>"""
    article = extract_html(page, url="https://news.example.com/storm?utm_source=x")
    assert article.title == "Storm hits the coast"
    assert article.authors == ["Jane Doe"]
    assert article.published == "2024-10-01"
    assert article.language == "en"
    assert article.site_name == "Daily Example"
    assert article.canonical_url == "https://news.example.com/2024/10/01/storm"
    assert article.image is not None and article.image.url == "https://news.example.com/storm.jpg"
    assert article.image.caption == "Waves"
    assert article.extraction["title"] == "h1"
    assert article.extraction["published"] == "time"


# --- Issue 14: author values that name nobody, kickers, htmldate as the real fallback -------------

PROSE = ("The harbour authority said on Monday that the new quay would open in the spring, after two years "
         "of work that had closed the old ferry landing to all but the smallest boats. ") * 3


def article_page(head: str = "", before: str = "", after: str = "", h1: str = "Quay opens in spring") -> str:
    return (f"<html><head>{head}</head><body><main><article><h1>{h1}</h1>{before}<p>{PROSE}</p>"
            f"<p>{PROSE}</p>{after}</article></main></body></html>")


@pytest.mark.parametrize("value", ["No Author", "Admin", "Publiziert", "Hire", "Sign in", "Unknown",
                                   "page.head.extra.author", "{{ author }}", "March", "Sun"])
def test_placeholders_are_not_authors(value: str) -> None:
    page = article_page(f'<meta name="author" content="{value}"><meta property="og:type" content="article">')
    assert metadata(page).authors == []


def test_a_label_beside_the_byline_is_not_a_name() -> None:
    page = article_page(before='<div class="byline">Publiziert am 12.03.2024</div>')
    assert metadata(page).authors == []


def test_a_login_gives_way_to_the_name_the_page_shows() -> None:
    page = article_page('<meta name="author" content="maria.keller">', before="<p>Von Maria Keller</p>")
    found = metadata(page)
    assert found.authors == ["Maria Keller"]


def test_a_login_is_kept_when_the_page_shows_no_fuller_name() -> None:
    # Forum posts are signed with the poster's handle: it is the author's public name.
    page = article_page('<meta name="author" content="quaywatcher_77">')
    assert metadata(page).authors == ["quaywatcher_77"]


def test_a_desk_is_named_only_when_no_person_is() -> None:
    page = article_page('<meta name="author" content="Redaktion">', before="<p>Von Maria Keller</p>")
    assert metadata(page).authors == ["Maria Keller"]
    assert metadata(article_page('<meta name="author" content="Redaktion">')).authors == ["Redaktion"]


def test_the_organisation_gives_way_to_the_person_a_labelled_byline_names() -> None:
    ld = """<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Quay opens in spring",
    "author": {"@type": "Organization", "name": "Radio Harbour International"},
    "publisher": {"@type": "Organization", "name": "RHI"}}</script>"""
    page = article_page(ld, after="<p><strong>Auteur :</strong> Amara Koné</p>")
    found = metadata(page)
    assert found.authors == ["Amara Koné"]
    assert found.methods["authors"] == "labelled-byline"
    # Without a byline naming a person, the organisation stays the author.
    assert metadata(article_page(ld)).authors == ["Radio Harbour International"]


def test_initials_give_way_to_a_person_in_the_byline() -> None:
    page = article_page('<meta name="author" content="DT">', before="<p>Por Lucía Ferrer Soto</p>")
    assert metadata(page).authors == ["Lucía Ferrer Soto"]


def test_labels_in_navigation_or_running_text_are_not_bylines() -> None:
    nav = '<nav><div>By Use Case</div><ul><li>Ports</li></ul></nav>'
    running = "<p>The plan was drawn up by <a href='/p'>the port</a> by Jane Doe</p>"
    page = (f"<html><head><meta property='og:type' content='article'></head><body><header>{nav}</header>"
            f"<main><article><h1>Quay opens</h1><p>{PROSE}</p>{running}</article></main></body></html>")
    assert metadata(page).authors == []


def test_a_sidebar_organisation_is_not_the_author() -> None:
    page = ("<html><head><meta property='og:type' content='article'></head><body><article><h1>Quay opens"
            f"</h1><p>{PROSE}</p></article><div class='sidebar'><div class='author'>Verband der Häfen e.V."
            "</div></div></body></html>")
    assert metadata(page).authors == []


def test_json_ld_tells_organisations_from_people() -> None:
    found = metadata("""<html><head><script type="application/ld+json">{"@type": "Article", "headline": "x",
    "author": [{"@type": "Person", "name": "Jane Doe"},
               {"@type": "NewsMediaOrganization", "name": "Example"}]}
    </script></head><body></body></html>""")
    assert found.authors == ["Jane Doe"]


def test_a_kicker_is_not_glued_to_the_headline() -> None:
    for h1 in ('<span class="kicker">Hafenbau</span> Quay opens in spring',
               '<span class="supertitle"><time datetime="2024-03-12">12. März 2024</time></span>'
               '<span class="title">Quay opens in spring</span>',
               '<span class="teaser__kicker">Hafenbau</span><span class="visually-hidden"> - </span>'
               '<span>Quay opens in spring</span>'):
        assert metadata(article_page(h1=h1)).title == "Quay opens in spring", h1
    # Emphasis inside a headline is the headline's.
    assert metadata(article_page(h1="<em>Titanic</em> replica opens in spring")).title == \
        "Titanic replica opens in spring"


def test_htmldate_is_the_last_resort_for_the_date() -> None:
    page = article_page('<meta name="rnews:datepublished" content="2019-12-12">')
    article = extract_html(page, url="https://news.example.com/quay")
    assert article.published == "2019-12-12"
    assert article.extraction["published"] == "htmldate"
    # The page's own signals come first: htmldate is not asked when they give a date.
    article = extract_html(article_page('<meta property="article:published_time" content="2024-03-12">'),
                           url="https://news.example.com/quay")
    assert article.extraction["published"] == "meta:article:published_time"


def test_htmldate_failing_on_a_page_leaves_no_date() -> None:
    article = extract_html(article_page(), url="https://news.example.com/quay")
    assert article.published is None
    # A copyright line is no publication date (htmldate's extensive search would make one of it).
    article = extract_html(article_page(after="<footer>© 2023 Harbour News</footer>"),
                           url="https://news.example.com/quay")
    assert article.published is None


def test_a_kicker_the_site_declares_as_part_of_its_headline_stays() -> None:
    h1 = '<span class="subtitle">Hafenbau</span> Quay opens in spring'
    page = article_page('<meta property="og:title" content="Hafenbau Quay opens in spring">', h1=h1)
    assert metadata(page).title == "Hafenbau Quay opens in spring"


@pytest.mark.parametrize(("byline", "names"), [
    ("JD Jane Doe", ["Jane Doe"]),  # the avatar's initials
    ("Jane Doe Jane Doe", ["Jane Doe"]),  # an image's alt text, then the name
    ("Jane Doe RN, BSN, Certified Sleep Consultant", ["Jane Doe"]),
    ("Jane Doe Founder & Lead Reviewer", ["Jane Doe"]),
    ("Jane Doe Last updated 3 May 2024", ["Jane Doe"]),
    ("Jane Roe (Harbour Desk)", ["Jane Roe (Harbour Desk)"]),
    ("Jane Roe » Tue", ["Jane Roe"]),
    ("via quaywatcher", ["quaywatcher"]),
    ("10 mins read", []),
    ("Autor/in: Jane Roe", ["Jane Roe"]),
])
def test_what_templates_print_around_a_name_is_cut(byline: str, names: list[str]) -> None:
    assert parse_byline(byline) == names


def test_one_meta_per_author_gives_all_the_authors() -> None:
    page = article_page('<meta name="citation_author" content="Jane Doe">'
                        '<meta name="citation_author" content="John Roe">')
    assert metadata(page).authors == ["Jane Doe", "John Roe"]


@pytest.mark.parametrize(("opening", "authors"), [
    ("By Tuesday, the storm had passed and the council met again to count the damage.", []),
    ("By now, most of the boats were back in the harbour.", []),
    ("By Jane Roe and John Doe", ["Jane Roe", "John Doe"]),
    ("By Reuters", ["Reuters"]),
])
def test_a_sentence_that_opens_with_by_under_the_headline_names_no_author(opening: str,
                                                                          authors: list[str]) -> None:
    html = ("<html><head><title>Storm report</title></head><body><article><h1>Storm report</h1>"
            f"<p>{opening}</p><p>The harbour wall held, officials said, although several boats were lost "
            "in the night and the road to the north was closed for repairs.</p></article></body></html>")
    assert extract_html(html).authors == authors
