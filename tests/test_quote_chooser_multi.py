"""The learned speaker chooser of the rule languages (quote_chooser_multi, train_speakers_multi) and the
German rules of this round (verb second, function words), on German and French sentences written
for them."""

from __future__ import annotations

import random
import re
import time
from pathlib import Path

import pytest

from newsdesk.article import Quote
from newsdesk.enrich.quote_chooser import Policy
from newsdesk.enrich.quote_chooser_multi import (
    SENTENCE_END,
    WORDS,
    Gap,
    _Context,
    candidates_of,
    choose_speakers_multi,
    load_model,
    model_path,
    read_chooser,
)
from newsdesk.enrich.quote_rules import rule_quotes
from newsdesk.enrich.train_speakers_multi import NEVER, Example, fit, right, shipped_policy
from newsdesk.errors import ExtractionError


def entities_of(body: str, names: dict[str, str]) -> list[tuple[int, int, str]]:
    """Every occurrence of each name as an entity mention with its label."""
    found = []
    for name, label in names.items():
        at = body.find(name)
        while at >= 0:
            found.append((at, at + len(name), label))
            at = body.find(name, at + 1)
    return sorted(found)


def speaker_words(body: str, quote: Quote) -> str | None:
    return body[slice(*quote.speaker_span)] if quote.speaker_span is not None else None


def test_german_verb_second_pronoun_after_the_verb_speaks_unless_a_person_stands_before() -> None:
    body = ("Irma Beispiel leitet den Verband seit Jahren. Abends mahnte sie: „Wir dürfen nicht "
            "nachlassen.“\nMerkel fragte sie: „Wie geht es weiter?“")
    entities = entities_of(body, {"Irma Beispiel": "PER", "Merkel": "PER"})
    first, second = rule_quotes(body, "de", entities)
    # Before: "Abends", the word before the verb, was taken for its subject.
    assert speaker_words(body, first) == "sie" and first.speaker_name == "Irma Beispiel"
    assert speaker_words(body, second) == "Merkel"


def test_german_function_words_before_a_colon_are_nobody() -> None:
    body = "Im Gesetz steht der Satz. Es heißt: „Der Verpflichtete wird nicht entlassen.“"
    (quote,) = rule_quotes(body, "de")
    assert quote.speaker_name is None  # before: "Es"


def test_candidates_are_the_mentions_and_pronouns_around_a_quotation_never_inside_it() -> None:
    body = ("Karin Muster ist Bürgermeisterin von Kleinstadt. Der Verein lud sie ein.\n"
            "„Wir bauen die Brücke, sagte Otto Anders“, sagte sie am Montag.")
    entities = entities_of(body, {"Karin Muster": "PER", "Otto Anders": "PER", "Der Verein": "ORG"})
    quotes = rule_quotes(body, "de", entities)
    (candidates,) = candidates_of(body, "de", quotes, entities)
    spans = {body[slice(*c.span)]: c for c in candidates}
    assert "Otto Anders" not in spans  # inside the quotation
    assert {"Karin Muster", "Der Verein"} <= set(spans)
    rules = [c for c in candidates if c.features.get("rule_choice")]
    assert len(rules) == 1 and body[slice(*rules[0].span)] == "sie" and rules[0].name == "Karin Muster"
    assert rules[0].features["before"] == 0.0 and rules[0].features["verb_left"] == 1.0
    assert spans["Karin Muster"].features["opens_sentence"] == 1.0
    assert spans["Karin Muster"].features["paragraphs_apart"] == 1.0


def _toy_model() -> tuple[object, Policy]:
    """A chooser fitted on written examples: the person in the sentence before speaks."""
    body = ("Die Stadt plant viel. Am Montag kam Karin Muster spät. „Wir bauen die Brücke.“\n"
            "Der Verein plant wenig. Am Abend kam Otto Anders früh. „Wir bauen die Straße.“\n")
    entities = entities_of(body, {"Karin Muster": "PER", "Otto Anders": "PER", "Der Verein": "ORG",
                                  "Die Stadt": "ORG"})
    quotes = rule_quotes(body, "de", entities)
    examples = []
    for candidates in candidates_of(body, "de", quotes, entities) * 10:
        labels = [int(c.features.get("kind_person", 0) == 1 and c.features["sentences_between"] == 1)
                  for c in candidates]
        examples.append(Example(candidates, labels, False))
    return fit(examples), Policy(fill=0.5, override=2.0)


