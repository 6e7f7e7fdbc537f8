"""Author names from bylines and metadata values: "By Jane Doe and John Roe | Site" -> two names.

`parse_byline` strips the lead-in ("By", "Von", "Par", "Por", ...), job titles and credentials,
e-mail addresses, URLs, dates and trailing "| Site" parts, then splits on "and"/"und"/"et"/"y",
commas, semicolons and ampersands. Names are kept in order, without duplicates. The plain-text
extractor reads its byline lines with the same `split_byline` and `names_in`.
"""

from __future__ import annotations

import re

from newsdesk.extract.dates import MONTH_NAMES

_LEAD_WORDS = ("by", "von", "vom", "par", "por", "door", "av", "af", "przez", "от", "de la")
_LEAD_IN = re.compile(
    r"^[\s~©*•·|:\-–—]*(?:(?:post|article|entry|story)\s+)?"
    r"(?:(?:written|posted|published|text|reported|photos?|words|interview|geschrieben|veröffentlicht|"
    r"verfasst|publié|escrito|scritto|authors?|autor(?:in|en)?|auteurs?|autore|autori)\b\s*[:\-]?\s*)?"
    r"(?:(?:by|von|vom|par|por|door|av|af|przez|от)\b\s*[:\-]?\s*)?",
    re.IGNORECASE,
)
# "Posted on 1 May 2024 by Jane Doe": the names follow the last "by".
_BY_INSIDE = re.compile(r"^.*?\s(?:by|par|por)\s+(?=\S)", re.IGNORECASE)
_NOT_A_NAME = re.compile(r"\b(?:profile?|posts|articles|beiträge|artikel|view|contact|kontakt|newsletter|"
                         r"subscribe|abonn\w*|login|anmelden|menu|mehr|more|alle|all)\b", re.IGNORECASE)
# "Text und Interview: Jane Doe, Fotos: John Roe": the names of the first label only.
_LABELLED = re.compile(r"^[^:,;]{0,30}\b(?:text|texte|testo|texto|interview|autor|author|words|reporting|"
                       r"redaktion|story)\w*\s*:\s*", re.IGNORECASE)
_NEXT_LABEL = re.compile(r"[,;]\s*[^\s,;:]+:\s.*$")
_EMAIL = re.compile(r"\S+@\S+\.\w+")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:;|,|&|\s\|\s|\s[-–—]\s)\s*|\s+(?:and|und|et|y|e|en|och|og)\s+", re.IGNORECASE)
_NOT_A_NAME_PART = re.compile(
    r"\b(?:staff|senior|chief|deputy|associate|contributing|special|political|foreign|business|"
    r"correspondent|reporter|writer|editor|editors|columnist|contributor|journalist|producer|"
    r"photographer|redakteur(?:in)?|korrespondent(?:in)?|updated|published|posted|min read|"
    r"read more|follow|twitter|facebook|instagram|linkedin|email|comments?|share|publicado|publicada|"
    r"actualizado|hace|aktualisiert|publié|mis à jour|pubblicato|aggiornato)\b.*$",
    re.IGNORECASE,
)
# A date or time after the name: "Jane Doe am 21. April 2020", "Jane Doe at 18:52", "Jane Doe, 24.01.".
_DATE_TAIL = re.compile(
    rf"\s+(?:(?:am|at|on|le|el|il|em|um|den|op|på|,|\||-|–|—)\s+)?(?:[^\W\d]+,\s+|(?:{MONTH_NAMES})\.?\s+)?\d.*$|"
    r",?\s+(?:mon|tues|wednes|thurs|fri|satur|sun)day\b.*$",
    re.IGNORECASE,
)
_DANGLING = re.compile(r"\s+(?:on|am|at|le|el|il|em|um|den|op|på|updated|aktualisiert)\s*$", re.IGNORECASE)
_CREDENTIAL = re.compile(r"^(?:ph\.?\s?d|m\.?d|mph|m\.?sc?|b\.?sc?|m\.?a|rdn?|ld|rn|cpt|cscs|mba|esq)\.?$",
                         re.IGNORECASE)
# "J.", "J.R.", "Jr.": a final dot that belongs to the name, unlike a sentence's ("Jane Li.").
_KEEPS_DOT = re.compile(r"(?:^|[\s.])(?:[^\W\d_]|Jr|Sr|St)\.$")
_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv)\.?$", re.IGNORECASE)
_ONLY_DIGITS_PUNCT = re.compile(r"^[\W\d_]+$")
_STRIP = " \t\n\r|:;,-–—·•~©*()[]\"'«»“”„"
_NOT_NAMES = frozenset({*_LEAD_WORDS, "on", "at", "am", "le", "el", "de", "the", "and", "posted", "published",
                        "admin", "administrator", "author", "autor", "unknown", "anonymous", "guest"})
