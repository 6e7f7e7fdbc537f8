"""From articles to stories: who/where/when from enrichment, then clustering, in order of arrival."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator

from newsdesk.article import Article
from newsdesk.stories.clustering import Story, StoryClusterer
from newsdesk.stories.features import Features, article_features, published_at

__all__ = ["StoryTracker", "published_at"]


class StoryTracker:
    """Assigns articles to stories. An enriched article (at ingest, `newsdesk enrich`) brings its
    entities; an article that was never enriched (`ingest --no-enrich`) is placed on its words, lead,
    dates and figures alone: parsing it here would cost as much as enriching it, which is the
    user's choice to make (`newsdesk enrich`, then `newsdesk stories --rebuild`)."""

    def __init__(self, clusterer: StoryClusterer | None = None) -> None:
        self.clusterer = clusterer or StoryClusterer()
        self.names: dict[str, str] = {}  # entity id -> name, for a story's top entities

    @property
    def stories(self) -> list[Story]:
        return self.clusterer.stories

    def features(self, articles: list[Article]) -> list[Features]:
        out = []
        for article in articles:
            entities = article.entities if article.enrichment else []
            self.names.update((entity.id, entity.name) for entity in entities)
            out.append(article_features(article, entities))
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

