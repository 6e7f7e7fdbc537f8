"""Enrichment stages: fill in what an article says (language, entities, quotations, topics, keywords).

`enrich_articles(articles, settings)` runs them all, in place; see `newsdesk.enrich.enricher`.
"""

from newsdesk.enrich.enricher import ENRICHMENT_VERSION, enrich_articles, enrich_text

__all__ = ["ENRICHMENT_VERSION", "enrich_articles", "enrich_text"]