_ORGANISATION = (" gmbh", " ag", " inc", " ltd", " llc", " e.v", " s.a", " kg", " co.", " corp", " plc",
                 " limited", " verlag", " media group")
MAX_NAME_LENGTH = 60


def clean_name(name: str) -> str | None:
    """One name as it should be shown, or None when the text is not a person's or desk's name."""
    name = " ".join(name.split()).strip(_STRIP)
    if name.endswith(".") and not _KEEPS_DOT.search(name):
        name = name.rstrip(".")
    if not name or len(name) > MAX_NAME_LENGTH or _ONLY_DIGITS_PUNCT.match(name):
        return None
    lowered = name.lower()
    if "@" in name or "://" in name or lowered.startswith("www.") or lowered in _NOT_NAMES:
        return None
    if len(name.split()) > 6 or _CREDENTIAL.match(name) or _NOT_A_NAME.search(name):
        return None
    return name


def parse_byline(text: str | None) -> list[str]:
    """The names in a byline or an author metadata value, in order, without duplicates."""
    return names_in(split_byline(text))


def split_byline(text: str | None) -> list[str]:
    """The byline cut into one piece a name, without its lead-in, e-mails, URLs, labels and dates.

    The pieces may still carry job titles ("Jane Doe Staff Writer"); `names_in` takes those off.
    """
    if not text:
        return []
    text = " ".join(text.split())
    text = _URL.sub(" ", _EMAIL.sub(" ", text))
    text = _LEAD_IN.sub("", text, count=1)
    text = _BY_INSIDE.sub("", text, count=1)
    text = _NEXT_LABEL.sub("", _LABELLED.sub("", text, count=1))
    text = _DANGLING.sub("", _DATE_TAIL.sub("", text))
    return _SPLIT.split(text)


def names_in(parts: list[str]) -> list[str]:
    """The names in the pieces of a byline, job titles and credentials off, in order, without duplicates."""
    names: list[str] = []
    for part in parts:
        part = _NOT_A_NAME_PART.sub("", _LEAD_IN.sub("", part, count=1))
        if names and _SUFFIX.match(part.strip()):
            names[-1] = f"{names[-1]} {part.strip()}"
            continue
        name = clean_name(part)
        if name:
            names.append(name)
    return merge_names(names)


def merge_names(names: list[str], drop: tuple[str, ...] = ()) -> list[str]:
    """`names` in order without duplicates (compared case-insensitively) or the names in `drop`."""
    seen = {name_key(name) for name in drop if name}
    kept: list[str] = []
    for name in names:
        key = name_key(name)
        if key and key not in seen:
            seen.add(key)
            kept.append(name)
    return kept


_NON_WORD = re.compile(r"\W+")


def name_key(name: str) -> str:
    return _NON_WORD.sub("", name.casefold())


def is_weak_name(name: str) -> bool:
    """A login-like or first-name-only value ("jdoe", "jane-doe", "Jane"): a byline may say more."""
    return " " not in name.strip()


def extends(weak: str, name: str) -> bool:
    """True when `name` is a fuller form of the weak name `weak` ("jane-doe" -> "Jane Doe")."""
    weak_key, key = name_key(weak), name_key(name)
    return bool(weak_key) and key != weak_key and " " in name.strip() and (
        weak_key == key.replace(" ", "") or key.startswith(weak_key) or weak_key.startswith(key))


def site_keys(site_names: list[str]) -> tuple[set[str], list[list[str]]]:
    """Keys of the site's names and host ("example.com" and "example"), and the words of its names."""
    keys: set[str] = set()
    words: list[list[str]] = []
    for site in site_names:
        site = site.removeprefix("www.")
        keys.update((name_key(site), name_key(site.rsplit(".", 1)[0])))
        if " " in site:
            words.append(site.casefold().split())
    keys.discard("")
    return keys, words


def names_site(name: str, site: tuple[set[str], list[list[str]]]) -> bool:
    """True when the name is the site's: its name, its host, or the first words of its name ("DITIB")."""
    keys, site_words = site
    if name_key(name) in keys:
        return True
    words = name.casefold().split()
    return len(name) >= 4 and any(words == candidate[:len(words)] for candidate in site_words)


def is_organisation(name: str) -> bool:
    """True for company names ("Example Media GmbH"): a page names them as author in want of a person."""
    lowered = f"{name.lower()} "
    return any(f"{suffix} " in lowered or f"{suffix}." in lowered for suffix in _ORGANISATION)
