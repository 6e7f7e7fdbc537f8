"""From articles to stories: who/where/when from enrichment, then clustering, in order of arrival."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Iterator

from newsdesk.article import Article, Entity
from newsdesk.stories.clustering import Story, StoryClusterer
from newsdesk.stories.features import Features, article_features, published_at

__all__ = ["StoryTracker", "published_at"]


class StoryTracker:
    """Assigns articles to stories. An enriched article (at ingest, `newsdesk enrich`) brings its
    entities; an article that was never enriched has its body parsed here for them (in batches:
    spaCy is faster on batches), once."""

    def __init__(self, clusterer: StoryClusterer | None = None) -> None:
        self.clusterer = clusterer or StoryClusterer()
        self.names: dict[str, str] = {}  # entity id -> name, for a story's top entities

    @property
    def stories(self) -> list[Story]:
        return self.clusterer.stories

    def features(self, articles: list[Article]) -> list[Features]:
        found = _entities([a for a in articles if not a.enrichment])
        out = []
        for article in articles:
            entities = article.entities if article.enrichment else found[id(article)]
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


def _entities(articles: list[Article]) -> dict[int, list[Entity]]:
    """The entities of articles that were not enriched (by `id()` of the article), from one parse."""
    if not articles:
        return {}
    from newsdesk.enrich.entities import extract_entities
    from newsdesk.enrich.nlp import MAX_PARSE_CHARS, parse

    docs = parse(a.body[:MAX_PARSE_CHARS] for a in articles)
    return {id(a): extract_entities(a.body, doc) for a, doc in zip(articles, docs, strict=True)}
