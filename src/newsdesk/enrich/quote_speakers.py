"""Who said it: the cue (reporting verb) near a quotation, its subject, and what that subject refers to.

Rules are simple and precise: the named subject of a reporting verb; a pronoun or a description
("the Secretary General") resolved to the nearest preceding PERSON mention of a compatible kind;
nothing at all when unsure, since a wrong speaker is worse than none.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

import numpy
import numpy.typing as npt
from spacy.tokens import Doc, Span, Token

from newsdesk.enrich.nlp import text_of
from newsdesk.enrich.quote_cues import ATTRIBUTION_VERBS_EN
from newsdesk.enrich.quote_cues import REPORTING_VERBS as CUE_VERBS

REPORTING_VERBS = CUE_VERBS["en"]
CUE_LEMMAS = REPORTING_VERBS | ATTRIBUTION_VERBS_EN  # a verb of either may introduce what was said
PERSON_PRONOUNS = {"he": "m", "him": "m", "she": "f", "her": "f", "i": "?", "we": "p", "they": "p"}
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})


@dataclass(frozen=True, slots=True)
class Attribution:
    """A cue and the speaker it names; speaker_name is None when the mention could not be resolved."""

    cue: str
    cue_span: tuple[int, int]
    speaker_name: str | None
    speaker_span: tuple[int, int] | None


def is_reporting_verb(token: Token) -> bool:
    return token.pos_ in {"VERB", "AUX"} and token.lemma_.lower() in REPORTING_VERBS


def cue_phrase(verb: Token) -> tuple[str, tuple[int, int]]:
    """The reporting verb with its auxiliaries and negation ("has argued", "did not say")."""
    parts = [t for t in verb.children if t.dep_ in {"aux", "auxpass", "neg"} and t.i < verb.i] + [verb]
    start, end = parts[0].idx, verb.idx + len(verb.text)
    return text_of(verb.doc)[start:end], (start, end)


def subject_of(verb: Token, outside: range = range(0)) -> Token | None:
    """The subject of a reporting verb, not inside the characters `outside` (the quote itself: in
    `"Anybody who attacks him ...," said Louise Sunshine` the parser gives "said" two subjects)."""
    for child in verb.children:
        if child.dep_ in SUBJECT_DEPS and not child.is_punct and child.idx not in outside:
            if child.lower_ in {"who", "that"} and verb.dep_ == "relcl":
                return verb.head  # "Smith, who said ..." -> Smith
            return child
    # "..., he added and said", "he began by saying": a conjoined or dependent verb shares the
    # subject of the verb it hangs from.
    head = verb.head
    if any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children) and any(
            c.dep_ == "dobj" for c in head.children):
        return None  # "led people to believe": the people believe, not whoever led them
    for _ in range(3):
        if head.i == verb.i or verb.dep_ not in {"conj", "advcl", "xcomp", "pcomp", "prep"}:
            return None
        if head.pos_ in {"VERB", "AUX"}:
            if head.dep_ == "ccomp" and is_reporting_verb(head.head):
                # "Trump told Newsmax that Romney “…,” adding, “…”": Trump adds, not Romney.
                return subject_of(head.head)
            return subject_of(head)
        verb, head = head, head.head
    return None


def entity_of(token: Token) -> Span | None:
    """The entity `token` is part of, unless the recogniser swallowed its verb too ("Trump told
    Business Insider" as one WORK_OF_ART): then it is no entity at all."""
    ent = ent_at(token) if token.ent_type_ else None
    if ent is None:
        return None
    head = token.head
    return None if head.i != token.i and ent.start <= head.i < ent.end else ent


def mention_span(head: Token) -> Span:
    """The name or noun phrase headed by `head`, without a trailing apposition or relative clause."""
    ent = entity_of(head)
    if ent is not None:
        return ent
    left = head.i
    for child in head.lefts:
        if child.dep_ in {"compound", "amod", "det", "poss", "nmod", "nummod"}:
            left = min(left, child.left_edge.i)
    return head.doc[left : head.i + 1]


def resolve_speaker(subject: Token, verb: Token | None = None) -> Attribution | None:
    """Name the speaker behind a subject token, or say it cannot be named (speaker_name None).
    With the cue `verb` of a relative clause ("Smith, who said ..."), the mention is the "who"."""
    found = _resolve(subject)
    if found is not None and verb is not None and verb.dep_ == "relcl" and verb.head.i == subject.i:
        for child in verb.children:
            if child.dep_ in SUBJECT_DEPS and child.lower_ == "who":
                return Attribution("", (0, 0), found.speaker_name, (child.idx, child.idx + len(child.text)))
    return found


def _resolve(subject: Token) -> Attribution | None:
    span = mention_span(subject)
    offsets = (span.start_char, span.end_char)
    ent = entity_of(subject)
    label = ent.label_ if ent is not None else ""
    if label == "PERSON":
        return Attribution("", (0, 0), full_name(span), offsets)
    if label in {"ORG", "NORP", "GPE"}:
        return Attribution("", (0, 0), span.text, offsets)
    if subject.lower_ == "one" and any(c.dep_ == "prep" and c.lower_ == "of" for c in subject.children):
        of = next(c for c in subject.children if c.dep_ == "prep" and c.lower_ == "of")
        end = max((c.i for c in of.children if c.dep_ == "pobj"), default=of.i)
        span = subject.doc[subject.i : end + 1]  # "one of those advisers"
        return Attribution("", (0, 0), span.text, (span.start_char, span.end_char))
    if label:
        return None  # "Saturday said", "a count": a date, a number or a work never speaks
    lower = subject.lower_
    if subject.pos_ == "PRON":
        if lower not in PERSON_PRONOUNS or lower in {"i", "we"}:
            return Attribution("", (0, 0), None, offsets)
        return Attribution("", (0, 0), antecedent(subject, plural=lower == "they"), offsets)
    if subject.pos_ == "PROPN":
        return Attribution("", (0, 0), full_name(span), offsets)
    if subject.pos_ == "NOUN":
        if any(t.dep_ == "det" and t.lower_ == "the" for t in subject.children):
            # A definite description ("the former president") refers back to someone named earlier.
            return Attribution("", (0, 0), antecedent(subject, plural=False) or span.text, offsets)
        return Attribution("", (0, 0), span.text, offsets)
    return None


def ents_of(doc: Doc) -> tuple[Span, ...]:
    """doc.ents, built once (spaCy builds the spans anew on every access) with a token -> entity map."""
    ents = doc.user_data.get("newsdesk_ents")
    if not isinstance(ents, tuple):
        ents = doc.user_data["newsdesk_ents"] = tuple(doc.ents)
        doc.user_data["newsdesk_ent_at"] = {i: ent for ent in ents for i in range(ent.start, ent.end)}
    return ents


def ent_at(token: Token) -> Span | None:
    ents_of(token.doc)
    found: Span | None = token.doc.user_data["newsdesk_ent_at"].get(token.i)
    return found


COLUMNS = ("LOWER", "POS", "LEMMA", "DEP", "ENT_TYPE", "HEAD")


def column(doc: Doc, name: str) -> npt.NDArray[numpy.uint64]:
    """One of `COLUMNS` for every token, as spaCy's ids (HEAD: the head's offset, as uint64), built
    once: a pass over the tokens that reads their attributes one by one costs far more than the rules
    that look at the few tokens these pick out. Read only once the Doc is parsed: a change to its
    annotations after the first call is not seen (enrichment makes none)."""
    table = doc.user_data.get("newsdesk_columns")
    if not isinstance(table, numpy.ndarray):
        table = doc.user_data["newsdesk_columns"] = numpy.asarray(doc.to_array(list(COLUMNS)), numpy.uint64)
    return table[:, COLUMNS.index(name)]


def heads(doc: Doc) -> npt.NDArray[numpy.int64]:
    """The index of every token's head."""
    return numpy.arange(len(doc)) + column(doc, "HEAD").astype(numpy.int64)  # (offsets may be negative)


def one_of(doc: Doc, name: str, values: Iterable[str]) -> npt.NDArray[numpy.bool_]:
    """Per token, whether its `name` column (LOWER, POS, DEP, ENT_TYPE) is one of `values`
    (`token.lower_ in values`, `token.pos_ in values`, ...)."""
    strings = doc.vocab.strings
    return numpy.isin(column(doc, name), _ids([strings[value] for value in values]))


def _ids(values: list[int]) -> npt.NDArray[numpy.uint64]:
    """String ids as uint64 (a plain list of ids above and below 2**63 would become float64 in numpy,
    and ids 1,000 apart equal)."""
    return numpy.array(values, dtype=numpy.uint64)


_LEMMAS: dict[frozenset[str], dict[int, bool]] = {}  # words -> lemma id -> in them (ids are stable)


def lemma_in(doc: Doc, words: frozenset[str]) -> npt.NDArray[numpy.bool_]:
    """Per token, whether its lemma, lowercased, is one of `words` (`token.lemma_.lower() in words`,
    "Said" as well as "said")."""
    lemmas = column(doc, "LEMMA")
    known = _LEMMAS.setdefault(words, {})
    if len(known) > 50_000:  # (a long crawl meets new lemmas without end: bounded, a few MB)
        known.clear()
    strings = doc.vocab.strings
    found = []
    for value in numpy.unique(lemmas).tolist():
        hit = known.get(value)
        if hit is None:
            hit = known[value] = strings[value].lower() in words
        if hit:
            found.append(value)
    return numpy.isin(lemmas, _ids(found))


def sent_starts(doc: Doc) -> list[int]:
    """The first token of every sentence, built once."""
    starts = doc.user_data.get("newsdesk_sent_starts")
    if not isinstance(starts, list):
        starts = doc.user_data["newsdesk_sent_starts"] = [sent.start for sent in doc.sents]
    return starts


def sentence_of(doc: Doc, i: int) -> tuple[int, int]:
    """[start, end) token indexes of the sentence holding token `i` (token.sent walks the sentence)."""
    starts = sent_starts(doc)
    index = bisect.bisect_right(starts, i) - 1
    start = starts[index] if index >= 0 else 0
    return start, starts[index + 1] if index + 1 < len(starts) else len(doc)


def antecedent(mention: Token, *, plural: bool) -> str | None:
    """The nearest person named before `mention`, in its sentence or the two before it, who could be
    speaking: never the one spoken to ("told KTVN", "said to Smith") nor a place a phrase locates
    someone in ("a man from Millbrook"). When the nearest person acting as a subject is someone
    unnamed ("A man who lives there told ..., he said"), the speaker is that description ("A man")."""
    if plural:
        return None  # "they" is too often a group never named as one
    doc = mention.doc
    starts = sent_starts(doc)
    index = bisect.bisect_right(starts, mention.i) - 1
    window_start = starts[max(0, index - 2)] if index >= 0 else 0
    people = [e for e in ents_of(doc)
              if e.label_ == "PERSON" and window_start <= e.start and e.end <= mention.i
              and not _addressed_or_located(e.root)]
    # Grammatical subjects are the salient people: "Rutte took over from Jens Stoltenberg. ... he said"
    subjects = [e for e in people if e.root.dep_ in SUBJECT_DEPS]
    candidates = subjects or people
    unnamed = [t for t in doc[window_start : mention.i] if t.dep_ in SUBJECT_DEPS and _unnamed_person(t)]
    if unnamed and (not candidates or unnamed[-1].i > candidates[-1].start):
        return mention_span(unnamed[-1]).text
    return full_name(candidates[-1]) if candidates else None


PERSON_NOUNS = frozenset(
    """man woman boy girl person resident owner neighbor neighbour witness mother father son daughter
    brother sister wife husband friend victim driver worker teacher student customer parent officer
    spokesman spokeswoman spokesperson official employee manager survivor passenger shopper""".split()
)


def _unnamed_person(token: Token) -> bool:
    """A subject that is a person the text does not name: "a man", "the salon owner"."""
    return token.pos_ == "NOUN" and not token.ent_type_ and token.lemma_.lower() in PERSON_NOUNS


def _addressed_or_located(token: Token) -> bool:
    """Whether a mention is the one spoken to (object of "told", "said to") or a place-like phrase
    ("in Millbrook", "from Millbrook", "of Millbrook residents")."""
    head = token.head
    if token.dep_ in {"dobj", "dative"} and head.lemma_.lower() in {"tell", "ask", "inform", "assure"}:
        return True
    if token.dep_ == "pobj" and head.lower_ in {"in", "from", "at", "near", "to"}:
        verb = head.head
        return head.lower_ != "to" or verb.lemma_.lower() in REPORTING_VERBS
    return False


def full_name(ent: Span) -> str:
    """The nearest earlier person's name ending with the same word ("Rutte" -> "Mark Rutte")."""
    words = ent.text.split()
    if not words:
        return ent.text
    by_last = ent.doc.user_data.get("newsdesk_people_by_last")
    if not isinstance(by_last, dict):
        by_last = {}
        for e in ents_of(ent.doc):
            if e.label_ == "PERSON" and e.text.split():
                by_last.setdefault(e.text.split()[-1], []).append((e.start, e.text))
        ent.doc.user_data["newsdesk_people_by_last"] = by_last
    known = ent.doc.user_data.setdefault("newsdesk_full_names", {})
    if (ent.start, ent.end) in known:  # (asked once per quotation near it: a body of 3,000 "Smith"s)
        return str(known[(ent.start, ent.end)])
    # The nearest earlier fuller name: "Sam Ortega ... Ortega said" is Sam, even after a Lena Ortega.
    names: list[str] = [text for start, text in by_last.get(words[-1], [])
                        if start < ent.start and len(text) > len(ent.text)]
    known[(ent.start, ent.end)] = names[-1] if names else ent.text
    return str(known[(ent.start, ent.end)])
