"""What an article is about, for telling one event from a similar one: who, where, when, and words.

An article's features are bags (sparse vectors) of counts, taken from the article as enrichment leaves
it (title, body, `article.entities`, `published`): no second parse of the text.

- `words`: the words of the title and body (a regex word tokeniser, casefolded, the stop words *of the
  article's language* left out (spaCy's list for that language; none when spaCy has none: the
  clusterer's per-language IDF then weighs them down), numbers left out but for years), each written
  `language:word`, so that word statistics are kept per language and two articles in different
  languages never look alike by their words;
- `lead`: the words of the title and the lead (the first two sentences, at most LEAD_CHARS): news puts
  who, what, where and when at the top, so two reports of one event share their leads more than their
  background paragraphs;
- `entities`: the people, organisations and groups it names (canonical ids from enrichment, so
  "Mr Rutte" and "Mark Rutte" count as one), by number of mentions;
- `persons`: the people it names, by surname, so that "Williams" in one report meets "Jamal Williams"
  in another;
- `lead_persons`: the people named in the lead (the protagonists), by surname;
- `places`: the places it names, kept apart because "where" tells two earthquakes apart;
- `times`: the when: years, month-and-year and month-and-day mentions in the text ("June 13, 2013"
  gives `2013`, `2013-06` and `06-13`), weekdays left out (every week has one);
- `numbers`: the figures (a magnitude 5.6, an age, a death toll, a sum), which differ between two
  similar events.

The publication time is kept beside them (`published`), how much it speaks to its reader (`reader`: the
share of its words that are "you", SECOND_PERSON; a guide does, a report of an event seldom), and the
article's *evidence*: what two
reports of one event share and two reports of different events rarely do, in any language, with or
without enrichment (the clusterer only lets two articles be alike when they share some of it, and only
counts the items that are still rare when the article arrives):

- `e:ID`: the entities and places enrichment found;
- `c:NAME`: names found by capitalisation (a run of two or more capitalised words; in a language that
  does not capitalise its nouns, a single capitalised word that does not start a sentence);
- `n:FIGURE`: figures of three digits or more, or with a decimal part (not years);
- `q:LANGUAGE:WORDS`: quoted phrases of three to twelve words;
- `h:LANGUAGE:WORD`: the headline's content words (the clusterer keeps the rare ones).

Counts are raw here; the clusterer weighs them (IDF, sublinear counts) as articles arrive.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache

from newsdesk.article import Article, Entity

DETECT_CHARS = 400
UNKNOWN = "und"  # the language of an article nothing says the language of
# Languages whose nouns are capitalised: a single capitalised word there is no name.
NOUNS_CAPITALISED = frozenset({"de", "lb"})
CAPITALISED = re.compile(r"\b[^\W\d_][^\W_]*(?:[-'’][^\W_]+)*", re.UNICODE)
QUOTED = re.compile(r'["“„«»‘]([^"“”„«»\n]{10,200})["”“»«’]')
BAGS = ("words", "lead", "entities", "persons", "lead_persons", "places", "times", "numbers")
LEAD_SENTENCES = 2
LEAD_CHARS = 600
DATELINE_CHARS = 300  # the opening of the body searched for the date an undated page states
WORD = re.compile(r"\b\w\w+\b")
NUMBER = re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?![\w])")
CONTRACTION = re.compile(r"['’](?:m|s|ll|re|ve|d|t)$")  # casefolded: "i'm", "it’s", "we'll", "don't"
SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s")

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
# 05/03/2013, 5.3.2013 (day and month read by `stated_dates`)
NUMERIC_DAY = re.compile(r"(?<![\d/.])(\d{1,2})([/.])(\d{1,2})\2((?:19|20)\d\d)(?![\d/.])")
BORN = re.compile(r"\b(?:born|née|né|geb\.|geboren|nacid[oa]|nat[oa]|nascid[oa]|urodzon[ya])\b[^.\n]*$",
                  re.IGNORECASE)  # a date after this (within BORN_CHARS) is someone's birth date
BORN_CHARS = 80
ISO_DAY = re.compile(r"\b((?:19|20)\d\d)-(\d\d)-(\d\d)(?!\d)")  # also before a time: 2013-05-03T10:00
# The date in a news address's path: /2013/09/16/, /2013/sep/16/, /2013-09-16/, /20130916/ (a year, a
# month and a day, each its own path segment or one dated segment; never a month alone).
URL_DATE = re.compile(r"/(?P<year>(?:19|20)\d\d)(?P<sep>[/-])(?P<month>\d\d?|" + _MONTH.removesuffix(r"\.?")
                      + r")(?P=sep)(?P<day>\d\d?)(?=[/._-]|$)"
                      r"|/(?P<year8>(?:19|20)\d\d)(?P<month8>\d\d)(?P<day8>\d\d)(?=[/._-]|$)", re.IGNORECASE)
URL_IN_TEXT = re.compile(r"https?://\S+", re.IGNORECASE)
# The words by which a page speaks to its reader (second person), per language: a guide's "you", which
# a report of an event uses only in quotations. Pronouns a language also uses for the third person
# (German "Sie", "Ihr") are left out.
SECOND_PERSON = {
    "en": "you your yours yourself yourselves",
    "de": "du dich dir dein deine deinen deinem deiner deines euch euer eure",
    "fr": "vous votre vos tu toi ton ta tes",
    "es": "tú usted ustedes vosotros vosotras tu tus vuestro vuestra",
    "it": "tu tuo tua tuoi tue voi vostro vostra",
    "pt": "você vocês teu tua teus tuas",
    "nl": "je jij jou jouw jullie uw",
}


@dataclass(slots=True)
class Features:
    words: Counter[str] = field(default_factory=Counter)
    lead: Counter[str] = field(default_factory=Counter)
    entities: Counter[str] = field(default_factory=Counter)
    persons: Counter[str] = field(default_factory=Counter)
    lead_persons: Counter[str] = field(default_factory=Counter)
    places: Counter[str] = field(default_factory=Counter)
    times: Counter[str] = field(default_factory=Counter)
    numbers: Counter[str] = field(default_factory=Counter)
    published: datetime | None = None
    stated: datetime | None = None  # the date the opening of an undated article states (`stated_date`)
    language: str = UNKNOWN
    evidence: set[str] = field(default_factory=set)
    reader: float = 0.0  # the share of its words that speak to the reader (SECOND_PERSON)
    event: float = 1.0  # how likely the page reports an event rather than an evergreen text (`event_score`)

    def bag(self, name: str) -> Counter[str]:
        bag: Counter[str] = getattr(self, name)
        return bag


def article_features(article: Article, entities: list[Entity] | None = None) -> Features:
    """The features of an article; `entities` default to the article's own (from enrichment)."""
    title, body = article.title or "", article.body
    lead_end = lead_length(body)
    language = language_of(article)
    features = Features(words=words(f"{title}\n{body}", language),
                        lead=words(f"{title}\n{body[:lead_end]}", language),
                        times=time_marks(f"{title}\n{body}"), numbers=numbers(f"{title}\n{body}"),
                        published=published_at(article), language=language,
                        reader=reader_share(body, language))
    if features.published is None:
        opening = f"{title}\n{body[:DATELINE_CHARS]}"
        features.stated = (stated_date(URL_IN_TEXT.sub(" ", opening), language)
                           or url_date(article.canonical_url or article.url or "")
                           or next(filter(None, map(url_date, URL_IN_TEXT.findall(opening))), None))
    body_names = names(body, language)  # once, for the event score and the evidence
    features.event = event_score(event_signals(title, body, language, body_names))
    features.evidence = evidence(title, body, language, features.numbers, body_names)
    for entity in article.entities if entities is None else entities:
        mentions = len(entity.mentions)
        if not mentions:
            continue
        if entity.type == "place":
            features.places[entity.id] += mentions
            features.evidence.add(f"e:{entity.id}")
            continue
        features.entities[entity.id] += mentions
        features.evidence.add(f"e:{entity.id}")
        if entity.type == "person" and (surname := entity.name.split()[-1:]):
            features.persons[surname[0].casefold()] += mentions
            if in_lead := sum(1 for start, _ in entity.mentions if start < lead_end):
                features.lead_persons[surname[0].casefold()] += in_lead
    return features


