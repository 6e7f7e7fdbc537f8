"""What the blocks alone cannot express, finished into the body: a product page that shows its
description nowhere in its markup gets the description it declares (page.with_product_description).
(A list of items named by their headings at the body's end: test_extract_copies.py.) Every page here
is written for the test."""

from __future__ import annotations

import json

import newsdesk
from newsdesk.extract.html.page import with_product_description

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
