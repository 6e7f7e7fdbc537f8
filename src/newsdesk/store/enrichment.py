"""What the SQL stores keep of an article's enrichment besides its JSON: the entities it names, the
speakers of its quotations and its topics, in narrow tables that the `--entity`, `--speaker` and
`--topic` filters and the entity counts read. Same tables and statements on SQLite and PostgreSQL.

Names are matched as whole words ("Rutte" finds "Mark Rutte") after the alias table turned them into
canonical names ("Kiev" finds "Kyiv"); an entity id matches itself.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from newsdesk.article import Article
from newsdesk.search.tokens import tokens

# Migration 4 of both SQL stores.
SCHEMA = """
CREATE TABLE entities (id TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT NOT NULL, name_key TEXT NOT NULL);
CREATE INDEX entities_name_key ON entities (name_key);
CREATE TABLE article_entities (
    article_id BIGINT NOT NULL, entity_id TEXT NOT NULL, mentions INTEGER NOT NULL,
    PRIMARY KEY (article_id, entity_id)
);
CREATE INDEX article_entities_entity ON article_entities (entity_id);
CREATE TABLE article_speakers (
    article_id BIGINT NOT NULL, speaker_key TEXT NOT NULL, entity_id TEXT, quotes INTEGER NOT NULL
);
CREATE INDEX article_speakers_article ON article_speakers (article_id);
CREATE INDEX article_speakers_entity ON article_speakers (entity_id);
CREATE TABLE article_topics (
    article_id BIGINT NOT NULL, topic_id TEXT NOT NULL, name_key TEXT NOT NULL,
    PRIMARY KEY (article_id, topic_id)
);
CREATE INDEX article_topics_topic ON article_topics (topic_id)
"""
TABLES = ("article_entities", "article_speakers", "article_topics")
# The Article fields enrichment fills in.
ENRICHED_FIELDS = ("language", "entities", "quotes", "topics", "keywords", "enrichment")


def take_enrichment(stored: Article, article: Article) -> Article:
    """`stored` with the enrichment (and detected language) of `article`, which it is a version of."""
    for name in ENRICHED_FIELDS:
        setattr(stored, name, getattr(article, name))
    return stored


def enrichment_differs(article: Article, stored_data: str) -> bool:
    stored = Article.from_json(stored_data)
    return any(getattr(stored, name) != getattr(article, name) for name in ENRICHED_FIELDS)


@dataclass(frozen=True)
class EnrichmentRows:
    entities: list[tuple[str, str, str, str, int]] = field(default_factory=list)  # id, name, type, key, n
    speakers: list[tuple[str, str | None, int]] = field(default_factory=list)  # key, entity id, quotes
    topics: list[tuple[str, str]] = field(default_factory=list)  # id, name key

    @staticmethod
    def of(article: Article) -> EnrichmentRows:
        entities = [(e.id, e.name, e.type, name_key(e.name), len(e.mentions) + len(e.caption_mentions))
                    for e in article.entities]
        speakers = Counter((name_key(q.speaker_name), q.speaker) for q in article.quotes if q.speaker_name)
        return EnrichmentRows(
            entities=list({row[0]: row for row in entities}.values()),
            speakers=[(key, id, n) for (key, id), n in sorted(speakers.items(), key=str)],
            topics=list({t.id: (t.id, name_key(t.name)) for t in article.topics}.values()))


def name_key(name: str | None) -> str:
    """The folded words of a name between spaces, so LIKE '% word %' matches whole words."""
    return " " + " ".join(tokens(name or "")) + " "


NO_WORDS = "#"


@dataclass(frozen=True)
class Wanted:
    """What a filter asks for: an id as given, and the canonical name's words as " word word "."""

    id: str
    words: str

    @staticmethod
    def of(name: str) -> Wanted:
        from newsdesk.enrich.aliases import load_aliases
        from newsdesk.settings import Settings

        name = name.replace("\0", "")  # PostgreSQL text cannot hold NUL
        canonical = load_aliases(Settings.from_env().alias_file).lookup(name)
        words = name_key(canonical.name if canonical else name)
        # A name without letters or digits matches no name: NO_WORDS is in no name key (its words are
        # letters and digits between spaces).
        return Wanted(name.strip(), words if words.strip() else NO_WORDS)


def filters(entity: str | None, speaker: str | None, topic: str | None,
            mark: str) -> tuple[list[str], list[Any]]:
    """WHERE clauses on the article alias `a` for the enrichment filters, and their parameters."""
    clauses: list[str] = []
    params: list[Any] = []
    if entity:
        wanted = Wanted.of(entity)
        clauses.append("EXISTS (SELECT 1 FROM article_entities e JOIN entities n ON n.id = e.entity_id "
                       f"WHERE e.article_id = a.id AND (n.id = {mark} OR n.name_key LIKE {mark}))")
        params += [wanted.id, f"%{wanted.words}%"]
    if speaker:
        wanted = Wanted.of(speaker)
        clauses.append("EXISTS (SELECT 1 FROM article_speakers s WHERE s.article_id = a.id "
                       f"AND (s.entity_id = {mark} OR s.speaker_key LIKE {mark}))")
        params += [wanted.id, f"%{wanted.words}%"]
    if topic:
        wanted = Wanted.of(topic)
        clauses.append("EXISTS (SELECT 1 FROM article_topics t WHERE t.article_id = a.id "
                       f"AND (t.topic_id = {mark} OR t.name_key LIKE {mark}))")
        params += [wanted.id, f"%{wanted.words}%"]
    return clauses, params


def backfill(execute: Callable[..., Any], execute_many: Callable[[str, Sequence[Sequence[Any]]], Any],
             fetch: Callable[[], list[Any]] | None = None) -> None:
    """Fill the tables from the JSON of articles stored before they existed (migration 4)."""
    found = execute("SELECT id, data FROM articles")
    records = fetch() if fetch is not None else found.fetchall()
    items = [(id, EnrichmentRows.of(Article.from_json(data))) for id, data in records]
    write(execute_many, [(id, rows) for id, rows in items if rows.entities or rows.speakers or rows.topics],
          replace=False)


def write(execute_many: Callable[[str, Sequence[Sequence[Any]]], Any],
          items: Sequence[tuple[int, EnrichmentRows]], *, replace: bool) -> None:
    """Store the enrichment rows of articles (`replace`: forget what they had first)."""
    if replace:
        for table in TABLES:
            execute_many(f"DELETE FROM {table} WHERE article_id = ?", [[id] for id, _ in items])
    names = {row[0]: row[:4] for _, rows in items for row in rows.entities}
    if names:
        execute_many("INSERT INTO entities (id, name, type, name_key) VALUES (?, ?, ?, ?) "
                     "ON CONFLICT (id) DO NOTHING", sorted(names.values()))
    entity_rows = [(id, row[0], row[4]) for id, rows in items for row in rows.entities]
    if entity_rows:
        execute_many("INSERT INTO article_entities (article_id, entity_id, mentions) VALUES (?, ?, ?)",
                     entity_rows)
    speaker_rows = [(id, *row) for id, rows in items for row in rows.speakers]
    if speaker_rows:
        execute_many("INSERT INTO article_speakers (article_id, speaker_key, entity_id, quotes) "
                     "VALUES (?, ?, ?, ?)", speaker_rows)
    topic_rows = [(id, *row) for id, rows in items for row in rows.topics]
    if topic_rows:
        execute_many("INSERT INTO article_topics (article_id, topic_id, name_key) VALUES (?, ?, ?)",
                     topic_rows)
