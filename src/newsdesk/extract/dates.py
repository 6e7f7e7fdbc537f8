"""Date strings as pages write them to ISO 8601: with time and offset when the page gives them.

`parse_date` returns "2024-10-01T08:30:00+00:00", "2024-10-01T08:30:00" (no offset given) or
"2024-10-01" (day only), and None for anything it cannot read or that is implausible as a
publication date (before 1995, or more than a day in the future). Both extractors use it: the HTML
metadata on declared values and datelines, the plain-text one (`text_dates`) on byline lines.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from email.utils import parsedate_to_datetime

_EARLIEST_YEAR = 1995

_ISO = re.compile(
    r"(?P<y>(?:19|20)\d\d)(?:-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)|(?P<m2>[01]\d)(?P<d2>[0-3]\d))"
    r"(?:[T ]\s*(?P<H>[0-2]\d):?(?P<M>[0-5]\d)(?::?(?P<S>[0-6]\d)(?:[.,]\d+)?)?"
    r"\s*(?P<tz>Z|UTC|GMT|[+-][01]\d(?::?[0-5]\d)?)?)?",
    re.IGNORECASE,
)
_SLASHED = re.compile(r"\b(?P<y>(?:19|20)\d\d)[/.](?P<m>[01]?\d)[/.](?P<d>[0-3]?\d)\b")
# 01.10.2024, 1/10/24, 10/01/2024: day-first with dots, month-first with slashes unless impossible.
_NUMERIC = re.compile(r"\b(?P<a>[0-3]?\d)(?P<sep>[./-])\s?(?P<b>[01]?\d)(?P=sep)\s?(?P<y>(?:19|20)?\d\d)\b")
_TIME = re.compile(r"\b(?P<H>[0-2]?\d)[:h.](?P<M>[0-5]\d)(?::(?P<S>[0-5]\d))?\s*(?P<ampm>[ap]\.?m\.?)?", re.I)
_TIMESTAMP = re.compile(r"^\s*(?P<s>1[0-9]{9})(?P<ms>\d{3})?\s*$")

MONTHS: dict[str, int] = {}
for _number, _names in enumerate((
    "january jan januar janvier enero gennaio janeiro januari jänner janv ene gen stycznia января січня",
    "february feb februar février fevrier febrero febbraio fevereiro februari févr fev lutego февраля лютого",
    "march mar märz maerz mars marzo março maart mär marca марта березня",
    "april apr avril abril aprile avr kwietnia апреля квітня",
    "may mai mayo maggio maio mei maja мая травня",
    "june jun juni juin junio giugno junho czerwca июня червня",
    "july jul juli juillet julio luglio julho juil lug lipca июля липня",
    "august aug août aout agosto augustus ago sierpnia августа серпня",
    "september sep sept septembre septiembre settembre setembro set września сентября вересня",
    "october oct oktober octobre octubre ottobre outubro okt ott out października октября жовтня",
    "november nov novembre noviembre novembro listopada ноября листопада",
    "december dec dezember décembre decembre diciembre dicembre dezembro dez déc dic grudnia декабря грудня",
), start=1):
    for _name in _names.split():
        MONTHS[_name] = _number
MONTH_NAMES = "|".join(sorted(MONTHS, key=len, reverse=True))
# Month names are matched as any word, then looked up: a 200-way alternation is slow to search.
_DAY_MONTH_YEAR = re.compile(
    r"\b(?P<d>[0-3]?\d)(?:st|nd|rd|th|er|\.|º)?\s*(?:de\s+)?(?P<mon>[^\W\d_]{3,11})\.?,?\s*(?:de\s+)?"
    r"(?P<y>(?:19|20)\d\d)\b",
)
_MONTH_DAY_YEAR = re.compile(
    r"\b(?P<mon>[^\W\d_]{3,11})\.?\s+(?P<d>[0-3]?\d)(?:st|nd|rd|th)?,?\s+(?P<y>(?:19|20)\d\d)\b",
)
_CJK = re.compile(r"(?P<y>(?:19|20)\d\d)\s*[年년]\s*(?P<m>[01]?\d)\s*[月월]\s*(?P<d>[0-3]?\d)")


def _plausible(day: date) -> bool:
    return day.year >= _EARLIEST_YEAR and day <= date.today() + timedelta(days=1)


def _offset(text: str | None) -> timezone | None:
    if not text:
        return None
    if text.upper() in ("Z", "UTC", "GMT"):
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    if hours > 14 or minutes > 59:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _format(day: date, hour: int | None = None, minute: int = 0, second: int = 0,
            tz: timezone | None = None) -> str | None:
    if not _plausible(day):
        return None
    if hour is None or hour > 23 or second > 59:
        return day.isoformat()
    moment = datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=tz)
    return moment.isoformat()


def _day(year: int, month: int, day: int) -> date | None:
    if year < 100:
        year += 2000 if year < 50 else 1900
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _with_time(text: str, day: date | None) -> str | None:
    """The day, plus a clock time when one follows in the same string."""
    if day is None:
        return None
    match = _TIME.search(text)
    if match is None:
        return _format(day)
    hour = int(match["H"])
    ampm = (match["ampm"] or "").lower().replace(".", "")
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    return _format(day, hour, int(match["M"]), int(match["S"] or 0))


def parse_date(text: str | None, month_first: bool = False) -> str | None:
    """The date (and time, when given) in `text` as an ISO 8601 string, or None.

    `month_first` reads 10/05/2022 as October 5 (American usage) rather than 10 May; dotted dates
    are always day-first.
    """
    if not text:
        return None
    text = text.strip()[:200]
    if not text:
        return None
    match = _ISO.search(text)
    if match:
        day = _day(int(match["y"]), int(match["m"] or match["m2"]), int(match["d"] or match["d2"]))
        if day is not None and (match.start() == 0 or "-" in match[0]):
            if match["H"] is None:
                return _format(day)
            return _format(day, int(match["H"]), int(match["M"]), int(match["S"] or 0), _offset(match["tz"]))
    stamp = _TIMESTAMP.match(text)
    if stamp:
        moment = datetime.fromtimestamp(int(stamp["s"]), tz=UTC)
        return _format(moment.date(), moment.hour, moment.minute, moment.second, UTC)
    if text[:3].isalpha() and "," in text[:5]:
        try:
            moment = parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            pass
        else:
            return _format(moment.date(), moment.hour, moment.minute, moment.second,
                           moment.tzinfo if isinstance(moment.tzinfo, timezone) else None)
    return _parse_human(text, month_first)


def _named_month(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    """The first match of `pattern` whose `mon` group is a month name."""
    return next((m for m in pattern.finditer(text) if m["mon"].lower() in MONTHS), None)


def _parse_human(text: str, month_first: bool) -> str | None:
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        match = _named_month(pattern, text)
        if match:
            rest = text[match.end():]
            return _with_time(rest, _day(int(match["y"]), MONTHS[match["mon"].lower()], int(match["d"])))
    match = _SLASHED.search(text) or _CJK.search(text)
    if match:
        return _with_time(text[match.end():], _day(int(match["y"]), int(match["m"]), int(match["d"])))
    match = _NUMERIC.search(text)
    if match:
        first, second, year = int(match["a"]), int(match["b"]), int(match["y"])
        if match["sep"] != "." and first <= 12 and (second > 12 or month_first):
            first, second = second, first
        return _with_time(text[match.end():], _day(year, second, first))
    return None


_ISO_IN_TEXT = re.compile(r"\b(?:19|20)\d\d-[01]?\d-[0-3]?\d(?!\d)")


def first_date_in(text: str, month_first: bool = False) -> str | None:
    """The earliest full date (day, month and year) written anywhere in running text."""
    matches = [_ISO_IN_TEXT.search(text), _named_month(_DAY_MONTH_YEAR, text),
               _named_month(_MONTH_DAY_YEAR, text), _SLASHED.search(text), _CJK.search(text),
               _NUMERIC.search(text)]
    starts = [match.start() for match in matches if match]
    for start in sorted(starts):
        found = parse_date(text[start:start + 80], month_first)
        if found:
            return found
    return None


def without_dates(text: str) -> str:
    """`text` with every full date written in it replaced by a space."""
    for pattern in (_DAY_MONTH_YEAR, _MONTH_DAY_YEAR):
        text = pattern.sub(lambda match: " " if match["mon"].lower() in MONTHS else match[0], text)
    for pattern in (_ISO_IN_TEXT, _SLASHED, _CJK, _NUMERIC):
        text = pattern.sub(" ", text)
    return text


_URL_DATE = re.compile(
    r"/(?P<y>(?:19|20)\d\d)/(?P<m>[01]?\d)/(?P<d>[0-3]?\d)(?:/|$|[-_])"
    r"|[/_-](?P<y2>(?:19|20)\d\d)-?(?P<m2>[01]\d)-?(?P<d2>[0-3]\d)(?:[/_.-]|$)"
)


def date_in_url(url: str | None) -> str | None:
    """The day written in a URL's path (/2024/10/01/, /20241001-), as YYYY-MM-DD."""
    if not url:
        return None
    path = url.split("?", 1)[0]
    for match in _URL_DATE.finditer(path):
        year, month, day = (match["y"], match["m"], match["d"]) if match["y"] else \
            (match["y2"], match["m2"], match["d2"])
        found = _day(int(year), int(month), int(day))
        if found is not None and _plausible(found):
            return found.isoformat()
    return None
