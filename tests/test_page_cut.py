"""The page's own cut (page_cut.py): one row per candidate cut from the page's shape and the body
model's probabilities, the word F1 it learns from, and a file without a cut model cutting at 0.5."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import newsdesk
from newsdesk.errors import ExtractionError
from newsdesk.extract.html import parse_page
from newsdesk.extract.html.blocks import FEATURES, block_features, page_hints
from newsdesk.extract.html.body import choose_blocks
from newsdesk.extract.html.learned import MODEL, load_cut, page_cuts
from newsdesk.extract.html.page_cut import (
    CUT_COLUMNS,
    CUT_MARK,
    CUTS,
    DEFAULT,
    candidates,
    choose,
    format_cut,
    parse_cut,
)
from newsdesk.extract.html.train import word_f1
from newsdesk.settings import Settings

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
_WORDS, _HIDDEN = FEATURES.index("log_words"), FEATURES.index("hid")


def page(words: list[int], hidden: list[int] | None = None) -> np.ndarray:
    rows = np.zeros((len(words), len(FEATURES)), np.float32)
    rows[:, _WORDS] = np.log1p(words)
    if hidden:
        rows[hidden, _HIDDEN] = 1
    return rows


def test_the_cut_model_learns_the_word_f1_of_the_wcxb_scorer() -> None:
    reference = Counter("the sea wall was built the year after".split())
    assert word_f1("The sea wall, built", reference) == pytest.approx(2 * 4 / (4 + 8))
    assert word_f1("", reference) == 0.0
    assert word_f1("", Counter()) == 1.0


def test_candidates_give_one_finite_row_per_cut_even_for_odd_pages() -> None:
    for rows, p in ((page([5, 50, 3]), np.array([0.1, 0.95, 0.5])), (page([4], hidden=[0]), np.array([0.7])),
                    (page([]), np.zeros(0))):
        found = candidates(rows, p)
        assert found.shape == (len(CUTS), len(CUT_COLUMNS))
        assert bool(np.isfinite(found).all())
        assert found[:, CUT_COLUMNS.index("cut")].tolist() == pytest.approx(CUTS)
        assert choose(None, rows, p) == DEFAULT


def test_the_shipped_model_cuts_each_page_and_hidden_boxes_at_one_half() -> None:
    model = load_cut()
    assert model is not None and model.booster.feature_name() == CUT_COLUMNS
    parsed = parse_page((EXAMPLES / "harbour-bridge-reopens.html").read_bytes(), None, Settings())
    assert parsed.flat is not None
    rows = block_features(parsed.flat, choose_blocks(parsed.flat), page_hints(parsed.text), None, None)
    rows[0, _HIDDEN] = 1
    p = np.linspace(0, 1, len(rows))
    cuts = page_cuts(rows, p)
    assert cuts[0] == DEFAULT
    assert len(set(cuts[1:].tolist())) == 1 and cuts[1] in CUTS


def test_a_model_file_without_a_cut_model_cuts_at_one_half(tmp_path: Path) -> None:
    plain = tmp_path / "two-stages.txt"
    plain.write_text(MODEL.read_text(encoding="utf-8").partition(CUT_MARK)[0], encoding="utf-8")
    assert load_cut(str(plain)) is None
    html = (EXAMPLES / "harbour-bridge-reopens.html").read_bytes()
    article = newsdesk.extract(html, settings=Settings(body_model=str(plain)))
    assert article.extraction["body"] == "model"
    assert article.body.startswith("The harbour bridge carried its first traffic")


def test_a_cut_model_part_that_is_not_one_is_refused_clearly(tmp_path: Path) -> None:
    assert parse_cut(format_cut((0.3, 0.5), 0.02, "tree")) == ((0.3, 0.5), 0.02, "tree")
    text = MODEL.read_text(encoding="utf-8")
    head = text.partition(CUT_MARK)[2].partition("\n")[0]
    for bad in ("cuts=0.33,0.5 margin=0", "cuts=0.3,0.7 margin=0", "margin=0.01", "cuts=a,b margin=0",
                "cuts=0.5,0.5 margin=0", "cuts=0.3,0.5 margin=nan"):
        broken = tmp_path / "broken.txt"
        broken.write_text(text.replace(head, bad, 1), encoding="utf-8")
        with pytest.raises(ExtractionError, match="cannot be read"):
            newsdesk.extract((EXAMPLES / "harbour-bridge-reopens.html").read_bytes(),
                             settings=Settings(body_model=str(broken)))


@pytest.mark.parametrize("keep", [0.4, 0.8, 0.999, "mark"])
def test_a_cut_off_model_file_is_refused_and_the_process_lives(tmp_path: Path, keep: float | str) -> None:
    """A model file cut off by a write stopped halfway (LightGBM itself would abort the process on
    it) is an ExtractionError; so is a file ending at the cut model's mark."""
    text = MODEL.read_text(encoding="utf-8")
    cut = text.partition(CUT_MARK)[0] + CUT_MARK if keep == "mark" else text[: int(len(text) * float(keep))]
    broken = tmp_path / "cut-off.txt"
    broken.write_text(cut, encoding="utf-8")
    with pytest.raises(ExtractionError, match="cut off"):
        newsdesk.extract((EXAMPLES / "harbour-bridge-reopens.html").read_bytes(),
                         settings=Settings(body_model=str(broken)))


_SERVED_PAGE = """<html><head><title>Tide gauges return to the north pier</title></head><body>
<header><nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav></header>
<main><article><p class="byline">By Mara Quist</p><h2>Tide gauges return to the north pier</h2>
<p>The harbour board put the tide gauges back on the north pier on Tuesday after a winter of repairs.</p>
<p>Fishing crews had read the tides from a chalk board by the slipway since the storm in November.</p>
<p>The new gauges report every ten minutes to the harbour office and to the board's public page.</p>
<p>Crews said the old board had served them well but that nobody would miss climbing down to it.</p>
</article></main>
<footer><p>Copyright the Pier Gazette. All rights reserved.</p></footer></body></html>"""


def test_the_cut_targets_score_the_body_as_the_extractor_serves_it() -> None:
    """Where the model keeps nothing, the page gives the rules' body as the rules made it (its
    headline too); the cut model's target at that cut is that body's word F1, not that of a body the
    page never gives (the rules' blocks less the headline)."""
    from newsdesk.extract.html.train import _cut_job

    truth = ("Tide gauges return to the north pier. The harbour board put the tide gauges back on the "
             "north pier on Tuesday after a winter of repairs.")
    parsed = parse_page(_SERVED_PAGE, None, Settings(body_model="rules"))
    assert parsed.flat is not None
    blocks = len(parsed.flat.blocks)
    served = newsdesk.extract(_SERVED_PAGE.encode(), settings=Settings(body_model="rules")).body
    assert served.startswith("Tide gauges return")  # the rules keep the headline
    reference = Counter(truth.lower().replace(".", "").split())
    nothing = np.zeros(blocks)  # the model keeps no block at any cut: the rules' body is served
    found = _cut_job(("wcxb-dev", "page", {"main_content": truth}, _SERVED_PAGE.encode(), [nothing]))
    assert found is not None
    assert found[0].tolist() == pytest.approx([word_f1(served, reference)] * len(CUTS))


def test_the_cut_targets_are_made_again_when_the_extraction_code_changes() -> None:
    from newsdesk.extract import stamps
    from newsdesk.extract.html import body, page, tidy
    from newsdesk.extract.html.train import _extraction_source

    source = _extraction_source()
    for module in (tidy, body, page, stamps):
        assert Path(str(module.__file__)).read_bytes() in source