def published_at(article: Article) -> datetime | None:
    """The article's publication time (naive: a time zone makes no difference to windows), or None."""
    if not article.published:
        return None
    try:
        when = datetime.fromisoformat(article.published[:19] if "T" in article.published
                                      else article.published[:10])
    except ValueError:
        return None
    return when.replace(tzinfo=None)


def stated_date(opening: str, language: str = "en") -> datetime | None:
    """The first complete date (day, month and year: "May 3, 2013", "3 May 2013", "2013-05-03",
    "05/03/2013") the opening of a page states, as a dateline or byline does, a birth date left out
    ("born on April 22, 1923" dates no report); None when it states none."""
    found = stated_dates(opening, language)
    return min(found)[1] if found else None


def stated_dates(text: str, language: str = "en") -> list[tuple[int, datetime]]:
    """Every complete date the text states, with where it starts, birth dates left out. A numeric date
    is read day first when its first part cannot be a month (25/12/2013), month first when its second
    cannot (12/25/2013), and else as the language writes it: month first in English (the US custom),
    day first in every other language."""
    found: list[tuple[int, datetime]] = []
    for pattern, order in ((MONTH_DAY, "mdy"), (DAY_MONTH, "dmy")):
        for match in pattern.finditer(text):
            if not match[3]:
                continue
            month, day = (match[1], match[2]) if order == "mdy" else (match[2], match[1])
            found.extend(_date(match.start(), int(match[3]), MONTHS[_month_key(month)], int(day)))
    for match in ISO_DAY.finditer(text):
        found.extend(_date(match.start(), int(match[1]), int(match[2]), int(match[3])))
    for match in NUMERIC_DAY.finditer(text):
        first, second, year = int(match[1]), int(match[3]), int(match[4])
        month_first = second > 12 or (first <= 12 and language == "en")
        found.extend(_date(match.start(), year, *((first, second) if month_first else (second, first))))
    return [(at, when) for at, when in found if not BORN.search(text, max(0, at - BORN_CHARS), at)]


