"""Created/updated stamps that templates print after the article: "Créé: 12.12.2019, 07h36".

A stamp is a short paragraph that says nothing but when the page was created, published, updated or
changed: labels in several languages, dates, clock times, time zones and the small words between
them. It is metadata (the dates come from the page's declarations), so `drop_trailing_stamps` takes
such paragraphs off the end of a body; a paragraph with any other word in it stays.
"""

from __future__ import annotations

import re

from newsdesk.extract.dates import first_date_in, without_dates

MAX_STAMP_LENGTH = 160
_LABELS = (
    # en
    "created", "updated", "last updated", "first published", "published", "modified", "last modified",
    "posted", "edited", "date", "originally published",
    # de
    "erstellt", "aktualisiert", "zuletzt aktualisiert", "veröffentlicht", "publiziert", "geändert",
    "zuletzt geändert", "stand", "datum",
    # fr
    "créé", "crée", "mis à jour", "mise à jour", "publié", "publiée", "modifié", "modifiée",
    # es, pt
    "creado", "actualizado", "actualización", "publicado", "publicada", "modificado", "atualizado",
    "atualização", "criado",
    # it
    "creato", "aggiornato", "pubblicato", "modificato",
    # nl
    "aangemaakt", "bijgewerkt", "gepubliceerd", "gewijzigd",
    # pl, sv, da
    "opublikowano", "zaktualizowano", "publicerad", "uppdaterad", "publiceret", "opdateret",
)
_LABEL = re.compile(r"\b(?:" + "|".join(sorted((re.escape(w) for w in _LABELS), key=len, reverse=True))
                    + r")(?!\w)", re.IGNORECASE)
_TIME = re.compile(r"\b[0-2]?\d\s?[:h.]\s?[0-5]\d(?:[:.][0-5]\d)?(?:\s?(?:[ap]\.?\s?m\.?|uhr|h)(?!\w))?",
                   re.IGNORECASE)
_WEEKDAYS = re.compile(
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day|\b(?:montag|dienstag|mittwoch|donnerstag|freitag|"
    r"samstag|sonntag|lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|lunes|martes|miércoles|"
    r"jueves|viernes|sábado|domingo|lunedì|martedì|mercoledì|giovedì|venerdì|sabato|maandag|dinsdag|"
    r"woensdag|donderdag|vrijdag|zaterdag|zondag)\b",
    re.IGNORECASE,
)
# What may sit between labels, dates and times: prepositions, "o'clock", time zones, punctuation.
_FILLER = re.compile(
    r"\b(?:on|at|am|um|le|à|a|el|las|de|del|il|alle|op|om|the|and|und|et|y|e|en|uhr|h|"
    r"utc|gmt|[a-z]{1,2}[sd]t|me[sz]z|cet)\b",
    re.IGNORECASE,
)


_PARTS = re.compile(r"[|;–—]|\s-\s")


def is_stamp(text: str) -> bool:
    """True when the paragraph is only a date, or labels such as "Updated:" with dates and times."""
    if len(text) > MAX_STAMP_LENGTH or first_date_in(text) is None:
        return False
    if _LABEL.search(text) is None and len([p for p in _PARTS.split(text) if first_date_in(p)]) > 1:
        return False  # dates without a label ("1 May 2024 | 3 June 2024"): a period, not a stamp
    rest = _TIME.sub(" ", without_dates(text))
    rest = _FILLER.sub(" ", _WEEKDAYS.sub(" ", _LABEL.sub(" ", rest)))
    return re.search(r"\w", rest) is None


def drop_trailing_stamps(body: str) -> str:
    """`body` (paragraphs separated by blank lines) without the stamps after its last paragraph.

    The whole body is never taken: a body that is nothing but a stamp is left as it is.
    """
    paragraphs = body.split("\n\n")
    end = len(paragraphs)
    while end > 1 and is_stamp(paragraphs[end - 1].strip()):
        end -= 1
    return body if end == len(paragraphs) else "\n\n".join(paragraphs[:end]).rstrip()
