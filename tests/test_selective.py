"""The parse that runs the dependency parser only over sentences that may hold an attribution: which
sentences it picks, that the rest keep their boundaries with no parse, and that what enrichment reads
off its Docs (entities, quotations and their speakers, keywords) matches the full pipeline's."""

from __future__ import annotations

from pathlib import Path

import pytest

import newsdesk
from newsdesk.enrich.cues import may_attribute
from newsdesk.enrich.entities import extract_entities
from newsdesk.enrich.keywords import extract_keywords
from newsdesk.enrich.nlp import load_pipeline
from newsdesk.enrich.quotes import quotes_from_doc
from newsdesk.enrich.selective import FastAttributeRuler, FastLemmatizer, parse_selectively

SEED = Path("../shared/data/seed/000_30f3437514e510e8.txt")

BODY = (
    "The harbour authority opened a new container terminal on Monday. Cranes lined the quay in the "
    "morning sun. Maria Lopez runs the terminal for the authority.\n"
    "\"We can now handle twice the ships we could last year,\" she said. Trucks queued at the gate.\n"
    "The city council approved the plan in March, according to the minutes of the meeting. Shipping "
    "volumes rose by a fifth over the summer. Dock workers said they welcomed the extra shifts.\n"
)


def test_may_attribute_by_mark_cue_lemma_and_phrase() -> None:
    assert may_attribute('He left. "Never again," he', ["he", "leave"], "en")
    assert may_attribute("Officials warned of delays", ["official", "warn", "of", "delay"], "en")
    assert may_attribute("Prices rose, according to the bank", ["price", "rise", "accord"], "en")
    assert not may_attribute("Cranes lined the quay.", ["crane", "line", "the", "quay", "."], "en")
    # A language without cue lists parses everything: losing a quote costs more than a parse.
    assert may_attribute("Les grues bordaient le quai.", ["le", "grue"], "xx")


def test_only_sentences_that_may_attribute_are_parsed() -> None:
    nlp = load_pipeline()
    doc = next(parse_selectively(nlp, [BODY], "en"))
    assert doc.text == BODY
    sentences = {sent.text.strip(): sent for sent in doc.sents}
    cranes = sentences["Cranes lined the quay in the morning sun."]
    # Not parsed: a flat tree under its first token, but its own sentence still.
    assert cranes.root.i == cranes.start and all(t.dep_ == "dep" for t in cranes if t.i != cranes.start)
    said = next(sent for text, sent in sentences.items() if text.endswith("she said."))
    verb = next(t for t in said if t.lower_ == "said")
    assert [c.lower_ for c in verb.children if c.dep_ == "nsubj"] == ["she"]
    # The sentence naming the person a "she" refers to is parsed too: Lopez is its subject.
    lopez = next(t for t in doc if t.text == "Lopez")
    assert lopez.dep_ == "nsubj"
    workers = next(t for t in doc if t.text == "workers")
    assert workers.head.lower_ == "said"


def test_what_enrichment_reads_matches_the_full_parse() -> None:
    nlp = load_pipeline()
    full = nlp(BODY)
    doc = next(parse_selectively(nlp, [BODY], "en"))
    assert [(e.id, e.mentions) for e in extract_entities(BODY, doc)] == [
        (e.id, e.mentions) for e in extract_entities(BODY, full)]
    quotes = quotes_from_doc(BODY, doc)
    assert [(q.type, q.span, q.speaker_name, q.cue) for q in quotes] == [
        (q.type, q.span, q.speaker_name, q.cue) for q in quotes_from_doc(BODY, full)]
    assert any(q.type == "direct" and q.speaker_name == "Maria Lopez" for q in quotes)
    entities = extract_entities(BODY, doc)
    assert [k.text for k in extract_keywords(None, BODY, doc, entities)] == [
        k.text for k in extract_keywords(None, BODY, full, extract_entities(BODY, full))]


def test_seed_quotations_match_the_full_parse() -> None:
    if not SEED.exists():
        raise FileNotFoundError(f"the seed article is missing: {SEED.resolve()} (run from the repo root)")
    body = newsdesk.extract_text(SEED.read_text(encoding="utf-8")).body
    nlp = load_pipeline()
    doc = next(parse_selectively(nlp, [body], "en"))
    found = [(q.type, q.span, q.speaker_name) for q in quotes_from_doc(body, doc)]
    assert found == [(q.type, q.span, q.speaker_name) for q in quotes_from_doc(body, nlp(body))]


@pytest.mark.parametrize("text", ["", "   \n\n  ", "\"", "said said said", "“" * 500, "a\u0000b " * 200])
def test_hostile_and_empty_texts(text: str) -> None:
    doc = next(parse_selectively(load_pipeline(), [text], "en"))
    assert doc.text == text


