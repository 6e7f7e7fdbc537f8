"""Metadata from small pages written here: each test names the signal it relies on."""

from __future__ import annotations

import pytest
from selectolax.lexbor import LexborHTMLParser

from newsdesk.extract.authors import parse_byline
from newsdesk.extract.dates import date_in_url, parse_date
from newsdesk.extract.html import extract_html
from newsdesk.extract.jsonld import parse_lenient
from newsdesk.extract.metadata import Metadata, extract_metadata
from newsdesk.extract.titles import clean_title

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
