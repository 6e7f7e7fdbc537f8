"""HTML pages to articles: metadata from the page's own declarations, the body from the DOM."""

from __future__ import annotations

from collections.abc import Mapping

from selectolax.lexbor import LexborHTMLParser

from newsdesk.article import Article, Link
from newsdesk.errors import ExtractionError, InputError
from newsdesk.extract.body import extract_body
from newsdesk.extract.dom import flatten
from newsdesk.extract.encoding import decode_html
from newsdesk.extract.links import lead_image_caption, related_links
from newsdesk.extract.markup import limit_nesting
from newsdesk.extract.metadata import extract_metadata
from newsdesk.extract.page_type import classify_page
from newsdesk.settings import Settings


def extract_html(html: bytes | str, url: str | None = None, settings: Settings | None = None,
                 headers: Mapping[str, str] | None = None) -> Article:
    settings = settings or Settings()
    if len(html) > settings.max_input_bytes:
        raise InputError(f"larger than the {settings.max_input_bytes:,}-byte input limit "
                         "(set NEWSDESK_MAX_INPUT_BYTES to raise it)", stage="extract")
    text = html if isinstance(html, str) else decode_html(html, (headers or {}).get("content-type"))
    if not text.strip():
        raise ExtractionError("empty page", stage="extract")
    tree = LexborHTMLParser(limit_nesting(text, settings.max_depth))
    metadata = extract_metadata(tree, url)
    root = tree.body or tree.root
    body = ""
    related: list[Link] = []
    if root is not None:
        flat = flatten(root, settings.max_depth)
        body = extract_body(flat, metadata.description)
        related = related_links(flat, metadata.canonical_url or url)
    article = Article(url=url, body=body, extraction={"body": "dom"})
    metadata.fill(article)
    article.related = related
    if article.image is not None and not article.image.caption:
        article.image.caption = lead_image_caption(tree, article.image.url)
    if not article.body and not article.title:
        raise ExtractionError("no text in the page", stage="extract")
    # Page type (issue 14): what kind of page this is, from the same parsed tree; apart from the body.
    classify_page(text, url or article.canonical_url, tree).fill(article)
    return article
