"""Dates in the lines of a flattened page: the byline's date, and lines that are only a date.

Reading a date is `dates.first_date_in`, the parser the HTML metadata uses too; what is particular to
text is where to look (the head of a line), the reading of 10/01/2024 (US month first: bylines in
flattened English pages write it so, and dotted dates stay day-first) and the day-only result.
"""

from __future__ import annotations

import re

from newsdesk.extract.dates import first_date_in, without_dates

# A line that is a date and little else: a byline's date, a listing's timestamp.
DATE_LINE_MAX_WORDS = 9
WEEKDAY_OR_FILLER = re.compile(
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\b(?:updated|published|posted|on|at|am|pm|"
    r"est|edt|pst|pdt|gmt|utc|cet|bst|ist)\b|\d{1,2}:\d\d",
    re.IGNORECASE,
)

# Every full date a line may start with has a four-digit year: lines without one are skipped cheaply.
YEAR_HINT = re.compile(r"(?:19|20)\d\d")

# Only the head of a line is searched: bylines put the date early, and it bounds the work.
SEARCH_HEAD = 300


def find_date(text: str) -> str | None:
    """The first recognisable date in `text` as "YYYY-MM-DD", or None."""
    head = text[:SEARCH_HEAD]
    if not YEAR_HINT.search(head):
        return None
    found = first_date_in(head, month_first=True)
    return found[:10] if found else None


def is_date_line(text: str) -> bool:
    """True for a short line that says when, and nothing else ("Tuesday November 19, 2019 at 9:45 am")."""
    if len(text.split()) > DATE_LINE_MAX_WORDS or find_date(text) is None:
        return False
    rest = WEEKDAY_OR_FILLER.sub(" ", without_dates(text))
    return len(re.findall(r"[^\W\d_]{2,}", rest)) <= 1
