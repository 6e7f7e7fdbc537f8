"""Topics: the IPTC Media Topics top level, assigned from a weighted lexicon over spaCy lemmas; pinned on
the seed article and on small bodies written for each rule."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import newsdesk
from newsdesk.enrich.entities import extract_entities
from newsdesk.enrich.nlp import load_pipeline
from newsdesk.enrich.topics import (
    MAX_TOPICS,
    assign_topics,
    explain_topics,
    load_lexicon,
    parse_lexicon,
    taxonomy,
)

SEED = Path("../shared/data/seed/000_30f3437514e510e8.txt")
SPORT = ("The Lakers beat the Celtics 112-104 on Sunday. LeBron James scored 31 points and the coach praised "
         "the defense. The team has won five straight games this season and leads the league; the playoff "
         "race tightens as the championship favourites face the Nets at their stadium on Friday.")
BUSINESS = ("Shares of Home Depot rose 4% after the retailer reported quarterly earnings above analysts' "
            "forecasts. Revenue grew to $28 billion and the company raised its profit outlook for the fiscal "
            "year, while investors weighed the effect of tariffs and interest rates on consumer spending.")
RECIPE = ("This focaccia recipe takes an hour. Mix the flour, olive oil and yeast, bake the bread until "
          "golden and serve the dish warm with a glass of wine. The ingredients are cheap and the flavour "
          "is great; a vegan dessert of chocolate cake follows the meal.")
NOTHING = "He said it was fine. They went there and came back later, as they often do."


@pytest.fixture(scope="module")
def nlp() -> Any:
    return load_pipeline()


def topics_of(nlp: Any, body: str, title: str | None = None) -> list[str]:
    doc = nlp(body)
    return [topic.name for topic in assign_topics(title, body, doc, extract_entities(body, doc))]


def test_taxonomy_is_the_iptc_top_level() -> None:
    ids = [topic_id for topic_id, _ in taxonomy()]
    assert len(ids) == 17 == len(set(ids))
    assert ids[0] == "medtop:01000000" and ids[-1] == "medtop:17000000"
    assert dict(taxonomy())["medtop:11000000"] == "politics"
    assert dict(taxonomy())["medtop:15000000"] == "sport"


@pytest.mark.parametrize(("body", "first"), [(SPORT, "sport"), (BUSINESS, "economy, business and finance"),
                                             (RECIPE, "lifestyle and leisure")])
def test_a_clear_subject_comes_first(nlp: Any, body: str, first: str) -> None:
    assert topics_of(nlp, body)[0] == first


def test_no_topic_without_enough_evidence(nlp: Any) -> None:
    assert topics_of(nlp, NOTHING) == []


def test_records_are_scored_ranked_and_few(nlp: Any) -> None:
    body = f"{SPORT}\n\n{BUSINESS}\n\n{RECIPE}"
    doc = nlp(body)
    topics = assign_topics(None, body, doc, [])
    assert 1 <= len(topics) <= MAX_TOPICS
    scores = [topic.score for topic in topics]
    assert scores == sorted(scores, reverse=True) and all(0 < s <= 1 for s in scores)
    assert {topic.id for topic in topics} <= {topic_id for topic_id, _ in taxonomy()}


def test_the_title_weighs_in(nlp: Any) -> None:
    body = "The officials met on Tuesday and the meeting lasted for two hours before the statement."
    assert topics_of(nlp, body) == []
    title = "Election: senators vote on impeachment, campaign goes on"
    assert topics_of(nlp, body, title=title) == ["politics"]


def test_a_persons_name_is_not_a_cue(nlp: Any) -> None:
    doc = nlp("Bill Clinton and Rose Byrne met Bill Gates.")
    assert "politics" not in explain_topics(None, doc)  # no "bill" from the names


def test_the_seed_article_is_about_conflict_or_politics(nlp: Any) -> None:
    if not SEED.exists():
        raise FileNotFoundError(f"the seed article is missing: {SEED.resolve()} (run from the repo root)")
    article = newsdesk.extract_text(SEED.read_text(encoding="utf-8"))
    names = topics_of(nlp, article.body, article.title)
    assert names[0] in ("politics", "conflict, war and peace")  # NATO's new chief on Ukraine and Russia


def test_without_a_doc_no_topics() -> None:
    assert assign_topics("Wahl in Berlin", "Die Wahl in Berlin wird wiederholt.", None, []) == []


def test_empty_and_unparsed_text(nlp: Any) -> None:
    assert assign_topics(None, "", nlp(""), []) == []
    body = "ཀ་ཁ་ག་ང " * 2000  # a script the English pipeline does not know, tokenised only
    assert assign_topics(None, body, nlp.make_doc(body), []) == []


def test_lexicon_errors_say_where() -> None:
    with pytest.raises(ValueError, match=r"mine.tsv:2: expected"):
        parse_lexicon("# comment\nnot a topic line\n", "mine.tsv")
    with pytest.raises(ValueError, match=r"mine.tsv:1: bad weight in 'war:heavy'"):
        parse_lexicon("medtop:16000000\tconflict\twar:heavy, peace\n", "mine.tsv")
    lexicon = parse_lexicon("medtop:16000000\tconflict\twar:2, peace talks\n")
    assert [topic.name for topic in lexicon.topics] == ["conflict"]
    assert sorted(lexicon.names.values()) == ["peace talks", "war"]
    assert len(load_lexicon().topics) == 17
