"""From articles to stories: parse, find who/where/when, cluster; in batches, in order of arrival."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator
from datetime import datetime

from newsdesk.article import Article
from newsdesk.enrich.entities import extract_entities
from newsdesk.enrich.nlp import parse
from newsdesk.stories.clustering import Story, StoryClusterer
from newsdesk.stories.features import Features, article_features


def published_at(article: Article) -> datetime | None:
    """The article's publication time (naive UTC-less date is fine for windows), or None."""
    if not article.published:
        return None
    try:
        when = datetime.fromisoformat(article.published[:19] if "T" in article.published
                                      else article.published[:10])
    except ValueError:
        return None
    return when.replace(tzinfo=None)


class StoryTracker:
    """Assigns articles to stories; `add_many` parses a batch at once (spaCy is faster on batches)."""

    def __init__(self, clusterer: StoryClusterer | None = None) -> None:
        self.clusterer = clusterer or StoryClusterer()
        self.names: dict[str, str] = {}  # entity id -> name, for a story's top entities

    @property
    def stories(self) -> list[Story]:
        return self.clusterer.stories

    def features(self, articles: list[Article]) -> list[Features]:
        bodies = list(parse(a.body for a in articles))
        titles = list(parse(a.title or "" for a in articles))
        out = []
        for article, body, title in zip(articles, bodies, titles, strict=True):
            # An article enriched at ingest already has its entities; others are found here.
            entities = article.entities or extract_entities(article.body, body)
            self.names.update((entity.id, entity.name) for entity in entities)
            out.append(article_features(title if article.title else None, body, entities))
        return out

    def top_entities(self, story: Story, count: int = 5) -> list[str]:
        ranked = sorted(story.entity_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [self.names.get(key, key) for key, _ in ranked[:count]]

    def add(self, key: Hashable, article: Article) -> Story:
        return next(self.add_many([(key, article)]))

    def add_many(self, items: Iterable[tuple[Hashable, Article]]) -> Iterator[Story]:
        batch = list(items)
        for (key, article), features in zip(batch, self.features([a for _, a in batch]), strict=True):
            yield self.clusterer.add(key, features, published_at(article))