def url_date(url: str) -> datetime | None:
    """The publication date a news address gives in its path ("/2013/09/16/", "/2013/sep/16/",
    "/2013-09-16-", "/20130916/"), else None."""
    path = url.split("?", 1)[0].split("#", 1)[0]
    path = path.split("://", 1)[-1]
    path = path[path.find("/"):] if "/" in path else ""
    for match in URL_DATE.finditer(path):
        if match["year"]:
            month = match["month"]
            found = _date(0, int(match["year"]), int(month) if month.isdigit() else MONTHS[_month_key(month)],
                          int(match["day"]))
        else:
            found = _date(0, int(match["year8"]), int(match["month8"]), int(match["day8"]))
        if found:
            return found[0][1]
    return None


def _date(at: int, year: int, month: int, day: int) -> list[tuple[int, datetime]]:
    try:
        return [(at, datetime(year, month, day))]
    except ValueError:
        return []


def language_of(article: Article) -> str:
    """The article's language as a bare code ("pt" for "pt-BR"): as enrichment or the page gives it,
    else detected from the opening of its text (`newsdesk.enrich.language` over DETECT_CHARS: a few
    hundred characters tell languages apart, at a fifth of the cost of the 2,000 enrichment reads),
    else UNKNOWN."""
    from newsdesk.enrich.language import detect_language
    from newsdesk.text import language_key

    code = language_key(article.language)
    if not (code.isalpha() and 2 <= len(code) <= 3):
        code = language_key(detect_language(f"{article.title or ''}\n{article.body}"[:DETECT_CHARS]))
    return code if code.isalpha() and 2 <= len(code) <= 3 else UNKNOWN


