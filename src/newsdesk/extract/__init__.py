"""Extraction: a `Page` (HTML or flattened text) becomes an `Article`."""

from __future__ import annotations

from newsdesk.article import Article, Page
from newsdesk.extract.encoding import decode_html
from newsdesk.extract.html import extract_html
from newsdesk.extract.html.page_type import mark_text_page
from newsdesk.extract.text import extract_text as _extract_text
from newsdesk.settings import Settings

__all__ = ["decode_html", "extract", "extract_page", "extract_text"]


def extract(html: bytes | str, url: str | None = None, *, settings: Settings | None = None) -> Article:
    """Extract the article from an HTML page given as bytes (any encoding) or text."""
    return extract_html(html, url=url, settings=settings or Settings())


def extract_text(text: str, url: str | None = None) -> Article:
    """Extract the article from a page already flattened to text (one block element per line). Such
    a page has no page type: `page_type` stays None, and `extraction["page_type"]` says why."""
    article = _extract_text(text, url=url)
    mark_text_page(article)
    return article


def extract_page(page: Page, settings: Settings | None = None) -> Article:
    """Extract a `Page` from any source: flattened text goes to `extract_text`, the rest to HTML."""
    settings = settings or Settings()
    if page.is_text:
        content = page.content
        text = content if isinstance(content, str) else decode_html(content, page.content_type)
        article = extract_text(text, url=page.url)
    else:
        article = extract_html(page.content, url=page.url, settings=settings, headers=page.headers)
    article.source = page.source
    return article
