"""HTML pages to articles: metadata from the page's own declarations, the body from the DOM."""

from __future__ import annotations

from collections.abc import Mapping

from selectolax.lexbor import LexborHTMLParser

from newsdesk.article import Article
from newsdesk.extract.body import extract_body
from newsdesk.extract.dom import flatten
from newsdesk.extract.encoding import decode_html
from newsdesk.settings import Settings


def extract_html(html: bytes | str, url: str | None = None, settings: Settings | None = None,
                 headers: Mapping[str, str] | None = None) -> Article:
    settings = settings or Settings()
    text = html if isinstance(html, str) else decode_html(html, (headers or {}).get("content-type"))
    tree = LexborHTMLParser(text)
    root = tree.body or tree.root
    body = ""
    if root is not None:
        flat = flatten(root, settings.max_depth)
        described = tree.css_first('meta[property="og:description"], meta[name="description"]')
        body = extract_body(flat, described.attributes.get("content") if described else None)
    return Article(url=url, body=body, extraction={"body": "dom"})
