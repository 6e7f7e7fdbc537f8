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
    script = json.dumps(declared).replace("</", "<\\/")  # as a page escapes it inside <script>
    return ("<html><head><title>Potter's apron | The Clay Shed</title>"
            f"<script type='application/ld+json'>{script}</script></head><body>"
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


def test_an_article_page_or_a_shop_listing_never_gets_a_products_description() -> None:
    # A news article with a product box's JSON-LD beside its own node keeps its body; so does a
    # listing declaring several products.
    article = {"@type": "NewsArticle", "headline": "Potters return to the market",
               "datePublished": "2026-05-02"}
    product = {"@type": "Product", "name": "Potter's apron", "description": DESCRIPTION}
    for declared in ({"@context": "https://schema.org", "@graph": [article, product]},
                     {"@context": "https://schema.org", "@graph": [product, {**product, "name": "Apron 2"}]}):
        body = newsdesk.extract(product_page("<div id='app'></div>", declared), url="http://127.0.0.1/a").body
        assert "split leg" not in body


def test_a_description_is_read_as_html_and_what_the_page_shows_of_it_is_not_printed_twice() -> None:
    described = ("<p>Fits frames &lt; 20 mm deep and holds &gt; 5 kg of clay on its shelf.</p>"
                 "<script>window.dataLayer.push({event: 'view_item'})</script><style>.x{color:red}</style>"
                 "<ul><li>Wash cold with the dark things</li><li>Dry flat in the shade</li></ul>")
    declared = {"@context": "https://schema.org", "@type": "Product", "name": "Potter's apron",
                "description": described}
    body = newsdesk.extract(product_page("<div id='app'></div>", declared), url="http://127.0.0.1/apron").body
    assert "Fits frames < 20 mm deep and holds > 5 kg of clay on its shelf." in body
    assert "dataLayer" not in body and "color:red" not in body
    assert "Wash cold with the dark things\nDry flat in the shade" in body
    # The page shows the description's start and a "Read more": only the rest is added.
    start = " ".join(DESCRIPTION.split()[:10])
    finished = with_product_description(f"Potter's apron\n\n{start} … Read more", DESCRIPTION)
    assert finished.count("split leg") == 1 and finished.endswith("a long day of throwing.")
    # An unrelated body holding many of the description's common words does not "show" it.
    unrelated = ("The council said that the market for the potters and the shops of the town would "
                 "keep the weight of the day off the stalls, and that a long day of the fair is good "
                 "for all.")
    assert with_product_description(unrelated, DESCRIPTION).endswith(DESCRIPTION)
