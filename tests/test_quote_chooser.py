"""The learned speaker chooser of English quotations (newsdesk.enrich.quote_chooser) and its training
reader (newsdesk.enrich.train_speakers), on texts written for these tests."""

from __future__ import annotations

from pathlib import Path

from newsdesk.enrich.quote_chooser import Candidate, Policy, decide, load_model
from newsdesk.enrich.quotes import extract_quotes, load_pipeline, quotes_from_doc
from newsdesk.enrich.train_speakers import read_attributions


def test_a_quote_with_no_cue_of_its_own_gets_the_person_the_paragraph_is_about() -> None:
    # No reporting verb anywhere near the quote: the rules name nobody; the chooser takes "She" (the
    # mayor), the person the sentences before it are about.
    body = ('Mayor Ruth Cole walked the flooded street on Sunday. She was angry. '
            '"Nobody warned these families, nobody." Cole wants an inquiry.')
    doc = load_pipeline()(body)
    assert [q.speaker_name for q in quotes_from_doc(body, doc, choose=False)] == [None]
    [quote] = quotes_from_doc(body, doc)
    assert quote.text == "Nobody warned these families, nobody."
    assert quote.speaker_name == "Ruth Cole"
    assert quote.speaker_span is not None and body[slice(*quote.speaker_span)] == "She"


def test_the_rules_choice_stands_where_it_is_clear() -> None:
    body = ('Mayor Tom Hale opened the new library on Monday. "This building belongs to every family in '
            'this town," Hale told the crowd.')
    [quote] = [q for q in extract_quotes(body) if q.type == "direct"]
    assert quote.speaker_name == "Tom Hale"
    assert quote.speaker_span is not None and body[slice(*quote.speaker_span)] == "Hale"


def test_someone_saying_something_else_after_the_quote_is_not_its_speaker() -> None:
    body = '“We will win this fight in the end.” Catherine Frazier said the claim was false.'
    direct = [q for q in extract_quotes(body) if q.type == "direct"]
    assert [(q.text, q.speaker_name) for q in direct] == [("We will win this fight in the end.", None)]


def _candidate(name: str, *, rule: bool = False, found: bool = False, eligible: bool = True) -> Candidate:
    features = {"rule_choice": float(rule), "rule_found": float(found)}
    return Candidate((0, len(name)), name, features, eligible)


def test_policy_fills_only_above_its_threshold_and_overrides_only_by_its_margin() -> None:
    policy = Policy(fill=0.3, override=0.2)
    smith, jones = _candidate("Smith"), _candidate("Jones")
    assert decide([(0.2, smith), (0.1, jones)], policy) is None  # not sure enough to name anyone
    assert decide([(0.4, smith), (0.1, jones)], policy) is smith
    ruled = _candidate("Brown", rule=True, found=True)
    other = _candidate("Smith", found=True)
    assert decide([(0.5, ruled), (0.6, other)], policy) is ruled  # margin 0.1 < 0.2: the rules stand
    assert decide([(0.3, ruled), (0.9, other)], policy) is other
    barred = _candidate("Smith", eligible=False)
    assert decide([(0.9, barred)], policy) is None  # never a name the chooser may not give


def test_the_shipped_model_reads_the_features_it_was_fitted_on() -> None:
    booster, policy = load_model()
    names = set(booster.feature_name())
    assert {"rule_choice", "same_sentence", "subject_of_cue", "kind_PRON", "log_distance"} <= names
    assert 0.0 <= policy.fill <= 1.0 and policy.override > 0.0


def test_training_reads_brat_attributions_with_fragments(tmp_path: Path) -> None:
    ann = tmp_path / "article_A.ann"
    ann.write_text(
        "T1\tSource 0 5\tSmith\n"
        "T2\tCue 6 10\tsaid\n"
        "T3\tContent 12 20;30 40\tfragment ; second one\n"
        "T4\tAttribution 6 10\tsaid\n"
        "E1\tAttribution:T4 Content:T3 Cue:T2 Source:T1\n"
        "E2\tAttribution:T4 Cue:T2\n",  # no Content: not an attribution to learn from
        encoding="utf-8")
    assert read_attributions(ann) == [([(12, 20), (30, 40)], [(0, 5)])]
