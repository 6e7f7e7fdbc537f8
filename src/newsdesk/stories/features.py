"""What an article is about, for telling one event from a similar one: who, where, when, and words.

An article's features are four bags (sparse vectors) of counts:

- `words`: lemmas of its content words (nouns, proper nouns, verbs, adjectives, numbers), title counted
  twice;
- `entities`: the people, organisations and groups it names (`extract_entities`: canonical ids, so
  "Mr Rutte" and "Mark Rutte" count as one);
- `places`: the places it names, kept apart because "where" tells two earthquakes apart better than who
  is quoted about them;
- `times`: the when: years, month-and-year and month-and-day mentions in the text ("June 13, 2013" gives
  `2013`, `2013-06` and `06-13`), weekdays left out (every week has one), and the publication date
  (its year and month) when known.

Counts are raw here; the clusterer weighs them (IDF, sublinear counts) as articles arrive.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from newsdesk.article import Entity

if TYPE_CHECKING:
    from spacy.tokens import Doc

CONTENT_POS = frozenset({"NOUN", "PROPN", "VERB", "ADJ", "NUM"})
MONTHS = {name: i for i, names in enumerate(
    ("jan january", "feb february", "mar march", "apr april", "may", "jun june", "jul july",
     "aug august", "sep sept september", "oct october", "nov november", "dec december"), start=1)
    for name in names.split()}
_MONTH = r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|" \
         r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
MONTH_DAY = re.compile(_MONTH + r"\s+(\d{1,2})(?:st|nd|rd|th)?\b(?:,?\s+((?:19|20)\d\d)\b)?", re.IGNORECASE)
DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r"(?:,?\s+((?:19|20)\d\d)\b)?",
                       re.IGNORECASE)
MONTH_YEAR = re.compile(r"\b" + _MONTH + r",?\s+((?:19|20)\d\d)\b", re.IGNORECASE)
YEAR = re.compile(r"(?<![\d.,/-])((?:19|20)\d\d)(?![\d.,/])")
ISO = re.compile(r"\b((?:19|20)\d\d)-(\d\d)(?:-(\d\d))?\b")


@dataclass(slots=True)
class Features:
    words: Counter[str] = field(default_factory=Counter)
    entities: Counter[str] = field(default_factory=Counter)
    places: Counter[str] = field(default_factory=Counter)
    times: Counter[str] = field(default_factory=Counter)


def article_features(title: Doc | None, body: Doc, entities: list[Entity]) -> Features:
    """The features of an article from its parsed title and body.

    `entities` are those of the body (`extract_entities(body.text, body)`); the title's words count twice.
    """
    features = Features()
    for doc, weight in ((title, 2), (body, 1)):
        for token in doc or ():
            if token.pos_ not in CONTENT_POS or token.is_stop or not (token.is_alpha or token.like_num):
                continue
            lemma = token.lemma_.casefold() if token.pos_ != "NUM" else token.text.casefold()
            if len(lemma) < 2 and token.pos_ != "NUM":
                continue
            features.words[lemma] += weight
    for entity in entities:
        bag = features.places if entity.type == "place" else features.entities
        bag[entity.id] += len(entity.mentions)
    features.times.update(time_marks(f"{title.text}\n{body.text}" if title else body.text))
    return features


def time_marks(text: str) -> Counter[str]:
    """Years, year-months and month-days mentioned in the text (see the module's docstring)."""
    marks: Counter[str] = Counter()
    for match in MONTH_DAY.finditer(text):
        month, day, year = MONTHS[_month_key(match[1])], int(match[2]), match[3]
        if 1 <= day <= 31:
            marks[f"{month:02d}-{day:02d}"] += 1
            if year:
                marks[f"{year}-{month:02d}"] += 1
    for match in DAY_MONTH.finditer(text):
        day, month, year = int(match[1]), MONTHS[_month_key(match[2])], match[3]
        if 1 <= day <= 31:
            marks[f"{month:02d}-{day:02d}"] += 1
            if year:
                marks[f"{year}-{month:02d}"] += 1
    for match in MONTH_YEAR.finditer(text):
        marks[f"{match[2]}-{MONTHS[_month_key(match[1])]:02d}"] += 1
    for match in ISO.finditer(text):
        if 1 <= int(match[2]) <= 12:
            marks[f"{match[1]}-{match[2]}"] += 1
    for match in YEAR.finditer(text):
        marks[match[1]] += 1
    return marks


def _month_key(text: str) -> str:
    key = text.casefold().rstrip(".")
    return key if key in MONTHS else key[:3]
