"""What the page sets beside the article: its related links and the caption of its lead image.

Related links come from the boxes a template names for them ("related", "recommended", "more
stories", "read next"); they are kept in `Article.related`, never in the body.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

from selectolax.lexbor import LexborHTMLParser, LexborNode

from newsdesk.article import Link

_RELATED_BOXES = ", ".join(
    f'[{attribute}*="{word}"] a[href]'
    for attribute in ("class", "id")
    for word in ("related", "recommended", "more-stories", "read-next", "readnext", "also-read")
)
MAX_RELATED = 20


def related_links(tree: LexborHTMLParser, base_url: str | None) -> list[Link]:
    """Titled links from related/recommended boxes, absolute, first occurrence of each URL."""
    links: list[Link] = []
    seen: set[str] = set()
    for anchor in tree.css(_RELATED_BOXES):
        title = " ".join(anchor.text(deep=True).split())
        href = (anchor.attributes.get("href") or "").strip()
        if len(title) < 15 or not href or href.startswith(("#", "javascript:", "mailto:")):
            continue
        url = urljoin(base_url, href) if base_url else href
        if urlsplit(url).scheme not in ("http", "https", ""):
            continue
        if url in seen:
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
