"""Author names from bylines and metadata values: "By Jane Doe and John Roe | Site" -> two names.

`parse_byline` strips the lead-in ("By", "Von", "Par", "Por", ...), job titles and credentials,
e-mail addresses, URLs, dates and trailing "| Site" parts, then splits on "and"/"und"/"et"/"y",
commas, semicolons and ampersands. Names are kept in order, without duplicates. The plain-text
extractor reads its byline lines with the same `split_byline` and `names_in`.
"""

from __future__ import annotations

import re
import unicodedata

from newsdesk.extract.dates import MONTH_NAMES, MONTHS
from newsdesk.text import without_www

_LEAD_WORDS = ("by", "von", "vom", "par", "por", "door", "av", "af", "przez", "от", "de la")
_LEAD_IN = re.compile(
    r"^[\s~©*•·|:\-–—]*(?:(?:post|article|entry|story)\s+)?"
    r"(?:(?:written|posted|published|text|reported|photos?|words|interview|geschrieben|veröffentlicht|"
    r"verfasst|publié|escrito|scritto|authors?|autor(?:in|en|/in|\*in|:in)?|auteurs?|autore|autori)\b\s*[:\-]?\s*)?"
    r"(?:(?:by|von|vom|par|por|door|av|af|przez|от|via)\b\s*[:\-]?\s*)?",
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
_SPLIT = re.compile(r"\s*(?:;|,|&|\s\|\s|\s[-–—»›]\s)\s*|\s+(?:and|und|et|y|e|en|och|og)\s+", re.IGNORECASE)
_NOT_A_NAME_PART = re.compile(
    r"\b(?:staff|senior|chief|deputy|associate|contributing|special|political|foreign|business|"
    r"correspondent|reporter|writer|editor|editors|columnist|contributor|journalist|producer|"
    r"photographer|redakteur(?:in)?|korrespondent(?:in)?|updated|published|posted|min read|last updated|"
    r"founder|co-founder|cofounder|ceo|cto|director|manager|coordinator|consultant|expert|reviewer|"
    r"reviewed|fact[- ]checked|medically|former|head of|head|lead|specialist|strategist|analyst|"
    r"content marketing|marketing (?:director|manager|coordinator|lead|specialist|executive|officer)|"
    r"sponsored|certified|\d+\s*(?:mins?|minutes?|minuten)\b|"
    r"publiziert|zuletzt|bearbeitet|geändert|"
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
_CREDENTIAL = re.compile(
    r"^(?:ph\.?\s?d|m\.?d|mph|m\.?sc?|b\.?sc?|m\.?a|rdn?|ld|rn|bsn|cpt|cscs|mba|esq)\.?$", re.IGNORECASE)
# "J.", "J.R.", "Jr.": a final dot that belongs to the name, unlike a sentence's ("Jane Li.").
_KEEPS_DOT = re.compile(r"(?:^|[\s.])(?:[^\W\d_]|Jr|Sr|St)\.$")
_SUFFIX = re.compile(r"^(?:jr|sr|ii|iii|iv)\.?$", re.IGNORECASE)
_ONLY_DIGITS_PUNCT = re.compile(r"^[\W\d_]+$")
_STRIP = " \t\n\r|:;,-–—·•~©*()[]\"'«»“”„/›>"
_NOT_NAMES = frozenset({*_LEAD_WORDS, "on", "at", "am", "le", "el", "de", "the", "and", "posted", "published",
                        "admin", "administrator", "author", "autor", "unknown", "anonymous", "guest"})
# Values that stand where a name should and name nobody, compared by `name_key` (case, spaces and
# punctuation ignored): placeholders of templates and CMSs, desk labels, the labels and links that sit
# beside a byline ("Publiziert", "Hire", "Sign in"), in the languages newsdesk reads.
PLACEHOLDERS = frozenset("""
noauthor unknown unknownauthor anonymous anonym anonyme anonimo anónimo anonimowy anoniem admin administrator
administrador amministratore webmaster webredaktion sysadmin root user username guest guestauthor gast
gastautor gastautorin invité invitado ospite author authors theauthor topicauthor postauthor authorname
autor autorin autoren auteur auteurs autore autori auteursnaam writer
published publiziert veröffentlicht publié publicado pubblicato gepubliceerd opublikowano posted
updated aktualisiert created erstellt geschrieben written writtenby postedby von by
hire hireus contact contactus kontakt getintouch signin signup login logout log register anmelden
registrieren home startseite accueil inicio menu menü search suche share teilen follow subscribe
abonnieren readmore weiterlesen more mehr profile profil viewprofile allposts allposts
""".split())
# The desk rather than a person ("Redaktion", "News Desk", "Staff"): the organisation acting as author,
# named when no person is.
DESKS = frozenset("""
staff staffwriter staffwriters staffreporter editor editors theeditors editorial editorialteam
editorialstaff editorialboard newsroom newsdesk onlineredaktion redaktion redaktionen dieredaktion
redaction laredaction rédaction larédaction redacción redaccion laredacción redazione laredazione
redactie deredactie redakcja redação redacao webredaktion team theteam ourteam
""".split())
_MONTH_OR_DAY = frozenset(
    {*MONTHS, "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun", "monday", "tuesday",
     "wednesday", "thursday", "friday", "saturday", "sunday", "today", "yesterday", "heute", "gestern",
     "montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "aujourd'hui", "hier",
     "lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "hoy", "ayer", "oggi", "ieri"})
# Template variables left unfilled ("page.head.extra.author", "{{ author }}", "%author%").
_TEMPLATE = re.compile(r"^[a-z]+(?:[._][a-z]+){2,}$|[{}%$]|^\[.*\]$", re.IGNORECASE)
# Inside a login or handle (one word): dots or underscores between letters, digits beside letters.
_LOGIN = re.compile(r"[^\W\d_][._]+[^\W\d_]|[^\W\d_]\d|\d[^\W\d_]")
_AGENCIES = frozenset("ap afp dpa apa ansa efe upi kna epd sda ats ddp dts".split())
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
    if name.endswith(")") and "(" not in name:
        name = name[:-1].rstrip()
    elif "(" in name and ")" not in name:
        name = f"{name})"  # "Jean Roe (Example" lost its bracket to the strip above
    lowered = name.lower()
    if "@" in name or "://" in name or lowered.startswith("www.") or lowered in _NOT_NAMES:
        return None
    if len(name.split()) > 6 or _CREDENTIAL.match(name) or _NOT_A_NAME.search(name):
        return None
    if is_placeholder(name):
        return None
    return name


def is_placeholder(name: str) -> bool:
    """True for values that name nobody: "No Author", "Redaktion", "Publiziert", "March", "{{author}}".

    A lone word of one to three characters ("DT", "JF") is an abbreviation nobody can be told by,
    unless it is a news agency's ("AP", "dpa"), which is an organisation acting as author.
    """
    key = name_key(name)
    if not key or key in PLACEHOLDERS or _TEMPLATE.search(name):
        return True
    words = name.casefold().replace(",", " ").replace(".", " ").split()
    return bool(words) and all(word in _MONTH_OR_DAY or word.isdigit() for word in words)


def is_desk(name: str) -> bool:
    return name_key(name) in DESKS


# A word of a person's name: capitalised (any script with case), an initial, or a particle.
_NAME_WORD = re.compile(r"^(?:[^\W\d_][.]){1,3}$|^[^\W\d_](?:[^\W\d_]|['’.-](?=[^\W\d_]))*\.?$")
_PARTICLES = frozenset("van von de der den da di du del della la le bin al ibn ten ter zu y e".split())


def is_person_name(name: str) -> bool:
    """The shape of a person's name: two to five words, capitalised (particles aside), no digits,
    no login punctuation, and neither a placeholder, a desk, a month nor a company."""
    words = name.split()
    if not 2 <= len(words) <= 5 or is_placeholder(name) or is_desk(name) or is_organisation(name):
        return False
    capitalised = 0
    for word in words:
        if word.casefold() in _PARTICLES:
            continue
        lowered = word.casefold().rstrip(".")
        if not _NAME_WORD.match(word) or not word[0].isupper() or lowered in _MONTH_OR_DAY:
            return False
        capitalised += 1
    return capitalised >= 2


def is_abbreviation(name: str) -> bool:
    """A lone word of two or three capitals ("DT", "JF"): initials or a desk's code, not a name."""
    name = name.strip()
    return 2 <= len(name) <= 3 and name.isalpha() and name.isupper() and name.casefold() not in _AGENCIES


def is_login(name: str) -> bool:
    """A user name rather than a person's name: "christian.stadtfeld", "jdoe_42", "wordpressadmin"."""
    name = name.strip()
    if not name or " " in name or name_key(name) in _AGENCIES:
        return False
    return name.islower() or _LOGIN.search(name) is not None


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
    if _TEMPLATE.search(text):
        return []
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
        part = _tidy(_NOT_A_NAME_PART.sub("", _LEAD_IN.sub("", part, count=1)))
        if names and _SUFFIX.match(part.strip()):
            names[-1] = f"{names[-1]} {part.strip()}"
            continue
        name = clean_name(part)
        if name:
            names.append(name)
    return merge_names(names)


def _tidy(part: str) -> str:
    """A name without what templates print around it: the avatar's initials before it ("JD Jane
    Doe"), credentials after it ("Jane Doe RN"), the name twice (an image's alt text, then the name)."""
    words = part.split()
    while len(words) > 2 and (_CREDENTIAL.match(words[-1]) or words[-1].casefold() in ("last", "by")):
        words.pop()  # "Jane Doe Last" is what is left of "Jane Doe Last updated ..."
    if len(words) >= 3 and words[0].isupper() and words[0] == "".join(w[0] for w in words[1:3]).upper():
        words.pop(0)
    half = len(words) // 2
    if half and len(words) % 2 == 0 and words[:half] == words[half:] and all(len(w) > 2 for w in words):
        words = words[:half]
    return " ".join(words)


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
    """A login-like, first-name-only or initials value ("jdoe", "jane-doe", "Jane", "DT"): a byline
    may say more, and it is named only when nothing better is found."""
    return " " not in name.strip()


def _plain_key(name: str) -> str:
    """`name_key` without accents and underscores: "gàbor_muniér" and "Gabor Munier" share one."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return _NON_WORD.sub("", "".join(c for c in decomposed if not unicodedata.combining(c))).replace("_", "")


def extends(weak: str, name: str) -> bool:
    """True when `name` is a fuller form of the weak name `weak` ("jane-doe", "jane.doe" -> "Jane Doe")."""
    weak_key, key = _plain_key(weak), _plain_key(name)
    return bool(weak_key) and " " not in weak.strip() and " " in name.strip() and (
        weak_key == key or key.startswith(weak_key) or weak_key.startswith(key))


def site_keys(site_names: list[str]) -> tuple[set[str], list[list[str]]]:
    """Keys of the site's names and host ("example.com" and "example"), and the words of its names."""
    keys: set[str] = set()
    words: list[list[str]] = []
    for site in site_names:
        site = without_www(site)
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
