"""Who said it: the cue (reporting verb) near a quotation, its subject, and what that subject refers to.

Rules are simple and precise: the named subject of a reporting verb; a pronoun or a description
("the Secretary General") resolved to the nearest preceding PERSON mention of a compatible kind;
nothing at all when unsure, since a wrong speaker is worse than none.
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

REPORTING_VERBS = frozenset(
    """say tell add argue declare claim insist note write warn ask explain state announce acknowledge
    admit contend predict promise deny assert recall reply respond answer suggest report tweet post
    remark observe comment conclude emphasize stress maintain allege testify vow pledge boast
    complain concede confirm disclose reveal repeat urge caution counter quip joke muse wonder
    believe think charge estimate propose recommend indicate exclaim shout yell scream continue
    mention recount proclaim lament cite quote read tout retort fume chant sing plead demand
    threaten thunder predict reason call describe praise criticize slam blast dub bark snap"""
    .split()
)
PERSON_PRONOUNS = {"he": "m", "him": "m", "she": "f", "her": "f", "i": "?", "we": "p", "they": "p"}
SUBJECT_DEPS = frozenset({"nsubj", "nsubjpass"})


@dataclass(frozen=True, slots=True)
class Attribution:
    """A cue and the speaker it names; speaker_name is None when the mention could not be resolved."""

    cue: str
    cue_span: tuple[int, int]
    speaker_name: str | None
    speaker_span: tuple[int, int] | None


def text_of(doc: Doc) -> str:
    """doc.text, built once: spaCy joins the tokens anew on every access."""
    text = doc.user_data.get("newsdesk_text")
    if not isinstance(text, str):
        text = doc.user_data["newsdesk_text"] = doc.text
    return text


def is_reporting_verb(token: Token) -> bool:
    return token.pos_ in {"VERB", "AUX"} and token.lemma_.lower() in REPORTING_VERBS


def cue_phrase(verb: Token) -> tuple[str, tuple[int, int]]:
    """The reporting verb with its auxiliaries and negation ("has argued", "did not say")."""
    parts = [t for t in verb.children if t.dep_ in {"aux", "auxpass", "neg"} and t.i < verb.i] + [verb]
    start, end = parts[0].idx, verb.idx + len(verb.text)
    return text_of(verb.doc)[start:end], (start, end)


def subject_of(verb: Token) -> Token | None:
    for child in verb.children:
        if child.dep_ in SUBJECT_DEPS and not child.is_punct:
            if child.lower_ in {"who", "that"} and verb.dep_ == "relcl":
                return verb.head  # "Smith, who said ..." -> Smith
            return child
    # "..., he added and said", "he began by saying": a conjoined or dependent verb shares the
    # subject of the verb it hangs from.
    head = verb.head
    for _ in range(3):
        if head is verb or verb.dep_ not in {"conj", "advcl", "xcomp", "pcomp", "prep"}:
            return None
        if head.pos_ in {"VERB", "AUX"}:
            if head.dep_ == "ccomp" and is_reporting_verb(head.head):
                # "Trump told Newsmax that Romney “…,” adding, “…”": Trump adds, not Romney.
                return subject_of(head.head)
            return subject_of(head)
        verb, head = head, head.head
    return None


def mention_span(head: Token) -> Span:
    """The name or noun phrase headed by `head`, without a trailing apposition or relative clause."""
    if head.ent_type_:
        ents = [e for e in head.doc.ents if e.start <= head.i < e.end]
        if ents:
            return ents[0]
    left = head.i
    for child in head.lefts:
        if child.dep_ in {"compound", "amod", "det", "poss", "nmod", "nummod"}:
            left = min(left, child.left_edge.i)
    return head.doc[left : head.i + 1]


def resolve_speaker(subject: Token) -> Attribution | None:
    """Name the speaker behind a subject token, or say it cannot be named (speaker_name None)."""
    span = mention_span(subject)
    offsets = (span.start_char, span.end_char)
    if subject.ent_type_ == "PERSON" and isinstance(span, Span) and span.label_ == "PERSON":
        return Attribution("", (0, 0), full_name(span), offsets)
    if subject.ent_type_ in {"PERSON", "ORG", "NORP", "GPE"}:
        return Attribution("", (0, 0), span.text, offsets)
    if subject.ent_type_:
        return None  # "Saturday said", "a count": a date, a number or a work never speaks
    lower = subject.lower_
    if subject.pos_ == "PRON":
        if lower not in PERSON_PRONOUNS or lower in {"i", "we"}:
            return Attribution("", (0, 0), None, offsets)
        return Attribution("", (0, 0), antecedent(subject, plural=lower == "they"), offsets)
    if subject.pos_ in {"NOUN", "PROPN"}:
        if any(t.dep_ == "det" and t.lower_ == "the" for t in subject.children) and subject.pos_ == "NOUN":
            # A definite description ("the former president") refers back to someone named earlier.
            return Attribution("", (0, 0), antecedent(subject, plural=False) or span.text, offsets)
        return Attribution("", (0, 0), span.text, offsets)
    return None


def antecedent(mention: Token, *, plural: bool) -> str | None:
    """The nearest PERSON named before `mention`, in its sentence or the two before it."""
    doc = mention.doc
    sent_start = mention.sent.start
    window_start = sent_start
    previous = 0
    for sent in doc.sents:
        if sent.start >= sent_start:
            break
        previous += 1
    sents = list(doc.sents) if previous else []
    if previous:
        window_start = sents[max(0, previous - 2)].start
    if plural:
        return None  # "they" is too often a group never named as one
    people = [e for e in doc.ents if e.label_ == "PERSON" and window_start <= e.start and e.end <= mention.i]
    # Grammatical subjects are the salient people: "Rutte took over from Jens Stoltenberg. ... he said"
    subjects = [e for e in people if e.root.dep_ in SUBJECT_DEPS]
    candidates = subjects or people
    return full_name(candidates[-1]) if candidates else None


def full_name(ent: Span) -> str:
    """The longest earlier name ending with the same word ("Rutte" -> "Mark Rutte")."""
    last = ent.text.split()[-1]
    names = [e.text for e in ent.doc.ents if e.label_ == "PERSON" and e.start < ent.start
             and e.text.split()[-1] == last]
    return max([ent.text, *names], key=len)
