"""What the page sets beside the article: its related links and the caption of its lead image.

Related links come from the boxes a template names for them ("related", "recommended", "more
stories", "read next"); they are kept in `Article.related`, never in the body.
"""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newsdesk.article import Link
from newsdesk.extract.html.dom import Flat

_RELATED_NAME = re.compile(r"related|recommend|more-?stories|read-?next|also-?read")
_NAME_CACHE: dict[str, bool] = {}
MAX_RELATED = 20


def _names_related(name: str) -> bool:
    known = _NAME_CACHE.get(name)
    if known is None:
        if len(_NAME_CACHE) > 50_000:
            _NAME_CACHE.clear()
        known = _NAME_CACHE[name] = _RELATED_NAME.search(name) is not None
    return known


def related_links(flat: Flat, base_url: str | None) -> list[Link]:
    """Titled links inside boxes whose class or id says related/recommended/more stories/read next:
    absolute, first occurrence of each URL."""
    related = [False] * len(flat.tags)
    for i, parent in enumerate(flat.parents):
        related[i] = (parent >= 0 and related[parent]) or _names_related(flat.names[i])
    links: list[Link] = []
    seen: set[str] = set()
    for anchor in flat.anchors:
        if not related[anchor.element]:
            continue
        title = anchor.text
        href = anchor.href.strip()
        if len(title) < 15 or not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        url = urljoin(base_url, href) if base_url else href
        if urlsplit(url).scheme not in ("http", "https", "") or url in seen:
            continue
        seen.add(url)
        links.append(Link(title=title, url=url))
        if len(links) >= MAX_RELATED:
            break
    return links


def _figure_caption(figure: LexborNode) -> str | None:
    caption = figure.css_first("figcaption")
    if caption is None:
        return None
    text = " ".join(caption.text(deep=True).split())
    return text or None


def lead_image_caption(tree: LexborHTMLParser, image_url: str | None) -> str | None:
    """The caption of the figure showing the lead image, else of the article's first figure."""
    figures = tree.css("article figure, main figure") or tree.css("figure")
    if image_url:
        name = urlsplit(image_url).path.rsplit("/", 1)[-1]
        for figure in figures:
            image = figure.css_first("img")
            source = (image.attributes.get("src") or "") if image is not None else ""
            if name and source.endswith(name):
                return _figure_caption(figure)
    return _figure_caption(figures[0]) if figures else None
