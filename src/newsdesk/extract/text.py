"""Pages already flattened to text (WET records, copy-pastes): title, byline, caption, body, related."""

from __future__ import annotations

from newsdesk.article import Article


def extract_text(text: str, url: str | None = None) -> Article:
    """Turn a page flattened to text into an `Article` (placeholder: keeps every line)."""
    body = "\n\n".join(line.strip() for line in text.splitlines() if line.strip())
    return Article(url=url, body=body, extraction={"body": "text:all"})
