"""From articles to stories: who/where/when from enrichment, then clustering, in order of arrival."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import UTC, datetime

from newsdesk.article import Article
from newsdesk.stories.clustering import Story, StoryClusterer
from newsdesk.stories.features import Features, article_features, published_at

__all__ = ["NOT_ARTICLES", "StoryTracker", "is_article", "published_at"]

# Page types (Article.page_type) that never form or join a story: they stay searchable.
NOT_ARTICLES = frozenset({"listing", "collection", "product", "service", "documentation", "forum"})


def is_article(article: Article) -> bool:
    """Whether the page may be in a story: an article, or a page of unknown type."""
    return (article.page_type or "").strip().casefold() not in NOT_ARTICLES


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


class StoryTracker:
    """Assigns articles to stories. An enriched article (at ingest, `newsdesk enrich`) brings its
    entities; an article that was never enriched (`ingest --no-enrich`) is placed on its words, lead,
    dates and figures alone: parsing it here would cost as much as enriching it, which is the
    user's choice to make (`newsdesk enrich`, then `newsdesk stories --rebuild`).

    A page whose page type is not an article's (NOT_ARTICLES) is in no story: `add` gives None. An
    article's time is its publication date, else the time it is added (`clock`): an undated page is
    news of the moment it was met, never "any time"."""

    def __init__(self, clusterer: StoryClusterer | None = None,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.clusterer = clusterer or StoryClusterer()
        self.clock = clock  # None: the time now (UTC); a function is not kept in a saved state
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

    def add(self, key: Hashable, article: Article) -> Story | None:
        return next(self.add_many([(key, article)]))

    def add_many(self, items: Iterable[tuple[Hashable, Article]]) -> Iterator[Story | None]:
        batch = list(items)
        articles = [a for _, a in batch if is_article(a)]
        found = iter(self.features(articles))
        for key, article in batch:
            if not is_article(article):
                yield None
                continue
            yield self.clusterer.add(key, next(found), published_at(article) or (self.clock or _now)())

