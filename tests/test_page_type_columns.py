"""The page type's probabilities as page columns of the body model (issue 14): read before the blocks,
by the page-type model that `Settings.page_type_model` names, and, in the cross-validated benchmark,
by the model fitted without the page's fold."""

from __future__ import annotations

import gzip
import importlib
import json
import sys
from pathlib import Path

import numpy as np
import pytest

import newsdesk
from newsdesk.errors import ExtractionError
from newsdesk.extract.html import parse_page
from newsdesk.extract.html.blocks import FEATURES, block_features, page_hints
from newsdesk.extract.html.body import choose_blocks
from newsdesk.extract.html.page_type import MODEL_PATH, PAGE_TYPES
from newsdesk.settings import Settings

PROJECT = Path(__file__).resolve().parents[1]
COLUMNS = [FEATURES.index(f"page_type_p_{kind}") for kind in PAGE_TYPES]

# A small shop page: a product, its price, a basket button and a few lines about it.
SHOP = """<html><head><title>Walnut Desk Lamp | Lumen Goods</title>
<meta property="og:type" content="product"></head><body>
<header><nav><a href="/">Home</a> <a href="/lamps">Lamps</a> <a href="/cart">Cart (0)</a></nav></header>
<main><h1>Walnut Desk Lamp</h1><p class="price">$89.00</p>
<form action="/cart/add"><select name="finish"><option>Oiled</option><option>Raw</option></select>
<button class="add-to-cart">Add to cart</button></form>
<p>A turned walnut base with a linen shade, wired for a single warm bulb. Each lamp is finished by hand
in our workshop, so the grain of every base differs a little from the one in the pictures.</p>
<p>Height 42 cm. Cable 1.8 m with an inline switch. Ships in five working days.</p>
<h2>Reviews</h2><p>Four stars from 12 reviews.</p></main>
<footer>Lumen Goods, 4 Mill Lane. Returns within 30 days.</footer></body></html>"""


def test_the_page_type_gives_every_type_a_probability_in_page_types_order() -> None:
    parsed = parse_page(SHOP, "https://lumen.example/lamps/walnut-desk-lamp", Settings())
    found = parsed.page_type
    assert len(found.probabilities) == len(PAGE_TYPES)
    assert sum(found.probabilities) == pytest.approx(1.0, abs=1e-6)
    best = int(np.argmax(found.probabilities))
    assert found.page_type == PAGE_TYPES[best]
    assert found.probability == round(found.probabilities[best], 4)
    # The article extracted from the page carries the same reading (classified once, before the body).
    article = newsdesk.extract(SHOP, url="https://lumen.example/lamps/walnut-desk-lamp")
    assert (article.page_type, article.page_type_probability) == (found.page_type, found.probability)


def test_the_block_rows_carry_the_page_types_probabilities() -> None:
    parsed = parse_page(SHOP, "https://lumen.example/lamps/walnut-desk-lamp", Settings())
    assert parsed.flat is not None
    choice = choose_blocks(parsed.flat, parsed.metadata.description)
    rows = block_features(parsed.flat, choice, page_hints(parsed.text, parsed.page_type.probabilities),
                          parsed.metadata.title, parsed.metadata.description)
    assert len(rows) == len(parsed.flat.blocks) > 3
    expected = np.asarray(parsed.page_type.probabilities, np.float32)
    assert np.array_equal(rows[:, COLUMNS], np.broadcast_to(expected, (len(rows), len(PAGE_TYPES))))
    # Without a page type (the hints alone), the columns are missing, not a type.
    bare = block_features(parsed.flat, choice, page_hints(parsed.text), None, None)
    assert np.isnan(bare[:, COLUMNS]).all()
    assert not np.isnan(np.delete(bare, COLUMNS, axis=1)).any()


def _leaning(tmp_path: Path, kind: str) -> Path:
    """The shipped page-type model with a large head start for `kind`: every page reads as it."""
    data = json.loads(gzip.decompress(MODEL_PATH.read_bytes()))
    data["baseline"][data["labels"].index(kind)] = 50.0
    path = tmp_path / f"{kind}.json.gz"
    path.write_bytes(gzip.compress(json.dumps(data).encode("utf-8")))
    return path


def test_settings_choose_the_page_type_model_that_reads_the_page_and_feeds_the_blocks(tmp_path: Path) -> None:
    forum = _leaning(tmp_path, "forum")
    parsed = parse_page(SHOP, "https://lumen.example/lamps/walnut-desk-lamp",
                        Settings(page_type_model=str(forum)))
    assert parsed.page_type.page_type == "forum"
    assert parsed.page_type.probabilities[PAGE_TYPES.index("forum")] > 0.99
    shipped = parse_page(SHOP, "https://lumen.example/lamps/walnut-desk-lamp", Settings())
    assert shipped.page_type.page_type != "forum"
    article = newsdesk.extract(SHOP, settings=Settings(page_type_model=str(forum)))
    assert article.page_type == "forum"
    with pytest.raises(ExtractionError, match=r"page-type model .* cannot be read"):
        newsdesk.extract(SHOP, settings=Settings(page_type_model=str(tmp_path / "missing.json.gz")))


def test_the_cross_validated_benchmark_gives_each_fold_its_own_page_type_model(tmp_path: Path) -> None:
    sys.path.insert(0, str(PROJECT / "benchmarks"))
    try:
        extraction_cv = importlib.import_module("extraction_cv")
    finally:
        sys.path.remove(str(PROJECT / "benchmarks"))
    for k in range(5):
        settings = extraction_cv.fold_settings(str(tmp_path / "body"), str(tmp_path / "types"), k)
        assert settings.body_model == str(tmp_path / "body" / f"fold{k}.txt")
        assert settings.page_type_model == str(tmp_path / "types" / f"fold{k}.json.gz")
    assert extraction_cv.PAGE_TYPE_MODELS == PROJECT / ".cache" / "page-type-cv"


def test_an_ad_slots_label_alone_in_its_block_is_never_body() -> None:
    """tidy: "Advertisement" (or "Anzeige", "Publicité", ...) between two paragraphs is the label of an
    ad slot, whatever the block model gives it; a sentence that starts with such a word stays."""
    from selectolax.lexbor import LexborHTMLParser

    from newsdesk.extract.html.dom import flatten
    from newsdesk.extract.html.tidy import tidy

    first = ("Die Fähre zur Insel fährt vom nächsten Monat an wieder am Abend, nachdem Stürme und eine "
             "kaputte Rampe im Winter jede dritte Fahrt ausfallen ließen.")
    second = "Advertising on the ferry's screens paid for part of the new ramp, the company said."
    root = LexborHTMLParser(f"<p>{first}</p><div class='slot'>Anzeige</div><div>- ADVERTISEMENT -</div>"
                            f"<p>{second}</p><p>Sponsored</p>").body
    assert root is not None
    flat = flatten(root)
    assert [flat.blocks[i].text for i in tidy(flat, list(range(len(flat.blocks))))] == [first, second]
