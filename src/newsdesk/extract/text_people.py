"""People in a flattened page: the byline's authors and the subject of an author bio."""

from __future__ import annotations

import re

from newsdesk.extract.text_cues import BIO_ROLE
from newsdesk.extract.text_dates import MONTHS, find_date

# "By Jane Doe", "Posted by X on ...", "Written by", "Von", "Par", "Por", "Door", "Av": the byline's lead.
BYLINE_LEAD = re.compile(
    r"^(?:(?:posted|written|reported|words|text|story|photos?)\s+)?"
    r"(?:by|von|par|por|door|av|af|autor|author|auteur|autore)\b\s?[:|\-–—]?\s?",
    re.IGNORECASE,
)
BYLINE_MAX_WORDS = 24
# The same lead inside a dated line: "February 4, 2020 • words written by Kanae Nakamine".
INNER_BYLINE_LEAD = re.compile(r"(?:^|[\s|•·,–—-])(?:by|von|par|por|door)\s", re.IGNORECASE)

# Where the names in a byline stop: a separator, a date, "on", "updated", a time.
_NAMES_END = re.compile(
    r"\s[|•·–—-]\s|\|\s|\s\|"
    r"|\s(?:on|am|le|el|il|published|updated|posted|veröffentlicht|aktualisiert|datum|date)\b"
    r"|\s(?:" + "|".join(MONTHS) + r")\.?\s\d"
    r"|\d|\(|\[|\bfor\s",
    re.IGNORECASE,
)
_NAME_SPLIT = re.compile(r",\s|\s(?:and|und|et|y|e|en|och|og|&)\s|\s?&\s?|;\s|/\s?")

# Agencies, outlets and job titles that sit among names in bylines but are not authors.
NOT_A_PERSON = re.compile(
    r"^(?:the\s)?(?:associated press|ap|reuters|afp|upi|dpa|apa|ansa|efe|bloomberg|cnn|bbc|npr|staff|"
    r"staff writer|staff reporter|editorial|editors?|news desk|newsdesk|wire|wire services?|agencies|"
    r"redaktion|la rédaction|redacción|redazione|admin|administrator|guest|contributor|correspondent)$"
    r"|\b(?:writer|editor|reporter|correspondent|columnist|contributor|journalist|press|news|times|post|"
    r"daily|magazine|media|agency|service|staff|team|desk|online|digital)\b|\w\.[a-z]{2,}",
    re.IGNORECASE,
)
# "Jr.", "J.", "St.": a final dot that belongs to the name.
INITIAL_END = re.compile(r"(?:^|\s)(?:[A-Z]|Jr|Sr|St)\.$")
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
    names = [part.strip(" ,:;|") for part in _NAME_SPLIT.split(names_part)]
    names = [name if INITIAL_END.search(name) else name.rstrip(".") for name in names]
    return [name for name in names if looks_like_name(name)]


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
