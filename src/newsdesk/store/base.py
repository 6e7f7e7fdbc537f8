"""The `Store` interface and the records it returns; sqlite.py, postgres.py and memory.py implement it.

Articles are keyed by canonical URL, else URL, else a hash of the normalised body. Storing the same
article again changes nothing ("unchanged"); a changed one (title, body or metadata; not where it was
read from) replaces it and the earlier version is kept ("updated"); a new one is "stored".
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, Protocol, Self

from newsdesk.article import Article
from newsdesk.search.snippet import Snippet

PutStatus = Literal["stored", "updated", "unchanged"]
Sort = Literal["relevance", "date"]

__all__ = [
    "ArticleVersion", "EntityCount", "ErrorRecord", "FeedState", "FetchState", "PutOutcome", "PutStatus",
    "SearchHit", "SearchPage", "SearchRequest", "SiteSummary", "Snippet", "Sort", "Store", "StoredArticle",
]


@dataclass(frozen=True)
class PutOutcome:
    id: int
    status: PutStatus


@dataclass(frozen=True)
class StoredArticle:
    id: int
    article: Article
    version: int  # 1 when first stored, one more at each update
    stored_at: str  # ISO 8601 UTC: when this id was first stored
    updated_at: str  # when the current version was stored


@dataclass(frozen=True)
class ArticleVersion:
    version: int
    stored_at: str
    article: Article


@dataclass(frozen=True)
class SearchRequest:
    """A query (see `newsdesk.search.query`; None or blank for all articles) and filters.

    `site` matches the site name or the host (without "www."), case-insensitively; `since`/`until`
    compare with the published date as written (ISO 8601), `until` including everything it prefixes
    ("2024-10" is the whole month); `author` matches whole words of an author's name; `language`
    the primary language subtag ("en" matches "en-GB"); `entity` an entity the article names and
    `speaker` the speaker of one of its quotations (an entity id, or whole words of the name after
    the alias table: "Rutte", "Kiev"); `topic` a topic id or name. `cursor` is a page's `next_cursor`.
    """

    query: str | None = None
    site: str | None = None
    since: str | None = None
    until: str | None = None
    author: str | None = None
    language: str | None = None
    entity: str | None = None
    speaker: str | None = None
    topic: str | None = None
    sort: Sort = "relevance"
    limit: int = 20
    cursor: str | None = None


@dataclass(frozen=True)
class SearchHit:
    id: int
    title: str | None
    site: str
    url: str | None
    published: str | None
    snippet: Snippet
    score: float  # higher is better; comparable only within one backend and one query


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    next_cursor: str | None  # None on the last page


@dataclass(frozen=True)
class EntityCount:
    id: str
    name: str
    type: str
    articles: int  # how many articles name it
    mentions: int  # how often, in all of them


@dataclass(frozen=True)
class ErrorRecord:
    at: str
    source: str
    stage: str
    reason: str
    location: str | None = None


@dataclass(frozen=True)
class SiteSummary:
    site: str
    articles: int
    first_published: str | None
    last_published: str | None
    failures: int


@dataclass(frozen=True)
class FeedState:
    url: str
    kind: str  # "rss", "atom", "json", "sitemap", "news-sitemap"...
    etag: str | None
    last_modified: str | None
    meta: dict[str, Any] = field(default_factory=dict)
    updated_at: str = ""


@dataclass(frozen=True)
class FetchState:
    etag: str | None
    last_modified: str | None


class Store(Protocol):
    """Where articles, versions, failures and ingest state are kept. Safe to reopen; closes on exit."""

    def put(self, article: Article) -> PutOutcome: ...

    def put_many(self, articles: Iterable[Article]) -> list[PutOutcome]:
        """Store all in one transaction: after a crash either all of them are stored or none."""
        ...

    def get(self, id_or_url: int | str) -> StoredArticle | None: ...

    def versions(self, id: int) -> list[ArticleVersion]:
        """Every version, oldest first; the last is the current one."""
        ...

    def search(self, request: SearchRequest) -> SearchPage: ...

    def iter_articles(self, request: SearchRequest | None = None) -> Iterator[StoredArticle]:
        """Every article the request matches (ignoring limit and cursor), streamed in constant memory."""
        ...

    def count(self, request: SearchRequest | None = None) -> int: ...

    def save_enrichment(self, items: Iterable[tuple[int, Article]]) -> None:
        """Replace the enrichment of stored articles (by id) in one transaction, without a new version:
        enrichment is derived from the article, not a change of it."""
        ...

    def entity_counts(self, request: SearchRequest | None = None, type: str | None = None,
                      limit: int = 20) -> list[EntityCount]:
        """The entities the matching articles name most (by articles, then mentions), of one type."""
        ...

    def record_error(self, source: str, stage: str, reason: str, location: str | None = None,
                     at: datetime | str | None = None) -> None: ...

    def errors(self, since: datetime | str | None = None) -> list[ErrorRecord]: ...

    def sources(self) -> list[SiteSummary]: ...

    def mark_done(self, task_key: str, info: Mapping[str, Any] | None = None) -> None: ...

    def is_done(self, task_key: str) -> bool: ...

    def save_feed(self, url: str, kind: str, etag: str | None = None, last_modified: str | None = None,
                  meta: Mapping[str, Any] | None = None) -> None: ...

    def feeds(self) -> list[FeedState]: ...

    def fetch_state(self, url: str) -> FetchState | None: ...

    def save_fetch_state(self, url: str, etag: str | None, last_modified: str | None) -> None: ...

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None: ...
