"""Keywords: entities, noun phrases and nouns of the body, scored by frequency, position and the title,
each with its mentions; a language-agnostic fallback without a spaCy Doc."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import newsdesk
from newsdesk.enrich.entities import extract_entities
from newsdesk.enrich.keywords import GENERIC_NOUNS, extract_keywords, stop_words
from newsdesk.enrich.nlp import load_pipeline

SEED = Path("../shared/data/seed/000_30f3437514e510e8.txt")
BODY = ("The trade war between the United States and China hit soybean farmers again. Soybean exports fell "
        "by a third this year, and farmers in Iowa said the tariffs had cost them dearly. The Agriculture "
        "Department promised more aid to soybean farmers, but the trade war goes on; new tariffs start in "
        "December. People said the farm aid came too late.")


@pytest.fixture(scope="module")
def nlp() -> Any:
    return load_pipeline()


def keywords_of(nlp: Any, body: str, title: str | None = None, top: int = 10) -> list[Any]:
    doc = nlp(body)
    return extract_keywords(title, body, doc, extract_entities(body, doc), top=top)


def test_phrases_names_and_their_mentions(nlp: Any) -> None:
    keywords = keywords_of(nlp, BODY)
    texts = [k.text for k in keywords]
    assert {"trade war", "soybean farmers", "tariffs", "United States"} <= set(texts)
    assert keywords[0].score == 1.0
    assert [k.score for k in keywords] == sorted((k.score for k in keywords), reverse=True)
    by_text = {k.text: k for k in keywords}
    assert [BODY[s:e] for s, e in by_text["trade war"].mentions] == ["trade war", "trade war"]
    assert [BODY[s:e] for s, e in by_text["soybean farmers"].mentions] == ["soybean farmers"] * 2
    assert [BODY[s:e] for s, e in by_text["tariffs"].mentions] == ["tariffs", "tariffs"]


def test_no_generic_noun_and_nothing_inside_a_better_keyword(nlp: Any) -> None:
    texts = [k.text.lower() for k in keywords_of(nlp, BODY)]
    assert "tariffs" in texts  # the body's form, lower case
    assert not set(texts) & GENERIC_NOUNS  # "year", "people"
    # inside "trade war", "soybean farmers" (most of the time)
    assert "war" not in texts and "soybean" not in texts and "farmers" not in texts


def test_title_and_top(nlp: Any) -> None:
    assert len(keywords_of(nlp, BODY, top=3)) == 3
    assert keywords_of(nlp, BODY, top=0) == []
    plain = [k.text for k in keywords_of(nlp, BODY)]
    titled = [k.text for k in keywords_of(nlp, BODY, title="Iowa's farm aid")]
    assert titled.index("farm aid") < plain.index("farm aid")


def test_the_seed_article(nlp: Any) -> None:
    if not SEED.exists():
        raise FileNotFoundError(f"the seed article is missing: {SEED.resolve()} (run from the repo root)")
    article = newsdesk.extract_text(SEED.read_text(encoding="utf-8"))
    keywords = keywords_of(nlp, article.body, article.title)
    texts = [k.text for k in keywords]
    assert "NATO" in texts[:5] and "Mark Rutte" in texts
    for keyword in keywords:
        assert keyword.mentions == sorted(keyword.mentions)
        assert all(0 <= s < e <= len(article.body) for s, e in keyword.mentions)


def test_fallback_without_a_doc() -> None:
    body = ("Die Bundesregierung plant neue Förderprogramme für Wärmepumpen. Wärmepumpen sollen ab 2024 "
            "stärker gefördert werden, sagte die Bundesregierung am Montag in Berlin.")
    keywords = extract_keywords("Förderung für Wärmepumpen", body, None, [])
    texts = [k.text for k in keywords]
    assert texts[0] == "Wärmepumpen" and any("Bundesregierung" in text for text in texts)
    assert not {"die", "für", "sollen", "werden"} & {t.lower() for t in texts}
    for keyword in keywords:
        assert all(body[s:e].lower() == keyword.text.lower() for s, e in keyword.mentions)
    assert {"und", "der", "the", "les"} <= stop_words()


def test_bad_input(nlp: Any) -> None:
    assert extract_keywords(None, "", nlp(""), []) == []
    assert extract_keywords(None, "   ", None, []) == []
    with pytest.raises(ValueError, match="not made from this body"):
        extract_keywords(None, "Another body entirely, longer.", nlp("Some other text"), [])
    body = "ཀ་ཁ་ག་ང " * 2000  # a script the English pipeline does not know, tokenised only
    assert len(extract_keywords(None, body, nlp.make_doc(body), [])) <= 10
    big = "wort " * 1_000_000  # 5 MB, one repeated word, no Doc: the fallback reads the first 100,000
    keywords = extract_keywords(None, big, None, [])
    assert [k.text for k in keywords] == ["wort"] and len(keywords[0].mentions) == 20_000
