"""The learned body model: shipped as package data, loaded once, chosen by Settings.body_model, with
the rules as the fallback; its features are one row per block whatever the page."""

from __future__ import annotations

from pathlib import Path

import pytest

import newsdesk
from newsdesk.errors import ExtractionError
from newsdesk.extract.blocks import FEATURES, block_features, page_hints
from newsdesk.extract.body import choose_blocks
from newsdesk.extract.html import parse_page
from newsdesk.extract.learned import MODEL, load_model
from newsdesk.settings import Settings

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_the_shipped_model_is_package_data_and_loaded_once() -> None:
    assert MODEL.is_file()
    assert MODEL.stat().st_size < 5_000_000
    assert load_model() is load_model()
    assert load_model().feature_name() == FEATURES


def test_the_model_decides_the_body_and_the_rules_remain_a_setting() -> None:
    html = (EXAMPLES / "harbour-bridge-reopens.html").read_bytes()
    learned = newsdesk.extract(html)
    rules = newsdesk.extract(html, settings=Settings(body_model="rules"))
    assert learned.extraction["body"] == "model"
    assert rules.extraction["body"] == "dom"
    assert learned.body.startswith("The harbour bridge carried its first traffic")
    assert rules.body.startswith("The harbour bridge carried its first traffic")


def test_a_model_fitted_on_other_features_is_refused_clearly(tmp_path: Path) -> None:
    other = tmp_path / "other.txt"
    other.write_text(MODEL.read_text(encoding="utf-8").replace("feature_names=log_chars",
                                                              "feature_names=something_else", 1),
                     encoding="utf-8")
    with pytest.raises(ExtractionError, match="other features"):
        newsdesk.extract((EXAMPLES / "storm-power-cuts.html").read_bytes(),
                         settings=Settings(body_model=str(other)))
    with pytest.raises(ExtractionError, match="cannot be read"):
        newsdesk.extract((EXAMPLES / "storm-power-cuts.html").read_bytes(),
                         settings=Settings(body_model=str(tmp_path / "missing.txt")))


@pytest.mark.parametrize("html", [
    "<p>one</p>",
    "<html><body>" + "<div>" * 3000 + "deep text" + "</div>" * 3000 + "</body></html>",
    "<html><body><table>" + "<tr><td><a href='/x'>link</a></td></tr>" * 500 + "</table>"
    "<p>A paragraph after five hundred links, long enough to be read as text.</p></body></html>",
    "<html><head><script type='application/ld+json'>{\"@type\": \"Product\"}</script></head>"
    "<body><h1>Kettle</h1><p>€ 20,00</p><form><input></form></body></html>",
])
def test_every_block_gets_one_finite_row(html: str) -> None:
    settings = Settings(body_model="rules")
    parsed = parse_page(html, None, settings)
    assert parsed.flat is not None
    choice = choose_blocks(parsed.flat)
    rows = block_features(parsed.flat, choice, page_hints(parsed.text), parsed.metadata.title, None)
    assert rows.shape == (len(parsed.flat.blocks), len(FEATURES))
    assert bool((rows == rows).all())  # no NaN
    newsdesk.extract(html)  # and the model takes them