def reader_share(body: str, language: str) -> float:
    """The share of the body's words that speak to the reader (SECOND_PERSON; 0 in a language it has
    no list for)."""
    pronouns = _second_person(language)
    if not pronouns:
        return 0.0
    found = WORD.findall(body.casefold())
    return sum(1 for word in found if word in pronouns) / len(found) if found else 0.0


@cache
def _second_person(language: str) -> frozenset[str]:
    return frozenset(SECOND_PERSON.get(language, "").split())


# Is the page an event report (a report of what happened, when, told by whom) or an evergreen text (a
# history, a guide, a list of tools, an essay, a preview)? A logistic regression on general signals of the
# body (`event_signals`), fitted by `benchmarks/event_model.py` (deterministic; labels and the rule that
# gave them in benchmarks/data/event_labels.tsv). Only for a language with word lists (REPORTING, WEEKDAYS):
# any other language's pages count as event reports (1.0), so nothing changes for them.
REPORTING = {
    "en": "said says told according announced reported confirmed added stated",
    "de": "sagte sagten sagt erklärte erklärten teilte teilten berichtete bestätigte laut",
}
WEEKDAYS = {
    "en": "monday tuesday wednesday thursday friday saturday sunday yesterday today tonight",
    "de": "montag dienstag mittwoch donnerstag freitag samstag sonntag gestern heute",
}
EVENT_SIGNALS = ("reporting", "weekdays", "dates", "reader", "unended", "names")
EVENT_WEIGHTS = {"reporting": 1.40, "weekdays": 1.89, "dates": 1.89, "reader": -2.07, "unended": -1.21,
                 "names": 0.93}
EVENT_BIAS = 2.08


def event_signals(title: str, body: str, language: str,
                  body_names: set[str] | None = None) -> dict[str, float] | None:
    """The body's signals of an event report, per 100 words (None in a language without word lists):
    reporting verbs (said, told, according...), weekdays and yesterday/today (news is of a day), complete
    dates and month-day marks, second person (a guide speaks to its reader), lines that do not end a
    sentence (headings and list items, per 100 lines), and names by capitalisation (`body_names`: the
    body's `names`, when the caller has them)."""
    if language not in REPORTING:
        return None
    found = WORD.findall(body.casefold())
    if not found:
        return None
    per = 100 / len(found)
    reporting, weekdays = _word_list("reporting", language), _word_list("weekdays", language)
    lines = [line.strip() for line in body.split("\n") if line.strip()]
    unended = sum(1 for line in lines if line[-1] not in ".!?\"'”’)»:") / len(lines)
    dates = len(stated_dates(body, language)) + sum(1 for key in time_marks(body) if "-" in key)
    return {"reporting": sum(1 for word in found if word in reporting) * per,
            "weekdays": sum(1 for word in found if word in weekdays) * per,
            "dates": dates * per,
            "reader": reader_share(body, language) * 100, "unended": unended * 100,
            "names": len(names(body, language) if body_names is None else body_names) * per}


def event_score(signals: dict[str, float] | None) -> float:
    """The probability that a page of these signals (`event_signals`) reports an event; 1.0 for None."""
    if signals is None:
        return 1.0
    z = EVENT_BIAS + sum(EVENT_WEIGHTS[name] * math.log1p(signals[name]) for name in EVENT_SIGNALS)
    return 1 / (1 + math.exp(-z))


@cache
def _word_list(kind: str, language: str) -> frozenset[str]:
    return frozenset({"reporting": REPORTING, "weekdays": WEEKDAYS}[kind].get(language, "").split())


def words(text: str, language: str = "en") -> Counter[str]:
    """Content words as `language:word`: casefolded, two letters or more, no stop words of the
    language, no numbers but years."""
    stop = stop_words(language)
    counts = Counter(word for word in WORD.findall(text.casefold())
                     if word not in stop and (not word.isdigit() or len(word) == 4))
    return Counter({f"{language}:{word}": count for word, count in counts.items()})


