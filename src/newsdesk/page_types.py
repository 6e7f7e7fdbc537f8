"""The kinds of page newsdesk tells apart (`Article.page_type`), and which of them count as articles.

The classifier is `newsdesk.extract.page_type`; this module is what the store, the desk and the
commands need of it, without its model.
"""

from __future__ import annotations

PAGE_TYPES = ("article", "listing", "collection", "forum", "product", "documentation", "service")
UNKNOWN = "unknown"  # how filters and counts name a page without a type (text pages, older stores)


def is_article(page_type: str | None) -> bool:
    """Whether a page counts as an article for stories, roundups and quotations: an article, or a page
    whose type is not known (text pages, pages stored before page types)."""
    return page_type is None or page_type == "article"


def check_page_type(value: str) -> str:
    """`value` as a filter names it: one of `PAGE_TYPES` or "unknown" (ValueError otherwise)."""
    name = value.strip().lower()
    if name not in PAGE_TYPES and name != UNKNOWN:
        raise ValueError(f"page type must be one of {', '.join((*PAGE_TYPES, UNKNOWN))}, not {value!r}")
    return name
