"""The lines of a flattened page and what each says about itself: length, function words, cues.

Everything here looks at one line at a time (bios excepted, which look at the line above); the
classes and the article's region are worked out from these features in `text_classify` and
`text_region`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from enum import Enum

from newsdesk.extract.text.cues import (
    ABOUT_HEADING,
    BOUNDARY_START,
    CAPTION_START,
    CHROME_START,
    COMMENT_HEADER,
    CUE_FIRST_WORDS,
    FINAL_START,
    GALLERY_COUNTER,
    IMAGE_FILE_NAME,
    LINK_TAG_END,
    NOTICE,
    PROMO,
    RELATED_LINK,
    RELATED_START,
    STOP_WORDS,
)
from newsdesk.extract.text.dates import is_date_line
from newsdesk.extract.text.people import bio_name
from newsdesk.text import INVISIBLE as INVISIBLE  # zero-width spacers make a blank line look non-empty

WORD = re.compile(r"\w+")
COPYRIGHT_YEAR = re.compile(r"(?:19|20)\d\d")
COPYRIGHT_RIGHTS = re.compile(r"rights|reserved|rechte|droits|derechos|diritti", re.IGNORECASE)
LETTER = re.compile(r"[^\W\d_]")
# Ideographic and syllabic scripts carry a word's worth of meaning per character and use no spaces.
WIDE_CHAR = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]")
SENTENCE_END = re.compile(r"[.!?。！？…:;]['\"”’»)\]]*$")
ELLIPSIS_END = re.compile(r"(?:\.\.\.|…|\[…\]|\[\.\.\.\])\s*$")

# Cue tests run on the head of a line only: cues sit at the start, and this bounds the work per line.
CUE_HEAD = 80
MAX_LINES = 50_000
SHORT_LINE_WORDS = 8
DATE_LINE_MAX_WORDS = 12
INLINE_LINK_MAX_WORDS = 30
ABOUT_MAX_WORDS = 5
BIO_NAME_DISTANCE = 3


class Kind(Enum):
    GOOD = "good"
    NEAR_GOOD = "near-good"
    SHORT = "short"
    BAD = "bad"


@dataclass(slots=True)
class Line:
    """One non-empty line of the page and what is known about it."""

    text: str
    index: int
    length: int  # characters, wide characters counted as three
    words: int
    stop_density: float
    sentence_like: bool
    related_cue: bool = False  # opens a list of other articles
    inline_link: bool = False  # "Read more: Other headline" inside the body
    boundary_cue: bool = False  # a sharing bar, tags, links to the previous and next article
    final_cue: bool = False  # opens comments, a sharing bar, a bio, a footer: the article is over
    chrome: bool = False
    date_only: bool = False  # a timestamp line: bylines have one, listings of other articles many
    image_name: bool = False  # "241001 handover rdax 775x441p", "IMG_2031.jpg", "Image 1 of 5"
    photo_credit: bool = False  # "(Image credit: Blue Origin)", "Photo: AP"
    neutral: bool = False  # stands for an image (file name, repeated alt text): neither prose nor chrome
    has_letters: bool = True  # share counts, page numbers and ids have none
    gap_before: bool = False  # a blank line precedes it: flatteners put those between blocks, not items
    kind: Kind = Kind.SHORT  # after smoothing
    base_kind: Kind = Kind.SHORT  # before smoothing, from the line alone


def split_lines(text: str) -> list[Line]:
    """The page's non-empty lines, whitespace collapsed, with their features.

    Menus and footers repeat lines verbatim, so a repeated line copies the features measured the
    first time. Past `MAX_LINES` the rest is ignored: no article page has that many blocks, and the
    bound keeps the work on a pathological input (millions of one-word lines) to seconds.
    """
    lines: list[Line] = []
    seen: dict[str, Line] = {}
    gap = False
    for raw in text.translate(INVISIBLE).splitlines():
        clean = " ".join(raw.split())
        if clean:
            known = seen.get(clean)
            line = replace(known, index=len(lines)) if known else measure_line(clean, len(lines))
            seen.setdefault(clean, line)
            line.gap_before = gap
            lines.append(line)
            if len(lines) >= MAX_LINES:
                break
        gap = not clean
    return lines


def measure_line(text: str, index: int) -> Line:
    lowered = text.lower()
    words = WORD.findall(lowered)
    wide = len(WIDE_CHAR.findall(text)) if not text.isascii() else 0
    stops = len([word for word in words if word in STOP_WORDS])
    word_count = len(words) + wide
    line = Line(
        text=text,
        index=index,
        length=len(text) + 2 * wide,
        words=word_count,
        stop_density=stops / word_count if word_count else 0.0,
        sentence_like=bool(SENTENCE_END.search(text[-4:])),
        has_letters=LETTER.search(text) is not None,
    )
    mark_cues(line, lowered)
    return line


def mark_cues(line: Line, lowered: str) -> None:
    """Flag lines whose wording alone says they are page chrome or the start of trailing chrome."""
    if line.words <= DATE_LINE_MAX_WORDS and is_date_line(line.text):
        line.date_only = line.chrome = True
        return
    head = line.text[:CUE_HEAD].lstrip("#*•·>|-–—[(« ")
    if line.words <= INLINE_LINK_MAX_WORDS and may_start_with_cue(head) and mark_start_cues(line, head):
        return
    if line.words <= 16 and COMMENT_HEADER.search(line.text[-20:]):
        line.final_cue = line.chrome = True
    elif line.words <= INLINE_LINK_MAX_WORDS and LINK_TAG_END.search(line.text[-20:]):
        line.inline_link = line.chrome = True
    elif line.text.startswith(("©", "(c) ", "(C) ", "Copyright")):
        # The footer's notice names a year or rights; "© Jane Doe/Reuters" is a photo's credit, and
        # a long line after it that photo's caption.
        line.chrome = True
        line.final_cue = is_copyright_notice(line.text)
        line.photo_credit = not line.final_cue and line.words <= SHORT_LINE_WORDS
    elif (line.length < 1500 and NOTICE.search(lowered)) or (line.length < 300 and PROMO.search(lowered)):
        line.chrome = True
    elif line.words <= 12 and IMAGE_FILE_NAME.search(line.text[:200]) and not line.sentence_like:
        line.image_name = line.chrome = True


def is_copyright_notice(text: str) -> bool:
    """ "© 2019 Site. All rights reserved", not "© Jane Doe A man waits ... on May 18, 2018."."""
    return bool(COPYRIGHT_YEAR.search(text[:30]) or COPYRIGHT_RIGHTS.search(text[:200]))


def may_start_with_cue(head: str) -> bool:
    first = head.split(" ", 1)[0].rstrip(":|,.;!?)").lower()
    return not first[:1].isalpha() or first in CUE_FIRST_WORDS


def mark_start_cues(line: Line, head: str) -> bool:
    """Flag a line by the phrase it starts with ("Related", "Share this", "Comments"); True if any."""
    short = line.words <= SHORT_LINE_WORDS
    if short and GALLERY_COUNTER.match(head):
        line.image_name = True
    elif (line.words <= ABOUT_MAX_WORDS and ABOUT_HEADING.match(line.text)) or (
        short and FINAL_START.match(head)
    ):
        line.final_cue = True
    elif (link := RELATED_LINK.match(head)) and len(head[link.end() :].split()) >= 2:
        line.inline_link = True
    elif short and RELATED_START.match(head):
        line.related_cue = True
    elif short and CAPTION_START.match(head):
        line.photo_credit = True
    elif short and BOUNDARY_START.match(head):
        line.boundary_cue = True
    elif not (short and CHROME_START.match(head)):
        return False
    line.chrome = True
    return True


def is_teaser(line: Line) -> bool:
    """A cut-off excerpt of another article ("... Israeli...") rather than a paragraph of this one."""
    return bool(ELLIPSIS_END.search(line.text[-8:]))


def mark_author_bios(lines: list[Line]) -> None:
    """Mark an author bio, and the name lines just above it, as the end of the article.

    A sentence "Jane Doe is a reporter ..." may also occur in an article, so it counts as a bio only
    when the name stands alone on a line just above it, as bio boxes print it.
    """
    for i, line in enumerate(lines):
        name = bio_name(line.text) if line.words >= 5 else None
        if not name:
            continue
        above = [j for j in range(max(0, i - BIO_NAME_DISTANCE), i) if lines[j].text == name]
        if above:
            for j in [*above, i]:
                lines[j].final_cue = lines[j].chrome = True
