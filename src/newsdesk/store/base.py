"""The `Store` interface, in parts by what callers need, and the records it returns; sqlite.py,
postgres.py and memory.py implement it.

Articles are keyed by canonical URL, else URL (tracking parameters left out), else where they were
read from (path, or archive@offset), else a hash of the normalised body (`rows.article_key`). Storing
the same article again changes nothing ("unchanged"); a changed one (title, body or metadata; not
where it was read from) replaces it and the earlier version is kept ("updated"); a new one is
"stored". Two pages without a URL and with the same body are two articles (duplicates), not versions.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import TracebackType
from typing import Any, Literal, Protocol, Self

from newsdesk.article import Article
from newsdesk.search.snippet import Snippet

PutStatus = Literal["stored", "updated", "unchanged"]
Sort = Literal["relevance", "date"]

__all__ = [
    "ArticleStore", "ArticleVersion", "Closing", "DuplicateEntry", "DuplicateRecord", "EnrichmentIndex",
    "EntityCount", "ErrorRecord", "FeedState", "FetchState", "PutOutcome", "PutStatus", "RunState",
    "SearchHit", "SearchPage", "SearchRequest", "SearchStore", "SiteSummary", "Snippet", "Sort", "Store",
    "StoredArticle", "StoryAssignment", "StoryReader", "StoryRecord", "StoryState", "StoryWriter",
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
    `fold_duplicates`: one article per duplicate group, the group's earliest copy that matches (articles
    not yet in a group are each their own). `page_type`: only pages of that type (see
    `newsdesk.extract.html.page_type`; "unknown" for pages without one, such as text pages);
    `articles_only`: only articles and pages of unknown type (what quotations and roundups read).
    `sites`: any of these sites, each matched as `site` is (the sites of a source collection; an empty
    collection is given as a site no article has). `input`: pages read from inputs that start with it,
    as written (the folder of `SiteSummary.folder`).
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
    fold_duplicates: bool = False
    page_type: str | None = None
    articles_only: bool = False
    sites: tuple[str, ...] = ()  # any of these sites (names or hosts, as `site`): a source collection
    input: str | None = None  # pages whose input (`Article.source`) starts with this, as a folder "pages/"


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
    page_types: dict[str, int] = field(default_factory=dict)  # articles by page type ("unknown": none)
    hosts: list[str] = field(default_factory=list)  # the hosts its pages came from (none for files)
    # Pages without a site or host, read from this folder: the start of their input, as "pages/"
    # (SearchRequest.input finds them); None for a site.
    folder: str | None = None


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


@dataclass(frozen=True)
class StoryRecord:
    """A story: one event followed across articles and outlets (see docs/stories.md).

    `id` is "S" + the store id of the article that started it (stable; a story re-clustered by
    `newsdesk stories --recluster` keeps the id of the old story it holds most of); `headline` the
    title of its earliest published article; `articles` in order of arrival, duplicate copies included,
    and `urls`
    their canonical (else) URLs in the same order ("" for an article without one); `sources` the site
    names in order of publication; `entities` its most mentioned entities and places (at most 5).
    """

    id: str
    headline: str | None
    first_seen: str | None  # ISO 8601 as written: the earliest published date of its articles
    last_seen: str | None
    articles: list[int]
    sources: list[str]
    entities: list[str]
    urls: list[str]


@dataclass(frozen=True)
class DuplicateRecord:
    """An article of a duplicate group. `group` is the store id of the group's earliest copy (earliest
    published; undated copies after dated ones, then in order of arrival); `kind` is "earliest" for it,
    else how the article copies it: "exact" (the same words), "near" (most of its 5-word runs) or
    "teaser" (its opening)."""

    article_id: int
    group: int
    kind: str
    published: str | None
    url: str | None
    title: str | None


@dataclass(frozen=True)
class DuplicateEntry:
    """What the duplicate index keeps of an article, persisted so it is rebuilt without the bodies:
    the group it was found in on arrival (`root`: the group's first arrived copy), how it matched
    (None for a root), the hash of its normalised body and its MinHash signatures (body, then opening:
    `newsdesk.stories.duplicates`)."""

    article_id: int
    root: int
    match: str | None
    body_hash: str
    signature: bytes
    body_size: int
    lead_size: int
    lead_words: int


@dataclass(frozen=True)
class StoryAssignment:
    """An article's duplicate entry and the story it joined (the story's id without its "S")."""

    entry: DuplicateEntry
    story: int | None  # None: a page that is in no story (not an article)


@dataclass(frozen=True)
class WindowArticle:
    """An article of a story that a window of time reaches (`StoryWriter.window_stories`)."""

    article_id: int
    story: int  # its story's id without its "S"
    group: int  # its duplicate group
    inside: bool  # published (else stored) within the window


@dataclass(frozen=True)
class StoryState:
    """Where online assignment stands: `serial` changes at every save (a writer that saw another
    serial reloads), `seq` counts the articles assigned, `data` is the saved tracker state (opaque
    bytes: `newsdesk.stories.persist`), which includes the first `data_seq` of them."""

    serial: int
    seq: int
    data_seq: int
    data: bytes | None


class Closing(Protocol):
    """A store is closed once, on leaving a `with` block or by `close`; safe to reopen by its URL."""

    def close(self) -> None: ...

    def __enter__(self) -> Self: ...

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None: ...


class ArticleStore(Protocol):
    """Articles and their versions: what ingest writes and `show` reads."""

    def put(self, article: Article) -> PutOutcome: ...

    def put_many(self, articles: Iterable[Article], done: Sequence[str] = ()) -> list[PutOutcome]:
        """Store all in one transaction, with the checkpoints `done` marked done (as `mark_done`) in
        it: after a crash either all of them are stored and marked or none is."""
        ...

    def get(self, id_or_url: int | str) -> StoredArticle | None: ...

    def versions(self, id: int) -> list[ArticleVersion]:
        """Every version, oldest first; the last is the current one."""
        ...


class SearchStore(Protocol):
    """Finding articles: the query language and filters of `SearchRequest`, and the sites kept."""

    def search(self, request: SearchRequest) -> SearchPage: ...

    def iter_articles(self, request: SearchRequest | None = None) -> Iterator[StoredArticle]:
        """Every article the request matches (ignoring limit and cursor), streamed in constant memory."""
        ...

    def count(self, request: SearchRequest | None = None) -> int: ...

    def sources(self) -> list[SiteSummary]:
        """Every site with its article counts, dates, failures and page types."""
        ...


class EnrichmentIndex(Protocol):
    """The enrichment of stored articles (entities, quotations, topics) and what is counted from it."""

    def save_enrichment(self, items: Iterable[tuple[int, Article]]) -> None:
        """Replace the enrichment of stored articles (by id) in one transaction, without a new version:
        enrichment is derived from the article, not a change of it."""
        ...

    def entity_counts(self, request: SearchRequest | None = None, type: str | None = None,
                      limit: int = 20) -> list[EntityCount]:
        """The entities the matching articles name most (by articles, then mentions), of one type."""
        ...


class RunState(Protocol):
    """What an ingest run keeps between runs: failures, checkpoints, feeds and fetch validators."""

    def record_error(self, source: str, stage: str, reason: str, location: str | None = None,
                     at: datetime | str | None = None) -> None: ...

    def errors(self, since: datetime | str | None = None) -> list[ErrorRecord]: ...

    def mark_done(self, task_key: str, info: Mapping[str, Any] | None = None) -> None: ...

    def is_done(self, task_key: str) -> bool: ...

    def save_feed(self, url: str, kind: str, etag: str | None = None, last_modified: str | None = None,
                  meta: Mapping[str, Any] | None = None) -> None: ...

    def feeds(self) -> list[FeedState]: ...

    def fetch_state(self, url: str) -> FetchState | None: ...

    def save_fetch_state(self, url: str, etag: str | None, last_modified: str | None) -> None: ...


class StoryReader(Protocol):
    """Reading duplicate groups and stories (kept by `newsdesk.stories.persist` as articles arrive)."""

    def stories(self, since: str | None = None, until: str | None = None, top: int = 20,
                site: str | None = None) -> list[StoryRecord]:
        """Stories with an article published in the period (and from `site`, if given), most widely
        covered first (sources desc, articles desc, first_seen)."""
        ...

    def story(self, story_id: str) -> StoryRecord | None:
        """A story by id ("S12", case-insensitive)."""
        ...

    def story_of(self, article_id: int) -> StoryRecord | None: ...

    def duplicates_of(self, article_id: int) -> list[DuplicateRecord]:
        """The article's duplicate group, itself included, earliest published first ([] if unknown)."""
        ...

    def placements(self, ids: list[int]) -> dict[int, tuple[int, int | None]]:
        """(duplicate group, story number) of each article of `ids` that is assigned, in one lookup (a
        roundup over a week's articles asks for thousands); the story is None for a page that is in
        no story (not an article: `newsdesk.stories.tracker.NOT_ARTICLES`)."""
        ...


