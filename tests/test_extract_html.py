"""The HTML body engine, on the bundled example pages (written by the project) and on the
ScrapingHub development set, scored the way the project is judged."""

from __future__ import annotations

import gzip
import importlib.machinery
import importlib.util
import json
from pathlib import Path
from types import ModuleType

import pytest

import newsdesk
from conftest import article_html
from newsdesk import Article

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLES = PROJECT / "examples"
SHARED = PROJECT.parent / "shared"


def example(name: str) -> newsdesk.Article:
    return newsdesk.extract((EXAMPLES / name).read_bytes())


def test_body_keeps_every_paragraph_and_drops_the_chrome() -> None:
    body = example("harbour-bridge-reopens.html").body
    assert body.startswith("The harbour bridge carried its first traffic")
    assert body.endswith("once the deck surface has been relaid.")
    assert "“We told people it would be worth the wait" in body
    for chrome in ("Share on Facebook", "Advertisement", "Harbour bridge to close for two years",
                   "Most read", "All rights reserved", "Photo: Ledger staff", "Sport"):
        assert chrome not in body


def test_paragraphs_are_separated_by_a_blank_line() -> None:
    body = example("storm-power-cuts.html").body
    paragraphs = body.split("\n\n")
    assert paragraphs[0].startswith("Around 30,000 homes")
    assert "Schools closed" in paragraphs  # a subheading stays, as its own paragraph
    assert paragraphs[-1].startswith("Seventeen schools stayed shut")


def test_teaser_cards_comments_and_newsletter_boxes_are_not_body() -> None:
    storm = example("storm-power-cuts.html").body
    for chrome in ("Ferry operator adds winter sailings", "Sign up for our newsletter", "We use cookies"):
        assert chrome not in storm
    wire = example("wire-copy-bridge.html").body
    assert wire.startswith("The harbour bridge carried its first traffic")
    assert "My commute was an hour longer" not in wire
    assert "Posted on October 1, 2024" not in wire


def test_hidden_elements_and_invisible_characters_are_not_text() -> None:
    page = ("<html><body><article><p style='display:none'>Hidden promo text that is long enough.</p>"
            "<p>Visible para\u00adgraph about the council budget, long enough to be the body of the "
            "page and nothing else at all.</p></article></body></html>")
    body = newsdesk.extract(page).body
    assert "Hidden promo" not in body
    assert "paragraph about the council budget" in body


def load_scorer() -> ModuleType:
    path = SHARED / "tools" / "score-extraction"
    assert path.exists(), f"{path} is missing: the shared evaluation tools are needed by this test"
    loader = importlib.machinery.SourceFileLoader("score_extraction", str(path))
    spec = importlib.util.spec_from_loader("score_extraction", loader)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    loader.exec_module(module)
    return module


@pytest.mark.timeout(120)
def test_scrapinghub_body_f1_meets_the_target() -> None:
    folder = SHARED / "data" / "scrapinghub"
    assert folder.exists(), f"{folder} is missing: the ScrapingHub development set is needed"
    truth = json.loads((folder / "ground-truth.json").read_text(encoding="utf-8"))
    scorer = load_scorer()
    counts = []
    for key, record in truth.items():
        html = gzip.decompress((folder / "html" / f"{key}.html.gz").read_bytes())
        body = newsdesk.extract(html, url=record["url"]).body
        counts.append(scorer.doc_counts(record["articleBody"], body))
    precision, recall, f1 = scorer.aggregate(counts)
    assert f1 >= 0.965, f"ScrapingHub body F1 {f1:.4f} (P {precision:.4f}, R {recall:.4f}) below 0.965"


def test_related_links_are_kept_apart_from_the_body() -> None:
    article = example("harbour-bridge-reopens.html")
    assert [link.title for link in article.related] == [
        "Harbour bridge to close for two years", "Engineers find corrosion in bridge cables"]
    assert article.related[0].url == "https://ledger.example/news/2022/09/bridge-closes"
    assert all(link.title not in article.body for link in article.related)


