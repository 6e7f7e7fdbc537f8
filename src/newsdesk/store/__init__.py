"""Where articles are kept: `open_store(url)` picks the backend from the URL.

    sqlite:///path/to/newsdesk.db   (also a bare path)   the default, one file
    postgresql://user@host/db       a shared PostgreSQL database (needs newsdesk[postgres])
    memory://                       in memory, for tests

Without a URL: the NEWSDESK_DB environment variable, else ./newsdesk.db.
"""

from __future__ import annotations

import os

from newsdesk.errors import StoreError
from newsdesk.store.base import (
    ArticleStore,
    ArticleVersion,
    Closing,
    DuplicateRecord,
    EnrichmentIndex,
    ErrorRecord,
    FeedState,
    FetchState,
    PutOutcome,
    RunState,
    SearchHit,
    SearchPage,
    SearchRequest,
    SearchStore,
    SiteSummary,
    Snippet,
    Store,
    StoredArticle,
    StoryReader,
    StoryRecord,
    StoryWriter,
)

DEFAULT_DB = "newsdesk.db"

__all__ = [
    "ArticleStore", "ArticleVersion", "Closing", "DuplicateRecord", "EnrichmentIndex", "ErrorRecord",
    "FeedState", "FetchState", "PutOutcome", "RunState", "SearchHit", "SearchPage", "SearchRequest",
    "SearchStore", "SiteSummary", "Snippet", "Store", "StoredArticle", "StoryReader", "StoryRecord",
    "StoryWriter", "open_store",
]


def open_store(url: str | None = None) -> Store:
    """Open (creating and migrating as needed) the store at `url`; StoreError when it cannot be."""
    url = url or os.environ.get("NEWSDESK_DB") or DEFAULT_DB
    scheme = url.split(":", 1)[0].lower() if "://" in url else ""
    if scheme == "memory":
        from newsdesk.store.memory import MemoryStore

        return MemoryStore()
    if scheme in ("postgresql", "postgres"):
        from newsdesk.store.postgres import PostgresStore

        return PostgresStore(url)
    if scheme == "sqlite":
        # sqlite:///relative.db and sqlite:////absolute.db, as SQLAlchemy writes them.
        host, _, path = url[len("sqlite://"):].partition("/")
        if host not in ("", "localhost"):
            raise StoreError(f"a sqlite URL names a file, as sqlite:///path.db, not a host: {url!r}",
                             source=url, stage="store")
        if not path:
            raise StoreError(f"no file in {url!r}: write sqlite:///path.db", source=url, stage="store")
        from newsdesk.store.sqlite import SQLiteStore

        return SQLiteStore(path)
    if scheme:
        raise StoreError(f"unknown store {scheme!r} in {url!r}: use sqlite:///path.db, "
                         "postgresql://... or memory://", source=url, stage="store")
    from newsdesk.store.sqlite import SQLiteStore

    return SQLiteStore(url)