def test_the_chooser_fills_a_speaker_the_rules_left_out_and_keeps_the_rules_choice() -> None:
    booster, policy = _toy_model()
    body = ("Die Stadt plant viel. Am Montag kam Karin Muster spät. „Wir bauen die Brücke.“\n"
            "„Das reicht nicht für uns“, sagte Otto Anders.")
    entities = entities_of(body, {"Karin Muster": "PER", "Otto Anders": "PER", "Die Stadt": "ORG"})
    quotes = rule_quotes(body, "de", entities)
    assert [q.speaker_name for q in quotes] == [None, "Otto Anders"]
    choose_speakers_multi(body, "de", quotes, entities, model=(booster, policy))
    assert [q.speaker_name for q in quotes] == ["Karin Muster", "Otto Anders"]
    assert speaker_words(body, quotes[0]) == "Karin Muster"


def test_fitting_is_deterministic_and_the_scoring_counts_nobody_right_when_no_one_is_named() -> None:
    first, _ = _toy_model()
    second, _ = _toy_model()
    assert first.model_to_string() == second.model_to_string()  # type: ignore[attr-defined]
    assert right(([], Example([], [], True)), Policy(0.5, 2.0))
    assert not right(([], Example([], [], False)), None)


def test_german_has_a_shipped_chooser_and_french_keeps_its_rules() -> None:
    assert load_model("de") is not None and load_model("fr") is None
    body = "« Nous construirons le pont », a déclaré Marie Exemple. « Il le faut. »"
    entities = entities_of(body, {"Marie Exemple": "PER"})
    quotes = rule_quotes(body, "fr", entities)
    before = [(q.speaker_name, q.speaker_span) for q in quotes]
    choose_speakers_multi(body, "fr", quotes, entities)
    assert [(q.speaker_name, q.speaker_span) for q in quotes] == before


def test_many_quotations_in_one_line_stay_linear() -> None:
    piece = "Anna Beispiel sagte: „Wir bauen die Brücke.“ Er nickte. "
    body = piece * 3_000  # no line break: windows stay bounded
    entities = entities_of(body[: len(piece)], {"Anna Beispiel": "PER"})
    entities = [(s + i * len(piece), e + i * len(piece), label)
                for i in range(3_000) for s, e, label in entities]
    quotes = rule_quotes(body, "de", entities)
    found = candidates_of(body, "de", quotes, entities)
    assert len(found) == 3_000 and all(0 < len(c) <= 16 for c in found)


def test_german_verb_second_keeps_a_description_or_surname_before_the_verb_as_subject() -> None:
    body = ("Irma Beispiel traf die Kanzlerin. Die Kanzlerin fragte sie: „Wie geht es weiter?“\n"
            "Otto Muster traf Irma Beispiel. Muster fragte sie: „Und jetzt?“\n"
            "Zugleich mahnte sie: „Wir müssen handeln.“\nDennoch mahnte sie: „Wir dürfen nicht warten.“")
    entities = entities_of(body, {"Irma Beispiel": "PER", "Otto Muster": "PER"})
    kanzlerin, muster, zugleich, dennoch = rule_quotes(body, "de", entities)
    # Before: the pronoun after the verb (the object) whenever the left words were no entity.
    assert speaker_words(body, kanzlerin) == "Die Kanzlerin"
    assert speaker_words(body, muster) == "Muster" and muster.speaker_name == "Otto Muster"
    # A function word or a lone capitalised word of no entity before the verb: the pronoun speaks.
    assert speaker_words(body, zugleich) == "sie" and speaker_words(body, dennoch) == "sie"


