"""Dates as bylines write them ("Oct 1, 2024", "1 October 2024", "2024-10-01", "10/01/2024") to ISO.

A small regex parser on purpose: text bylines use a handful of formats, and a full natural-language
date parser is slow, heavy and too eager (it reads dates into ordinary words).
"""

from __future__ import annotations

import re
from datetime import date

MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan januar janvier enero ene gennaio gen janeiro januari",
        "february feb februar février fevrier febrero febbraio fevereiro februari",
        "march mar märz maerz mars marzo março maart",
        "april apr avril abril aprile",
        "may mai mayo maggio maio mei",
        "june jun juni juin junio giugno junho",
        "july jul juli juillet julio luglio julho",
        "august aug août aout agosto augustus",
        "september sep sept septembre septiembre settembre setembro",
        "october oct oktober octobre octubre ottobre outubro okt",
        "november nov novembre noviembre novembro",
        "december dec dezember décembre decembre diciembre dicembre dezembro dez",
    ],
    start=1,
):
    for _name in _names.split():
        MONTHS[_name] = _number

_MONTH = r"(?P<month>[A-Za-zäéûç]{3,9})\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th|er|º)?"
_YEAR = r"(?P<year>(?:19|20)\d\d)"

# Each pattern is a fixed sequence of bounded pieces: no nested repetition, so no backtracking blow-up.
_PATTERNS = [
    re.compile(r"\b" + _YEAR + r"[-/.](?P<month>\d{1,2})[-/.](?P<day>\d{1,2})(?!\d)"),  # 2024-10-01
    re.compile(r"\b" + _MONTH + r"\s" + _DAY + r",?\s" + _YEAR + r"\b"),  # Oct 1, 2024
    re.compile(
        r"\b" + _DAY + r"\.?\s(?:de\s)?" + _MONTH + r",?\s(?:de\s)?" + _YEAR + r"\b"
    ),  # 1 October 2024
    re.compile(r"\b(?P<first>\d{1,2})(?P<sep>[/.])(?P<second>\d{1,2})(?P=sep)" + _YEAR + r"\b"),  # 10/01/2024
]

# A line that is a date and little else: a byline's date, a listing's timestamp.
DATE_LINE_MAX_WORDS = 9
WEEKDAY_OR_FILLER = re.compile(
    r"\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\b|\b(?:updated|published|posted|on|at|am|pm|"
    r"est|edt|pst|pdt|gmt|utc|cet|bst|ist)\b|\d{1,2}:\d\d",
    re.IGNORECASE,
)

# Every pattern has a four-digit year: lines without one are skipped cheaply.
YEAR_HINT = re.compile(r"(?:19|20)\d\d")

# Only the head of a line is searched: bylines put the date early, and it bounds the work.
SEARCH_HEAD = 300


def find_date(text: str) -> str | None:
    """The first recognisable date in `text` as "YYYY-MM-DD", or None."""
    head = text[:SEARCH_HEAD]
    if not YEAR_HINT.search(head):
        return None
    found: list[tuple[int, str]] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(head):
            iso = _to_iso(match)
            if iso:
                found.append((match.start(), iso))
                break
    return min(found)[1] if found else None


def is_date_line(text: str) -> bool:
    """True for a short line that says when, and nothing else ("Tuesday November 19, 2019 at 9:45 am")."""
    if len(text.split()) > DATE_LINE_MAX_WORDS or find_date(text) is None:
        return False
    rest = text
    for pattern in _PATTERNS:
        rest = pattern.sub(" ", rest)
    rest = WEEKDAY_OR_FILLER.sub(" ", rest)
    return len(re.findall(r"[^\W\d_]{2,}", rest)) <= 1


def _to_iso(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    year = int(groups["year"])
    if groups.get("first"):
        first, second = int(groups["first"]), int(groups["second"])
        # Day first when it must be, or when the separator is a dot (European); else US month first.
        day_first = first > 12 or groups["sep"] == "."
        month, day = (second, first) if day_first else (first, second)
    else:
        raw_month = groups["month"]
        month = int(raw_month) if raw_month.isdigit() else MONTHS.get(raw_month.lower(), 0)
        day = int(groups["day"])
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None