def evidence(title: str, body: str, language: str, figures: Counter[str],
             body_names: set[str] | None = None) -> set[str]:
    """The article's evidence items but its entities (see the module's docstring); `body_names`: the
    body's `names`, when the caller has them (names are found line by line: the title's and the body's
    are those of the two together)."""
    found = {f"n:{figure}" for figure in figures if len(figure.replace(".", "")) >= 3 or "." in figure}
    stop = stop_words(language)
    found.update(f"h:{language}:{word}" for word in WORD.findall(title.casefold())
                 if word not in stop and not word.isdigit())
    for match in QUOTED.finditer(body):
        quoted = WORD.findall(match[1].casefold())
        if 3 <= len(quoted) <= 12:
            found.add(f"q:{language}:{' '.join(quoted)}")
    found.update(names(f"{title}\n{body}", language) if body_names is None
                 else names(title, language) | body_names)
    return found


def names(text: str, language: str) -> set[str]:
    """Names found by capitalisation: runs of two or more capitalised words (stop words of the
    language break a run), and single capitalised words that do not start a sentence in a language
    that does not capitalise its nouns; as `c:words`, casefolded."""
    stop = stop_words(language)
    singles = language not in NOUNS_CAPITALISED
    found: set[str] = set()
    for line in text.split("\n"):
        run: list[str] = []
        first = False
        end = -1
        for match in CAPITALISED.finditer(line):
            word = match[0]
            capital = word[0].isupper() and _head(word.casefold()) not in stop
            if capital and run and line[end:match.start()] == " ":
                run.append(word)
            else:
                _keep(run, first, found, singles)
                run = [word] if capital else []
                at = match.start()
                before = line[max(0, at - 4):at].rstrip()  # a short look back: no copy of the line
                first = (not before and not line[:at].strip()) or (bool(before) and before[-1] in
                                                                    ".!?:;\"“”«»„-–—•|")
            end = match.end()
        _keep(run, first, found, singles)
    return found


def _head(word: str) -> str:
    """A word without the English contraction it ends with ("i'm" -> "i", "it’s" -> "it"): a stop word
    with a contraction ("I'm", "It's", "We'll") is still a stop word, no name. Any other apostrophe
    stays ("o'donnell", "dell'utri"), so that a name starting with a stop word (Spanish `o`, Italian
    `dell`) is still a name."""
    return CONTRACTION.sub("", word, count=1)


def _keep(run: list[str], first: bool, found: set[str], singles: bool) -> None:
    if len(run) >= 2 or (singles and len(run) == 1 and not first and len(run[0]) >= 3):
        found.add("c:" + " ".join(word.casefold() for word in run))


def numbers(text: str) -> Counter[str]:
    """The figures of a report (a magnitude, an age, a toll, a sum); years and single digits left out."""
    return Counter(match[0].replace(",", "") for match in NUMBER.finditer(text)
                   if len(match[0]) > 1 and not YEAR.fullmatch(match[0]))


def lead_length(body: str) -> int:
    """Where the lead ends: after LEAD_SENTENCES sentences, or at LEAD_CHARS."""
    ends = [match.end() for match in SENTENCE_END.finditer(body, 0, 2 * LEAD_CHARS)]
    return min(ends[LEAD_SENTENCES - 1] if len(ends) >= LEAD_SENTENCES else len(body), LEAD_CHARS)


@cache
def stop_words(language: str = "en") -> frozenset[str]:
    """spaCy's stop words of the language (none for a language spaCy has no list for)."""
    import importlib

    if not language.isalpha():
        return frozenset()
    try:
        module = importlib.import_module(f"spacy.lang.{language}.stop_words")
    except ImportError:
        return frozenset()
    return frozenset(getattr(module, "STOP_WORDS", ()))


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
