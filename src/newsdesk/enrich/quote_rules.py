"""Speakers of quotations in languages newsdesk does not parse (German, French, Dutch, Portuguese,
Spanish, Italian): rules over the words around each quotation, no model.

    >>> [(q.text, q.speaker_name) for q in rule_quotes("„Das ist gut“, sagte Neubauer.", "de")]
    [('Das ist gut', 'Neubauer')]

What the rules read (the words are `newsdesk.enrich.quote_cues`'):

* After the closing mark: `„…“, sagte Neubauer` / `« … », a déclaré le ministre` / `'…', aldus Rutte`
  / `"…", dijo Sánchez` / `„…“, sagte sie` (the verb first, then the speaker), and `„…“, Neubauer
  sagte` (the speaker first).
* Before the opening mark, in the same sentence: `Neubauer sagte: „…“` / `Selon Macron, « … »` /
  `Laut Neubauer „…“`.
* Dialogue dashes (Spanish, Portuguese, Italian, French copy; `quote_dialogue`): a paragraph opening
  with "—" is a quotation up to the next dash, where the cue may follow (`—Vamos a ganar —dijo
  Sánchez—.`).
* A speaker is an entity of the parse when the caller has one (a PERSON/PER/ORG mention starting
  there); else a run of capitalised words (with name particles: "de", "van der", "da"), or an article
  and a noun ("der Sprecher", "le ministre"). A pronoun ("er", "elle", "hij", "ela", "él", "lei")
  is resolved as below; a lone surname takes the nearest earlier full name ending with it.
* Inside the quotation, between dashes: `“… – spiegano gli attivisti – …”`; and a name alone before
  a colon: `Diess: „…“`. Up to three lower-case words may stand between a verb and the name after it
  (`», rappelle ainsi Olivier Panisset`).
* Before the opening mark, in the same sentence, more loosely: a colon after any verb gives the
  sentence's subject (`Stäblein dankte dem Rat: „…“`) or a pronoun after its verb (`Dann fragte er:`);
  a reporting verb earlier in the sentence whose clause leads to the quotation gives its subject
  (`dijo a la radio que … «…»`: before the verb only when it opens the sentence or follows a comma,
  after it when it follows at once or is a pronoun); a sentence opening with an according-to phrase
  (`Aus Sicht von X hat …, „…“`). In Spanish, Portuguese and Italian a verb with no subject
  (`«…», lamentó.`, `señaló que «…»`) gives the one being quoted. German `„…“, wird X zitiert`.
* A description followed by the name it describes names that person, also when a comma sets the
  name off (`dijo el ministro de Economía, Carlos Cuerpo.`): where an entity model ran, a person
  entity there; with none (Spanish, Italian), two capitalised words (so a place may pass: `dijo el
  ministro, Buenos Aires` is Buenos Aires); German, which capitalises its nouns, needs the entity.
  Outside German a description ending in a name gives the name (`el ministro Luis Planas`) when no
  entity model ran. Each language's own articles open a description (Spanish `a` is a preposition).
  Of entities in one span, a person before an organisation; entities inside quotations are never
  speakers nor antecedents.
* The one spoken to may stand between a verb and its subject (`explicó a Efe el portavoz`, `a
  déclaré à l'AFP le ministre`): skipped whole; with no subject after it (`dijo a Efe.`) the verb has
  none. A sentence opening with "for", a person and a comma right before the quotation (`Pour la
  ministre Rachida Dati, « … »`) gives that person's view: a person or organisation the entity
  model found there, or a pronoun (with no entity model, Spanish and Italian, only a pronoun: a time,
  a place or a thing must not speak, `Para el próximo año`, `Para los Juegos Olímpicos`).
* A quotation with no cue of its own continues the previous one's speaker in its paragraph, or the
  previous paragraph's when it opens its paragraph (a speech quoted at length), unless the sentence
  before it opens with a person named after that quotation (`B widersprach. „…“`): then that person.
* A pronoun or a dropped subject is the later of the one being quoted (the previous quotation's
  named speaker, within 3,000 characters) and the last person opening a sentence (in the pronoun's
  own paragraph when there is a previous speaker; an entity, or with no entities two capitalised
  words); else the last person entity, else the last name of two or more capitalised words.
* Reported speech: `Selon Macron, la réforme est nécessaire.` / `..., laut Neubauer.` - the rest of
  the sentence, as an indirect quotation.

Cost: a few anchored regular expressions per quotation over windows of at most a few thousand
characters, and binary searches over the entities and quotations, so linear in the body: 20,000
quotations in a 1.8 MB body with no line break take about 2 s with an entity at every name, 6 s with
none (one run on the shared machine under load; the fuller name of a surname is looked up once per
surname, where it had been a scan of the body before it per mention). A verb with no subject in a
body naming nobody finds the last name from one scan of the body plus at most 1,000 characters
(before: a copy and scan of the body before it per quotation, 8,000 quotations took 54 s).
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import dataclass

from newsdesk.article import Quote
from newsdesk.enrich.quote_cues import (
    ACCORDING_TO,
    ADDRESSEES,
    ARTICLES,
    AUXILIARIES,
    NOT_SPEAKERS,
    OPINION_OPENERS,
    PRO_DROP,
    PRONOUNS,
    REPORTING_VERBS,
    THAT,
)
from newsdesk.enrich.quote_dialogue import DASHES, with_dialogue
from newsdesk.enrich.quote_marks import MarkedQuote, find_marked_quotes, paragraphs

UPPER = "A-ZÀ-ÖØ-ÞĀ-Ž"
NAME_WORD = rf"[{UPPER}][\w’'-]*"
TWO_NAMES = re.compile(rf"(?:^|(?<=\s)){NAME_WORD}[^\S\n]+{NAME_WORD}")
PARTICLE = r"(?:von|van|der|den|de|du|des|la|le|di|da|do|dos|das|del|della|ten|ter|y|zu)"
NAME = rf"{NAME_WORD}(?:[^\S\n]+(?:{PARTICLE}[^\S\n]+){{0,2}}{NAME_WORD}){{0,3}}"  # never over a line break
ARTICLE = (r"(?:der|die|das|ein|eine|le|la|les|l[’']|un|une|de|het|een|o|a|os|as|um|uma|el|los|las|"
           r"il|lo|gli|uno|una)")
DESCRIBED = rf"[\w’'-]+(?:\s+[\w’'-]+){{0,2}}?(?:\s+{NAME})?"  # the words after a description's article
SENTENCE_END = re.compile(r"[.!?][\"“”»«’']?(?:\s+|$)")
SPEAKER_LABELS = frozenset({"PERSON", "PER", "ORG", "NORP"})
PEOPLE = frozenset({"PERSON", "PER"})
AFTER_ARTICLE = r"(?:\s+|(?<=[’']))"  # a space, or none after an elided article (`l'AFP`)
VERB_SECOND = frozenset({"de"})  # Dutch unmeasured: its rules stay as before
CAPITALISED_NOUNS = frozenset({"de"})  # capitals do not tell a name from a noun


@dataclass(frozen=True, slots=True)
class _Cue:
    cue: str
    cue_span: tuple[int, int]
    speaker_name: str | None
    speaker_span: tuple[int, int] | None


EntitySpans = Sequence[tuple[int, int, str]]  # (start, end, label) of the parse's entities


def rule_quotes(body: str, language: str, entities: EntitySpans = ()) -> list[Quote]:
    """The quotations of a body in `language` with their cues and speakers, by rules; [] of speakers
    (marks only) for a language with no cue words."""
    marked = find_marked_quotes(body, single=True)
    marked = with_dialogue(body, marked)
    marked = [_inner(body, m) for m in marked]
    quotes = [Quote(text=body[m.start : m.end], type="direct", span=(m.start, m.end)) for m in marked]
    if language not in REPORTING_VERBS or language == "en":
        return quotes
    rules = _Rules(body, language, entities, [(m.open_mark, m.close_mark or m.end) for m in marked])
    paras = paragraphs(body)
    previous: tuple[int, _Cue, int] | None = None  # paragraph, cue, end of that quotation
    for mark, quote in zip(marked, quotes, strict=True):
        para = _paragraph_of(paras, mark.open_mark)
        found = rules.after(mark) or rules.before(mark) or rules.within(mark)
        if found is None:
            # No cue of its own: the one the text goes on quoting, or the person the sentence before
            # is about when named after that quotation (`„…“, sagte A. B widersprach. „…“`).
            subject = rules.subject_before(mark, paras[para][0] if para >= 0 else 0)
            goes_on = previous is not None and (
                previous[0] == para or (previous[0] == para - 1 and mark.open_mark <= paras[para][0] + 1))
            if subject is not None and (not goes_on or previous is None or subject[0] > previous[2]):
                found = subject[1]
            elif goes_on and previous is not None:
                found = previous[1]
        if found is None:
            continue
        quote.cue, quote.cue_span = found.cue, found.cue_span
        quote.speaker_name, quote.speaker_span = found.speaker_name, found.speaker_span
        name = found.speaker_name
        if name and name[:1].isupper() and not re.match(ARTICLE + r"\s", name, re.IGNORECASE):
            rules.last_speaker = (mark.open_mark, name)
        previous = (para, found, mark.end)
    quotes.extend(rules.according(quotes))
    quotes.sort(key=lambda q: q.span)
    return quotes


def _inner(body: str, mark: MarkedQuote) -> MarkedQuote:
    """Without the spaces French copy puts inside its marks (« … »)."""
    start, end = mark.start, mark.end
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    return MarkedQuote(start, end, mark.open_mark, mark.close_mark)


def _paragraph_of(paras: list[tuple[int, int]], offset: int) -> int:
    for index, (start, end) in enumerate(paras):
        if start <= offset < end:
            return index
    return -1


class _Rules:
    def __init__(self, body: str, language: str, entities: EntitySpans,
                 quoted: Sequence[tuple[int, int]] = ()) -> None:
        self.body = body
        self.language = language
        self.quoted = sorted(quoted)
        self.quoted_starts = [start for start, _ in self.quoted]
        # A name inside a quotation is somebody the speaker talks about, not a speaker.
        self.entities = sorted(e for e in entities if e[2] in SPEAKER_LABELS and not self._in_quote(e[0]))
        # Whether an entity model ran at all (places only count too): then a name must be its entity,
        # and two capitalised words are no longer guessed to be a person.
        self.modelled = bool(entities)
        self.entity_starts = [e[0] for e in self.entities]
        self._entity_words: set[str] | None = None  # every word of the entities, found when first asked
        self.not_speakers = NOT_SPEAKERS.get(language, frozenset())
        verbs = "|".join(map(re.escape, sorted(REPORTING_VERBS[language], key=len, reverse=True)))
        aux = "|".join(sorted(AUXILIARIES.get(language, ()), key=len, reverse=True))
        verb = rf"(?i:(?:(?:{aux})\s+)?(?:{verbs}))" if aux else rf"(?i:{verbs})"
        pronouns = "|".join(sorted(PRONOUNS[language], key=len, reverse=True))
        # (`quant à elle` is "as for her": the speaker comes after it.)
        articles = "|".join(ARTICLES[language])
        self.article = re.compile(rf"(?i:{articles})")
        self.opens_with_article = re.compile(rf"(?i:{articles})\s")  # a description, not `Elena`
        description = rf"(?i:{articles}){AFTER_ARTICLE}{DESCRIBED}"
        speaker = rf"(?P<speaker>(?<!à\s)(?i:{pronouns})(?!\w)|{description}|{NAME})"
        # The one spoken to, between the verb and its subject: a preposition, an article, up to two
        # lower-case words that are no article, and a name (`a Efe`, `à l'AFP`, `a la radio`, `a la
        # agencia Efe`), taken whole and never given back (possessive), so that with no subject after
        # it (`dijo a Efe.`) it is not the speaker: the pattern fails.
        to = "|".join(sorted(ADDRESSEES.get(language, ()), key=len, reverse=True))
        common = rf"(?!(?i:{articles}){AFTER_ARTICLE})[a-zß-ÿ]+"
        addressee = (rf"(?:\s+(?i:{to}){AFTER_ARTICLE}(?:(?i:{articles}){AFTER_ARTICLE})?"
                     rf"(?:{common}(?:[^\S\n]+{common})?)?(?:[^\S\n]*{NAME_WORD}(?:[^\S\n]+{NAME_WORD})*)?)?+"
                     if to else "")
        according = "|".join(map(re.escape, sorted(ACCORDING_TO[language], key=len, reverse=True)))
        # Names are told by their capitals: only the cue words ignore case.
        # After the close: optional punctuation and dash, the verb, then the speaker (or the reverse).
        self.verb_first = re.compile(
            rf"[\s,.;:!?{DASHES}]*(?P<cue>{verb})(?!\w){addressee}(?:\s+[a-zß-ÿ’']+(?:\s+à)?){{0,3}}?\s+"
            rf"{speaker}(?!\w)")
        self.speaker_first = re.compile(rf"[\s,;{DASHES}]*{speaker}\s+(?P<cue>{verb})(?!\w)")
        # Before the open: the speaker and verb (then anything short) and a colon or comma.
        self.speaker_verb = re.compile(rf"{speaker}\s+(?P<cue>{verb})(?!\w)[^.!?\n]{{0,60}}?[:,]\s*$")
        self.according_before = re.compile(rf"(?P<cue>(?i:{according}))\s+{speaker}\s*[,:]?\s*$")
        # "Diess: „…“": a name and a colon, nothing else, introduce that one's words.
        self.opens_with_name = re.compile(rf"^(?P<cue>)(?P<speaker>{NAME})\s*:\s*$")
        # `“… – spiegano gli attivisti – …”`: a cue between dashes inside the quotation.
        self.inside = re.compile(
            rf"\s[{DASHES}-]\s*(?P<cue>{verb})(?!\w)\s+{speaker}[^{DASHES}]{{0,40}}[{DASHES}-]\s")
        self.according_clause = re.compile(rf"(?<!\w)(?P<cue>(?i:{according}))\s+{speaker}(?!\w)")
        # The sentence holding the quotation opens with an according-to phrase (`Aus Sicht von Diess
        # hat ..., „…“`), or with `X zufolge`.
        self.according_opens = re.compile(rf"^\s*(?P<cue>(?i:{according}))\s+{speaker}(?!\w)")
        self.zufolge_opens = (re.compile(rf"^\s*{speaker}\s+(?P<cue>zufolge)(?!\w)")
                              if language == "de" else None)
        # `Pour la ministre Rachida Dati, « … »`: the view of the person after an opening "for", the
        # quotation right after the comma.
        opener = OPINION_OPENERS.get(language)
        self.opinion_opens = (re.compile(rf"^\s*(?P<cue>(?i:{opener}))\s+{speaker}\s*,\s*$") if opener
                              else None)
        # A colon ends the sentence before the quotation: its subject speaks, whatever the verb
        # (`Stäblein dankte dem Rat: „…“`, `Concernant le lait, X est plus nuancée : « … »`), or a
        # pronoun after the verb (`Zwischen den Bissen dichtet er: „…“`).
        self.subject_opens = re.compile(rf"^\s*(?:[^,.;:!?\n]{{1,40}},\s*)?{speaker}(?!\w)")
        self.pronoun_after_verb = re.compile(
            rf"^\s*(?:[\w’'-]+,?\s+){{1,5}}?(?P<speaker>{pronouns})(?!\w)")
        # A reporting verb earlier in the sentence, its clause or colon leading to the quotation
        # (`dijo a la diaria que en la zona se ven «…»`, `ajoute qu'il « … »`).
        self.verb = re.compile(rf"(?<!\w)(?P<cue>{verb})(?!\w)")
        self.subject_left = re.compile(
            rf"{speaker}(?:\s*,[^,.;:!?\n]{{1,120}},)?\s+(?:(?i:{aux})\s+)?$" if aux
            else rf"{speaker}(?:\s*,[^,.;:!?\n]{{1,120}},)?\s+$")
        self.subject_right = re.compile(rf"^\s+(?:[a-zß-ÿ’']+\s+){{0,2}}?{speaker}(?!\w)")
        that = THAT.get(language)
        self.that = re.compile(rf"(?:(?<!\w)(?:{that})(?!\w)|:)" if that else r":")
        # After the close, a verb with no subject in a language that drops it (`«…», lamentó.`).
        follows = r"(?=\s*(?:[.,;]|$|\s+(?:a|al|en|por|ao|à|alla|in)\s))"
        self.bare_verb = (re.compile(rf"[\s,{DASHES}]*(?P<cue>{verb}){follows}")
                          if language in PRO_DROP else None)
        # German passive: `„…“, wird FINA-Präsident X zitiert`.
        self.passive = re.compile(rf"[\s,]*(?P<cue>wird|wurde)\s+{speaker}\s+zitiert(?!\w)") \
            if language == "de" else None
        # French inversion inside the quotation: `« …, affirme-t-elle. … »`.
        self.inverted = (re.compile(rf"(?P<cue>{verb})-t-(?P<speaker>il|elle)(?!\w)")
                         if language == "fr" else None)
        self.pronouns = PRONOUNS[language]
        self.sentence_name = re.compile(
            rf"(?:^|(?<=[.!?:]\s)|(?<=\n))(?:[^,.;:!?\n]{{1,40}},\s+)?"
            rf"(?P<name>{NAME_WORD}(?:[^\S\n]+{NAME_WORD})+)(?![\w“”„\"»«])", re.MULTILINE)
        self.last_speaker: tuple[int, str] | None = None
        self.fuller: dict[str, tuple[list[int], list[str]]] = {}
        self.names: tuple[list[int], list[re.Match[str]]] | None = None

    def after(self, mark: MarkedQuote) -> _Cue | None:
        if mark.close_mark is None:
            return None
        start = mark.close_mark + 1
        line_end = self.body.find("\n", start, start + 160)  # bounded: linear in the body
        window = self.body[start : min(start + 160, len(self.body) if line_end < 0 else line_end)]
        for pattern in (self.verb_first, self.speaker_first, self.passive):
            match = pattern.match(window) if pattern is not None else None
            if match is not None and self._speaker_ok(match):
                return self._cue(match, start)
        bare = self.bare_verb.match(window) if self.bare_verb is not None else None
        if bare is not None:
            return self._dropped(bare, start)
        return None

    def before(self, mark: MarkedQuote) -> _Cue | None:
        line_start = self.body.rfind("\n", max(0, mark.open_mark - 300), mark.open_mark) + 1
        window_start = max(line_start, mark.open_mark - 300)
        window = self.body[window_start : mark.open_mark]
        # Only the sentence holding the mark (a full stop after a number, "am 5. Oktober", ends none).
        stops = [m.end() for m in re.finditer(r"(?<!\d)[.!?][\"“”»«’']?\s", window)]
        offset = window_start + (stops[-1] if stops else 0)
        window = self.body[offset : mark.open_mark]
        for pattern in (self.according_before, self.opens_with_name):
            match = pattern.search(window)
            if match is not None and self._speaker_ok(match):
                return self._cue(match, offset)
        return self._in_sentence(window, offset)

    def _in_sentence(self, window: str, offset: int) -> _Cue | None:
        """What the sentence before the quotation says of its speaker: an opening according-to
        phrase, a reporting verb with its subject (or, in a language that drops it, none), or a colon
        after the sentence's subject."""
        for pattern in (self.according_opens, self.zufolge_opens):
            match = pattern.match(window) if pattern is not None else None
            if match is not None and self._speaker_ok(match):
                return self._cue(match, offset)
        opinion = self.opinion_opens.match(window) if self.opinion_opens is not None else None
        if opinion is not None and self._speaker_ok(opinion) and self._person_like(opinion, offset):
            return self._cue(opinion, offset)
        for verb in reversed(list(self.verb.finditer(window))):
            rest = window[verb.end() :]
            if self.that.search(rest) or rest.strip()[-1:] in {"", ","}:
                # The subject after the verb (`fragte er:`, `dijo Scott que`) first: before the verb
                # stands the subject only when it opens the sentence or follows a comma (in German
                # the verb's first neighbour may end a fronted phrase: `an den Soziologen X fragte er`).
                left = self.subject_left.search(window[: verb.start()])
                left_ok = left is not None and self._speaker_ok(left)
                prefix = window[: left.start("speaker")].strip() if left is not None else ""
                right = self.subject_right.match(rest)
                # German (verb second): a pronoun right after the verb is its subject when the word(s)
                # before the verb cannot be (`Zugleich mahnte sie:`); a name, a surname or an article
                # and a noun there is the subject (`Merkel fragte sie:`, `Die Kanzlerin fragte sie:`).
                if (self.language in VERB_SECOND and right is not None and right.group("speaker").lower()
                        in self.pronouns and right.start("speaker") == len(rest) - len(rest.lstrip())
                        and self.entities and not (left_ok and left is not None and self._subject_like(
                            offset + left.start("speaker"), offset + left.end("speaker")))):
                    return self._cue_at(right, offset + verb.end(), verb, offset)
                if left is not None and left_ok and prefix == "":
                    return self._cue_at(left, offset, verb, offset)
                if right is not None and self._speaker_ok(right) and (
                        right.start("speaker") == len(rest) - len(rest.lstrip())
                        or right.group("speaker").lower() in self.pronouns):
                    return self._cue_at(right, offset + verb.end(), verb, offset)
                if left is not None and left_ok and prefix.endswith(","):
                    return self._cue_at(left, offset, verb, offset)
                if self.language in PRO_DROP:
                    opening = self.subject_opens.match(window[: verb.start()])
                    if opening is not None and self._speaker_ok(opening):
                        return self._cue_at(opening, offset, verb, offset)
                    return self._dropped(verb, offset)
        if window.rstrip().endswith(":"):
            for pattern in (self.subject_opens, self.pronoun_after_verb):
                match = pattern.match(window)
                if match is not None and self._speaker_ok(match):
                    colon = offset + len(window.rstrip()) - 1
                    cue = self._cue(match, offset)
                    return _Cue(":", (colon, colon + 1), cue.speaker_name, cue.speaker_span)
        return None

    def subject_before(self, mark: MarkedQuote, para_start: int) -> tuple[int, _Cue] | None:
        """The person the sentence before a quotation with no cue is about (`Barisic zählt zu jenen
        Leuten, die ... . „…“`): a name (an entity where the caller found them) or a pronoun opening
        that sentence, in the quotation's paragraph or, when the quotation opens it, the one before."""
        end = mark.open_mark
        while end > 0 and self.body[end - 1] in " \n\t":
            end -= 1
        if end <= 0 or (end < para_start and self.body[end - 1] not in ".!?:"):
            return None
        if end < para_start - 2 and self.body[para_start - 1] != "\n":
            return None
        line_start = self.body.rfind("\n", max(0, end - 400), end) + 1
        ends = list(SENTENCE_END.finditer(self.body, max(line_start, end - 400), end - 1))
        start = ends[-1].end() if ends else line_start
        sentence = self.body[start:end]
        match = self.subject_opens.match(sentence)
        if match is None or not self._speaker_ok(match):
            return None
        words = match.group("speaker").split()
        if words[0].lower() not in self.pronouns:
            s_start = start + match.start("speaker")
            if self.entities:
                if self._entity_at(s_start, start + match.end("speaker")) is None:
                    return None
            elif len(words) < 2 or re.fullmatch(ARTICLE, words[0], re.IGNORECASE):
                return None
        cue = self._cue(match, start)
        return start + match.start("speaker"), _Cue("", (start, start), cue.speaker_name, cue.speaker_span)

    def _entities_in(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """The entities starting in [start, end)."""
        low = bisect.bisect_left(self.entity_starts, start)
        return list(self.entities[low : bisect.bisect_left(self.entity_starts, end)])

    def _in_quote(self, at: int) -> bool:
        """Whether `at` lies inside a quotation (the marks' spans do not overlap: one look)."""
        index = bisect.bisect_left(self.quoted_starts, at) - 1
        return index >= 0 and at < self.quoted[index][1]

    def _cue_at(self, match: re.Match[str], offset: int, verb: re.Match[str], verb_offset: int) -> _Cue:
        cue = self._cue(match, offset)
        span = (verb_offset + verb.start("cue"), verb_offset + verb.end("cue"))
        return _Cue(self.body[span[0] : span[1]], span, cue.speaker_name, cue.speaker_span)

    def _dropped(self, verb: re.Match[str], offset: int) -> _Cue:
        """A cue whose verb has no subject: the one being quoted speaks."""
        span = (offset + verb.start("cue"), offset + verb.end("cue"))
        return _Cue(self.body[span[0] : span[1]], span, self._antecedent(span[0]), None)

    def within(self, mark: MarkedQuote) -> _Cue | None:
        match = self.inside.search(self.body, mark.start, mark.end)
        if match is not None and self._speaker_ok(match):
            return self._cue(match, 0)
        inverted = None if self.inverted is None else self.inverted.search(self.body, mark.start, mark.end)
        if inverted is not None:
            return self._cue(inverted, 0)
        return None

    def according(self, quotes: list[Quote]) -> list[Quote]:
        """`Selon Macron, la réforme est nécessaire.` and `..., laut Neubauer.`: reported speech."""
        found: list[Quote] = []
        taken = [q.span for q in quotes]
        for match in self.according_clause.finditer(self.body):
            if not self._speaker_ok(match):
                continue
            sentence_start, sentence_end = self._sentence(match.start())
            cue = self._cue(match, 0)
            if self.body[sentence_start : match.start()].strip() == "":
                # "Selon Macron, ..." / "Laut Scholz sei ...": the rest of the sentence.
                start, end = match.end("speaker"), sentence_end
            else:
                start, end = sentence_start, match.start()
            start, end = _strip(self.body, start, end)
            if end - start < 12 or any(s < end and start < e for s, e in taken):
                continue
            found.append(Quote(self.body[start:end], "indirect", (start, end), cue.speaker_name,
                               cue.speaker_span, cue.cue, cue.cue_span))
        return found

    def _sentence(self, at: int) -> tuple[int, int]:
        # Bounded on both sides (a sentence of more than 2,000 characters is cut), so that a body with
        # no line break and no full stop stays linear.
        line_start = self.body.rfind("\n", max(0, at - 2_000), at) + 1
        ends = list(SENTENCE_END.finditer(self.body, max(line_start, at - 400), at))
        start = ends[-1].end() if ends else max(line_start, at - 2_000)
        limit = min(len(self.body), at + 2_000)
        end_match = SENTENCE_END.search(self.body, at, limit)
        line_end = self.body.find("\n", at, limit)
        end = end_match.start() if end_match else limit
        return start, min(end, line_end) if line_end >= 0 else end

    def _speaker_ok(self, match: re.Match[str]) -> bool:
        """A name or description, not a sentence-opening word that merely looks like one."""
        words = match.group("speaker").split()
        if not words or words[0].lower() in self.not_speakers:
            return False
        if words[0].lower() in self.pronouns:
            return len(words) == 1
        if self.language == "de" and self.article.fullmatch(words[0]):
            # A German description names its noun with a capital (`der kurz vor ...` is a clause).
            return any(word[:1].isupper() for word in words[1:])
        return words[0][0].isupper() or self.article.fullmatch(words[0]) is not None

    def _cue(self, match: re.Match[str], offset: int) -> _Cue:
        start, end = offset + match.start("speaker"), offset + match.end("speaker")
        cue_span = ((offset + match.start("cue"), offset + match.end("cue")) if "cue" in match.re.groupindex
                    else (start, start))
        entity = self._entity_at(start, end)
        if entity is not None:
            start, end = entity
        text = self.body[start:end]
        if text.lower() in self.pronouns:
            name = self._antecedent(start)
        elif entity is None and self.opens_with_article.match(text):
            # A description followed by the name it describes (`der Kommunikations- und
            # Konfliktexperte Christian Wirth`): the name.
            named = self._name_after(end)
            # `el ministro Luis Planas`: the name it ends with (not in German, whose nouns have
            # capitals: `die Bürgermeisterin Anna Schmidt` keeps its title).
            inner = (re.search(rf"(?<=\s){NAME_WORD}(?:[^\S\n]+{NAME_WORD})+$", text)
                     if self.language not in CAPITALISED_NOUNS and not self.modelled else None)
            if named is None and inner is not None:
                named = start + inner.start(), end
            if named is not None:
                start, end = named
            text = self.body[start:end]
            name = self._full_name(text, start) if named is not None else text
        else:
            text = _trim_name(text)
            end = start + len(text)
            name = self._full_name(text, start)
        return _Cue(self.body[cue_span[0] : cue_span[1]], cue_span, name, (start, end))

    def _person_like(self, match: re.Match[str], offset: int) -> bool:
        """Whether a speaker found after a plain preposition (`Pour …,`) names somebody rather than a
        time, a place or a thing (`Para el próximo año`, `Pour la première fois`, `Para Semana
        Santa`): a pronoun, or a person or organisation the entity model found there. With no entity
        model (Spanish, Italian) only a pronoun: capitals alone cannot tell `Juan Rallo` from `Juegos
        Olímpicos`."""
        words = match.group("speaker").split()
        if words[0].lower() in self.pronouns:
            return True
        start, end = offset + match.start("speaker"), offset + match.end("speaker")
        return self.modelled and self._entity_at(start, end) is not None

    def _subject_like(self, start: int, end: int) -> bool:
        """Whether the words at [start, end) (a speaker by `_speaker_ok`) can be a verb's subject: more
        than one word, an entity, or a lone word an entity also has (a surname); a lone capitalised
        word of no entity opens the sentence as an adverb or a conjunction (`Dennoch mahnte sie:`)."""
        words = self.body[start:end].split()
        if len(words) > 1 or self._entity_at(start, end) is not None:
            return True
        if self._entity_words is None:
            self._entity_words = {w.casefold() for s, e, _ in self.entities for w in self.body[s:e].split()}
        return bool(words) and words[0].casefold() in self._entity_words

    def _entity_at(self, start: int, end: int) -> tuple[int, int] | None:
        """The entity starting in [start, end): a person before an organisation (`FINA-Präsident
        Husain Al-Musallam` is the president, not the FINA)."""
        inside = self._entities_in(start, end)
        people = [e for e in inside if e[2] in PEOPLE]
        for e_start, e_end, _ in people or inside:
            return e_start, e_end
        return None

    def _name_after(self, end: int) -> tuple[int, int] | None:
        """A name within the next few words of the same clause: an entity, or two capitalised words."""
        stop = end
        limit = min(len(self.body), end + 60)
        while stop < limit and self.body[stop] not in ",.;:!?()\n«»“”„\"":
            stop += 1
        for e_start, e_end, label in self._entities_in(end, stop):
            if label in PEOPLE:
                return e_start, e_end
        names = list(re.finditer(rf"{NAME_WORD}(?:\s+{NAME_WORD})+", self.body[end:stop]))
        if names and not self.entities:
            return end + names[-1].start(), end + names[-1].end()
        if stop < limit and self.body[stop] == ",":
            return self._apposition(stop + 1)
        return None

    def _apposition(self, at: int) -> tuple[int, int] | None:
        """The name set off by a comma after a description (`dijo el ministro de Economía, Carlos
        Cuerpo.`, `a déclaré le ministre de l'Intérieur, Gérald Darmanin,`), ending the clause (a
        comma, a full stop, a bracket or the line's end follow): where an entity model ran, a person
        entity opening the words after the comma; with none (Spanish, Italian), two or more
        capitalised words not opened by an article or a function word. German, whose nouns have
        capitals, needs the entity."""
        match = re.match(rf"[^\S\n]+({NAME})(?=\s*(?:[,.;:!?)\n]|$))", self.body[at : at + 80])
        if match is None:
            return None
        start, end = at + match.start(1), at + match.end(1)
        if self.modelled or self.language in CAPITALISED_NOUNS:
            people = [e for e in self._entities_in(start, start + 1) if e[2] in PEOPLE]
            return (people[0][0], people[0][1]) if people else None
        words = match.group(1).split()
        if len(words) < 2 or words[0].lower() in self.not_speakers or self.article.fullmatch(words[0]):
            return None
        return start, end

    def _antecedent(self, at: int) -> str | None:
        """Who a pronoun (or a verb with no subject) before `at` refers to: the later of the one being
        quoted (the previous speaker, within 3,000 characters) and the last person opening a
        sentence; else the last person entity outside the quotations, else the last name of two or
        more capitalised words."""
        candidates: list[tuple[int, str]] = []
        if self.last_speaker is not None and at - self.last_speaker[0] < 3_000:
            candidates.append(self.last_speaker)  # the one being quoted goes on ("sagte er")
        subject = self._last_subject(at)
        if subject is not None and (not candidates or "\n" not in self.body[subject[0] : at]):
            candidates.append(subject)  # a sentence's subject in the pronoun's own paragraph
        if candidates:
            return max(candidates)[1]
        # Entities by index, names from one scan of the body: no copy of the body or of the entity
        # list per call, so that a body of thousands of quotations stays linear.
        for index in range(bisect.bisect_left(self.entity_starts, at) - 1, -1, -1):
            start, end, label = self.entities[index]
            if end <= at and label in PEOPLE:
                return self._full_name(self.body[start:end], start)
        name = self._last_name(at)
        if name is not None:
            candidates.append((name.start(), _trim_name(name.group())))
        return max(candidates)[1] if candidates else None

    def _last_name(self, at: int) -> re.Match[str] | None:
        """The last name of two capitalised words in `body[:at]`, as a scan of `body[:at]` finds it:
        the matches of one scan of the whole body ending by 1,000 characters before `at` (a match or
        a failed try there does not reach what follows `at`), then a scan of the rest up to `at`."""
        if self.names is None:
            matches = list(TWO_NAMES.finditer(self.body))
            self.names = ([m.end() for m in matches], matches)
        ends, matches = self.names
        index = bisect.bisect_right(ends, at - 1_000)
        last = matches[index - 1] if index > 0 else None
        resume = at - 1_000 if index == len(matches) else min(at - 1_000, matches[index].start())
        rest = list(TWO_NAMES.finditer(self.body, max(0, resume), at))
        return rest[-1] if rest else last

    def _last_subject(self, at: int) -> tuple[int, str] | None:
        """The last person entity opening a sentence (after at most two words: a title, an article)
        in the 3,000 characters before `at`; with no entities, the last name of two or more
        capitalised words opening a sentence (after a phrase set off by a comma, if any)."""
        if not self.entities:
            found = None
            for match in self.sentence_name.finditer(self.body, max(0, at - 3_000), at):
                if not self._in_quote(match.start("name")) and self._subject_word_ok(match.group("name")):
                    found = match
            if found is None:
                return None
            text = _trim_name(found.group("name"))
            return found.start("name"), self._full_name(text, found.start("name"))
        for index in range(bisect.bisect_left(self.entity_starts, at) - 1, -1, -1):
            e_start, e_end, label = self.entities[index]
            if at - e_start > 3_000:
                return None
            if e_end > at or label not in PEOPLE:
                continue
            line_start = self.body.rfind("\n", max(0, e_start - 300), e_start) + 1
            ends = list(SENTENCE_END.finditer(self.body, max(line_start, e_start - 300), e_start))
            before = self.body[ends[-1].end() if ends else line_start : e_start]
            if len(before.split()) <= 2 and not any(c in before for c in ",;:"):
                return e_start, self._full_name(self.body[e_start:e_end], e_start)
        return None

    def _subject_word_ok(self, name: str) -> bool:
        first = name.split()[0]
        return first.lower() not in self.not_speakers and not re.fullmatch(ARTICLE, first, re.IGNORECASE)

    def _full_name(self, text: str, start: int) -> str:
        """A lone surname takes the nearest earlier fuller name ending with it ("Neubauer")."""
        words = text.split()
        if len(words) != 1 or not words[0][0].isupper():
            return text
        # Every fuller name ending with this surname, found once per surname (ends, names), so that
        # a body naming one surname thousands of times stays linear.
        found = self.fuller.get(words[0])
        if found is None:
            matches = list(re.finditer(rf"{NAME_WORD}\s+{re.escape(words[0])}(?!\w)", self.body))
            found = self.fuller[words[0]] = ([m.end() for m in matches], [m.group() for m in matches])
        index = bisect.bisect_right(found[0], start) - 1
        return found[1][index] if index >= 0 else text


def _trim_name(text: str) -> str:
    """Drop trailing lower-case words a pattern took along ("Neubauer und")."""
    words = text.split()
    if not words or not words[0][0].isupper() or re.fullmatch(ARTICLE, words[0], re.IGNORECASE):
        return text  # a description ("le ministre") keeps its words
    while len(words) > 1 and not words[-1][0].isupper():
        words.pop()
    return " ".join(words) if text.split() != words else text


def _strip(body: str, start: int, end: int) -> tuple[int, int]:
    while start < end and (body[start].isspace() or body[start] in ",;:"):
        start += 1
    while end > start and (body[end - 1].isspace() or body[end - 1] in ",;:."):
        end -= 1
    return start, end
