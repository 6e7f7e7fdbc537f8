"""Can a sentence hold an attribution? The one test that decides which sentences get a dependency parse.

    >>> may_attribute("The plan, she said, is dead.", ["the", "plan", ",", "she", "say", ...], "en")
    True

A sentence can hold one when it has a quotation mark, a cue verb of its language (compared by lemma:
"said", "says" and "saying" are all "say") or a cue phrase ("according to"). The quotation rules read
a parse only in such sentences (see `quote_attribution`), so every other sentence is left unparsed.
The lists are per language; a language with no list parses every sentence, since leaving out a
sentence that held a quote loses it, while parsing one too many only costs time.
"""

from __future__ import annotations

from collections.abc import Iterable

from newsdesk.enrich.quote_cues import ATTRIBUTION_VERBS_EN
from newsdesk.enrich.quote_marks import CLOSERS
from newsdesk.enrich.quote_speakers import REPORTING_VERBS

# Every mark that opens or closes a quotation, and the typewriter pairs ``…''.
QUOTE_MARKS = frozenset(CLOSERS) | frozenset("".join(CLOSERS.values())) | {"``", "''"}
# Lemmas (lower case) of the verbs that introduce speech, by language: in English the reporting verbs
# and the verbs learned to attribute what their complement says ("accuse", "vow": quote_cues).
CUE_VERBS: dict[str, frozenset[str]] = {"en": REPORTING_VERBS | ATTRIBUTION_VERBS_EN}
# Phrases (lower case, matched in the lower-cased sentence) that attribute without a cue verb.
CUE_PHRASES: dict[str, tuple[str, ...]] = {"en": ("according to",)}


def may_attribute(text: str, lemmas: Iterable[str], language: str) -> bool:
    """Whether the sentence `text`, whose tokens have the lower-case `lemmas`, can hold an attribution
    in `language` (an ISO 639-1 code): a quotation mark, a cue verb or a cue phrase. True for a language
    without cue lists."""
    verbs = CUE_VERBS.get(language)
    if verbs is None:
        return True
    if any(mark in text for mark in QUOTE_MARKS):
        return True
    if not verbs.isdisjoint(lemmas):
        return True
    lower = text.lower()
    return any(phrase in lower for phrase in CUE_PHRASES.get(language, ()))