@pytest.mark.parametrize("parsed", [False, True])
def test_fast_attribute_ruler_sets_what_the_ruler_sets(parsed: bool) -> None:
    nlp = load_pipeline()
    ruler = nlp.get_pipe("attribute_ruler")
    text = (BODY + "There is a cat and there are dogs. Gon na let's go, y'all ain't nothin' but c'm on!\n"
            "I told you it was not that, but it's what I'd have done.   \n\n")
    before = nlp.make_doc(text)
    for name in ("tok2vec", "tagger", *(["parser"] if parsed else [])):
        before = nlp.get_pipe(name)(before)
    fast_ruler = FastAttributeRuler.of(ruler)
    slow, fast = ruler(before.copy()), fast_ruler(before.copy())
    columns = ["TAG", "POS", "MORPH", "LEMMA", "DEP"]
    assert fast.to_array(columns).tolist() == slow.to_array(columns).tolist()
    assert any(t.pos_ == "AUX" for t in fast) and any(t.lemma_ == "be" for t in fast)
    # The multi-word rules ("let's", "gon na", "y'all") are looked for only where their first word is.
    assert fast_ruler.first is not None and fast_ruler.longest == 2
    lowers = before.to_array(["LOWER"]).tolist()
    every = fast_ruler.matcher(before, allow_missing=True)
    if parsed:
        every += fast_ruler.dep_matcher(before, allow_missing=True)
    assert sorted(fast_ruler._matches(before, lowers)) == sorted(every) and len(every) >= 4


def test_fast_lemmatizer_sets_what_the_lemmatizer_sets() -> None:
    nlp = load_pipeline()
    lemmatizer = nlp.get_pipe("lemmatizer")
    text = (BODY + "The mice were running faster than the geese; she'd been better off.   \n\n"
            "Children's toys WERE broken, and they're going, isn't it? Ms. Lopez's ships sailed.\n")
    before = nlp.make_doc(text)
    for name in ("tok2vec", "tagger", "attribute_ruler"):
        before = nlp.get_pipe(name)(before)
    assert FastLemmatizer.fits(lemmatizer)
    slow = lemmatizer(before.copy())
    fast_lemmatizer = FastLemmatizer.of(lemmatizer)
    for _ in range(2):  # the second time from its cache
        fast = fast_lemmatizer(before.copy())
        assert [t.lemma_ for t in fast] == [t.lemma_ for t in slow]
    assert {"mouse", "run", "be"} <= {t.lemma_ for t in fast}


def test_the_columns_the_rules_read_match_the_tokens() -> None:
    # The quotation rules pick tokens out on the Doc's columns (quote_speakers.column): the same tokens
    # as their attributes, read one by one, and the text the Doc was made from, never joined again.
    from newsdesk.enrich.nlp import text_of
    from newsdesk.enrich.quote_speakers import REPORTING_VERBS, SUBJECT_DEPS, heads, lemma_in, one_of

    text = BODY + "Said the mayor: \"We are Ready.\" Told of it, the Board SAID nothing.\n"
    doc = next(parse_selectively(load_pipeline(), [text], "en"))
    assert doc.user_data["newsdesk_text"] == text_of(doc) == doc.text == text
    assert lemma_in(doc, REPORTING_VERBS).tolist() == [t.lemma_.lower() in REPORTING_VERBS for t in doc]
    assert any(lemma_in(doc, REPORTING_VERBS)) and any(t.lemma_ != t.lemma_.lower() for t in doc)
    assert one_of(doc, "POS", ["VERB", "AUX"]).tolist() == [t.pos_ in {"VERB", "AUX"} for t in doc]
    assert one_of(doc, "DEP", SUBJECT_DEPS).tolist() == [t.dep_ in SUBJECT_DEPS for t in doc]
    assert one_of(doc, "LOWER", ["according"]).tolist() == [t.lower_ == "according" for t in doc]
    assert heads(doc).tolist() == [t.head.i for t in doc]


def test_column_tests_keep_string_ids_exact() -> None:
    # String ids are 64-bit hashes; a list of ids above and below 2**63 made into a numpy array without
    # a dtype becomes float64, where ids a few hundred apart are equal. A word whose id lies next to a
    # cue verb's must not count as one.
    import numpy

    from newsdesk.enrich.quote_speakers import _ids

    high, low = 2**64 - 5_000, 12_345
    assert high > 2**63
    found = numpy.isin(numpy.array([high + 300, high, low + 1], dtype=numpy.uint64), _ids([high, low]))
    assert found.tolist() == [False, True, False]
