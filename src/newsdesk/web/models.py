"""The API's response shapes, for its OpenAPI document: the same JSON as the CLI's `--format json(l)`.

An article is `newsdesk.exports.record` (the Article JSON plus id, version, stored_at, updated_at);
sources and errors are the CLI's `sources --format jsonl` and `errors --format jsonl` lines.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

# The nested records are newsdesk's own dataclasses: pydantic describes them as they are, so the
# documented shape cannot drift from what `Article.to_dict` writes.
from newsdesk.article import Entity, Image, Keyword, Link, Quote, Topic
from newsdesk.store.base import DuplicateRecord, SiteSummary, StoryRecord

Span = tuple[int, int]


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class ArticleOut(_Model):
    """One stored article: `newsdesk show ID --format json`."""

    id: int
    version: int
    stored_at: str
    updated_at: str
    source: str | None = None
    url: str | None = None
    canonical_url: str | None = None
    title: str | None = None
    authors: list[str] = []
    published: str | None = None
    modified: str | None = None
    language: str | None = None
    site_name: str | None = None
    description: str | None = None
    body: str = ""
    image: Image | None = None
    tags: list[str] = []
    related: list[Link] = []
    extraction: dict[str, str] = {}
    entities: list[Entity] = []
    quotes: list[Quote] = []
    topics: list[Topic] = []
    keywords: list[Keyword] = []
    enrichment: dict[str, str] = {}


class SnippetOut(BaseModel):
    text: str
    marks: list[Span]


class HitOut(ArticleOut):
    """A search result: the article's record plus its snippet (matched words as spans) and score."""

    snippet: SnippetOut
    score: float


class ArticlePage(BaseModel):
    articles: list[ArticleOut]
    next_cursor: str | None


class SearchResults(BaseModel):
    hits: list[HitOut]
    next_cursor: str | None


SourceOut = SiteSummary  # `newsdesk sources --format jsonl`


class ErrorOut(BaseModel):
    """What could not be read: a `newsdesk errors --format jsonl` line. `input` is where the page came
    from (a path, `path@offset` in a web archive, or a URL); `source` holds the same value and is its
    deprecated name, kept until the next release."""

    at: str
    source: str = Field(description="Deprecated: the old name of `input`",
                        json_schema_extra={"deprecated": True})
    stage: str
    reason: str
    location: str | None = None
    input: str


StoryOut = StoryRecord  # `newsdesk stories --format jsonl`, `newsdesk story ID`
DuplicateOut = DuplicateRecord  # a copy of an article: `dataclasses.asdict(DuplicateRecord)`


class Bucket(BaseModel):
    start: str  # the day (YYYY-MM-DD), the Monday of the ISO week or the first of the month
    count: int


class CoverageBucket(Bucket):
    all: int  # every stored article published in the bucket
    share: float | None  # count / all; None when the store holds no article of the bucket


class SeriesOut(BaseModel):
    label: str
    filters: dict[str, str | bool]  # the filters of the search, as the API names them
    total: int  # dated matching articles: the sum of counts
    undated: int  # matching articles without a published date (in no bucket)
    counts: list[int]  # one per bucket of `starts`
    shares: list[float | None]
    partial: bool


class Coverage(BaseModel):
    interval: Literal["day", "week", "month"]  # of the buckets: asked_interval, or longer (see note)
    asked_interval: Literal["day", "week", "month"]
    note: str | None  # why the interval is longer than the one asked (the range has too many buckets)
    starts: list[str]  # the first day of every bucket, from the earliest to the latest
    all: list[int]  # every stored article per bucket
    series: list[SeriesOut]  # one per search compared
    buckets: list[CoverageBucket]  # the first series, bucket by bucket
    undated: int  # of the first series
    partial: bool  # always False: every match is counted


class EntitySummary(BaseModel):
    id: str
    name: str
    type: str
    articles: int
    mentions: int
    quotes: int  # how many of those articles quote them


class EntityList(BaseModel):
    entities: list[EntitySummary]
    partial: bool


class QuotationOut(BaseModel):
    article_id: int
    article_title: str | None
    published: str | None
    text: str
    type: str
    speaker: str | None
    speaker_name: str | None
    cue: str | None


class QuoteList(BaseModel):
    quotes: list[QuotationOut]
    partial: bool


class ArticleRef(BaseModel):
    id: int
    title: str | None
    site: str | None
    published: str | None
    url: str | None


class EntityDetail(BaseModel):
    entity: EntitySummary
    coverage: list[Bucket]  # articles naming the entity per bucket
    interval: Literal["day", "week", "month"]
    note: str | None
    quotes: list[QuotationOut]
    co_mentioned: list[EntitySummary]
    articles: list[ArticleRef]
    partial: bool


class RoundupOut(BaseModel):
    date: str
    articles: list[ArticleRef]
    entities: list[EntitySummary]
    quotes: list[QuotationOut]
    sites: dict[str, int]


class IngestRequest(BaseModel):
    """URLs of articles, RSS/Atom/JSON feeds or sitemaps (http or https only)."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"sources": ["https://ledger.example/feed.xml", "https://ledger.example/news/2024/10/01/bridge"]}]})

    sources: list[str]


class JobOut(BaseModel):
    id: str
    state: Literal["queued", "running", "done", "failed"]
    sources: list[str]
    read: int
    fetched: int
    extracted: int
    stored: int
    updated: int
    unchanged: int
    skipped: int
    failed: int
    assigned: int  # articles that joined their duplicate group and story
    message: str
    errors: list[ErrorOut]


class Problem(BaseModel):
    detail: str
