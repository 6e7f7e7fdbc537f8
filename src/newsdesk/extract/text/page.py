"""Pages already flattened to text (WET records, copy-pastes): title, byline, caption, body, related.

The body is found by measuring each line (`text_lines`), classifying it as prose or chrome
(`text_classify`) and taking the best contiguous run of prose (`text_region`); headline, byline,
caption and related links are then looked for around that run (`text_meta`).
"""

from __future__ import annotations

from newsdesk.article import Article, Image
from newsdesk.extract.dates import date_in_url
from newsdesk.extract.stamps import drop_trailing_stamps
from newsdesk.extract.text.classify import classify, drop_related_boxes, smooth, thresholds_for
from newsdesk.extract.text.lines import Kind, Line, mark_author_bios, split_lines
from newsdesk.extract.text.meta import (
    TITLE_MAX_LENGTH,
    author_from_bio,
    find_byline,
    find_captions,
    find_related,
    find_title,
    line_key,
)
from newsdesk.extract.text.region import best_region, cut_at_final_cue, include_colon_lists, trim_region
from newsdesk.text import replace_surrogates


def extract_text(text: str, url: str | None = None) -> Article:
    """Turn a page flattened to text (one block element per line) into an `Article`."""
    lines = split_lines(replace_surrogates(text))
    article = Article(url=url)
    if not lines:
        return article
    start, end = body_region(lines)
    title = find_title(lines, start)
    byline = find_byline(lines, title, start)
    captions = find_captions(lines, start, end)
    if title:
        article.title = title.text
        article.extraction["title"] = title.method
    article.authors = byline.authors
    if byline.authors:
        article.extraction["authors"] = "text:byline"
    else:
        article.authors = author_from_bio(lines, end)
        if article.authors:
            article.extraction["authors"] = "text:author-bio"
    article.published = byline.published
    if byline.published_method:
        article.extraction["published"] = byline.published_method
    elif url_date := date_in_url(url):
        article.published = url_date
        article.extraction["published"] = "text:url-date"
    if captions:
        article.image = Image(caption=lines[captions[0]].text)
        article.extraction["image"] = "text:caption-line"
    skip = set(captions) | byline.indexes | ({title.index} if title else set())
    body = body_text(lines[start : end + 1], skip, title.text if title else None)
    article.body = drop_trailing_stamps(body)
    article.extraction["body"] = "text:line-classifier"
    article.related = find_related(lines, start, end, article.title)
    if article.related:
        article.extraction["related"] = "text:related-list"
    return article


def body_region(lines: list[Line]) -> tuple[int, int]:
    """First and last index of the article's lines (end < start when there is no prose at all)."""
    mark_author_bios(lines)
    classify(lines, thresholds_for(lines))
    smooth(lines)
    drop_related_boxes(lines)
    start, end = best_region(lines)
    end = trim_region(lines, start, cut_at_final_cue(lines, start, end))
    return start, include_colon_lists(lines, start, end)


def body_text(region: list[Line], skip: set[int], title: str | None) -> str:
    """The region's prose lines as paragraphs, without the headline, byline and captions in it."""
    title_key = line_key(title) if title else None
    kept = [
        line.text
        for line in region
        if line.kind is Kind.GOOD and line.index not in skip and not repeats_title(line, title_key)
    ]
    return "\n\n".join(kept)


def repeats_title(line: Line, title_key: str | None) -> bool:
    return title_key is not None and line.length <= TITLE_MAX_LENGTH and line_key(line.text) == title_key
