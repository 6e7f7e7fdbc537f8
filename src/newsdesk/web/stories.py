"""Stories and duplicate copies as the desk shows them, read from the store's story API (`Store.stories`,
`story`, `story_of`, `duplicates_of`): a story's timeline, an article's copies and story mates, and the
roundup of a day built from its stories (rendered by `newsdesk.stories.roundup.render`, the formats of
`newsdesk roundup`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlsplit

from newsdesk.article import Article
from newsdesk.store import SearchRequest, Store, StoredArticle
from newsdesk.store.base import DuplicateRecord, StoryRecord
from newsdesk.stories.roundup import Roundup, RoundupItem, RoundupSection, lead_sentence, site_of, story_topic

STORY_ID = re.compile(r"^[Ss][0-9]{1,18}$")
TIMELINE_LIMIT = 500  # articles of one story read for its page
STORY_MATES = 20  # other articles of its story shown beside an article
ROUNDUP_STORIES = 200  # stories of one day in its roundup
TOPIC_ARTICLES = 20  # articles of a story read to find its topic


def http_url(url: str | None) -> str | None:
    """An http(s) URL, or None: never javascript:, data: or anything else (used for every link)."""
    if not url:
        return None
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        return None
    return url.strip() if scheme in ("http", "https") else None


def latest_day(store: Store) -> str | None:
    """The day of the most recently published article (YYYY-MM-DD), None when there is none."""
    hits = store.search(SearchRequest(sort="date", limit=1)).hits
    day = (hits[0].published or "")[:10] if hits else ""
    try:
        return date.fromisoformat(day).isoformat()
    except ValueError:
        return None


def week_of(day: str) -> tuple[str, str]:
    """The seven days ending on `day`: (first, last)."""
    last = date.fromisoformat(day)
    return (last - timedelta(days=6)).isoformat(), last.isoformat()


@dataclass
class Entry:
    """An article as a line of a timeline: when, where, what, and whether it is a copy of another."""

    id: int
    title: str | None
    site: str
    published: str | None
    url: str | None  # http(s) only
    kind: str = "earliest"  # of its duplicate group: earliest, exact, near or teaser
    group: int | None = None


def entry(stored: StoredArticle, copy: DuplicateRecord | None = None) -> Entry:
    article = stored.article
    return Entry(stored.id, article.title, site_of(article), article.published,
                 http_url(article.canonical_url or article.url), copy.kind if copy else "earliest",
                 copy.group if copy else None)


def _by_time(entries: list[Entry]) -> list[Entry]:
    """Earliest published first; undated ones last, in order of arrival."""
    return sorted(entries, key=lambda e: (e.published is None, e.published or "", e.id))


def _copy_record(store: Store, article_id: int) -> DuplicateRecord | None:
    return next((d for d in store.duplicates_of(article_id) if d.article_id == article_id), None)


@dataclass
class StoryView:
    story: StoryRecord
    timeline: list[Entry]
    more: int  # articles of the story beyond TIMELINE_LIMIT, not shown


def story_view(store: Store, story: StoryRecord) -> StoryView:
    entries = []
    for article_id in story.articles[:TIMELINE_LIMIT]:
        stored = store.get(article_id)
        if stored is not None:
            entries.append(entry(stored, _copy_record(store, article_id)))
    return StoryView(story, _by_time(entries), max(0, len(story.articles) - TIMELINE_LIMIT))


@dataclass
class ArticleLinks:
    """Beside an article: its duplicate copies, and the other articles of its story."""

    copies: list[DuplicateRecord] = field(default_factory=list)
    kind: str | None = None  # this article's own kind in its duplicate group
    group: int | None = None
    story: StoryRecord | None = None
    mates: list[Entry] = field(default_factory=list)
    more_mates: int = 0


def article_links(store: Store, article_id: int) -> ArticleLinks:
    links = ArticleLinks()
    for copy in store.duplicates_of(article_id):
        if copy.article_id == article_id:
            links.kind, links.group = copy.kind, copy.group
        else:
            links.copies.append(copy)
    links.story = store.story_of(article_id)
    if links.story is not None:
        others = [a for a in links.story.articles if a != article_id]
        for other in others[:STORY_MATES]:
            stored = store.get(other)
            if stored is not None:
                links.mates.append(entry(stored))
        links.mates = _by_time(links.mates)
        links.more_mates = max(0, len(others) - STORY_MATES)
    return links


def copies_count(store: Store, article_id: int) -> tuple[int, int | None]:
    """How many other copies the article has, and the id of its group's earliest copy."""
    group = store.duplicates_of(article_id)
    own = next((d for d in group if d.article_id == article_id), None)
    return max(0, len(group) - 1), (own.group if own else None)


# --- the roundup of a day, from its stories --------------------------------------------------------

@dataclass
class RoundupStory:
    story: StoryRecord
    headline: str
    url: str | None  # the first article's, http(s) only
    summary: str
    topic: str
    articles: int  # articles of the story that are not copies of another
    copies: list[str]  # URLs of the copies

    def item(self) -> RoundupItem:
        return RoundupItem(headline=self.headline, url=self.url, summary=self.summary,
                           sources=list(self.story.sources), articles=self.articles,
                           first_seen=self.story.first_seen, topic=self.topic, copies=self.copies)


@dataclass
class StoriesRoundup:
    title: str
    sections: list[tuple[str, list[RoundupStory]]]

    def roundup(self) -> Roundup:
        """As `newsdesk.stories.roundup.render` writes it (markdown, html, rss, json)."""
        return Roundup(self.title, [RoundupSection(topic, [item.item() for item in items])
                                    for topic, items in self.sections])

    @property
    def count(self) -> int:
        return sum(len(items) for _, items in self.sections)


def roundup_of(store: Store, day: str, title: str | None = None) -> StoriesRoundup:
    """The day's stories (with an article published that day), grouped by topic as `newsdesk roundup`
    groups them: most widely covered first, the topics with the most sources first."""
    items: list[RoundupStory] = []
    for story in store.stories(since=day, until=day, top=ROUNDUP_STORIES):
        articles: list[Article] = []
        copies: list[str] = []
        originals = 0
        for article_id in story.articles[:TOPIC_ARTICLES]:
            stored = store.get(article_id)
            if stored is None:
                continue
            articles.append(stored.article)
            copy = _copy_record(store, article_id)
            if copy is not None and copy.kind != "earliest":
                if url := http_url(stored.article.canonical_url or stored.article.url):
                    copies.append(url)
            else:
                originals += 1
        if not articles:
            continue
        first = articles[0]
        summary = lead_sentence(first)
        items.append(RoundupStory(
            story, story.headline or first.title or summary[:120] or "(untitled)",
            http_url(first.canonical_url or first.url), summary, story_topic(articles),
            originals + max(0, len(story.articles) - TOPIC_ARTICLES), copies))
    items.sort(key=lambda i: (-len(i.story.sources), -i.articles, i.story.first_seen or "", i.headline))
    sections: dict[str, list[RoundupStory]] = {}
    for item in items:
        sections.setdefault(item.topic, []).append(item)
    ordered = sorted(sections.items(), key=lambda kv: (-sum(len(i.story.sources) for i in kv[1]), kv[0]))
    return StoriesRoundup(title or f"News roundup {day}", ordered)


def story_json(story: StoryRecord) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(story)
