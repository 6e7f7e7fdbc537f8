"""Extraction from pages already flattened to text (one block element per line): the lines are
classified (`lines`, `classify`), the article's region found (`region`) and its metadata read from the
lines (`meta`, `people`, `dates`, `cues`)."""

from newsdesk.extract.text.page import extract_text

__all__ = ["extract_text"]
