"""The learned filter of quoted text nobody said (newsdesk.enrich.quote_filter), its training command
(newsdesk.enrich.train_filter), and the quoted-piece features of the learned cuts, on texts written for
these tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from newsdesk.enrich.quote_bounds import alternatives
from newsdesk.enrich.quote_filter import drop_unsaid, features_of, in_scope, load_model
from newsdesk.enrich.quotes import extract_quotes, load_pipeline, quotes_from_doc
from newsdesk.enrich.train_quotes import nested

SHOWS = "The senator appeared on “State of the Union,” and on “This Week,” before flying home."
SPOKEN = "“We will win this state by a mile,” Maria Lopez said. “Nobody in this party doubts it.”"


def test_a_show_named_in_quotation_marks_is_dropped_and_speech_is_kept() -> None:
    doc = load_pipeline()(SHOWS)
    unfiltered = quotes_from_doc(SHOWS, doc, choose=False, fragments=False)
    assert "This Week," in [q.text for q in unfiltered]  # the rules alone take the title as a quotation
    assert "This Week," not in [q.text for q in extract_quotes(SHOWS)]
    assert [(q.text, q.speaker_name) for q in extract_quotes(SPOKEN)] == [
        ("We will win this state by a mile,", "Maria Lopez"),
        ("Nobody in this party doubts it.", "Maria Lopez")]


def test_the_features_describe_the_words_and_their_surroundings() -> None:
    doc = load_pipeline()(SPOKEN)
    quotes = quotes_from_doc(SPOKEN, doc, choose=False, fragments=False)
    [first, _] = features_of(doc, SPOKEN, quotes, [0, 1])
    assert first["first_capital"] == 1.0 and first["first_person"] == 1.0
    assert first["comma_end"] == 1.0 and first["has_cue"] == 1.0 and first["cue_after"] == 1.0
    assert first["words"] == 8.0


def test_only_quotations_by_a_mark_are_looked_at() -> None:
    body = "Maria Lopez said the budget would pass without a fight this spring."
    [quote] = extract_quotes(body)
    assert not in_scope(body, quote)
    assert drop_unsaid(load_pipeline()(body), body, [quote]) == [quote]


def test_hostile_marks_leave_a_list_of_quotations_inside_the_body() -> None:
    hostile = ['He said it was “', '“ ” “ ” “', '“a” “b” “c” ' * 300, "“" * 500, "Bo said " + "“x” " * 2_000]
    for body in hostile:
        doc = load_pipeline()(body)
        quotes = quotes_from_doc(body, doc, choose=False)
        assert all(body[q.span[0] : q.span[1]] == q.text for q in quotes)
        kept = drop_unsaid(doc, body, quotes)
        assert all(q in quotes for q in kept)


def test_the_cut_alternatives_see_a_whole_sentence_quoted_after_a_comma() -> None:
    # `…, adding, “…”`: a sentence of its own in quotation marks after a verb of saying and a comma.
    body = ("Lopez said the budget was “a good start,” adding, “We will fight for every dollar of it.”")
    doc = load_pipeline()(body)
    quotes = quotes_from_doc(body, doc, choose=False, fragments=False)
    found = alternatives(doc, body, quotes)
    assert found
    features = found[0].features
    assert features["last_capital"] == 1.0 and features["last_sentence_end"] == 1.0
    assert features["last_before_comma"] == 1.0 and features["last_before_word_adding"] == 1.0
    assert features["first_capital"] == 0.0 and features["first_comma_end"] == 1.0


def test_the_shipped_model_and_threshold_load() -> None:
    booster, threshold = load_model()
    assert "words" in booster.feature_name()
    assert 0.0 < threshold < 1.0


def test_training_says_clearly_when_polnear_is_missing(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "newsdesk.enrich.train_filter", "--data", str(tmp_path),
                          "--out", str(tmp_path / "model.txt")], capture_output=True, text=True, check=False)
    assert run.returncode == 2
    assert "PolNeAR train split not found" in run.stderr
    assert not (tmp_path / "model.txt").exists()


def test_a_paragraph_of_many_quotations_is_read_in_linear_time() -> None:
    """What a paragraph holds (its words, a tweet or a link near) is read once, not once per quotation
    of it: one paragraph of 4n quotations costs about four times one of n, not sixteen."""
    import time

    from newsdesk.article import Quote

    doc = load_pipeline()("Bo said it.")

    def cost(n: int) -> float:
        body = "“We win.” " * n
        quotes = [Quote(text="We win.", type="direct", span=(10 * i + 1, 10 * i + 8)) for i in range(n)]
        started = time.process_time()
        rows = features_of(doc, body, quotes, list(range(n)))
        assert len(rows) == n and rows[-1]["paragraph_words"] == 2.0 * n
        return time.process_time() - started

    cost(500)  # warm-up
    small, large = min(cost(2_000) for _ in range(2)), min(cost(8_000) for _ in range(2))
    assert large < 8 * small  # quadratic: ~16 times


def test_a_threshold_chosen_on_the_other_folds_is_counted_on_its_own_fold() -> None:
    # Ten articles in five folds (article i in fold i % 5). At value 0.0 every article has one match
    # of one gold and one prediction; at value 1.0 articles 0 and 5 (fold 0) match nothing, the
    # others as at 0.0 but with one more prediction that matches nothing. The other folds prefer
    # 0.0 for fold 0, and for every other fold too (fold 0 is among their inner folds).
    good = [(1, 1, 1)] * 10
    other = [(1, 1, 0) if i % 5 == 0 else (1, 2, 1) for i in range(10)]
    (f1, p, r), chosen = nested([good, other], [0.0, 1.0], lambda v: -v)
    assert chosen == [0.0] * 5
    assert (f1, p, r) == (1.0, 1.0, 1.0)
    # With fold 0's articles perfect at 1.0 only, fold 0 is still counted at the value the others
    # prefer, not at its own best: the figure of choosing the best of the grid is not reported.
    tuned = [(1, 1, 1) if i % 5 == 0 else (1, 1, 0) for i in range(10)]
    (f1, _, _), chosen = nested([[(1, 1, 0) if i % 5 == 0 else (1, 1, 1) for i in range(10)], tuned],
                                [0.0, 1.0], lambda v: -v)
    assert chosen[0] == 0.0 and round(f1, 9) == 0.8