def test_dutch_keeps_the_subject_before_the_verb() -> None:
    body = "Anna de Vries kwam. De burgemeester zei hij: „Het gaat goed.“"
    (quote,) = rule_quotes(body, "nl", entities_of(body, {"Anna de Vries": "PER"}))
    assert speaker_words(body, quote) == "De burgemeester"  # the German verb-second rule is not Dutch


def test_gap_counts_by_binary_search_equal_the_counts_on_the_slice() -> None:
    rng = random.Random(11)
    pieces = [*"ab1 .!?:\n,–-„“”\"»«‚‘’'", "Wort ", ". ", ".“ ", "5. ", "?« "]
    for _ in range(400):
        body = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 80)))
        context = _Context(body, "de", [], [])
        for _ in range(10):
            lo, hi = rng.randint(0, len(body)), rng.randint(0, len(body))
            gap = body[lo:hi]
            stripped = gap.strip("„“”\"»«‚‘’'")
            expected = Gap(len(gap), len(WORDS.findall(gap)), len(SENTENCE_END.findall(stripped + " ")),
                           gap.count("\n"), ":" in gap, gap.strip(" „“”\"»«‚‘’'")[:1])
            assert context.gap(lo, hi) == expected, (body, lo, hi)


def test_the_main_person_far_away_keeps_the_chooser_linear() -> None:
    # The article's main person named three times at the top, then thousands of quotations with no one
    # near them: the main person is a candidate of each, with the whole body between. Before: 51 s for
    # 8,000 quotations (the gap walked each time); bound generously, the machine is shared.
    def seconds(count: int) -> float:
        body = "Anna Beispiel kam. Anna Beispiel ging. Anna Beispiel blieb.\n"
        body += "Es regnete. „Wir bauen die Brücke.“ " * count
        entities = entities_of(body[:60], {"Anna Beispiel": "PER"})
        quotes = rule_quotes(body, "de", entities)
        started = time.process_time()
        choose_speakers_multi(body, "de", quotes, entities)
        assert len(quotes) == count
        return time.process_time() - started

    assert seconds(8_000) < 10


def test_a_model_without_its_policy_or_a_corrupt_one_is_a_clear_error(tmp_path: Path) -> None:
    model, policy = tmp_path / "model.txt", tmp_path / "policy.tsv"
    shipped = model_path("de").read_text(encoding="utf-8")
    model.write_text(shipped, encoding="utf-8")
    with pytest.raises(ExtractionError, match=r"model\.txt has no policy\.tsv"):  # before: FileNotFoundError
        read_chooser(model)
    policy.write_text("fill\t0.1\noverride\t2.0\n", encoding="utf-8")
    assert read_chooser(model)[1] == Policy(0.1, 2.0)
    model.write_text("tree\n", encoding="utf-8")  # before: LightGBMError
    with pytest.raises(ExtractionError, match=re.escape(str(model))):
        read_chooser(model)
    model.write_text(shipped[: len(shipped) // 2], encoding="utf-8")  # cut off
    with pytest.raises(ExtractionError, match="cut off"):
        read_chooser(model)
    model.write_text(shipped, encoding="utf-8")
    policy.write_text("fill\tzero\n", encoding="utf-8")
    with pytest.raises(ExtractionError, match=r"policy\.tsv cannot be read"):
        read_chooser(model)

def test_a_chooser_that_does_not_beat_the_rules_out_of_fold_ships_the_rules_alone() -> None:
    policy = Policy(0.05, NEVER)
    assert shipped_policy(policy, 63, 62) == policy
    never = shipped_policy(policy, 62, 64)
    assert never == shipped_policy(policy, 64, 64) == Policy(NEVER, NEVER)
    booster, _ = _toy_model()
    body = ("Die Stadt plant viel. Am Montag kam Karin Muster spät. „Wir bauen die Brücke.“\n"
            "„Das reicht nicht für uns“, sagte Otto Anders.")
    entities = entities_of(body, {"Karin Muster": "PER", "Otto Anders": "PER", "Die Stadt": "ORG"})
    quotes = rule_quotes(body, "de", entities)
    choose_speakers_multi(body, "de", quotes, entities, model=(booster, never))
    assert [q.speaker_name for q in quotes] == [None, "Otto Anders"]
