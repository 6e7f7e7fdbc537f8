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
    SettingsError,
    UnsafeXMLError,
)
from newsdesk.extract import extract, extract_page, extract_text
from newsdesk.settings import Settings

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
    "Settings",
    "SettingsError",
    "UnsafeXMLError",
    "extract",
    "extract_page",
    "extract_text",
]
