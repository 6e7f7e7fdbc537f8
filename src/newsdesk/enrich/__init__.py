"""Enrichment stages: fill in what an article says (language, entities, quotations, topics, keywords).

`enrich_articles(articles, settings)` runs them all, in place; see `newsdesk.enrich.enricher`. The
names here are imported on first use, so that importing a light module of this package (language
codes, aliases) does not load spaCy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from newsdesk.enrich.enricher import ENRICHMENT_VERSION, enrich_articles, enrich_text

__all__ = ["ENRICHMENT_VERSION", "enrich_articles", "enrich_text"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from newsdesk.enrich import enricher

        return getattr(enricher, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
