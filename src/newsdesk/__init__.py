"""newsdesk: turn raw online news pages into structured, searchable, trustworthy records.

    >>> import newsdesk
    >>> article = newsdesk.extract(open("page.html", "rb").read(), url="https://example.com/a")
    >>> article.title, article.published, article.body[:80]
"""

from newsdesk.article import Article, Image, Link, Page
from newsdesk.errors import (
    ArchiveError,
    ExtractionError,
    FetchError,
    InputError,
    NewsdeskError,
    QueryError,
    SettingsError,
    StoreError,
    UnsafeXMLError,
)
from newsdesk.extract import extract, extract_page, extract_text
from newsdesk.settings import Settings
from newsdesk.store import SearchRequest, Store, open_store

__all__ = [
    "ArchiveError",
    "Article",
    "ExtractionError",
    "FetchError",
    "Image",
    "InputError",
    "Link",
    "NewsdeskError",
    "Page",
    "QueryError",
    "SearchRequest",
    "Settings",
    "SettingsError",
    "Store",
    "StoreError",
    "UnsafeXMLError",
    "extract",
    "extract_page",
    "extract_text",
    "open_store",
]
