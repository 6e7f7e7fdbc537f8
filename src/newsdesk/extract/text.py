"""Pages already flattened to text (WET records, copy-pastes): title, byline, caption, body, related."""

from __future__ import annotations

from newsdesk.article import Article
from newsdesk.extract.text_lines import (
    Kind,
    best_region,
    classify,
    cut_at_final_cue,
    thresholds_for,
    smooth,
    split_lines,
)


def extract_text(text: str, url: str | None = None) -> Article:
    """Turn a page flattened to text (one block element per line) into an `Article`."""
    lines = split_lines(text)
    classify(lines, thresholds_for(lines))
    smooth(lines)
    start, end = best_region(lines)
    end = cut_at_final_cue(lines, start, end)
    body_lines = [line.text for line in lines[start : end + 1] if line.kind is Kind.GOOD]
    return Article(url=url, body="\n\n".join(body_lines), extraction={"body": "text:line-classifier"})
