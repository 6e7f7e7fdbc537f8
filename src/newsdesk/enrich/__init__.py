"""Enrichment stages: fill in what an article says (language, entities, quotations)."""
