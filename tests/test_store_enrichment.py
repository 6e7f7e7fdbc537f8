"""Enrichment in the store, on SQLite, PostgreSQL and in memory: the --entity, --speaker and --topic
filters, entity counts, enrichment saved without a new version, and stores from before it existed."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from newsdesk import Article, SearchRequest, open_store
from newsdesk.article import Entity, Quote, Topic
from newsdesk.enrich.entities import entity_id
from newsdesk.store.base import Store

RUTTE = entity_id("person", "Mark Rutte")
KYIV = entity_id("place", "Kyiv")
NATO = entity_id("org", "NATO")
POLITICS = Topic("medtop:11000000", "politics", 0.9)


def enriched(url: str, body: str, entities: list[Entity], quotes: list[Quote] = (),  # type: ignore[assignment]
             topics: list[Topic] = (), published: str = "2024-10-01") -> Article:  # type: ignore[assignment]
    return Article(url=url, title=body.split(".")[0], body=body, published=published, language="en",
                   entities=entities, quotes=list(quotes), topics=list(topics),
                   enrichment={"version": "1", "pipeline": "test"})


def sample() -> list[Article]:
    body = "Mark Rutte went to Kyiv. “We stand with you,” he said. Rutte leads NATO."
    first = enriched(
        "https://news.example/rutte-kyiv", body,
        [Entity(RUTTE, "Mark Rutte", "person", [(0, 10), (55, 60)]),
         Entity(KYIV, "Kyiv", "place", [(19, 23)]), Entity(NATO, "NATO", "org", [(68, 72)])],
        [Quote("We stand with you,", "direct", (26, 44), "Mark Rutte", (46, 48), "said", (49, 53), RUTTE)],
        [POLITICS])
    second = enriched(
        "https://news.example/nato-budget", "NATO ministers met in Brussels. The budget grew.",
        [Entity(NATO, "NATO", "org", [(0, 4)]),
         Entity(entity_id("place", "Brussels"), "Brussels", "place", [(22, 30)])],
        published="2024-10-02")
    plain = Article(url="https://news.example/weather", title="Rain", body="Rain all week in Kyiv.",
                    published="2024-10-03")
    return [first, second, plain]


def ids(store: Store, **filters: str) -> list[str]:
    return sorted(s.article.url or "" for s in store.iter_articles(SearchRequest(**filters)))  # type: ignore[arg-type]


def test_entity_speaker_and_topic_filters(store: Store) -> None:
    store.put_many(sample())
    assert ids(store, entity="NATO") == ["https://news.example/nato-budget", "https://news.example/rutte-kyiv"]
    assert ids(store, entity="Rutte") == ["https://news.example/rutte-kyiv"]  # whole words of the name
    assert ids(store, entity="Kiev") == ["https://news.example/rutte-kyiv"]  # the alias table's Kyiv
    assert ids(store, entity=KYIV) == ["https://news.example/rutte-kyiv"]
    assert ids(store, entity="Rut") == []  # words, not prefixes
    assert ids(store, speaker="Mark Rutte") == ids(store, speaker=RUTTE) == ["https://news.example/rutte-kyiv"]
    assert ids(store, speaker="NATO") == []
    for nothing in (".", "  ", "--", "a\0"):  # no letters or digits (or a NUL): no match, no error
        assert ids(store, entity=nothing) == ids(store, speaker=nothing) == ids(store, topic=nothing) == []
    assert ids(store, topic="politics") == ids(store, topic="medtop:11000000") == [
        "https://news.example/rutte-kyiv"]
    assert ids(store, entity="NATO", query="budget") == ["https://news.example/nato-budget"]
    page = store.search(SearchRequest(query="Kyiv", entity="Mark Rutte"))
    assert [hit.url for hit in page.hits] == ["https://news.example/rutte-kyiv"]
    assert store.count(SearchRequest(entity="NATO", since="2024-10-02")) == 1


def test_entity_counts(store: Store) -> None:
    store.put_many(sample())
    top = store.entity_counts()
    assert [(e.name, e.articles) for e in top[:1]] == [("NATO", 2)]
    assert {e.name: e.mentions for e in top} == {"NATO": 2, "Mark Rutte": 2, "Kyiv": 1, "Brussels": 1}
    assert [e.name for e in store.entity_counts(type="person")] == ["Mark Rutte"]
    assert [e.name for e in store.entity_counts(SearchRequest(since="2024-10-02"))] == ["Brussels", "NATO"]
    assert [e.name for e in store.entity_counts(SearchRequest(query="budget"), type="org")] == ["NATO"]
    assert len(store.entity_counts(limit=1)) == 1


def test_enrichment_is_saved_without_a_new_version(store: Store) -> None:
    plain = Article(url="https://news.example/a", title="Rutte visits", body="Mark Rutte visited Kyiv.")
    (outcome,) = store.put_many([plain])
    later = Article.from_json(plain.to_json())
    later.entities = [Entity(RUTTE, "Mark Rutte", "person", [(0, 10)])]
    later.enrichment = {"version": "1"}
    store.save_enrichment([(outcome.id, later)])
    stored = store.get(outcome.id)
    assert stored is not None and stored.version == 1 and stored.article.entities == later.entities
    assert ids(store, entity="Rutte") == ["https://news.example/a"]
    # Ingesting the same page again, enriched, keeps one version and the new enrichment.
    again = Article.from_json(later.to_json())
    again.entities = [Entity(KYIV, "Kyiv", "place", [(19, 23)])]
    assert [o.status for o in store.put_many([again])] == ["unchanged"]
    assert ids(store, entity="Rutte") == [] and ids(store, entity="Kyiv") == ["https://news.example/a"]
    assert len(store.versions(outcome.id)) == 1
    # ...and again without enrichment (--no-enrich) forgets nothing.
    assert [o.status for o in store.put_many([plain])] == ["unchanged"]
    assert ids(store, entity="Kyiv") == ["https://news.example/a"]


def test_a_changed_page_gets_the_new_versions_entities(store: Store) -> None:
    store.put_many(sample()[:1])
    changed = enriched("https://news.example/rutte-kyiv", "Mark Rutte went home.",
                       [Entity(RUTTE, "Mark Rutte", "person", [(0, 10)])])
    assert [o.status for o in store.put_many([changed])] == ["updated"]
    assert ids(store, entity="Kyiv") == [] and ids(store, entity="Rutte") == ["https://news.example/rutte-kyiv"]
    assert ids(store, speaker="Rutte") == []


def test_a_store_from_before_enrichment_is_filled_from_the_json(tmp_path: Path) -> None:
    from newsdesk.store.sqlite import MIGRATIONS

    path = tmp_path / "v3.db"
    connection = sqlite3.connect(path)
    for migration in MIGRATIONS[:3]:
        migration(connection)
    connection.execute("CREATE TABLE schema_version (version INTEGER NOT NULL)")
    connection.execute("INSERT INTO schema_version VALUES (3)")
    connection.execute("UPDATE meta SET value = '0' WHERE name = 'tokenizer'")  # reindexed on open
    article = sample()[0]
    connection.execute("INSERT INTO articles (key, url, fingerprint, stored_at, updated_at, data) "
                       "VALUES (?, ?, 'x', 't', 't', ?)", [article.url, article.url, article.to_json()])
    connection.commit()
    connection.close()
    with open_store(f"sqlite:///{path}") as store:
        assert ids(store, entity="Rutte") == ids(store, speaker="Rutte") == [article.url]
        assert [e.name for e in store.entity_counts(type="place")] == ["Kyiv"]