class StoryWriter(Protocol):
    """What assigning articles to duplicate groups and stories needs (`newsdesk.stories.persist`)."""

    def unassigned(self) -> int:
        """How many stored articles are in no duplicate group and story yet."""
        ...

    def arrivals(self, limit: int) -> list[StoredArticle]:
        """The first `limit` articles in no group yet, in order of arrival (id), each as first stored
        (version 1)."""
        ...

    def first_versions(self, ids: list[int]) -> dict[int, StoredArticle]:
        """The articles of `ids` as first stored (version 1)."""
        ...

    def duplicate_entries(self, after_seq: int = 0) -> Iterator[tuple[int, DuplicateEntry]]:
        """(seq, entry) of every article assigned after `after_seq`, in order of assignment."""
        ...

    def story_state(self) -> StoryState: ...

    def save_assignments(self, assignments: list[StoryAssignment], entities: Mapping[int, list[str]],
                         serial: int, data: bytes | None = None) -> bool:
        """Record the assignments (in order of arrival) in one transaction, with the top entities of the
        stories given and, with `data`, the tracker state including them; False (nothing written) when
        the state's serial is no longer `serial` (another process assigned meanwhile)."""
        ...

    def clear_stories(self) -> None:
        """Forget every duplicate group, story and the tracker state (a rebuild starts here)."""
        ...

    def window_stories(self, since: str) -> list[WindowArticle]:
        """Every article of the stories that have an article in the window (published on or after
        `since`, as written; an undated article: stored on or after it), in order of arrival."""
        ...

    def save_stories(self, stories: Mapping[int, list[int]], entities: Mapping[int, list[str]],
                     serial: int, data: bytes) -> bool:
        """Make `stories` (story id without its "S" -> its article ids) the stories of their articles, in
        one transaction: the stories those articles were in are forgotten, the records of these written
        (with these top entities), and `data` saved as the tracker state including every assignment;
        False (nothing written) when the state's serial is no longer `serial`."""
        ...


class Store(ArticleStore, SearchStore, EnrichmentIndex, RunState, StoryReader, StoryWriter, Closing,
            Protocol):
    """Where articles, versions, failures and ingest state are kept: every part, for the code that
    needs them all (opening, ingest with stories, the desk). Code that needs less takes the narrowest
    part: `ArticleStore`, `SearchStore`, `EnrichmentIndex`, `RunState`, `StoryReader`, `StoryWriter`."""
