"""Which spaCy pipeline finds the entities of an article, by its language.

English uses the `spacy_pipeline` setting (a full pipeline: entities, and the tags and parse that
quotations, topics and keywords read). German, French, Dutch and Portuguese use the small
named-entity pipelines shipped in `newsdesk/enrich/models/<code>/`, trained by
`python -m newsdesk.enrich.train_ner` (see docs/languages.md): they find entities only, so an article
in those languages gets its entities (and its quotations linked to them) while quotations, topics and
keywords are found as for any language without a parse. A pair in the `spacy_pipelines` setting
(CODE=PACKAGE) overrides the shipped one and is used in full. Every pipeline is loaded on first use.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from newsdesk.settings import Settings
from newsdesk.text import language_key

if TYPE_CHECKING:
    from newsdesk.store.base import SearchRequest, Store

MODELS = Path(__file__).resolve().parent / "models"
# The languages a model is shipped for, with their English names for messages.
SHIPPED = {"de": "German", "fr": "French", "nl": "Dutch", "pt": "Portuguese"}
NAMES = {
    "ar": "Arabic", "bg": "Bulgarian", "bn": "Bengali", "ca": "Catalan", "cs": "Czech", "da": "Danish",
    "de": "German", "el": "Greek", "en": "English", "es": "Spanish", "et": "Estonian", "fa": "Persian",
    "fi": "Finnish", "fr": "French", "he": "Hebrew", "hi": "Hindi", "hr": "Croatian", "hu": "Hungarian",
    "id": "Indonesian", "it": "Italian", "ja": "Japanese", "ko": "Korean", "lt": "Lithuanian",
    "lv": "Latvian", "ms": "Malay", "nb": "Norwegian", "nl": "Dutch", "pl": "Polish", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian", "sv": "Swedish",
    "sw": "Swahili", "th": "Thai", "tr": "Turkish", "uk": "Ukrainian", "ur": "Urdu", "vi": "Vietnamese",
    "zh": "Chinese",
}


def shipped_model(code: str) -> str | None:
    """The directory of the model shipped for `code`, or None (no such language, or not built)."""
    path = MODELS / code
    return str(path) if code in SHIPPED and (path / "meta.json").is_file() else None


def pipelines(settings: Settings) -> dict[str, str]:
    """The pipeline of each language code that has one: the shipped models, then the settings'."""
    found = {code: path for code in SHIPPED if (path := shipped_model(code))}
    found.update(settings.pipelines())
    return found


def entities_only(name: str) -> bool:
    """True for a shipped model: it finds entities and nothing else (no tags, no parse)."""
    return Path(name).parent == MODELS


def label(name: str, meta: dict[str, object]) -> str:
    """What `enrichment["pipeline"]` records: "de_newsdesk_ner 1.0.0" for a shipped model (not its
    path on this machine), "NAME VERSION" for a named package."""
    if entities_only(name):
        return f"{meta.get('lang', '')}_{meta.get('name', 'ner')} {meta.get('version', '')}".strip()
    return f"{name} {meta.get('version', '')}".strip()


def language_name(code: str | None) -> str:
    """"German" for "de"; the code itself for a language without a name here; "an unknown language"."""
    if not code:
        return "an unknown language"
    return NAMES.get(code, code)


def without_entities(codes: list[str], settings: Settings | None = None) -> list[str]:
    """The codes among `codes` that no pipeline finds entities for (in the order given)."""
    have = pipelines(settings or Settings.from_env())
    return [code for code in codes if code not in have]


def unavailable(language: str | None, settings: Settings | None = None) -> str | None:
    """'entities: not available for German' when no model finds entities in `language`, else None."""
    code = language_key(language) or "en"
    if without_entities([code], settings):
        return f"entities: not available for {language_name(code)}"
    return None


def languages_without_entities(store: Store, request: SearchRequest,
                               settings: Settings | None = None) -> dict[str, int]:
    """How many of the articles matching `request` are in each language that no model finds entities
    for, by language code (what `newsdesk entities` and the desk say)."""
    have = pipelines(settings or Settings.from_env())
    codes = [language_key(request.language)] if request.language else list(NAMES)
    found = {code: store.count(replace(request, language=code))
             for code in codes if code and code not in have}
    return {code: count for code, count in found.items() if count}
