"""Learned boundaries of reported quotations holding quoted pieces (newsdesk.enrich.quote_bounds), its
training command (newsdesk.enrich.train_bounds), and one attribution per reported clause, on texts
written for these tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from newsdesk.enrich.quote_bounds import adjust_bounds, alternatives, choose, load_model
from newsdesk.enrich.quotes import extract_quotes, load_pipeline, quotes_from_doc

RUN_ON = ('Adelson said he found the mayor to be “very charming” and called his standing in the crowded '
          'field “unheard of.”')


def test_the_alternatives_end_at_each_quoted_piece_and_start_at_the_first() -> None:
    doc = load_pipeline()(RUN_ON)
    [quote] = quotes_from_doc(RUN_ON, doc, choose=False, fragments=False)
    found = alternatives(doc, RUN_ON, [quote])
    spans = {RUN_ON[a.span[0] : a.span[1]] for a in found}
    assert quote.text in spans  # the span as found is one of them
    assert "he found the mayor to be “very charming”" in spans
    assert "“very charming”" in spans
    assert [a.features["as_found"] for a in found].count(1.0) == 1
    assert all(quote.span[0] <= a.span[0] < a.span[1] <= quote.span[1] for a in found)


def test_choose_cuts_only_past_the_margin_and_never_grows_a_quotation() -> None:
    doc = load_pipeline()(RUN_ON)
    quotes = quotes_from_doc(RUN_ON, doc, choose=False, fragments=False)
    found = alternatives(doc, RUN_ON, quotes)
    cut = next(i for i, a in enumerate(found) if RUN_ON[a.span[0] : a.span[1]].endswith("charming”"))
    scores = [0.9 if i == cut else 0.5 if a.features["as_found"] else 0.1 for i, a in enumerate(found)]
    [kept] = choose(RUN_ON, quotes, found, scores, margin=0.5)
    assert kept == quotes[0]  # 0.9 - 0.5 is under the margin
    [shorter] = choose(RUN_ON, quotes, found, scores, margin=0.3)
    assert shorter.text == "he found the mayor to be “very charming”"
    assert RUN_ON[shorter.span[0] : shorter.span[1]] == shorter.text
    assert (shorter.cue, shorter.speaker_name) == (quotes[0].cue, quotes[0].speaker_name)


def test_hostile_marks_keep_quotations_in_order_and_inside_the_body() -> None:
    hostile = ['He said it was “', 'She said “ ” and “ ” and “', 'They said “a” “b” “c” ' * 300,
               "Bo said " + "“x” " * 2_000 + "was fine."]
    for body in hostile:
        doc = load_pipeline()(body)
        quotes = quotes_from_doc(body, doc, choose=False)
        spans = [q.span for q in quotes]
        assert spans == sorted(spans)
        assert all(0 <= s <= e <= len(body) and body[s:e] == q.text for q, (s, e) in zip(quotes, spans,
                                                                                          strict=True))
        again = adjust_bounds(doc, body, quotes)  # cuts only: never grows or moves a quotation out
        assert all(q.span[0] <= a.span[0] <= a.span[1] <= q.span[1]
                   for q, a in zip(quotes, again, strict=True))


def test_a_clause_reported_inside_another_is_one_attribution() -> None:
    # "worries" reports a clause inside what "said" reports: PolNeAR (and a reader) sees one attribution.
    body = "Maria Lopez said she worries the mayor is too nice to fend off his rivals in the party."
    assert [(q.type, q.text, q.cue, q.speaker_name) for q in extract_quotes(body)] == [
        ("indirect", "she worries the mayor is too nice to fend off his rivals in the party", "said",
         "Maria Lopez")]


def test_the_shipped_model_and_margin_load() -> None:
    booster, margin = load_model()
    assert "as_found" in booster.feature_name()
    assert -1.0 < margin < 1.0


def test_training_says_clearly_when_polnear_is_missing(tmp_path: Path) -> None:
    run = subprocess.run([sys.executable, "-m", "newsdesk.enrich.train_bounds", "--data", str(tmp_path),
                          "--out", str(tmp_path / "model.txt")], capture_output=True, text=True, check=False)
    assert run.returncode == 2
    assert "PolNeAR train split not found" in run.stderr
    assert not (tmp_path / "model.txt").exists()
