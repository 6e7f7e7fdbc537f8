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

from newsdesk.exports import http_url
from newsdesk.store import SearchRequest, Store, StoredArticle
from newsdesk.store.base import DuplicateRecord, StoryRecord
from newsdesk.stories.roundup import Roundup, RoundupItem, build_roundup, build_stored_roundup, site_of

STORY_ID = re.compile(r"^[Ss][0-9]{1,18}$")
TIMELINE_LIMIT = 500  # articles of one story read for its page
STORY_MATES = 20  # other articles of its story shown beside an article


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
class DayRoundup:
    """`newsdesk roundup --date DAY` (the same `Roundup`, so the same files), each item with its story."""

    roundup: Roundup
    sections: list[tuple[str, list[tuple[RoundupItem, str | None]]]]  # topic, (item, story id)

    @property
    def count(self) -> int:
        return sum(len(items) for _, items in self.sections)


def roundup_of(store: Store, day: str) -> DayRoundup:
    """The day's roundup as `newsdesk roundup --date DAY` makes it: the stories kept in the store (the
    day's copies of one report folded, the day's articles of one story in one item), grouped by topic;
    recomputed as the command does when an article is in no story yet."""
    stored = list(store.iter_articles(SearchRequest(since=day, until=day, sort="date", articles_only=True)))
    title = f"News roundup {day}"
    built = build_stored_roundup(stored, store, title=title)
    if built is None:
        built = build_roundup([item.article for item in stored], title=title)
    # An item is its story's earliest article of the day: found again by its URL, else its title.
    by_url: dict[str, int] = {}
    by_title: dict[str, int] = {}
    for item in sorted(stored, key=lambda s: (s.article.published or "", s.id), reverse=True):
        if url := item.article.canonical_url or item.article.url:
            by_url[url] = item.id
        by_title[item.article.title or ""] = item.id
    sections = []
    for section in built.sections:
        items: list[tuple[RoundupItem, str | None]] = []
        for entry in section.items:
            found = by_url.get(entry.url or "") or by_title.get(entry.headline)
            story = store.story_of(found) if found else None
            entry.url = http_url(entry.url)  # the files link only http(s), as the pages do
            entry.copies = [url for url in entry.copies if http_url(url)]
            items.append((entry, story.id if story else None))
        sections.append((section.topic, items))
    return DayRoundup(built, sections)


def story_json(story: StoryRecord) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(story)
