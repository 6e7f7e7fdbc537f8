"""The bulk decoder of spaCy's named-entity recogniser gives spaCy's own entities, token by token."""

from __future__ import annotations

import pytest

from newsdesk.enrich.greedy_ner import GreedyRecogniser
from newsdesk.enrich.nlp import load_pipeline
from newsdesk.enrich.selective import _lines_apart

TEXTS = [
    "Maria Lopez, who runs the container terminal for the Port of Rotterdam Authority, met Prime Minister "
    "Mark Rutte in The Hague on Monday, 3 June 2024, to discuss a 250 million euro loan from the European "
    "Investment Bank.\nShe flew back to New York City with two colleagues from Goldman Sachs.",
    "The Golden State Warriors beat the Boston Celtics 112-104 at the Chase Center. Stephen Curry scored "
    "31 points; Jayson Tatum had 27.\n\nThe NBA Finals resume on Thursday night in Boston, Massachusetts.",
    # Entities at the very end, across line breaks, after runs of spaces, and a lone token.
    "Berlin",
    "Talks ended in Geneva\nSwitzerland hosted them.   Then   Angela Merkel left for Washington",
    "",
    "   \n\n  \t ",
    "The World Health Organization (WHO) said the first quarter of 2023 saw 40% more cases in "
    "Sub-Saharan Africa than in Europe, according to Dr Tedros Adhanom Ghebreyesus.\n" * 3,
    "“We will not back down,” said Volodymyr Zelensky, president of Ukraine, in Kyiv. "
    "The Kremlin, through Dmitry Peskov, called the Minsk agreements dead.",
]


def _entities(docs: list) -> list[tuple[list[tuple[int, int, str]], list[str]]]:  # type: ignore[type-arg]
    return [([(e.start, e.end, e.label_) for e in doc.ents], [t.ent_iob_ for t in doc]) for doc in docs]


@pytest.mark.parametrize("batch_size", [1, 3, 16])
def test_same_entities_as_spacys_recogniser(batch_size: int) -> None:
    nlp = load_pipeline()
    ner = nlp.get_pipe("ner")
    fast = GreedyRecogniser.of(ner)
    assert fast is not None
    slow = list(ner.pipe([_lines_apart(nlp.make_doc(text)) for text in TEXTS], batch_size=batch_size))
    found = list(fast.pipe([_lines_apart(nlp.make_doc(text)) for text in TEXTS], batch_size=batch_size))
    assert [doc.text for doc in found] == TEXTS
    assert _entities(found) == _entities(slow)
    labels = {label for doc, _ in _entities(found) for _, _, label in doc}
    assert {"PERSON", "ORG", "GPE", "DATE"} <= labels


def test_no_entity_crosses_a_sentence_start() -> None:
    nlp = load_pipeline()
    fast = GreedyRecogniser.of(nlp.get_pipe("ner"))
    assert fast is not None
    doc = next(fast.pipe([_lines_apart(nlp.make_doc(TEXTS[3]))]))
    for ent in doc.ents:
        assert all(not token.is_sent_start for token in ent[1:])
    assert "Angela Merkel" in [e.text for e in doc.ents]


def test_preset_entities_go_through_spacy() -> None:
    from spacy.tokens import Span

    nlp = load_pipeline()
    ner = nlp.get_pipe("ner")
    fast = GreedyRecogniser.of(ner)
    assert fast is not None

    def preset() -> object:
        doc = nlp.make_doc(TEXTS[0])
        doc.set_ents([Span(doc, 0, 2, label="ORG")])
        return doc

    assert _entities(list(fast.pipe([preset()]))) == _entities(list(ner.pipe([preset()])))
    assert next(fast.pipe([preset()])).ents[0].label_ == "ORG"


def test_a_recogniser_it_does_not_reproduce_is_left_to_spacy() -> None:
    import spacy

    blank = spacy.blank("en")
    assert GreedyRecogniser.of(blank.add_pipe("beam_ner")) is None
    assert GreedyRecogniser.of(object()) is None


def test_batches_longer_than_one_decoding_chunk() -> None:
    from newsdesk.enrich.greedy_ner import MAX_TOKENS

    nlp = load_pipeline()
    ner = nlp.get_pipe("ner")
    fast = GreedyRecogniser.of(ner)
    assert fast is not None
    texts = [TEXTS[0] * 200, TEXTS[1] * 200, TEXTS[6] * 60, TEXTS[7]]
    docs = [_lines_apart(nlp.make_doc(text)) for text in texts]
    assert sum(map(len, docs)) > MAX_TOKENS
    slow = list(ner.pipe([_lines_apart(nlp.make_doc(text)) for text in texts], batch_size=4))
    assert _entities(list(fast.pipe(docs, batch_size=4))) == _entities(slow)
