"""What the blocks alone cannot express, finished into the body: a list whose items are only their
headings stays to its end (tidy), and a product page that shows its description nowhere in its
markup gets the description it declares (page.with_product_description). Every page here is written
for the test."""

from __future__ import annotations

import json

from selectolax.lexbor import LexborHTMLParser

import newsdesk
from newsdesk.extract.html.dom import Flat, flatten
from newsdesk.extract.html.page import with_product_description
from newsdesk.extract.html.tidy import tidy

CARE = ("Wash by hand in warm water; the glazes are food safe and the unglazed feet are sealed, but a "
        "dishwasher's heat will craze them over the years.")
INTRO = ("Our potters throw every piece by hand in the workshop behind the shop, so no two are quite "
         "alike; glazes are mixed in small batches and fired twice.")
ITEMS = ["Speckled oatmeal breakfast bowl", "Tall cobalt flower vase", "Pair of ash-glazed espresso cups",
         "Wide serving platter in sea green", "Lidded honey pot with dipper"]


def flat_of(html: str) -> Flat:
    root = LexborHTMLParser(html).body
    assert root is not None
    return flatten(root)


def texts(flat: Flat, kept: list[int]) -> list[str]:
    return [flat.blocks[i].text for i in kept]


def test_a_list_of_items_named_by_their_headings_stays_to_its_end() -> None:
    cards = "".join(f"<li><h3>{name}</h3></li>" for name in ITEMS)
    flat = flat_of(f"<h1>Stoneware</h1><p>{INTRO}</p><ul class='products'>{cards}</ul>")
    kept = list(range(len(flat.blocks)))
    assert texts(flat, tidy(flat, kept)) == ["Stoneware", INTRO, *ITEMS]


def test_a_heading_left_dangling_still_ends_nothing() -> None:
    # One heading, or two of one tag, after the text: a section with nothing in it, not a list.
    for tail in (["Related"], ["Gift wrapping"], ["Gift wrapping", "Delivery"]):
        headings = "".join(f"<h3>{t}</h3>" for t in tail)
        flat = flat_of(f"<p>{INTRO}</p><h2>Care</h2><p>{CARE}</p>{headings}")
        kept = list(range(len(flat.blocks)))
        assert texts(flat, tidy(flat, kept)) == [INTRO, "Care", CARE]


def test_a_rail_of_headings_is_no_list_of_items() -> None:
    flat = flat_of(f"<p>{INTRO}</p><h3>Popular</h3><h3>Trending</h3><h3>Latest</h3>")
    kept = list(range(len(flat.blocks)))
    assert texts(flat, tidy(flat, kept)) == [INTRO]


DESCRIPTION = ("A heavy cotton apron with a split leg for the wheel, two deep pockets for tools and "
               "sponges, and cross-back straps that keep the weight off the neck through a long day "
               "of throwing.")


def product_page(shown: str, declared: dict[str, object]) -> str:
    return ("<html><head><title>Potter's apron | The Clay Shed</title>"
            f"<script type='application/ld+json'>{json.dumps(declared)}</script></head><body>"
            "<header><nav><a href='/'>Home</a> <a href='/shop'>Shop</a> <a href='/about'>About</a></nav>"
            f"</header><main><h1>Potter's apron</h1><p>Price: 38.00 EUR</p>{shown}</main>"
            "<footer><p>The Clay Shed, 4 Kiln Lane. All rights reserved.</p></footer></body></html>")


def test_a_product_page_that_does_not_show_its_description_gets_the_declared_one() -> None:
    # The shop writes the description as HTML into its JSON-LD and shows it only by a script.
    declared = {"@context": "https://schema.org", "@type": "Product", "name": "Potter's apron",
                "description": "<p>" + DESCRIPTION.replace("and cross", "&amp; cross") + "</p>",
                "offers": {"@type": "Offer", "price": "38.00", "priceCurrency": "EUR"}}
    body = newsdesk.extract(product_page("<div id='app'></div>", declared), url="http://127.0.0.1/apron").body
    assert DESCRIPTION.replace("and cross", "& cross") in body
    assert "<p>" not in body


def test_a_description_the_page_shows_is_not_added_again() -> None:
    declared = {"@context": "https://schema.org", "@type": "Product", "name": "Potter's apron",
                "description": DESCRIPTION}
    body = newsdesk.extract(product_page(f"<p>{DESCRIPTION}</p>", declared), url="http://127.0.0.1/apron").body
    assert body.count("split leg") == 1


def test_only_a_product_declares_a_description_for_the_body() -> None:
    # An article's (or a page's) declared description is its summary: Article.description, not body.
    declared = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": "Potter's apron",
                "description": DESCRIPTION}
    body = newsdesk.extract(product_page("<div id='app'></div>", declared), url="http://127.0.0.1/apron").body
    assert "split leg" not in body
    short = "Too short to be a description."
    assert with_product_description("Price: 38.00 EUR", short) == "Price: 38.00 EUR"
    assert with_product_description("", DESCRIPTION) == DESCRIPTION
