"""Paraphrases around a quoted piece (newsdesk.enrich.quote_fragments) and their training command
(newsdesk.enrich.train_quotes), on texts written for these tests."""

from __future__ import annotations

import itertools
import subprocess
import sys
from pathlib import Path

from newsdesk.article import Quote
from newsdesk.enrich.quote_fragments import (
    Thresholds,
    fragment_candidates,
    keep,
    load_model,
    merge,
)
from newsdesk.enrich.quotes import extract_quotes, load_pipeline, quotes_from_doc


def test_a_quoted_term_in_the_writers_words_is_reported_speech_of_the_verbs_subject() -> None:
    # The rules alone drop "rapists" as a scare quote (one word, no cue of its own): no quotation.
    body = ('At a rally on Tuesday, Trump referred to undocumented immigrants as "rapists" '
            'and promised a wall.')
    doc = load_pipeline()(body)
    assert quotes_from_doc(body, doc, fragments=False) == []
    [quote] = quotes_from_doc(body, doc)
    assert quote.type == "indirect"
    assert quote.text == 'to undocumented immigrants as "rapists"'
    assert (quote.speaker_name, quote.cue) == ("Trump", "referred")
    assert quote.speaker_span is not None and body[slice(*quote.speaker_span)] == "Trump"


def test_a_promise_around_a_quoted_phrase_replaces_nothing_and_keeps_its_speaker() -> None:
    body = 'The mayor has promised to end the “culture of secrecy” at City Hall before the next election.'
    quotes = extract_quotes(body)
    assert [(q.type, q.text, q.cue) for q in quotes] == [
        ("indirect", "to end the “culture of secrecy” at City Hall before the next election", "has promised")]


def test_a_title_and_a_quotation_introduced_by_a_colon_are_left_alone() -> None:
    body = ('The film “The Long Night” opens on Friday in three cinemas.\n'
            'A caller told the station: "There is a car in the river and it is sinking fast."')
    quotes = extract_quotes(body)
    assert [(q.type, q.text) for q in quotes] == [
        ("direct", "There is a car in the river and it is sinking fast.")]


def test_one_quotation_found_twice_by_the_rules_is_kept_once() -> None:
    body = 'Senator Maria Lopez called the bill “a disgrace to this chamber” during the debate on Monday.'
    quotes = extract_quotes(body)
    assert [q.text for q in quotes] == ["the bill “a disgrace to this chamber” during the debate on Monday"]


def test_keep_takes_each_pieces_best_candidate_above_its_threshold_and_no_overlap() -> None:
    body = ('Ann Lee referred to the plan as "a mess" on Monday. '
            'Tom Ray spoke at length of the "culture of secrecy" in the office.')
    doc = load_pipeline()(body)
    rules = quotes_from_doc(body, doc, choose=False, fragments=False)
    candidates = fragment_candidates(doc, body, rules)
    pieces = {c.piece for c in candidates}
    assert len(pieces) == 2 and len(candidates) > len(pieces)  # several cuts around a piece
    assert all(body[c.span[0] : c.span[1]].count('"') == 2 for c in candidates)
    everything = keep(candidates, [0.9] * len(candidates), Thresholds(0.5, 0.5))
    assert len(everything) == 2 and everything[0].span[1] <= everything[1].span[0]
    assert keep(candidates, [0.4] * len(candidates), Thresholds(0.5, 0.5)) == []
    # A direct quotation inside a kept paraphrase is part of it; one outside stays.
    start = body.index("a mess")
    inside = Quote("a mess", "direct", (start, start + 6))
    outside = Quote("x", "direct", (len(body) - 3, len(body) - 2))
    merged = merge([inside, outside], everything[:1])
    assert inside not in merged and outside in merged and merged == sorted(merged, key=lambda q: q.span)


def test_a_body_full_of_quoted_terms_goes_through() -> None:
    # (1,000 sentences with a quoted term and a cue each; its cost is measured in docs/benchmarks.md)
    body = " ".join(f'Smith called item {i} "bad" today.' for i in range(1_000))
    doc = load_pipeline()(body)
    quotes = quotes_from_doc(body, doc)
    # One quotation a sentence (the first sentence's parse finds none); each was once found twice, by
    # the labelling verb and as the verb's complement, one span inside the other.
    assert len(quotes) >= 999
    assert all(body[q.span[0] : q.span[1]] == q.text for q in quotes)
    assert all(a.span[1] <= b.span[0] for a, b in itertools.pairwise(quotes))


def test_unbalanced_and_hostile_marks_do_not_break_the_stage() -> None:
    hostile = ['He called it "', '"""""', 'She said “ ” and called it “', "“" * 500 + " called " + "”" * 500]
    for body in hostile:
        doc = load_pipeline()(body)
        quotes = quotes_from_doc(body, doc)
        assert all(0 <= q.span[0] <= q.span[1] <= len(body) for q in quotes)


def test_the_shipped_model_and_thresholds_load() -> None:
    booster, thresholds = load_model()
    assert "piece_words" in booster.feature_name()
    assert 0.0 < thresholds.new < 1.0 and 0.0 < thresholds.replace < 1.0


def test_training_says_clearly_when_polnear_is_missing(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "newsdesk.enrich.train_quotes", "--data", str(tmp_path),
                          "--out", str(tmp_path / "model.txt")], capture_output=True, text=True, check=False)
    assert run.returncode == 2
    assert "PolNeAR train split not found" in run.stderr
    assert not (tmp_path / "model.txt").exists()
