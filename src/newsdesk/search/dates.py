"""The dates a search, a roundup or a listing is limited by: ISO 8601, checked before any store sees them.

    2024                    the whole year (as --until; from its first day as --since)
    2024-10                 the whole month
    2024-10-01              the day
    2024-10-01T08:30        a time (seconds, fraction and zone optional: Z, +02:00)

Stores compare them with the published dates as text, so a date that is not one (`garbage`,
`2013-13-45`, `2022-02-30`) would silently match nothing: it is a `QueryError` instead.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from newsdesk.errors import QueryError

_FORM = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,6})?)?)"
                   r"(?:Z|[+-]\d{2}:?\d{2})?)?)?)?", re.ASCII)
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}", re.ASCII)


def check_date(text: str, what: str = "", *, day: bool = False) -> str:
    """`text` stripped when it is a date as the module says (a day, YYYY-MM-DD, when `day`); else a
    QueryError naming `what` and the forms accepted."""
    given = text.strip()
    form = "YYYY-MM-DD" if day else "YYYY, YYYY-MM, YYYY-MM-DD or YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]"
    match = (_DAY if day else _FORM).fullmatch(given)
    try:
        if match is None:
            raise ValueError(given)
        if day or match.group(3):
            date.fromisoformat(given[:10])
            if len(given) > 10:
                datetime.fromisoformat(given.replace("Z", "+00:00").replace(" ", "T"))
        elif match.group(2) and not 1 <= int(match.group(2)) <= 12:
            raise ValueError(given)
    except ValueError:
        where = f"{what}: " if what else ""
        raise QueryError(f"{where}{text[:60]!r} is not a date (write {form})", stage="search") from None
    return given
