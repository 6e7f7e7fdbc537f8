"""The learned body model: shipped as package data, loaded once, chosen by Settings.body_model, with
the rules as the fallback; its features are one row per block whatever the page."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import newsdesk
from newsdesk.errors import ExtractionError
from newsdesk.extract.html import parse_page
from newsdesk.extract.html.blocks import FEATURES, block_features, page_hints
from newsdesk.extract.html.body import choose_blocks
from newsdesk.extract.html.learned import MODEL, load_model, predict
from newsdesk.extract.html.stack import CONTEXT, STACK_FEATURES, context, stack_rows, structure
from newsdesk.settings import Settings

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


def test_the_shipped_model_is_package_data_and_loaded_once() -> None:
    assert MODEL.is_file()
    assert MODEL.stat().st_size < 5_000_000
    assert load_model() is load_model()
    first, second = load_model()
    assert first.feature_name() == FEATURES
    assert second.feature_name() == STACK_FEATURES


def test_each_shipped_stage_was_fitted_with_the_training_commands_own_settings() -> None:
    from newsdesk.extract.html.learned import STACK_MARK
    from newsdesk.extract.html.page_cut import CUT_MARK
    from newsdesk.extract.html.train import PARAMS, ROUNDS, STACK_PARAMS, STACK_ROUNDS

    stages = MODEL.read_text(encoding="utf-8").partition(CUT_MARK)[0]
    first_text, _, second_text = stages.partition(STACK_MARK)
    first, second = load_model()
    assert (first.num_trees(), second.num_trees()) == (ROUNDS, STACK_ROUNDS)
    for text, params in ((first_text, PARAMS), (second_text, STACK_PARAMS)):
        for name in ("learning_rate", "num_leaves", "min_data_in_leaf", "bagging_fraction"):
            assert f"\n[{name}: {params[name]}]\n" in text, name
    assert PARAMS["learning_rate"] != STACK_PARAMS["learning_rate"]  # the stages' settings are apart


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
    rows = block_features(parsed.flat, choice, page_hints(parsed.text, parsed.page_type.probabilities),
                          parsed.metadata.title, None)
    assert rows.shape == (len(parsed.flat.blocks), len(FEATURES))
    assert bool((rows == rows).all())  # no NaN
    stacked = stack_rows(rows, np.full(len(rows), 0.5), structure(parsed.flat, choice))
    assert stacked.shape == (len(rows), len(STACK_FEATURES))
    assert bool(np.isfinite(stacked).all())
    newsdesk.extract(html)  # and the model takes them


POST = ("I have been running the same setup for two years and since the last update the service will "
        "not start any more; the log says the port is taken although nothing else is listening on it.")
REPLY = ("Same here after the update. Removing the old socket file from the run folder and starting the "
         "service again fixed it for me, it seems the update does not clean it up when it stops.")
ARTICLE = ("The council approved the harbour budget on Tuesday after three months of argument over how "
           "much the town should spend on the sea wall, which storms damaged last winter. ")


def thread(posts: list[str]) -> str:
    return "".join(f"<div class='post'><div class='who'>user{i} March {i + 2}, 2024, 10:1{i}am</div>"
                   f"<p>{text}</p><a href='#r{i}'>Reply</a></div>" for i, text in enumerate(posts))


def test_the_second_stage_sees_comment_threads_and_whether_article_text_comes_first() -> None:
    """Whether a dated thread of replies is a comment section or the page's own content is learned
    from the page: the structure flags a thread, and says whether article text came before it."""
    posts = [POST, REPLY, REPLY.replace("Same here", "Also for me"), POST.replace("two", "three")]
    forum = (f"<html><body><h1>Service will not start</h1><div class='topic'>{thread(posts)}</div>"
             "</body></html>")
    article = (f"<html><body><article><h1>Harbour budget</h1><p>{ARTICLE * 3}</p><p>{ARTICLE * 2}</p>"
               f"</article><h2>4 comments</h2><div class='list'>{thread(posts)}</div></body></html>")
    flags = {}
    for name, html in (("forum", forum), ("article", article)):
        parsed = parse_page(html, None, Settings(body_model="rules"))
        assert parsed.flat is not None
        struct = structure(parsed.flat, choose_blocks(parsed.flat))
        posts_at = [i for i, b in enumerate(parsed.flat.blocks) if b.text in (POST, REPLY)]
        flags[name] = {tuple(struct[i, 2:4]) for i in posts_at}
    assert flags["forum"] == {(1, 0)}
    assert flags["article"] == {(1, 1)}


def test_context_gives_each_block_its_neighbours_siblings_and_page() -> None:
    html = ("<html><body><div><p>" + "one two three " * 20 + "</p><p>" + "four five six " * 20 + "</p></div>"
            "<ul><li>alpha</li><li>beta</li><li>gamma</li></ul></body></html>")
    parsed = parse_page(html, None, Settings(body_model="rules"))
    assert parsed.flat is not None
    choice = choose_blocks(parsed.flat)
    rows = block_features(parsed.flat, choice, page_hints(parsed.text), None, None)
    p = np.array([0.9, 0.8, 0.1, 0.2, 0.3])
    columns = dict(zip(CONTEXT, context(rows, p, structure(parsed.flat, choice)).T, strict=True))
    assert columns["s1_prev1"].tolist() == pytest.approx([-1.0, 0.9, 0.8, 0.1, 0.2])
    assert columns["s1_siblings_max"].tolist() == pytest.approx([0.9, 0.9, 0.3, 0.3, 0.3])
    assert columns["s1_page_max"].tolist() == pytest.approx([0.9] * 5)
    assert columns["s1_kept_gap"].tolist() == [0, 0, 1, 2, 3]
    # the probabilities the extractor acts on are the second stage's, one per block
    assert len(predict(parsed.flat, choice, page_hints(parsed.text), None, None)) == 5


def test_a_fragment_of_a_few_paragraphs_is_read_by_the_rules_whole() -> None:
    # The model learned that a page starts with its header (few training pages' first blocks are
    # body); a fragment has none, so the rules, which keep all of it, decide: no first paragraph lost.
    paragraphs = [
        "The ferry service to the outer islands resumes on Monday after the storm damaged both piers "
        "last month, the harbour office said in a statement on Friday afternoon.",
        "Repairs to the northern pier took three weeks, and engineers expect the southern one to carry "
        "lorries again by the end of the month once its new deck has been tested.",
        "Islanders who relied on the fishing boats for their shopping said they were relieved, although "
        "several asked why the timetable would keep only two crossings a day.",
    ]
    fragment = "<html><body><div>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</div></body></html>"
    article = newsdesk.extract(fragment)
    assert article.extraction["body"] == "dom"
    assert all(p in article.body for p in paragraphs)
    page = fragment.replace("<body>", "<body><header><nav><a href='/'>Home</a> <a href='/news'>News</a> "
                            "<a href='/sport'>Sport</a></nav></header>")
    assert newsdesk.extract(page).extraction["body"] == "model"