def test_lead_image_caption_is_kept_and_out_of_the_body() -> None:
    article = example("harbour-bridge-reopens.html")
    assert article.image is not None
    assert article.image.url == "https://ledger.example/img/bridge.jpg"
    assert article.image.caption == (
        "The first buses cross the repaired harbour bridge on Monday. Photo: Ledger staff")
    assert "Photo: Ledger staff" not in article.body


def test_example_metadata() -> None:
    article = example("harbour-bridge-reopens.html")
    assert article.title == "Harbour bridge reopens after two-year repair"
    assert article.authors == ["Aisha Morgan", "Tom Lindqvist"]
    assert article.published == "2024-10-01T07:45:00+01:00"
    assert article.site_name == "The Coastal Ledger"
    assert article.canonical_url == "https://ledger.example/news/2024/10/01/harbour-bridge-reopens"
    assert article.language == "en"
    wire = example("wire-copy-bridge.html")
    assert wire.title == "Harbour bridge reopens months early"
    assert wire.authors == ["Aisha Morgan"]
    assert (wire.published or "").startswith("2024-10-01")


def test_the_declared_section_is_kept_on_the_article() -> None:
    """The section was read and its method recorded, then dropped: it is an Article field now."""
    head = '<meta property="article:section" content="Politics">'
    article = newsdesk.extract(article_html(head=head))
    assert article.section == "Politics"
    assert article.extraction["section"] == "meta:article:section"
    assert Article.from_json(article.to_json()).section == "Politics"
    assert newsdesk.extract(article_html()).section is None


def test_a_page_that_gives_its_content_in_noscript_is_read_from_there() -> None:
    """Forum software and script-rendered sites show an empty shell and give the text in <noscript>."""
    posts = "".join(
        f"<div class='crawler-post'><span class='creator'>member{i}</span> <time>May {i + 1}, 2024</time>"
        f"<div class='post'><p>Post {i}: the backup job stops halfway through every night since the "
        f"upgrade, and the log only says that the remote closed the connection without any reason.</p>"
        f"</div></div>" for i in range(6))
    html = ("<html><head><title>Backup stops halfway - Help - Example Forum</title></head><body>"
            "<noscript><style>#splash{display:none}</style></noscript>"
            "<div id='app'><div id='splash'>Loading</div></div>"
            f"<noscript data-path='/t/backup-stops/1'><header><a href='/'>Example Forum</a></header>"
            f"<div id='main-outlet'><h1>Backup stops halfway</h1>{posts}</div>"
            "<footer><a href='/tos'>Terms of service</a></footer></noscript></body></html>")
    body = newsdesk.extract(html).body
    assert "Post 0: the backup job stops halfway" in body
    assert "Post 5: the backup job stops halfway" in body
    # a page that shows its text keeps it, and its <noscript> fallback is not read twice
    shown = article_html().replace("</article>", "</article><noscript><p>Please enable JavaScript to "
                                    "view the comments powered by a third party.</p></noscript>")
    assert "enable JavaScript" not in newsdesk.extract(shown).body


def test_a_byline_line_atop_the_text_is_left_to_the_authors_not_the_body() -> None:
    """A line naming the authors (or marked as the byline) above the text is no body; prose that starts
    with "By" is."""
    from conftest import PARAGRAPHS

    named = newsdesk.extract(article_html(paragraphs=["By Jane Doe and John Roe", *PARAGRAPHS]))
    assert named.body.startswith(PARAGRAPHS[0]) and named.authors == ["Jane Doe", "John Roe"]
    marked = newsdesk.extract(article_html(paragraphs=PARAGRAPHS).replace(
        "<h1>Council approves budget</h1>",
        '<h1>Council approves budget</h1><div class="story-byline">By Wire Staff, The Gazette</div>'))
    assert marked.body.startswith(PARAGRAPHS[0]) and "Wire Staff" not in marked.body
    prose = "By Tuesday, the storm had passed and the council met again."
    assert newsdesk.extract(article_html(paragraphs=[prose, *PARAGRAPHS])).body.startswith(prose)
