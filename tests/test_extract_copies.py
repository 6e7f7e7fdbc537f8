"""A body says nothing twice (tidy.without_copies): a passage the template prints again is kept once,
a table of contents gives way to the headings it links to, and the lines a page repeats on purpose
stay; and a list of items named only by their headings stays at the body's end. Every page here is
written for the test."""

from __future__ import annotations

from selectolax.lexbor import LexborHTMLParser

import newsdesk
from newsdesk.extract.html.dom import Flat, flatten
from newsdesk.extract.html.tidy import tidy, without_copies

PARAGRAPHS = [
    "The ferry company said on Friday that the evening crossing to the island would run again from "
    "next month, after a winter in which storms and a broken ramp cancelled one sailing in three.",
    "Repairs to the ramp at the island pier took longer than planned because the steel had to be "
    "made abroad, the company said, and divers found more damage once the old ramp was lifted.",
    "Islanders who work on the mainland had to take the early boat back or stay overnight in town, "
    "which the community council said cost some families more than a week's wages each month.",
    "The company will also add a Sunday crossing in the summer and said fares would not rise this year, "
    "although it warned that the ramp would need another inspection before the autumn storms.",
]


def flat_of(html: str) -> Flat:
    root = LexborHTMLParser(html).body
    assert root is not None
    return flatten(root)


def texts(flat: Flat, kept: list[int]) -> list[str]:
    return [flat.blocks[i].text for i in kept]


def test_a_passage_printed_twice_is_kept_once() -> None:
    passage = "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:2])
    flat = flat_of(f"<div class='wide'>{passage}</div><div class='narrow'>{passage}</div>"
                   f"<p>{PARAGRAPHS[2]}</p>")
    kept = list(range(len(flat.blocks)))
    assert texts(flat, without_copies(flat, kept)) == PARAGRAPHS[:3]
    assert texts(flat, tidy(flat, kept)) == PARAGRAPHS[:3]


def test_a_table_of_contents_gives_way_to_its_headings() -> None:
    headings = ["Why the ramp broke", "What the repairs cost", "When the evening boat returns"]
    contents = "".join(f"<li><a href='#s{n}'>{h}</a></li>" for n, h in enumerate(headings))
    pairs = list(zip(headings, PARAGRAPHS[:3], strict=True))
    sections = "".join(f"<h2 id='s{n}'>{h}</h2><p>{p}</p>" for n, (h, p) in enumerate(pairs))
    flat = flat_of(f"<p>{PARAGRAPHS[3]}</p><ul class='toc'>{contents}</ul>{sections}")
    kept = list(range(len(flat.blocks)))
    got = texts(flat, without_copies(flat, kept))
    assert got == [PARAGRAPHS[3]] + [t for pair in pairs for t in pair]
    assert all(flat.blocks[i].tag != "li" for i in without_copies(flat, kept))


def test_lines_a_page_repeats_on_purpose_stay() -> None:
    # The same short fine print under each offer, and a short label said twice: the page's own words.
    names = ["Winter saver", "Island pass", "Family return"]
    offers = "".join(f"<div><h3>{name}</h3><p>{p}</p><p>Terms apply.</p></div>"
                     for name, p in zip(names, PARAGRAPHS[:3], strict=True))
    # The same question put to each of three guests, and the same row values in a timetable.
    answers = ["The sea.", "Work.", "My family."]
    interviews = "".join(f"<h3>{name}</h3><p>What made you move to the island in the first place?</p>"
                         f"<p>{a}</p>" for name, a in zip(names, answers, strict=True))
    table = "<table>" + "<tr><td>Ferry</td><td>08:00</td><td>Daily</td></tr>" * 2 + "</table>"
    flat = flat_of(offers + interviews + table + "<p>Price: 20 euros</p><p>Price: 20 euros</p>")
    kept = list(range(len(flat.blocks)))
    assert without_copies(flat, kept) == kept


def test_a_duplicated_article_layout_extracts_once() -> None:
    article = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    html = ("<!doctype html><html><head><meta charset='utf-8'><title>Evening ferry returns</title></head>"
            "<body><nav><a href='/'>Home</a> <a href='/news'>News</a></nav><main><article>"
            "<h1>Evening ferry returns next month</h1>"
            f"<div class='story desktop-only'>{article}</div><div class='story mobile-only'>{article}</div>"
            "</article></main><footer><p>All rights reserved.</p></footer></body></html>")
    body = newsdesk.extract(html, url="http://127.0.0.1/ferry").body
    for paragraph in PARAGRAPHS:
        assert body.count(paragraph) == 1


# A body that ends with a list of items named only by their headings (a collection's products)
# keeps them: tidy's dangling-heading rule stops at a run of headings of one tag.
CARE = ("Wash by hand in warm water; the glazes are food safe and the unglazed feet are sealed, but a "
        "dishwasher's heat will craze them over the years.")
INTRO = ("Our potters throw every piece by hand in the workshop behind the shop, so no two are quite "
         "alike; glazes are mixed in small batches and fired twice.")
ITEMS = ["Speckled oatmeal breakfast bowl", "Tall cobalt flower vase", "Pair of ash-glazed espresso cups",
         "Wide serving platter in sea green", "Lidded honey pot with dipper"]


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


def test_headlines_under_a_heading_of_their_own_are_a_rail_not_a_list_of_items() -> None:
    # "Elsewhere in town" over four plain headlines after an article: teasers, which end nothing.
    headlines = ["Bridge works close the east road", "School choir wins the county cup",
                 "New bakery opens on Mill Street", "Council to vote on the harbour plan"]
    rail = "".join(f"<h3>{h}</h3>" for h in headlines)
    flat = flat_of(f"<p>{INTRO}</p><p>{CARE}</p><h2>Elsewhere in town</h2>{rail}")
    kept = list(range(len(flat.blocks)))
    assert texts(flat, tidy(flat, kept)) == [INTRO, CARE]
