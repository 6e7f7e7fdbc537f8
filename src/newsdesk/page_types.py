"""The kinds of page newsdesk tells apart (`Article.page_type`), and which of them count as articles.

The classifier is `newsdesk.extract.html.page_type`; this module is what the store, the desk and the
commands need of it, without its model.
"""

from __future__ import annotations

PAGE_TYPES = ("article", "listing", "collection", "forum", "product", "documentation", "service")
UNKNOWN = "unknown"  # how filters and counts name a page without a type (text pages, older stores)
# A page is left out of what is meant for articles only when the classifier gives another type at
# least this probable: when it hesitates, the page is kept (losing a news article costs more than
# rounding up a stray listing). benchmarks/page_type.py prints what each threshold keeps and drops.
SURE = 0.8


def is_article(page_type: str | None, probability: float | None = None) -> bool:
    """Whether a page counts as an article for stories, roundups and quotations: an article, a page
    whose type is not known (text pages, pages stored before page types), or one whose other type
    the classifier gave with a probability under `SURE`."""
    if page_type is None or page_type == "article":
        return True
    return probability is not None and probability < SURE


def check_page_type(value: str) -> str:
    """`value` as a filter names it: one of `PAGE_TYPES` or "unknown" (ValueError otherwise)."""
    name = value.strip().lower()
    if name not in PAGE_TYPES and name != UNKNOWN:
        raise ValueError(f"page type must be one of {', '.join((*PAGE_TYPES, UNKNOWN))}, not {value!r}")
    return name
