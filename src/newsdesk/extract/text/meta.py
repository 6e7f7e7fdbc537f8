"""What surrounds the body of a flattened page: headline, byline, date, photo caption, related links.

Each finder looks only where that item sits on news pages: the headline and byline just above the
body, the caption right after an image's file name, related titles after the body.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from newsdesk.article import Link
from newsdesk.extract.text.cues import CAPTION_END, CAPTION_END_WORDS, CAPTION_START
from newsdesk.extract.text.dates import find_date
from newsdesk.extract.text.lines import Kind, Line, is_teaser
from newsdesk.extract.text.people import bio_name, byline_authors, byline_text

# The <title> a WET record starts with joins headline and site name: "Headline | Site", "Headline - Site".
TITLE_SEPARATOR = re.compile(r"\s(?:[|–—·»:]|-|::)\s")
TITLE_MAX_WORDS = 30
TITLE_MAX_LENGTH = 300
# How far above the body a headline or byline may sit, and how far below the body related lists start.
LOOKBACK = 8
REPEAT_WINDOW = 30
PAGE_TITLE_SHARE = 0.4
TITLE_OVERLAP = 0.5
META_WINDOW = 12
DATED_LINE_MAX_WORDS = 15
DATE_LOOKBACK = 6
RELATED_SCAN = 80
MAX_RELATED = 20
BIO_SCAN = 40
PUBLISHED_CUE = re.compile(
    r"\b(?:published|updated|posted|veröffentlicht|aktualisiert|publié|mis à jour|publicado|pubblicato)\b",
    re.IGNORECASE,
)


@dataclass
class Headline:
    index: int
    text: str
    method: str


@dataclass
class Byline:
    indexes: set[int] = field(default_factory=set)
    authors: list[str] = field(default_factory=list)
    published: str | None = None
    published_method: str | None = None


def line_key(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.lower()))


def is_byline(line: Line) -> bool:
    rest = byline_text(line.text)
    if rest is None:
        return False
    return bool(byline_authors(line.text)) or find_date(rest) is not None or not rest.strip(" |-–—:")


def is_title_like(line: Line, min_words: int = 2) -> bool:
    return (
        min_words <= line.words <= TITLE_MAX_WORDS
        and line.length <= TITLE_MAX_LENGTH
        and not line.chrome
        and not line.date_only
        and not is_teaser(line)
        and not is_byline(line)
    )


def find_title(lines: list[Line], body_start: int) -> Headline | None:
    """The headline, looked for in the lines above the body.

    In order: a line repeating the page's <title> (a WET record's first line) without the site name;
    a headline-shaped line printed twice near the body; the headline-shaped line just above the body;
    the page's <title> itself, without the site name.
    """
    head = lines[:body_start]
    if not head:
        return None
    return (
        title_repeating_page_title(head)
        or title_repeated_near_body(head)
        or title_above_body(head)
        or title_from_page_title(head[0])
    )


def agrees_with_page_title(line: Line, first: Line) -> bool:
    """True unless the first line looks like a page title and shares few words with `line`.

    A WET record starts with the page's <title>: a headline candidate that has little in common with
    it is more likely a teaser, a byline or a label than the headline.
    """
    if not is_title_like(first, min_words=3):
        return True
    words = set(line_key(line.text).split())
    shared = words & set(line_key(first.text).split())
    return len(shared) >= TITLE_OVERLAP * len(words)


def title_repeating_page_title(head: list[Line]) -> Headline | None:
    """The longest line that repeats the headline part of the first line ("Headline | Site").

    A line may equal one of the parts the separators cut the page title into (the last part is the
    site name, so not that one) or be a large piece of it.
    """
    page_title = f" {line_key(head[0].text)} "
    parts = {line_key(part) for part in headline_parts(head[0].text)}
    best: Line | None = None
    for line in head[1:]:
        if not is_title_like(line, min_words=1):
            continue
        key = line_key(line.text)
        large_piece = line.words >= 2 and len(key) >= PAGE_TITLE_SHARE * len(page_title)
        if (
            (key in parts or (large_piece and f" {key} " in page_title))
            and key
            and (best is None or len(key) >= len(line_key(best.text)))
        ):
            best = line
    return Headline(best.index, best.text, "text:repeated-line") if best else None


def headline_parts(page_title: str) -> list[str]:
    """The parts of a page title that may be the headline: all but the last when separators cut it."""
    parts = TITLE_SEPARATOR.split(page_title)
    return parts[:-1] if len(parts) > 1 else parts


def title_repeated_near_body(head: list[Line]) -> Headline | None:
    """A headline-shaped line that occurs twice close above the body (headline printed twice)."""
    near = head[-REPEAT_WINDOW:]
    counts = Counter(line_key(line.text) for line in near)
    for line in reversed(near):
        if is_title_like(line, min_words=4) and counts[line_key(line.text)] >= 2:
            return Headline(line.index, line.text, "text:repeated-line")
    return None


def title_above_body(head: list[Line]) -> Headline | None:
    """The nearest headline-shaped line above the body, skipping bylines, dates, decks and credits."""
    for line in reversed(head[-LOOKBACK:]):
        if line.index == 0:
            break
        if is_headline_shaped(line) and agrees_with_page_title(line, head[0]):
            return Headline(line.index, line.text, "text:line-before-body")
    return None


def title_from_page_title(first: Line) -> Headline | None:
    """The page's <title> (a WET record's first line) minus the site name after the separator."""
    if not is_title_like(first, min_words=3):
        return None
    return Headline(first.index, max(headline_parts(first.text), key=len), "text:page-title")


def is_headline_shaped(line: Line) -> bool:
    """Title-like, and none of what sits between headline and body: deck, date, credit, tag list."""
    return (
        is_title_like(line, min_words=3)
        and not line.text.endswith((".", ":", ","))
        and line.text.count(",") < 2
        and not is_caption_text(line.text)
        and find_date(line.text) is None
    )


def find_byline(lines: list[Line], title: Headline | None, body_start: int) -> Byline:
    """Authors and date from the byline and date lines around the headline and the body's start.

    Names are taken only below the headline; dates also a little above it, where many sites put
    them. A byline or a line that is only a date is best; failing those, any short line there with a
    date ("Post date March 5, 2014", "Ehrenamt 23.01.2020") is the article's date more often than not.
    """
    below = title.index + 1 if title else max(0, body_start - META_WINDOW)
    above = max(0, min(below, body_start) - DATE_LOOKBACK)
    byline = Byline()
    for line in lines[above : body_start + 3]:
        if is_byline(line):
            byline.indexes.add(line.index)
            if line.index >= below:
                byline.authors.extend(
                    name for name in byline_authors(line.text) if name not in byline.authors
                )
            _take_date(byline, line, "text:byline")
        elif line.date_only or (line.words <= 20 and PUBLISHED_CUE.search(line.text)):
            byline.indexes.add(line.index)
            _take_date(byline, line, "text:date-line")
    for line in lines[above : body_start + 3]:
        if (
            byline.published is None
            and line.words <= DATED_LINE_MAX_WORDS
            and line.base_kind is not Kind.GOOD
        ):
            _take_date(byline, line, "text:dated-line")
    return byline


def _take_date(byline: Byline, line: Line, method: str) -> None:
    if byline.published is None:
        byline.published = find_date(line.text)
        byline.published_method = method if byline.published else None


def author_from_bio(lines: list[Line], body_end: int) -> list[str]:
    """The subject of the author bio that follows the body, when the byline named nobody."""
    for line in lines[body_end + 1 : body_end + 1 + BIO_SCAN]:
        name = bio_name(line.text)
        if name:
            return [name]
    return []


def is_caption_text(text: str) -> bool:
    tail = text[-120:]
    # The end pattern is slow to search; most lines lack every word it needs and skip it.
    lowered = tail.lower()
    maybe_credit = "/" in tail or any(word in lowered for word in CAPTION_END_WORDS)
    return bool(CAPTION_START.match(text) or (maybe_credit and CAPTION_END.search(tail)))


def find_captions(lines: list[Line], start: int, end: int) -> list[int]:
    """Indexes of photo captions in the body region: after an image's file name, or carrying a credit."""
    found = []
    for i in range(max(start, 1), end + 1):
        line = lines[i]
        if lines[i - 1].image_name or (line.length < 600 and is_caption_text(line.text)):
            found.append(i)
    return found


def find_related(lines: list[Line], start: int, end: int, title: str | None) -> list[Link]:
    """Titles of other articles: "Related: X" lines in the body, then the list after a related cue."""
    titles: list[str] = []
    for line in lines[start : end + 1]:
        _, colon, rest = line.text.partition(":")
        if line.inline_link and colon and len(rest.split()) >= 3:
            titles.append(rest.strip())
    titles.extend(related_list_after(lines[end + 1 : end + 1 + RELATED_SCAN]))
    skip = {line_key(title or "")}
    links: list[Link] = []
    for text in titles:
        if line_key(text) not in skip and len(links) < MAX_RELATED:
            skip.add(line_key(text))
            links.append(Link(title=text))
    return links


def related_list_after(tail: list[Line]) -> list[str]:
    """Headline-shaped lines after the first related cue, up to the next chrome that is not one."""
    titles: list[str] = []
    inside = False
    for line in tail:
        if line.related_cue:
            inside = True
        elif not inside:
            continue
        elif line.final_cue or line.chrome:
            break
        elif is_title_like(line, min_words=3) and not line.text.endswith("."):
            titles.append(line.text)
    return titles
