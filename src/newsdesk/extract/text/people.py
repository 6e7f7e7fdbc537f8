"""People in a flattened page: the byline's authors and the subject of an author bio.

Telling a byline line from prose, and where its names end, is particular to text; the names in it
are split and cleaned by `authors`, as the HTML metadata's byline elements are.
"""

from __future__ import annotations

import re

from newsdesk.extract.authors import names_in, split_byline
from newsdesk.extract.dates import MONTH_NAMES, MONTHS
from newsdesk.extract.text.cues import BIO_ROLE
from newsdesk.extract.text.dates import find_date

# "By Jane Doe", "Posted by X on ...", "Written by", "Von", "Par", "Por", "Door", "Di", "Av": the lead.
BYLINE_LEAD = re.compile(
    r"^(?:(?:posted|written|reported|words|text|story|photos?)\s+)?"
    r"(?:by|von|par|por|door|di|av|af|przez|autor|author|auteur|autore)\b\s?[:|\-–—]?\s?",
    re.IGNORECASE,
)
BYLINE_MAX_WORDS = 24
# The same lead inside a dated line: "February 4, 2020 • words written by Kanae Nakamine".
INNER_BYLINE_LEAD = re.compile(r"(?:^|[\s|•·,–—-])(?:by|von|par|por|door)\s", re.IGNORECASE)

# Where the names in a byline stop: a separator, a date, "on", "updated", a time.
_NAMES_END = re.compile(
    r"\s[|•·–—-]\s|\|\s|\s\|"
    r"|\s(?:on|am|le|el|il|published|updated|posted|veröffentlicht|aktualisiert|datum|date)\b"
    r"|\s(?:" + MONTH_NAMES + r")\.?\s\d"
    r"|\d|\(|\[|\bfor\s",
    re.IGNORECASE,
)

# Agencies, outlets and job titles that sit among names in bylines but are not authors.
NOT_A_PERSON = re.compile(
    r"^(?:the\s)?(?:associated press|ap|reuters|afp|upi|dpa|apa|ansa|efe|bloomberg|cnn|bbc|npr|staff|"
    r"staff writer|staff reporter|editorial|editors?|news desk|newsdesk|wire|wire services?|agencies|"
    r"redaktion|la rédaction|redacción|redazione|admin|administrator|guest|contributor|correspondent)$"
    r"|\b(?:writer|editor|reporter|correspondent|columnist|contributor|journalist|press|news|times|post|"
    r"daily|magazine|media|agency|service|staff|team|desk|online|digital)\b|\w\.[a-z]{2,}",
    re.IGNORECASE,
)
# A byline part ending in "Staff" or "Editor" names a desk ("HNN Staff", "Letters to the Editor"); the
# same words after a person's name are a job title ("Jane Doe Staff Writer"), which `authors` cuts off.
NAMES_A_DESK = re.compile(r"\b(?:staff|editors?)\W*$", re.IGNORECASE)
NAME_WORD = re.compile(r"^[A-ZÀ-ÖØ-ÞĀ-ſ][\w'’.-]*$|^(?:van|von|de|der|den|da|di|du|del|la|le|bin|al|ibn)$")

# "Kyle Anzalone is news editor of ...": two to four capitalised words, then a verb of being.
BIO_LINE = re.compile(
    r"^(?P<name>[A-ZÀ-Þ][\w'’.-]{0,30}(?:\s[A-ZÀ-Þ][\w'’.-]{0,30}){1,3})\s"
    r"(?:is|was|has been|serves as|works as|writes|covers|ist|est|es|è)\s"
)


def byline_text(line: str) -> str | None:
    """The part after "By" when `line` is a byline, else None."""
    if len(line.split()) > BYLINE_MAX_WORDS:
        return None
    match = BYLINE_LEAD.match(line)
    if match:
        return line[match.end() :]
    inner = INNER_BYLINE_LEAD.search(line)
    if inner and find_date(line):
        return line[inner.end() :]
    return None


def byline_authors(line: str) -> list[str]:
    """The people named in a byline: "By Jane Doe and John Roe, Reuters | Oct 1, 2024" -> two names."""
    rest = byline_text(line)
    if rest is None:
        return []
    end = _NAMES_END.search(rest)
    names_part = rest[: end.start()] if end else rest
    # Unlike a page's byline element, a line is only taken for people: any line may start with "By",
    # so names must be capitalised, "Jane Doe/Reuters" is two parts and "IGN Staff" is a desk, not a
    # person called IGN.
    parts = [piece for part in split_byline(names_part) for piece in part.split("/")]
    people = [part for part in parts if not NAMES_A_DESK.search(part)]
    return [name for name in names_in(people) if looks_like_name(name)]


def looks_like_name(text: str) -> bool:
    """One to five words, capitalised (particles like "van" aside), no digits, not an agency or job."""
    words = text.split()
    if not 1 <= len(words) <= 5 or any(char.isdigit() for char in text):
        return False
    if NOT_A_PERSON.search(text) or words[0].lower().rstrip(".") in MONTHS:
        return False
    return all(NAME_WORD.match(word) for word in words) and any(word[0].isupper() for word in words)


def bio_name(line: str) -> str | None:
    """The subject of an author bio line ("Jane Doe is a reporter ..."), else None."""
    match = BIO_LINE.match(line)
    if not match or not BIO_ROLE.search(line[:200]):
        return None
    name = match.group("name")
    return name if looks_like_name(name) else None
