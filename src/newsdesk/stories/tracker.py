"""From articles to stories: who/where/when from enrichment, then clustering, in order of arrival."""

from __future__ import annotations

import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from itertools import repeat

from newsdesk.article import Article
from newsdesk.page_types import PAGE_TYPES
from newsdesk.page_types import is_article as page_is_article
from newsdesk.store.rows import site_of as store_site_of
from newsdesk.stories.clustering import Story, StoryClusterer
from newsdesk.stories.features import Features, article_features, published_at

__all__ = ["NOT_ARTICLES", "StoryTracker", "is_article", "published_at"]

TEMPLATE_MEMORY = 100  # paragraphs remembered per site, for TEMPLATE_SITES sites (the state stays bounded)
TEMPLATE_SITES = 1_000
# Page types (Article.page_type) that never form or join a story: they stay searchable.
NOT_ARTICLES = frozenset(PAGE_TYPES) - {"article"}


def is_article(article: Article) -> bool:
    """Whether the page may be in a story: an article, a page of unknown type, or one the classifier
    gives another type only hesitantly (`newsdesk.page_types.is_article`: the same rule as roundups
    and quotations)."""
    page_type = (article.page_type or "").strip().casefold() or None
    return page_is_article(page_type, article.page_type_probability)


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
        # Per site, the hashes of the last TEMPLATE_MEMORY paragraphs seen on it (see `features`).
        self.paragraphs: dict[str, OrderedDict[int, None]] = {}
        self.clock = clock  # None: the time now (UTC); a function is not kept in a saved state
        self.names: dict[str, str] = {}  # entity id -> name, for a story's top entities

    @property
    def stories(self) -> list[Story]:
        return self.clusterer.stories

    def features(self, articles: list[Article]) -> list[Features]:
        """The articles' features, in order. A paragraph an earlier article of the same site had word for
        word is the site's template (a newsletter box, a copyright line), not the report: it is left out,
        so two reports of one template-heavy site are not alike by their template."""
        out = []
        for article in articles:
            entities = article.entities if article.enrichment else []
            self.names.update((entity.id, entity.name) for entity in entities)
            out.append(article_features(self._without_template(article), entities))
        return out

    def _without_template(self, article: Article) -> Article:
        site = store_site_of(article)
        if not site:
            return article
        seen = self.paragraphs.pop(site, None) or OrderedDict()
        self.paragraphs[site] = seen  # the most recently seen site last
        if len(self.paragraphs) > TEMPLATE_SITES:
            del self.paragraphs[next(iter(self.paragraphs))]
        kept = []
        for paragraph in article.body.split("\n"):
            key = zlib.crc32(" ".join(paragraph.split()).casefold().encode())
            if not paragraph.strip():
                kept.append(paragraph)
            elif key in seen:
                seen.move_to_end(key)
                kept.append("")  # dropped
            else:
                seen[key] = None
                kept.append(paragraph)
                if len(seen) > TEMPLATE_MEMORY:
                    seen.popitem(last=False)
        body = "\n".join(kept)
        return article if body == article.body else replace(article, body=body)

    def top_entities(self, story: Story, count: int = 5) -> list[str]:
        ranked = sorted(story.entity_counts.items(), key=lambda kv: (-kv[1], kv[0]))
        return [self.names.get(key, key) for key, _ in ranked[:count]]

    def add(self, key: Hashable, article: Article) -> Story | None:
        return next(self.add_many([(key, article)]))

    def recluster(self, articles: Iterable[Article], link: float | None = None,
                  met: Iterable[datetime | None] | None = None,
                  anchors: Sequence[Sequence[int]] = (),
                  failed: Callable[[int, Exception], None] | None = None) -> list[int | None]:
        """The offline pass (`newsdesk.stories.offline`) over these articles, in order of arrival: a
        story label per article (the index of its story's first article; None for a page that is in no
        story). Every article is weighed by the statistics of all of them (the document frequencies
        once all are known), so the result does not depend on their order but through the template
        paragraphs each site had before. `met`: the time each article was met (stored), its time when
        it gives no date (default: the clock). Articles are read one by one (an iterable is not held).

        `anchors`: groups of articles (their indices) that start as one story each and never merge with
        one another (`offline.recluster`): the part of a stored story from before a window re-clustered
        (`persist.StoryKeeper.recluster`). They are weighed by the statistics of the other articles
        and have template paragraphs of their own, so that an anchor that ends alone, and is left out of
        the next run over the window, changed nothing for the others.
        An article whose features cannot be found (an internal error) is told to `failed` (its index,
        the error; default: raised) and placed on none (a story of its own).
        The tracker's stories are left as they are; use a fresh one."""
        from newsdesk.stories import offline

        clusterer = self.clusterer
        anchor_of = {index: n for n, group in enumerate(anchors) for index in group}
        own: dict[int, dict[str, OrderedDict[int, None]]] = {}  # anchor -> its template paragraphs
        found: list[Features] = []
        times: list[datetime] = []
        positions: list[int] = []  # of the articles that may be in a story
        count = 0
        stamps = repeat(None) if met is None else met
        for count, (article, when) in enumerate(zip(articles, stamps, strict=False), 1):
            if is_article(article):
                positions.append(count - 1)
                anchor = anchor_of.get(count - 1)
                shared = self.paragraphs
                if anchor is not None:
                    self.paragraphs = own.setdefault(anchor, {})
                try:
                    found.extend(self.features([article]))
                except Exception as error:
                    if failed is None:
                        raise
                    failed(count - 1, error)
                    found.append(Features())
                self.paragraphs = shared
                times.append(published_at(article) or when or (self.clock or _now)())
        for position, features, when in zip(positions, found, times, strict=True):
            if position not in anchor_of:
                clusterer.member(features, when)  # counted
        members = []
        for index, when in enumerate(times):  # each article's features freed once it is a member
            members.append(clusterer.member(found[index], when, count=False))
            found[index] = Features()
        kept = {position: n for n, position in enumerate(positions)}
        groups = [[kept[i] for i in group if i in kept] for group in anchors]
        labels = iter(offline.recluster(clusterer, members, offline.LINK if link is None else link,
                                        story_link=offline.STORY_LINK, follow_up=offline.FOLLOW_UP,
                                        join=offline.JOIN, wide=offline.FOLLOW_UP_WIDE,
                                        anchors=[group for group in groups if group]))
        out: list[int | None] = [None] * count
        for position in positions:
            out[position] = positions[next(labels)]
        return out

    def add_many(self, items: Iterable[tuple[Hashable, Article]]) -> Iterator[Story | None]:
        batch = list(items)
        articles = [a for _, a in batch if is_article(a)]
        found = iter(self.features(articles))
        for key, article in batch:
            if not is_article(article):
                yield None
                continue
            yield self.clusterer.add(key, next(found), published_at(article) or (self.clock or _now)())

