"""HTML pages to articles (placeholder while the engine is written)."""

from __future__ import annotations

from collections.abc import Mapping

from selectolax.lexbor import LexborHTMLParser

from newsdesk.article import Article
from newsdesk.extract.encoding import decode_html
from newsdesk.settings import Settings


def extract_html(html: bytes | str, url: str | None = None, settings: Settings | None = None,
                 headers: Mapping[str, str] | None = None) -> Article:
    text = html if isinstance(html, str) else decode_html(html, (headers or {}).get("content-type"))
    tree = LexborHTMLParser(text)
    body = tree.body.text(separator="\n") if tree.body else ""
    return Article(url=url, body=body)
